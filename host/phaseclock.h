#pragma once

#include "reloadrecord.h"

#include <QElapsedTimer>

namespace qreload::app {

class ReloadEngine;

/*!
 * Times the consecutive phases of one reload transaction into its record, and announces each
 * phase (ReloadEngine::phaseStarted) right before it runs, so that a crash can be placed in one.
 */
class PhaseClock
{
public:
    PhaseClock(ReloadRecord &record, ReloadEngine *engine);
    //! The phase that starts now (for crash breadcrumbs; its time is taken by lap()).
    void enter(const QString &name);
    /*!
     * Ends a phase. A phase run again (a candidate built again without a broken file) adds to
     * its first timing, so every phase appears once, in the order it first ran.
     */
    void lap(const QString &name);

private:
    ReloadRecord &m_record;
    ReloadEngine *m_engine;
    QElapsedTimer m_timer;
};

} // namespace qreload::app
