// graphbench: the component graph of a 1,000-component application (issue 12 part 4).
//
// 1. Layout (on the calling thread, as the worker does it): the application collapsed by plugin,
//    with one plugin open, and in full: by cluster (cold: nothing cached; warm: the plugins'
//    layouts cached) and as one dot run with clusters (what "by cluster" replaces).
// 2. The console's graph view, offscreen, with a 1 ms heartbeat timer on the UI thread: the
//    longest stall of the event loop and the time until the view shows the result, for opening
//    the application (collapsed), searching p25.c7 (expands p25, selects and centres it), a
//    reload that only changes states, Show neighbourhood (2 hops), Show all, Expand all.
//
// Usage: graphbench [plugins=50] [components-per-plugin=20] [runs=5]

#include "benchsupport.h"
#include "heartbeat.h"
#include "syntheticgraph.h"

#include <componentgraphlayout.h>
#include <componentgraphview.h>
#include <componentnodeitem.h>
#include <graphsearchbar.h>
#include <pluginclusters.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QLineEdit>
#include <QTimer>

#include <QFile>

#include <cstdio>
#include <ctime>
#include <functional>

using namespace qreload::app;
using namespace qreload::ui;
using bench::Heartbeat;
using bench::Stats;

namespace {

bool waitUntil(const std::function<bool()> &done, int timeoutMs = 60000)
{
    return bench::waitUntil(done, timeoutMs, 1);
}

//! CPU time of the calling thread, ms: the UI thread's own work, whatever the machine's load.
double threadCpuMs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

QByteArray loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return "?";
    return file.readAll().split(' ').mid(0, 3).join(' ');
}

void settle(int ms)
{
    waitUntil([] { return false; }, ms);
}

void layoutRow(const char *what, int nodes, const Stats &ms, const QString &engine)
{
    std::printf("| %-44s | %5d | %8.1f | %8.1f | %-16s |\n", what, nodes, ms.median(), ms.max(),
                qPrintable(engine));
    std::fflush(stdout);
}

