#include <componentgraph.h>
#include <componentgraphlayout.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

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
    void fiveHundredComponentsLayOutQuickly();

    void snapshotDescribesTheContainer();
    void snapshotMarksAddedChangedAndRemoved();
    void snapshotMarksComponentsOfAFailedReload();
    void dotExportNamesEveryNodeAndEdge();
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
    QElapsedTimer timer;
    timer.start();
    const quint64 first = layouter.request(big);
    const quint64 second = layouter.request(chain(2, 2));
    const double requestMs = timer.nsecsElapsed() / 1e6;
    QVERIFY(layouter.isBusy());
    QVERIFY(second > first);
    // Handing over 400 nodes must not cost the caller a layout.
    QVERIFY2(requestMs < 20, qPrintable(QStringLiteral("request() took %1 ms").arg(requestMs)));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QTRY_VERIFY(!layouter.isBusy());
    QCOMPARE(finished.at(0).at(0).toULongLong(), second);
    QCOMPARE(finished.at(0).at(1).value<GraphLayout>().nodes.size(), 4);
    QTest::qWait(0);
    QCOMPARE(finished.count(), 1);
}

void tst_ComponentGraphLayout::fiveHundredComponentsLayOutQuickly()
{
    const ComponentGraph graph = chain(25, 20);
    QCOMPARE(graph.nodes.size(), 500);
    const GraphLayout layout = ComponentGraphLayout::compute(graph, {});
    qInfo("500 components, %lld edges: %s layout in %.1f ms", qlonglong(graph.links.size()),
          qPrintable(layout.engine), layout.ms);
    QCOMPARE(layout.nodes.size(), 500);
    QVERIFY2(layout.ms < 5000, qPrintable(QStringLiteral("%1 ms").arg(layout.ms)));
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

QTEST_GUILESS_MAIN(tst_ComponentGraphLayout)
#include "tst_componentgraphlayout.moc"
