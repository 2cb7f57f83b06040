// uistallbench: how long the console's UI thread stalls while it reloads the greeter.
//
// Runs the real console (MainWindow over a HostProxy and its qreload-host child, as qreload does)
// offscreen, and a 1 ms heartbeat QTimer on the UI thread. The longest gap between two heartbeats
// is the longest time the event loop could not take input or paint. Per reload, the window runs
// from the change until the console shows the new generation everywhere: the log row, the graph
// laid out, the preview refreshed with the new text.
//
// Scenarios:
//   idle         no reload: the heartbeat's own floor, in 250 ms windows;
//   plugin       greeter.so replaced the way a linker does (unlink, write), v1 and v2 in turn;
//   source build source mode: a source edit starts a scripted build that streams LINES lines of
//                ninja-like output (1% of them compiler warnings) into the console before it
//                links the other version;
//   slow route   a route that takes 2 s is requested (the plugin code runs in the host): the
//                longest stall of the console while the request is served.
// The time from the change to the preview showing the new text is printed too.
//
// Usage: uistallbench [reloads=40] [build-output-lines=2000]
// QT_QPA_PLATFORM is offscreen unless set (run under xvfb-run with QT_QPA_PLATFORM=xcb to include
// a real window system).

#include "benchsupport.h"
#include "heartbeat.h"

#include <componentgraphview.h>
#include <hostproxy.h>
#include <mainwindow.h>
#include <previewpanel.h>
#include <projectconfig.h>
#include <reloadlogmodel.h>
#include <sourcemode.h>

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>

using namespace qreload::app;
using namespace qreload::ui;

using bench::Heartbeat;
using bench::readFile;
using bench::Stats;
using bench::writeFile;

namespace {

//! What a linker does: unlink, then write a new file.
void linkerWrite(const QString &path, const QByteArray &bytes)
{
    QFile::remove(path);
    writeFile(path, bytes);
}

QString plugin(int version)
{
    return QStringLiteral(BENCH_PLUGINS_DIR "/bench_greeter_v%1.so").arg(version);
}

QString greeting(int version)
{
    return version == 1 ? QStringLiteral("Hello, Version 1!")
                        : QStringLiteral("This is Version 2!");
}

//! Runs the event loop until `done` holds (checked every 2 ms); false after `timeoutMs`.
bool waitUntil(const std::function<bool()> &done, int timeoutMs = 30000)
{
    return bench::waitUntil(done, timeoutMs, 2);
}

//! The console on one host process, as app/main.cpp composes it.
struct Console
{
    explicit Console(HostProxy::Options options)
        : engine((options.hostExecutable = QStringLiteral(QRELOAD_HOST_BINARY), options))
    {
        QString error;
        if (!engine.listen(&error))
            qFatal("preview server: %s", qPrintable(error));
    }
    void show(SourceMode *sourceMode = nullptr)
    {
        window = std::make_unique<MainWindow>(&engine);
        window->attachSourceMode(sourceMode);
        window->show();
        engine.start();
    }
    ~Console() { window.reset(); }

    //! The console shows `version` everywhere, and nothing is still on its way.
    bool shows(int version, int rowsAtLeast) const
    {
        return window->reloadLog()->rowCount() >= rowsAtLeast
               && !window->previewPanel()->isLoading() && !window->graphView()->isLayingOut()
               && !window->isBuildRunning()
               && window->previewPanel()->lastBody().contains(greeting(version));
    }

