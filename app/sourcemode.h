#pragma once

#include "cmakebuildfolder.h"
#include "projectconfig.h"
#include "reloadrecord.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace qreload::app {

class BuildRunner;
class HostProxy;
class SourceWatcher;

/*!
 * Source mode: save a source file, and the plugins it builds are rebuilt and reloaded.
 *
 * source events -> quiet period -> content check -> build (only the targets whose sources
 * changed) -> engine->reloadForEvents() with the build's events, decision and BuildInfo.
 *
 * - The quiet period shrinks to WrittenSettleMs (when shorter) once a source is closed after
 *   writing or renamed into place (SourceWatcher::writtenKind()): that save is complete, and the
 *   settle, restarted by every further event, still makes one build of a multi-file change.
 * - The default CMake build of a Ninja folder runs ninja directly
 *   (CMakeBuildFolder::nativeBuildArguments()), without starting CMake for every build.
 * - "Changed" is decided by content: a touch, or an editor's swap file, gives no build; the
 *   quiet period ends in a Skipped record that says so.
 * - A content change while a build runs makes that build stale: it is cancelled (its process
 *   group killed) and one new build runs for everything changed so far.
 * - While a build runs the engine holds plugin-file events for it, so the link it does reloads
 *   once, with the build in the record, and never a second time after the quiet period.
 * - A build that fails, times out or cannot start is recorded as a Failed reload with its
 *   BuildInfo and diagnostics; the current generation keeps serving.
 * - Paused (the engine's watching is off): nothing builds. A build
 *   running when watching pauses is cancelled without a record, and what it was for is built when
 *   watching resumes, together with whatever was edited meanwhile.
 */
class SourceMode : public QObject
{
    Q_OBJECT

public:
    //! The quiet period after a source was closed after writing (see the class comment).
    static constexpr int WrittenSettleMs = 25;

    SourceMode(HostProxy *engine, ProjectConfig config, QObject *parent = nullptr);
    ~SourceMode() override;

    /*!
     * Records the sources' content and starts watching. With `buildNow`, runs one build first, so
     * plugins older than their sources are caught up (a no-op build reloads nothing).
     */
    void start(bool buildNow = true);
    /*!
     * Starts the engine and source mode together. When the plugin folders hold no plugin yet (a
     * project never built, or not even configured), the engine's first generation waits for the
     * first build that succeeds, so a failed first build or configure says "nothing is loaded"
     * instead of presenting an empty generation 1 as serving. Otherwise as engine->start() then
     * start().
     */
    void startWithEngine();
    //! The engine's first generation waits for a build (see startWithEngine()).
    bool isEngineStartDeferred() const { return m_engineStartDeferred; }
    /*!
     * Why this project must not be built at all, or empty: its build folder belongs to another
     * source folder. For the command line to refuse such a project before anything starts.
     */
    static QString buildFolderProblem(const ProjectConfig &config);
    //! How a build folder is configured (tests point the cmake program at a script).
    void setToolchain(const CMakeBuildFolder::Toolchain &toolchain) { m_toolchain = toolchain; }
    CMakeBuildFolder::Toolchain toolchain() const { return m_toolchain; }
    /*!
     * What is wrong with the project's folders now, one sentence each: a source or plugin folder
     * that does not exist (plugin folders only once a build could have made them), a broken
     * symbolic link in a source folder. Empty when all is well.
     */
    QStringList warnings() const { return m_warnings; }
    const ProjectConfig &config() const { return m_config; }
    bool isBuilding() const;
    //! Builds started since start(), cancelled ones included.
    int buildCount() const { return m_buildCount; }
    //! Source folders and files inotify watches now.
    int watchCount() const;
    //! Grace period between SIGTERM and SIGKILL for a cancelled or timed-out build.
    void setGracePeriodMs(int ms);

    //! The engine's watching: false while paused, when source events are still observed but
    //! start no build.
    bool isWatching() const;
    //! From the next source event on.
    void setQuietPeriodMs(int ms);
    //! The build command as a user edits it: one shell command line, `${targets}` kept.
    QString buildCommandTemplate() const;
    //! Why `command` cannot be the build command; empty when it can.
    QString buildCommandProblem(const QString &command) const;
    /*!
     * Runs `command` with /bin/sh -c from the next build on (a running build finishes as it
     * started). A command equal to buildCommandTemplate() changes nothing. Returns false, with the
     * reason in `error`, when buildCommandProblem() names one.
     */
    bool setBuildCommand(const QString &command, QString *error = nullptr);

Q_SIGNALS:
    //! A build started for these changed source files (empty for the start-up build).
    void buildStarted(const QString &commandLine, const QStringList &changedFiles);
    //! One line of build output, as it arrives.
    void buildOutput(const QString &line);
    void buildFinished(const qreload::app::BuildInfo &info);
    //! Raw source events, before the quiet period (for live "something changed" feedback).
    void sourceEventObserved(const qreload::app::FileEvent &event);
    void warningsChanged(const QStringList &warnings);

private:
    /*!
     * Follows the engine's Pause and Resume, so one Pause pauses both. Pausing cancels a running
     * build (no record: it was not wrong, only interrupted); resuming builds what it was for,
     * plus any edit made while paused.
     */
    void onWatchingChanged(bool watching);
    void onSourceEvent(const FileEvent &event);
    void onQuietPeriodOver();
    void startBuild();
    void onBuildFinished(const BuildInfo &info);
    //! A configure started by startBuild() ended: build next, or record its failure.
    void onConfigureFinished(const BuildInfo &info);
    void recordBuildFailure(BuildInfo built, const QString &why);
    //! Starts the deferred engine (see startWithEngine()), once.
    void startDeferredEngine();
    void checkFolders();

    HostProxy *m_engine;
    ProjectConfig m_config;
    std::unique_ptr<SourceWatcher> m_watcher;
    std::unique_ptr<BuildRunner> m_runner;
    QTimer m_quietTimer;
    QList<FileEvent> m_pendingEvents; //!< waiting for the quiet period to end
    bool m_settling = false;          //!< a pending event says a source was written and closed
    int m_quietUsedMs = 0;            //!< the quiet period the timer runs now
    // What the next (or running) build is for: kept across cancelled builds.
    QList<FileEvent> m_buildEvents;
    QStringList m_buildFiles;
    QStringList m_buildDecisions;
    bool m_startupBuild = false;
    bool m_restartAfterCancel = false;
    bool m_cancelledForPause = false; //!< the running build is being cancelled by a pause
    bool m_buildDeferred = false;     //!< a pause cancelled a build: run it on resume
    bool m_configuring = false;       //!< the runner runs the configure step, not the build
    bool m_engineStartDeferred = false;
    bool m_buildSucceeded = false; //!< a build succeeded since start(): plugin folders must exist
    CMakeBuildFolder::Toolchain m_toolchain = CMakeBuildFolder::Toolchain::ofThisQreload();
    QStringList m_warnings;
    int m_buildCount = 0;
};

} // namespace qreload::app
