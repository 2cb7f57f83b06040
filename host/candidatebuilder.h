#pragma once

#include "reloadrecord.h"

#include <generation.h>

#include <memory>

namespace qreload::app {

class PhaseClock;
class ReloadPlanner;
class ShadowStore;

/*!
 * The middle of a reload transaction: builds the candidate generation from a plan. Stages the
 * new bytes (shadow copies), loads, validates, constructs and carries state over from the
 * generation serving now, which it reads but never changes. A file broken on its own (it does
 * not load, or validation faults its own components) is taken out of the plan and the candidate
 * built again without it.
 *
 * Invariants it keeps (see ReloadEngine for the transaction's):
 *  - only a complete candidate is handed out (constructed, state restored): take() after Built;
 *  - on any other outcome nothing the candidate made remains: its instances destroyed, its new
 *    libraries unloaded, its shadow folder deleted (the current generation is untouched).
 */
class CandidateBuilder
{
public:
    enum class Outcome {
        Built,      //!< take() hands out the complete candidate
        NothingNew, //!< every changed file was taken out: nothing new is left to load
        Failed,     //!< the whole candidate failed; the record's errors say why
    };

    /*!
     * Builds generation `number` from `planner`'s plan, timing phases with `clock` and
     * recording into `record`. `current` is the generation serving now (or null).
     */
    CandidateBuilder(ReloadRecord &record, PhaseClock &clock, ShadowStore &shadows,
                     ReloadPlanner &planner, Generation *current, quint64 number,
                     ConstructionObserver observer);
    ~CandidateBuilder();

    Outcome build();
    //! The candidate, after build() returned Built.
    std::unique_ptr<Generation> take() { return std::move(m_candidate); }

private:
    //! Loads and validates until the plan loads whole; Failed/NothingNew, or Built to go on.
    Outcome loadAndValidate();
    //! Builds the instances and carries state over; Failed or Built.
    Outcome construct();
    //! Shuts down and unloads what the candidate made (its errors go into the record).
    void dismantle();
    //! Records `errors`, dismantles and deletes the candidate's shadow folder.
    Outcome fail(const Errors &errors);

    ReloadRecord &m_record;
    PhaseClock &m_clock;
    ShadowStore &m_shadows;
    ReloadPlanner &m_planner;
    Generation *m_current;
    quint64 m_number;
    ConstructionObserver m_observer;
    std::unique_ptr<Generation> m_candidate;
};

} // namespace qreload::app
