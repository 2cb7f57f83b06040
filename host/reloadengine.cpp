#include "reloadengine.h"

#include "folderwatcher.h"
#include "shadowstore.h"

#include <qreload/graphdiff.h>

#include <QElapsedTimer>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSet>
#include <QThread>

Q_LOGGING_CATEGORY(lcReload, "qreload.reload")

namespace qreload::app {

namespace {

//! Shortest wait before looking again at a plugin file that is still being written.
constexpr int MinimumRetryMs = 20;

//! Times consecutive phases of one transaction into a record.
class PhaseClock
{
public:
    explicit PhaseClock(ReloadRecord &record)
        : m_record(record)
    {
        m_timer.start();
    }
    void lap(const QString &name)
    {
        m_record.phases.append(PhaseTiming{name, m_timer.nsecsElapsed() / 1e6});
        m_timer.restart();
    }

private:
    ReloadRecord &m_record;
    QElapsedTimer m_timer;
};

} // namespace

ReloadEngine::ReloadEngine(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_shadows(std::make_unique<ShadowStore>(m_options.shadowRoot))
    , m_watcher(std::make_unique<FolderWatcher>(QStringList{QStringLiteral("*.so")}))
{
    qRegisterMetaType<ReloadRecord>();
    qRegisterMetaType<FileEvent>();
    m_quietTimer.setSingleShot(true);
    m_quietTimer.setInterval(m_options.quietPeriodMs);
    connect(&m_quietTimer, &QTimer::timeout, this, &ReloadEngine::onQuietPeriodOver);
    connect(m_watcher.get(), &FolderWatcher::changed, this, [this](const FileEvent &event) {
        Q_EMIT fileEventObserved(event);
        if (!m_watching)
            return;
        m_pendingEvents.append(event);
        m_incompleteAttempts = 0;
        m_quietTimer.start(m_options.quietPeriodMs); // every event restarts the quiet period
    });
}

ReloadEngine::~ReloadEngine()
{
    m_quietTimer.stop();
    m_watcher.reset();
    if (m_current) {
        const quint64 number = m_current->number();
        for (const Error &error : m_current->shutdown().errors())
            qCWarning(lcReload).noquote() << error.toString();
        for (const Error &error : m_current->unload().errors())
            qCWarning(lcReload).noquote() << error.toString();
        m_current.reset();
        m_shadows->remove(number);
    }
}

ReloadRecord ReloadEngine::start()
{
    m_watcher->setFolders(m_options.pluginDirs);
    ReloadRecord record;
    record.cause = ReloadCause::Startup;
    record.decision = QStringLiteral("first generation");
    return runTransaction(std::move(record), false);
}

ReloadRecord ReloadEngine::reloadNow(ReloadCause cause)
{
    ReloadRecord record;
    record.cause = cause;
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
    ReloadRecord record;
    record.id = m_nextRecordId++;
    record.startedAt = QDateTime::currentDateTime();
    record.cause = ReloadCause::Files;
    record.events = events;
    record.decision = decision;
    record.build = std::move(build);
    record.outcome = outcome;
    record.errors = std::move(errors);
    record.generationBefore = generationNumber();
    record.generationAfter = record.generationBefore;
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
        m_quietTimer.start(m_options.quietPeriodMs);
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

void ReloadEngine::onQuietPeriodOver()
{
    // A running build reloads with these events when it is done (setHeldForBuild).
    if (m_pendingEvents.isEmpty() || m_heldForBuild)
        return;
    ReloadRecord record;
    record.cause = ReloadCause::Files;
    record.events = std::exchange(m_pendingEvents, {});
    const qint64 spread = record.events.first().at.msecsTo(record.events.last().at);
    record.decision = QStringLiteral("%1 event(s) over %2 ms, then quiet for %3 ms")
                          .arg(record.events.size())
                          .arg(spread)
                          .arg(m_options.quietPeriodMs);
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
    PhaseClock clock(record);

    // stage: read every plugin file as it is now and decide whether anything changed.
    QList<PluginSnapshot> snapshots;
    QHash<QString, QByteArray> hashes;
    Errors stageErrors;
    bool incomplete = false;
    for (const QString &path : pluginFiles()) {
        Result<PluginSnapshot> snapshot = ShadowStore::snapshot(path);
        if (!snapshot) {
            incomplete |= snapshot.errors().first().reason() == Error::Reason::IncompleteFile;
            stageErrors.append(snapshot.errors());
            continue;
        }
        hashes.insert(path, snapshot.value().contentHash);
        snapshots.append(snapshot.takeValue());
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
        record.errors = stageErrors;
        return record;
    }
    if (m_incompleteAttempts > 0)
        record.decision += QStringLiteral("; waited %1 more quiet period(s) for a plugin file "
                                          "to be complete")
                               .arg(m_incompleteAttempts);
    m_incompleteAttempts = 0;
    if (!stageErrors.isEmpty()) {
        record.errors = stageErrors;
        clock.lap(QStringLiteral("stage"));
        return finishAs(ReloadOutcome::Failed);
    }
    if (skipWhenUnchanged && record.files.isEmpty() && m_current) {
        record.decision += QStringLiteral("; no plugin's content changed, nothing to reload");
        clock.lap(QStringLiteral("stage"));
        return finishAs(ReloadOutcome::Skipped);
    }
    if (skipWhenUnchanged && m_failedHashes && hashes == *m_failedHashes) {
        record.decision += QStringLiteral("; same content as the last failed reload, not retried");
        clock.lap(QStringLiteral("stage"));
        return finishAs(ReloadOutcome::Skipped);
    }

    const quint64 number = m_nextGeneration;
    Result<QList<PluginSource>> staged = m_shadows->stage(number, snapshots);
    clock.lap(QStringLiteral("stage"));
    snapshots.clear();

    auto candidate = std::make_shared<Generation>(number);
    // Invariant 2: on any failure the candidate is dismantled and the current one is untouched.
    const auto fail = [&](const Errors &errors) {
        record.errors.append(errors);
        for (const Error &e : candidate->shutdown().errors())
            record.errors.append(e);
        for (const Error &e : candidate->unload().errors())
            record.errors.append(e);
        candidate.reset();
        m_shadows->remove(number);
        clock.lap(QStringLiteral("cleanup"));
        m_failedHashes = hashes;
        return finishAs(ReloadOutcome::Failed);
    };
    if (!staged)
        return fail(staged.errors());

    if (Status loaded = candidate->load(staged.value()); !loaded) {
        clock.lap(QStringLiteral("load"));
        return fail(loaded.errors());
    }
    clock.lap(QStringLiteral("load"));
    if (Status valid = candidate->validate(); !valid) {
        clock.lap(QStringLiteral("validate"));
        return fail(valid.errors());
    }
    clock.lap(QStringLiteral("validate"));
    if (Status built = candidate->construct(); !built) {
        clock.lap(QStringLiteral("construct"));
        return fail(built.errors());
    }
    clock.lap(QStringLiteral("construct"));

    if (m_current) {
        Errors saveErrors;
        const auto state = m_current->container().saveState(&saveErrors);
        const StateCarryReport report = candidate->container().restoreState(state);
        record.carriedState = report.carried;
        record.droppedState = report.dropped;
        record.errors.append(saveErrors);
        record.errors.append(report.errors);
        for (const QString &dropped : report.dropped)
            qCInfo(lcReload).noquote() << "state dropped:" << dropped;
        clock.lap(QStringLiteral("carry"));
    }

    // Which components came, went, came from a changed plugin file, or were wired differently.
    const GraphDiff diff = GraphDiff::between(m_current.get(), *candidate);
    record.added = diff.added;
    record.removed = diff.removed;
    record.changed = diff.changed;
    record.rewired = diff.rewired;

    // swap: invariant 1 — the candidate is complete (constructed, state restored) before it is
    // published, in one assignment.
    std::shared_ptr<Generation> old = std::exchange(m_current, candidate);
    candidate.reset();
    m_currentHashes = hashes;
    m_failedHashes.reset();
    ++m_nextGeneration;
    record.generationAfter = number;
    clock.lap(QStringLiteral("swap"));

    if (old) {
        // drain: a request that started on the old generation finishes on it.
        QElapsedTimer drain;
        drain.start();
        while (old.use_count() > 1 && drain.elapsed() < m_options.drainTimeoutMs)
            QThread::msleep(1);
        if (old.use_count() > 1)
            qCWarning(lcReload) << "generation" << old->number() << "still in use after"
                                << m_options.drainTimeoutMs << "ms; shutting it down anyway";
        const quint64 oldNumber = old->number();
        // Invariant 3: instances die before their library is unloaded.
        record.errors.append(old->shutdown().errors());
        clock.lap(QStringLiteral("shutdown"));
        record.errors.append(old->unload().errors());
        old.reset();
        clock.lap(QStringLiteral("unload"));
        // Invariant 4: nothing of the old generation stays on disk.
        m_shadows->remove(oldNumber);
        clock.lap(QStringLiteral("cleanup"));
    }
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
    if (const std::optional<ReloadCause> followUp = std::exchange(m_followUp, std::nullopt)) {
        QTimer::singleShot(0, this, [this, cause = *followUp] {
            if (cause == ReloadCause::Manual)
                reloadNow(ReloadCause::Manual);
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
