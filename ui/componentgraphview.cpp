#include "componentgraphview.h"

#include "componentnodeitem.h"

#include <QFile>
#include <QGraphicsPathItem>
#include <QGraphicsSimpleTextItem>
#include <QImage>
#include <QKeyEvent>
#include <QLoggingCategory>
#include <QPainter>
#include <QPainterPath>
#include <QSaveFile>
#include <QWheelEvent>

#ifdef QRELOAD_HAVE_SVG
#include <QSvgGenerator>
#endif

#include <cmath>

Q_LOGGING_CATEGORY(lcGraphView, "qreload.ui", QtInfoMsg)

namespace qreload::ui {

using app::ComponentGraph;
using app::GraphLayout;

ComponentGraphView::ComponentGraphView(QWidget *parent)
    : QGraphicsView(parent)
    , m_scene(new QGraphicsScene(this))
    , m_layouter(new app::ComponentGraphLayout(this))
{
    setObjectName(QStringLiteral("componentGraph"));
    setScene(m_scene);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    connect(m_layouter, &app::ComponentGraphLayout::finished, this,
            &ComponentGraphView::onLayoutFinished);
    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this] {
        const QString key = selectedKey();
        if (!key.isEmpty())
            Q_EMIT componentSelected(key);
    });
    showMessage(tr("No generation loaded yet"));
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
        if (x.key != y.key || x.className != y.className || x.pluginFile != y.pluginFile)
            return false;
    }
    for (int i = 0; i < a.links.size(); ++i) {
        if (a.links.at(i).from != b.links.at(i).from || a.links.at(i).to != b.links.at(i).to)
            return false;
    }
    return true;
}

void ComponentGraphView::setGraph(const ComponentGraph &graph)
{
    m_graph = graph;
    if (m_hasShown && m_pendingLayout == 0 && sameStructure(graph, m_shownGraph)) {
        // Same boxes and lines: only states changed (created, badges). No layout needed.
        m_shownGraph = graph;
        m_layout.generation = graph.generation;
        for (const app::ComponentNode &node : graph.nodes) {
            if (ComponentNodeItem *item = m_items.value(node.key))
                item->setNode(node);
        }
        Q_EMIT graphShown(graph.generation);
        return;
    }
    QHash<QString, QSizeF> sizes;
    for (const app::ComponentNode &node : graph.nodes)
        sizes.insert(node.key, ComponentNodeItem::preferredSize(node, font()));
    m_pendingLayout = m_layouter->request(graph, sizes);
}

void ComponentGraphView::onLayoutFinished(quint64 id, const GraphLayout &layout)
{
    if (id != m_pendingLayout)
        return;
    m_pendingLayout = 0;
    m_layout = layout;
    qCDebug(lcGraphView) << "laid out" << m_graph.nodes.size() << "components with" << layout.engine
                         << "in" << layout.ms << "ms";
    buildScene();
}

void ComponentGraphView::showMessage(const QString &text)
{
    m_scene->clear();
    m_items.clear();
    auto *message = m_scene->addSimpleText(text);
    message->setBrush(palette().color(QPalette::PlaceholderText));
    m_scene->setSceneRect(message->boundingRect().adjusted(-20, -20, 20, 20));
}

void ComponentGraphView::buildScene()
{
    const QString selected = selectedKey();
    const bool structureChanged = !m_hasShown || !sameStructure(m_graph, m_shownGraph);
    m_scene->blockSignals(true);
    m_scene->clear();
    m_items.clear();
    m_shownGraph = m_graph;
    m_hasShown = true;
    if (m_graph.nodes.isEmpty()) {
        m_scene->blockSignals(false);
        showMessage(tr("Generation %1 has no components").arg(m_graph.generation));
        Q_EMIT graphShown(m_graph.generation);
        return;
    }

    const QColor edgeColor = palette().color(QPalette::Text);
    QHash<QPair<QString, QString>, bool> removedLinks;
    for (const app::ComponentLink &link : m_graph.links)
        removedLinks.insert({link.from, link.to}, link.removed);
    for (const GraphLayout::Edge &edge : std::as_const(m_layout.edges)) {
        if (edge.spline.size() < 2)
            continue;
        QPainterPath path(edge.spline.constFirst());
        for (int i = 1; i + 2 < edge.spline.size(); i += 3)
            path.cubicTo(edge.spline.at(i), edge.spline.at(i + 1), edge.spline.at(i + 2));
        if (edge.spline.size() % 3 != 1)
            path.lineTo(edge.spline.constLast());
        // Arrow head: from the spline's end to the tip, or along the last segment.
        QPointF tip = edge.arrowTip.value_or(edge.spline.constLast());
        QPointF from
            = edge.arrowTip ? edge.spline.constLast() : edge.spline.at(edge.spline.size() - 2);
        if (edge.arrowTip)
            path.lineTo(tip);
        QColor color = edgeColor;
        const bool faded = removedLinks.value({edge.from, edge.to}, false);
        color.setAlphaF(faded ? 0.25f : 0.65f);
        QPen pen(color, 1.4);
        if (faded)
            pen.setStyle(Qt::DashLine);
        auto *line = m_scene->addPath(path, pen);
        line->setZValue(0);
        const QLineF direction(tip, from);
        if (direction.length() > 0.01) {
            const double angle = std::atan2(direction.dy(), direction.dx());
            const double size = 9;
            QPolygonF head;
            head << tip << tip + QPointF(std::cos(angle + 0.4) * size, std::sin(angle + 0.4) * size)
                 << tip + QPointF(std::cos(angle - 0.4) * size, std::sin(angle - 0.4) * size);
            auto *arrow = m_scene->addPolygon(head, QPen(Qt::NoPen), color);
            arrow->setZValue(0);
        }
    }
    for (const app::ComponentNode &node : std::as_const(m_graph.nodes)) {
        const QRectF rect = m_layout.nodes.value(node.key);
        if (rect.isNull())
            continue;
        auto *item = new ComponentNodeItem(node, rect);
        m_scene->addItem(item);
        m_items.insert(node.key, item);
    }
    m_scene->setSceneRect(m_scene->itemsBoundingRect().adjusted(-30, -30, 30, 30));
    if (!selected.isEmpty()) {
        if (ComponentNodeItem *item = m_items.value(selected))
            item->setSelected(true);
    }
    m_scene->blockSignals(false);
    if (structureChanged && !m_userZoomed)
        fitToView();
    Q_EMIT graphShown(m_graph.generation);
}

ComponentNodeItem *ComponentGraphView::nodeItem(const QString &key) const
{
    return m_items.value(key);
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
    ComponentNodeItem *item = m_items.value(key);
    if (!item)
        return;
    m_scene->clearSelection();
    item->setSelected(true);
    ensureVisible(item);
}

void ComponentGraphView::fitToView()
{
    if (m_scene->items().isEmpty())
        return;
    fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
    // Never blow a small graph up beyond its natural size.
    if (transform().m11() > 1.0)
        resetTransform();
    centerOn(m_scene->sceneRect().center());
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
    default:
        QGraphicsView::keyPressEvent(event);
    }
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
    const QRectF source = m_scene->sceneRect();
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
    const QRectF source = m_scene->sceneRect();
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
