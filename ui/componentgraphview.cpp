#include "componentgraphview.h"

#include "componentnodeitem.h"
#include "pluginclusteritem.h"

#include <QAction>
#include <QContextMenuEvent>
#include <QFile>
#include <QFontMetricsF>
#include <QGraphicsPathItem>
#include <QGraphicsSimpleTextItem>
#include <QImage>
#include <QKeyEvent>
#include <QLoggingCategory>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QSaveFile>
#include <QStyleOptionGraphicsItem>
#include <QWheelEvent>

#ifdef QRELOAD_HAVE_SVG
#include <QSvgGenerator>
#endif

#include <algorithm>
#include <cmath>

Q_LOGGING_CATEGORY(lcGraphView, "qreload.ui", QtInfoMsg)

namespace qreload::ui {

using app::ComponentGraph;
using app::GraphLayout;

namespace {

int componentCount(const ComponentGraph &graph)
{
    int count = 0;
    for (const app::ComponentNode &node : graph.nodes)
        count += node.isPlugin() ? 0 : 1;
    return count;
}

/*!
 * Every edge of the graph, drawn by one scene item: creating a path, an arrow head and a label
 * item per dependency cost more UI-thread time for a thousand components than drawing them. Only
 * the edges in the exposed area are painted.
 */
struct DrawnEdge
{
    QPainterPath path;
    QPolygonF head;
    QRectF bounds;
    QColor color;
    double width = 1.4;
    bool dashed = false;
    int count = 1;
    QPointF labelAt;
};

class EdgesItem : public QGraphicsItem
{
public:
    EdgesItem(QList<DrawnEdge> edges, const QFont &font)
        : m_edges(std::move(edges))
        , m_font(font)
    {
        setFlag(ItemUsesExtendedStyleOption);
        setZValue(0);
        for (const DrawnEdge &edge : std::as_const(m_edges))
            m_bounds = m_bounds.united(edge.bounds);
    }
    QRectF boundingRect() const override { return m_bounds; }
    //! Clicks go through to the frames and the background.
    QPainterPath shape() const override { return {}; }
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *) override
    {
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setFont(m_font);
        const bool labels = option->levelOfDetailFromTransform(painter->worldTransform()) >= 0.3;
        for (const DrawnEdge &edge : std::as_const(m_edges)) {
            if (!edge.bounds.intersects(option->exposedRect))
                continue;
            QPen pen(edge.color, edge.width);
            if (edge.dashed)
                pen.setStyle(Qt::DashLine);
            painter->setPen(pen);
            painter->setBrush(Qt::NoBrush);
            painter->drawPath(edge.path);
            if (!edge.head.isEmpty()) {
                painter->setPen(Qt::NoPen);
                painter->setBrush(edge.color);
                painter->drawPolygon(edge.head);
            }
            if (labels && edge.count > 1) {
                painter->setPen(edge.color);
                painter->drawText(QRectF(edge.labelAt - QPointF(0, 10), QSizeF(40, 20)),
                                  Qt::AlignLeft | Qt::AlignVCenter, QString::number(edge.count));
            }
        }
    }

private:
    QList<DrawnEdge> m_edges;
    QFont m_font;
    QRectF m_bounds;
};

} // namespace

