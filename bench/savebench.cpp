// savebench: save-to-new-response for the greeter in source mode, with the real compiler.
//
// Runs `qreload --headless --log-format json` on a copy of the greeter (a standalone CMake
// project using this build's qreload_add_plugin: Ninja, PCH, moc without AUTOMOC, lld), then N
// times rewrites GREETING in place and times until "/" serves the new text. Prints the median and
// spread of the whole save-to-response time, of the build (the compiler's share) and of the reload
// transaction.
//
//   build/bench/savebench [iterations]     (default 10)

#include "benchsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

using bench::Stats;
using bench::writeFile;

namespace {

const char ProjectConfig[] = R"({
  "plugins": "build/plugins",
  "sources": ".",
  "build": { "command": ["cmake", "--build", "build", "--target", "greeter"] },
  "port": 0
})";

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
        QTimer::singleShot(5, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int iterations = argc > 1 ? qMax(1, QByteArray(argv[1]).toInt()) : 10;

    QTemporaryDir dir;
    QFile source(QStringLiteral(GREETER_SOURCE));
    if (!dir.isValid() || !source.open(QIODevice::ReadOnly))
        return 1;
    const QString sourcePath = dir.filePath(QStringLiteral("services.cpp"));
    QByteArray text = source.readAll();
    writeFile(sourcePath, text);
    QFile::copy(QStringLiteral(QRELOAD_GREETER_PROJECT),
                dir.filePath(QStringLiteral("CMakeLists.txt")));
    writeFile(dir.filePath(QStringLiteral("qreload.json")), ProjectConfig);

    std::printf("configuring and building a copy of the greeter in %s ...\n",
                qPrintable(dir.path()));
    std::fflush(stdout);
    if (QProcess::execute(QStringLiteral(CMAKE_COMMAND_PATH),
                          {QStringLiteral("-S"), dir.path(), QStringLiteral("-B"),
                           dir.filePath(QStringLiteral("build")), QStringLiteral("-G"),
                           QStringLiteral("Ninja"), QStringLiteral("-DCMAKE_BUILD_TYPE=Debug")})
            != 0
        || QProcess::execute(QStringLiteral(CMAKE_COMMAND_PATH),
                             {QStringLiteral("--build"), dir.filePath(QStringLiteral("build"))})
               != 0) {
        std::fprintf(stderr, "savebench: could not build the greeter copy\n");
        return 1;
    }

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
    if (!waitFor([&] { return serving.match(QString::fromUtf8(out)).hasMatch(); }, 30000))
        return 1;
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
    // Wait for the first generation. A project whose plugin is already built also records its
    // start-up build (a no-op) soon after: give it a moment, so it is not taken for a save's.
    if (!waitFor([&] { return !records().isEmpty(); }, 120000))
        return 1;
    waitFor([&] { return records().size() >= 2; }, 5000);

    Stats totals, builds, reloads, rest;
    QByteArray previous = "Hello, Version 1!";
    std::printf("%4s %10s %10s %10s\n", "run", "total ms", "build ms", "reload ms");
    for (int i = 1; i <= iterations; ++i) {
        const QByteArray next = "Saved " + QByteArray::number(i) + " times!";
        text.replace(previous, next);
        previous = next;
        const qsizetype before = records().size();
        QElapsedTimer clock;
        clock.start();
        writeFile(sourcePath, text); // an in-place save
        if (!waitFor([&] { return get().contains(next); }, 120000)) {
            std::fprintf(stderr, "savebench: \"%s\" was never served\n", next.constData());
            return 1;
        }
        const double total = clock.nsecsElapsed() / 1e6;
        waitFor([&] { return records().size() > before; }, 5000);
        double build = 0, reload = 0;
        for (const QJsonObject &r : records().mid(before)) {
            if (r.value(QLatin1String("outcome")).toString() == QLatin1String("ok")) {
                build = r.value(QLatin1String("build"))
                            .toObject()
                            .value(QLatin1String("ms"))
                            .toDouble();
                reload = r.value(QLatin1String("totalMs")).toDouble();
            }
        }
        totals.samples.append(total);
        builds.samples.append(build);
        reloads.samples.append(reload);
        rest.samples.append(total - build - reload);
        std::printf("%4d %10.0f %10.0f %10.1f\n", i, total, build, reload);
        std::fflush(stdout);
    }
    std::printf("\n%-44s %8s %8s %8s %8s\n", "measure (ms)", "median", "p95", "min", "max");
    const auto row = [](const char *name, const Stats &stats) {
        std::printf("%-44s %8.1f %8.1f %8.1f %8.1f\n", name, stats.median(), stats.quantile(0.95),
                    stats.min(), stats.max());
    };
    row("save -> new response", totals);
    row("  build (cmake --build: moc, compile, link)", builds);
    row("  reload transaction", reloads);
    row("  rest (watch, quiet period, HTTP)", rest);
    std::printf("\nthe build is %.0f%% of the median save-to-new-response\n",
                totals.median() > 0 ? 100 * builds.median() / totals.median() : 0);
    qreload.terminate();
    qreload.waitForFinished(10000);
    return 0;
}
