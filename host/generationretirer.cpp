#include "generationretirer.h"

#include "phaseclock.h"
#include "shadowstore.h"

#include <QLoggingCategory>

#include <mutex>

Q_DECLARE_LOGGING_CATEGORY(lcReload)

namespace qreload::app {

namespace {

//! Shortest wait before looking again at a generation a call still runs in.
constexpr int MinimumRecheckMs = 20;

} // namespace

namespace detail {

/*!
 * What the deleter of every handed-out generation shares with the retirer. The last holder of a
 * generation may let go on any thread: the deleter queues the generation here and wakes the
 * retirer's thread, or, once the retirer is gone (it shut everything down), frees it itself.
 */
struct GenerationReleases
{
    std::mutex mutex;
    GenerationRetirer *retirer = nullptr;
    QList<Generation *> released;
    Generation *retiringNow = nullptr; //!< the retirer retires this one itself, right now
};

} // namespace detail

GenerationRetirer::GenerationRetirer(ShadowStore &shadows, int drainTimeoutMs)
    : m_shadows(shadows)
    , m_drainTimeoutMs(drainTimeoutMs)
    , m_releases(std::make_shared<detail::GenerationReleases>())
{
    m_releases->retirer = this;
    m_clock.start();
    m_drainTimer.setSingleShot(true);
    connect(&m_drainTimer, &QTimer::timeout, this, &GenerationRetirer::onDrainTimeout);
}

GenerationRetirer::~GenerationRetirer()
{
    retireAll(nullptr);
}

std::shared_ptr<Generation> GenerationRetirer::share(std::unique_ptr<Generation> generation)
{
    return std::shared_ptr<Generation>(generation.release(), [releases
                                                              = m_releases](Generation *released) {
        std::unique_lock lock(releases->mutex);
        if (releases->retiringNow == released)
            return; // the retirer is retiring it in this very call
        if (!releases->retirer) {
            lock.unlock();
            delete released; // shut down when the retirer went (or its destructor does it)
            return;
        }
        releases->released.append(released);
        if (releases->released.size() == 1)
            QMetaObject::invokeMethod(releases->retirer, &GenerationRetirer::onGenerationsReleased,
                                      Qt::QueuedConnection);
    });
}

Errors GenerationRetirer::retire(Generation &generation, quint64 recordId)
{
    // Invariant 3: instances die before their library is unloaded.
    Q_EMIT phaseStarted(recordId, QStringLiteral("shutdown"));
    Errors errors = generation.shutdown().errors();
    Q_EMIT phaseStarted(recordId, QStringLiteral("unload"));
    errors.append(generation.unload().errors());
    // Invariant 4: the copies of the libraries no generation uses any more leave the disk.
    Q_EMIT phaseStarted(recordId, QStringLiteral("cleanup"));
    m_shadows.removeCopies(generation.unloadedFiles());
    if (!m_reloading)
        m_shadows.startRemovals();
    return errors;
}

bool GenerationRetirer::retireReplaced(std::shared_ptr<Generation> old, ReloadRecord &record,
                                       PhaseClock &clock)
{
    if (!old)
        return false;
    if (old.use_count() == 1 && old->container().callsInFlight() == 0) {
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
        m_shadows.removeCopies(unloadedFiles);
        clock.lap(QStringLiteral("cleanup"));
        Q_EMIT generationRetired(oldNumber, false);
        return true;
    }
    // drain: requests that started on the old generation finish on it. It is retired when the
    // last of them lets go (the deleter calls back), or after the drain timeout.
    record.decision += QStringLiteral("; generation %1 is still in use: it is shut down when "
                                      "its last request finishes (at most %2 ms)")
                           .arg(old->number())
                           .arg(m_drainTimeoutMs);
    m_retiring.push_back(
        Retiring{old.get(), old->number(), record.id, m_clock.elapsed() + m_drainTimeoutMs});
    old.reset();
    scheduleDrainTimeout();
    return false;
}

int GenerationRetirer::retiringGenerations() const
{
    return int(std::count_if(m_retiring.cbegin(), m_retiring.cend(),
                             [](const Retiring &r) { return !r.retired; }));
}

void GenerationRetirer::onGenerationsReleased()
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

void GenerationRetirer::onDrainTimeout()
{
    const qint64 now = m_clock.elapsed();
    for (Retiring &retiring : m_retiring) {
        if (retiring.retired || retiring.deadline > now)
            continue;
        // Never under a running call: a route waiting in a nested event loop would return into
        // destroyed instances and an unmapped library. Its holder lets go when it returns (and
        // the generation is retired then); a holder that keeps it after is looked at again.
        if (const Container &container = retiring.generation->container();
            container.callsInFlight() > 0) {
            retiring.deadline = now + qMax(m_drainTimeoutMs, MinimumRecheckMs);
            if (!retiring.overran) {
                retiring.overran = true;
                const qint64 runningMs = container.callsRunningMs();
                qCWarning(lcReload).noquote()
                    << QStringLiteral("generation %1 is past its drain timeout (%2 ms): a call "
                                      "into it has run for %3 ms; it is shut down and unloaded "
                                      "when its calls return")
                           .arg(retiring.number)
                           .arg(m_drainTimeoutMs)
                           .arg(runningMs);
                Q_EMIT drainOverrun(retiring.number, runningMs);
            }
            continue;
        }
        qCWarning(lcReload) << "generation" << retiring.number << "still in use after"
                            << m_drainTimeoutMs << "ms; shutting it down anyway";
        retiring.retired = true;
        for (const Error &error : retire(*retiring.generation, retiring.recordId))
            qCWarning(lcReload).noquote() << error.toString();
        Q_EMIT generationRetired(retiring.number, true);
    }
    scheduleDrainTimeout();
}

void GenerationRetirer::scheduleDrainTimeout()
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

void GenerationRetirer::retireAll(Generation *current)
{
    m_drainTimer.stop();
    if (!m_releases->retirer && m_retiring.empty())
        return; // done before
    // Everything is shut down and unloaded here, synchronously, whoever still holds a pointer
    // (as after a drain timeout). Holders that let go meanwhile only queue their generation. A
    // generation a call still runs in is left to its holder, whose release frees it (the
    // Generation's destructor shuts down and unloads it then, after the call).
    for (Retiring &retiring : m_retiring) {
        if (!retiring.retired && retiring.generation->container().callsInFlight() == 0) {
            retiring.retired = true;
            for (const Error &error : retire(*retiring.generation, retiring.recordId))
                qCWarning(lcReload).noquote() << error.toString();
        }
    }
    if (current && current->container().callsInFlight() == 0) {
        for (const Error &error : retire(*current, 0))
            qCWarning(lcReload).noquote() << error.toString();
    }
    // From now on a holder that lets go frees its (retired) generation itself.
    QList<Generation *> released;
    {
        std::lock_guard lock(m_releases->mutex);
        m_releases->retirer = nullptr;
        released = std::exchange(m_releases->released, {});
    }
    for (Generation *generation : std::as_const(released))
        delete generation;
    m_retiring.clear();
}

} // namespace qreload::app
