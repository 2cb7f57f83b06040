// qreload-host: the child process that runs plugin code for a qreload supervisor. Started by
// qreload itself, not by users: `qreload-host --connect <name> --listen-fd <fd> --crash-file <f>`.

#include "crashhandler.h"
#include "hostsession.h"
#include "shadowstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cerrno>
#include <cstdio>
#include <new>

#include <dlfcn.h>
#include <pthread.h>

// Sanitizer runtimes intercept pthread_create themselves (and give each thread a signal stack):
// a definition here would bypass their interceptor.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define QRELOAD_HOST_WRAPS_PTHREAD_CREATE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)                            \
    || __has_feature(memory_sanitizer)
#define QRELOAD_HOST_WRAPS_PTHREAD_CREATE 0
#endif
#endif
#ifndef QRELOAD_HOST_WRAPS_PTHREAD_CREATE
#define QRELOAD_HOST_WRAPS_PTHREAD_CREATE 1
#endif

#if QRELOAD_HOST_WRAPS_PTHREAD_CREATE
namespace {

struct ThreadStart
{
    void *(*start)(void *);
    void *argument;
};

void *startWithAlternateStack(void *data)
{
    const ThreadStart start = *static_cast<ThreadStart *>(data);
    delete static_cast<ThreadStart *>(data);
    return qreload::app::CrashHandler::runWithAlternateStack(start.start, start.argument);
}

} // namespace

// Every thread of qreload-host starts here: QThread, std::thread and a plugin's own
// pthread_create all call it, because the executable comes first in the dynamic linker's search
// (the symbol is exported: libc, Qt and libstdc++ reference it). The new thread gets an alternate
// signal stack before its start routine runs, so that a stack overflow in any thread reaches the
// crash handler instead of killing the process silently.
extern "C" int pthread_create(pthread_t *thread, const pthread_attr_t *attributes,
                              void *(*start)(void *), void *argument) noexcept
{
    using Create = int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    static const auto next = reinterpret_cast<Create>(::dlsym(RTLD_NEXT, "pthread_create"));
    if (!next)
        return EAGAIN;
    auto *data = new (std::nothrow) ThreadStart{start, argument};
    if (!data)
        return next(thread, attributes, start, argument);
    const int result = next(thread, attributes, startWithAlternateStack, data);
    if (result != 0)
        delete data;
    return result;
}
#endif

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qreload-host"));
    QCommandLineParser parser;
    const QCommandLineOption connectOption(QStringLiteral("connect"),
                                           QStringLiteral("The supervisor's local socket."),
                                           QStringLiteral("name"));
    const QCommandLineOption listenOption(QStringLiteral("listen-fd"),
                                          QStringLiteral("The inherited listening socket."),
                                          QStringLiteral("fd"));
    const QCommandLineOption crashOption(QStringLiteral("crash-file"),
                                         QStringLiteral("Where to leave crash breadcrumbs."),
                                         QStringLiteral("file"));
    parser.addOptions({connectOption, listenOption, crashOption});
    parser.process(app);
    bool ok = false;
    qreload::app::HostSession::Arguments arguments;
    arguments.serverName = parser.value(connectOption);
    arguments.listenFd = parser.value(listenOption).toLongLong(&ok);
    arguments.crashFile = parser.value(crashOption);
    if (arguments.serverName.isEmpty() || !ok) {
        std::fprintf(stderr, "qreload-host: started by qreload, not by hand (needs --connect "
                             "and --listen-fd)\n");
        return 2;
    }
    // Shadow folders of qreload processes that died without cleaning up (a host killed with
    // SIGKILL, a supervisor that crashed): each host start sweeps them, so the supervisor never
    // touches the host's staging.
    qreload::app::ShadowStore::removeStale();
    qreload::app::HostSession session;
    QString error;
    if (!session.open(arguments, &error)) {
        std::fprintf(stderr, "qreload-host: %s\n", qPrintable(error));
        // qreload-host's own decision, not a plugin's exit(): the crash area must not say so.
        qreload::app::CrashHandler::markNormalExit();
        return 3;
    }
    return app.exec();
}
