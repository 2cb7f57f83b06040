#include "generationsnapshot.h"

#include <QCborArray>
#include <QHash>
#include <QJsonArray>

#include <algorithm>
#include <span>

namespace qreload::app {

namespace {

QCborArray strings(const QStringList &list)
{
    QCborArray array;
    for (const QString &s : list)
        array.append(s);
    return array;
}

QStringList strings(const QCborValue &value)
{
    QStringList list;
    for (const QCborValue &item : value.toArray())
        list.append(item.toString());
    return list;
}

QCborMap dependencyToCbor(const Dependency &d)
{
    return QCborMap{{QStringLiteral("kind"), int(d.kind)},
                    {QStringLiteral("target"), d.target},
                    {QStringLiteral("qualifier"), d.qualifier}};
}

Dependency dependencyFromCbor(const QCborMap &m)
{
    Dependency d;
    d.kind = Dependency::Kind(m.value(QStringLiteral("kind")).toInteger());
    d.target = m.value(QStringLiteral("target")).toString();
    d.qualifier = m.value(QStringLiteral("qualifier")).toString();
    return d;
}

QCborMap componentToCbor(const ComponentInfo &c)
{
    QCborArray dependencies;
    for (const Dependency &d : c.dependencies)
        dependencies.append(dependencyToCbor(d));
    return QCborMap{
        {QStringLiteral("key"), c.key},
        {QStringLiteral("className"), c.className},
        {QStringLiteral("pluginFile"), c.pluginFile},
        {QStringLiteral("interfaces"), strings(c.interfaces)},
        {QStringLiteral("dependencies"), dependencies},
        {QStringLiteral("scope"), int(c.scope)},
        {QStringLiteral("creation"), int(c.creation)},
        {QStringLiteral("primary"), c.primary},
        {QStringLiteral("qualifier"), c.qualifier},
        {QStringLiteral("created"), c.created},
        {QStringLiteral("routes"), strings(c.routes)},
        {QStringLiteral("stateVersion"), c.stateVersion},
    };
}

ComponentInfo componentFromCbor(const QCborMap &m)
{
    ComponentInfo c;
    c.key = m.value(QStringLiteral("key")).toString();
    c.className = m.value(QStringLiteral("className")).toString();
    c.pluginFile = m.value(QStringLiteral("pluginFile")).toString();
    c.interfaces = strings(m.value(QStringLiteral("interfaces")));
    for (const QCborValue &d : m.value(QStringLiteral("dependencies")).toArray())
        c.dependencies.append(dependencyFromCbor(d.toMap()));
    c.scope = Scope(m.value(QStringLiteral("scope")).toInteger());
    c.creation = Creation(m.value(QStringLiteral("creation")).toInteger());
    c.primary = m.value(QStringLiteral("primary")).toBool();
    c.qualifier = m.value(QStringLiteral("qualifier")).toString();
    c.created = m.value(QStringLiteral("created")).toBool();
    c.routes = strings(m.value(QStringLiteral("routes")));
    c.stateVersion = int(m.value(QStringLiteral("stateVersion")).toInteger(-1));
    return c;
}

QCborMap edgeToCbor(const ComponentEdge &e)
{
    return QCborMap{{QStringLiteral("from"), e.from},
                    {QStringLiteral("to"), e.to},
                    {QStringLiteral("dependency"), dependencyToCbor(e.dependency)}};
}

ComponentEdge edgeFromCbor(const QCborMap &m)
{
    return ComponentEdge{m.value(QStringLiteral("from")).toString(),
                         m.value(QStringLiteral("to")).toString(),
                         dependencyFromCbor(m.value(QStringLiteral("dependency")).toMap())};
}

QCborArray pluginsToCbor(const QList<PluginSource> &plugins)
{
    QCborArray array;
    for (const PluginSource &p : plugins)
        array.append(QCborMap{{QStringLiteral("origin"), p.originPath},
                              {QStringLiteral("load"), p.loadPath},
                              {QStringLiteral("hash"), p.contentHash}});
    return array;
}

QList<PluginSource> pluginsFromCbor(const QCborValue &value)
{
    QList<PluginSource> plugins;
    for (const QCborValue &item : value.toArray()) {
        const QCborMap m = item.toMap();
        plugins.append(PluginSource{m.value(QStringLiteral("origin")).toString(),
                                    m.value(QStringLiteral("load")).toString(),
                                    m.value(QStringLiteral("hash")).toByteArray()});
    }
    return plugins;
}

bool sameComponent(const ComponentInfo &a, const ComponentInfo &b)
{
    return a.key == b.key && a.className == b.className && a.pluginFile == b.pluginFile
           && a.interfaces == b.interfaces && a.dependencies == b.dependencies && a.scope == b.scope
           && a.creation == b.creation && a.primary == b.primary && a.qualifier == b.qualifier
           && a.created == b.created && a.routes == b.routes && a.stateVersion == b.stateVersion;
}

bool sameEdge(const ComponentEdge &a, const ComponentEdge &b)
{
    return a.from == b.from && a.to == b.to && a.dependency == b.dependency;
}

bool samePlugin(const PluginSource &a, const PluginSource &b)
{
    return a.originPath == b.originPath && a.loadPath == b.loadPath
           && a.contentHash == b.contentHash;
}

template<typename T, typename Same>
bool sameList(const QList<T> &a, const QList<T> &b, Same same)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), same);
}

