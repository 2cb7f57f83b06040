#include "phaseclock.h"

#include "reloadengine.h"

namespace qreload::app {

PhaseClock::PhaseClock(ReloadRecord &record, ReloadEngine *engine)
    : m_record(record)
    , m_engine(engine)
{
    m_timer.start();
}

void PhaseClock::enter(const QString &name)
{
    Q_EMIT m_engine->phaseStarted(m_record.id, name);
}

void PhaseClock::lap(const QString &name)
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

} // namespace qreload::app
