#include "syntheticgraph.h"

#include <componentgraph.h>
#include <componentgraphlayout.h>
#include <componentneighbourhood.h>
#include <componentsearch.h>
#include <pluginclusters.h>

#include <QSignalSpy>
#include <QTest>

#include <tuple>

using namespace qreload;
using namespace qreload::app;

namespace {

ComponentGraph chain(int layers, int perLayer)
{
    // Layer 0 depends on nothing; every node of layer k depends on two nodes of layer k-1.
    ComponentGraph graph;
    graph.generation = 7;
    for (int layer = 0; layer < layers; ++layer) {
        for (int i = 0; i < perLayer; ++i) {
            ComponentNode node;
            node.key = QStringLiteral("c%1_%2").arg(layer).arg(i);
            graph.nodes.append(node);
            if (layer > 0) {
                for (int d : {i, (i + 1) % perLayer}) {
                    const QString to = QStringLiteral("c%1_%2").arg(layer - 1).arg(d);
                    graph.links.append(ComponentLink{node.key, to, to});
                }
            }
        }
    }
    return graph;
}

ComponentDescriptor descriptor(const QString &key, const QStringList &dependsOn = {},
                               Creation creation = Creation::Eager)
{
    ComponentDescriptor d;
    d.key = key;
    d.className = QStringLiteral("QObject");
    d.pluginFile = QStringLiteral("/plugins/%1.so").arg(key);
    d.creation = creation;
    for (const QString &dependency : dependsOn)
        d.dependencies.append(Dependency{Dependency::Kind::Component, dependency, {}});
    d.factory = [](Resolver &) {
        return new QObject;
    };
    return d;
}

} // namespace

class tst_ComponentGraphLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void layoutPlacesEveryNodeWithoutOverlap_data();
    void layoutPlacesEveryNodeWithoutOverlap();
    void dependentsAreAboveTheirDependencies_data();
    void dependentsAreAboveTheirDependencies();
    void edgesStartAndEndAtTheirNodes();
    void cycleStillLaysOut();
    void requestRunsOffTheCallingThreadAndDeliversOnlyTheNewest();
    void fiveHundredComponentsEachGetAPlace();

    void snapshotDescribesTheContainer();
    void snapshotMarksAddedChangedAndRemoved();
    void snapshotMarksComponentsOfAFailedReload();
    void dotExportNamesEveryNodeAndEdge();

    void dotGroupsComponentsByPluginInClusters();
    void layoutFramesEachPluginAroundItsComponents_data();
    void layoutFramesEachPluginAroundItsComponents();
    void collapsedPluginIsOneNodeWithAggregatedEdges();
    void largeAppsStartCollapsedAndChoicesSurviveANewGeneration();
    void neighbourhoodFollowsDependenciesAndDependents_data();
    void neighbourhoodFollowsDependenciesAndDependents();
    void searchMatchesKeysClassesAndInterfacesBestFirst();
    void snapshotMarksRecreatedAndKept();
    void thousandComponentsLayOutCollapsedAndExpanded();
    void longChainIsFoldedIntoColumns_data();
    void longChainIsFoldedIntoColumns();
};

void tst_ComponentGraphLayout::layoutPlacesEveryNodeWithoutOverlap_data()
{
    QTest::addColumn<bool>("graphviz");
    QTest::newRow("layered") << false;
    if (ComponentGraphLayout::graphvizAvailable())
        QTest::newRow("dot") << true;
}

