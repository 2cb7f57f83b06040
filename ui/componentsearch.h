#pragma once

#include "componentgraph.h"

#include <QString>
#include <QStringList>

namespace qreload::app {

/*!
 * Finds components by what a user types: a case-insensitive substring of the key, the class name
 * or a provided interface. Best matches first: the exact key, then keys that start with the text,
 * then keys that contain it, then class names, then interfaces; the graph's order within each.
 * Collapsed plugins do not hide their components (search the whole graph, not the drawn one).
 */
class ComponentSearch
{
public:
    //! The keys of the components of `graph` that match `text` (none for blank text).
    static QStringList matches(const ComponentGraph &graph, const QString &text);
};

} // namespace qreload::app
