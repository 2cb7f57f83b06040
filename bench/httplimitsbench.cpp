// httplimitsbench: what the preview server's HTTP limits cost and what they protect (issue 9 §7).
//
// Runs a ReloadEngine + PreviewServer on the greeter in this process, then:
//   serve [seconds=30]        serves http://127.0.0.1:<port>/ for wrk or curl (prints the URL),
//                             and its CPU time when it ends;
//   upload [megabytes=300]    POSTs that many megabytes to /_qreload/reload without a token with
//                             curl (a child process), three ways, and prints this process's peak
//                             memory (VmHWM, reset before each case) and what curl saw;
//   idle [connections=1000]   a child process opens that many connections and holds them idle;
//                             prints this process's open files and accepted connections.
// Usage: httplimitsbench <mode> [n] [plain]
// With `plain` the server runs on a plain QTcpServer, without the limits' guards (as before).

#include <previewserver.h>
#include <reloadengine.h>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <sys/resource.h>

using namespace qreload::app;

namespace {

//! A field of /proc/self/status in kB (VmRSS, VmHWM).
qint64 statusKb(const QByteArray &field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read /proc/self/status");
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith(field + ':'))
            return line.mid(field.size() + 1).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

//! Resets VmHWM to the current RSS (Linux >= 4.0), so each case reports its own peak.
void resetPeak()
{
    QFile f(QStringLiteral("/proc/self/clear_refs"));
    if (!f.open(QIODevice::WriteOnly) || f.write("5") != 1)
        qWarning("cannot reset the peak RSS: %s", qPrintable(f.errorString()));
}

int openFiles()
{
    return int(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System).size());
}

//! Runs a child process to its end while this process's event loop keeps serving.
QByteArray runServing(const QString &program, const QStringList &arguments, int timeoutMs)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(program, arguments);
    QElapsedTimer timer;
    timer.start();
    while (process.state() != QProcess::NotRunning && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished();
        return QByteArray("timeout");
    }
    return process.readAllStandardOutput().trimmed();
}

int upload(const QUrl &serverUrl, int megabytes)
{
    QTemporaryDir dir;
    const QString body = dir.filePath(QStringLiteral("body"));
    QFile file(body);
    if (!file.open(QIODevice::WriteOnly) || !file.resize(qint64(megabytes) << 20))
        qFatal("cannot make %s", qPrintable(body));
    file.close();
    const QString url = serverUrl.resolved(QUrl(QStringLiteral("/_qreload/reload"))).toString();
    struct Case
    {
        const char *name;
        QStringList options;
    };
    // -T streams the file; -X POST makes it a POST. "Expect:" turns curl's 100-continue off, so
    // the body follows the head at once (the hostile case); chunked has no Content-Length.
    const QList<Case> cases = {
        {"Content-Length, body sent at once", {QStringLiteral("-H"), QStringLiteral("Expect:")}},
        {"Content-Length, Expect: 100-continue", {}},
        {"chunked, no Content-Length",
         {QStringLiteral("-H"), QStringLiteral("Expect:"), QStringLiteral("-H"),
          QStringLiteral("Transfer-Encoding: chunked")}},
    };
    std::printf("%d MB POST /_qreload/reload without a token, curl in a child process\n",
                megabytes);
    std::printf("| request | curl saw (status, bytes sent) | ms | RSS before (MB) | peak RSS "
                "(MB) |\n| --- | --- | ---: | ---: | ---: |\n");
    for (const Case &c : cases) {
        resetPeak();
        const qint64 before = statusKb("VmRSS");
        QElapsedTimer timer;
        timer.start();
        QStringList arguments = {QStringLiteral("-s"),
                                 QStringLiteral("-o"),
                                 QStringLiteral("/dev/null"),
                                 QStringLiteral("-w"),
                                 QStringLiteral("%{http_code} %{size_upload}"),
                                 QStringLiteral("-X"),
                                 QStringLiteral("POST"),
                                 QStringLiteral("-T"),
                                 body};
        arguments += c.options;
        arguments += url;
        const QByteArray saw = runServing(QStringLiteral("curl"), arguments, 120000);
        const qint64 ms = timer.elapsed();
        // Let the server finish with the connection before reading the peak.
        for (int i = 0; i < 20; ++i)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        std::printf("| %s | %s | %lld | %.1f | %.1f |\n", c.name, saw.constData(), ms,
                    before / 1024.0, statusKb("VmHWM") / 1024.0);
        std::fflush(stdout);
    }
    return 0;
}

