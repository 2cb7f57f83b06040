#pragma once

#include "reloadrecord.h"

#include <generation.h>

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

namespace qreload::app {

class PhaseClock;
class ShadowStore;
namespace detail {
struct GenerationReleases;
}

/*!
 * The end of a reload transaction and after: retires replaced generations. Hands out the
 * generations as shared pointers whose last holder gives them back (share()); drains a replaced
 * generation while requests hold it; then shuts it down, unloads it and deletes its shadow
 * copies. Lives on the engine's thread; a holder may let go on any thread.
 *
 * Invariants it keeps (see ReloadEngine for the transaction's):
 *  - instances die before their library is unloaded (shutdown, then unload);
 *  - nothing is shut down or unloaded while a call runs in it (Container::callsInFlight()), not
 *    even past the drain timeout: the overrun is reported and it is retired when the call returns;
 *  - a generation is retired once: by the reload that replaced it (nothing held it), by its
 *    last holder letting go, by the drain timeout, or by retireAll();
 *  - the shadow copies of the libraries it unloaded leave the disk (off the reload's thread).
 */
class GenerationRetirer : public QObject
{
    Q_OBJECT

public:
    GenerationRetirer(ShadowStore &shadows, int drainTimeoutMs);
    ~GenerationRetirer() override;

    //! Makes `generation` shareable; the last holder to let go hands it back here.
    std::shared_ptr<Generation> share(std::unique_ptr<Generation> generation);
    /*!
     * Retires `old`, just replaced by reload `record`: now, timed in the record with `clock`,
     * when nothing else holds it and no call runs in it; else it drains (the decision says so).
     * Returns whether it was retired now.
     */
    bool retireReplaced(std::shared_ptr<Generation> old, ReloadRecord &record, PhaseClock &clock);
    //! Replaced generations still held, waiting to be shut down.
    int retiringGenerations() const;
    /*!
     * Shuts down and unloads every generation at once, held or not, `current` too, but one a
     * call runs in (its holder frees it after the call); from then on holders free what they
     * hold themselves. For the engine's destructor.
     */
    void retireAll(Generation *current);
    //! A reload runs: shadow copies are deleted when it ends, not while it runs.
    void setReloading(bool reloading) { m_reloading = reloading; }

Q_SIGNALS:
    void phaseStarted(quint64 recordId, const QString &phase);
    void generationRetired(quint64 number, bool timedOut);
    void drainOverrun(quint64 number, qint64 callMs);

private:
    struct Retiring
    {
        Generation *generation;
        quint64 number;
        quint64 recordId;     //!< the reload that replaced it (for phaseStarted)
        qint64 deadline;      //!< m_clock time after which it is shut down anyway
        bool retired = false; //!< shut down and unloaded; freed when its holder lets go
        bool overran = false; //!< past its deadline with a call running in it (reported once)
    };

    void onGenerationsReleased();
    void onDrainTimeout();
    void scheduleDrainTimeout();
    /*!
     * Shuts down and unloads a generation and deletes its shadow copies, outside a reload;
     * announces the phases (shutdown, unload, cleanup) under `recordId`. Returns the errors.
     */
    Errors retire(Generation &generation, quint64 recordId);

    ShadowStore &m_shadows;
    int m_drainTimeoutMs;
    std::shared_ptr<detail::GenerationReleases> m_releases; // shared with every holder's deleter
    std::vector<Retiring> m_retiring;
    QTimer m_drainTimer;
    QElapsedTimer m_clock;
    bool m_reloading = false;
};

} // namespace qreload::app