    HostProxy engine;
    std::unique_ptr<MainWindow> window;
};

struct Result
{
    Stats stall;
    Stats latency;
};

//! Runs `reloads` changes: `change(version)` makes the console go to `version`.
Result measure(Console &console, Heartbeat &heartbeat, int reloads,
               const std::function<void(int)> &change)
{
    Result result;
    int version = 1;
    for (int i = -1; i < reloads; ++i) { // the first one warms up and is not counted
        version = version == 1 ? 2 : 1;
        const int rows = console.window->reloadLog()->rowCount() + 1;
        QElapsedTimer clock;
        clock.start();
        heartbeat.reset();
        change(version);
        if (!waitUntil([&] { return console.shows(version, rows); }))
            qFatal("the console did not show version %d", version);
        if (i < 0)
            continue;
        result.stall.samples.append(heartbeat.worstMs());
        result.latency.samples.append(clock.nsecsElapsed() / 1e6);
        // Let the UI settle (paint, deferred deletes) before the next change.
        waitUntil([] { return false; }, 50);
    }
    return result;
}

void printRow(const char *scenario, const Stats &stall, const Stats &latency)
{
    const auto cell = [](const Stats &s, double q) {
        return s.samples.isEmpty() ? QByteArray("-") : QByteArray::number(s.quantile(q), 'f', 1);
    };
    std::printf("| %-34s | %4lld | %7s | %7s | %7s | %12s |\n", scenario,
                qint64(stall.samples.size()), cell(stall, 0.5).constData(),
                cell(stall, 0.95).constData(), cell(stall, 1.0).constData(),
                cell(latency, 0.5).constData());
}

} // namespace

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    // Not the user's console layout, and no per-line build log on the terminal.
    QCoreApplication::setOrganizationName(QStringLiteral("qreload-bench"));
    QCoreApplication::setApplicationName(QStringLiteral("uistallbench"));
    // The table only: the greeter's "CREATED" lines, the build log and the offscreen platform's
    // warnings would interleave with it.
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &message) {
        if (type == QtCriticalMsg || type == QtFatalMsg)
            std::fprintf(stderr, "%s\n", qPrintable(message));
    });

    const QStringList args = app.arguments();
    const int reloads = args.size() > 1 ? args.at(1).toInt() : 40;
    const int lines = args.size() > 2 ? args.at(2).toInt() : 2000;
    if (reloads < 1 || lines < 1) {
        std::fprintf(stderr, "usage: uistallbench [reloads=40] [build-output-lines=2000]\n");
        return 2;
    }
    const QByteArray v1 = readFile(plugin(1));
    const QByteArray v2 = readFile(plugin(2));
    Heartbeat heartbeat;

    std::printf("uistallbench: greeter console (%s), %d reloads per scenario, %d build output "
                "lines\n\n",
                qPrintable(QGuiApplication::platformName()), reloads, lines);
    std::printf("| %-34s | %4s | %7s | %7s | %7s | %12s |\n", "longest UI-thread stall (ms)", "n",
                "median", "p95", "max", "to preview");
    std::printf("|%s|%s|%s|%s|%s|%s|\n", QByteArray(36, '-').constData(),
                QByteArray(6, '-').constData(), QByteArray(9, '-').constData(),
                QByteArray(9, '-').constData(), QByteArray(9, '-').constData(),
                QByteArray(14, '-').constData());
    std::fflush(stdout);

    // Plugin folder watched directly.
    {
        QTemporaryDir plugins;
        writeFile(plugins.filePath(QStringLiteral("greeter.so")), v1);
        HostProxy::Options options;
        options.pluginDirs = {plugins.path()};
        Console console(options);
        console.show();
        if (!waitUntil([&] { return console.shows(1, 1); }))
            qFatal("the console did not start on the greeter");

        Stats idle;
        for (int i = 0; i < reloads; ++i) {
            heartbeat.reset();
            waitUntil([] { return false; }, 250);
            idle.samples.append(heartbeat.worstMs());
        }
        printRow("idle (250 ms windows)", idle, {});

        const Result result = measure(console, heartbeat, reloads, [&](int version) {
            linkerWrite(plugins.filePath(QStringLiteral("greeter.so")), version == 1 ? v1 : v2);
        });
        printRow("plugin replaced (quiet period 100)", result.stall, result.latency);
        std::fflush(stdout);
    }

    // Source mode: a build streams its output into the console, then links.
    {
        QTemporaryDir project;
        QDir(project.path()).mkpath(QStringLiteral("src"));
        QDir(project.path()).mkpath(QStringLiteral("plugins"));
        writeFile(project.filePath(QStringLiteral("src/greeter.cpp")), "// v1\n");
        writeFile(project.filePath(QStringLiteral("plugins/greeter.so")), v1);
        writeFile(project.filePath(QStringLiteral("build.sh")),
                  QByteArrayLiteral(R"(#!/bin/sh
v=$(grep -o 'v[0-9]' src/greeter.cpp | head -n 1)
n=@LINES@
i=1
while [ $i -le $n ]; do
  echo "[$i/$n] Building CXX object CMakeFiles/greeter.dir/src/unit$i.cpp.o"
  if [ $((i % 100)) -eq 0 ]; then
    echo "$PWD/src/unit$i.cpp:$i:9: warning: unused variable 'x' [-Wunused-variable]"
  fi
  i=$((i + 1))
done
cp "@PLUGINS@/bench_greeter_$v.so" plugins/.greeter.so.tmp
mv plugins/.greeter.so.tmp plugins/greeter.so
)")
                      .replace("@LINES@", QByteArray::number(lines))
                      .replace("@PLUGINS@", BENCH_PLUGINS_DIR));

        ProjectConfig config;
        config.projectDir = project.path();
        config.pluginDirs = {project.filePath(QStringLiteral("plugins"))};
        config.sourceDirs = {project.filePath(QStringLiteral("src"))};
        config.includeGlobs = ProjectConfig::defaultIncludeGlobs();
        config.buildCommand
            = {QStringLiteral("/bin/sh"), project.filePath(QStringLiteral("build.sh"))};
        config.buildWorkingDir = project.path();
        HostProxy::Options options;
        options.pluginDirs = config.pluginDirs;
        options.quietPeriodMs = config.quietPeriodMs;
        Console console(options);
        SourceMode sourceMode(&console.engine, config);
        console.show(&sourceMode);
        sourceMode.start(false);
        if (!waitUntil([&] { return console.shows(1, 1); }))
            qFatal("the console did not start on the greeter");

        const Result result = measure(console, heartbeat, reloads, [&](int version) {
            writeFile(project.filePath(QStringLiteral("src/greeter.cpp")),
                      QStringLiteral("// v%1\n").arg(version).toUtf8());
        });
        const QByteArray name
            = QStringLiteral("source build, %1 lines streamed").arg(lines).toUtf8();
        printRow(name.constData(), result.stall, result.latency);
        std::fflush(stdout);
    }

