#pragma once

#include "reloadrecord.h"

#include <qreload/container.h>

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace qreload::app {

//! One component as the console draws it: what the container says, plus what the last reload did.
struct ComponentNode
{
    QString key;
    QString className;
    QString pluginFile;
    QStringList interfaces;
    QStringList dependencies; //!< Dependency::display() of each declared dependency
    QStringList routes;       //!< "GET /path"
    Scope scope = Scope::Singleton;
    Creation creation = Creation::Eager;
    bool created = false; //!< an instance exists (lazy components may not have one yet)
    bool added = false;   //!< new in the last successful reload
    bool changed = false; //!< its plugin file changed in the last successful reload
    bool removed = false; //!< gone since the last reload; shown faded until the next one
    bool failed = false;  //!< named by an error of the last (failed) reload
    QString failure;      //!< that error's text

    //! A one-word state for badges and tests: removed, failed, created, lazy, not created.
    QString stateName() const;
};

//! A dependency edge; `to` is the component the dependency resolved to.
struct ComponentLink
{
    QString from;
    QString to;
    QString label;        //!< the dependency as declared (interface or key)
    bool removed = false; //!< belongs to a removed component
};

/*!
 * A snapshot of one generation's component graph, annotated with the last reload's effects.
 * A plain value: taken on the main thread from the container, then laid out and drawn anywhere.
 */
struct ComponentGraph
{
    quint64 generation = 0;
    QList<ComponentNode> nodes;
    QList<ComponentLink> links;

    /*!
     * The graph of `container` (generation `number`). When `last` is given, nodes are marked
     * added/changed from it when it succeeded, failed from its errors when it failed, and the
     * components it removed are kept from `previous` as removed nodes.
     */
    static ComponentGraph snapshot(const Container &container, quint64 number,
                                   const ReloadRecord *last = nullptr,
                                   const ComponentGraph *previous = nullptr);
    //! The same from what the host reported of a generation (GenerationSnapshot).
    static ComponentGraph snapshot(const QList<ComponentInfo> &components,
                                   const QList<ComponentEdge> &edges, quint64 number,
                                   const ReloadRecord *last = nullptr,
                                   const ComponentGraph *previous = nullptr);

    int indexOf(const QString &key) const;
    const ComponentNode *node(const QString &key) const;
    bool isEmpty() const { return nodes.isEmpty(); }
    //! Graphviz DOT with the state as node colours (for export).
    QString toDot() const;
};

} // namespace qreload::app

Q_DECLARE_METATYPE(qreload::app::ComponentGraph)