ComponentGraphView::ComponentGraphView(QWidget *parent)
    : QGraphicsView(parent)
    , m_scene(new QGraphicsScene(this))
    , m_layouter(new app::ComponentGraphLayout(this))
    , m_neighbourhood1Action(new QAction(tr("Neighbourhood"), this))
    , m_neighbourhood2Action(new QAction(tr("2 hops"), this))
    , m_showAllAction(new QAction(tr("Show all"), this))
    , m_collapseAllAction(new QAction(tr("Collapse all"), this))
    , m_expandAllAction(new QAction(tr("Expand all"), this))
{
    setObjectName(QStringLiteral("componentGraph"));
    setScene(m_scene);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    // Thousands of items: no BSP index to rebuild on every scene (items never move).
    m_scene->setItemIndexMethod(QGraphicsScene::NoIndex);
    connect(m_layouter, &app::ComponentGraphLayout::finished, this,
            &ComponentGraphView::onLayoutFinished);
    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this] {
        updateActions();
        const QString key = selectedKey();
        const ComponentNodeItem *item = m_items.value(key);
        if (item && !item->node().isPlugin())
            Q_EMIT componentSelected(key);
    });

    m_neighbourhood1Action->setObjectName(QStringLiteral("neighbourhoodAction"));
    m_neighbourhood1Action->setToolTip(
        tr("Show the selected component with its dependencies and dependents (1 hop)"));
    connect(m_neighbourhood1Action, &QAction::triggered, this,
            [this] { showNeighbourhood(selectedKey(), 1); });
    m_neighbourhood2Action->setObjectName(QStringLiteral("neighbourhood2HopsAction"));
    m_neighbourhood2Action->setToolTip(
        tr("Show the selected component with what is up to 2 dependencies and dependents away"));
    connect(m_neighbourhood2Action, &QAction::triggered, this,
            [this] { showNeighbourhood(selectedKey(), 2); });
    m_showAllAction->setObjectName(QStringLiteral("showAllAction"));
    m_showAllAction->setToolTip(tr("Back to the whole graph (Esc)"));
    connect(m_showAllAction, &QAction::triggered, this, &ComponentGraphView::showAll);
    m_collapseAllAction->setObjectName(QStringLiteral("collapseAllAction"));
    m_collapseAllAction->setToolTip(tr("Draw every plugin as one node"));
    connect(m_collapseAllAction, &QAction::triggered, this,
            [this] { setAllPluginsCollapsed(true); });
    m_expandAllAction->setObjectName(QStringLiteral("expandAllAction"));
    m_expandAllAction->setToolTip(tr("Draw every component, framed by plugin"));
    connect(m_expandAllAction, &QAction::triggered, this,
            [this] { setAllPluginsCollapsed(false); });
    connect(this, &ComponentGraphView::neighbourhoodChanged, this,
            &ComponentGraphView::updateActions);
    updateActions();
    showMessage(tr("No generation loaded yet"));
}

QList<QAction *> ComponentGraphView::toolActions() const
{
    return {m_neighbourhood1Action, m_neighbourhood2Action, m_showAllAction, m_collapseAllAction,
            m_expandAllAction};
}

void ComponentGraphView::updateActions()
{
    const ComponentNodeItem *item = m_items.value(selectedKey());
    const bool component = item && !item->node().isPlugin();
    m_neighbourhood1Action->setEnabled(component);
    m_neighbourhood2Action->setEnabled(component);
    m_showAllAction->setEnabled(!m_neighbourhood.isEmpty());
    m_collapseAllAction->setEnabled(m_neighbourhood.isEmpty());
    m_expandAllAction->setEnabled(m_neighbourhood.isEmpty());
}

ComponentGraphView::~ComponentGraphView()
{
    // The scene is a child, deleted by ~QObject once this class is already destroyed; removing a
    // selected item then emits selectionChanged, whose handler would call into a dead view.
    m_scene->disconnect(this);
}

bool ComponentGraphView::sameStructure(const ComponentGraph &a, const ComponentGraph &b)
{
    if (a.nodes.size() != b.nodes.size() || a.links.size() != b.links.size())
        return false;
    for (int i = 0; i < a.nodes.size(); ++i) {
        const app::ComponentNode &x = a.nodes.at(i);
        const app::ComponentNode &y = b.nodes.at(i);
        if (x.key != y.key || x.className != y.className || x.pluginFile != y.pluginFile
            || x.members.components != y.members.components)
            return false;
    }
    for (int i = 0; i < a.links.size(); ++i) {
        const app::ComponentLink &x = a.links.at(i);
        const app::ComponentLink &y = b.links.at(i);
        if (x.from != y.from || x.to != y.to || x.count != y.count)
            return false;
    }
    return true;
}

void ComponentGraphView::setGraph(const ComponentGraph &graph)
{
    m_graph = graph;
    if (!m_neighbourhood.isEmpty() && graph.indexOf(m_neighbourhood.key) < 0) {
        // Its component is gone: there is nothing to be the neighbourhood of.
        m_neighbourhood = {};
        Q_EMIT neighbourhoodChanged({}, 0);
    }
    updateShown();
}

