#include "componentneighbourhood.h"

#include <QHash>

namespace qreload::app {

QSet<QString> ComponentNeighbourhood::keys(const ComponentGraph &graph) const
{
    if (key.isEmpty() || graph.indexOf(key) < 0)
        return {};
    QHash<QString, QStringList> dependencies;
    QHash<QString, QStringList> dependents;
    for (const ComponentLink &link : graph.links) {
        dependencies[link.from].append(link.to);
        dependents[link.to].append(link.from);
    }
    QSet<QString> found{key};
    // Breadth first, once along dependencies and once along dependents.
    for (const QHash<QString, QStringList> *next : {&dependencies, &dependents}) {
        QStringList frontier{key};
        QSet<QString> seen{key};
        for (int hop = 0; hop < hops && !frontier.isEmpty(); ++hop) {
            QStringList reached;
            for (const QString &from : std::as_const(frontier)) {
                for (const QString &to : next->value(from)) {
                    if (!seen.contains(to)) {
                        seen.insert(to);
                        reached.append(to);
                    }
                }
            }
            found.unite(QSet<QString>(reached.cbegin(), reached.cend()));
            frontier = reached;
        }
    }
    return found;
}

ComponentGraph ComponentNeighbourhood::apply(const ComponentGraph &graph) const
{
    if (isEmpty())
        return graph;
    const QSet<QString> inside = keys(graph);
    ComponentGraph shown;
    shown.generation = graph.generation;
    for (const ComponentNode &node : graph.nodes) {
        if (inside.contains(node.key))
            shown.nodes.append(node);
    }
    for (const ComponentLink &link : graph.links) {
        if (inside.contains(link.from) && inside.contains(link.to))
            shown.links.append(link);
    }
    return shown;
}

} // namespace qreload::app