#ifdef SLOW_ROUTE_PLUGIN
    // A route that takes 2 s: its code runs in the host, the console only waits for bytes.
    {
        QTemporaryDir plugins;
        writeFile(plugins.filePath(QStringLiteral("greeter.so")), readFile(SLOW_ROUTE_PLUGIN));
        HostProxy::Options options;
        options.pluginDirs = {plugins.path()};
        Console console(options);
        console.show();
        if (!waitUntil([&] { return console.window->reloadLog()->rowCount() >= 1; }))
            qFatal("the console did not start on the slow route");
        QNetworkAccessManager network;
        Stats stall;
        Stats latency;
        for (int i = 0; i < qMin(reloads, 5); ++i) {
            waitUntil([] { return false; }, 100);
            heartbeat.reset();
            QElapsedTimer clock;
            clock.start();
            QNetworkReply *reply = network.get(QNetworkRequest(console.engine.url()));
            if (!waitUntil([&] { return reply->isFinished(); }, 10000)
                || !reply->readAll().contains("slow"))
                qFatal("the slow route did not answer");
            reply->deleteLater();
            stall.samples.append(heartbeat.worstMs());
            latency.samples.append(clock.nsecsElapsed() / 1e6);
        }
        printRow("slow route (2 s) being served", stall, latency);
    }
#endif
    std::printf("\n\"to preview\": median ms from the change to the new text in the preview panel "
                "(quiet period and build included).\n");
    return 0;
}
