#include "reloadengine.h"

#include "candidatebuilder.h"
#include "folderwatcher.h"
#include "generationretirer.h"
#include "phaseclock.h"
#include "reloadplanner.h"
#include "shadowstore.h"

#include <QFileInfo>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcReload, "qreload.reload")

namespace qreload::app {

namespace {

//! Shortest wait before looking again at a plugin file that is still being written.
constexpr int MinimumRetryMs = 20;

} // namespace

ReloadEngine::ReloadEngine(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_shadows(std::make_unique<ShadowStore>(m_options.shadowRoot))
    , m_watcher(std::make_unique<FolderWatcher>(QStringList{QStringLiteral("*.so")}))
    , m_retirer(std::make_unique<GenerationRetirer>(*m_shadows, m_options.drainTimeoutMs))
{
    m_clock.start();
    connect(m_retirer.get(), &GenerationRetirer::phaseStarted, this, &ReloadEngine::phaseStarted);
    connect(m_retirer.get(), &GenerationRetirer::generationRetired, this,
            &ReloadEngine::generationRetired);
    connect(m_retirer.get(), &GenerationRetirer::drainOverrun, this, &ReloadEngine::drainOverrun);
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
    m_watcher.reset();
    // Observers may be half gone themselves (their lambdas' captures): no signal from here on.
    blockSignals(true);
    m_retirer->blockSignals(true);
    m_retirer->retireAll(m_current.get());
    m_current.reset();
}

int ReloadEngine::retiringGenerations() const
{
    return m_retirer->retiringGenerations();
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

    QElapsedTimer total;
    total.start();
    PhaseClock clock(record, this);

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
    ReloadPlanner planner(record, m_current.get(), m_currentHashes);
    planner.read(files, readFrom, m_stamps);

    if (planner.incomplete() && record.cause == ReloadCause::Files
        && m_incompleteAttempts < m_options.incompleteRetries) {
        // A linker is probably still writing: look again after another quiet period. Not a
        // reload yet, so it neither starts (no reloadStarted) nor is recorded; the reload that
        // follows says how long it waited. Reading the files ran no plugin code.
        ++m_incompleteAttempts;
        m_pendingEvents = record.events + m_pendingEvents;
        m_quietTimer.start(qMax(m_options.quietPeriodMs, MinimumRetryMs));
        --m_nextRecordId;
        record.outcome = ReloadOutcome::Skipped;
        record.errors.append(planner.readErrors());
        return record;
    }

    // Every reload that starts finishes exactly once, here: transact() has every way out of a
    // reload, and none of them leaves this function early.
    m_reloading = true;
    m_retirer->setReloading(true);
    Q_EMIT reloadStarted(record.cause);
    clock.enter(QStringLiteral("stage"));
    record.outcome = transact(record, planner, clock, skipWhenUnchanged);
    record.totalMs = total.nsecsElapsed() / 1e6;
    finish(record);
    return record;
}

ReloadOutcome ReloadEngine::transact(ReloadRecord &record, ReloadPlanner &planner,
                                     PhaseClock &clock, bool skipWhenUnchanged)
{
    if (m_incompleteAttempts > 0)
        record.decision += QStringLiteral("; waited %1 more quiet period(s) for a plugin file "
                                          "to be complete")
                               .arg(m_incompleteAttempts);
    m_incompleteAttempts = 0;
    if (skipWhenUnchanged && record.files.isEmpty() && m_current) {
        record.decision += QStringLiteral("; no plugin's content changed, nothing to reload");
        clock.lap(QStringLiteral("stage"));
        return ReloadOutcome::Skipped;
    }
    if (skipWhenUnchanged && planner.readErrors().isEmpty() && m_failedHashes
        && planner.hashes() == *m_failedHashes) {
        record.decision += QStringLiteral("; same content as the last failed reload, not retried");
        clock.lap(QStringLiteral("stage"));
        return ReloadOutcome::Skipped;
    }

    // The plan: what the next generation loads for each plugin file.
    planner.plan(m_options.quarantine);
    clock.lap(QStringLiteral("stage"));

    // Nothing new left to load: the current generation serves on, untouched (invariant 2).
    const auto keepCurrent = [&] {
        planner.noteHeldBack(record.generationAfter);
        if (record.errors.isEmpty()) {
            if (planner.nothingRemovedOrQuarantined())
                record.decision
                    += QStringLiteral("; no plugin's content changed, nothing to reload");
            return ReloadOutcome::Skipped;
        }
        m_failedHashes = planner.hashes();
        return ReloadOutcome::Failed;
    };
    if (skipWhenUnchanged && planner.nothingToSwap())
        return keepCurrent();

    // Invariant 2: on any failure the candidate is dismantled and the current one is untouched.
    const quint64 number = m_nextGeneration;
    CandidateBuilder builder(record, clock, *m_shadows, planner, m_current.get(), number,
                             m_observer);
    switch (builder.build()) {
    case CandidateBuilder::Outcome::NothingNew:
        return keepCurrent();
    case CandidateBuilder::Outcome::Failed:
        m_failedHashes = planner.hashes();
        planner.noteHeldBack(record.generationAfter);
        return ReloadOutcome::Failed;
    case CandidateBuilder::Outcome::Built:
        break;
    }

    clock.enter(QStringLiteral("swap"));
    // swap: invariant 1 — the candidate is complete (constructed, state restored) before it is
    // published, in one assignment.
    std::shared_ptr<Generation> old = std::exchange(m_current, m_retirer->share(builder.take()));
    m_currentHashes = planner.plannedHashes();
    m_stamps = planner.loadedStamps();
    if (planner.heldBackBroken())
        m_failedHashes = planner.hashes(); // the same bytes again would fail the same way
    else
        m_failedHashes.reset();
    ++m_nextGeneration;
    record.generationAfter = number;
    clock.lap(QStringLiteral("swap"));

    // Invariants 3 and 4: retired now when nothing holds it, else when it drains.
    m_retirer->retireReplaced(std::move(old), record, clock);
    planner.noteHeldBack(number);
    Q_EMIT generationChanged(number);
    return ReloadOutcome::Succeeded;
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
    m_retirer->setReloading(false);
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