void ComponentGraphView::updateShown()
{
    const ComponentGraph drawn
        = m_neighbourhood.isEmpty() ? m_clusters.apply(m_graph) : m_neighbourhood.apply(m_graph);
    if (m_hasShown && m_pendingLayout == 0 && sameStructure(drawn, m_shownGraph)) {
        // Same boxes and lines: only states changed (created, badges). No layout needed.
        m_shownGraph = drawn;
        m_layout.generation = drawn.generation;
        for (const app::ComponentNode &node : drawn.nodes) {
            if (ComponentNodeItem *item = m_items.value(node.key))
                item->setNode(node);
        }
        viewport()->update();
        Q_EMIT graphShown(drawn.generation);
        revealSelection();
        return;
    }
    QHash<QString, QSizeF> sizes;
    for (const app::ComponentNode &node : drawn.nodes)
        sizes.insert(node.key, ComponentNodeItem::preferredSize(node, font()));
    m_nextGraph = drawn;
    m_pendingLayout = m_layouter->request(drawn, sizes);
}

void ComponentGraphView::onLayoutFinished(quint64 id, const GraphLayout &layout)
{
    if (id != m_pendingLayout)
        return;
    m_pendingLayout = 0;
    m_layout = layout;
    qCDebug(lcGraphView) << "laid out" << m_nextGraph.nodes.size() << "nodes with" << layout.engine
                         << "in" << layout.ms << "ms";
    buildScene();
}

void ComponentGraphView::showMessage(const QString &text)
{
    m_scene->clear();
    m_items.clear();
    m_clusterItems.clear();
    auto *message = m_scene->addSimpleText(text);
    message->setBrush(palette().color(QPalette::PlaceholderText));
    m_contentRect = message->boundingRect().adjusted(-20, -20, 20, 20);
    m_scene->setSceneRect(m_contentRect);
}

