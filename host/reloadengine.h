#pragma once

#include "reloadrecord.h"

#include <generation.h>

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

namespace qreload::app {

class FolderWatcher;
class GenerationRetirer;
class PhaseClock;
class ReloadPlanner;
class ShadowStore;

//! A plugin file to load in place of a watched one (see Options::restore).
struct RestoredPlugin
{
    QString originPath; //!< the watched file it stands for
    QString filePath;   //!< the bytes to load
};

/*!
 * Drives the reload transaction: watches the plugin folders, coalesces file events over a quiet
 * period, and turns the plugin files into a new Generation that replaces the current one only when
 * it is complete. Lives on the main thread; every signal is emitted there.
 *
 * Invariants (tst_reloadengine proves each):
 *  1. exactly one generation is current, and only complete generations become current;
 *  2. a failed reload leaves the current generation untouched and serving: its instances, kept
 *     ones included, are the same objects, no hook ran on them, and nothing the candidate made
 *     remains (its instances destroyed, its new libraries unloaded, its copies deleted);
 *  3. no instance outlives its library; unloaded libraries leave /proc/self/maps. A library
 *     several generations share is unloaded by the last of them; an instance several share is
 *     destroyed (its before-destroy hook run) by the last of them, never by a replaced
 *     generation that drains or is retired while a newer one keeps it;
 *  4. no shadow file or mapping accumulates over any number of reloads: a shadow copy is deleted
 *     when its library is unloaded, a generation's folder when its last copy is (by the shadow
 *     store's own thread, so the reload does not wait for the file system);
 *  5. one reload runs at a time; changes during a reload cause exactly one follow-up reload;
 *  6. every phase is timed and recorded with its cause; the record lists the components the
 *     reload recreated and those it kept.
 *
 * What a reload rebuilds (ReloadRecord::scope):
 *  - Changed (file events, a plain manual reload): plugin files whose stat() stamp is the one
 *    read before and that no event names are not read again; files whose bytes are unchanged
 *    keep their library (no copy, no load, no registration: the next generation shares it).
 *    A component is *kept* (the next generation holds the very same instance, no factory or
 *    hook runs, its state stays in it) when it comes from a shared library and each of its
 *    dependencies resolves to a provider of the same key, itself kept; every other eager
 *    singleton is constructed anew (the changed plugin's, and transitively their dependents:
 *    by key, by interface, a new primary or qualifier match, one more or one fewer provider of
 *    a list), carrying state as a full reload does. A lazy component not kept is built on its
 *    next lookup; one kept but not yet created is created on first use from the shared factory.
 *    A prototype makes new instances per lookup from the library the generation holds; the
 *    instances a kept instance was given stay with it, those made for lookups die with the
 *    generation that made them. A removed plugin's components
 *    go with the replaced generation; an added plugin's are built; neither touches others
 *    unless their wiring changes. Hooks: a kept instance's after-construct ran once, its
 *    before-destroy runs once, when the last generation holding it is retired.
 *  - All (Reload all): every file read, copied and loaded anew, every instance constructed
 *    anew (the state of those that carry it is carried), as the first generation is.
 *
 * Draining: a replaced generation is shut down, unloaded and its shadow copies deleted as soon as
 * nothing holds it: within the reload when no request holds it (the record then times shutdown,
 * unload and cleanup); otherwise when its last holder lets go of the shared_ptr (on any thread;
 * the work is queued to the engine's thread), or after Options::drainTimeoutMs, whichever comes
 * first. Nothing waits or sleeps meanwhile; generationRetired() reports each. A generation
 * retired by the timeout is shut down and unloaded while still held: its holder's lookups then
 * fail with ShutDown, and the object itself is freed when the holder lets go. Never while a call
 * runs in it (Container::callsInFlight(): a route or method waiting in a nested event loop): the
 * overrun is reported (drainOverrun(), a warning) and the generation retired when it returns. The
 * destructor shuts down and unloads every generation at once, held or not, but one a call runs in:
 * its holder frees it (and so shuts it down and unloads it) when it lets go after the call.
 *
 * What a generation is built from, file by file:
 *  - A plugin file that disappears on a watched change (deleted, its folder removed or replaced)
 *    keeps serving: the next generation loads the version the current one loaded (its shadow
 *    copy) until the file reappears. A manual reload (ReloadCause::Manual) drops it.
 *  - A plugin file whose new bytes are broken *on their own* blocks only itself: the others'
 *    changes still reload in the same transaction, its previous version (if it had one) stands
 *    in, and the record's errors name the file and the cause. Broken on its own means: it cannot
 *    be staged (unreadable, not an ELF shared library, still incomplete after the retries), it
 *    does not load (no Qt plugin metadata, wrong IID, the dynamic loader refuses it, its
 *    registration throws), or validation finds fault with its own components' declarations
 *    (empty key or no factory, a dependency nothing provides). A file whose previous version
 *    stands in keeps the graph of the others whole, so a component only it provided stays.
 *  - Whatever cannot be pinned on one changed file fails the whole candidate, as before, and the
 *    current generation serves on: a cycle, a duplicate key or route, an ambiguous interface
 *    (several files take part; reverting one of them would pick which edit to ignore), a
 *    validation error in a file whose bytes did not change (a changed file took away what it
 *    needs), a constructor or hook that fails (construction runs the whole graph), and errors
 *    of files not changed by this reload.
 *
 * Outcomes: Succeeded when a new generation is current (its errors list the files held back and
 * state that could not be carried); Failed when no new generation was made and errors say why
 * (every changed file was broken, or the whole candidate failed); Skipped when there was nothing
 * new to load: no content changed, or the only changes are removed files that keep serving or
 * bytes in Options::quarantine.
 * The decision then says so: `greeter.so removed; generation 4 keeps serving its 3 components
 * (Reload to drop them)`.
 */
class ReloadEngine : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QStringList pluginDirs;
        /*!
         * Quiet period after the last file event before reloading, for events that do not show
         * a complete plugin file (a removal, a folder's change, a file left incomplete, every
         * event of the QFileSystemWatcher fallback). See README for the choice.
         */
        int quietPeriodMs = 100;
        /*!
         * Settle window after the last event when every changed plugin file was closed after
         * writing or moved into place (inotify): restarted by each event, never longer than
         * the quiet period.
         */
        int settleMs = 15;
        /*!
         * Longest wait, from the first time the reload found it, for a plugin file open for
         * writing or a running ninja build of the plugin folder; then it reloads anyway.
         */
        int maxBusyWaitMs = 15000;
        //! How many quiet periods to wait for a plugin file that is still being written.
        int incompleteRetries = 20;
        //! Where shadow copies go; empty: a private folder under the system temp folder.
        QString shadowRoot;
        /*!
         * How long a replaced generation may stay held by in-flight requests. After that it is
         * shut down and unloaded anyway (a warning, and generationRetired(number, true)).
         */
        int drainTimeoutMs = 2000;
        //! Keep at most this many records in history() (the UI model keeps its own rows).
        int historyLimit = 1000;

