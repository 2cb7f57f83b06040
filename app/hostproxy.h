#pragma once

#include "connectionlimits.h"
#include "eventjournal.h"
#include "generationsnapshot.h"
#include "reloadrecord.h"

#include <QCborMap>
#include <QDeadlineTimer>
#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QUrl>

#include <functional>
#include <memory>

class QLocalServer;
class QTcpServer;
class QTemporaryDir;

namespace qreload::app {

class HostChannel;
class StandbyServer;

/*!
 * The supervisor's stand-in for the host process (the console and headless mode talk to this,
 * never to plugin code). It owns the preview port's listening socket, starts `qreload-host` with
 * it, mirrors what the host reports (records, the current generation's snapshot, watching) and
 * forwards commands (reload, build records, hold, pause, quiet period, details).
 *
 * When the host dies it records a reload with outcome Crashed (signal, phase, component, request,
 * symbolized backtrace, last stderr lines) and starts a new host on the last plugin files that
 * worked (the dead host's shadow copies), quarantining the bytes that crashed it. Connections
 * that arrive meanwhile wait in the listen backlog. Three crashes within 10 s stop the restarts
 * (state Stopped): then a standby server answers on the port (status, log, restart, and 503 for
 * the rest) until the user restarts the host by hand.
 *
 * Live reload: the proxy owns the journal of live events (builds, reloads, crashes, restarts:
 * it alone sees them all), numbers them, and pushes each to the host, which streams them at
 * `GET /_qreload/events`; a new host is seeded with the journal so far. The standby server
 * streams the same journal while no host runs.
 *
 * Every call returns at once: results arrive as signals, as the engine's did.
 */
class HostProxy : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QStringList pluginDirs;
        int quietPeriodMs = 100;
        QHostAddress host = QHostAddress(QHostAddress::LocalHost);
        quint16 port = 0;
        //! The host executable; empty: qreload-host beside the running executable.
        QString hostExecutable;
        //! This many crashes within crashLoopWindowMs stop the restarts.
        int crashLoopLimit = 3;
        int crashLoopWindowMs = 10000;
        int historyLimit = 1000;
        //! How many of the host's last stderr lines a crash record keeps.
        int stderrLines = 20;
        //! The preview port's HTTP limits, in the host and in the standby server alike.
        ConnectionLimits httpLimits;
        /*!
         * HTML pages of component routes get the live-reload script. Off unless asked for, so
         * that an embedding (and a test) gets the plugins' bytes as they are; qreload's main
         * turns it on from qreload.json ("liveReload", default true) and --no-live-reload.
         */
        bool liveReload = false;
    };

    enum class HostState {
        NotStarted, //!< start() was not called yet
        Starting,   //!< a host process is starting (first start or after a crash)
        Running,    //!< a host serves
        Stopped,    //!< crashed too often (or could not start): restart by hand
    };
    Q_ENUM(HostState)

    explicit HostProxy(Options options, QObject *parent = nullptr);
    ~HostProxy() override;

    //! Opens the preview port (owned here, inherited by every host). False, with *error, if busy.
    bool listen(QString *error);
    //! Starts the first host; its first record arrives through reloadFinished.
    void start();
    //! Starts a new host on the current plugins now (state of the old one is lost).
    void restartHost();

    // The engine's interface, asynchronous.
    //! Scope All ("Reload all") rebuilds every plugin and component from scratch.
    void reloadNow(ReloadCause cause = ReloadCause::Manual,
                   ReloadScope scope = ReloadScope::Changed);
    void reloadForEvents(const QList<FileEvent> &events, const QString &decision,
                         std::optional<BuildInfo> build = std::nullopt);
    void recordWithoutReload(const QList<FileEvent> &events, const QString &decision,
                             ReloadOutcome outcome, std::optional<BuildInfo> build = std::nullopt,
                             Errors errors = {});
    void setHeldForBuild(bool held);
    bool isHeldForBuild() const { return m_held; }
    bool isWatching() const { return m_watching; }
    void setWatching(bool watching);
    int quietPeriodMs() const { return m_options.quietPeriodMs; }
    void setQuietPeriodMs(int ms);
    QStringList pluginDirs() const { return m_options.pluginDirs; }
    //! The plugin files in the folders now, sorted (read here: no plugin code runs for it).
    QStringList pluginFiles() const;
    bool isReloading() const { return m_reloading; }

    const QList<ReloadRecord> &history() const { return m_history; }
    std::optional<ReloadRecord> lastReload() const;
    //! The generation the host serves (as last reported); empty when none.
    const GenerationSnapshot &generation() const { return m_generation; }
    quint64 generationNumber() const { return m_generation.number; }

    //! Asks the host for a component's details (never creating it); `done` gets the details'
    //! JSON, or an object with "error". Called on this thread; not at all if the host dies first.
    void requestDetails(const QString &key, std::function<void(const QJsonObject &)> done);

    QUrl url() const;
    QHostAddress host() const { return m_options.host; }
    quint16 port() const { return m_port; }
    QString sessionToken() const { return m_token; }
    HostState hostState() const { return m_state; }
    //! One line for status bars and headless output: "host pid 4242", "crash loop: ...".
    QString hostStateText() const;
    qint64 hostPid() const;
    int crashCount() const { return m_crashes; }
    //! Lines that should stay visible (missing folders, ...), added to the status JSON.
    void setWarnings(const QStringList &warnings);
    QStringList warnings() const { return m_warnings; }
    //! The status document of /_qreload/status while no host serves (and the supervisor part of
    //! it when one does).
    QJsonObject status() const;
    QJsonObject supervisorStatus() const;

    //! The live events (see the class comment).
    EventJournal *eventJournal() { return &m_events; }
    //! Journals a build that started (source mode), for the pages' event stream.
    void publishBuildStarted(const QString &commandLine, const QStringList &changedFiles);
    //! Journals a finished build, with its diagnostics and the source lines around them.
    void publishBuildFinished(const qreload::app::BuildInfo &build);
    /*!
     * A page asked (POST /_qreload/open, its same-origin check passed) to show `record` and the
     * diagnostic at file:line:column in the console: emits openRequested().
     */
    void requestOpen(const QJsonObject &target);