void ComponentGraphView::buildScene()
{
    const QString selected = m_pendingSelection.isEmpty() ? selectedKey() : QString();
    const bool structureChanged = !m_hasShown || !sameStructure(m_nextGraph, m_shownGraph);
    m_scene->blockSignals(true);
    m_scene->clear();
    m_items.clear();
    m_clusterItems.clear();
    m_shownGraph = m_nextGraph;
    m_hasShown = true;
    if (m_shownGraph.nodes.isEmpty()) {
        m_scene->blockSignals(false);
        showMessage(tr("Generation %1 has no components").arg(m_shownGraph.generation));
        Q_EMIT graphShown(m_shownGraph.generation);
        return;
    }

    const QColor edgeColor = palette().color(QPalette::Text);
    QHash<QPair<QString, QString>, const app::ComponentLink *> links;
    for (const app::ComponentLink &link : std::as_const(m_shownGraph.links))
        links.insert({link.from, link.to}, &link);
    QFont countFont = font();
    countFont.setPointSizeF(std::max(6.0, countFont.pointSizeF() * 0.85));
    QList<DrawnEdge> drawn;
    drawn.reserve(m_layout.edges.size());
    for (const GraphLayout::Edge &edge : std::as_const(m_layout.edges)) {
        if (edge.spline.size() < 2)
            continue;
        DrawnEdge line;
        line.path = QPainterPath(edge.spline.constFirst());
        for (int i = 1; i + 2 < edge.spline.size(); i += 3)
            line.path.cubicTo(edge.spline.at(i), edge.spline.at(i + 1), edge.spline.at(i + 2));
        if (edge.spline.size() % 3 != 1)
            line.path.lineTo(edge.spline.constLast());
        // Arrow head: from the spline's end to the tip, or along the last segment.
        QPointF tip = edge.arrowTip.value_or(edge.spline.constLast());
        QPointF from
            = edge.arrowTip ? edge.spline.constLast() : edge.spline.at(edge.spline.size() - 2);
        if (edge.arrowTip)
            line.path.lineTo(tip);
        const app::ComponentLink *link = links.value({edge.from, edge.to});
        line.color = edgeColor;
        line.dashed = link && link->removed;
        line.color.setAlphaF(line.dashed ? 0.25f : 0.65f);
        line.count = link ? link->count : 1;
        // An edge standing for several dependencies is drawn heavier, with their number.
        line.width = line.count > 1 ? std::min(1.4 + std::log2(double(line.count)), 5.0) : 1.4;
        const QLineF direction(tip, from);
        if (direction.length() > 0.01) {
            const double angle = std::atan2(direction.dy(), direction.dx());
            const double size = 9;
            line.head << tip
                      << tip + QPointF(std::cos(angle + 0.4) * size, std::sin(angle + 0.4) * size)
                      << tip + QPointF(std::cos(angle - 0.4) * size, std::sin(angle - 0.4) * size);
        }
        if (line.count > 1)
            line.labelAt = line.path.pointAtPercent(0.5) + QPointF(4, 0);
        line.bounds = line.path.controlPointRect()
                          .united(line.head.boundingRect())
                          .adjusted(-line.width, -line.width, line.width, line.width);
        if (line.count > 1)
            line.bounds = line.bounds.united(QRectF(line.labelAt - QPointF(0, 10), QSizeF(40, 20)));
        drawn.append(line);
    }
    // One item for all edges: thousands of path items cost more to create than to draw.
    m_scene->addItem(new EdgesItem(std::move(drawn), countFont));
    QHash<QString, int> clusterSizes;
    for (const app::ComponentNode &node : std::as_const(m_shownGraph.nodes)) {
        if (!node.isPlugin())
            ++clusterSizes[node.plugin()];
    }
    for (auto it = m_layout.clusters.cbegin(); it != m_layout.clusters.cend(); ++it) {
        auto *frame = new PluginClusterItem(it.key(), clusterSizes.value(it.key()), it.value());
        m_scene->addItem(frame);
        m_clusterItems.insert(it.key(), frame);
    }
    for (const app::ComponentNode &node : std::as_const(m_shownGraph.nodes)) {
        const QRectF rect = m_layout.nodes.value(node.key);
        if (rect.isNull())
            continue;
        auto *item = new ComponentNodeItem(node, rect);
        m_scene->addItem(item);
        m_items.insert(node.key, item);
    }
    m_contentRect = m_scene->itemsBoundingRect().adjusted(-30, -30, 30, 30);
    // Room around the graph, so that any node can be scrolled to the middle (search, select).
    m_scene->setSceneRect(m_contentRect.adjusted(-800, -600, 800, 600));
    if (!selected.isEmpty()) {
        if (ComponentNodeItem *item = m_items.value(selected))
            item->setSelected(true);
    }
    m_scene->blockSignals(false);
    if (structureChanged && !m_userZoomed)
        fitToView();
    updateActions();
    Q_EMIT graphShown(m_shownGraph.generation);
    revealSelection();
}

ComponentNodeItem *ComponentGraphView::nodeItem(const QString &key) const
{
    return m_items.value(key);
}

PluginClusterItem *ComponentGraphView::clusterItem(const QString &plugin) const
{
    return m_clusterItems.value(plugin);
}

QString ComponentGraphView::selectedKey() const
{
    for (QGraphicsItem *item : m_scene->selectedItems()) {
        if (item->type() == ComponentNodeItem::Type)
            return static_cast<ComponentNodeItem *>(item)->node().key;
    }
    return {};
}

void ComponentGraphView::selectComponent(const QString &key)
{
    const app::ComponentNode *node = m_graph.node(key);
    if (!node) {
        // A drawn node that is no component (a collapsed plugin): select what is there.
        if (m_items.contains(key)) {
            m_pendingSelection = key;
            revealSelection();
        }
        return;
    }
    // Copies: a slot of the signal below may set another graph.
    const QString plugin = node->plugin();
    m_pendingSelection = key;
    bool redraw = false;
    if (!m_neighbourhood.isEmpty() && !m_neighbourhood.keys(m_graph).contains(key)) {
        m_neighbourhood = {};
        Q_EMIT neighbourhoodChanged({}, 0);
        redraw = true;
    }
    if (m_neighbourhood.isEmpty() && isPluginCollapsed(plugin)) {
        m_clusters.setCollapsed(plugin, false);
        redraw = true;
    }
    if (redraw)
        updateShown();
    else if (!isLayingOut())
        revealSelection();
}

