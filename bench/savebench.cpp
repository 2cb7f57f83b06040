// savebench: save-to-new-response for the greeter in source mode, with the real compiler, and
// where the time goes.
//
// Runs `qreload --headless --log-format json` on a copy of the greeter (a standalone CMake
// project using this build's qreload_add_plugin) with qreload's defaults: its qreload.json only
// picks a free port, so qreload configures the build folder itself (the compiler it picks:
// Clang when installed, or QRELOAD_PLUGIN_CXX from the environment; Debug; Ninja) and builds it
// as it would any project. Then N times it rewrites GREETING in place (one write, one
// close_write, as an editor's plain save) and times until "/" serves the new text, split into:
//
//   watch          save -> the first source event qreload saw (the record's event times)
//   quiet period   first event -> build start (the settle after a closed write, or the quiet
//                  period)
//   configure check, start-up   the build's time outside ninja's edges: starting ninja (or
//                  CMake and ninja), loading build.ninja and checking whether CMake must re-run
//   moc, compile, link          ninja's own timing of each edge of that build (.ninja_log)
//   reload         the reload transaction (stage -> clean up)
//   rest           HTTP, hand-overs between processes, timers
//
//   build/bench/savebench [saves]     (default 15)
//   QRELOAD_PLUGIN_DEBUG_INFO=none build/bench/savebench    the plugin without line tables

#include "benchsupport.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

using bench::Stats;
using bench::writeFile;

