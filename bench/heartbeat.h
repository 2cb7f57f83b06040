#pragma once

// The UI thread's heartbeat, and waiting with the event loop running, for the benchmarks that
// measure event-loop stalls (uistallbench, graphbench).

#include <QElapsedTimer>
#include <QEventLoop>
#include <QObject>
#include <QTimer>

#include <algorithm>
#include <functional>

namespace bench {

//! A 1 ms timer whose longest gap between two ticks since reset() is the loop's longest stall.
class Heartbeat
{
public:
    Heartbeat()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(1);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            m_worst = std::max(m_worst, now - m_last);
            m_last = now;
        });
        m_clock.start();
        m_timer.start();
    }
    void reset()
    {
        m_last = m_clock.nsecsElapsed();
        m_worst = 0;
    }
    //! The longest gap since reset(), in ms, counting the time since the last beat.
    double worstMs() const { return std::max(m_worst, m_clock.nsecsElapsed() - m_last) / 1e6; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_worst = 0;
};

//! Runs the event loop until `done` holds (checked every `intervalMs`); false after `timeoutMs`.
inline bool waitUntil(const std::function<bool()> &done, int timeoutMs, int intervalMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    QTimer check;
    check.setInterval(intervalMs);
    bool ok = false;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done()) {
            ok = true;
            loop.quit();
        } else if (clock.elapsed() > timeoutMs) {
            loop.quit();
        }
    });
    check.start();
    loop.exec();
    return ok;
}

} // namespace bench