void ComponentGraphView::revealSelection()
{
    if (m_pendingSelection.isEmpty() || isLayingOut())
        return;
    ComponentNodeItem *item = m_items.value(m_pendingSelection);
    m_pendingSelection.clear();
    if (!item)
        return;
    m_scene->clearSelection();
    item->setSelected(true);
    // A match in a fitted graph of a thousand boxes is a dot: zoom in until it can be read.
    if (transform().m11() < 0.8) {
        const double factor = 1.0 / transform().m11();
        scale(factor, factor);
        m_userZoomed = true;
    }
    centerOn(item);
}

bool ComponentGraphView::isPluginCollapsed(const QString &plugin) const
{
    return m_clusters.isCollapsed(plugin, componentCount(m_graph));
}

void ComponentGraphView::setPluginCollapsed(const QString &plugin, bool collapsed)
{
    if (plugin.isEmpty() || isPluginCollapsed(plugin) == collapsed) {
        m_clusters.setCollapsed(plugin, collapsed); // remembered even when nothing changes now
        return;
    }
    m_clusters.setCollapsed(plugin, collapsed);
    if (m_neighbourhood.isEmpty())
        updateShown();
}

void ComponentGraphView::setAllPluginsCollapsed(bool collapsed)
{
    m_clusters.setAllCollapsed(collapsed);
    if (m_neighbourhood.isEmpty())
        updateShown();
}

void ComponentGraphView::setCollapseThreshold(int components)
{
    m_clusters.setCollapseThreshold(components);
    if (m_neighbourhood.isEmpty() && m_hasShown)
        updateShown();
}

void ComponentGraphView::showNeighbourhood(const QString &key, int hops)
{
    if (m_graph.indexOf(key) < 0)
        return;
    m_neighbourhood = app::ComponentNeighbourhood{key, std::clamp(hops, 1, 2)};
    m_pendingSelection = key;
    m_userZoomed = false; // a new, small graph: fit it
    updateShown();
    Q_EMIT neighbourhoodChanged(key, m_neighbourhood.hops);
}

void ComponentGraphView::showAll()
{
    if (m_neighbourhood.isEmpty())
        return;
    const QString key = m_neighbourhood.key;
    m_neighbourhood = {};
    m_userZoomed = false;
    m_pendingSelection = key; // keep the component in sight (its plugin may be collapsed)
    if (const app::ComponentNode *node = m_graph.node(key))
        m_pendingSelection = isPluginCollapsed(node->plugin())
                                 ? ComponentGraph::pluginNodeKey(node->plugin())
                                 : key;
    updateShown();
    Q_EMIT neighbourhoodChanged({}, 0);
}

QString ComponentGraphView::reloadSummary() const
{
    int changed = 0, recreated = 0, added = 0, removed = 0, kept = 0, failed = 0;
    for (const app::ComponentNode &node : m_graph.nodes) {
        changed += node.changed ? 1 : 0;
        recreated += node.recreated ? 1 : 0;
        added += node.added ? 1 : 0;
        removed += node.removed ? 1 : 0;
        kept += node.kept ? 1 : 0;
        failed += node.failed ? 1 : 0;
    }
    QStringList parts;
    const auto part = [&parts](int n, const QString &text) {
        if (n > 0)
            parts.append(QStringLiteral("%1 %2").arg(n).arg(text));
    };
    part(failed, tr("failed"));
    part(changed, tr("changed"));
    part(recreated, tr("recreated"));
    part(added, tr("new"));
    part(removed, tr("removed"));
    part(kept, tr("kept"));
    if (parts.isEmpty())
        return {};
    return tr("Last reload: %1").arg(parts.join(QStringLiteral(", ")));
}

