#include "componentgraph.h"

#include <QFileInfo>
#include <QSet>

namespace qreload::app {

QString ComponentNode::stateName() const
{
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
        for (ComponentNode &node : graph.nodes) {
            node.added = added.contains(node.key);
            node.changed = !node.added && changed.contains(node.key);
        }
        if (previous) {
            for (const QString &key : last->removed) {
                const ComponentNode *old = previous->node(key);
                if (!old || graph.indexOf(key) >= 0)
                    continue;
                ComponentNode gone = *old;
                gone.removed = true;
                gone.added = gone.changed = gone.failed = false;
                gone.created = false;
                graph.nodes.append(gone);
            }
            for (const ComponentLink &link : previous->links) {
                const int from = graph.indexOf(link.from);
                const int to = graph.indexOf(link.to);
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
    for (const ComponentNode &node : nodes) {
        QString fill = QStringLiteral("#d7ecd9");
        if (node.removed)
            fill = QStringLiteral("#eeeeee");
        else if (node.failed)
            fill = QStringLiteral("#f6c6c6");
        else if (node.added)
            fill = QStringLiteral("#c9e2f8");
        else if (node.changed)
            fill = QStringLiteral("#fbe3b4");
        else if (!node.created)
            fill = QStringLiteral("#ffffff");
        QString label = node.key;
        if (!node.className.isEmpty())
            label += QLatin1Char('\n') + node.className;
        if (!node.pluginFile.isEmpty())
            label += QLatin1Char('\n') + QFileInfo(node.pluginFile).fileName();
        dot += QStringLiteral("    %1 [label=%2, fillcolor=%3%4];\n")
                   .arg(dotQuoted(node.key), dotQuoted(label), dotQuoted(fill),
                        node.removed ? QStringLiteral(", fontcolor=\"#999999\", color=\"#bbbbbb\"")
                                     : QString());
    }
    for (const ComponentLink &link : links) {
        dot += QStringLiteral("    %1 -> %2 [label=%3%4];\n")
                   .arg(dotQuoted(link.from), dotQuoted(link.to), dotQuoted(link.label),
                        link.removed ? QStringLiteral(", color=\"#bbbbbb\", style=dashed")
                                     : QString());
    }
    dot += QStringLiteral("}\n");
    return dot;
}

} // namespace qreload::app