void tst_ComponentGraphLayout::layoutPlacesEveryNodeWithoutOverlap()
{
    QFETCH(bool, graphviz);
    const ComponentGraph graph = chain(4, 5);
    QHash<QString, QSizeF> sizes;
    sizes.insert(QStringLiteral("c0_0"), QSizeF(300, 80));
    const GraphLayout layout = ComponentGraphLayout::compute(graph, sizes, graphviz);
    QCOMPARE(layout.engine, graphviz ? QStringLiteral("dot") : QStringLiteral("layered"));
    QCOMPARE(layout.generation, 7u);
    QCOMPARE(layout.nodes.size(), graph.nodes.size());
    QCOMPARE(layout.nodes.value(QStringLiteral("c0_0")).size(), QSizeF(300, 80));
    QCOMPARE(layout.nodes.value(QStringLiteral("c1_0")).size(),
             ComponentGraphLayout::defaultNodeSize());
    const QList<QRectF> rects = layout.nodes.values();
    for (int i = 0; i < rects.size(); ++i) {
        QVERIFY(layout.bounds.adjusted(-1, -1, 1, 1).contains(rects.at(i)));
        for (int j = i + 1; j < rects.size(); ++j)
            QVERIFY2(!rects.at(i).intersects(rects.at(j)), "two nodes overlap");
    }
}

void tst_ComponentGraphLayout::dependentsAreAboveTheirDependencies_data()
{
    layoutPlacesEveryNodeWithoutOverlap_data();
}

void tst_ComponentGraphLayout::dependentsAreAboveTheirDependencies()
{
    QFETCH(bool, graphviz);
    const ComponentGraph graph = chain(3, 3);
    const GraphLayout layout = ComponentGraphLayout::compute(graph, {}, graphviz);
    for (const ComponentLink &link : graph.links) {
        QVERIFY2(layout.nodes.value(link.from).bottom() < layout.nodes.value(link.to).top(),
                 qPrintable(link.from + QStringLiteral(" is not above ") + link.to));
    }
}

void tst_ComponentGraphLayout::edgesStartAndEndAtTheirNodes()
{
    const ComponentGraph graph = chain(2, 2);
    for (bool graphviz : {false, ComponentGraphLayout::graphvizAvailable()}) {
        const GraphLayout layout = ComponentGraphLayout::compute(graph, {}, graphviz);
        QCOMPARE(layout.edges.size(), graph.links.size());
        for (const GraphLayout::Edge &edge : layout.edges) {
            QVERIFY(edge.spline.size() >= 4);
            QCOMPARE((edge.spline.size() - 1) % 3, 0);
            const QRectF from = layout.nodes.value(edge.from).adjusted(-2, -2, 2, 2);
            const QRectF to = layout.nodes.value(edge.to).adjusted(-12, -12, 12, 12);
            QVERIFY(from.contains(edge.spline.constFirst()));
            QVERIFY(to.contains(edge.arrowTip.value_or(edge.spline.constLast())));
        }
    }
}

void tst_ComponentGraphLayout::cycleStillLaysOut()
{
    ComponentGraph graph;
    for (const char *key : {"a", "b", "c"}) {
        ComponentNode node;
        node.key = QString::fromLatin1(key);
        graph.nodes.append(node);
    }
    graph.links = {{QStringLiteral("a"), QStringLiteral("b"), {}},
                   {QStringLiteral("b"), QStringLiteral("c"), {}},
                   {QStringLiteral("c"), QStringLiteral("a"), {}}};
    for (bool graphviz : {false, ComponentGraphLayout::graphvizAvailable()})
        QCOMPARE(ComponentGraphLayout::compute(graph, {}, graphviz).nodes.size(), 3);
}

void tst_ComponentGraphLayout::requestRunsOffTheCallingThreadAndDeliversOnlyTheNewest()
{
    ComponentGraphLayout layouter;
    QSignalSpy finished(&layouter, &ComponentGraphLayout::finished);
    ComponentGraph big = chain(20, 20);
    const quint64 first = layouter.request(big);
    const quint64 second = layouter.request(chain(2, 2));
    // Handing over 400 nodes does not lay them out on the caller's thread: request() returns
    // with the work still under way and nothing delivered (finished is queued to this thread).
    QVERIFY(layouter.isBusy());
    QCOMPARE(finished.count(), 0);
    QVERIFY(second > first);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QTRY_VERIFY(!layouter.isBusy());
    QCOMPARE(finished.at(0).at(0).toULongLong(), second);
    QCOMPARE(finished.at(0).at(1).value<GraphLayout>().nodes.size(), 4);
    QTest::qWait(0);
    QCOMPARE(finished.count(), 1);
}

