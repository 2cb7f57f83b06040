#include "generationsnapshot.h"

#include <QCborArray>
#include <QHash>
#include <QJsonArray>

#include <algorithm>

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

//! Each component's outgoing edges, in their order.
QHash<QString, QList<ComponentEdge>> edgesByComponent(const QList<ComponentEdge> &edges)
{
    QHash<QString, QList<ComponentEdge>> out;
    for (const ComponentEdge &e : edges)
        out[e.from].append(e);
    return out;
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

GenerationSnapshot GenerationSnapshot::of(const Generation &generation)
{
    GenerationSnapshot s;
    s.number = generation.number();
    s.components = generation.container().components();
    s.edges = generation.container().edges();
    s.plugins = generation.plugins();
    return s;
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
    QHash<QString, const ComponentInfo *> before;
    before.reserve(base.components.size());
    for (const ComponentInfo &c : base.components)
        before.insert(c.key, &c);
    const QHash<QString, QList<ComponentEdge>> beforeEdges = edgesByComponent(base.edges);
    const QHash<QString, QList<ComponentEdge>> afterEdges = edgesByComponent(edges);

    QStringList keys;
    keys.reserve(components.size());
    QCborArray changedComponents;
    QCborArray changedEdges; // [{from, edges: [...]}] for components whose outgoing edges differ
    for (const ComponentInfo &c : components) {
        keys.append(c.key);
        const ComponentInfo *old = before.value(c.key);
        if (!old || !sameComponent(*old, c))
            changedComponents.append(componentToCbor(c));
        const QList<ComponentEdge> after = afterEdges.value(c.key);
        if (!sameList(beforeEdges.value(c.key), after, sameEdge)) {
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
    bool sameKeys = keys.size() == base.components.size();
    for (qsizetype i = 0; sameKeys && i < keys.size(); ++i)
        sameKeys = keys.at(i) == base.components.at(i).key;
    if (!sameKeys)
        delta.insert(QStringLiteral("keys"), strings(keys));
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
    QStringList keys;
    if (delta.contains(QStringLiteral("keys"))) {
        keys = strings(delta.value(QStringLiteral("keys")));
    } else {
        keys.reserve(components.size());
        for (const ComponentInfo &c : std::as_const(components))
            keys.append(c.key);
    }

    QHash<QString, qsizetype> position;
    position.reserve(components.size());
    for (qsizetype i = 0; i < components.size(); ++i)
        position.insert(components.at(i).key, i);
    const QHash<QString, QList<ComponentEdge>> edgesBefore = edgesByComponent(edges);
    QList<ComponentInfo> nextComponents;
    nextComponents.reserve(keys.size());
    QList<ComponentEdge> nextEdges;
    nextEdges.reserve(edges.size());
    for (const QString &key : std::as_const(keys)) {
        if (const auto it = changed.constFind(key); it != changed.constEnd()) {
            nextComponents.append(*it);
        } else if (const auto at = position.constFind(key); at != position.constEnd()) {
            nextComponents.append(components.at(*at));
        } else {
            return false; // neither sent nor known: not a delta of this snapshot
        }
        const auto it = changedEdges.constFind(key);
        nextEdges.append(it != changedEdges.constEnd() ? *it : edgesBefore.value(key));
    }
    number = quint64(delta.value(QStringLiteral("number")).toInteger());
    components = std::move(nextComponents);
    edges = std::move(nextEdges);
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