        // A host restarted by its supervisor after a crash continues where the dead one was:
        //! the number of the first generation this engine builds;
        quint64 firstGeneration = 1;
        //! the id of the first record it makes;
        quint64 firstRecordId = 1;
        //! the plugin files its first generation is built from instead of the folders' files
        //! (the dead host's shadow copies of what worked); origin paths stay what records show;
        QList<RestoredPlugin> restore;
        //! plugin bytes (origin path -> content hash) that crashed the dead host: never loaded
        //! again automatically; the previous version of that plugin serves instead, until the
        //! file changes or the user reloads by hand;
        QHash<QString, QByteArray> quarantine;
        //! the first record's decision ("restarted after a crash ...").
        QString startDecision;
    };

    explicit ReloadEngine(Options options, QObject *parent = nullptr);
    ~ReloadEngine() override;

    //! Builds the first generation (cause Startup) and starts watching. Returns its record.
    ReloadRecord start();
    //! Reloads now, even when no file changed. Returns the record (also sent by reloadFinished).
    ReloadRecord reloadNow(ReloadCause cause = ReloadCause::Manual,
                           ReloadScope scope = ReloadScope::Changed);
    /*!
     * Reloads now because of events seen elsewhere (the source builder): skips the quiet period,
     * and skips the reload when no plugin's content changed.
     */
    ReloadRecord reloadForEvents(const QList<FileEvent> &events, const QString &decision,
                                 std::optional<BuildInfo> build = std::nullopt);

    /*!
     * Records a reload that never reached the plugins, without touching them: a source change
     * that changed no content (outcome Skipped), or a build that failed, timed out or was
     * cancelled (outcome Failed). The current generation keeps serving. Emits reloadFinished.
     */
    ReloadRecord recordWithoutReload(const QList<FileEvent> &events, const QString &decision,
                                     ReloadOutcome outcome,
                                     std::optional<BuildInfo> build = std::nullopt,
                                     Errors errors = {});
    /*!
     * While a source build runs, plugin-file events wait for it instead of reloading after the
     * quiet period: the build's reloadForEvents() takes them. Releasing the hold without that
     * call lets the waiting events reload as usual.
     */
    void setHeldForBuild(bool held);
    bool isHeldForBuild() const { return m_heldForBuild; }

    //! The generation serving now. Hold the pointer only for the duration of one request.
    std::shared_ptr<Generation> current() const { return m_current; }
    quint64 generationNumber() const { return m_current ? m_current->number() : 0; }
    const QList<ReloadRecord> &history() const { return m_history; }
    //! Records of an earlier host, shown before this engine's own (at /_qreload/log).
    void seedHistory(const QList<ReloadRecord> &records);
    std::optional<ReloadRecord> lastReload() const;
    bool isReloading() const { return m_reloading; }
    //! Replaced generations still held by in-flight requests, waiting to be shut down.
    int retiringGenerations() const;
    //! The plugin files the current generation loaded: origin, shadow copy and content hash.
    QList<PluginSource> currentPlugins() const;
    //! File events are waiting for the quiet period (or a retry) to end.
    bool hasPendingEvents() const;
    /*!
     * What a file-event reload waits for now, or empty: plugin files still open for writing, a
     * running ninja build of a plugin folder (FolderWatcher::busyReason()).
     */
    QString busyReason() const;

    bool isWatching() const { return m_watching; }
    void setWatching(bool watching);
    int quietPeriodMs() const { return m_options.quietPeriodMs; }
    void setQuietPeriodMs(int ms);
    //! Told which plugin code each generation runs next (crash breadcrumbs of a host process);
    //! applies to the current generation and every later one.
    void setConstructionObserver(ConstructionObserver observer);
    QStringList pluginDirs() const { return m_options.pluginDirs; }
    //! The plugin files that would make the next generation, sorted.
    QStringList pluginFiles() const;
    //! The folder holding the per-generation shadow copies.
    QString shadowRoot() const;

