// The graph tools for large applications (issue 12 part 4), on synthetic graphs (no plugin
// loaded): plugins framed and collapsed, the search box, the neighbourhood, the last reload's
// highlights, and a large application opening collapsed.
#include "syntheticgraph.h"

#include <componentgraphview.h>
#include <componentnodeitem.h>
#include <graphsearchbar.h>
#include <pluginclusteritem.h>

#include <QAction>
#include <QImage>
#include <QLayout>
#include <QLineEdit>
#include <QMenu>
#include <QSignalSpy>
#include <QTest>

using namespace qreload;
using namespace qreload::app;
using namespace qreload::ui;

namespace {

QString plugin(int p)
{
    return QStringLiteral("libp%1.so").arg(p);
}

QString pluginNode(int p)
{
    return ComponentGraph::pluginNodeKey(plugin(p));
}

//! The view's viewport shows `item`, near its middle.
bool centredOn(ComponentGraphView &view, QGraphicsItem *item)
{
    const QPoint centre = view.mapFromScene(item->sceneBoundingRect().center());
    const QRect viewport = view.viewport()->rect();
    return viewport.contains(centre)
           && (centre - viewport.center()).manhattanLength() < viewport.width() / 4;
}

bool hasColour(const QImage &image, const QColor &colour)
{
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            if (image.pixelColor(x, y).rgb() == colour.rgb())
                return true;
        }
    }
    return false;
}

QAction *action(QMenu *menu, const char *name)
{
    for (QAction *a : menu->actions()) {
        if (a->objectName() == QLatin1String(name))
            return a;
    }
    return nullptr;
}

} // namespace

class tst_GraphTools : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void pluginsAreFramedAndCollapseAndExpandByDoubleClick();
    void contextMenuCollapsesExpandsAndShowsNeighbourhood();
    void largeAppStartsCollapsedAndChoicesSurviveReloads();
    void searchSelectsCentresAndCyclesThroughMatches();
    void searchExpandsTheCollapsedPluginOfAMatch();
    void neighbourhoodShowsOneOrTwoHopsAndShowAllReturns();
    void lastReloadIsHighlightedOnComponentsAndCollapsedPlugins();

private:
    void show(const ComponentGraph &graph);
    void waitShown();

    std::unique_ptr<ComponentGraphView> m_view;
    std::unique_ptr<QSignalSpy> m_shown;
};

void tst_GraphTools::init()
{
    m_view = std::make_unique<ComponentGraphView>();
    m_view->resize(900, 650);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    m_shown = std::make_unique<QSignalSpy>(m_view.get(), &ComponentGraphView::graphShown);
}

void tst_GraphTools::cleanup()
{
    m_shown.reset();
    m_view.reset();
}

void tst_GraphTools::waitShown()
{
    QTRY_VERIFY(!m_shown->isEmpty() && !m_view->isLayingOut());
    m_shown->clear();
}

void tst_GraphTools::show(const ComponentGraph &graph)
{
    m_shown->clear();
    m_view->setGraph(graph);
    waitShown();
}