//! The child of `idle`: opens `count` connections to the port and keeps them until killed,
//! printing how many are open and how many the server closed.
int clients(quint16 port, int count)
{
    QList<QTcpSocket *> sockets;
    int connected = 0;
    int closed = 0;
    // 50 (the listen backlog) every 50 ms: a burst beyond the backlog makes connections the
    // server never sees (the kernel drops them), which would hide what the server holds.
    QTimer batch;
    QObject::connect(&batch, &QTimer::timeout, [&] {
        for (int i = 0; i < 50 && sockets.size() < count; ++i) {
            auto *socket = new QTcpSocket;
            QObject::connect(socket, &QTcpSocket::connected, [&connected] { ++connected; });
            QObject::connect(socket, &QTcpSocket::disconnected, [&closed] { ++closed; });
            socket->connectToHost(QHostAddress::LocalHost, port);
            sockets.append(socket);
        }
    });
    batch.start(50);
    QTimer report;
    QObject::connect(&report, &QTimer::timeout, [&] {
        std::printf("%d %d\n", connected, closed);
        std::fflush(stdout);
    });
    report.start(200);
    return QCoreApplication::exec();
}

int idle(quint16 port, int count)
{
    const int filesBefore = openFiles();
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("clients"), QString::number(port), QString::number(count)});
    int maxFiles = filesBefore;
    QByteArray last;
    QElapsedTimer timer;
    timer.start();
    std::printf("%d idle connections from a child process\n", count);
    std::printf("| s | client: connected, closed by server | open files here |\n| ---: | --- | "
                "---: |\n");
    qint64 nextRow = 0;
    while (timer.elapsed() < 8000) {
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
        maxFiles = std::max(maxFiles, openFiles());
        const QList<QByteArray> lines = child.readAllStandardOutput().trimmed().split('\n');
        if (!lines.last().isEmpty())
            last = lines.last();
        if (timer.elapsed() >= nextRow) {
            std::printf("| %.1f | %s | %d |\n", timer.elapsed() / 1000.0, last.constData(),
                        openFiles());
            std::fflush(stdout);
            nextRow += 2000;
        }
    }
    child.kill();
    child.waitForFinished();
    std::printf("open files: %d before, %d at most while the clients held their connections\n",
                filesBefore, maxFiles);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    const QString mode = arguments.value(1, QStringLiteral("serve"));
    if (mode == QLatin1String("clients"))
        return clients(quint16(arguments.value(2).toUInt()), arguments.value(3).toInt());

    QTemporaryDir plugins;
    if (!QFile::copy(QStringLiteral(BENCH_PLUGINS_DIR "/bench_greeter_v1.so"),
                     plugins.filePath(QStringLiteral("greeter.so"))))
        qFatal("cannot copy the greeter plugin from %s", BENCH_PLUGINS_DIR);
    ReloadEngine::Options options;
    options.pluginDirs = {plugins.path()};
    ReloadEngine engine(options);
    PreviewServer server(&engine);
    QString error;
    if (!server.listen(QHostAddress::LocalHost, 0, &error))
        qFatal("%s", qPrintable(error));
    engine.start();

    QUrl url = server.url();
    if (arguments.contains(QLatin1String("plain"))) {
        // The same server on a plain QTcpServer, without the guards: what it was before.
        auto *plain = new QTcpServer;
        if (!plain->listen(QHostAddress::LocalHost, 0))
            qFatal("%s", qPrintable(plain->errorString()));
        server.bind(plain);
        url.setPort(plain->serverPort());
        std::printf("plain QTcpServer, no limits\n");
    }
    if (mode == QLatin1String("upload"))
        return upload(url, arguments.value(2, QStringLiteral("300")).toInt());
    if (mode == QLatin1String("idle"))
        return idle(quint16(url.port()), arguments.value(2, QStringLiteral("1000")).toInt());
    const int seconds = arguments.value(2, QStringLiteral("30")).toInt();
    std::printf("serving %s for %d s\n", qPrintable(url.toString()), seconds);
    std::fflush(stdout);
    QTimer::singleShot(seconds * 1000, &app, &QCoreApplication::quit);
    const int code = app.exec();
    // CPU time is what the guards add per request; requests/s on a shared machine mostly
    // measures the other processes. Divide by the requests wrk reports.
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds_ = [](const timeval &t) {
        return double(t.tv_sec) + t.tv_usec / 1e6;
    };
    std::printf("cpu %.3f s (user %.3f, system %.3f)\n",
                seconds_(usage.ru_utime) + seconds_(usage.ru_stime), seconds_(usage.ru_utime),
                seconds_(usage.ru_stime));
    return code;
}