void tst_ComponentGraphLayout::fiveHundredComponentsEachGetAPlace()
{
    const ComponentGraph graph = chain(25, 20);
    QCOMPARE(graph.nodes.size(), 500);
    const GraphLayout layout = ComponentGraphLayout::compute(graph, {});
    qInfo("500 components, %lld edges: %s layout in %.1f ms", qlonglong(graph.links.size()),
          qPrintable(layout.engine), layout.ms);
    QCOMPARE(layout.nodes.size(), 500);
    // Every component gets a place of its own (its time is graphbench's business).
    const QList<QRectF> rects = layout.nodes.values();
    for (qsizetype i = 0; i < rects.size(); ++i) {
        for (qsizetype j = i + 1; j < rects.size(); ++j)
            QVERIFY2(!rects.at(i).intersects(rects.at(j)), "two nodes overlap");
    }
}

void tst_ComponentGraphLayout::snapshotDescribesTheContainer()
{
    Container container;
    container.add(descriptor(QStringLiteral("repo")));
    container.add(descriptor(QStringLiteral("service"), {QStringLiteral("repo")}));
    container.add(descriptor(QStringLiteral("report"), {QStringLiteral("repo")}, Creation::Lazy));
    QVERIFY(container.start().ok());
    const ComponentGraph graph = ComponentGraph::snapshot(container, 3);
    QCOMPARE(graph.generation, 3u);
    QCOMPARE(graph.nodes.size(), 3);
    QCOMPARE(graph.links.size(), 2);
    QVERIFY(graph.node(QStringLiteral("service"))->created);
    QCOMPARE(graph.node(QStringLiteral("service"))->dependencies,
             QStringList{QStringLiteral("repo")});
    QVERIFY(!graph.node(QStringLiteral("report"))->created);
    QCOMPARE(graph.node(QStringLiteral("report"))->stateName(), QStringLiteral("lazy"));
    QCOMPARE(graph.node(QStringLiteral("repo"))->stateName(), QStringLiteral("created"));
    QVERIFY(container.get(QStringLiteral("report")).ok());
    QVERIFY(ComponentGraph::snapshot(container, 3).node(QStringLiteral("report"))->created);
    container.shutdown();
}

void tst_ComponentGraphLayout::snapshotMarksAddedChangedAndRemoved()
{
    Container before;
    before.add(descriptor(QStringLiteral("repo")));
    before.add(descriptor(QStringLiteral("legacy"), {QStringLiteral("repo")}));
    QVERIFY(before.start().ok());
    const ComponentGraph previous = ComponentGraph::snapshot(before, 1);

    Container after;
    after.add(descriptor(QStringLiteral("repo")));
    after.add(descriptor(QStringLiteral("service"), {QStringLiteral("repo")}));
    QVERIFY(after.start().ok());
    ReloadRecord record;
    record.cause = ReloadCause::Files;
    record.outcome = ReloadOutcome::Succeeded;
    record.generationBefore = 1;
    record.generationAfter = 2;
    record.added = {QStringLiteral("service")};
    record.removed = {QStringLiteral("legacy")};
    record.changed = {QStringLiteral("repo")};

    const ComponentGraph graph = ComponentGraph::snapshot(after, 2, &record, &previous);
    QCOMPARE(graph.nodes.size(), 3);
    QVERIFY(graph.node(QStringLiteral("service"))->added);
    QVERIFY(graph.node(QStringLiteral("repo"))->changed);
    const ComponentNode *legacy = graph.node(QStringLiteral("legacy"));
    QVERIFY(legacy);
    QVERIFY(legacy->removed);
    QCOMPARE(legacy->stateName(), QStringLiteral("removed"));
    bool fadedLink = false;
    for (const ComponentLink &link : graph.links)
        fadedLink |= link.from == QLatin1String("legacy") && link.removed;
    QVERIFY(fadedLink);

    // The first generation does not badge everything as new.
    record.cause = ReloadCause::Startup;
    record.generationBefore = 0;
    QVERIFY(!ComponentGraph::snapshot(after, 2, &record).node(QStringLiteral("service"))->added);
    before.shutdown();
    after.shutdown();
}