/*!
 * Each component's outgoing edges, as a span of the edge list. Container::edges() lists them by
 * component, in component order: then one pass over both lists finds them, with no lookups (a
 * delta of 1,000 components must cost far less than sending them). Edges in any other order are
 * grouped by key instead.
 */
class OutgoingEdges
{
public:
    OutgoingEdges(const QList<ComponentInfo> &components, const QList<ComponentEdge> &edges)
        : m_edges(edges)
    {
        m_spans.reserve(components.size());
        qsizetype e = 0;
        for (const ComponentInfo &c : components) {
            const qsizetype first = e;
            while (e < edges.size() && edges.at(e).from == c.key)
                ++e;
            m_spans.append({first, e});
        }
        m_inOrder = e == edges.size();
        if (!m_inOrder) {
            for (const ComponentEdge &edge : edges)
                m_grouped[edge.from].append(edge);
        }
    }

    //! The outgoing edges of the component at `index`, whose key is `key`.
    std::span<const ComponentEdge> of(qsizetype index, const QString &key) const
    {
        if (m_inOrder) {
            const auto [first, last] = m_spans.at(index);
            return {m_edges.constData() + first, size_t(last - first)};
        }
        const auto it = m_grouped.constFind(key);
        if (it == m_grouped.constEnd())
            return {};
        return {it->constData(), size_t(it->size())};
    }

private:
    const QList<ComponentEdge> &m_edges;
    QList<std::pair<qsizetype, qsizetype>> m_spans;
    bool m_inOrder = true;
    QHash<QString, QList<ComponentEdge>> m_grouped;
};

bool sameEdges(std::span<const ComponentEdge> a, std::span<const ComponentEdge> b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), sameEdge);
}

} // namespace

const ComponentInfo *GenerationSnapshot::component(const QString &key) const
{
    for (const ComponentInfo &info : components) {
        if (info.key == key)
            return &info;
    }
    return nullptr;
}

