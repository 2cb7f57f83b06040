#include "hostmessages.h"

#include <QCborArray>

namespace qreload::app {

namespace {

QString field(const char *name)
{
    return QString::fromLatin1(name);
}

QCborMap typed(const QString &type, QCborMap fields = {})
{
    fields.insert(QStringLiteral("type"), type);
    return fields;
}

QCborValue json(const QJsonObject &object)
{
    return QCborValue::fromJsonValue(object);
}

QJsonObject jsonOf(const QCborValue &value)
{
    return value.toJsonValue().toObject();
}

} // namespace

QString messageType(const QCborMap &message)
{
    return message.value(QStringLiteral("type")).toString();
}

QCborMap emptyMessage(const QString &type)
{
    return typed(type);
}

QCborMap HelloMessage::toCbor() const
{
    return typed(type(), {{field("version"), version}, {field("pid"), pid}});
}

HelloMessage HelloMessage::fromCbor(const QCborMap &map)
{
    return {map.value(field("version")).toInteger(), map.value(field("pid")).toInteger()};
}

QCborMap ReloadStartedMessage::toCbor() const
{
    return typed(type(), {{field("cause"), causeName(cause)}});
}

ReloadStartedMessage ReloadStartedMessage::fromCbor(const QCborMap &map)
{
    return {causeFromName(map.value(field("cause")).toString())};
}

QCborMap ReloadFinishedMessage::toCbor() const
{
    return typed(type(), {{field("record"), json(record.toJson())}});
}

ReloadFinishedMessage ReloadFinishedMessage::fromCbor(const QCborMap &map)
{
    return {ReloadRecord::fromJson(jsonOf(map.value(field("record"))))};
}

QCborMap GenerationMessage::toCbor() const
{
    if (snapshot)
        return typed(type(), {{field("snapshot"), snapshot->toCbor()}});
    return typed(type(), {{field("delta"), delta}});
}

GenerationMessage GenerationMessage::fromCbor(const QCborMap &map)
{
    GenerationMessage message;
    if (map.contains(field("delta")))
        message.delta = map.value(field("delta")).toMap();
    else
        message.snapshot = GenerationSnapshot::fromCbor(map.value(field("snapshot")).toMap());
    return message;
}

QCborMap WatchingMessage::toCbor() const
{
    return typed(type(), {{field("on"), on}});
}

WatchingMessage WatchingMessage::fromCbor(const QCborMap &map)
{
    return {map.value(field("on")).toBool()};
}

namespace {

QCborMap fileEventFields(const FileEvent &e)
{
    return QCborMap{
        {field("at"), QCborValue(e.at)}, {field("path"), e.path}, {field("kind"), e.kind}};
}

FileEvent fileEventOf(const QCborMap &m)
{
    return FileEvent{m.value(field("at")).toDateTime(), m.value(field("path")).toString(),
                     m.value(field("kind")).toString()};
}

} // namespace

QCborMap FileEventMessage::toCbor() const
{
    return typed(type(), fileEventFields(event));
}

FileEventMessage FileEventMessage::fromCbor(const QCborMap &map)
{
    return {fileEventOf(map)};
}

QCborArray FileEventMessage::toCbor(const QList<FileEvent> &events)
{
    QCborArray array;
    for (const FileEvent &e : events)
        array.append(fileEventFields(e));
    return array;
}

QList<FileEvent> FileEventMessage::eventsFromCbor(const QCborArray &array)
{
    QList<FileEvent> events;
    for (const QCborValue &item : array)
        events.append(fileEventOf(item.toMap()));
    return events;
}

QCborMap ReplyMessage::toCbor() const
{
    return typed(type(), {{field("id"), id}, {field("value"), value}});
}

ReplyMessage ReplyMessage::fromCbor(const QCborMap &map)
{
    return {map.value(field("id")).toInteger(), map.value(field("value"))};
}

QCborMap OpenMessage::toCbor() const
{
    return typed(type(), {{field("record"), qint64(record)},
                          {field("file"), file},
                          {field("line"), line},
                          {field("column"), column}});
}

OpenMessage OpenMessage::fromCbor(const QCborMap &map)
{
    return {quint64(map.value(field("record")).toInteger()), map.value(field("file")).toString(),
            int(map.value(field("line")).toInteger()), int(map.value(field("column")).toInteger())};
}

OpenMessage OpenMessage::fromJson(const QJsonObject &json)
{
    return {quint64(json.value(QLatin1String("record")).toInteger()),
            json.value(QLatin1String("file")).toString(), json.value(QLatin1String("line")).toInt(),
            json.value(QLatin1String("column")).toInt()};
}

QJsonObject OpenMessage::toJson() const
{
    return QJsonObject{{QLatin1String("record"), qint64(record)},
                       {QLatin1String("file"), file},
                       {QLatin1String("line"), line},
                       {QLatin1String("column"), column}};
}

QCborMap ConfigureMessage::toCbor() const
{
    QCborArray dirs;
    for (const QString &dir : pluginDirs)
        dirs.append(dir);
    QCborArray records;
    for (const ReloadRecord &record : history)
        records.append(json(record.toJson()));
    QCborArray restored;
    for (const PluginSource &p : restore)
        restored.append(QCborMap{{field("origin"), p.originPath}, {field("file"), p.loadPath}});
    QCborMap quarantined;
    for (auto it = quarantine.constBegin(); it != quarantine.constEnd(); ++it)
        quarantined.insert(it.key(), it.value());
    QCborArray journal;
    for (const LiveEvent &event : events)
        journal.append(event.toCbor());
    QCborMap map{
        {field("version"), version},
        {field("pluginDirs"), dirs},
        {field("quietPeriodMs"), quietPeriodMs},
        {field("firstGeneration"), qint64(firstGeneration)},
        {field("firstRecordId"), qint64(firstRecordId)},
        {field("history"), records},
        {field("restore"), restored},
        {field("quarantine"), quarantined},
        {field("startDecision"), startDecision},
        {field("shadowRoot"), shadowRoot},
        {field("watching"), watching},
        {field("held"), held},
        {field("host"), host},
        {field("status"), json(status)},
        {field("events"), journal},
        {field("eventSession"), eventSession},
        {field("liveReload"), liveReload},
        {field("eventProblem"), eventProblem ? QCborValue(eventProblem->toCbor()) : QCborValue()},
    };
    if (httpLimits)
        map.insert(field("httpLimits"), json(*httpLimits));
    return typed(type(), map);
}

ConfigureMessage ConfigureMessage::fromCbor(const QCborMap &c)
{
    ConfigureMessage m;
    m.version = c.value(field("version")).toInteger();
    for (const QCborValue &dir : c.value(field("pluginDirs")).toArray())
        m.pluginDirs.append(dir.toString());
    m.quietPeriodMs = int(c.value(field("quietPeriodMs")).toInteger(100));
    m.firstGeneration = quint64(c.value(field("firstGeneration")).toInteger(1));
    m.firstRecordId = quint64(c.value(field("firstRecordId")).toInteger(1));
    for (const QCborValue &record : c.value(field("history")).toArray())
        m.history.append(ReloadRecord::fromJson(jsonOf(record)));
    for (const QCborValue &item : c.value(field("restore")).toArray()) {
        const QCborMap p = item.toMap();
        m.restore.append(
            {p.value(field("origin")).toString(), p.value(field("file")).toString(), {}});
    }
    const QCborMap quarantined = c.value(field("quarantine")).toMap();
    for (auto it = quarantined.constBegin(); it != quarantined.constEnd(); ++it)
        m.quarantine.insert(it.key().toString(), it.value().toByteArray());
    m.startDecision = c.value(field("startDecision")).toString();
    m.shadowRoot = c.value(field("shadowRoot")).toString();
    m.watching = c.value(field("watching")).toBool(true);
    m.held = c.value(field("held")).toBool(false);
    m.host = c.value(field("host")).toString();
    if (c.contains(field("httpLimits")))
        m.httpLimits = jsonOf(c.value(field("httpLimits")));
    m.status = jsonOf(c.value(field("status")));
    for (const QCborValue &event : c.value(field("events")).toArray())
        m.events.append(LiveEvent::fromCbor(event.toMap()));
    m.eventSession = c.value(field("eventSession")).toString();
    m.liveReload = c.value(field("liveReload")).toBool(false);
    if (c.value(field("eventProblem")).isMap())
        m.eventProblem = LiveEvent::fromCbor(c.value(field("eventProblem")).toMap());
    return m;
}

QCborMap ReloadMessage::toCbor() const
{
    return typed(type(), {{field("cause"), causeName(cause)}, {field("scope"), scopeName(scope)}});
}

ReloadMessage ReloadMessage::fromCbor(const QCborMap &map)
{
    return {causeFromName(map.value(field("cause")).toString()),
            scopeFromName(map.value(field("scope")).toString())};
}

QCborMap ReloadEventsMessage::toCbor() const
{
    QCborMap map{{field("events"), FileEventMessage::toCbor(events)},
                 {field("decision"), decision}};
    if (build)
        map.insert(field("build"), json(build->toJson()));
    return typed(type(), map);
}

ReloadEventsMessage ReloadEventsMessage::fromCbor(const QCborMap &map)
{
    ReloadEventsMessage message;
    message.events = FileEventMessage::eventsFromCbor(map.value(field("events")).toArray());
    message.decision = map.value(field("decision")).toString();
    if (map.contains(field("build")))
        message.build = BuildInfo::fromJson(jsonOf(map.value(field("build"))));
    return message;
}

QCborMap RecordMessage::toCbor() const
{
    return typed(type(), {{field("record"), json(record.toJson())}});
}

RecordMessage RecordMessage::fromCbor(const QCborMap &map)
{
    return {ReloadRecord::fromJson(jsonOf(map.value(field("record"))))};
}

QCborMap HoldMessage::toCbor() const
{
    return typed(type(), {{field("on"), on}});
}

HoldMessage HoldMessage::fromCbor(const QCborMap &map)
{
    return {map.value(field("on")).toBool()};
}

QCborMap PauseMessage::toCbor() const
{
    return typed(type(), {{field("on"), on}});
}

PauseMessage PauseMessage::fromCbor(const QCborMap &map)
{
    return {map.value(field("on")).toBool()};
}

QCborMap QuietPeriodMessage::toCbor() const
{
    return typed(type(), {{field("ms"), ms}});
}

QuietPeriodMessage QuietPeriodMessage::fromCbor(const QCborMap &map)
{
    return {int(map.value(field("ms")).toInteger())};
}

QCborMap DetailsMessage::toCbor() const
{
    return typed(type(), {{field("id"), id}, {field("key"), key}});
}

DetailsMessage DetailsMessage::fromCbor(const QCborMap &map)
{
    return {map.value(field("id")).toInteger(), map.value(field("key")).toString()};
}

QCborMap StatusMessage::toCbor() const
{
    return typed(type(), {{field("status"), json(status)}});
}

StatusMessage StatusMessage::fromCbor(const QCborMap &map)
{
    return {jsonOf(map.value(field("status")))};
}

QCborMap EventMessage::toCbor() const
{
    return typed(type(), {{field("event"), event.toCbor()}});
}

EventMessage EventMessage::fromCbor(const QCborMap &map)
{
    return {LiveEvent::fromCbor(map.value(field("event")).toMap())};
}

} // namespace qreload::app