void tst_ComponentGraphLayout::snapshotMarksComponentsOfAFailedReload()
{
    Container container;
    container.add(descriptor(QStringLiteral("app.services.MyService")));
    QVERIFY(container.start().ok());
    ReloadRecord record;
    record.outcome = ReloadOutcome::Failed;
    record.generationBefore = record.generationAfter = 1;
    record.errors
        = {Error(Error::Reason::ConstructionFailed, QStringLiteral("database unreachable"),
                 QStringLiteral("app.services.MyService")),
           Error(Error::Reason::MissingDependency, QStringLiteral("needs shop.Repo"),
                 QStringLiteral("shop.Orders"), QStringLiteral("/p/shop.so"))};
    const ComponentGraph graph = ComponentGraph::snapshot(container, 1, &record);
    const ComponentNode *service = graph.node(QStringLiteral("app.services.MyService"));
    QVERIFY(service->failed);
    QVERIFY(service->created); // the old instance keeps serving
    QCOMPARE(service->failure, QStringLiteral("database unreachable"));
    const ComponentNode *orders = graph.node(QStringLiteral("shop.Orders"));
    QVERIFY(orders);
    QVERIFY(orders->failed);
    QCOMPARE(orders->pluginFile, QStringLiteral("/p/shop.so"));
    container.shutdown();
}

void tst_ComponentGraphLayout::dotExportNamesEveryNodeAndEdge()
{
    const ComponentGraph graph = chain(2, 2);
    const QString dot = graph.toDot();
    QVERIFY(dot.startsWith(QStringLiteral("digraph generation_7 {")));
    QVERIFY(dot.contains(QStringLiteral("\"c1_0\" -> \"c0_0\"")));
    QVERIFY(dot.contains(QStringLiteral("\"c1_1\" -> \"c0_0\"")));
    QVERIFY(dot.trimmed().endsWith(QLatin1Char('}')));
}

void tst_ComponentGraphLayout::dotGroupsComponentsByPluginInClusters()
{
    const ComponentGraph graph = synthetic::graph(3, 4);
    const QString dot = graph.toDot();
    QCOMPARE(dot.count(QStringLiteral("subgraph cluster_")), 3);
    // Each cluster is labelled with its plugin and holds exactly that plugin's components.
    for (int p = 0; p < 3; ++p) {
        const int start = dot.indexOf(QStringLiteral("subgraph cluster_%1 {").arg(p));
        QVERIFY(start >= 0);
        const int end = dot.indexOf(QStringLiteral("    }\n"), start);
        const QString cluster = dot.mid(start, end - start);
        QVERIFY(cluster.contains(QStringLiteral("label=\"libp%1.so\"").arg(p)));
        for (int c = 0; c < 4; ++c)
            QVERIFY(cluster.contains(QStringLiteral("\"p%1.c%2\" [").arg(p).arg(c)));
        QVERIFY(!cluster.contains(QStringLiteral("\"p%1.c0\" [").arg((p + 1) % 3)));
    }
    // One plugin: no frame around everything.
    QVERIFY(!synthetic::graph(1, 4).toDot().contains(QStringLiteral("subgraph")));
}

void tst_ComponentGraphLayout::layoutFramesEachPluginAroundItsComponents_data()
{
    layoutPlacesEveryNodeWithoutOverlap_data();
}

