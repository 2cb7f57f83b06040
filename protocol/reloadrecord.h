#pragma once

#include <qreload/error.h>

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace qreload::app {

//! Why a reload ran.
enum class ReloadCause {
    Startup, //!< the first generation, built when qreload starts
    Files,   //!< watched plugin files (or, in source mode, sources and a build) changed
    Manual,  //!< the user asked (toolbar, Ctrl+R, CLI, POST /_qreload/reload)
    Crash,   //!< the host process died outside a reload (serving a request, or a plugin thread)
};

//! What a reload rebuilds.
enum class ReloadScope {
    Changed, //!< only the plugins whose bytes changed, and the components that depend on them
    All,     //!< every plugin and component, from scratch ("Reload all")
};

//! How a reload ended.
enum class ReloadOutcome {
    Succeeded, //!< a new generation is current
    Failed,    //!< the reload failed; the previous generation keeps serving
    Skipped,   //!< file events, but no plugin's content changed: nothing to do
    Crashed,   //!< the host process died (during the reload, or serving); see ReloadRecord::crash
};

QString causeName(ReloadCause cause);
QString outcomeName(ReloadOutcome outcome);
QString scopeName(ReloadScope scope);
//! The inverses of causeName() and scopeName(); an unknown name is Manual, Changed.
ReloadCause causeFromName(const QString &name);
ReloadScope scopeFromName(const QString &name);

//! One raw file-system notification, as the watcher saw it.
struct FileEvent
{
    QDateTime at;
    QString path;
    QString kind; //!< "file changed", "directory changed", "file removed", ...

    //! An event of a folder, not a file: most saves bring some (sed -i, git checkout, editors'
    //! renames), and they name where something changed, not what.
    bool isFolder() const { return kind.contains(QLatin1String("folder")); }
};

//! One timed phase of the reload transaction (stage, load, validate, construct, ...).
struct PhaseTiming
{
    QString name;
    double ms = 0;
};

//! A compiler diagnostic parsed from build output (`file:line:col: error: message`).
struct Diagnostic
{
    enum class Severity { Error, Warning, Note };
    QString file;
    int line = 0;
    int column = 0;
    Severity severity = Severity::Error;
    QString message;
};

//! "error", "warning" or "note", as compilers and the JSON of records write it.
QString severityName(Diagnostic::Severity severity);

//! The build that preceded a reload in source mode.
struct BuildInfo
{
    QString command;
    QString workingDirectory;
    QStringList sources; //!< the changed source files it was for (empty: the start-up build)
    int exitCode = 0;
    bool timedOut = false;
    bool cancelled = false;
    double ms = 0;
    QString output;
    QList<Diagnostic> diagnostics;

    //! It failed, timed out or was cancelled: it produced nothing to reload.
    bool failed() const { return exitCode != 0 || timedOut || cancelled; }
    //! The build's one encoding: in a record's JSON ("build") and in the reload message.
    QJsonObject toJson() const;
    static BuildInfo fromJson(const QJsonObject &json);
};

//! What the supervisor learnt about a host process that died.
struct CrashInfo
{
    QString signalName;     //!< "SIGSEGV", "SIGABRT", ...; empty when the host exited without one
    int exitCode = 0;       //!< the exit code when there was no signal (exit(0), 127, ...)
    QString phase;          //!< the reload phase it died in (stage, load, construct, ...), or
                            //!< "serving" (a request was in flight) or "running" outside both
    QString component;      //!< the component being created or destroyed, if any
    QString request;        //!< the request being served ("GET /"), if any
    QStringList backtrace;  //!< symbolized frames of the crashing thread, innermost first
    QStringList stderrTail; //!< the host's last stderr lines
    QString restart;        //!< what the supervisor did: restarted on which plugins, or stopped

    //! "SIGSEGV" or "exit code 0"
    QString what() const;
};

/*!
 * Everything known about one reload: why it ran, what happened in each phase and how long it
 * took. The reload log, the status endpoint and headless output are all views of these records.
 */
struct ReloadRecord
{
    quint64 id = 0;
    QDateTime startedAt;
    ReloadCause cause = ReloadCause::Manual;
    QStringList files;       //!< plugin files whose content changed (or appeared/went)
    QList<FileEvent> events; //!< the raw events that led to it
    QString decision;        //!< how the quiet period coalesced them, or why it was skipped
    std::optional<BuildInfo> build;
    ReloadOutcome outcome = ReloadOutcome::Failed;
    Errors errors;
    quint64 generationBefore = 0;
    quint64 generationAfter = 0; //!< equals generationBefore unless it succeeded
    QList<PhaseTiming> phases;
    double totalMs = 0;
    QStringList carriedState; //!< component keys whose state survived the reload
    QStringList droppedState; //!< "key: reason"
    QStringList added;        //!< component keys new in this generation
    QStringList removed;      //!< component keys gone from this generation
    QStringList changed;      //!< component keys whose plugin file changed
    QStringList rewired;      //!< component keys whose dependencies (or their providers) changed
    ReloadScope scope = ReloadScope::Changed;
    QStringList recreated; //!< component keys constructed anew by this reload (changed, dependents)
    QStringList kept;      //!< component keys whose very instance the new generation runs on
    std::optional<CrashInfo> crash; //!< set when outcome is Crashed

    bool ok() const { return outcome == ReloadOutcome::Succeeded; }
    //! The build ran and failed, timed out or was cancelled.
    bool buildFailed() const { return build && build->failed(); }
    /*!
     * File names of what the user changed, for "why did it reload": with a build, the sources
     * changed by content (or the source events' files); else the plugin files whose content
     * changed; else the files of the raw events. Folder events name where, not what, and are left
     * out.
     */
    QStringList changedNames() const;
    QString errorText() const;
    double phaseMs(const QString &name) const;
    //! "stage 0.2 ms, load 1.1 ms, ..."
    QString phaseSummary() const;
    QJsonObject toJson() const;
    //! A record of something that never reached the plugins (a build that failed, a source
    //! change that changed nothing): generation `generation` serves on.
    static ReloadRecord withoutReload(quint64 id, const QList<FileEvent> &events,
                                      const QString &decision, ReloadOutcome outcome,
                                      std::optional<BuildInfo> build, Errors errors,
                                      quint64 generation);
    //! The inverse of toJson() (the host sends records to the supervisor this way).
    static ReloadRecord fromJson(const QJsonObject &json);
};

} // namespace qreload::app

Q_DECLARE_METATYPE(qreload::app::ReloadRecord)
Q_DECLARE_METATYPE(qreload::app::FileEvent)