void tst_GraphTools::pluginsAreFramedAndCollapseAndExpandByDoubleClick()
{
    show(synthetic::graph(3, 4));
    // Small: everything drawn, each plugin in its frame around its components.
    for (int p = 0; p < 3; ++p) {
        PluginClusterItem *frame = m_view->clusterItem(plugin(p));
        QVERIFY(frame);
        for (int c = 0; c < 4; ++c) {
            ComponentNodeItem *item = m_view->nodeItem(synthetic::key(p, c));
            QVERIFY(item);
            QVERIFY(frame->frame().contains(item->sceneBoundingRect().adjusted(3, 10, -3, -3)));
        }
    }
    QVERIFY(!m_view->nodeItem(pluginNode(1)));

    // Double-click p1's frame (its title band): p1 becomes one node.
    PluginClusterItem *frame = m_view->clusterItem(plugin(1));
    const QPoint title = m_view->mapFromScene(frame->frame().topLeft() + QPointF(30, 8));
    QTest::mouseDClick(m_view->viewport(), Qt::LeftButton, {}, title);
    waitShown();
    QVERIFY(m_view->isPluginCollapsed(plugin(1)));
    QVERIFY(!m_view->clusterItem(plugin(1)));
    QVERIFY(!m_view->nodeItem(QStringLiteral("p1.c0")));
    ComponentNodeItem *collapsed = m_view->nodeItem(pluginNode(1));
    QVERIFY(collapsed);
    QVERIFY(collapsed->node().isPlugin());
    QCOMPARE(collapsed->node().members.components, 4);
    QCOMPARE(m_view->shownGraph().nodes.size(), 2 * 4 + 1);

    // Double-click the plugin node: expanded again.
    const QPoint centre = m_view->mapFromScene(collapsed->sceneBoundingRect().center());
    QTest::mouseDClick(m_view->viewport(), Qt::LeftButton, {}, centre);
    waitShown();
    QVERIFY(!m_view->isPluginCollapsed(plugin(1)));
    QVERIFY(m_view->nodeItem(QStringLiteral("p1.c0")));
    QVERIFY(m_view->clusterItem(plugin(1)));
    QCOMPARE(m_view->shownGraph().nodes.size(), 12);
}

void tst_GraphTools::contextMenuCollapsesExpandsAndShowsNeighbourhood()
{
    show(synthetic::graph(3, 4));
    std::unique_ptr<QMenu> menu(
        m_view->createContextMenu(m_view->nodeItem(QStringLiteral("p2.c1")), nullptr));
    QAction *collapse = action(menu.get(), "collapsePluginAction");
    QVERIFY(collapse);
    QVERIFY(collapse->text().contains(plugin(2)));
    QVERIFY(action(menu.get(), "neighbourhood1Action"));
    QVERIFY(action(menu.get(), "neighbourhood2Action"));
    QVERIFY(!action(menu.get(), "showAllAction")->isEnabled());
    collapse->trigger();
    waitShown();
    QVERIFY(m_view->nodeItem(pluginNode(2)));

    menu.reset(m_view->createContextMenu(m_view->nodeItem(pluginNode(2)), nullptr));
    QVERIFY(!action(menu.get(), "collapsePluginAction"));
    action(menu.get(), "expandPluginAction")->trigger();
    waitShown();
    QVERIFY(m_view->nodeItem(QStringLiteral("p2.c1")));

    menu.reset(m_view->createContextMenu(nullptr, nullptr));
    action(menu.get(), "collapseAllAction")->trigger();
    waitShown();
    QCOMPARE(m_view->shownGraph().nodes.size(), 3);
    menu.reset(m_view->createContextMenu(nullptr, nullptr));
    action(menu.get(), "expandAllAction")->trigger();
    waitShown();
    QCOMPARE(m_view->shownGraph().nodes.size(), 12);

    menu.reset(m_view->createContextMenu(m_view->nodeItem(QStringLiteral("p2.c1")), nullptr));
    action(menu.get(), "neighbourhood1Action")->trigger();
    waitShown();
    QCOMPARE(m_view->neighbourhood().key, QStringLiteral("p2.c1"));
    QCOMPARE(m_view->neighbourhood().hops, 1);
    menu.reset(m_view->createContextMenu(nullptr, nullptr));
    QVERIFY(action(menu.get(), "showAllAction")->isEnabled());
    action(menu.get(), "showAllAction")->trigger();
    waitShown();
    QVERIFY(m_view->neighbourhood().isEmpty());
    QCOMPARE(m_view->shownGraph().nodes.size(), 12);
}