QJsonObject GenerationSnapshot::statusJson() const
{
    QJsonArray componentList;
    for (const ComponentInfo &c : components) {
        QJsonArray dependencies;
        QJsonArray dependencyDetails;
        for (const Dependency &d : c.dependencies) {
            dependencies.append(d.display());
            dependencyDetails.append(
                QJsonObject{{QLatin1String("kind"), Dependency::kindName(d.kind)},
                            {QLatin1String("target"), d.target},
                            {QLatin1String("qualifier"), d.qualifier}});
        }
        componentList.append(QJsonObject{
            {QLatin1String("key"), c.key},
            {QLatin1String("className"), c.className},
            {QLatin1String("pluginFile"), c.pluginFile},
            {QLatin1String("dependencies"), dependencies},
            {QLatin1String("dependencyDetails"), dependencyDetails},
            {QLatin1String("interfaces"), QJsonArray::fromStringList(c.interfaces)},
            {QLatin1String("scope"), c.scope == Scope::Singleton ? QStringLiteral("singleton")
                                                                 : QStringLiteral("prototype")},
            {QLatin1String("lazy"), c.creation == Creation::Lazy},
            {QLatin1String("created"), c.created},
            {QLatin1String("routes"), QJsonArray::fromStringList(c.routes)},
            {QLatin1String("carriesState"), c.stateVersion >= 0},
        });
    }
    QJsonArray pluginList;
    for (const PluginSource &p : plugins) {
        pluginList.append(QJsonObject{
            {QLatin1String("file"), p.originPath},
            {QLatin1String("contentHash"), QString::fromLatin1(p.contentHash.toHex())}});
    }
    return QJsonObject{{QLatin1String("generation"), qint64(number)},
                       {QLatin1String("components"), componentList},
                       {QLatin1String("plugins"), pluginList}};
}

QCborMap GenerationSnapshot::toCbor() const
{
    QCborArray components;
    for (const ComponentInfo &c : this->components)
        components.append(componentToCbor(c));
    QCborArray edges;
    for (const ComponentEdge &e : this->edges)
        edges.append(edgeToCbor(e));
    return QCborMap{{QStringLiteral("number"), qint64(number)},
                    {QStringLiteral("components"), components},
                    {QStringLiteral("edges"), edges},
                    {QStringLiteral("plugins"), pluginsToCbor(plugins)}};
}

GenerationSnapshot GenerationSnapshot::fromCbor(const QCborMap &map)
{
    GenerationSnapshot s;
    s.number = quint64(map.value(QStringLiteral("number")).toInteger());
    for (const QCborValue &value : map.value(QStringLiteral("components")).toArray())
        s.components.append(componentFromCbor(value.toMap()));
    for (const QCborValue &value : map.value(QStringLiteral("edges")).toArray())
        s.edges.append(edgeFromCbor(value.toMap()));
    s.plugins = pluginsFromCbor(map.value(QStringLiteral("plugins")));
    return s;
}

QCborMap GenerationSnapshot::deltaCbor(const GenerationSnapshot &base) const
{
    // Usually the same components in the same order (a reload of changed files, Reload all):
    // then component i is base's component i, and nothing is looked up.
    bool sameKeys = components.size() == base.components.size();
    for (qsizetype i = 0; sameKeys && i < components.size(); ++i)
        sameKeys = components.at(i).key == base.components.at(i).key;
    QHash<QString, qsizetype> beforeIndex;
    if (!sameKeys) {
        beforeIndex.reserve(base.components.size());
        for (qsizetype i = 0; i < base.components.size(); ++i)
            beforeIndex.insert(base.components.at(i).key, i);
    }
    const OutgoingEdges beforeEdges(base.components, base.edges);
    const OutgoingEdges afterEdges(components, edges);

    QCborArray changedComponents;
    QCborArray changedEdges; // [{from, edges: [...]}] for components whose outgoing edges differ
    for (qsizetype i = 0; i < components.size(); ++i) {
        const ComponentInfo &c = components.at(i);
        const qsizetype old = sameKeys ? i : beforeIndex.value(c.key, -1);
        if (old < 0 || !sameComponent(base.components.at(old), c))
            changedComponents.append(componentToCbor(c));
        const std::span<const ComponentEdge> after = afterEdges.of(i, c.key);
        if (!sameEdges(old < 0 ? std::span<const ComponentEdge>() : beforeEdges.of(old, c.key),
                       after)) {
            QCborArray list;
            for (const ComponentEdge &e : after)
                list.append(edgeToCbor(e));
            changedEdges.append(
                QCborMap{{QStringLiteral("from"), c.key}, {QStringLiteral("edges"), list}});
        }
    }
    QCborMap delta{{QStringLiteral("number"), qint64(number)},
                   {QStringLiteral("base"), qint64(base.number)},
                   {QStringLiteral("components"), changedComponents},
                   {QStringLiteral("edges"), changedEdges},
                   {QStringLiteral("plugins"), pluginsToCbor(plugins)}};
    // The key order (which also says which components are gone) only when it changed.
    if (!sameKeys) {
        QCborArray keys;
        for (const ComponentInfo &c : components)
            keys.append(c.key);
        delta.insert(QStringLiteral("keys"), keys);
    }
    return delta;
}