void tst_ComponentGraphLayout::layoutFramesEachPluginAroundItsComponents()
{
    QFETCH(bool, graphviz);
    const ComponentGraph graph = synthetic::graph(4, 6);
    const GraphLayout layout = ComponentGraphLayout::compute(graph, {}, graphviz);
    QCOMPARE(layout.clusters.size(), 4);
    for (const ComponentNode &node : graph.nodes) {
        const QRectF frame = layout.clusters.value(node.plugin());
        QVERIFY2(frame.contains(layout.nodes.value(node.key)), qPrintable(node.key));
        QVERIFY(layout.bounds.adjusted(-1, -1, 1, 1).contains(frame));
    }
    if (graphviz) {
        // dot keeps clusters apart: no frame overlaps another, no node sits in a foreign frame.
        const QStringList plugins = layout.clusters.keys();
        for (int i = 0; i < plugins.size(); ++i) {
            for (int j = i + 1; j < plugins.size(); ++j)
                QVERIFY(!layout.clusters.value(plugins.at(i))
                             .intersects(layout.clusters.value(plugins.at(j))));
        }
    }
    // A collapsed plugin is a node outside every frame.
    PluginClusters clusters;
    clusters.setCollapsed(QStringLiteral("libp1.so"), true);
    const GraphLayout collapsed
        = ComponentGraphLayout::compute(clusters.apply(graph), {}, graphviz);
    QCOMPARE(collapsed.clusters.size(), 3);
    QVERIFY(!collapsed.clusters.contains(QStringLiteral("libp1.so")));
    QVERIFY(collapsed.nodes.contains(ComponentGraph::pluginNodeKey(QStringLiteral("libp1.so"))));
}

void tst_ComponentGraphLayout::collapsedPluginIsOneNodeWithAggregatedEdges()
{
    // a.x and a.y (plugin A) both depend on b.z and b.w (plugin B); b.w depends on b.z.
    ComponentGraph graph;
    graph.generation = 3;
    const auto add = [&graph](const QString &key, const QString &plugin, bool changed = false) {
        ComponentNode node;
        node.key = key;
        node.pluginFile = QStringLiteral("/plugins/%1.so").arg(plugin);
        node.created = true;
        node.changed = changed;
        node.recreated = changed;
        graph.nodes.append(node);
    };
    add(QStringLiteral("a.x"), QStringLiteral("A"));
    add(QStringLiteral("a.y"), QStringLiteral("A"));
    add(QStringLiteral("b.z"), QStringLiteral("B"), true);
    add(QStringLiteral("b.w"), QStringLiteral("B"));
    for (const char *from : {"a.x", "a.y"}) {
        for (const char *to : {"b.z", "b.w"})
            graph.links.append({QString::fromLatin1(from), QString::fromLatin1(to), {}});
    }
    graph.links.append({QStringLiteral("b.w"), QStringLiteral("b.z"), QStringLiteral("b.z")});

    PluginClusters clusters;
    QCOMPARE(clusters.apply(graph).nodes.size(), 4); // small: expanded
    clusters.setCollapsed(QStringLiteral("B.so"), true);
    QVERIFY(clusters.isCollapsed(QStringLiteral("B.so"), 4));
    const ComponentGraph oneB = clusters.apply(graph);
    QCOMPARE(oneB.nodes.size(), 3);
    const QString b = ComponentGraph::pluginNodeKey(QStringLiteral("B.so"));
    const ComponentNode *bNode = oneB.node(b);
    QVERIFY(bNode);
    QVERIFY(bNode->isPlugin());
    QCOMPARE(bNode->plugin(), QStringLiteral("B.so"));
    QCOMPARE(bNode->members.components, 2);
    QCOMPARE(bNode->members.changed, 1);
    QVERIFY(bNode->changed);
    // a.x -> {b.z, b.w} is one edge standing for two; b.w -> b.z is inside B and gone.
    QCOMPARE(oneB.links.size(), 2);
    for (const ComponentLink &link : oneB.links) {
        QCOMPARE(link.to, b);
        QCOMPARE(link.count, 2);
    }
    QVERIFY(oneB.toDot().contains(QStringLiteral("label=\"2 dependencies\"")));

    clusters.setCollapsed(QStringLiteral("A.so"), true);
    const ComponentGraph both = clusters.apply(graph);
    QCOMPARE(both.nodes.size(), 2);
    QCOMPARE(both.links.size(), 1);
    QCOMPARE(both.links.constFirst().count, 4);

    clusters.setCollapsed(QStringLiteral("B.so"), false);
    clusters.setCollapsed(QStringLiteral("A.so"), false);
    const ComponentGraph expanded = clusters.apply(graph);
    QCOMPARE(expanded.nodes.size(), 4);
    QCOMPARE(expanded.links.size(), 5);
}

