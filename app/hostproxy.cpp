#include "hostproxy.h"

#include "contenthash.h"
#include "crashclassifier.h"
#include "crashreport.h"
#include "eventstream.h"
#include "guardedtcpserver.h"
#include "hostchannel.h"
#include "hostmessages.h"
#include "liveeventdata.h"
#include "requestguard.h"
#include "standbyserver.h"
#include "statusdocument.h"

#include <QCborArray>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QPointer>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <fcntl.h>

Q_LOGGING_CATEGORY(lcSupervisor, "qreload.supervisor")

namespace qreload::app {

HostProxy::HostProxy(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_token(RequestGuard::makeSessionToken())
{
    qRegisterMetaType<ReloadRecord>();
    qRegisterMetaType<FileEvent>();
    if (m_options.hostExecutable.isEmpty())
        m_options.hostExecutable
            = QCoreApplication::applicationDirPath() + QStringLiteral("/qreload-host");
    m_runtime = std::make_unique<QTemporaryDir>(
        QDir::tempPath() + QStringLiteral("/qreload-supervisor-")
        + QString::number(QCoreApplication::applicationPid()) + QStringLiteral("-XXXXXX"));
}

HostProxy::~HostProxy()
{
    stopHost();
}

void HostProxy::stopHost()
{
    if (!m_process)
        return;
    QProcess *process = std::exchange(m_process, nullptr);
    process->disconnect(this);
    if (m_channel && m_channel->isConnected()) {
        m_channel->send(emptyMessage(HostProtocol::Quit));
        m_channel->flush();
    }
    // A host quits in milliseconds (its generation is shut down, its shadows removed); one stuck
    // in plugin code is killed.
    if (!process->waitForFinished(3000)) {
        process->kill();
        process->waitForFinished(1000);
    }
    delete process;
    delete std::exchange(m_channel, nullptr);
}

bool HostProxy::listen(QString *error)
{
    m_standby = std::make_unique<StandbyServer>(this, &m_events, m_options.httpLimits);
    // Guarded like the host's: the standby server must not read a 300 MB body either.
    auto *listener = new GuardedTcpServer(m_options.httpLimits);
    if (!listener->listen(m_options.host, m_options.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(m_options.host.toString())
                     .arg(m_options.port)
                     .arg(listener->errorString());
        delete listener;
        return false;
    }
    // The standby server answers only while no host runs: until then the host accepts.
    listener->pauseAccepting();
    m_standby->bind(listener);
    m_listener = listener;
    m_port = listener->serverPort();

    m_local = std::make_unique<QLocalServer>();
    m_local->setSocketOptions(QLocalServer::UserAccessOption);
    const QString name = m_runtime->filePath(QStringLiteral("host.sock"));
    if (!m_local->listen(name)) {
        *error = QStringLiteral("cannot open the host channel %1: %2")
                     .arg(name, m_local->errorString());
        return false;
    }
    connect(m_local.get(), &QLocalServer::newConnection, this, &HostProxy::onNewConnection);
    return true;
}

void HostProxy::start()
{
    launch(Launch{{}, {}, QStringLiteral("first generation")});
}

void HostProxy::restartHost()
{
    m_crashTimes.clear();
    m_stopReason.clear();
    const Launch next{{},
                      {},
                      QStringLiteral("host restarted by hand, on the current plugin files; state "
                                     "that lived only in the old host is lost"),
                      QStringLiteral("hand")};
    if (!m_process) {
        launch(next);
        return;
    }
    // The old host shuts its generation down (hooks run) and exits; the new one starts then.
    // One stuck in plugin code is killed: the console never waits for it.
    m_restartAfterExit = next;
    if (m_channel && m_configured)
        m_channel->send(emptyMessage(HostProtocol::Quit));
    QPointer<QProcess> process(m_process);
    QTimer::singleShot(2000, this, [process] {
        if (process)
            process->kill();
    });
}

void HostProxy::launch(const Launch &launch)
{
    m_pendingLaunch = launch;
    m_configured = false;
    m_reloading = false;
    m_stderrTail.clear();
    m_crashFile = m_runtime->filePath(QStringLiteral("crash-%1").arg(++m_launches));
    QFile::remove(m_crashFile);
    if (m_listener)
        m_listener->pauseAccepting();
    // Pages streaming from the standby server reconnect, and reach the new host.
    if (m_standby)
        m_standby->eventStream()->closeAll();

    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::ForwardedOutputChannel);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QRELOAD_TOKEN"), m_token);
    m_process->setProcessEnvironment(environment);
    const int fd = m_listener ? int(m_listener->socketDescriptor()) : -1;
    m_process->setChildProcessModifier([fd] {
        // The listening socket is close-on-exec like every socket Qt makes: keep it for the host.
        if (fd >= 0)
            ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) & ~FD_CLOEXEC);
    });
    connect(m_process, &QProcess::readyReadStandardError, this, [this] {
        const QByteArray data = m_process->readAllStandardError();
        std::fwrite(data.constData(), 1, size_t(data.size()), stderr);
        std::fflush(stderr);
        m_stderrPartial += data;
        qsizetype newline;
        while ((newline = m_stderrPartial.indexOf('\n')) >= 0) {
            m_stderrTail.append(QString::fromLocal8Bit(m_stderrPartial.left(newline)));
            m_stderrPartial.remove(0, newline + 1);
        }
        while (m_stderrTail.size() > m_options.stderrLines)
            m_stderrTail.removeFirst();
    });
    connect(m_process, &QProcess::finished, this, &HostProxy::onHostFinished);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;
        m_stopReason = QStringLiteral("cannot start %1: %2")
                           .arg(m_options.hostExecutable, m_process->errorString());
        qCWarning(lcSupervisor).noquote() << m_stopReason;
        m_process->deleteLater();
        m_process = nullptr;
        setState(HostState::Stopped);
        if (m_listener)
            m_listener->resumeAccepting();
    });
    setState(HostState::Starting);
    m_process->start(m_options.hostExecutable,
                     {QStringLiteral("--connect"), m_local->fullServerName(),
                      QStringLiteral("--listen-fd"), QString::number(fd),
                      QStringLiteral("--crash-file"), m_crashFile});
}

