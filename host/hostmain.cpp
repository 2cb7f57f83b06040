// qreload-host: the child process that runs plugin code for a qreload supervisor. Started by
// qreload itself, not by users: `qreload-host --connect <name> --listen-fd <fd> --crash-file <f>`.

#include "hostsession.h"
#include "shadowstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

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
        return 3;
    }
    return app.exec();
}
