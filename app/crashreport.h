#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace qreload::app {

/*!
 * What a dead host left in its CrashArea, read by the supervisor: the breadcrumbs (reload phase,
 * component, request), the fatal signal and the crashing thread's frames, symbolized here with
 * elfutils' libdwfl against the very files the host had mapped (its plugin shadow copies are
 * still on disk, since nothing unloaded them).
 */
struct CrashReport
{
    quint64 recordId = 0; //!< the reload that was running (0: none)
    QString phase;
    QString component;
    QString call; //!< the component's code that ran: factory, after-construct, destroy, load, ...
    QString request;
    int signal = 0;
    //! "#0 GreeterService::GreeterService() at greeter.cpp:31 (crash_null_ctor.so)", innermost
    //! first; frames of the crash handler itself are left out.
    QStringList backtrace;

    //! Reads `path` (a CrashArea file); nullopt when it is missing or not one.
    static std::optional<CrashReport> read(const QString &path);
    //! "SIGSEGV" for 11.
    static QString signalName(int signal);
};

} // namespace qreload::app