void tst_ComponentGraphLayout::largeAppsStartCollapsedAndChoicesSurviveANewGeneration()
{
    QCOMPARE(PluginClusters::DefaultCollapseThreshold, 200);
    PluginClusters clusters;
    // 200 components: drawn in full; 201: one node per plugin.
    QCOMPARE(clusters.apply(synthetic::graph(10, 20)).nodes.size(), 200);
    ComponentGraph big = synthetic::graph(10, 20);
    ComponentNode extra = big.nodes.constLast();
    extra.key = QStringLiteral("p9.extra");
    big.nodes.append(extra);
    const ComponentGraph drawn = clusters.apply(big);
    QCOMPARE(drawn.nodes.size(), 10);
    for (const ComponentNode &node : drawn.nodes)
        QVERIFY(node.isPlugin());
    QCOMPARE(
        drawn.node(ComponentGraph::pluginNodeKey(QStringLiteral("libp9.so")))->members.components,
        21);

    // The user opens p3 and the next generation (one more component) keeps it open.
    clusters.setCollapsed(QStringLiteral("libp3.so"), false);
    ComponentGraph next = big;
    next.generation = 2;
    extra.key = QStringLiteral("p9.extra2");
    next.nodes.append(extra);
    const ComponentGraph again = clusters.apply(next);
    QCOMPARE(again.nodes.size(), 9 + 20);
    QVERIFY(again.node(QStringLiteral("p3.c7")));
    QVERIFY(!again.node(QStringLiteral("p4.c7")));

    clusters.setAllCollapsed(false);
    QCOMPARE(clusters.apply(next).nodes.size(), 202);
    clusters.setCollapsed(QStringLiteral("libp0.so"), true);
    QCOMPARE(clusters.apply(next).nodes.size(), 202 - 20 + 1);
    clusters.reset();
    QCOMPARE(clusters.apply(next).nodes.size(), 10);
    clusters.setCollapseThreshold(1000);
    QCOMPARE(clusters.apply(next).nodes.size(), 202);
}

void tst_ComponentGraphLayout::neighbourhoodFollowsDependenciesAndDependents_data()
{
    QTest::addColumn<int>("hops");
    QTest::addColumn<QStringList>("expected");
    // Chain within p1: c4 -> c3 -> c2 -> c1 -> c0, and c3 -> c0 (every third).
    QTest::newRow("1 hop") << 1
                           << QStringList{QStringLiteral("p1.c2"), QStringLiteral("p1.c1"),
                                          QStringLiteral("p1.c3")};
    QTest::newRow("2 hops") << 2
                            << QStringList{QStringLiteral("p1.c2"), QStringLiteral("p1.c1"),
                                           QStringLiteral("p1.c0"), QStringLiteral("p1.c3"),
                                           QStringLiteral("p1.c4")};
}

void tst_ComponentGraphLayout::neighbourhoodFollowsDependenciesAndDependents()
{
    QFETCH(int, hops);
    QFETCH(QStringList, expected);
    // p1: c4 -> c3 -> c2 -> c1 -> c0 (and c3 -> c0); p1.c0 depends on a component of p0.
    ComponentGraph graph = synthetic::graph(2, 5);
    // Another component also depends on p1.c1: a sibling of p1.c2, not a neighbour.
    ComponentNode sibling;
    sibling.key = QStringLiteral("q.sibling");
    graph.nodes.append(sibling);
    graph.links.append({sibling.key, QStringLiteral("p1.c1"), {}});

    const ComponentNeighbourhood around{QStringLiteral("p1.c2"), hops};
    const QSet<QString> keys = around.keys(graph);
    QCOMPARE(keys, QSet<QString>(expected.cbegin(), expected.cend()));
    const ComponentGraph shown = around.apply(graph);
    QCOMPARE(shown.nodes.size(), expected.size());
    for (const ComponentLink &link : shown.links)
        QVERIFY(keys.contains(link.from) && keys.contains(link.to));
    QVERIFY(!shown.links.isEmpty());
    const ComponentNeighbourhood nowhere{QStringLiteral("no.such"), 1};
    QVERIFY(nowhere.apply(graph).nodes.isEmpty());
    QCOMPARE(ComponentNeighbourhood().apply(graph).nodes.size(), graph.nodes.size());
}