void HostProxy::onNewConnection()
{
    while (QLocalSocket *socket = m_local->nextPendingConnection()) {
        if (m_channel) {
            // One host at a time: a connection from a host we no longer wait for is dropped.
            delete m_channel;
            m_channel = nullptr;
        }
        m_channel = new HostChannel(socket, this);
        connect(m_channel, &HostChannel::received, this, &HostProxy::onMessage);
    }
}

void HostProxy::send(const QCborMap &message)
{
    if (m_channel && m_configured)
        m_channel->send(message);
    else
        m_queue.append(message);
}

void HostProxy::onMessage(const QCborMap &m)
{
    const QString type = messageType(m);
    if (type == HostProtocol::Hello) {
        if (const qint64 version = HelloMessage::fromCbor(m).version;
            version != HostProtocol::Version) {
            // Another build's host: refuse it rather than misread its messages.
            m_stopReason = QStringLiteral("%1 speaks protocol %2, this qreload speaks %3; "
                                          "install matching versions")
                               .arg(m_options.hostExecutable)
                               .arg(version)
                               .arg(HostProtocol::Version);
            qCWarning(lcSupervisor).noquote() << m_stopReason;
            QProcess *process = std::exchange(m_process, nullptr);
            process->disconnect(this);
            process->kill();
            process->waitForFinished(1000);
            process->deleteLater();
            m_channel->deleteLater();
            m_channel = nullptr;
            setState(HostState::Stopped);
            m_listener->resumeAccepting();
            return;
        }
        ConfigureMessage configure;
        configure.pluginDirs = m_options.pluginDirs;
        configure.quietPeriodMs = m_options.quietPeriodMs;
        configure.firstGeneration = m_lastGeneration + 1;
        configure.firstRecordId = m_nextRecordId;
        configure.history = m_history;
        configure.restore = m_pendingLaunch.restore;
        configure.quarantine = m_pendingLaunch.quarantine;
        configure.startDecision = m_pendingLaunch.decision;
        // Inside this supervisor's own folder, so another qreload's clean-up of stale shadow
        // folders never takes the copies a restarted host restores from.
        configure.shadowRoot = m_runtime->filePath(QStringLiteral("host-%1").arg(m_launches));
        configure.watching = m_watching;
        configure.held = m_held;
        configure.host = m_options.host.toString();
        configure.httpLimits = m_options.httpLimits.toJson();
        configure.status = supervisorStatus();
        configure.events = m_events.events();
        configure.eventSession = m_events.session();
        configure.liveReload = m_options.liveReload;
        configure.eventProblem = m_events.openProblem();
        m_channel->send(configure);
        m_announceRestart = m_pendingLaunch.startup != QLatin1String("first");
        m_configured = true;
        for (const QCborMap &queued : std::exchange(m_queue, {}))
            m_channel->send(queued);
        setState(HostState::Running);
        pushStatus();
    } else if (type == HostProtocol::ReloadStarted) {
        m_reloading = true;
        m_reloadCause = ReloadStartedMessage::fromCbor(m).cause;
        Q_EMIT reloadStarted(m_reloadCause);
    } else if (type == HostProtocol::ReloadFinished) {
        m_reloading = false;
        appendRecord(ReloadFinishedMessage::fromCbor(m).record);
    } else if (type == HostProtocol::Generation) {
        const quint64 before = m_generation.number;
        GenerationMessage generation = GenerationMessage::fromCbor(m);
        if (!generation.snapshot) {
            if (!m_generation.applyDeltaCbor(generation.delta)) {
                // Never expected (the channel keeps order, a new host starts whole): recover.
                qCWarning(lcSupervisor) << "generation delta does not apply to generation"
                                        << m_generation.number << "; asking for the whole one";
                send(emptyMessage(HostProtocol::ResendGeneration));
                return;
            }
        } else {
            m_generation = std::move(*generation.snapshot);
        }
        m_lastGeneration = qMax(m_lastGeneration, m_generation.number);
        if (!m_deadShadowRoot.isEmpty()) {
            // The new host staged its own copies of the restored files: the dead host's go.
            QDir(std::exchange(m_deadShadowRoot, {})).removeRecursively();
        }
        if (m_generation.number != before)
            Q_EMIT generationChanged(m_generation.number);
        if (std::exchange(m_announceRestart, false))
            publish(LiveEvent::HostRestarted,
                    LiveEventData::hostRestarted(hostPid(), m_generation.number,
                                                 m_pendingLaunch.decision,
                                                 m_pendingLaunch.startup == QLatin1String("hand")));
    } else if (type == HostProtocol::Watching) {
        const bool on = WatchingMessage::fromCbor(m).on;
        if (std::exchange(m_watching, on) != on)
            Q_EMIT watchingChanged(on);
    } else if (type == HostProtocol::FileEvent) {
        Q_EMIT fileEventObserved(FileEventMessage::fromCbor(m).event);
    } else if (type == HostProtocol::Reply) {
        const ReplyMessage reply = ReplyMessage::fromCbor(m);
        if (const auto done = m_pending.take(reply.id))
            done(reply.value.toJsonValue().toObject());
    } else if (type == HostProtocol::Open) {
        requestOpen(OpenMessage::fromCbor(m).toJson());
    } else if (type == HostProtocol::Restart) {
        QMetaObject::invokeMethod(this, &HostProxy::restartHost, Qt::QueuedConnection);
    }
}

