// crashbench: from a crash of the plugin host to the previous code answering again.
//
// A supervisor (HostProxy, as qreload runs it) serves the greeter from a real qreload-host. Each
// round replaces greeter.so with a build whose constructor crashes (a null dereference and an
// abort() in turn, so the quarantine of the last crashing bytes never hides the next ones). The
// host dies during the reload; the supervisor records it, symbolizes the backtrace and starts a
// new host on the last plugin files that worked. The moment the crash record is made, a GET / is
// sent: it waits in the listen backlog and is answered by the new host. Measured:
//   crash -> serving   from the supervisor noticing the death to "Hello, Version 1!" again;
//   save -> crash      from the file write to the crash record (quiet period, stage, load, the
//                      constructor's crash, its report);
// The crash-loop guard is raised for the run (20 crashes in a row are the point here).
//
// Usage: crashbench [rounds=20]

#include "benchsupport.h"

#include <hostproxy.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <functional>

using namespace qreload::app;
using bench::readFile;
using bench::Stats;
using bench::writeFile;

namespace {

bool waitUntil(const std::function<bool()> &done, int timeoutMs = 15000)
{
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
    }
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &message) {
        if (type == QtCriticalMsg || type == QtFatalMsg)
            std::fprintf(stderr, "%s\n", qPrintable(message));
    });
    const int rounds = argc > 1 ? QByteArray(argv[1]).toInt() : 20;
    if (rounds < 1) {
        std::fprintf(stderr, "usage: crashbench [rounds=20]\n");
        return 2;
    }
    const QByteArray good = readFile(QStringLiteral(BENCH_PLUGINS_DIR "/bench_greeter_v1.so"));
    const QByteArray crashers[] = {readFile(QStringLiteral(CRASH_NULL_PLUGIN)),
                                   readFile(QStringLiteral(CRASH_ABORT_PLUGIN))};

    QTemporaryDir plugins;
    const QString target = plugins.filePath(QStringLiteral("greeter.so"));
    writeFile(target, good);
    HostProxy::Options options;
    options.pluginDirs = {plugins.path()};
    options.hostExecutable = QStringLiteral(QRELOAD_HOST_BINARY);
    options.crashLoopLimit = rounds + 10;
    HostProxy proxy(options);
    QString error;
    if (!proxy.listen(&error))
        qFatal("%s", qPrintable(error));
    QList<ReloadRecord> records;
    QElapsedTimer crashSeen;
    QObject::connect(&proxy, &HostProxy::reloadFinished, [&](const ReloadRecord &record) {
        if (record.outcome == ReloadOutcome::Crashed)
            crashSeen.start();
        records.append(record);
    });
    proxy.start();
    if (!waitUntil([&] { return !records.isEmpty() && records.last().ok(); }))
        qFatal("the host did not start on the greeter");

    QNetworkAccessManager network;
    Stats recovery;
    Stats saveToCrash;
    for (int round = 0; round < rounds; ++round) {
        const qsizetype before = records.size();
        QElapsedTimer save;
        save.start();
        QFile::remove(target);
        writeFile(target, crashers[round % 2]);
        const auto crashed = [&] {
            for (qsizetype i = before; i < records.size(); ++i) {
                if (records.at(i).outcome == ReloadOutcome::Crashed)
                    return true;
            }
            return false;
        };
        if (!waitUntil(crashed))
            qFatal("round %d: the host did not crash", round);
        saveToCrash.samples.append((save.nsecsElapsed() - crashSeen.nsecsElapsed()) / 1e6);
        // Sent at once: it waits in the backlog while the new host starts.
        QNetworkReply *reply = network.get(QNetworkRequest(proxy.url()));
        if (!waitUntil([&] { return reply->isFinished(); }))
            qFatal("round %d: no answer", round);
        const double ms = crashSeen.nsecsElapsed() / 1e6;
        const QByteArray body = reply->readAll();
        if (!body.contains("Hello, Version 1!"))
            qFatal("round %d: the old code did not answer (%d %s: %s)", round,
                   reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                   qPrintable(reply->errorString()), body.constData());
        reply->deleteLater();
        recovery.samples.append(ms);
        // Let the new host settle before the next round.
        waitUntil([&] { return proxy.hostState() == HostProxy::HostState::Running; });
    }

    std::printf("crashbench: %d crashes in a constructor during a reload (greeter, real host "
                "process)\n\n",
                rounds);
    std::printf("| %-44s | %7s | %7s | %7s |\n", "ms", "median", "p95", "max");
    std::printf("|%s|%s|%s|%s|\n", QByteArray(46, '-').constData(), QByteArray(9, '-').constData(),
                QByteArray(9, '-').constData(), QByteArray(9, '-').constData());
    const auto row = [](const char *name, const Stats &s) {
        std::printf("| %-44s | %7.1f | %7.1f | %7.1f |\n", name, s.median(), s.quantile(0.95),
                    s.max());
    };
    row("crash noticed -> previous code answers GET /", recovery);
    row("file replaced -> crash recorded", saveToCrash);
    return 0;
}
