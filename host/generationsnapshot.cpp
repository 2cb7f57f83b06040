#include "generationsnapshot.h"

#include <QCborArray>
#include <QJsonArray>

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
    for (const ComponentInfo &c : this->components) {
        QCborArray dependencies;
        for (const Dependency &d : c.dependencies)
            dependencies.append(dependencyToCbor(d));
        components.append(QCborMap{
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
        });
    }
    QCborArray edges;
    for (const ComponentEdge &e : this->edges)
        edges.append(QCborMap{{QStringLiteral("from"), e.from},
                              {QStringLiteral("to"), e.to},
                              {QStringLiteral("dependency"), dependencyToCbor(e.dependency)}});
    QCborArray plugins;
    for (const PluginSource &p : this->plugins)
        plugins.append(QCborMap{{QStringLiteral("origin"), p.originPath},
                                {QStringLiteral("load"), p.loadPath},
                                {QStringLiteral("hash"), p.contentHash}});
    return QCborMap{{QStringLiteral("number"), qint64(number)},
                    {QStringLiteral("components"), components},
                    {QStringLiteral("edges"), edges},
                    {QStringLiteral("plugins"), plugins}};
}

GenerationSnapshot GenerationSnapshot::fromCbor(const QCborMap &map)
{
    GenerationSnapshot s;
    s.number = quint64(map.value(QStringLiteral("number")).toInteger());
    for (const QCborValue &value : map.value(QStringLiteral("components")).toArray()) {
        const QCborMap m = value.toMap();
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
        s.components.append(c);
    }
    for (const QCborValue &value : map.value(QStringLiteral("edges")).toArray()) {
        const QCborMap m = value.toMap();
        s.edges.append(ComponentEdge{
            m.value(QStringLiteral("from")).toString(), m.value(QStringLiteral("to")).toString(),
            dependencyFromCbor(m.value(QStringLiteral("dependency")).toMap())});
    }
    for (const QCborValue &value : map.value(QStringLiteral("plugins")).toArray()) {
        const QCborMap m = value.toMap();
        s.plugins.append(PluginSource{m.value(QStringLiteral("origin")).toString(),
                                      m.value(QStringLiteral("load")).toString(),
                                      m.value(QStringLiteral("hash")).toByteArray()});
    }
    return s;
}

} // namespace qreload::app
