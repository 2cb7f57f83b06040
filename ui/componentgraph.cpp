#include "componentgraph.h"

#include <QFileInfo>
#include <QHash>
#include <QSet>

namespace qreload::app {

QString ComponentNode::stateName() const
{
    if (isPlugin())
        return QStringLiteral("collapsed");
    if (removed)
        return QStringLiteral("removed");
    if (failed)
        return QStringLiteral("failed");
    if (created)
        return QStringLiteral("created");
    if (creation == Creation::Lazy || scope == Scope::Prototype)
        return QStringLiteral("lazy");
    return QStringLiteral("not created");
}

QString ComponentNode::plugin() const
{
    if (isPlugin())
        return key.mid(int(ComponentGraph::pluginNodeKey({}).size()));
    return pluginFile.isEmpty() ? QString() : QFileInfo(pluginFile).fileName();
}

ComponentGraph ComponentGraph::snapshot(const Container &container, quint64 number,
                                        const ReloadRecord *last, const ComponentGraph *previous)
{
    return snapshot(container.components(), container.edges(), number, last, previous);
}

ComponentGraph ComponentGraph::snapshot(const QList<ComponentInfo> &infos,
                                        const QList<ComponentEdge> &edges, quint64 number,
                                        const ReloadRecord *last, const ComponentGraph *previous)
{
    ComponentGraph graph;
    graph.generation = number;
    graph.nodes.reserve(infos.size());
    for (const ComponentInfo &info : infos) {
        ComponentNode node;
        node.key = info.key;
        node.className = info.className;
        node.pluginFile = info.pluginFile;
        node.interfaces = info.interfaces;
        for (const Dependency &dependency : info.dependencies)
            node.dependencies.append(dependency.display());
        node.routes = info.routes;
        node.scope = info.scope;
        node.creation = info.creation;
        node.created = info.created;
        graph.nodes.append(node);
    }
    for (const ComponentEdge &edge : edges)
        graph.links.append(ComponentLink{edge.from, edge.to, edge.dependency.display()});

    if (!last)
        return graph;

    if (last->ok() && last->generationAfter == number) {
        // Everything is new in the first generation: badging it all would say nothing.
        const bool first = last->generationBefore == 0 || last->cause == ReloadCause::Startup;
        const QSet<QString> added
            = first ? QSet<QString>() : QSet<QString>(last->added.cbegin(), last->added.cend());
        const QSet<QString> changed(last->changed.cbegin(), last->changed.cend());
        // Filled by hosts that rebuild proportionally; an older record leaves both empty.
        const QSet<QString> recreated
            = first ? QSet<QString>()
                    : QSet<QString>(last->recreated.cbegin(), last->recreated.cend());
        const QSet<QString> kept
            = first ? QSet<QString>() : QSet<QString>(last->kept.cbegin(), last->kept.cend());
        for (ComponentNode &node : graph.nodes) {
            node.added = added.contains(node.key);
            node.changed = !node.added && changed.contains(node.key);
            node.recreated = !node.added && recreated.contains(node.key);
            node.kept = !node.added && !node.recreated && kept.contains(node.key);
        }
        if (previous) {
            QHash<QString, int> index;
            for (int i = 0; i < graph.nodes.size(); ++i)
                index.insert(graph.nodes.at(i).key, i);
            QHash<QString, int> previousIndex;
            for (int i = 0; i < previous->nodes.size(); ++i)
                previousIndex.insert(previous->nodes.at(i).key, i);
            for (const QString &key : last->removed) {
                const int old = previousIndex.value(key, -1);
                if (old < 0 || index.contains(key) || previous->nodes.at(old).isPlugin())
                    continue;
                ComponentNode gone = previous->nodes.at(old);
                gone.removed = true;
                gone.added = gone.changed = gone.failed = gone.recreated = gone.kept = false;
                gone.created = false;
                index.insert(key, int(graph.nodes.size()));
                graph.nodes.append(gone);
            }
            for (const ComponentLink &link : previous->links) {
                const int from = index.value(link.from, -1);
                const int to = index.value(link.to, -1);
                if (from < 0 || to < 0)
                    continue;
                if (graph.nodes.at(from).removed || graph.nodes.at(to).removed) {
                    ComponentLink faded = link;
                    faded.removed = true;
                    graph.links.append(faded);
                }
            }
        }
    } else if (last->outcome == ReloadOutcome::Failed) {
        for (const Error &error : last->errors) {
            if (error.component().isEmpty())
                continue;
            int at = graph.indexOf(error.component());
            if (at < 0) {
                // A component the failed generation would have added: show it, failed.
                ComponentNode ghost;
                ghost.key = error.component();
                ghost.pluginFile = error.pluginFile();
                graph.nodes.append(ghost);
                at = int(graph.nodes.size()) - 1;
            }
            ComponentNode &node = graph.nodes[at];
            node.failed = true;
            if (!node.failure.isEmpty())
                node.failure += QLatin1Char('\n');
            node.failure += error.message();
        }
    }
    return graph;
}

int ComponentGraph::indexOf(const QString &key) const
{
    for (int i = 0; i < nodes.size(); ++i) {
        if (nodes.at(i).key == key)
            return i;
    }
    return -1;
}

const ComponentNode *ComponentGraph::node(const QString &key) const
{
    const int at = indexOf(key);
    return at < 0 ? nullptr : &nodes.at(at);
}

QString ComponentGraph::pluginNodeKey(const QString &plugin)
{
    return QStringLiteral("plugin:") + plugin;
}

QStringList ComponentGraph::plugins() const
{
    QStringList names;
    QSet<QString> seen;
    for (const ComponentNode &node : nodes) {
        const QString name = node.plugin();
        if (!name.isEmpty() && !seen.contains(name)) {
            seen.insert(name);
            names.append(name);
        }
    }
    return names;
}

bool ComponentGraph::hasClusters() const
{
    QString first;
    for (const ComponentNode &node : nodes) {
        if (node.isPlugin())
            return true; // collapsed plugins stand beside the expanded ones' clusters
        const QString name = node.plugin();
        if (name.isEmpty())
            continue;
        if (first.isEmpty())
            first = name;
        else if (name != first)
            return true;
    }
    return false;
}

static QString dotQuoted(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('"'), QLatin1String("\\\""));
    escaped.replace(QLatin1Char('\n'), QLatin1String("\\n"));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

QString ComponentGraph::toDot() const
{
    QString dot
        = QStringLiteral("digraph generation_%1 {\n"
                         "    rankdir=TB;\n"
                         "    node [shape=box, style=\"rounded,filled\", fontname=\"sans\"];\n")
              .arg(generation);
    const auto nodeLine = [](const ComponentNode &node, const QString &indent) {
        QString fill = QStringLiteral("#d7ecd9");
        if (node.removed)
            fill = QStringLiteral("#eeeeee");
        else if (node.failed)
            fill = QStringLiteral("#f6c6c6");
        else if (node.added)
            fill = QStringLiteral("#c9e2f8");
        else if (node.changed || node.recreated)
            fill = QStringLiteral("#fbe3b4");
        else if (!node.created && !node.isPlugin())
            fill = QStringLiteral("#ffffff");
        QString label = node.isPlugin() ? node.plugin() : node.key;
        if (node.isPlugin())
            label += QStringLiteral("\n%1 components").arg(node.members.components);
        if (!node.className.isEmpty())
            label += QLatin1Char('\n') + node.className;
        if (!node.pluginFile.isEmpty() && !node.isPlugin())
            label += QLatin1Char('\n') + QFileInfo(node.pluginFile).fileName();
        return QStringLiteral("%1%2 [label=%3, fillcolor=%4%5];\n")
            .arg(indent, dotQuoted(node.key), dotQuoted(label), dotQuoted(fill),
                 node.isPlugin() ? QStringLiteral(", shape=box3d, style=filled")
                 : node.removed  ? QStringLiteral(", fontcolor=\"#999999\", color=\"#bbbbbb\"")
                                 : QString());
    };
    if (hasClusters()) {
        // One cluster per plugin whose components are drawn; collapsed plugins and components of
        // no known plugin stand outside.
        QHash<QString, QList<int>> members;
        const QStringList names = plugins();
        for (int i = 0; i < nodes.size(); ++i) {
            if (!nodes.at(i).isPlugin())
                members[nodes.at(i).plugin()].append(i);
        }
        int cluster = 0;
        for (const QString &name : names) {
            const QList<int> keys = members.value(name);
            if (keys.isEmpty())
                continue;
            dot += QStringLiteral("    subgraph cluster_%1 {\n"
                                  "        label=%2;\n"
                                  "        style=\"rounded\";\n"
                                  "        color=\"#9aa5b5\";\n")
                       .arg(cluster++)
                       .arg(dotQuoted(name));
            for (int i : keys)
                dot += nodeLine(nodes.at(i), QStringLiteral("        "));
            dot += QStringLiteral("    }\n");
        }
        for (int i : members.value(QString()))
            dot += nodeLine(nodes.at(i), QStringLiteral("    "));
        for (const ComponentNode &node : nodes) {
            if (node.isPlugin())
                dot += nodeLine(node, QStringLiteral("    "));
        }
    } else {
        for (const ComponentNode &node : nodes)
            dot += nodeLine(node, QStringLiteral("    "));
    }
    for (const ComponentLink &link : links) {
        const QString label
            = link.count > 1 ? QStringLiteral("%1 dependencies").arg(link.count) : link.label;
        dot += QStringLiteral("    %1 -> %2 [label=%3%4];\n")
                   .arg(dotQuoted(link.from), dotQuoted(link.to), dotQuoted(label),
                        link.removed ? QStringLiteral(", color=\"#bbbbbb\", style=dashed")
                                     : QString());
    }
    dot += QStringLiteral("}\n");
    return dot;
}

} // namespace qreload::app