QMenu *ComponentGraphView::createContextMenu(QGraphicsItem *item, QWidget *parent)
{
    auto *menu = new QMenu(parent);
    const auto add = [menu](const QString &text, const char *name, auto slot) {
        QAction *action = menu->addAction(text);
        action->setObjectName(QString::fromLatin1(name));
        QObject::connect(action, &QAction::triggered, menu, slot);
        return action;
    };
    auto *node = item && item->type() == ComponentNodeItem::Type
                     ? static_cast<ComponentNodeItem *>(item)
                     : nullptr;
    auto *frame = item && item->type() == PluginClusterItem::Type
                      ? static_cast<PluginClusterItem *>(item)
                      : nullptr;
    if (node && node->node().isPlugin()) {
        const QString plugin = node->node().plugin();
        add(tr("Expand %1").arg(plugin), "expandPluginAction",
            [this, plugin] { setPluginCollapsed(plugin, false); });
    } else if (node) {
        const QString key = node->node().key;
        const QString plugin = node->node().plugin();
        add(tr("Show neighbourhood (1 hop)"), "neighbourhood1Action",
            [this, key] { showNeighbourhood(key, 1); });
        add(tr("Show neighbourhood (2 hops)"), "neighbourhood2Action",
            [this, key] { showNeighbourhood(key, 2); });
        if (!plugin.isEmpty() && m_neighbourhood.isEmpty())
            add(tr("Collapse %1").arg(plugin), "collapsePluginAction",
                [this, plugin] { setPluginCollapsed(plugin, true); });
    } else if (frame) {
        const QString plugin = frame->plugin();
        add(tr("Collapse %1").arg(plugin), "collapsePluginAction",
            [this, plugin] { setPluginCollapsed(plugin, true); });
    }
    if (!menu->isEmpty())
        menu->addSeparator();
    add(tr("Show all"), "showAllAction", [this] {
        showAll();
    })->setEnabled(!m_neighbourhood.isEmpty());
    add(tr("Collapse all plugins"), "collapseAllAction", [this] {
        setAllPluginsCollapsed(true);
    })->setEnabled(m_neighbourhood.isEmpty());
    add(tr("Expand all plugins"), "expandAllAction", [this] {
        setAllPluginsCollapsed(false);
    })->setEnabled(m_neighbourhood.isEmpty());
    add(tr("Fit graph"), "fitAction", [this] { fitToView(); });
    return menu;
}

void ComponentGraphView::mouseDoubleClickEvent(QMouseEvent *event)
{
    QGraphicsItem *item = itemAt(event->position().toPoint());
    if (item && item->type() == ComponentNodeItem::Type) {
        const app::ComponentNode &node = static_cast<ComponentNodeItem *>(item)->node();
        if (node.isPlugin()) {
            m_pendingSelection.clear();
            setPluginCollapsed(node.plugin(), false);
            event->accept();
            return;
        }
    } else if (item && item->type() == PluginClusterItem::Type && m_neighbourhood.isEmpty()) {
        const QString plugin = static_cast<PluginClusterItem *>(item)->plugin();
        setPluginCollapsed(plugin, true);
        event->accept();
        return;
    }
    QGraphicsView::mouseDoubleClickEvent(event);
}