namespace {

//! Runs the event loop until `done` holds or `timeoutMs` passes; false on timeout.
template<typename Done>
bool waitFor(Done done, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QEventLoop loop;
        QTimer::singleShot(2, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

QString loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("?");
    return QString::fromLatin1(file.readAll()).section(QLatin1Char(' '), 0, 2);
}

QString cacheValue(const QString &cache, const QString &key)
{
    QFile file(cache);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    while (!file.atEnd()) {
        const QString line = QString::fromLocal8Bit(file.readLine()).trimmed();
        if (line.startsWith(key + QLatin1Char(':')))
            return line.section(QLatin1Char('='), 1);
    }
    return {};
}

//! One build's edges from .ninja_log, read from `offset` on: ms per kind of step.
struct NinjaSteps
{
    double moc = 0, compile = 0, link = 0, other = 0;
    double span = 0; //!< the last edge's end, ms after ninja started its builder
    bool valid = false;
};

NinjaSteps ninjaSteps(const QString &log, qint64 offset)
{
    NinjaSteps steps;
    QFile file(log);
    if (!file.open(QIODevice::ReadOnly) || file.size() < offset || !file.seek(offset))
        return steps; // recompacted by ninja: no breakdown for this save
    steps.valid = true;
    QSet<QString> seen;
    while (!file.atEnd()) {
        const QList<QByteArray> fields = file.readLine().trimmed().split('\t');
        if (fields.size() < 5 || fields.at(0).startsWith('#'))
            continue;
        const double start = fields.at(0).toDouble();
        const double end = fields.at(1).toDouble();
        const QString output = QString::fromLocal8Bit(fields.at(3));
        steps.span = qMax(steps.span, end);
        // An edge with several outputs (moc's relative and absolute name) is listed for each.
        const QString edge
            = QStringLiteral("%1-%2-%3").arg(start).arg(end).arg(QString::fromLatin1(fields.at(4)));
        if (seen.contains(edge))
            continue;
        seen.insert(edge);
        const double ms = end - start;
        if (output.endsWith(QLatin1String(".moc")) || output.contains(QLatin1String("_moc/")))
            steps.moc += ms;
        else if (output.endsWith(QLatin1String(".o")))
            steps.compile += ms;
        else if (output.endsWith(QLatin1String(".so")))
            steps.link += ms;
        else
            steps.other += ms;
    }
    return steps;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int iterations = argc > 1 ? qMax(1, QByteArray(argv[1]).toInt()) : 15;

    QTemporaryDir dir;
    QFile source(QStringLiteral(GREETER_SOURCE));
    if (!dir.isValid() || !source.open(QIODevice::ReadOnly))
        return 1;
    const QString sourcePath = dir.filePath(QStringLiteral("services.cpp"));
    QByteArray text = source.readAll();
    writeFile(sourcePath, text);
    QFile project(QStringLiteral(QRELOAD_GREETER_PROJECT));
    if (!project.open(QIODevice::ReadOnly))
        return 1;
    QByteArray lists = project.readAll();
    // QRELOAD_PLUGIN_DEBUG_INFO=none|lines|full in the environment: the copy's plugins get that
    // debug information instead of the SDK's default, to measure what each costs.
    const QByteArray debugInfo = qgetenv("QRELOAD_PLUGIN_DEBUG_INFO");
    if (!debugInfo.isEmpty())
        lists.replace("include(", "set(QRELOAD_PLUGIN_DEBUG_INFO " + debugInfo
                                      + " CACHE STRING \"\")\ninclude(");
    writeFile(dir.filePath(QStringLiteral("CMakeLists.txt")), lists);
    writeFile(dir.filePath(QStringLiteral("qreload.json")), "{ \"port\": 0 }\n");

    std::printf("load average at start: %s\n", qPrintable(loadAverage()));
    std::printf("qreload configures and builds a copy of the greeter in %s ...\n",
                qPrintable(dir.path()));
    std::fflush(stdout);

    QProcess qreload;
    QByteArray out;
    QObject::connect(&qreload, &QProcess::readyReadStandardOutput,
                     [&] { out += qreload.readAllStandardOutput(); });
    qreload.setProcessChannelMode(QProcess::SeparateChannels);
    qreload.setStandardErrorFile(QProcess::nullDevice());
    qreload.start(QStringLiteral(QRELOAD_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--log-format"),
                   QStringLiteral("json"), dir.path()});
    static const QRegularExpression serving(QStringLiteral("serving (http://[^/ ]+)/"));
    if (!waitFor([&] { return serving.match(QString::fromUtf8(out)).hasMatch(); }, 60000)) {
        std::fprintf(stderr, "savebench: qreload did not start serving\n");
        return 1;
    }
    const QString url = serving.match(QString::fromUtf8(out)).captured(1) + QLatin1Char('/');

    QNetworkAccessManager network;
    const auto get = [&] {
        QNetworkReply *reply = network.get(QNetworkRequest(QUrl(url)));
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        const QByteArray body = reply->readAll();
        reply->deleteLater();
        return body;
    };
    const auto records = [&] {
        QList<QJsonObject> list;
        for (const QByteArray &line : out.split('\n')) {
            if (line.startsWith('{'))
                list.append(QJsonDocument::fromJson(line).object());
        }
        return list;
    };
    // The first generation comes from the first build (configure included).
    if (!waitFor([&] { return !records().isEmpty(); }, 900000)
        || records().constFirst().value(QLatin1String("outcome")).toString()
               != QLatin1String("ok")) {
        std::fprintf(stderr, "savebench: the first build failed\n");
        return 1;
    }
    const QString build = dir.filePath(QStringLiteral("build"));
    const QString cache = QDir(build).filePath(QStringLiteral("CMakeCache.txt"));
    const QString ninjaLog = QDir(build).filePath(QStringLiteral(".ninja_log"));
    const QString compiler = cacheValue(cache, QStringLiteral("CMAKE_CXX_COMPILER"));
    QProcess version;
    version.start(compiler, {QStringLiteral("--version")});
    version.waitForFinished(10000);
    std::printf("compiler: %s (%s), build type %s\n", qPrintable(compiler),
                qPrintable(QString::fromLocal8Bit(version.readAllStandardOutput())
                               .section(QLatin1Char('\n'), 0, 0)),
                qPrintable(cacheValue(cache, QStringLiteral("CMAKE_BUILD_TYPE"))));
    std::fflush(stdout);

    Stats totals, watch, quiet, check, moc, compile, link, reloads, rest;
    QString command;
    QByteArray previous = "Hello, Version 1!";
    std::printf("%4s %7s %6s %6s %6s %6s %8s %6s %7s %6s\n", "save", "total", "watch", "quiet",
                "check", "moc", "compile", "link", "reload", "rest");
    for (int i = 1; i <= iterations; ++i) {
        const QByteArray next = "Saved " + QByteArray::number(i) + " times!";
        text.replace(previous, next);
        previous = next;
        const qsizetype before = records().size();
        const qint64 logOffset = QFileInfo(ninjaLog).size();
        // Let the machine's timers and the previous save's stragglers pass.
        waitFor([] { return false; }, 300);
        const QDateTime savedAt = QDateTime::currentDateTime();
        QElapsedTimer clock;
        clock.start();
        writeFile(sourcePath, text); // an in-place save: one write, one close_write
        if (!waitFor([&] { return get().contains(next); }, 120000)) {
            std::fprintf(stderr, "savebench: \"%s\" was never served\n", next.constData());
            return 1;
        }
        const double total = clock.nsecsElapsed() / 1e6;
        if (!waitFor([&] { return records().size() > before; }, 5000)) {
            std::fprintf(stderr, "savebench: no reload record for save %d\n", i);
            return 1;
        }
        QJsonObject record;
        for (const QJsonObject &r : records().mid(before)) {
            if (r.value(QLatin1String("outcome")).toString() == QLatin1String("ok"))
                record = r;
        }
        const QJsonObject buildInfo = record.value(QLatin1String("build")).toObject();
        const QJsonArray events = record.value(QLatin1String("events")).toArray();
        if (record.isEmpty() || buildInfo.isEmpty() || events.isEmpty()) {
            std::fprintf(stderr, "savebench: save %d was not one build and one reload\n", i);
            return 1;
        }
        command = buildInfo.value(QLatin1String("command")).toString();
        const auto at = [](const QJsonValue &v) {
            return QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
        };
        const QDateTime firstEvent = at(events.first().toObject().value(QLatin1String("at")));
        const QDateTime reloadStart = at(record.value(QLatin1String("startedAt")));
        const double buildMs = buildInfo.value(QLatin1String("ms")).toDouble();
        const double reloadMs = record.value(QLatin1String("totalMs")).toDouble();
        const double watchMs = savedAt.msecsTo(firstEvent);
        // The build ended just before the reload started (a message to the host in between).
        const double quietMs = firstEvent.msecsTo(reloadStart) - buildMs;
        const NinjaSteps steps = ninjaSteps(ninjaLog, logOffset);
        const double checkMs = steps.valid ? buildMs - steps.span : 0;

        totals.samples.append(total);
        watch.samples.append(watchMs);
        quiet.samples.append(quietMs);
        if (steps.valid) {
            check.samples.append(checkMs);
            moc.samples.append(steps.moc);
            compile.samples.append(steps.compile);
            link.samples.append(steps.link);
        }
        reloads.samples.append(reloadMs);
        rest.samples.append(total - watchMs - quietMs - buildMs - reloadMs);
        std::printf("%4d %7.0f %6.0f %6.0f %6.0f %6.0f %8.0f %6.0f %7.1f %6.0f\n", i, total,
                    watchMs, quietMs, checkMs, steps.moc, steps.compile, steps.link, reloadMs,
                    total - watchMs - quietMs - buildMs - reloadMs);
        std::fflush(stdout);
    }
    std::printf("\nbuild command: %s\n", qPrintable(command));
    std::printf("\n%-40s %8s %8s %8s %8s %7s\n", "measure (ms)", "median", "p95", "min", "max",
                "share");
    const double median = totals.median();
    const auto row = [median](const char *name, const Stats &stats) {
        std::printf("%-40s %8.1f %8.1f %8.1f %8.1f %6.0f%%\n", name, stats.median(),
                    stats.quantile(0.95), stats.min(), stats.max(),
                    median > 0 ? 100 * stats.median() / median : 0);
    };
    row("save -> new response", totals);
    row("  watch (save -> first event)", watch);
    row("  quiet period (first event -> build)", quiet);
    row("  configure check, ninja start-up", check);
    row("  moc", moc);
    row("  compile", compile);
    row("  link", link);
    row("  reload transaction", reloads);
    row("  rest (HTTP, hand-overs)", rest);
    std::printf("\nload average at end: %s\n", qPrintable(loadAverage()));
    qreload.terminate();
    qreload.waitForFinished(10000);
    return 0;
}
