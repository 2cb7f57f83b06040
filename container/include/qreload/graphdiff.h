#pragma once

#include "qreload/container.h"

#include <QJsonObject>
#include <QSet>

namespace qreload {

/*!
 * What changed in the component graph between two generations, for the reload log and the
 * console's colouring. A key appears in at most one of added, removed and changed; a changed
 * component can also be rewired. Every list is sorted.
 */
class QRELOAD_CONTAINER_EXPORT GraphDiff
{
public:
    QStringList added;   //!< keys only the newer generation has
    QStringList removed; //!< keys only the older generation had
    QStringList changed; //!< keys in both whose plugin file changed (content, or which file)
    QStringList rewired; //!< keys in both whose dependencies, or what they resolve to, changed

    bool isEmpty() const;
    QJsonObject toJson() const;

    /*!
     * Compares two graphs. `changedPluginFiles` are the plugin files (as ComponentInfo::pluginFile
     * names them) whose content differs between the two. Components are compared by key; a
     * dependency is compared by its declaration and by the provider it resolves to, so a new
     * primary provider of an interface rewires its consumers.
     */
    static GraphDiff between(const QList<ComponentInfo> &before,
                             const QList<ComponentEdge> &beforeEdges,
                             const QList<ComponentInfo> &after,
                             const QList<ComponentEdge> &afterEdges,
                             const QSet<QString> &changedPluginFiles);
    static GraphDiff between(const Container &before, const Container &after,
                             const QSet<QString> &changedPluginFiles);
};

} // namespace qreload
