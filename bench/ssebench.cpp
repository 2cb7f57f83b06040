// ssebench: does the live-reload event stream slow the preview server down? (issue 12 §1)
//
// A supervisor (HostProxy) with a real qreload-host serves the bench greeter with live reload on.
// For each row, `listeners` clients hold GET /_qreload/events open (in this process), the
// supervisor publishes `events/s` live events to them, and wrk (2 threads, 20 connections, 3 s)
// requests the greeter's page / meanwhile. It prints req/s and wrk's latency quantiles, and how
// many events each listener got. A last row asks for more streams than the server keeps (half its
// connections): the rest get 503, and pages are still served.
//
// Run: cmake --build <build> --target ssebench && <build>/bench/ssebench [seconds]

#include "hostproxy.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <vector>

using namespace qreload::app;

namespace {

//! One event-stream client: counts the events it reads.
class Listener : public QObject
{
public:
    //! Resumes after `lastId`: it counts the events published while it listens.
    Listener(quint16 port, quint64 lastId)
    {
        connect(&socket, &QIODevice::readyRead, this, [this] {
            const QByteArray bytes = socket.readAll();
            if (status == 0 && bytes.startsWith("HTTP/1.1 "))
                status = bytes.mid(9, 3).toInt();
            events += int(bytes.count("\nevent: ")) + int(bytes.startsWith("event: "));
        });
        socket.connectToHost(QHostAddress::LocalHost, port);
        socket.write("GET /_qreload/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Accept: text/event-stream\r\nLast-Event-ID: "
                     + QByteArray::number(lastId) + "\r\n\r\n");
    }
    QTcpSocket socket;
    int status = 0;
    int events = 0; //!< hello included
};

bool waitFor(const std::function<bool()> &condition, int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (!condition()) {
        if (timer.elapsed() > ms)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }
    return true;
}

struct WrkResult
{
    double requestsPerSecond = 0;
    QString p50, p99;
    QString errors;
};

//! Runs wrk while this process's event loop keeps serving the listeners.
WrkResult runWrk(const QString &wrk, const QUrl &url, int seconds)
{
    QProcess process;
    process.start(wrk, {QStringLiteral("-t2"), QStringLiteral("-c20"),
                        QStringLiteral("-d%1s").arg(seconds), QStringLiteral("--latency"),
                        url.toString()});
    waitFor([&] { return process.state() == QProcess::NotRunning; }, (seconds + 30) * 1000);
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    WrkResult result;
    result.requestsPerSecond = QRegularExpression(QStringLiteral("Requests/sec:\\s+([0-9.]+)"))
                                   .match(out)
                                   .captured(1)
                                   .toDouble();
    result.p50 = QRegularExpression(QStringLiteral("\\s50%\\s+(\\S+)")).match(out).captured(1);
    result.p99 = QRegularExpression(QStringLiteral("\\s99%\\s+(\\S+)")).match(out).captured(1);
    const QRegularExpressionMatch errors
        = QRegularExpression(
              QStringLiteral("Non-2xx or 3xx responses: (\\d+)|Socket errors: ([^\\n]+)"))
              .match(out);
    result.errors = errors.hasMatch() ? errors.captured(0) : QStringLiteral("none");
    return result;
}

QString loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly)
               ? QString::fromLatin1(f.readAll()).section(QLatin1Char(' '), 0, 2)
               : QStringLiteral("?");
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int seconds = argc > 1 ? qMax(1, QByteArray(argv[1]).toInt()) : 3;
    const QString wrk = QStandardPaths::findExecutable(QStringLiteral("wrk"));
    if (wrk.isEmpty()) {
        std::fprintf(stderr, "ssebench: wrk is not installed (Debian: apt install wrk)\n");
        return 2;
    }

    QTemporaryDir plugins;
    if (!QFile::copy(QStringLiteral(BENCH_PLUGINS_DIR "/bench_greeter_v1.so"),
                     plugins.filePath(QStringLiteral("greeter.so"))))
        qFatal("cannot copy the bench greeter from %s", BENCH_PLUGINS_DIR);
    HostProxy::Options options;
    options.pluginDirs = {plugins.path()};
    options.hostExecutable = QStringLiteral(QRELOAD_HOST_BINARY);
    options.liveReload = true;
    HostProxy proxy(options);
    QString error;
    if (!proxy.listen(&error))
        qFatal("%s", qPrintable(error));
    bool served = false;
    QObject::connect(&proxy, &HostProxy::reloadFinished,
                     [&](const ReloadRecord &r) { served = served || r.ok(); });
    proxy.start();
    if (!waitFor([&] { return served; }, 20000))
        qFatal("the host did not serve");

    std::printf("ssebench: GET / of the greeter (live-reload script injected) with wrk -t2 -c20 "
                "-d%ds, beside open event streams\n",
                seconds);
    std::printf("HTTP limits: %d connections, idle timeout %d ms; streams may take %d, heartbeat "
                "every %d ms\n",
                options.httpLimits.maxConnections, options.httpLimits.idleTimeoutMs,
                qMax(1, options.httpLimits.maxConnections / 2),
                qMin(15000, options.httpLimits.idleTimeoutMs / 3));
    std::printf("load average before: %s (2 cores shared with other builds: numbers are noisy)\n\n",
                qPrintable(loadAverage()));
    std::printf(
        "| listeners asked | streams open | 503 | events/s | req/s | p50 | p99 | wrk errors "
        "| events per listener (min-max) |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|---|---|\n");

    struct Row
    {
        int listeners;
        int eventsPerSecond;
    };
    // Alternated, three times: the machine's load changes from one second to the next.
    QList<Row> rows;
    for (int round = 0; round < 3; ++round)
        rows += QList<Row>{{0, 0}, {100, 0}, {100, 20}};
    rows.append({200, 20});
    for (const Row &row : rows) {
        std::vector<std::unique_ptr<Listener>> listeners;
        for (int i = 0; i < row.listeners; ++i)
            listeners.push_back(
                std::make_unique<Listener>(proxy.port(), proxy.eventJournal()->lastId()));
        waitFor(
            [&] {
                return std::all_of(listeners.begin(), listeners.end(),
                                   [](const auto &l) { return l->status != 0; });
            },
            20000);
        QTimer publisher;
        if (row.eventsPerSecond > 0) {
            QObject::connect(&publisher, &QTimer::timeout, [&] {
                proxy.publishBuildStarted(QStringLiteral("ssebench"),
                                          {QStringLiteral("bench.cpp")});
            });
            publisher.start(1000 / row.eventsPerSecond);
        }
        const WrkResult result = runWrk(wrk, proxy.url(), seconds);
        publisher.stop();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 100);
        int open = 0, refused = 0, least = INT_MAX, most = 0;
        for (const auto &l : listeners) {
            if (l->status == 200 && l->socket.state() == QAbstractSocket::ConnectedState) {
                ++open;
                least = qMin(least, l->events);
                most = qMax(most, l->events);
            } else if (l->status == 503) {
                ++refused;
            }
        }
        std::printf("| %d | %d | %d | %d | %.0f | %s | %s | %s | %s |\n", row.listeners, open,
                    refused, row.eventsPerSecond, result.requestsPerSecond, qPrintable(result.p50),
                    qPrintable(result.p99), qPrintable(result.errors),
                    open ? qPrintable(QStringLiteral("%1-%2").arg(least).arg(most)) : "-");
        std::fflush(stdout);
        listeners.clear();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 200);
    }
    std::printf("\nload average after: %s\n", qPrintable(loadAverage()));
    return 0;
}
