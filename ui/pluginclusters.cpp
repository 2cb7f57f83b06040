#include "pluginclusters.h"

#include <QHash>

namespace qreload::app {

bool PluginClusters::isCollapsed(const QString &plugin, int componentCount) const
{
    if (plugin.isEmpty())
        return false; // a component of no known plugin (a failed reload's ghost) stays visible
    if (m_collapsed.contains(plugin))
        return true;
    if (m_expanded.contains(plugin))
        return false;
    if (m_all)
        return *m_all;
    return componentCount > m_threshold;
}

void PluginClusters::setCollapsed(const QString &plugin, bool collapsed)
{
    if (collapsed) {
        m_expanded.remove(plugin);
        m_collapsed.insert(plugin);
    } else {
        m_collapsed.remove(plugin);
        m_expanded.insert(plugin);
    }
}

void PluginClusters::setAllCollapsed(bool collapsed)
{
    m_collapsed.clear();
    m_expanded.clear();
    m_all = collapsed;
}

void PluginClusters::reset()
{
    m_collapsed.clear();
    m_expanded.clear();
    m_all.reset();
}

QSet<QString> PluginClusters::collapsedPlugins(const ComponentGraph &graph) const
{
    QSet<QString> collapsed;
    int components = 0;
    for (const ComponentNode &node : graph.nodes)
        components += node.isPlugin() ? 0 : 1;
    for (const QString &plugin : graph.plugins()) {
        if (isCollapsed(plugin, components))
            collapsed.insert(plugin);
    }
    return collapsed;
}

ComponentGraph PluginClusters::apply(const ComponentGraph &graph) const
{
    const QSet<QString> collapsed = collapsedPlugins(graph);
    if (collapsed.isEmpty())
        return graph;

    ComponentGraph drawn;
    drawn.generation = graph.generation;
    // Each component's drawn node: itself, or its plugin's node.
    QHash<QString, QString> drawnAs;
    QHash<QString, int> pluginNode;
    for (const ComponentNode &node : graph.nodes) {
        const QString plugin = node.plugin();
        if (!collapsed.contains(plugin)) {
            drawnAs.insert(node.key, node.key);
            drawn.nodes.append(node);
            continue;
        }
        const QString key = ComponentGraph::pluginNodeKey(plugin);
        drawnAs.insert(node.key, key);
        int at = pluginNode.value(key, -1);
        if (at < 0) {
            ComponentNode group;
            group.kind = ComponentNode::Kind::Plugin;
            group.key = key;
            group.pluginFile = node.pluginFile;
            group.created = true;
            group.removed = true; // until one of its components is still there
            at = int(drawn.nodes.size());
            pluginNode.insert(key, at);
            drawn.nodes.append(group);
        }
        ComponentNode &group = drawn.nodes[at];
        MemberTally &tally = group.members;
        ++tally.components;
        tally.added += node.added ? 1 : 0;
        tally.changed += node.changed ? 1 : 0;
        tally.recreated += node.recreated && !node.changed ? 1 : 0;
        tally.kept += node.kept ? 1 : 0;
        tally.removed += node.removed ? 1 : 0;
        tally.failed += node.failed ? 1 : 0;
        group.added = group.added || node.added;
        group.changed = group.changed || node.changed;
        group.recreated = group.recreated || node.recreated;
        group.failed = group.failed || node.failed;
        group.removed = group.removed && node.removed;
        group.created = group.created && (node.created || node.removed);
        if (node.failed) {
            if (!group.failure.isEmpty())
                group.failure += QLatin1Char('\n');
            group.failure += node.failure;
        }
        group.routes += node.routes;
    }
    for (ComponentNode &group : drawn.nodes) {
        // "kept" means all of it: a plugin some of whose components were rebuilt is not kept.
        if (group.isPlugin())
            group.kept = group.members.kept > 0
                         && group.members.kept + group.members.removed == group.members.components;
    }

    QHash<QPair<QString, QString>, int> edgeAt;
    for (const ComponentLink &link : graph.links) {
        const QString from = drawnAs.value(link.from);
        const QString to = drawnAs.value(link.to);
        if (from.isEmpty() || to.isEmpty() || from == to)
            continue; // inside one collapsed plugin
        const bool aggregated = from != link.from || to != link.to;
        const auto pair = qMakePair(from, to);
        const int at = edgeAt.value(pair, -1);
        if (at < 0) {
            ComponentLink edge = link;
            edge.from = from;
            edge.to = to;
            if (aggregated)
                edge.label.clear();
            edgeAt.insert(pair, int(drawn.links.size()));
            drawn.links.append(edge);
            continue;
        }
        ComponentLink &edge = drawn.links[at];
        edge.count += link.count;
        edge.removed = edge.removed && link.removed;
        edge.label.clear();
    }
    return drawn;
}

} // namespace qreload::app
