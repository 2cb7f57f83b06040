#include "reloadengine.h"

#include "folderwatcher.h"
#include "shadowstore.h"

#include <qreload/graphdiff.h>

#include <QElapsedTimer>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QMap>
#include <QSet>

#include <mutex>
#include <thread>

Q_LOGGING_CATEGORY(lcReload, "qreload.reload")

namespace qreload::app {

namespace {

//! Shortest wait before looking again at a plugin file that is still being written.
constexpr int MinimumRetryMs = 20;

//! Times consecutive phases of one transaction into a record.
class PhaseClock
{
public:
    PhaseClock(ReloadRecord &record, ReloadEngine *engine)
        : m_record(record)
        , m_engine(engine)
    {
        m_timer.start();
    }
    //! The phase that starts now (for crash breadcrumbs; its time is taken by lap()).
    void enter(const QString &name) { Q_EMIT m_engine->phaseStarted(m_record.id, name); }
    //! Ends a phase. A phase run again (a candidate built again without a broken file) adds to
    //! its first timing, so every phase appears once, in the order it first ran.
    void lap(const QString &name)
    {
        const double ms = m_timer.nsecsElapsed() / 1e6;
        m_timer.restart();
        for (PhaseTiming &phase : m_record.phases) {
            if (phase.name == name) {
                phase.ms += ms;
                return;
            }
        }
        m_record.phases.append(PhaseTiming{name, ms});
    }

private:
    ReloadRecord &m_record;
    ReloadEngine *m_engine;
    QElapsedTimer m_timer;
};

//! What the next generation loads for one plugin file.
struct PlannedPlugin
{
    PluginSnapshot snapshot;           //!< new bytes to stage (empty when reused)
    std::optional<PluginSource> reuse; //!< the current generation's library, used as it is