void HostProxy::appendRecord(const ReloadRecord &record)
{
    m_history.append(record);
    while (m_history.size() > m_options.historyLimit)
        m_history.removeFirst();
    m_nextRecordId = qMax(m_nextRecordId, record.id + 1);
    m_lastGeneration = qMax(m_lastGeneration, record.generationAfter);
    Q_EMIT reloadFinished(record);
    if (record.outcome == ReloadOutcome::Crashed)
        publish(LiveEvent::HostCrashed, LiveEventData::hostCrashed(record));
    else
        publish(LiveEvent::Reload,
                LiveEventData::reload(record, record.cause == ReloadCause::Startup
                                                  ? m_pendingLaunch.startup
                                                  : QString()));
}

void HostProxy::publish(const QString &kind, const QJsonObject &data)
{
    const LiveEvent event = m_events.append(kind, data);
    if (m_channel && m_configured)
        m_channel->send(EventMessage{event});
}

void HostProxy::publishBuildStarted(const QString &commandLine, const QStringList &changedFiles)
{
    m_buildFiles = changedFiles;
    publish(LiveEvent::BuildStarted, LiveEventData::buildStarted(commandLine, changedFiles));
}

void HostProxy::publishBuildFinished(const BuildInfo &build)
{
    // Source mode fills the build's sources in only when it records it: name those it started for.
    BuildInfo named = build;
    if (named.sources.isEmpty())
        named.sources = std::exchange(m_buildFiles, {});
    publish(LiveEvent::BuildFinished, LiveEventData::buildFinished(named, m_generation.number));
}

void HostProxy::requestOpen(const QJsonObject &target)
{
    Q_EMIT openRequested(quint64(target.value(QLatin1String("record")).toInteger()),
                         target.value(QLatin1String("file")).toString(),
                         target.value(QLatin1String("line")).toInt(),
                         target.value(QLatin1String("column")).toInt());
}