void tst_GraphTools::largeAppStartsCollapsedAndChoicesSurviveReloads()
{
    // 50 plugins x 5 = 250 components: above the threshold of 200, one node per plugin.
    QCOMPARE(m_view->collapseThreshold(), PluginClusters::DefaultCollapseThreshold);
    show(synthetic::graph(50, 5));
    QCOMPARE(m_view->shownGraph().nodes.size(), 50);
    for (int p = 0; p < 50; ++p)
        QVERIFY(m_view->nodeItem(pluginNode(p)));
    QVERIFY(!m_view->nodeItem(QStringLiteral("p25.c3")));
    QCOMPARE(m_view->currentLayout().nodes.size(), 50);

    // The user opens p25 and closes nothing else; a reload brings generation 2 with one
    // component more in p25: p25 stays open, the rest collapsed.
    m_view->setPluginCollapsed(plugin(25), false);
    waitShown();
    QVERIFY(m_view->nodeItem(QStringLiteral("p25.c3")));
    ComponentGraph next = synthetic::graph(50, 5, 2);
    ComponentNode extra = next.nodes.at(25 * 5);
    extra.key = QStringLiteral("p25.extra");
    extra.added = true;
    next.nodes.append(extra);
    show(next);
    QCOMPARE(m_view->graph().generation, 2u);
    QVERIFY(m_view->nodeItem(QStringLiteral("p25.c3")));
    QVERIFY(m_view->nodeItem(QStringLiteral("p25.extra")));
    QVERIFY(m_view->nodeItem(pluginNode(24)));
    QCOMPARE(m_view->shownGraph().nodes.size(), 49 + 6);

    // Below the threshold everything is drawn.
    m_view->setCollapseThreshold(1000);
    waitShown();
    QCOMPARE(m_view->shownGraph().nodes.size(), 251);
    QCOMPARE(m_view->currentLayout().clusters.size(), 50);
}

void tst_GraphTools::searchSelectsCentresAndCyclesThroughMatches()
{
    m_view->setCollapseThreshold(1000);
    show(synthetic::graph(6, 12));
    GraphSearchBar search(m_view.get());
    // A top-level window of its own here: no minimum size for the offscreen platform to refuse.
    search.layout()->setSizeConstraint(QLayout::SetNoConstraint);
    search.show();
    QVERIFY(search.status().isEmpty());

    // Typing selects and centres the best match.
    QTest::keyClicks(search.field(), QStringLiteral("c1"));
    // c1, c10, c11 in each of the 6 plugins (keys that start with "c1" rank before "p.c1").
    QCOMPARE(search.matches().size(), 18);
    QCOMPARE(search.status(), QStringLiteral("1 of 18"));
    QTRY_COMPARE(m_view->selectedKey(), QStringLiteral("p0.c1"));
    QVERIFY(centredOn(*m_view, m_view->nodeItem(QStringLiteral("p0.c1"))));
    QVERIFY(m_view->transform().m11() >= 0.8);

    // Enter cycles, Shift+Enter goes back, and the last wraps to the first.
    QTest::keyClick(search.field(), Qt::Key_Return);
    QCOMPARE(search.status(), QStringLiteral("2 of 18"));
    QTRY_COMPARE(m_view->selectedKey(), search.matches().at(1));
    QVERIFY(centredOn(*m_view, m_view->nodeItem(search.matches().at(1))));
    QTest::keyClick(search.field(), Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(search.status(), QStringLiteral("1 of 18"));
    QTest::keyClick(search.field(), Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(search.status(), QStringLiteral("18 of 18"));
    QTest::keyClick(search.field(), Qt::Key_Return);
    QCOMPARE(search.status(), QStringLiteral("1 of 18"));

    // Classes and interfaces match too; nothing is "no match".
    search.field()->setText(QStringLiteral("P4Component11"));
    QCOMPARE(search.status(), QStringLiteral("1 of 1"));
    QTRY_COMPARE(m_view->selectedKey(), QStringLiteral("p4.c11"));
    search.field()->setText(QStringLiteral("org.example.IStore"));
    QCOMPARE(search.status(), QStringLiteral("1 of 6"));
    search.field()->setText(QStringLiteral("zzz"));
    QCOMPARE(search.status(), QStringLiteral("no match"));
    QCOMPARE(search.currentIndex(), -1);

    // Ctrl+F puts the cursor in the field, Escape clears it.
    search.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&search));
    search.field()->clearFocus();
    QVERIFY(!search.field()->hasFocus());
    search.findAction()->trigger();
    QTRY_VERIFY(search.field()->hasFocus());
    QCOMPARE(search.field()->selectedText(), QStringLiteral("zzz"));
    QTest::keyClick(search.field(), Qt::Key_Escape);
    QVERIFY(search.field()->text().isEmpty());
    QVERIFY(search.status().isEmpty());
}

