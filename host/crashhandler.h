#pragma once

#include <QString>

namespace qreload::app {

struct CrashArea;

/*!
 * Installs the host's fatal-signal handlers (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, on
 * an alternate stack so a stack overflow is caught too) and an exit() hook, and keeps the
 * breadcrumbs of the CrashArea up to date. One per host process.
 *
 * When a request is being served, the handler also answers it with a short `502` page naming the
 * crash before the process dies, so the browser does not just see a reset connection.
 */
class CrashHandler
{
public:
    //! Maps `areaPath` (created or truncated) and installs the handlers. False, with *error, if
    //! the file cannot be mapped; the host then runs without breadcrumbs.
    static bool install(const QString &areaPath, QString *error);

    static void setPhase(quint64 recordId, const QString &phase);
    //! The component (or plugin file) whose code runs next, and which code (pluginCallName()).
    static void setComponent(const QString &key, const QString &call);
    //! The request served now on socket `fd` (-1: none) and its "METHOD /path".
    static void setRequest(qintptr fd, const QString &request);
    static void clearRequest();
    //! qreload-host exits on purpose from here on: exit() is not a crash.
    static void markNormalExit();
    /*!
     * Runs `start(argument)` in the calling thread with an alternate signal stack of its own, so
     * that the handlers run when this thread's stack overflows as well (a signal stack is per
     * thread; install() gives one to the main thread only). qreload-host's pthread_create calls
     * it as the start of every thread, Qt's and plugins' alike (hostmain.cpp).
     */
    static void *runWithAlternateStack(void *(*start)(void *), void *argument);
    //! The mapped area (tests); null before install().
    static CrashArea *area();
};

} // namespace qreload::app