QStringList HostProxy::pluginFiles() const
{
    QStringList files;
    for (const QString &dir : m_options.pluginDirs) {
        for (const QFileInfo &info :
             QDir(dir).entryInfoList({QStringLiteral("*.so")}, QDir::Files, QDir::Name))
            files.append(info.absoluteFilePath());
    }
    return files;
}

QHash<QString, QByteArray> HostProxy::changedSince(const QList<PluginSource> &good) const
{
    // The plugin files as they are now, where they differ from what worked: the bytes that
    // crashed the host, not to be loaded again until they change.
    QHash<QString, QByteArray> goodHashes;
    for (const PluginSource &p : good)
        goodHashes.insert(p.originPath, p.contentHash);
    QHash<QString, QByteArray> changed;
    for (const QString &file : pluginFiles()) {
        const std::optional<QByteArray> hash = protocol::fileContentHash(file);
        if (hash && goodHashes.value(file) != *hash)
            changed.insert(file, *hash);
    }
    return changed;
}

void HostProxy::onHostFinished(int exitCode, QProcess::ExitStatus status)
{
    // What the host said before it died comes first (its last generation, a finished record).
    if (m_channel)
        m_channel->drain();
    QProcess *dead = std::exchange(m_process, nullptr);
    dead->deleteLater();
    delete std::exchange(m_channel, nullptr);
    m_configured = false;
    m_pending.clear();
    if (std::optional<Launch> next = std::exchange(m_restartAfterExit, std::nullopt)) {
        QFile::remove(m_crashFile);
        launch(*next);
        return;
    }

    const std::optional<CrashReport> report = CrashReport::read(m_crashFile);
    QFile::remove(m_crashFile);
    if (!m_stderrPartial.isEmpty())
        m_stderrTail.append(QString::fromLocal8Bit(std::exchange(m_stderrPartial, {})));
    CrashClassifier::Verdict verdict = CrashClassifier::classify(
        report, exitCode, status == QProcess::CrashExit, m_reloading, m_stderrTail);

    // What worked: the plugins of the generation that served (their shadow copies are still on
    // disk: the dead host never got to remove them).
    const QList<PluginSource> good = m_generation.plugins;
    if (!good.isEmpty())
        m_deadShadowRoot
            = QFileInfo(QFileInfo(good.first().loadPath).absolutePath()).absolutePath();
    const bool rollBack = verdict.rollBack();
    const QHash<QString, QByteArray> quarantine
        = rollBack ? changedSince(good) : QHash<QString, QByteArray>{};

    // Crash loops: stop restarting after crashLoopLimit crashes within the window.
    ++m_crashes;
    m_crashTimes.append(QDeadlineTimer(m_options.crashLoopWindowMs));
    m_crashTimes.removeIf([](const QDeadlineTimer &t) { return t.hasExpired(); });
    const bool loop = m_crashTimes.size() >= m_options.crashLoopLimit;
    if (loop)
        m_stopReason = QStringLiteral("%1 crashes within %2 s: not restarting; fix the code, then "
                                      "Restart (console), POST /_qreload/restart, or reload")
                           .arg(m_crashTimes.size())
                           .arg(m_options.crashLoopWindowMs / 1000);
    verdict.crash.restart = CrashClassifier::restartText(verdict, loop ? m_stopReason : QString(),
                                                         !good.isEmpty(), m_generation.number);
    const ReloadRecord record = CrashClassifier::record(verdict, m_nextRecordId, m_reloadCause,
                                                        m_generation.number, quarantine);
    qCWarning(lcSupervisor).noquote() << record.decision;
    m_reloading = false;
    appendRecord(record);

    if (loop) {
        setState(HostState::Stopped);
        m_listener->resumeAccepting();
        pushStatus();
        return;
    }
    launch(Launch{rollBack ? good : QList<PluginSource>{}, quarantine,
                  rollBack ? QStringLiteral("restarted after a crash, on the last plugins that "
                                            "worked")
                           : QStringLiteral("restarted after a crash, on the current plugins"),
                  QStringLiteral("crash")});
}

void HostProxy::reloadNow(ReloadCause cause, ReloadScope scope)
{
    if (m_state == HostState::Stopped) {
        restartHost(); // a new host builds everything anyway
        return;
    }
    send(ReloadMessage{cause, scope}.toCbor());
}

void HostProxy::reloadForEvents(const QList<FileEvent> &events, const QString &decision,
                                std::optional<BuildInfo> build)
{
    if (m_state == HostState::Stopped) {
        // New plugin files after a crash loop: try them in a fresh host.
        restartHost();
        return;
    }
    send(ReloadEventsMessage{events, decision, std::move(build)}.toCbor());
}

