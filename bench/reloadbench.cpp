// reloadbench: how long a reload of the greeter takes, against a full restart of qreload.
//
// Runs the real `qreload --headless` on a temporary plugin folder, replaces greeter.so the ways
// tools do, and measures:
//   - the reload transaction (qreload's own per-phase timings, from --log-format json);
//   - file replaced -> first HTTP response with the new text, for each way of replacing it:
//     cp (in place, same inode), a temporary file renamed into place (install, editors), an
//     unlink then write (GNU ld), and a real lld link (this build's own link command of the
//     bench greeter, read from its ninja manifest; timed from the linker's exit);
//   - a full restart: process start -> first correct response.
// Usage: reloadbench [reloads-per-way=30] [restarts=20] [quiet-period-ms=default]

#include "benchhttp.h"
#include "benchsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <cstdio>
#include <functional>

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

void renameIntoPlace(const QString &path, const QByteArray &bytes)
{
    const QString temporary = QFileInfo(path).absolutePath() + QStringLiteral("/.greeter.so.tmp");
    bench::writeFile(temporary, bytes);
    if (::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(path).constData()))
        qFatal("cannot rename %s", qPrintable(temporary));
}

/*!
 * The command this build links `target` (relative to the build folder) with, writing `output`
 * instead, as a shell command; empty when the build is not a ninja build.
 */
QString linkCommand(const QString &target, const QString &output)
{
    QProcess query;
    query.start(QStringLiteral(BENCH_NINJA),
                {QStringLiteral("-C"), QStringLiteral(BENCH_BUILD_DIR), QStringLiteral("-t"),
                 QStringLiteral("commands"), target});
    if (QStringLiteral(BENCH_NINJA).isEmpty() || !query.waitForFinished(60000)
        || query.exitCode() != 0)
        return {};
    const QStringList lines
        = QString::fromLocal8Bit(query.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
    const QString option = QStringLiteral(" -o %1 ").arg(target);
    if (lines.isEmpty() || !lines.last().contains(option))
        return {};
    return QStringLiteral("cd %1 && %2")
        .arg(QStringLiteral(BENCH_BUILD_DIR),
             QString(lines.last()).replace(option, QStringLiteral(" -o %1 ").arg(output)));
}

double runShell(const QString &command)
{
    QElapsedTimer timer;
    timer.start();
    QProcess shell;
    shell.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    shell.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), command});
    if (!shell.waitForFinished(60000) || shell.exitCode() != 0)
        qFatal("link failed: %s", qPrintable(command));
    return timer.nsecsElapsed() / 1e6;
}