void viewRow(const char *what, const Stats &stall, const Stats &cpu, const Stats &shown)
{
    std::printf("| %-44s | %4lld | %8.1f | %8.1f | %9.1f | %10.1f |\n", what,
                qint64(stall.samples.size()), stall.median(), stall.max(), cpu.median(),
                shown.median());
    std::fflush(stdout);
}

} // namespace

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &message) {
        if (type == QtCriticalMsg || type == QtFatalMsg)
            std::fprintf(stderr, "%s\n", qPrintable(message));
    });
    const QStringList args = app.arguments();
    const int plugins = args.size() > 1 ? args.at(1).toInt() : 50;
    const int perPlugin = args.size() > 2 ? args.at(2).toInt() : 20;
    const int runs = args.size() > 3 ? args.at(3).toInt() : 5;
    if (plugins < 2 || perPlugin < 1 || runs < 1) {
        std::fprintf(stderr, "usage: graphbench [plugins=50] [components-per-plugin=20] "
                             "[runs=5]\n");
        return 2;
    }
    const ComponentGraph graph = synthetic::graph(plugins, perPlugin);
    const QString middle = synthetic::key(plugins / 2, std::min(7, perPlugin - 1));
    std::printf("graphbench: %d plugins x %d components (%lld components, %lld dependencies), "
                "%d runs, %s\n\n",
                plugins, perPlugin, qint64(graph.nodes.size()), qint64(graph.links.size()), runs,
                qPrintable(QGuiApplication::platformName()));

    const QByteArray startLoad = loadAverage();
    // 1. Layouts.
    QHash<QString, QSizeF> sizes;
    const QFont font = QApplication::font();
    PluginClusters clusters;
    clusters.setAllCollapsed(false);
    const ComponentGraph full = clusters.apply(graph);
    for (const ComponentNode &node : full.nodes)
        sizes.insert(node.key, ComponentNodeItem::preferredSize(node, font));
    clusters.setAllCollapsed(true);
    const ComponentGraph collapsed = clusters.apply(graph);
    clusters.setCollapsed(synthetic::pluginFile(plugins / 2).section(QLatin1Char('/'), -1), false);
    const ComponentGraph oneOpen = clusters.apply(graph);
    for (const ComponentGraph *g : {&collapsed, &oneOpen}) {
        for (const ComponentNode &node : g->nodes)
            sizes.insert(node.key, ComponentNodeItem::preferredSize(node, font));
    }

    std::printf("| %-44s | %5s | %8s | %8s | %-16s |\n", "layout (ms, worker thread)", "nodes",
                "median", "max", "engine");
    std::printf("|%s|%s|%s|%s|%s|\n", QByteArray(46, '-').constData(),
                QByteArray(7, '-').constData(), QByteArray(10, '-').constData(),
                QByteArray(10, '-').constData(), QByteArray(18, '-').constData());
    const auto measureLayout
        = [&](const char *what, const ComponentGraph &g, const std::function<GraphLayout()> &run) {
              Stats ms;
              QString engine;
              for (int i = 0; i < runs; ++i) {
                  const GraphLayout layout = run();
                  ms.samples.append(layout.ms);
                  engine = layout.engine;
              }
              layoutRow(what, int(g.nodes.size()), ms, engine);
          };
    measureLayout("collapsed by plugin", collapsed,
                  [&] { return ComponentGraphLayout::compute(collapsed, sizes); });
    measureLayout("collapsed, one plugin open", oneOpen,
                  [&] { return ComponentGraphLayout::compute(oneOpen, sizes); });
    {
        // Cold: each run with other node sizes, so no plugin's layout is in the cache.
        Stats ms;
        QString engine;
        for (int i = 0; i < runs; ++i) {
            QHash<QString, QSizeF> other = sizes;
            for (QSizeF &size : other)
                size.rwidth() += 1 + i * 0.25 + 0.125;
            const GraphLayout layout = ComponentGraphLayout::compute(full, other);
            ms.samples.append(layout.ms);
            engine = layout.engine;
        }
        layoutRow("everything expanded, cold", int(full.nodes.size()), ms, engine);
    }
    measureLayout("everything expanded, warm (plugins cached)", full,
                  [&] { return ComponentGraphLayout::compute(full, sizes); });
    measureLayout("everything expanded, one dot run", full,
                  [&] { return ComponentGraphLayout::computeWhole(full, sizes); });

    // 2. The view.
    std::printf("\n| %-44s | %4s | %8s | %8s | %9s | %10s |\n", "graph view: longest UI stall (ms)",
                "n", "median", "max", "UI cpu", "shown (ms)");
    std::printf("|%s|%s|%s|%s|%s|%s|\n", QByteArray(46, '-').constData(),
                QByteArray(6, '-').constData(), QByteArray(10, '-').constData(),
                QByteArray(10, '-').constData(), QByteArray(11, '-').constData(),
                QByteArray(12, '-').constData());
    Heartbeat heartbeat;
    enum Step { Open, Search, Reload, Neighbourhood, ShowAll, ExpandAll, StepCount };
    const char *names[StepCount] = {"open the app (starts collapsed)",
                                    "search finds p<n/2>.c7 (expands its plugin)",
                                    "reload: states change, same graph",
                                    "show neighbourhood, 2 hops",
                                    "show all",
                                    "expand all plugins"};
    Stats stall[StepCount];
    Stats shown[StepCount];
    Stats cpu[StepCount];
    for (int run = 0; run < runs; ++run) {
        ComponentGraphView view;
        view.resize(1280, 760);
        view.show();
        GraphSearchBar search(&view);
        settle(100);
        const auto step = [&](Step which, const std::function<void()> &action,
                              const std::function<bool()> &done) {
            settle(50);
            heartbeat.reset();
            const double cpuBefore = threadCpuMs();
            QElapsedTimer clock;
            clock.start();
            action();
            if (!waitUntil([&] { return !view.isLayingOut() && done(); }))
                qFatal("%s: the view did not get there", names[which]);
            shown[which].samples.append(clock.nsecsElapsed() / 1e6);
            settle(100); // the paint that follows belongs to the step
            stall[which].samples.append(heartbeat.worstMs());
            // Minus the heartbeat's and the wait's own ticks: ~1 ms of CPU per 100 ms here.
            cpu[which].samples.append(threadCpuMs() - cpuBefore);
        };
        step(
            Open, [&] { view.setGraph(graph); },
            [&] {
                return view.nodeItem(ComponentGraph::pluginNodeKey(QStringLiteral("libp0.so")));
            });
        step(
            Search, [&] { search.field()->setText(middle); },
            [&] { return view.selectedKey() == middle; });
        ComponentGraph next = graph;
        next.generation = 2;
        for (ComponentNode &node : next.nodes) {
            node.kept = node.plugin() != QStringLiteral("libp0.so");
            node.recreated = !node.kept;
        }
        step(
            Reload, [&] { view.setGraph(next); },
            [&] { return view.shownGraph().generation == 2; });
        step(
            Neighbourhood, [&] { view.showNeighbourhood(middle, 2); },
            [&] { return view.shownGraph().nodes.size() < 20 && view.nodeItem(middle); });
        step(
            ShowAll, [&] { view.showAll(); },
            [&] { return view.neighbourhood().isEmpty() && view.nodeItem(middle); });
        step(
            ExpandAll, [&] { view.setAllPluginsCollapsed(false); },
            [&] { return view.shownGraph().nodes.size() == graph.nodes.size(); });
    }
    for (int i = 0; i < StepCount; ++i)
        viewRow(names[i], stall[i], cpu[i], shown[i]);
    std::printf("\n\"shown\": median ms from the action to the view showing its result (layout on "
                "the worker thread included); the stall includes the paint that follows; \"UI "
                "cpu\": median CPU ms the UI thread used for the step (paint and the bench's own "
                "1 ms timers included).\nLoad average at the start: %s, at the end: %s\n",
                startLoad.constData(), loadAverage().constData());
    return 0;
}