void ComponentGraphView::contextMenuEvent(QContextMenuEvent *event)
{
    QGraphicsItem *item = itemAt(event->pos());
    if (item && item->type() == ComponentNodeItem::Type && !item->isSelected()) {
        m_scene->clearSelection();
        item->setSelected(true);
    }
    QMenu *menu = createContextMenu(item, this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(event->globalPos());
    event->accept();
}

void ComponentGraphView::drawForeground(QPainter *painter, const QRectF &rect)
{
    QGraphicsView::drawForeground(painter, rect);
    QStringList lines;
    if (!m_neighbourhood.isEmpty())
        lines.append(tr("Neighbourhood of %1, %2: %3 components (Esc: show all)")
                         .arg(m_neighbourhood.key, m_neighbourhood.hops == 1
                                                       ? tr("1 hop")
                                                       : tr("%1 hops").arg(m_neighbourhood.hops))
                         .arg(componentCount(m_shownGraph)));
    const QString summary = reloadSummary();
    if (!summary.isEmpty())
        lines.append(summary);
    if (lines.isEmpty() || !m_hasShown)
        return;
    // A caption in the viewport's corner, whatever the zoom.
    painter->save();
    painter->resetTransform();
    QFontMetricsF metrics(font());
    double width = 0;
    for (const QString &line : std::as_const(lines))
        width = std::max(width, metrics.horizontalAdvance(line));
    const QRectF box(6, 6, width + 14, lines.size() * metrics.height() + 8);
    QColor background = palette().color(QPalette::Base);
    background.setAlphaF(0.85f);
    painter->setPen(Qt::NoPen);
    painter->setBrush(background);
    painter->drawRoundedRect(box, 4, 4);
    painter->setPen(palette().color(QPalette::Text));
    painter->setFont(font());
    double y = box.top() + 4;
    for (const QString &line : std::as_const(lines)) {
        painter->drawText(QRectF(box.left() + 7, y, width + 1, metrics.height()),
                          Qt::AlignLeft | Qt::AlignVCenter, line);
        y += metrics.height();
    }
    painter->restore();
}

void ComponentGraphView::fitToView()
{
    if (m_scene->items().isEmpty())
        return;
    fitInView(m_contentRect, Qt::KeepAspectRatio);
    // Never blow a small graph up beyond its natural size.
    if (transform().m11() > 1.0)
        resetTransform();
    centerOn(m_contentRect.center());
    m_userZoomed = false;
}

void ComponentGraphView::zoomBy(double factor)
{
    const double current = transform().m11();
    const double next = std::clamp(current * factor, 0.05, 8.0);
    scale(next / current, next / current);
    m_userZoomed = true;
}

void ComponentGraphView::zoomIn()
{
    zoomBy(1.25);
}

void ComponentGraphView::zoomOut()
{
    zoomBy(1 / 1.25);
}

void ComponentGraphView::resetZoom()
{
    resetTransform();
    m_userZoomed = true;
}

void ComponentGraphView::wheelEvent(QWheelEvent *event)
{
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    zoomBy(std::pow(1.15, steps));
    event->accept();
}

void ComponentGraphView::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        return;
    case Qt::Key_Minus:
        zoomOut();
        return;
    case Qt::Key_0:
        resetZoom();
        return;
    case Qt::Key_F:
        fitToView();
        return;
    case Qt::Key_Escape:
        if (!m_neighbourhood.isEmpty()) {
            showAll();
            return;
        }
        break;
    default:
        break;
    }
    QGraphicsView::keyPressEvent(event);
}

void ComponentGraphView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    if (!m_userZoomed)
        fitToView();
}

bool ComponentGraphView::exportDot(const QString &path, QString *error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    file.write(m_shownGraph.toDot().toUtf8());
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

bool ComponentGraphView::svgExportAvailable()
{
#ifdef QRELOAD_HAVE_SVG
    return true;
#else
    return false;
#endif
}

bool ComponentGraphView::exportSvg(const QString &path, QString *error)
{
#ifdef QRELOAD_HAVE_SVG
    const QRectF source = m_contentRect;
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(source.size().toSize());
    generator.setViewBox(QRectF(QPointF(0, 0), source.size()));
    generator.setTitle(tr("qreload generation %1").arg(m_shownGraph.generation));
    QPainter painter;
    if (!painter.begin(&generator)) {
        if (error)
            *error = tr("cannot write %1").arg(path);
        return false;
    }
    m_scene->render(&painter, QRectF(QPointF(0, 0), source.size()), source);
    painter.end();
    return QFile::exists(path);
#else
    Q_UNUSED(path)
    if (error)
        *error = tr("qreload was built without Qt Svg");
    return false;
#endif
}

bool ComponentGraphView::exportPng(const QString &path, QString *error)
{
    const QRectF source = m_contentRect;
    const double scale = 2.0;
    QImage image((source.size() * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.fill(palette().color(QPalette::Base));
    QPainter painter(&image);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    m_scene->render(&painter, QRectF(QPointF(0, 0), source.size() * scale), source);
    painter.end();
    if (!image.save(path, "PNG")) {
        if (error)
            *error = tr("cannot write %1").arg(path);
        return false;
    }
    return true;
}

} // namespace qreload::ui