void tst_GraphTools::searchExpandsTheCollapsedPluginOfAMatch()
{
    // The 1,000-component application opens collapsed; searching p25.c7 finds and centres it.
    show(synthetic::graph(50, 20));
    QCOMPARE(m_view->shownGraph().nodes.size(), 50);
    GraphSearchBar search(m_view.get());
    search.field()->setText(QStringLiteral("p25.c7"));
    QCOMPARE(search.status(), QStringLiteral("1 of 1"));
    QTRY_COMPARE_WITH_TIMEOUT(m_view->selectedKey(), QStringLiteral("p25.c7"), 20000);
    QVERIFY(!m_view->isPluginCollapsed(plugin(25)));
    QVERIFY(m_view->isPluginCollapsed(plugin(24)));
    QCOMPARE(m_view->shownGraph().nodes.size(), 49 + 20);
    ComponentNodeItem *item = m_view->nodeItem(QStringLiteral("p25.c7"));
    QVERIFY(item->isSelected());
    QVERIFY(centredOn(*m_view, item));
    QVERIFY(m_view->transform().m11() >= 0.8);
}

void tst_GraphTools::neighbourhoodShowsOneOrTwoHopsAndShowAllReturns()
{
    // p1: c4 -> c3 -> c2 -> c1 -> c0 (and c3 -> c0), p1.c0 -> a component of p0.
    show(synthetic::graph(2, 5));
    QSignalSpy changed(m_view.get(), &ComponentGraphView::neighbourhoodChanged);
    const auto shownKeys = [this] {
        QStringList keys;
        for (const ComponentNode &node : m_view->shownGraph().nodes)
            keys.append(node.key);
        keys.sort();
        return keys;
    };
    m_view->selectComponent(QStringLiteral("p1.c2"));
    QTRY_COMPARE(m_view->selectedKey(), QStringLiteral("p1.c2"));
    QList<QAction *> actions = m_view->toolActions();
    QAction *oneHop = actions.at(0);
    QAction *twoHops = actions.at(1);
    QAction *showAll = actions.at(2);
    QVERIFY(oneHop->isEnabled());
    QVERIFY(!showAll->isEnabled());

    oneHop->trigger();
    waitShown();
    QCOMPARE(shownKeys(), (QStringList{QStringLiteral("p1.c1"), QStringLiteral("p1.c2"),
                                       QStringLiteral("p1.c3")}));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m_view->selectedKey(), QStringLiteral("p1.c2"));
    QVERIFY(showAll->isEnabled());

    twoHops->trigger();
    waitShown();
    QCOMPARE(shownKeys(),
             (QStringList{QStringLiteral("p1.c0"), QStringLiteral("p1.c1"), QStringLiteral("p1.c2"),
                          QStringLiteral("p1.c3"), QStringLiteral("p1.c4")}));
    QCOMPARE(m_view->currentLayout().nodes.size(), 5);

    // Escape (or Show all) returns to the whole graph, the component still selected.
    m_view->setFocus();
    QTest::keyClick(m_view.get(), Qt::Key_Escape);
    waitShown();
    QVERIFY(m_view->neighbourhood().isEmpty());
    QCOMPARE(m_view->shownGraph().nodes.size(), 10);
    QTRY_COMPARE(m_view->selectedKey(), QStringLiteral("p1.c2"));
    QVERIFY(!showAll->isEnabled());

    // A reload that removes the component in the middle ends its neighbourhood.
    m_view->showNeighbourhood(QStringLiteral("p1.c2"), 1);
    waitShown();
    ComponentGraph without = synthetic::graph(2, 5, 2);
    without.nodes.removeAt(without.indexOf(QStringLiteral("p1.c2")));
    show(without);
    QVERIFY(m_view->neighbourhood().isEmpty());
    QCOMPARE(m_view->shownGraph().nodes.size(), 9);
}