void tst_ComponentGraphLayout::searchMatchesKeysClassesAndInterfacesBestFirst()
{
    const ComponentGraph graph = synthetic::graph(30, 20);
    // The exact key first, then keys that start with it (p25.c7 is not p25.c17).
    QCOMPARE(ComponentSearch::matches(graph, QStringLiteral("p25.c7")),
             QStringList{QStringLiteral("p25.c7")});
    QCOMPARE(ComponentSearch::matches(graph, QStringLiteral("P25.C1")).size(), 11); // c1, c10-19
    QCOMPARE(ComponentSearch::matches(graph, QStringLiteral("P25.C1")).constFirst(),
             QStringLiteral("p25.c1"));
    // Class names, case-insensitive.
    QCOMPARE(ComponentSearch::matches(graph, QStringLiteral("p7component19")),
             QStringList{QStringLiteral("p7.c19")});
    // Interfaces: every plugin's c0 provides IStore.
    const QStringList stores = ComponentSearch::matches(graph, QStringLiteral("istore"));
    QCOMPARE(stores.size(), 30);
    QCOMPARE(stores.constFirst(), QStringLiteral("p0.c0"));
    // Keys rank before classes, classes before interfaces.
    ComponentGraph mixed;
    for (const auto &[key, cls, iid] :
         {std::tuple{"a.Other", "Unrelated", "org.example.Cart"}, std::tuple{"b.x", "Cart", ""},
          std::tuple{"cart", "X", ""}, std::tuple{"shop.cart", "Y", ""}}) {
        ComponentNode node;
        node.key = QString::fromLatin1(key);
        node.className = QString::fromLatin1(cls);
        if (*iid)
            node.interfaces = {QString::fromLatin1(iid)};
        mixed.nodes.append(node);
    }
    QCOMPARE(ComponentSearch::matches(mixed, QStringLiteral("Cart")),
             (QStringList{QStringLiteral("cart"), QStringLiteral("shop.cart"),
                          QStringLiteral("b.x"), QStringLiteral("a.Other")}));
    QVERIFY(ComponentSearch::matches(graph, QStringLiteral("  ")).isEmpty());
    QVERIFY(ComponentSearch::matches(graph, QStringLiteral("nothing-like-it")).isEmpty());
}

void tst_ComponentGraphLayout::snapshotMarksRecreatedAndKept()
{
    Container container;
    container.add(descriptor(QStringLiteral("repo")));
    container.add(descriptor(QStringLiteral("service"), {QStringLiteral("repo")}));
    container.add(descriptor(QStringLiteral("report"), {QStringLiteral("service")}));
    container.add(descriptor(QStringLiteral("audit")));
    container.add(descriptor(QStringLiteral("fresh")));
    QVERIFY(container.start().ok());
    ReloadRecord record;
    record.cause = ReloadCause::Files;
    record.outcome = ReloadOutcome::Succeeded;
    record.generationBefore = 4;
    record.generationAfter = 5;
    record.changed = {QStringLiteral("repo")};
    record.added = {QStringLiteral("fresh")};
    record.recreated = {QStringLiteral("repo"), QStringLiteral("service"), QStringLiteral("report"),
                        QStringLiteral("fresh")};
    record.kept = {QStringLiteral("audit")};
    const ComponentGraph graph = ComponentGraph::snapshot(container, 5, &record);
    QVERIFY(graph.node(QStringLiteral("repo"))->changed);
    QVERIFY(graph.node(QStringLiteral("repo"))->recreated);
    QVERIFY(!graph.node(QStringLiteral("service"))->changed);
    QVERIFY(graph.node(QStringLiteral("service"))->recreated);
    QVERIFY(graph.node(QStringLiteral("report"))->recreated);
    QVERIFY(!graph.node(QStringLiteral("report"))->kept);
    QVERIFY(graph.node(QStringLiteral("audit"))->kept);
    QVERIFY(!graph.node(QStringLiteral("audit"))->recreated);
    // New is new, not "recreated".
    QVERIFY(graph.node(QStringLiteral("fresh"))->added);
    QVERIFY(!graph.node(QStringLiteral("fresh"))->recreated);
    // A record from a host that does not say (older protocol): nothing is claimed.
    record.recreated.clear();
    record.kept.clear();
    const ComponentGraph silent = ComponentGraph::snapshot(container, 5, &record);
    for (const ComponentNode &node : silent.nodes)
        QVERIFY(!node.recreated && !node.kept);
    container.shutdown();
}