    QByteArray hash() const { return reuse ? reuse->contentHash : snapshot.contentHash; }
};

//! How many components of `generation` came from the plugin file `origin`.
int componentCount(const Generation &generation, const QString &origin)
{
    const QList<ComponentInfo> components = generation.container().components();
    return int(std::count_if(components.cbegin(), components.cend(),
                             [&](const ComponentInfo &c) { return c.pluginFile == origin; }));
}

} // namespace

namespace detail {

/*!
 * What the deleter of every handed-out generation shares with the engine. The last holder of a
 * generation may let go on any thread: the deleter queues the generation here and wakes the
 * engine's thread, or, once the engine is gone (it shut everything down), frees it itself.
 */
struct GenerationReleases
{
    std::mutex mutex;
    ReloadEngine *engine = nullptr;
    QList<Generation *> released;
    Generation *retiringNow = nullptr; //!< the engine retires this one itself, right now
};

} // namespace detail

ReloadEngine::ReloadEngine(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_shadows(std::make_unique<ShadowStore>(m_options.shadowRoot))
    , m_watcher(std::make_unique<FolderWatcher>(QStringList{QStringLiteral("*.so")}))
    , m_releases(std::make_shared<detail::GenerationReleases>())
{
    m_releases->engine = this;
    m_clock.start();
    m_drainTimer.setSingleShot(true);
    connect(&m_drainTimer, &QTimer::timeout, this, &ReloadEngine::onDrainTimeout);
    qRegisterMetaType<ReloadRecord>();
    qRegisterMetaType<FileEvent>();
    m_nextGeneration = qMax<quint64>(1, m_options.firstGeneration);
    m_nextRecordId = qMax<quint64>(1, m_options.firstRecordId);
    m_quietTimer.setSingleShot(true);
    m_quietTimer.setInterval(m_options.quietPeriodMs);
    connect(&m_quietTimer, &QTimer::timeout, this, &ReloadEngine::onQuietPeriodOver);
    connect(m_watcher.get(), &FolderWatcher::changed, this, [this](const FileEvent &event) {
        Q_EMIT fileEventObserved(event);
        if (!m_watching)
            return;
        if (m_pendingEvents.isEmpty())
            m_busySince = -1; // a new wait begins
        m_pendingEvents.append(event);
        m_incompleteAttempts = 0;
        scheduleReload(); // every event restarts the wait
    });
    // A writer closed or a build ended: the settle window starts now.
    connect(m_watcher.get(), &FolderWatcher::busyEnded, this, [this] {
        if (m_busySince >= 0)
            m_busyUntil = m_clock.elapsed();
        if (m_watching && !m_pendingEvents.isEmpty())
            scheduleReload();
    });
}

ReloadEngine::~ReloadEngine()
{
    m_quietTimer.stop();
    m_drainTimer.stop();
    m_watcher.reset();
    // Observers may be half gone themselves (their lambdas' captures): no signal from here on.
    blockSignals(true);
    // Everything is shut down and unloaded here, synchronously, whoever still holds a pointer
    // (as after a drain timeout). Holders that let go meanwhile only queue their generation.
    for (Retiring &retiring : m_retiring) {
        if (!retiring.retired) {
            retiring.retired = true;
            for (const Error &error : retire(*retiring.generation, retiring.recordId))
                qCWarning(lcReload).noquote() << error.toString();
        }
    }
    if (m_current) {
        for (const Error &error : retire(*m_current, 0))
            qCWarning(lcReload).noquote() << error.toString();
    }
    // From now on a holder that lets go frees its (retired) generation itself.
    QList<Generation *> released;
    {
        std::lock_guard lock(m_releases->mutex);
        m_releases->engine = nullptr;
        released = std::exchange(m_releases->released, {});
    }
    for (Generation *generation : std::as_const(released))
        delete generation;
    m_retiring.clear();
    m_current.reset();
}

std::shared_ptr<Generation> ReloadEngine::share(std::unique_ptr<Generation> generation)
{
    return std::shared_ptr<Generation>(
        generation.release(), [releases = m_releases](Generation *released) {
            std::unique_lock lock(releases->mutex);
            if (releases->retiringNow == released)
                return; // the engine is retiring it in this very call
            if (!releases->engine) {
                lock.unlock();
                delete released; // the engine shut it down when it was destroyed
                return;
            }
            releases->released.append(released);
            if (releases->released.size() == 1)
                QMetaObject::invokeMethod(releases->engine, &ReloadEngine::onGenerationsReleased,
                                          Qt::QueuedConnection);
        });
}

Errors ReloadEngine::retire(Generation &generation, quint64 recordId)
{
    // Invariant 3: instances die before their library is unloaded.
    Q_EMIT phaseStarted(recordId, QStringLiteral("shutdown"));
    Errors errors = generation.shutdown().errors();
    Q_EMIT phaseStarted(recordId, QStringLiteral("unload"));
    errors.append(generation.unload().errors());
    // Invariant 4: the copies of the libraries no generation uses any more leave the disk.
    Q_EMIT phaseStarted(recordId, QStringLiteral("cleanup"));
    m_shadows->removeCopies(generation.unloadedFiles());
    if (!m_reloading)
        m_shadows->startRemovals();
    return errors;
}

int ReloadEngine::retiringGenerations() const
{
    return int(std::count_if(m_retiring.cbegin(), m_retiring.cend(),
                             [](const Retiring &r) { return !r.retired; }));
}

void ReloadEngine::onGenerationsReleased()
{
    QList<Generation *> released;
    {
        std::lock_guard lock(m_releases->mutex);
        released = std::exchange(m_releases->released, {});
    }
    for (Generation *generation : std::as_const(released)) {
        const auto it = std::find_if(m_retiring.begin(), m_retiring.end(),
                                     [&](const Retiring &r) { return r.generation == generation; });
        if (it != m_retiring.end()) {
            const Retiring retiring = *it;
            m_retiring.erase(it);
            if (!retiring.retired) {
                for (const Error &error : retire(*generation, retiring.recordId))
                    qCWarning(lcReload).noquote() << error.toString();
            }
            delete generation;
            if (!retiring.retired)
                Q_EMIT generationRetired(retiring.number, false);
        } else {
            delete generation; // never current: nothing else to do
        }
    }
    scheduleDrainTimeout();
}

void ReloadEngine::onDrainTimeout()
{
    const qint64 now = m_clock.elapsed();
    for (Retiring &retiring : m_retiring) {
        if (retiring.retired || retiring.deadline > now)
            continue;
        qCWarning(lcReload) << "generation" << retiring.number << "still in use after"
                            << m_options.drainTimeoutMs << "ms; shutting it down anyway";
        retiring.retired = true;
        for (const Error &error : retire(*retiring.generation, retiring.recordId))
            qCWarning(lcReload).noquote() << error.toString();
        Q_EMIT generationRetired(retiring.number, true);
    }
    scheduleDrainTimeout();
}

void ReloadEngine::scheduleDrainTimeout()
{
    qint64 next = -1;
    for (const Retiring &retiring : m_retiring) {
        if (!retiring.retired && (next < 0 || retiring.deadline < next))
            next = retiring.deadline;
    }
    if (next < 0)
        m_drainTimer.stop();
    else
        m_drainTimer.start(int(qMax<qint64>(0, next - m_clock.elapsed())));
}

ReloadRecord ReloadEngine::start()
{
    m_watcher->setFolders(m_options.pluginDirs);
    ReloadRecord record;
    record.cause = ReloadCause::Startup;
    record.decision = m_options.startDecision.isEmpty() ? QStringLiteral("first generation")
                                                        : m_options.startDecision;
    return runTransaction(std::move(record), false);
}

ReloadRecord ReloadEngine::reloadNow(ReloadCause cause, ReloadScope scope)
{
    ReloadRecord record;
    record.cause = cause;
    record.scope = scope;
    record.events = std::exchange(m_pendingEvents, {});
    m_quietTimer.stop();
    record.decision = cause == ReloadCause::Manual ? QStringLiteral("manual reload")
                                                   : QStringLiteral("reload requested");
    return runTransaction(std::move(record), false);
}

ReloadRecord ReloadEngine::reloadForEvents(const QList<FileEvent> &events, const QString &decision,
                                           std::optional<BuildInfo> build)
{
    ReloadRecord record;
    record.cause = ReloadCause::Files;
    record.events = events;
    // Plugin-folder events the build itself caused belong to this reload, not to another one.
    record.events.append(std::exchange(m_pendingEvents, {}));
    m_quietTimer.stop();
    record.decision = decision;
    record.build = std::move(build);
    return runTransaction(std::move(record), true);
}

ReloadRecord ReloadEngine::recordWithoutReload(const QList<FileEvent> &events,
                                               const QString &decision, ReloadOutcome outcome,
                                               std::optional<BuildInfo> build, Errors errors)
{
    const ReloadRecord record
        = ReloadRecord::withoutReload(m_nextRecordId++, events, decision, outcome, std::move(build),
                                      std::move(errors), generationNumber());
    // Not finish(): nothing was reloaded, so no follow-up is due and m_reloading is not ours.
    m_history.append(record);
    while (m_history.size() > m_options.historyLimit)
        m_history.removeFirst();
    if (outcome == ReloadOutcome::Failed)
        qCWarning(lcReload).noquote() << "reload" << record.id << "failed:" << record.errorText();
    Q_EMIT reloadFinished(record);
    return record;
}

void ReloadEngine::setHeldForBuild(bool held)
{
    if (m_heldForBuild == held)
        return;
    m_heldForBuild = held;
    if (!held && !m_pendingEvents.isEmpty() && !m_quietTimer.isActive())
        scheduleReload();
}

void ReloadEngine::setConstructionObserver(ConstructionObserver observer)
{
    m_observer = std::move(observer);
    if (m_current)
        m_current->setConstructionObserver(m_observer);
}

void ReloadEngine::seedHistory(const QList<ReloadRecord> &records)
{
    m_history = records + m_history;
    while (m_history.size() > m_options.historyLimit)
        m_history.removeFirst();
}

QList<PluginSource> ReloadEngine::currentPlugins() const
{
    return m_current ? m_current->plugins() : QList<PluginSource>();
}

std::optional<ReloadRecord> ReloadEngine::lastReload() const
{
    for (auto it = m_history.crbegin(); it != m_history.crend(); ++it) {
        if (it->outcome != ReloadOutcome::Skipped)
            return *it;
    }
    return std::nullopt;
}

void ReloadEngine::setWatching(bool watching)
{
    if (m_watching == watching)
        return;
    m_watching = watching;
    if (!watching) {
        m_quietTimer.stop();
        m_pendingEvents.clear();
    } else {
        // Changes made while paused are picked up now (content hashes decide if any matter).
        m_pendingEvents.append(
            FileEvent{QDateTime::currentDateTime(), QString(), QStringLiteral("watching resumed")});
        m_quietTimer.start(m_options.quietPeriodMs);
    }
    Q_EMIT watchingChanged(watching);
}

void ReloadEngine::setQuietPeriodMs(int ms)
{
    m_options.quietPeriodMs = qMax(0, ms);
    m_quietTimer.setInterval(m_options.quietPeriodMs);
}

QStringList ReloadEngine::pluginFiles() const
{
    if (m_watcher->folders().isEmpty()) {
        FolderWatcher probe({QStringLiteral("*.so")});
        probe.setFolders(m_options.pluginDirs);
        return probe.matchingFiles();
    }
    return m_watcher->matchingFiles();
}

QString ReloadEngine::shadowRoot() const
{
    return m_shadows->root();
}

void ReloadEngine::scheduleReload()
{
    // Plugin files known to be in place (closed after writing, moved in) need only the settle
    // window, which lets a build's next event join them; anything else waits the quiet period.
    const bool complete = m_watcher->completes(m_pendingEvents);
    // Remembered for the record: a writer seen now may be closed before the wait ends.
    if (const QString busy = m_watcher->busyReason(false); !busy.isEmpty()) {
        if (m_busySince < 0)
            m_busySince = m_clock.elapsed();
        m_busyUntil = m_clock.elapsed();
        m_busyReason = busy;
    }
    m_quietTimer.start(complete ? qMin(m_options.settleMs, m_options.quietPeriodMs)
                                : m_options.quietPeriodMs);
}

QString ReloadEngine::busyReason() const
{
    return m_watcher->busyReason();
}

void ReloadEngine::onQuietPeriodOver()
{
    // A running build reloads with these events when it is done (setHeldForBuild).
    if (m_pendingEvents.isEmpty() || m_heldForBuild)
        return;
    // One reload per build: not while a plugin file is still open for writing or a ninja build
    // of the folder runs. Their end (FolderWatcher::busyEnded) restarts the settle window; a
    // build seen only as a process ends without an event, so look again meanwhile.
    bool gaveUp = false;
    if (const QString busy = m_watcher->busyReason(); !busy.isEmpty()) {
        if (m_busySince < 0)
            m_busySince = m_clock.elapsed();
        m_busyUntil = m_clock.elapsed();
        m_busyReason = busy;
        const qint64 left = m_options.maxBusyWaitMs - (m_clock.elapsed() - m_busySince);
        if (left > 0) {
            m_quietTimer.start(
                int(qMin<qint64>(left, qMax(m_options.quietPeriodMs, MinimumRetryMs))));
            return;
        }
        gaveUp = true;
        qCWarning(lcReload).noquote()
            << "reloading after waiting" << m_options.maxBusyWaitMs << "ms for" << busy;
    }
    ReloadRecord record;
    record.cause = ReloadCause::Files;
    record.events = std::exchange(m_pendingEvents, {});
    const qint64 spread = record.events.first().at.msecsTo(record.events.last().at);
    if (m_watcher->completes(record.events)) {
        QStringList names;
        for (const FileEvent &event : std::as_const(record.events)) {
            if (const QString name = QFileInfo(event.path).fileName(); !names.contains(name))
                names.append(name);
        }
        record.decision = QStringLiteral("%1 event(s) over %2 ms; %3 complete (closed after "
                                         "writing or moved into place), settled for %4 ms")
                              .arg(record.events.size())
                              .arg(spread)
                              .arg(names.join(QStringLiteral(", ")))
                              .arg(qMin(m_options.settleMs, m_options.quietPeriodMs));
    } else {
        record.decision = QStringLiteral("%1 event(s) over %2 ms, then quiet for %3 ms")
                              .arg(record.events.size())
                              .arg(spread)
                              .arg(m_options.quietPeriodMs);
    }
    if (m_busySince >= 0)
        record.decision += (gaveUp ? QStringLiteral("; gave up after %1 ms waiting for %2")
                                   : QStringLiteral("; waited %1 ms for %2"))
                               .arg(qMax<qint64>(m_busyUntil, m_busySince) - m_busySince)
                               .arg(m_busyReason);
    m_busySince = -1;
    runTransaction(std::move(record), true);
}

ReloadRecord ReloadEngine::runTransaction(ReloadRecord record, bool skipWhenUnchanged)
{
    record.id = m_nextRecordId++;
    record.startedAt = QDateTime::currentDateTime();
    record.generationBefore = generationNumber();
    record.generationAfter = record.generationBefore;

    // Invariant 5: one reload at a time. A request that arrives while one runs (a nested event
    // loop, a slot of reloadFinished) becomes exactly one follow-up reload.
    if (m_reloading) {
        // A manual request wins over file events: it reloads even when nothing changed.
        if (!m_followUp || record.cause == ReloadCause::Manual)
            m_followUp
                = record.cause == ReloadCause::Manual ? ReloadCause::Manual : ReloadCause::Files;
        if (record.scope == ReloadScope::All)
            m_followUpScope = ReloadScope::All;
        m_pendingEvents.append(record.events);
        --m_nextRecordId;
        record.outcome = ReloadOutcome::Skipped;
        record.decision = QStringLiteral("a reload is running; one follow-up reload is queued");
        return record;
    }
    m_reloading = true;
    Q_EMIT reloadStarted(record.cause);

    QElapsedTimer total;
    total.start();
    PhaseClock clock(record, this);
    clock.enter(QStringLiteral("stage"));

    // stage: read every plugin file as it is now and decide whether anything changed.
    if (record.cause == ReloadCause::Manual)
        m_options.quarantine.clear(); // the user asks for the files as they are
    // The first generation of a restarted host: the files that worked, not the folders'.
    const QList<RestoredPlugin> restore = std::exchange(m_options.restore, {});
    QStringList files;
    QHash<QString, QString> readFrom; // origin -> the file to read instead
    for (const RestoredPlugin &plugin : restore) {
        files.append(plugin.originPath);
        readFrom.insert(plugin.originPath, plugin.filePath);
    }
    if (restore.isEmpty())
        files = pluginFiles();
    else
        files.sort();
    QMap<QString, PluginSnapshot> fresh; // origin -> its bytes now
    QHash<QString, Errors> unusable;     // origin -> why its bytes cannot be staged
    QHash<QString, QByteArray> hashes;   // origin -> content hash now (readable files)
    QHash<QString, QByteArray> stamps;   // origin -> its stat() stamp when read (or reused)
    QSet<QString> untouched;             // origins whose loaded bytes are certainly still on disk
    bool incomplete = false;
    // A file no event names whose stat() stamp is the one read into the current generation
    // still has those bytes: not read or hashed again (Reload all copies its current shadow
    // copy, which has them, for its new library).
    QSet<QString> named;
    for (const FileEvent &event : std::as_const(record.events)) {
        if (!event.isFolder())
            named.insert(event.path);
    }
    const bool proportional = record.scope == ReloadScope::Changed && m_current;
    QList<std::pair<QString, QString>> toRead; // origin, the file to read it from
    for (const QString &path : std::as_const(files)) {
        const QString readPath = readFrom.value(path, path);
        const QByteArray stamp = ShadowStore::stamp(readPath);
        if (m_current && !stamp.isEmpty() && !named.contains(path) && m_stamps.value(path) == stamp
            && m_currentHashes.contains(path)) {
            hashes.insert(path, m_currentHashes.value(path));
            stamps.insert(path, stamp);
            untouched.insert(path);
            continue;
        }
        toRead.append({path, readPath});
        stamps.insert(path, stamp);
    }
    // Reading and hashing is most of a first generation's or a large change's stage: the files
    // are read on two threads (the engine's and one more) when there are several.
    std::vector<std::optional<Result<PluginSnapshot>>> read(size_t(toRead.size()));
    const auto readRange = [&](qsizetype from, qsizetype to) {
        for (qsizetype i = from; i < to; ++i)
            read[size_t(i)] = ShadowStore::snapshot(toRead.at(i).second, toRead.at(i).first);
    };
    if (toRead.size() >= 4) {
        const qsizetype half = toRead.size() / 2;
        std::thread other(readRange, half, toRead.size());
        readRange(0, half);
        other.join();
    } else {
        readRange(0, toRead.size());
    }
    for (qsizetype i = 0; i < toRead.size(); ++i) {
        const QString &path = toRead.at(i).first;
        Result<PluginSnapshot> &snapshot = *read[size_t(i)];
        if (!snapshot) {
            incomplete |= snapshot.errors().first().reason() == Error::Reason::IncompleteFile;
            unusable.insert(path, snapshot.errors());
            stamps.remove(path);
            continue;
        }
        hashes.insert(path, snapshot.value().contentHash);
        fresh.insert(path, snapshot.takeValue());
    }
    for (auto it = hashes.constBegin(); it != hashes.constEnd(); ++it) {
        if (m_currentHashes.value(it.key()) != it.value())
            record.files.append(it.key());
    }
    for (auto it = m_currentHashes.constBegin(); it != m_currentHashes.constEnd(); ++it) {
        if (!hashes.contains(it.key()) && !record.files.contains(it.key()))
            record.files.append(it.key());
    }
    record.files.sort();

    const auto finishAs = [&](ReloadOutcome outcome) {
        record.outcome = outcome;
        record.totalMs = total.nsecsElapsed() / 1e6;
        finish(record);
        return record;
    };

    if (incomplete && record.cause == ReloadCause::Files
        && m_incompleteAttempts < m_options.incompleteRetries) {
        // A linker is probably still writing: look again after another quiet period. Not a
        // reload yet, so nothing is recorded; the reload that follows says how long it waited.
        ++m_incompleteAttempts;
        m_pendingEvents = record.events + m_pendingEvents;
        m_quietTimer.start(qMax(m_options.quietPeriodMs, MinimumRetryMs));
        m_reloading = false;
        --m_nextRecordId;
        record.outcome = ReloadOutcome::Skipped;
        for (const Errors &errors : std::as_const(unusable))
            record.errors.append(errors);
        return record;
    }
    if (m_incompleteAttempts > 0)
        record.decision += QStringLiteral("; waited %1 more quiet period(s) for a plugin file "
                                          "to be complete")
                               .arg(m_incompleteAttempts);
    m_incompleteAttempts = 0;
    if (skipWhenUnchanged && record.files.isEmpty() && m_current) {
        record.decision += QStringLiteral("; no plugin's content changed, nothing to reload");
        clock.lap(QStringLiteral("stage"));
        return finishAs(ReloadOutcome::Skipped);
    }
    if (skipWhenUnchanged && unusable.isEmpty() && m_failedHashes && hashes == *m_failedHashes) {
        record.decision += QStringLiteral("; same content as the last failed reload, not retried");
        clock.lap(QStringLiteral("stage"));
        return finishAs(ReloadOutcome::Skipped);
    }

    // The plan: what the next generation loads for each plugin file. A file that went away (on
    // a watched change) or that cannot be used keeps the version the current generation loaded;
    // every other file is loaded as it is now. A proportional reload (scope Changed) reuses the
    // current generation's library wherever those are the bytes it loaded; Reload all loads
    // every file anew, a kept version read back from its shadow copy.
    QHash<QString, PluginSource> previous;
    if (m_current) {
        for (const PluginSource &source : m_current->plugins())
            previous.insert(source.originPath, source);
    }
    QMap<QString, PlannedPlugin> plan;
    QSet<QString> fromDisk; // origins planned with the bytes their file has now (stamps kept)
    QSet<QString> changed;  // origins loaded with new bytes: the ones a failure can be pinned on
    QList<std::pair<QString, int>> removedFiles; // origin, components it serves
    QStringList heldBroken; // origins whose new bytes failed and whose previous version stays
    QList<std::pair<QString, bool>> quarantined; // origin, whether its previous version stands in
    const auto keepPrevious = [&](const QString &origin) {
        const auto it = previous.constFind(origin);
        if (it == previous.constEnd())
            return false;
        fromDisk.remove(origin);
        changed.remove(origin);
        if (proportional) {
            plan.insert(origin, PlannedPlugin{{}, *it});
            return true;
        }
        Result<PluginSnapshot> kept = ShadowStore::snapshot(it->loadPath, origin);
        if (!kept) {
            record.errors.append(kept.errors());
            return false;
        }
        plan.insert(origin, PlannedPlugin{kept.takeValue(), std::nullopt});
        return true;
    };
    const QSet<QString> onDisk(files.cbegin(), files.cend());
    for (auto it = previous.constBegin(); it != previous.constEnd(); ++it) {
        if (onDisk.contains(it.key()) || record.cause == ReloadCause::Manual)
            continue; // a manual reload drops the components of removed files
        if (keepPrevious(it.key()))
            removedFiles.append({it.key(), componentCount(*m_current, it.key())});
    }
    for (const QString &origin : files) {
        if (const auto bad = unusable.constFind(origin); bad != unusable.constEnd()) {
            record.errors.append(*bad);
            if (keepPrevious(origin))
                heldBroken.append(origin);
            continue;
        }
        if (untouched.contains(origin) && previous.contains(origin)) {
            // Not written since the current generation loaded it: its library serves on, or
            // (Reload all) a copy of its shadow copy is loaded anew.
            const PluginSource &loaded = previous[origin];
            if (proportional)
                plan.insert(origin, PlannedPlugin{{}, loaded});
            else
                plan.insert(
                    origin,
                    PlannedPlugin{PluginSnapshot{origin, {}, loaded.contentHash, loaded.loadPath},
                                  std::nullopt});
            fromDisk.insert(origin);
            continue;
        }
        const PluginSnapshot &snapshot = fresh[origin];
        // A restored file is the bytes that worked, never the quarantined ones.
        if (const auto q = m_options.quarantine.constFind(origin);
            !readFrom.contains(origin) && q != m_options.quarantine.constEnd()) {
            if (*q == snapshot.contentHash) {
                // The bytes that crashed the last host: never loaded again automatically.
                quarantined.append({origin, keepPrevious(origin)});
                continue;
            }
            m_options.quarantine.erase(q); // new bytes: they get their chance
        }
        const bool same = m_currentHashes.value(origin) == snapshot.contentHash;
        if (proportional && same && previous.contains(origin))
            plan.insert(origin, PlannedPlugin{{}, previous.value(origin)}); // read, same bytes
        else
            plan.insert(origin, PlannedPlugin{snapshot, std::nullopt});
        fromDisk.insert(origin);
        if (!same)
            changed.insert(origin);
    }
    fresh.clear();
    clock.lap(QStringLiteral("stage"));

    const auto planHashes = [&] {
        QHash<QString, QByteArray> planned;
        for (auto it = plan.constBegin(); it != plan.constEnd(); ++it)
            planned.insert(it.key(), it.value().hash());
        return planned;
    };
    // Notes for the decision, once it is known which generation serves.
    const auto noteHeldBack = [&] {
        const quint64 serving = record.generationAfter;
        for (const auto &[origin, components] : std::as_const(removedFiles)) {
            record.decision += QStringLiteral("; %1 removed; generation %2 keeps serving its %3 "
                                              "component%4 (Reload to drop them)")
                                   .arg(QFileInfo(origin).fileName())
                                   .arg(serving)
                                   .arg(components)
                                   .arg(components == 1 ? QString() : QStringLiteral("s"));
        }
        for (const QString &origin : std::as_const(heldBroken))
            record.decision += QStringLiteral("; %1 was not loaded (see errors); generation %2 "
                                              "keeps serving its previous version")
                                   .arg(QFileInfo(origin).fileName())
                                   .arg(serving);
        for (const auto &[origin, kept] : std::as_const(quarantined)) {
            record.decision += QStringLiteral("; %1 not loaded: these bytes crashed the last "
                                              "host, and are loaded again only when the file "
                                              "changes or on a manual reload")
                                   .arg(QFileInfo(origin).fileName());
            if (kept)
                record.decision += QStringLiteral(" (generation %1 keeps serving its previous "
                                                  "version)")
                                       .arg(serving);
        }
    };
    // Nothing new left to load: the current generation serves on, untouched (invariant 2).
    const auto nothingToSwap = [&] {
        if (record.cause == ReloadCause::Manual && m_current)
            return false; // a manual reload rebuilds even what did not change
        if (m_current)
            return planHashes() == m_currentHashes;
        return plan.isEmpty() && (!record.errors.isEmpty() || !quarantined.isEmpty());
    };
    const auto keepCurrent = [&] {
        noteHeldBack();
        if (record.errors.isEmpty()) {
            if (removedFiles.isEmpty() && quarantined.isEmpty())
                record.decision
                    += QStringLiteral("; no plugin's content changed, nothing to reload");
            return finishAs(ReloadOutcome::Skipped);
        }
        m_failedHashes = hashes;
        return finishAs(ReloadOutcome::Failed);
    };
    if (skipWhenUnchanged && nothingToSwap())
        return keepCurrent();

    const quint64 number = m_nextGeneration;
    std::unique_ptr<Generation> candidate;
    const auto dismantle = [&] {
        if (!candidate)
            return;
        for (const Error &e : candidate->shutdown().errors())
            record.errors.append(e);
        for (const Error &e : candidate->unload().errors())
            record.errors.append(e);
        candidate.reset();
    };
    // Invariant 2: on any failure the candidate is dismantled and the current one is untouched.
    const auto fail = [&](const Errors &errors) {
        record.errors.append(errors);
        clock.enter(QStringLiteral("cleanup"));
        dismantle();
        m_shadows->remove(number);
        clock.lap(QStringLiteral("cleanup"));
        m_failedHashes = hashes;
        noteHeldBack();
        return finishAs(ReloadOutcome::Failed);
    };
    // Errors that belong to plugin files loaded with new bytes only: those files are taken out
    // (their previous version, if any, stands in) and the candidate is built again. Any other
    // error fails the whole candidate. Returns whether the files were taken out.
    const auto isolate = [&](const Errors &errors, bool (*pinned)(const Error &)) {
        QSet<QString> culprits;
        for (const Error &e : errors) {
            if (!pinned(e) || !changed.contains(e.pluginFile()))
                return false;
            culprits.insert(e.pluginFile());
        }
        record.errors.append(errors);
        dismantle();
        for (const QString &origin : std::as_const(culprits)) {
            plan.remove(origin);
            changed.remove(origin);
            fromDisk.remove(origin);
            if (keepPrevious(origin))
                heldBroken.append(origin);
        }
        return true;
    };

    for (;;) {
        clock.enter(QStringLiteral("stage"));
        // Only new bytes are copied; a reused library stays where it was loaded from.
        QList<PluginSnapshot> newBytes;
        for (const PlannedPlugin &planned : std::as_const(plan)) {
            if (!planned.reuse)
                newBytes.append(planned.snapshot);
        }
        Result<QList<PluginSource>> staged = m_shadows->stage(number, newBytes);
        clock.lap(QStringLiteral("stage"));
        if (!staged)
            return fail(staged.errors());
        QList<PluginSource> sources;
        qsizetype next = 0;
        for (const PlannedPlugin &planned : std::as_const(plan))
            sources.append(planned.reuse ? *planned.reuse : staged.value().at(next++));
        candidate = std::make_unique<Generation>(number);
        if (m_observer)
            candidate->setConstructionObserver(m_observer);

        clock.enter(QStringLiteral("load"));
        Status loaded = candidate->load(sources, proportional ? m_current.get() : nullptr);
        clock.lap(QStringLiteral("load"));
        if (!loaded) {
            // A file that does not load (not a plugin, wrong IID, the loader refuses it, its
            // registration throws) is broken on its own.
            if (!isolate(loaded.errors(), [](const Error &) { return true; }))
                return fail(loaded.errors());
        } else {
            clock.enter(QStringLiteral("validate"));
            const Status valid = candidate->validate();
            clock.lap(QStringLiteral("validate"));
            if (valid)
                break;
            // A component's own declarations (its key, its factory, what it depends on) are its
            // file's; cycles, duplicates and ambiguities belong to several files at once.
            if (!isolate(valid.errors(), [](const Error &e) {
                    return e.reason() == Error::Reason::InvalidRegistration
                           || e.reason() == Error::Reason::MissingDependency;
                }))
                return fail(valid.errors());
        }
        if (nothingToSwap()) {
            clock.enter(QStringLiteral("cleanup"));
            m_shadows->remove(number);
            clock.lap(QStringLiteral("cleanup"));
            return keepCurrent();
        }
    }

    // construct: a proportional reload keeps the current generation's instances of every
    // component whose library is reused and whose dependencies are all kept; the rest is built.
    clock.enter(QStringLiteral("construct"));
    if (Status built = candidate->construct(proportional ? m_current.get() : nullptr); !built) {
        clock.lap(QStringLiteral("construct"));
        return fail(built.errors());
    }
    clock.lap(QStringLiteral("construct"));
    record.kept = candidate->container().keptKeys();
    record.recreated = candidate->container().constructedKeys();

    if (m_current) {
        // A kept instance carries its state on by itself: only the others hand theirs over.
        clock.enter(QStringLiteral("carry"));
        Errors saveErrors;
        const auto state = m_current->container().saveState(&saveErrors, record.kept);
        const StateCarryReport report = candidate->container().restoreState(state);
        record.carriedState = report.carried;
        record.droppedState = report.dropped;
        record.errors.append(saveErrors);
        record.errors.append(report.errors);
        for (const QString &dropped : report.dropped)
            qCInfo(lcReload) << "state dropped:" << dropped;
        clock.lap(QStringLiteral("carry"));
    }

    // Which components came, went, came from a changed plugin file, or were wired differently.
    const GraphDiff diff = GraphDiff::between(m_current.get(), *candidate);
    record.added = diff.added;
    record.removed = diff.removed;
    record.changed = diff.changed;
    record.rewired = diff.rewired;

    clock.enter(QStringLiteral("swap"));
    // swap: invariant 1 — the candidate is complete (constructed, state restored) before it is
    // published, in one assignment.
    std::shared_ptr<Generation> old = std::exchange(m_current, share(std::move(candidate)));
    m_currentHashes = planHashes();
    m_stamps.clear();
    for (const QString &origin : std::as_const(fromDisk)) {
        if (plan.contains(origin) && !stamps.value(origin).isEmpty())
            m_stamps.insert(origin, stamps.value(origin));
    }
    if (heldBroken.isEmpty())
        m_failedHashes.reset();
    else
        m_failedHashes = hashes; // the same bytes again would fail the same way
    ++m_nextGeneration;
    record.generationAfter = number;
    clock.lap(QStringLiteral("swap"));

    if (old && old.use_count() == 1) {
        // Nothing else holds it (the common case): retire it now, timed in this record.
        Generation *retiring = old.get();
        {
            std::lock_guard lock(m_releases->mutex);
            m_releases->retiringNow = retiring;
        }
        old.reset(); // the deleter leaves it to us
        {
            std::lock_guard lock(m_releases->mutex);
            m_releases->retiringNow = nullptr;
        }
        const quint64 oldNumber = retiring->number();
        // Invariant 3: instances die before their library is unloaded.
        clock.enter(QStringLiteral("shutdown"));
        record.errors.append(retiring->shutdown().errors());
        clock.lap(QStringLiteral("shutdown"));
        clock.enter(QStringLiteral("unload"));
        record.errors.append(retiring->unload().errors());
        const QStringList unloadedFiles = retiring->unloadedFiles();
        delete retiring;
        clock.lap(QStringLiteral("unload"));
        // Invariant 4: nothing of the old generation stays on disk once no generation uses it.
        clock.enter(QStringLiteral("cleanup"));
        m_shadows->removeCopies(unloadedFiles);
        clock.lap(QStringLiteral("cleanup"));
        Q_EMIT generationRetired(oldNumber, false);
    } else if (old) {
        // drain: requests that started on the old generation finish on it. It is retired when
        // the last of them lets go (the deleter calls back), or after the drain timeout.
        record.decision += QStringLiteral("; generation %1 is still in use: it is shut down when "
                                          "its last request finishes (at most %2 ms)")
                               .arg(old->number())
                               .arg(m_options.drainTimeoutMs);
        m_retiring.push_back(Retiring{old.get(), old->number(), record.id,
                                      m_clock.elapsed() + m_options.drainTimeoutMs});
        old.reset();
        scheduleDrainTimeout();
    }
    noteHeldBack();
    Q_EMIT generationChanged(number);
    return finishAs(ReloadOutcome::Succeeded);
}

void ReloadEngine::finish(ReloadRecord &record)
{
    m_history.append(record);
    while (m_history.size() > m_options.historyLimit)
        m_history.removeFirst();
    if (record.outcome == ReloadOutcome::Failed)
        qCWarning(lcReload).noquote() << "reload" << record.id << "failed:" << record.errorText();
    // Still "reloading" while observers react, so a reload they request becomes the follow-up.
    Q_EMIT reloadFinished(record);
    m_reloading = false;
    // The retired generation's shadow copies are deleted now, off this thread: the reload did
    // not wait for the file system.
    m_shadows->startRemovals();
    if (const std::optional<ReloadCause> followUp = std::exchange(m_followUp, std::nullopt)) {
        const ReloadScope scope = std::exchange(m_followUpScope, ReloadScope::Changed);
        QTimer::singleShot(0, this, [this, cause = *followUp, scope] {
            if (cause == ReloadCause::Manual || scope == ReloadScope::All)
                reloadNow(cause == ReloadCause::Manual ? ReloadCause::Manual : ReloadCause::Files,
                          scope);
            else
                onQuietPeriodOver();
        });
    }
}

bool ReloadEngine::hasPendingEvents() const
{
    return !m_pendingEvents.isEmpty() || m_quietTimer.isActive();
}

} // namespace qreload::app