Q_SIGNALS:
    void reloadStarted(qreload::app::ReloadCause cause);
    /*!
     * Emitted right before each phase runs, so a crash can be placed in one. A generation
     * retired later (its last request let go, the drain timed out, the engine is destroyed)
     * announces its shutdown, unload and cleanup under the id of the reload that replaced it.
     * The destructor emits no signals.
     */
    void phaseStarted(quint64 recordId, const QString &phase);
    void reloadFinished(const qreload::app::ReloadRecord &record);
    void generationChanged(quint64 number);
    /*!
     * A replaced generation was shut down, unloaded and its shadow copies deleted: when its last
     * holder let go (timedOut false), or after Options::drainTimeoutMs while still held (true).
     */
    void generationRetired(quint64 number, bool timedOut);
    /*!
     * A replaced generation is past Options::drainTimeoutMs with a call still running in it (a
     * route waiting in a nested event loop): it is not shut down or unloaded under the call, but
     * when the call returns. `callMs`: how long calls have run in it. Also logged as a warning.
     */
    void drainOverrun(quint64 number, qint64 callMs);
    void watchingChanged(bool watching);
    //! A raw event arrived (before the quiet period). For live "something changed" feedback.
    void fileEventObserved(const qreload::app::FileEvent &event);

private:
    void onQuietPeriodOver();
    //! (Re)starts the wait for pending file events: the settle window or the quiet period.
    void scheduleReload();
    /*!
     * One reload transaction: reads the plugin files (ReloadPlanner), and unless one is still
     * being written, starts the reload, runs it (transact()) and finishes it, exactly once.
     */
    ReloadRecord runTransaction(ReloadRecord record, bool skipWhenUnchanged);
    /*!
     * Everything of a started reload after the files were read: plans, builds the candidate
     * (CandidateBuilder), swaps it in and retires the replaced one (GenerationRetirer). Returns
     * the outcome; every way out of a reload is a return from here.
     */
    ReloadOutcome transact(ReloadRecord &record, ReloadPlanner &planner, PhaseClock &clock,
                           bool skipWhenUnchanged);
    void finish(ReloadRecord &record);

    Options m_options;
    std::unique_ptr<ShadowStore> m_shadows;
    std::unique_ptr<FolderWatcher> m_watcher;
    QTimer m_quietTimer;
    QList<FileEvent> m_pendingEvents;
    int m_incompleteAttempts = 0;
    qint64 m_busySince = -1; //!< m_clock time the pending reload first found a writer or build
    qint64 m_busyUntil = -1; //!< and the last time it found one busy, or saw it end
    QString m_busyReason;    //!< what it waited for
    std::unique_ptr<GenerationRetirer> m_retirer; // before m_current: it hands generations out
    std::shared_ptr<Generation> m_current;
    QElapsedTimer m_clock;
    QHash<QString, QByteArray>
        m_currentHashes; // origin path -> content hash of the current generation
    std::optional<QHash<QString, QByteArray>> m_failedHashes; // files of the last failed reload
    //! origin path -> stat() stamp of the bytes the current generation loaded from it; a file
    //! whose stamp is unchanged is not read again (ShadowStore::stamp)
    QHash<QString, QByteArray> m_stamps;
    quint64 m_nextGeneration = 1;
    quint64 m_nextRecordId = 1;
    QList<ReloadRecord> m_history;
    bool m_reloading = false;
    std::optional<ReloadCause> m_followUp;
    ReloadScope m_followUpScope = ReloadScope::Changed; //!< All if any queued request asked so
    bool m_watching = true;
    bool m_heldForBuild = false;
    ConstructionObserver m_observer;
};

} // namespace qreload::app