bool GenerationSnapshot::isDelta(const QCborMap &map)
{
    return map.contains(QStringLiteral("base"));
}

bool GenerationSnapshot::applyDeltaCbor(const QCborMap &delta)
{
    if (quint64(delta.value(QStringLiteral("base")).toInteger()) != number)
        return false;
    QHash<QString, ComponentInfo> changed;
    for (const QCborValue &value : delta.value(QStringLiteral("components")).toArray()) {
        ComponentInfo c = componentFromCbor(value.toMap());
        changed.insert(c.key, std::move(c));
    }
    QHash<QString, QList<ComponentEdge>> changedEdges;
    for (const QCborValue &value : delta.value(QStringLiteral("edges")).toArray()) {
        const QCborMap m = value.toMap();
        QList<ComponentEdge> list;
        for (const QCborValue &edge : m.value(QStringLiteral("edges")).toArray())
            list.append(edgeFromCbor(edge.toMap()));
        changedEdges.insert(m.value(QStringLiteral("from")).toString(), list);
    }
    // Without "keys" the components and their order are this snapshot's.
    const bool sameKeys = !delta.contains(QStringLiteral("keys"));
    QStringList keys;
    QHash<QString, qsizetype> position;
    if (sameKeys) {
        keys.reserve(components.size());
        for (const ComponentInfo &c : std::as_const(components))
            keys.append(c.key);
    } else {
        keys = strings(delta.value(QStringLiteral("keys")));
        position.reserve(components.size());
        for (qsizetype i = 0; i < components.size(); ++i)
            position.insert(components.at(i).key, i);
    }

    QList<ComponentInfo> nextComponents;
    nextComponents.reserve(keys.size());
    qsizetype changedTaken = 0;
    for (qsizetype i = 0; i < keys.size(); ++i) {
        const QString &key = keys.at(i);
        if (const auto it = changed.constFind(key); it != changed.constEnd()) {
            nextComponents.append(*it);
            ++changedTaken;
            continue;
        }
        const qsizetype old = sameKeys ? i : position.value(key, -1);
        if (old < 0)
            return false; // neither sent nor known: not a delta of this snapshot
        nextComponents.append(components.at(old));
    }
    // Every changed component must be one of ours when the order did not change.
    if (sameKeys && changedTaken != changed.size())
        return false;
    if (!sameKeys || !changedEdges.isEmpty()) {
        const OutgoingEdges edgesBefore(components, edges);
        QList<ComponentEdge> nextEdges;
        nextEdges.reserve(edges.size());
        for (qsizetype i = 0; i < keys.size(); ++i) {
            const QString &key = keys.at(i);
            if (const auto it = changedEdges.constFind(key); it != changedEdges.constEnd()) {
                nextEdges.append(*it);
                continue;
            }
            const qsizetype old = sameKeys ? i : position.value(key, -1);
            if (old >= 0) {
                for (const ComponentEdge &e : edgesBefore.of(old, key))
                    nextEdges.append(e);
            }
        }
        edges = std::move(nextEdges);
    }
    number = quint64(delta.value(QStringLiteral("number")).toInteger());
    components = std::move(nextComponents);
    plugins = pluginsFromCbor(delta.value(QStringLiteral("plugins")));
    return true;
}

bool GenerationSnapshot::operator==(const GenerationSnapshot &other) const
{
    return number == other.number && sameList(components, other.components, sameComponent)
           && sameList(edges, other.edges, sameEdge)
           && sameList(plugins, other.plugins, samePlugin);
}

} // namespace qreload::app