void tst_GraphTools::lastReloadIsHighlightedOnComponentsAndCollapsedPlugins()
{
    ComponentGraph graph = synthetic::graph(3, 4);
    const auto at = [&graph](const char *key) -> ComponentNode & {
        return graph.nodes[graph.indexOf(QString::fromLatin1(key))];
    };
    at("p0.c1").changed = at("p0.c1").recreated = true;
    at("p0.c2").recreated = true; // depends on p0.c1
    at("p0.c3").recreated = true;
    at("p1.c3").added = true;
    at("p2.c3").removed = true;
    at("p2.c3").created = false;
    for (ComponentNode &node : graph.nodes) {
        if (!node.recreated && !node.added && !node.removed)
            node.kept = true;
    }
    show(graph);
    QCOMPARE(m_view->nodeItem(QStringLiteral("p0.c1"))->badges(),
             QStringList{QStringLiteral("CHANGED")});
    QCOMPARE(m_view->nodeItem(QStringLiteral("p0.c2"))->badges(),
             QStringList{QStringLiteral("RECREATED")});
    QCOMPARE(m_view->nodeItem(QStringLiteral("p1.c3"))->badges(),
             QStringList{QStringLiteral("NEW")});
    QCOMPARE(m_view->nodeItem(QStringLiteral("p2.c3"))->badges(),
             QStringList{QStringLiteral("REMOVED")});
    QCOMPARE(m_view->nodeItem(QStringLiteral("p1.c0"))->badges(),
             QStringList{QStringLiteral("KEPT")});
    // Recreated and changed are filled apart from kept (and from each other).
    ComponentNodeItem *kept = m_view->nodeItem(QStringLiteral("p1.c0"));
    ComponentNodeItem *recreated = m_view->nodeItem(QStringLiteral("p0.c2"));
    QVERIFY(recreated->fillColor(false) != kept->fillColor(false));
    QVERIFY(recreated->fillColor(false)
            != m_view->nodeItem(QStringLiteral("p0.c1"))->fillColor(false));
    QVERIFY(recreated->toolTip().contains(QStringLiteral("Recreated by the last reload")));
    QVERIFY(kept->toolTip().contains(QStringLiteral("Kept by the last reload")));
    QCOMPARE(m_view->reloadSummary(),
             QStringLiteral("Last reload: 1 changed, 3 recreated, 1 new, 1 removed, 7 kept"));
    // The painted graph shows the recreated and the changed fills.
    const QImage image = m_view->grab().toImage();
    QVERIFY(hasColour(image, recreated->fillColor(false)));
    QVERIFY(hasColour(image, m_view->nodeItem(QStringLiteral("p0.c1"))->fillColor(false)));

    // Collapsed, each plugin node counts what happened inside it.
    m_view->setAllPluginsCollapsed(true);
    waitShown();
    QCOMPARE(m_view->nodeItem(pluginNode(0))->badges(),
             (QStringList{QStringLiteral("1 CHANGED"), QStringLiteral("2 RECREATED")}));
    QCOMPARE(m_view->nodeItem(pluginNode(1))->badges(), QStringList{QStringLiteral("1 NEW")});
    // p2 lost a component and rebuilt none: the rest of it is kept.
    QCOMPARE(m_view->nodeItem(pluginNode(2))->badges(),
             (QStringList{QStringLiteral("1 REMOVED"), QStringLiteral("KEPT")}));
    // A plugin the reload did not touch at all is kept as a whole.
    graph = synthetic::graph(3, 4, 2);
    for (ComponentNode &node : graph.nodes)
        node.kept = node.plugin() != plugin(0);
    graph.nodes[0].recreated = true;
    show(graph);
    QCOMPARE(m_view->nodeItem(pluginNode(1))->badges(), QStringList{QStringLiteral("KEPT")});
    QCOMPARE(m_view->nodeItem(pluginNode(0))->badges(), QStringList{QStringLiteral("1 RECREATED")});
}

QTEST_MAIN(tst_GraphTools)
#include "tst_graphtools.moc"
