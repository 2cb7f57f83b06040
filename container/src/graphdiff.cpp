#include "qreload/graphdiff.h"

#include <QHash>
#include <QJsonArray>

namespace qreload {

namespace {

// One dependency as the diff sees it: the declaration and the provider it resolved to.
QStringList wiring(const QString &key, const ComponentInfo &info,
                   const QMultiHash<QString, const ComponentEdge *> &edgesFrom)
{
    QStringList out;
    for (const Dependency &dep : info.dependencies)
        out.append(QStringLiteral("declares ") + dep.display());
    const QList<const ComponentEdge *> edges = edgesFrom.values(key);
    for (const ComponentEdge *edge : edges)
        out.append(edge->dependency.display() + QStringLiteral(" -> ") + edge->to);
    out.sort();
    return out;
}

QMultiHash<QString, const ComponentEdge *> byOrigin(const QList<ComponentEdge> &edges)
{
    QMultiHash<QString, const ComponentEdge *> out;
    for (const ComponentEdge &edge : edges)
        out.insert(edge.from, &edge);
    return out;
}

} // namespace

bool GraphDiff::isEmpty() const
{
    return added.isEmpty() && removed.isEmpty() && changed.isEmpty() && rewired.isEmpty();
}

QJsonObject GraphDiff::toJson() const
{
    return {
        {QLatin1String("added"), QJsonArray::fromStringList(added)},
        {QLatin1String("removed"), QJsonArray::fromStringList(removed)},
        {QLatin1String("changed"), QJsonArray::fromStringList(changed)},
        {QLatin1String("rewired"), QJsonArray::fromStringList(rewired)},
    };
}

GraphDiff GraphDiff::between(const QList<ComponentInfo> &before,
                             const QList<ComponentEdge> &beforeEdges,
                             const QList<ComponentInfo> &after,
                             const QList<ComponentEdge> &afterEdges,
                             const QSet<QString> &changedPluginFiles)
{
    // With duplicate keys (a graph that failed validation) the first registration counts, as it
    // does for lookups.
    QHash<QString, const ComponentInfo *> old;
    for (const ComponentInfo &info : before) {
        if (!old.contains(info.key))
            old.insert(info.key, &info);
    }
    const auto oldEdges = byOrigin(beforeEdges);
    const auto newEdges = byOrigin(afterEdges);

    GraphDiff diff;
    QSet<QString> seen;
    for (const ComponentInfo &info : after) {
        if (seen.contains(info.key))
            continue;
        seen.insert(info.key);
        const ComponentInfo *previous = old.value(info.key);
        if (!previous) {
            diff.added.append(info.key);
            continue;
        }
        if (previous->pluginFile != info.pluginFile || changedPluginFiles.contains(info.pluginFile))
            diff.changed.append(info.key);
        if (wiring(info.key, *previous, oldEdges) != wiring(info.key, info, newEdges))
            diff.rewired.append(info.key);
    }
    for (auto it = old.constBegin(); it != old.constEnd(); ++it) {
        if (!seen.contains(it.key()))
            diff.removed.append(it.key());
    }
    diff.added.sort();
    diff.removed.sort();
    diff.changed.sort();
    diff.rewired.sort();
    return diff;
}

GraphDiff GraphDiff::between(const Container &before, const Container &after,
                             const QSet<QString> &changedPluginFiles)
{
    GraphDiff diff;
    Container::compare(before, after, changedPluginFiles, &diff);
    return diff;
}

} // namespace qreload
