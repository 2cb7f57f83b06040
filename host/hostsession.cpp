#include "hostsession.h"

#include "crashhandler.h"
#include "eventjournal.h"
#include "generationsnapshot.h"
#include "hostchannel.h"
#include "previewserver.h"
#include "reloadengine.h"

#include <qreload/componentdetails.h>

#include <QCborArray>
#include <QCoreApplication>
#include <QJsonArray>
#include <QLocalSocket>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcHost, "qreload.host")

namespace qreload::app {

namespace {

QList<FileEvent> eventsFromCbor(const QCborValue &value)
{
    QList<FileEvent> events;
    for (const QCborValue &item : value.toArray()) {
        const QCborMap m = item.toMap();
        events.append(FileEvent{m.value(QStringLiteral("at")).toDateTime(),
                                m.value(QStringLiteral("path")).toString(),
                                m.value(QStringLiteral("kind")).toString()});
    }
    return events;
}

ReloadCause causeFromName(const QString &name)
{
    return name == QLatin1String("files") ? ReloadCause::Files : ReloadCause::Manual;
}

//! "all" rebuilds everything (Reload all); anything else, or no scope, what changed.
ReloadScope scopeFromName(const QString &name)
{
    return name == scopeName(ReloadScope::All) ? ReloadScope::All : ReloadScope::Changed;
}

} // namespace

HostSession::HostSession(QObject *parent)
    : QObject(parent)
{}

HostSession::~HostSession()
{
    // The server goes first: no request may reach a generation being shut down.
    m_server.reset();
    m_engine.reset();
}

bool HostSession::open(const Arguments &arguments, QString *error)
{
    if (!arguments.crashFile.isEmpty()) {
        QString crashError;
        if (!CrashHandler::install(arguments.crashFile, &crashError))
            qCWarning(lcHost).noquote() << crashError;
    }
    auto *socket = new QLocalSocket;
    socket->connectToServer(arguments.serverName);
    if (!socket->waitForConnected(5000)) {
        *error = QStringLiteral("cannot connect to the supervisor at %1: %2")
                     .arg(arguments.serverName, socket->errorString());
        delete socket;
        return false;
    }
    m_channel = std::make_unique<HostChannel>(socket);
    m_channel->send(QCborMap{{QStringLiteral("type"), HostProtocol::Hello},
                             {QStringLiteral("version"), HostProtocol::Version},
                             {QStringLiteral("pid"), QCoreApplication::applicationPid()}});
    m_channel->flush();
    const std::optional<QCborMap> configure = m_channel->waitForMessage(10000);
    if (!configure
        || configure->value(QStringLiteral("type")).toString() != HostProtocol::Configure) {
        *error = QStringLiteral("the supervisor sent no configuration");
        return false;
    }
    if (configure->value(QStringLiteral("version")).toInteger() != HostProtocol::Version) {
        *error = QStringLiteral("protocol version %1, but this host speaks %2")
                     .arg(configure->value(QStringLiteral("version")).toInteger())
                     .arg(HostProtocol::Version);
        return false;
    }
    const QCborMap &c = *configure;

    ReloadEngine::Options options;
    for (const QCborValue &dir : c.value(QStringLiteral("pluginDirs")).toArray())
        options.pluginDirs.append(dir.toString());
    options.quietPeriodMs = int(c.value(QStringLiteral("quietPeriodMs")).toInteger(100));
    options.shadowRoot = c.value(QStringLiteral("shadowRoot")).toString();
    options.firstGeneration = quint64(c.value(QStringLiteral("firstGeneration")).toInteger(1));
    options.firstRecordId = quint64(c.value(QStringLiteral("firstRecordId")).toInteger(1));
    for (const QCborValue &item : c.value(QStringLiteral("restore")).toArray()) {
        const QCborMap m = item.toMap();
        options.restore.append({m.value(QStringLiteral("origin")).toString(),
                                m.value(QStringLiteral("file")).toString()});
    }
    const QCborMap quarantine = c.value(QStringLiteral("quarantine")).toMap();
    for (auto it = quarantine.constBegin(); it != quarantine.constEnd(); ++it)
        options.quarantine.insert(it.key().toString(), it.value().toByteArray());
    options.startDecision = c.value(QStringLiteral("startDecision")).toString();

    m_engine = std::make_unique<ReloadEngine>(options);
    QList<ReloadRecord> history;
    for (const QCborValue &record : c.value(QStringLiteral("history")).toArray())
        history.append(ReloadRecord::fromJson(record.toJsonValue().toObject()));
    m_engine->seedHistory(history);
    m_engine->setWatching(c.value(QStringLiteral("watching")).toBool(true));
    m_engine->setHeldForBuild(c.value(QStringLiteral("held")).toBool(false));

    m_server = std::make_unique<PreviewServer>(m_engine.get());
    m_server->setSupervisorStatus(c.value(QStringLiteral("status")).toJsonValue().toObject());
    m_server->setRestartHandler([this] {
        m_channel->send(QCborMap{{QStringLiteral("type"), HostProtocol::Restart}});
    });
    // Live reload: the supervisor's journal so far (a page that reconnects to this host after a
    // crash gets the crash and the restart it missed), and whether pages get the script.
    QList<LiveEvent> events;
    for (const QCborValue &event : c.value(QStringLiteral("events")).toArray())
        events.append(LiveEvent::fromCbor(event.toMap()));
    std::optional<LiveEvent> problem;
    if (c.value(QStringLiteral("eventProblem")).isMap())
        problem = LiveEvent::fromCbor(c.value(QStringLiteral("eventProblem")).toMap());
    m_server->eventJournal()->seed(c.value(QStringLiteral("eventSession")).toString(), events,
                                   problem);
    m_server->setLiveReload(c.value(QStringLiteral("liveReload")).toBool(false));
    m_server->setOpenHandler([this](const QJsonObject &target) {
        QCborMap message = QCborMap::fromJsonObject(target);
        message.insert(QStringLiteral("type"), HostProtocol::Open);
        m_channel->send(message);
    });
    if (c.contains(QStringLiteral("httpLimits"))) {
        const QJsonObject json = c.value(QStringLiteral("httpLimits")).toJsonValue().toObject();
        ConnectionLimits limits;
        limits.maxBodyBytes
            = json.value(QLatin1String("maxBodyBytes")).toInteger(limits.maxBodyBytes);
        limits.idleTimeoutMs
            = json.value(QLatin1String("idleTimeoutMs")).toInt(limits.idleTimeoutMs);
        limits.maxConnections
            = json.value(QLatin1String("maxConnections")).toInt(limits.maxConnections);
        if (!m_server->setLimits(limits, error))
            return false;
    }
    const QHostAddress host(c.value(QStringLiteral("host")).toString());
    if (!m_server->adopt(arguments.listenFd, host, error))
        return false;

    connect(m_channel.get(), &HostChannel::received, this, &HostSession::onMessage);
    connect(m_channel.get(), &HostChannel::disconnected, this, [] {
        // The supervisor is gone: nobody can see or restart this host any more.
        CrashHandler::markNormalExit();
        QCoreApplication::exit(0);
    });
    connect(m_engine.get(), &ReloadEngine::reloadStarted, this, [this](ReloadCause cause) {
        CrashHandler::setPhase(quint64(-1), QStringLiteral("stage"));
        m_channel->send(QCborMap{{QStringLiteral("type"), HostProtocol::ReloadStarted},
                                 {QStringLiteral("cause"), causeName(cause)}});
        m_channel->flush();
    });
    connect(
        m_engine.get(), &ReloadEngine::phaseStarted, this,
        [](quint64 recordId, const QString &phase) { CrashHandler::setPhase(recordId, phase); });
    connect(
        m_engine.get(), &ReloadEngine::reloadFinished, this, [this](const ReloadRecord &record) {
            CrashHandler::setPhase(0, QString());
            m_channel->send(
                QCborMap{{QStringLiteral("type"), HostProtocol::ReloadFinished},
                         {QStringLiteral("record"), QCborValue::fromJsonValue(record.toJson())}});
        });
    connect(m_engine.get(), &ReloadEngine::generationChanged, this, [this] { sendGeneration(); });
    connect(m_engine.get(), &ReloadEngine::watchingChanged, this, [this](bool on) {
        m_channel->send(
            QCborMap{{QStringLiteral("type"), HostProtocol::Watching}, {QStringLiteral("on"), on}});
    });
    connect(m_engine.get(), &ReloadEngine::fileEventObserved, this, [this](const FileEvent &e) {
        m_channel->send(QCborMap{{QStringLiteral("type"), HostProtocol::FileEvent},
                                 {QStringLiteral("at"), QCborValue(e.at)},
                                 {QStringLiteral("path"), e.path},
                                 {QStringLiteral("kind"), e.kind}});
    });
    m_engine->setConstructionObserver([](const QString &key, PluginCall call) {
        CrashHandler::setComponent(key, pluginCallName(call));
    });
    m_engine->start();
    QMetaObject::invokeMethod(m_channel.get(), &HostChannel::processPending, Qt::QueuedConnection);
    if (!m_engine->current())
        sendGeneration(); // an empty one: the supervisor learns that nothing serves
    return true;
}

void HostSession::sendGeneration(bool whole)
{
    const std::shared_ptr<Generation> generation = m_engine->current();
    GenerationSnapshot snapshot
        = generation ? GenerationSnapshot::of(*generation) : GenerationSnapshot{};
    // After a reload most components are as they were (every one, after Reload all of the same
    // files): the delta carries what differs, so the cost follows the change, not the app.
    if (!whole && !m_sent.isEmpty() && !snapshot.isEmpty())
        m_channel->send(QCborMap{{QStringLiteral("type"), HostProtocol::Generation},
                                 {QStringLiteral("delta"), snapshot.deltaCbor(m_sent)}});
    else
        m_channel->send(QCborMap{{QStringLiteral("type"), HostProtocol::Generation},
                                 {QStringLiteral("snapshot"), snapshot.toCbor()}});
    m_sent = std::move(snapshot);
}

void HostSession::reply(qint64 id, const QCborValue &value)
{
    m_channel->send(QCborMap{{QStringLiteral("type"), HostProtocol::Reply},
                             {QStringLiteral("id"), id},
                             {QStringLiteral("value"), value}});
}

void HostSession::onMessage(const QCborMap &m)
{
    const QString type = m.value(QStringLiteral("type")).toString();
    if (type == HostProtocol::Reload) {
        if (m.contains(QStringLiteral("events")) || m.contains(QStringLiteral("build"))) {
            std::optional<BuildInfo> build;
            if (m.contains(QStringLiteral("build"))) {
                QJsonObject wrapper{
                    {QLatin1String("build"), m.value(QStringLiteral("build")).toJsonValue()}};
                build = ReloadRecord::fromJson(wrapper).build;
            }
            m_engine->reloadForEvents(eventsFromCbor(m.value(QStringLiteral("events"))),
                                      m.value(QStringLiteral("decision")).toString(),
                                      std::move(build));
        } else {
            m_engine->reloadNow(causeFromName(m.value(QStringLiteral("cause")).toString()),
                                scopeFromName(m.value(QStringLiteral("scope")).toString()));
        }
    } else if (type == HostProtocol::Record) {
        const ReloadRecord r
            = ReloadRecord::fromJson(m.value(QStringLiteral("record")).toJsonValue().toObject());
        m_engine->recordWithoutReload(r.events, r.decision, r.outcome, r.build, r.errors);
    } else if (type == HostProtocol::Hold) {
        m_engine->setHeldForBuild(m.value(QStringLiteral("on")).toBool());
    } else if (type == HostProtocol::Pause) {
        m_engine->setWatching(!m.value(QStringLiteral("on")).toBool());
    } else if (type == HostProtocol::QuietPeriod) {
        m_engine->setQuietPeriodMs(int(m.value(QStringLiteral("ms")).toInteger()));
    } else if (type == HostProtocol::Details) {
        const qint64 id = m.value(QStringLiteral("id")).toInteger();
        const std::shared_ptr<Generation> generation = m_engine->current();
        const QString key = m.value(QStringLiteral("key")).toString();
        if (!generation) {
            reply(id, QCborMap{{QStringLiteral("error"), QStringLiteral("no generation")}});
            return;
        }
        // The details read the component's properties: its code runs, name it if it crashes.
        CrashHandler::setComponent(key, QStringLiteral("details"));
        const Result<ComponentDetails> details = generation->container().details(key);
        CrashHandler::setComponent(QString(), QString());
        if (!details)
            reply(id, QCborMap{{QStringLiteral("error"), joinErrors(details.errors())}});
        else
            reply(id, QCborMap{{QStringLiteral("generation"), qint64(generation->number())},
                               {QStringLiteral("details"),
                                QCborValue::fromJsonValue(details.value().toJson())}});
    } else if (type == HostProtocol::Status) {
        m_server->setSupervisorStatus(m.value(QStringLiteral("status")).toJsonValue().toObject());
    } else if (type == HostProtocol::Event) {
        m_server->eventJournal()->insert(
            LiveEvent::fromCbor(m.value(QStringLiteral("event")).toMap()));
    } else if (type == HostProtocol::ResendGeneration) {
        sendGeneration(true);
    } else if (type == HostProtocol::Quit) {
        CrashHandler::markNormalExit();
        QCoreApplication::exit(0);
    } else {
        qCWarning(lcHost).noquote() << "unknown message from the supervisor:" << type;
    }
}

} // namespace qreload::app
