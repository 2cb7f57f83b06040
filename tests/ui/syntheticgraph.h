#pragma once

// Component graphs of made-up applications for the graph tests and graphbench: `plugins`
// plugins of `perPlugin` components each, keys "p<i>.c<j>" as the scale bench's generated app
// names them, no plugin loaded.

#include <componentgraph.h>

#include <QRandomGenerator>

namespace synthetic {

inline QString key(int plugin, int component)
{
    return QStringLiteral("p%1.c%2").arg(plugin).arg(component);
}

inline QString pluginFile(int plugin)
{
    return QStringLiteral("/plugins/libp%1.so").arg(plugin);
}

/*!
 * Each component depends on the one before it in its plugin, every third also on one further
 * back, and every fifth on a component of an earlier plugin (picked by a fixed seed), so there
 * are edges inside plugins, across them, and chains several hops long. Every component of a
 * plugin provides org.example.IP<i>; c0 also provides org.example.IStore.
 */
inline qreload::app::ComponentGraph graph(int plugins, int perPlugin, quint64 generation = 1)
{
    using namespace qreload::app;
    ComponentGraph graph;
    graph.generation = generation;
    QRandomGenerator random(42);
    for (int p = 0; p < plugins; ++p) {
        for (int c = 0; c < perPlugin; ++c) {
            ComponentNode node;
            node.key = key(p, c);
            node.className = QStringLiteral("P%1Component%2").arg(p).arg(c);
            node.pluginFile = pluginFile(p);
            node.interfaces = {QStringLiteral("org.example.IP%1").arg(p)};
            if (c == 0)
                node.interfaces.append(QStringLiteral("org.example.IStore"));
            node.created = true;
            const auto dependOn = [&](const QString &to) {
                node.dependencies.append(to);
                graph.links.append(ComponentLink{node.key, to, to});
            };
            if (c > 0)
                dependOn(key(p, c - 1));
            if (c > 2 && c % 3 == 0)
                dependOn(key(p, c - 3));
            if (p > 0 && c % 5 == 0)
                dependOn(key(int(random.bounded(p)), int(random.bounded(perPlugin))));
            graph.nodes.append(node);
        }
    }
    return graph;
}

} // namespace synthetic