Q_SIGNALS:
    void reloadStarted(qreload::app::ReloadCause cause);
    void reloadFinished(const qreload::app::ReloadRecord &record);
    void generationChanged(quint64 number);
    void watchingChanged(bool watching);
    void fileEventObserved(const qreload::app::FileEvent &event);
    void hostStateChanged(qreload::app::HostProxy::HostState state);
    //! A page's overlay link: raise the console at this record and diagnostic.
    void openRequested(quint64 record, const QString &file, int line, int column);

private:
    struct Launch
    {
        QList<PluginSource> restore;
        QHash<QString, QByteArray> quarantine;
        QString decision;
        //! Why this host starts, for the live events: "first", "crash" or "hand".
        QString startup = QStringLiteral("first");
    };
    void launch(const Launch &launch);
    void onNewConnection();
    void onMessage(const QCborMap &message);
    void onHostFinished(int exitCode, QProcess::ExitStatus status);
    void send(const QCborMap &message);
    void appendRecord(const ReloadRecord &record);
    //! Journals a live event and sends it to the host (a host not configured yet gets it in
    //! its seed).
    void publish(const QString &kind, const QJsonObject &data);
    void setState(HostState state);
    void pushStatus();
    void stopHost();
    QHash<QString, QByteArray> changedSince(const QList<PluginSource> &good) const;

    Options m_options;
    QString m_token;
    std::unique_ptr<QTemporaryDir> m_runtime;
    EventJournal m_events;
    std::unique_ptr<StandbyServer> m_standby;
    QTcpServer *m_listener = nullptr; // owned by m_standby
    quint16 m_port = 0;
    std::unique_ptr<QLocalServer> m_local;
    QProcess *m_process = nullptr;
    HostChannel *m_channel = nullptr;
    bool m_configured = false;
    QList<QCborMap> m_queue;
    int m_launches = 0;
    QString m_crashFile;
    Launch m_pendingLaunch;
    bool m_announceRestart = false; //!< publish host-restarted with the new host's generation
    QStringList m_buildFiles;       //!< the sources the running build is for (live events)
    std::optional<Launch> m_restartAfterExit;
    QString m_deadShadowRoot; // removed once the next host serves
    QStringList m_stderrTail;
    QByteArray m_stderrPartial;
    QList<QDeadlineTimer> m_crashTimes;
    int m_crashes = 0;
    QString m_stopReason;

    HostState m_state = HostState::NotStarted;
    QList<ReloadRecord> m_history;
    quint64 m_nextRecordId = 1;
    GenerationSnapshot m_generation;
    quint64 m_lastGeneration = 0;
    bool m_reloading = false;
    ReloadCause m_reloadCause = ReloadCause::Files;
    bool m_watching = true;
    bool m_held = false;
    QStringList m_warnings;
    qint64 m_nextRequest = 1;
    QHash<qint64, std::function<void(const QJsonObject &)>> m_pending;
};

} // namespace qreload::app