void tst_ComponentGraphLayout::thousandComponentsLayOutCollapsedAndExpanded()
{
    // The 50 x 20 application: collapsed to 50 plugin nodes, and in full with 50 clusters.
    const ComponentGraph graph = synthetic::graph(50, 20);
    QCOMPARE(graph.nodes.size(), 1000);
    PluginClusters clusters;
    const GraphLayout collapsed = ComponentGraphLayout::compute(clusters.apply(graph), {});
    QCOMPARE(collapsed.nodes.size(), 50);
    QVERIFY(collapsed.clusters.isEmpty());
    clusters.setAllCollapsed(false);
    const GraphLayout full = ComponentGraphLayout::compute(clusters.apply(graph), {});
    QCOMPARE(full.nodes.size(), 1000);
    QCOMPARE(full.clusters.size(), 50);
    qInfo("1000 components in 50 plugins: collapsed %s %.1f ms, expanded %s %.1f ms",
          qPrintable(collapsed.engine), collapsed.ms, qPrintable(full.engine), full.ms);
}

void tst_ComponentGraphLayout::longChainIsFoldedIntoColumns_data()
{
    layoutPlacesEveryNodeWithoutOverlap_data();
}

void tst_ComponentGraphLayout::longChainIsFoldedIntoColumns()
{
    // 40 plugins, each depending on the one before (the scale app's shape, collapsed): one
    // column 40 boxes high unless folded.
    QFETCH(bool, graphviz);
    ComponentGraph graph;
    for (int i = 0; i < 40; ++i) {
        ComponentNode node;
        node.key = QStringLiteral("stage%1").arg(i);
        graph.nodes.append(node);
        if (i > 0)
            graph.links.append({node.key, QStringLiteral("stage%1").arg(i - 1), {}});
    }
    const GraphLayout layout = ComponentGraphLayout::compute(graph, {}, graphviz);
    QCOMPARE(layout.nodes.size(), 40);
    QVERIFY2(layout.bounds.height() < 1.5 * layout.bounds.width(),
             qPrintable(
                 QStringLiteral("%1 x %2").arg(layout.bounds.width()).arg(layout.bounds.height())));
    const QList<QRectF> rects = layout.nodes.values();
    for (int i = 0; i < rects.size(); ++i) {
        QVERIFY(layout.bounds.adjusted(-1, -1, 1, 1).contains(rects.at(i)));
        for (int j = i + 1; j < rects.size(); ++j)
            QVERIFY2(!rects.at(i).intersects(rects.at(j)), "two nodes overlap");
    }
    QCOMPARE(layout.edges.size(), 39);
    for (const GraphLayout::Edge &edge : layout.edges) {
        const QRectF from = layout.nodes.value(edge.from).adjusted(-2, -2, 2, 2);
        const QRectF to = layout.nodes.value(edge.to).adjusted(-12, -12, 12, 12);
        QVERIFY(from.contains(edge.spline.constFirst()));
        QVERIFY(to.contains(edge.arrowTip.value_or(edge.spline.constLast())));
    }
}

QTEST_GUILESS_MAIN(tst_ComponentGraphLayout)
#include "tst_componentgraphlayout.moc"
