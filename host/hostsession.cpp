#include "hostsession.h"
#include "snapshotof.h"

#include "crashhandler.h"
#include "eventjournal.h"
#include "generationsnapshot.h"
#include "hostchannel.h"
#include "hostmessages.h"
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
    m_channel->send(HelloMessage{HostProtocol::Version, QCoreApplication::applicationPid()});
    m_channel->flush();
    const std::optional<QCborMap> received = m_channel->waitForMessage(10000);
    if (!received || messageType(*received) != HostProtocol::Configure) {
        *error = QStringLiteral("the supervisor sent no configuration");
        return false;
    }
    const ConfigureMessage c = ConfigureMessage::fromCbor(*received);
    if (c.version != HostProtocol::Version) {
        *error = QStringLiteral("protocol version %1, but this host speaks %2")
                     .arg(c.version)
                     .arg(HostProtocol::Version);
        return false;
    }

    ReloadEngine::Options options;
    options.pluginDirs = c.pluginDirs;
    options.quietPeriodMs = c.quietPeriodMs;
    options.shadowRoot = c.shadowRoot;
    options.firstGeneration = c.firstGeneration;
    options.firstRecordId = c.firstRecordId;
    for (const PluginSource &plugin : c.restore)
        options.restore.append({plugin.originPath, plugin.loadPath});
    options.quarantine = c.quarantine;
    options.startDecision = c.startDecision;

    m_engine = std::make_unique<ReloadEngine>(options);
    m_engine->seedHistory(c.history);
    m_engine->setWatching(c.watching);
    m_engine->setHeldForBuild(c.held);

    m_server = std::make_unique<PreviewServer>(m_engine.get());
    m_server->setSupervisorStatus(c.status);
    m_server->setRestartHandler([this] { m_channel->send(emptyMessage(HostProtocol::Restart)); });
    // Live reload: the supervisor's journal so far (a page that reconnects to this host after a
    // crash gets the crash and the restart it missed), and whether pages get the script.
    m_server->eventJournal()->seed(c.eventSession, c.events, c.eventProblem);
    m_server->setLiveReload(c.liveReload);
    m_server->setOpenHandler(
        [this](const QJsonObject &target) { m_channel->send(OpenMessage::fromJson(target)); });
    if (c.httpLimits) {
        const QJsonObject &json = *c.httpLimits;
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
    const QHostAddress host(c.host);
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
        m_channel->send(ReloadStartedMessage{cause});
        m_channel->flush();
    });
    connect(
        m_engine.get(), &ReloadEngine::phaseStarted, this,
        [](quint64 recordId, const QString &phase) { CrashHandler::setPhase(recordId, phase); });
    connect(m_engine.get(), &ReloadEngine::reloadFinished, this,
            [this](const ReloadRecord &record) {
                CrashHandler::setPhase(0, QString());
                m_channel->send(ReloadFinishedMessage{record});
            });
    connect(m_engine.get(), &ReloadEngine::generationChanged, this, [this] { sendGeneration(); });
    connect(m_engine.get(), &ReloadEngine::watchingChanged, this,
            [this](bool on) { m_channel->send(WatchingMessage{on}); });
    connect(m_engine.get(), &ReloadEngine::fileEventObserved, this,
            [this](const FileEvent &e) { m_channel->send(FileEventMessage{e}); });
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
    GenerationSnapshot snapshot = generation ? snapshotOf(*generation) : GenerationSnapshot{};
    // After a reload most components are as they were (every one, after Reload all of the same
    // files): the delta carries what differs, so the cost follows the change, not the app.
    if (!whole && !m_sent.isEmpty() && !snapshot.isEmpty())
        m_channel->send(GenerationMessage{std::nullopt, snapshot.deltaCbor(m_sent)});
    else
        m_channel->send(GenerationMessage{snapshot, {}});
    m_sent = std::move(snapshot);
}

void HostSession::reply(qint64 id, const QCborValue &value)
{
    m_channel->send(ReplyMessage{id, value});
}

void HostSession::onMessage(const QCborMap &m)
{
    const QString type = messageType(m);
    if (type == HostProtocol::Reload) {
        const ReloadMessage reload = ReloadMessage::fromCbor(m);
        m_engine->reloadNow(reload.cause, reload.scope);
    } else if (type == HostProtocol::ReloadEvents) {
        ReloadEventsMessage reload = ReloadEventsMessage::fromCbor(m);
        m_engine->reloadForEvents(reload.events, reload.decision, std::move(reload.build));
    } else if (type == HostProtocol::Record) {
        const ReloadRecord r = RecordMessage::fromCbor(m).record;
        m_engine->recordWithoutReload(r.events, r.decision, r.outcome, r.build, r.errors);
    } else if (type == HostProtocol::Hold) {
        m_engine->setHeldForBuild(HoldMessage::fromCbor(m).on);
    } else if (type == HostProtocol::Pause) {
        m_engine->setWatching(!PauseMessage::fromCbor(m).on);
    } else if (type == HostProtocol::QuietPeriod) {
        m_engine->setQuietPeriodMs(QuietPeriodMessage::fromCbor(m).ms);
    } else if (type == HostProtocol::Details) {
        const DetailsMessage details = DetailsMessage::fromCbor(m);
        reply(details.id, componentDetails(details.key));
    } else if (type == HostProtocol::Status) {
        m_server->setSupervisorStatus(StatusMessage::fromCbor(m).status);
    } else if (type == HostProtocol::Event) {
        m_server->eventJournal()->insert(EventMessage::fromCbor(m).event);
    } else if (type == HostProtocol::ResendGeneration) {
        sendGeneration(true);
    } else if (type == HostProtocol::Quit) {
        CrashHandler::markNormalExit();
        QCoreApplication::exit(0);
    } else {
        qCWarning(lcHost).noquote() << "unknown message from the supervisor:" << type;
    }
}

QCborValue HostSession::componentDetails(const QString &key) const
{
    const std::shared_ptr<Generation> generation = m_engine->current();
    if (!generation)
        return QCborMap{{QStringLiteral("error"), QStringLiteral("no generation")}};
    // The details read the component's properties: its code runs, name it if it crashes.
    CrashHandler::setComponent(key, QStringLiteral("details"));
    const Result<ComponentDetails> details = generation->container().details(key);
    CrashHandler::setComponent(QString(), QString());
    if (!details)
        return QCborMap{{QStringLiteral("error"), joinErrors(details.errors())}};
    return QCborMap{
        {QStringLiteral("generation"), qint64(generation->number())},
        {QStringLiteral("details"), QCborValue::fromJsonValue(details.value().toJson())}};
}

} // namespace qreload::app
