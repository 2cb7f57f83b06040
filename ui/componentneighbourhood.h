#pragma once

#include "componentgraph.h"

#include <QSet>
#include <QString>

namespace qreload::app {

/*!
 * One component and what is around it: its dependencies and their dependencies, and its
 * dependents and theirs, up to `hops` edges away. Dependencies are followed downwards and
 * dependents upwards only, so 2 hops shows what a component needs and what needs it, not its
 * siblings (the other dependents of its dependencies).
 */
struct ComponentNeighbourhood
{
    QString key; //!< the component in the middle; empty: no neighbourhood (the whole graph)
    int hops = 1;

    bool isEmpty() const { return key.isEmpty(); }
    //! The keys of `graph` in the neighbourhood (`key` included); empty if `key` is not in it.
    QSet<QString> keys(const ComponentGraph &graph) const;
    //! `graph` reduced to the neighbourhood: its components and the links among them.
    ComponentGraph apply(const ComponentGraph &graph) const;
};

} // namespace qreload::app