void HostProxy::recordWithoutReload(const QList<FileEvent> &events, const QString &decision,
                                    ReloadOutcome outcome, std::optional<BuildInfo> build,
                                    Errors errors)
{
    const ReloadRecord record
        = ReloadRecord::withoutReload(m_nextRecordId, events, decision, outcome, std::move(build),
                                      std::move(errors), m_generation.number);
    if (m_state == HostState::Running || m_state == HostState::Starting) {
        // The host numbers and keeps it, so /_qreload/log has it in order.
        send(RecordMessage{record}.toCbor());
    } else {
        ++m_nextRecordId;
        appendRecord(record);
    }
}

void HostProxy::setHeldForBuild(bool held)
{
    if (m_held == held)
        return;
    m_held = held;
    send(HoldMessage{held}.toCbor());
}

void HostProxy::setWatching(bool watching)
{
    if (m_watching == watching)
        return;
    m_watching = watching;
    send(PauseMessage{!watching}.toCbor());
    Q_EMIT watchingChanged(watching);
}

void HostProxy::setQuietPeriodMs(int ms)
{
    m_options.quietPeriodMs = qMax(0, ms);
    send(QuietPeriodMessage{m_options.quietPeriodMs}.toCbor());
}

std::optional<ReloadRecord> HostProxy::lastReload() const
{
    for (auto it = m_history.crbegin(); it != m_history.crend(); ++it) {
        if (it->outcome != ReloadOutcome::Skipped)
            return *it;
    }
    return std::nullopt;
}

void HostProxy::requestDetails(const QString &key, std::function<void(const QJsonObject &)> done)
{
    if (m_state != HostState::Running) {
        done(QJsonObject{{QLatin1String("error"), QStringLiteral("no host is running")}});
        return;
    }
    const qint64 id = m_nextRequest++;
    m_pending.insert(id, std::move(done));
    send(DetailsMessage{id, key}.toCbor());
}

QUrl HostProxy::url() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(m_options.host.isLoopback() || m_options.host.isNull()
                        || m_options.host == QHostAddress::Any
                        || m_options.host == QHostAddress::AnyIPv6
                    ? QStringLiteral("127.0.0.1")
                    : m_options.host.toString());
    url.setPort(m_port);
    url.setPath(QStringLiteral("/"));
    return url;
}

qint64 HostProxy::hostPid() const
{
    return m_process ? m_process->processId() : 0;
}

QString HostProxy::hostStateText() const
{
    switch (m_state) {
    case HostState::NotStarted:
        return QStringLiteral("host not started");
    case HostState::Starting:
        return QStringLiteral("host starting");
    case HostState::Running:
        return QStringLiteral("host pid %1").arg(hostPid());
    case HostState::Stopped:
        return QStringLiteral("host stopped: %1").arg(m_stopReason);
    }
    return {};
}

void HostProxy::setState(HostState state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT hostStateChanged(state);
}

void HostProxy::setWarnings(const QStringList &warnings)
{
    if (m_warnings == warnings)
        return;
    m_warnings = warnings;
    pushStatus();
}

QJsonObject HostProxy::supervisorStatus() const
{
    return QJsonObject{
        {QLatin1String("host"),
         QJsonObject{{QLatin1String("state"),
                      QString::fromLatin1(QMetaEnum::fromType<HostState>().valueToKey(int(m_state)))
                          .toLower()},
                     {QLatin1String("pid"), hostPid()},
                     {QLatin1String("crashes"), m_crashes},
                     {QLatin1String("crashLoop"), m_state == HostState::Stopped},
                     {QLatin1String("stopReason"), m_stopReason}}},
        {QLatin1String("warnings"), QJsonArray::fromStringList(m_warnings)},
    };
}

void HostProxy::pushStatus()
{
    if (m_channel && m_configured)
        m_channel->send(StatusMessage{supervisorStatus()});
}

QJsonObject HostProxy::status() const
{
    StatusDocument document;
    document.generation = m_generation;
    document.url = url().toString();
    document.watching = m_watching;
    document.quietPeriodMs = m_options.quietPeriodMs;
    document.pluginDirs = m_options.pluginDirs;
    document.serving = m_state == HostState::Running;
    document.lastReload = lastReload();
    document.reloads = m_history.size();
    document.supervisor = supervisorStatus();
    return document.toJson();
}

} // namespace qreload::app