//! One blocking GET of / ; returns the body, or an empty array when nothing answered.
QByteArray fetch(quint16 port)
{
    return bench::httpRequest(port, "GET", "/", {}, 1000);
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
    std::printf("| %-52s | %5lld | %9.2f | %9.2f | %9.2f |\n", what,
                static_cast<long long>(stats.samples.size()), stats.quantile(0.5),
                stats.quantile(0.95), stats.quantile(1.0));
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int reloads = args.size() > 1 ? args.at(1).toInt() : 30;
    const int restarts = args.size() > 2 ? args.at(2).toInt() : 20;
    const int quietPeriod = args.size() > 3 ? args.at(3).toInt() : -1;

    const QByteArray v1 = readFile(QStringLiteral(BENCH_PLUGINS_DIR "/bench_greeter_v1.so"));
    const QByteArray v2 = readFile(QStringLiteral(BENCH_PLUGINS_DIR "/bench_greeter_v2.so"));
    const QByteArray v1Body = "<h1>Hello, Version 1!</h1>";
    const QByteArray v2Body = "<h1>This is Version 2!</h1>";
    QTemporaryDir folder;
    const QString plugin = folder.filePath(QStringLiteral("greeter.so"));
    linkerWrite(plugin, v1);

    const QDir build(QStringLiteral(BENCH_BUILD_DIR));
    const QString link[2]
        = {linkCommand(
               build.relativeFilePath(QStringLiteral(BENCH_PLUGINS_DIR "/bench_greeter_v1.so")),
               plugin),
           linkCommand(
               build.relativeFilePath(QStringLiteral(BENCH_PLUGINS_DIR "/bench_greeter_v2.so")),
               plugin)};

    // Each way puts version 1 or 2 in place and says when the new file counts as in place.
    struct Way
    {
        const char *name;
        std::function<void(bool toV2, QElapsedTimer &replaced)> replace;
    };
    Stats linkTime;
    QList<Way> ways{
        {"cp (in place)",
         [&](bool toV2, QElapsedTimer &replaced) {
             replaced.start();
             bench::writeFile(plugin, toV2 ? v2 : v1);
         }},
        {"rename into place",
         [&](bool toV2, QElapsedTimer &replaced) {
             replaced.start();
             renameIntoPlace(plugin, toV2 ? v2 : v1);
         }},
        {"unlink, then write (GNU ld)",
         [&](bool toV2, QElapsedTimer &replaced) {
             replaced.start();
             linkerWrite(plugin, toV2 ? v2 : v1);
         }},
    };
    if (!link[0].isEmpty() && !link[1].isEmpty()) {
        ways.append({"lld link (from the linker's exit)", [&](bool toV2, QElapsedTimer &replaced) {
                         linkTime.samples.append(runShell(link[toV2 ? 1 : 0]));
                         replaced.start();
                     }});
    } else {
        std::printf("(no lld link row: this build's link commands could not be read from ninja)\n");
    }

    Stats transaction;
    QMap<QString, Stats> replacedToResponse;
    QMap<QString, Stats> phases;
    QStringList phaseOrder;
    int settled = 0, quiet = 0;
    {
        Qreload qreload;
        if (!qreload.start(folder.path(), quietPeriod))
            qFatal("qreload did not start");
        const QJsonObject startup = qreload.nextRecord();
        if (!startup.value(QLatin1String("ok")).toBool())
            qFatal("first generation failed");
        bool toV2 = true;
        for (const Way &way : std::as_const(ways)) {
            for (int i = 0; i < reloads; ++i, toV2 = !toV2) {
                QElapsedTimer replaced;
                way.replace(toV2, replaced);
                const QByteArray expected = toV2 ? v2Body : v1Body;
                // The page may carry the live-reload client script after the text.
                while (!fetch(qreload.port).startsWith(expected)) {
                    if (replaced.elapsed() > 10000)
                        qFatal("%s %d never served the new text", way.name, i);
                }
                replacedToResponse[QString::fromLatin1(way.name)].samples.append(
                    replaced.nsecsElapsed() / 1e6);
                // The reload that served it (a way that also leaves a skipped record, such as
                // a touch, would show here as a record without a new generation).
                QJsonObject record;
                do {
                    record = qreload.nextRecord();
                    if (record.isEmpty())
                        qFatal("%s %d: no reload record", way.name, i);
                } while (record.value(QLatin1String("outcome")).toString()
                         == QLatin1String("skipped"));
                if (!record.value(QLatin1String("ok")).toBool())
                    qFatal("%s %d failed", way.name, i);
                const QString decision = record.value(QLatin1String("decision")).toString();
                (decision.contains(QLatin1String("settled for")) ? settled : quiet) += 1;
                transaction.samples.append(record.value(QLatin1String("totalMs")).toDouble());
                const QJsonObject phaseMs = record.value(QLatin1String("phases")).toObject();
                for (const QJsonValue &name : record.value(QLatin1String("phaseOrder")).toArray()) {
                    if (!phaseOrder.contains(name.toString()))
                        phaseOrder.append(name.toString());
                    phases[name.toString()].samples.append(
                        phaseMs.value(name.toString()).toDouble());
                }
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
        while (!fetch(qreload.port).startsWith(v1Body)) {
            if (timer.elapsed() > 10000)
                qFatal("restart %d never served", i);
        }
        restart.samples.append(timer.nsecsElapsed() / 1e6);
        qreload.stop();
    }

    std::printf("reloadbench: greeter, %d reloads per way, %d restarts, quiet period %s, "
                "qreload built %s\n",
                reloads, restarts,
                quietPeriod < 0 ? "default" : qPrintable(QString::number(quietPeriod) + " ms"),
                BENCH_BUILD_TYPE);
    std::printf("reload decisions: %d after the settle window (file known complete), %d after "
                "the quiet period\n\n",
                settled, quiet);
    std::printf("| %-52s | %5s | %9s | %9s | %9s |\n", "measure (ms)", "n", "median", "p95", "max");
    std::printf("|%s|%s|%s|%s|%s|\n", QByteArray(54, '-').constData(),
                QByteArray(7, '-').constData(), QByteArray(11, '-').constData(),
                QByteArray(11, '-').constData(), QByteArray(11, '-').constData());
    printRow("reload transaction (total)", transaction);
    for (const QString &name : phaseOrder)
        printRow(qPrintable(QStringLiteral("  phase: ") + name), phases.value(name));
    for (const Way &way : std::as_const(ways))
        printRow(qPrintable(QStringLiteral("replaced -> response: ") + way.name),
                 replacedToResponse.value(QString::fromLatin1(way.name)));
    if (!linkTime.samples.isEmpty())
        printRow("  (the lld link itself)", linkTime);
    printRow("full restart -> first correct response", restart);
    return 0;
}
