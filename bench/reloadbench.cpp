// reloadbench: how long a reload of the greeter takes, against a full restart of qreload.
//
// Runs the real `qreload --headless` on a temporary plugin folder, replaces greeter.so the way a
// linker does (unlink, write), and measures:
//   - the reload transaction (qreload's own per-phase timings, from --log-format json);
//   - file replaced -> first HTTP response with the new text (quiet period included);
//   - a full restart: process start -> first correct response.
// Usage: reloadbench [reloads=60] [restarts=20] [quiet-period-ms=default]

#include "benchsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <cstdio>

using bench::readFile;
using bench::Stats;

namespace {

void linkerWrite(const QString &path, const QByteArray &bytes)
{
    QFile::remove(path);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(path));
}

//! One blocking GET of / ; returns the body, or an empty array when nothing answered.
QByteArray fetch(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForConnected(1000))
        return {};
    socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    // Read until the whole body (Content-Length) is in; QHttpServer keeps the socket open.
    static const QRegularExpression lengthHeader(QStringLiteral("(?i)content-length:\\s*(\\d+)"));
    QByteArray response;
    while (socket.waitForReadyRead(1000)) {
        response += socket.readAll();
        const qsizetype body = response.indexOf("\r\n\r\n");
        if (body < 0)
            continue;
        const QRegularExpressionMatch m
            = lengthHeader.match(QString::fromLatin1(response.left(body)));
        if (m.hasMatch() && response.size() - body - 4 >= m.captured(1).toLongLong())
            return response.mid(body + 4);
    }
    return {};
}

struct Qreload
{
    QProcess process;
    quint16 port = 0;
    QByteArray pendingOutput;

    bool start(const QString &plugins, int quietPeriodMs)
    {
        QStringList args{QStringLiteral("--headless"),
                         QStringLiteral("--plugins"),
                         plugins,
                         QStringLiteral("--port"),
                         QStringLiteral("0"),
                         QStringLiteral("--log-format"),
                         QStringLiteral("json")};
        if (quietPeriodMs >= 0)
            args << QStringLiteral("--quiet-period") << QString::number(quietPeriodMs);
        process.setProcessChannelMode(QProcess::SeparateChannels);
        process.start(QStringLiteral(QRELOAD_BINARY), args);
        if (!process.waitForStarted())
            return false;
        static const QRegularExpression url(QStringLiteral("serving http://127.0.0.1:(\\d+)/"));
        while (port == 0 && process.waitForReadyRead(5000)) {
            pendingOutput += process.readAllStandardOutput();
            const QRegularExpressionMatch m = url.match(QString::fromUtf8(pendingOutput));
            if (m.hasMatch())
                port = quint16(m.captured(1).toUInt());
        }
        return port != 0;
    }
    //! The next JSON reload record qreload printed.
    QJsonObject nextRecord()
    {
        for (;;) {
            const qsizetype newline = pendingOutput.indexOf('\n');
            if (newline >= 0) {
                const QByteArray line = pendingOutput.left(newline);
                pendingOutput.remove(0, newline + 1);
                if (line.startsWith('{'))
                    return QJsonDocument::fromJson(line).object();
                continue;
            }
            if (!process.waitForReadyRead(5000))
                return {};
            pendingOutput += process.readAllStandardOutput();
        }
    }
    void stop()
    {
        process.terminate();
        if (!process.waitForFinished(5000))
            process.kill();
    }
};

void printRow(const char *what, const Stats &stats)
{
    std::printf("| %-44s | %5lld | %9.2f | %9.2f | %9.2f |\n", what,
                static_cast<long long>(stats.samples.size()), stats.quantile(0.5),
                stats.quantile(0.95), stats.quantile(1.0));
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int reloads = args.size() > 1 ? args.at(1).toInt() : 60;
    const int restarts = args.size() > 2 ? args.at(2).toInt() : 20;
    const int quietPeriod = args.size() > 3 ? args.at(3).toInt() : -1;

    const QByteArray v1 = readFile(QStringLiteral(BENCH_PLUGINS_DIR "/bench_greeter_v1.so"));
    const QByteArray v2 = readFile(QStringLiteral(BENCH_PLUGINS_DIR "/bench_greeter_v2.so"));
    const QByteArray v1Body = "<h1>Hello, Version 1!</h1>";
    const QByteArray v2Body = "<h1>This is Version 2!</h1>";
    QTemporaryDir folder;
    const QString plugin = folder.filePath(QStringLiteral("greeter.so"));
    linkerWrite(plugin, v1);

    Stats transaction, replacedToResponse;
    QMap<QString, Stats> phases;
    QStringList phaseOrder;
    {
        Qreload qreload;
        if (!qreload.start(folder.path(), quietPeriod))
            qFatal("qreload did not start");
        const QJsonObject startup = qreload.nextRecord();
        if (!startup.value(QLatin1String("ok")).toBool())
            qFatal("first generation failed");
        for (int i = 0; i < reloads; ++i) {
            const bool toV2 = i % 2 == 0;
            QElapsedTimer timer;
            linkerWrite(plugin, toV2 ? v2 : v1);
            timer.start();
            const QByteArray expected = toV2 ? v2Body : v1Body;
            while (fetch(qreload.port) != expected) {
                if (timer.elapsed() > 10000)
                    qFatal("reload %d never served the new text", i);
            }
            replacedToResponse.samples.append(timer.nsecsElapsed() / 1e6);
            const QJsonObject record = qreload.nextRecord();
            if (!record.value(QLatin1String("ok")).toBool())
                qFatal("reload %d failed", i);
            transaction.samples.append(record.value(QLatin1String("totalMs")).toDouble());
            const QJsonObject phaseMs = record.value(QLatin1String("phases")).toObject();
            for (const QJsonValue &name : record.value(QLatin1String("phaseOrder")).toArray()) {
                if (!phaseOrder.contains(name.toString()))
                    phaseOrder.append(name.toString());
                phases[name.toString()].samples.append(phaseMs.value(name.toString()).toDouble());
            }
        }
        qreload.stop();
    }

    Stats restart;
    for (int i = 0; i < restarts; ++i) {
        linkerWrite(plugin, v1);
        QElapsedTimer timer;
        timer.start();
        Qreload qreload;
        if (!qreload.start(folder.path(), quietPeriod))
            qFatal("qreload did not start");
        while (fetch(qreload.port) != v1Body) {
            if (timer.elapsed() > 10000)
                qFatal("restart %d never served", i);
        }
        restart.samples.append(timer.nsecsElapsed() / 1e6);
        qreload.stop();
    }

    std::printf("reloadbench: greeter, %d reloads, %d restarts, quiet period %s\n\n", reloads,
                restarts,
                quietPeriod < 0 ? "default" : qPrintable(QString::number(quietPeriod) + " ms"));
    std::printf("| %-44s | %5s | %9s | %9s | %9s |\n", "measure (ms)", "n", "median", "p95", "max");
    std::printf("|%s|%s|%s|%s|%s|\n", QByteArray(46, '-').constData(),
                QByteArray(7, '-').constData(), QByteArray(11, '-').constData(),
                QByteArray(11, '-').constData(), QByteArray(11, '-').constData());
    printRow("reload transaction (total)", transaction);
    for (const QString &name : phaseOrder)
        printRow(qPrintable(QStringLiteral("  phase: ") + name), phases.value(name));
    printRow("file replaced -> new response (incl. quiet)", replacedToResponse);
    printRow("full restart -> first correct response", restart);
    return 0;
}
