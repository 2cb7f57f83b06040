#include "componentgraphlayout.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QLoggingCategory>
#include <QMutex>
#include <QPromise>
#include <QSet>
#include <QThreadPool>

#include <algorithm>
#include <cmath>
#include <memory>

#ifdef QRELOAD_HAVE_GRAPHVIZ
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#endif

Q_LOGGING_CATEGORY(lcGraphLayout, "qreload.ui", QtInfoMsg)

namespace qreload::app {

namespace {

QSizeF sizeOf(const QHash<QString, QSizeF> &sizes, const QString &key)
{
    return sizes.value(key, ComponentGraphLayout::defaultNodeSize());
}

/*!
 * The fallback: longest-path layers (a component above what it depends on), nodes ordered in
 * each layer by the mean position of their neighbours, straight edges.
 */
GraphLayout layeredLayout(const ComponentGraph &graph, const QHash<QString, QSizeF> &sizes)
{
    GraphLayout layout;
    layout.engine = QStringLiteral("layered");
    const int n = int(graph.nodes.size());
    QHash<QString, int> index;
    for (int i = 0; i < n; ++i)
        index.insert(graph.nodes.at(i).key, i);
    QList<QList<int>> dependsOn(n);
    QList<QList<int>> dependents(n);
    for (const ComponentLink &link : graph.links) {
        const int from = index.value(link.from, -1);
        const int to = index.value(link.to, -1);
        if (from < 0 || to < 0 || from == to)
            continue;
        dependsOn[from].append(to);
        dependents[to].append(from);
    }
    // Layer = length of the longest dependency chain below a node; bounded by n so a cycle
    // cannot loop forever.
    QList<int> layer(n, 0);
    for (int round = 0; round < n; ++round) {
        bool moved = false;
        for (int i = 0; i < n; ++i) {
            for (int dependency : std::as_const(dependsOn[i])) {
                if (layer[i] < layer[dependency] + 1 && layer[dependency] + 1 < n) {
                    layer[i] = layer[dependency] + 1;
                    moved = true;
                }
            }
        }
        if (!moved)
            break;
    }
    const int layers = n ? *std::max_element(layer.cbegin(), layer.cend()) + 1 : 0;
    // Dependents on top: the topmost row is the highest layer.
    QList<QList<int>> rows(layers);
    for (int i = 0; i < n; ++i)
        rows[layers - 1 - layer[i]].append(i);
    QList<double> order(n, 0);
    for (const QList<int> &row : std::as_const(rows)) {
        for (int i = 0; i < row.size(); ++i)
            order[row.at(i)] = i;
    }
    for (int pass = 0; pass < 4; ++pass) {
        for (QList<int> &row : rows) {
            QList<double> weight(n, 0);
            for (int node : std::as_const(row)) {
                const QList<int> neighbours = dependsOn[node] + dependents[node];
                double sum = 0;
                for (int other : neighbours)
                    sum += order[other];
                weight[node] = neighbours.isEmpty() ? order[node] : sum / neighbours.size();
            }
            std::stable_sort(row.begin(), row.end(),
                             [&](int a, int b) { return weight[a] < weight[b]; });
            for (int i = 0; i < row.size(); ++i)
                order[row.at(i)] = i;
        }
    }
    const double hGap = 30;
    const double vGap = 60;
    double y = 0;
    double widest = 0;
    QList<double> rowWidths;
    for (const QList<int> &row : std::as_const(rows)) {
        double width = 0;
        for (int node : row)
            width += sizeOf(sizes, graph.nodes.at(node).key).width() + hGap;
        rowWidths.append(std::max(0.0, width - hGap));
        widest = std::max(widest, rowWidths.constLast());
    }
    for (int r = 0; r < rows.size(); ++r) {
        double x = (widest - rowWidths.at(r)) / 2;
        double rowHeight = 0;
        for (int node : std::as_const(rows[r])) {
            const QString &key = graph.nodes.at(node).key;
            const QSizeF size = sizeOf(sizes, key);
            layout.nodes.insert(key, QRectF(QPointF(x, y), size));
            x += size.width() + hGap;
            rowHeight = std::max(rowHeight, size.height());
        }
        y += rowHeight + vGap;
    }
    for (const ComponentLink &link : graph.links) {
        if (!layout.nodes.contains(link.from) || !layout.nodes.contains(link.to))
            continue;
        const QRectF a = layout.nodes.value(link.from);
        const QRectF b = layout.nodes.value(link.to);
        const bool down = a.center().y() <= b.center().y();
        const QPointF start(a.center().x(), down ? a.bottom() : a.top());
        const QPointF end(b.center().x(), down ? b.top() : b.bottom());
        GraphLayout::Edge edge{link.from, link.to, {start, start, end, end}, std::nullopt};
        layout.edges.append(edge);
    }
    for (const QRectF &rect : std::as_const(layout.nodes))
        layout.bounds = layout.bounds.united(rect);
    if (graph.hasClusters()) {
        // No cluster-aware placement here: a plugin's frame is the box around its components.
        for (const ComponentNode &node : graph.nodes) {
            if (node.isPlugin() || node.plugin().isEmpty())
                continue;
            const QRectF rect = layout.nodes.value(node.key).adjusted(-8, -22, 8, 8);
            QRectF &frame = layout.clusters[node.plugin()];
            frame = frame.isNull() ? rect : frame.united(rect);
        }
        for (const QRectF &rect : std::as_const(layout.clusters))
            layout.bounds = layout.bounds.united(rect);
    }
    return layout;
}

//! A curve from the dependent's box to the dependency's, the arrow at the dependency.
GraphLayout::Edge curveBetween(const QString &from, const QString &to, const QRectF &a,
                               const QRectF &b)
{
    const bool down = a.center().y() <= b.center().y();
    const QPointF start(a.center().x(), down ? a.bottom() : a.top());
    const QPointF tip(b.center().x(), down ? b.top() : b.bottom());
    const QPointF end = tip + QPointF(0, down ? -8 : 8);
    const double bend = std::max(30.0, std::abs(end.y() - start.y()) / 2);
    const QPointF c1 = start + QPointF(0, down ? bend : -bend);
    const QPointF c2 = end + QPointF(0, down ? -bend : bend);
    return GraphLayout::Edge{from, to, {start, c1, c2, end}, tip};
}

#ifdef QRELOAD_HAVE_GRAPHVIZ
// Graphviz keeps global state (error handling, memory disciplines): one layout at a time.
QMutex graphvizMutex;
GVC_t *graphvizContext = nullptr;

char *cstr(const char *text)
{
    return const_cast<char *>(text);
}

std::optional<GraphLayout> graphvizLayout(const ComponentGraph &graph,
                                          const QHash<QString, QSizeF> &sizes)
{
    QMutexLocker lock(&graphvizMutex);
    if (!graphvizContext)
        graphvizContext = gvContext();
    if (!graphvizContext)
        return std::nullopt;

    Agraph_t *g = agopen(cstr("components"), Agdirected, nullptr);
    agattr(g, AGRAPH, cstr("rankdir"), cstr("TB"));
    agattr(g, AGRAPH, cstr("nodesep"), cstr("0.4"));
    agattr(g, AGRAPH, cstr("ranksep"), cstr("0.7"));
    agattr(g, AGNODE, cstr("shape"), cstr("box"));
    agattr(g, AGNODE, cstr("fixedsize"), cstr("true"));
    agattr(g, AGNODE, cstr("label"), cstr(""));
    agattr(g, AGNODE, cstr("width"), cstr("2"));
    agattr(g, AGNODE, cstr("height"), cstr("0.75"));
    agattr(g, AGRAPH, cstr("label"), cstr(""));

    // One cluster per plugin whose components are drawn (dot keeps a cluster's nodes together
    // and routes edges around other clusters); the frame is drawn by the view.
    QHash<QString, Agraph_t *> clusters;
    if (graph.hasClusters()) {
        int number = 0;
        for (const ComponentNode &node : graph.nodes) {
            const QString plugin = node.plugin();
            if (node.isPlugin() || plugin.isEmpty() || clusters.contains(plugin))
                continue;
            QByteArray name = "cluster_" + QByteArray::number(number++);
            Agraph_t *sub = agsubg(g, name.data(), 1);
            // The label only reserves room for the frame's title above the nodes.
            QByteArray label = plugin.toUtf8();
            agset(sub, cstr("label"), label.data());
            clusters.insert(plugin, sub);
        }
    }

    QHash<QString, Agnode_t *> nodes;
    for (const ComponentNode &node : graph.nodes) {
        QByteArray name = node.key.toUtf8();
        Agnode_t *n = agnode(g, name.data(), 1);
        if (Agraph_t *sub = node.isPlugin() ? nullptr : clusters.value(node.plugin()))
            agsubnode(sub, n, 1);
        const QSizeF size = sizeOf(sizes, node.key);
        QByteArray width = QByteArray::number(size.width() / 72.0, 'f', 4);
        QByteArray height = QByteArray::number(size.height() / 72.0, 'f', 4);
        agset(n, cstr("width"), width.data());
        agset(n, cstr("height"), height.data());
        nodes.insert(node.key, n);
    }
    QList<QPair<Agedge_t *, const ComponentLink *>> edges;
    for (const ComponentLink &link : graph.links) {
        Agnode_t *from = nodes.value(link.from);
        Agnode_t *to = nodes.value(link.to);
        if (!from || !to)
            continue;
        // One spline per pair: two dependencies on the same provider draw as one edge.
        if (agedge(g, from, to, nullptr, 0))
            continue;
        edges.append({agedge(g, from, to, nullptr, 1), &link});
    }

    if (gvLayout(graphvizContext, g, "dot") != 0) {
        agclose(g);
        return std::nullopt;
    }
    GraphLayout layout;
    layout.engine = QStringLiteral("dot");
    const boxf bb = GD_bb(g);
    // Graphviz puts y upwards; the scene has it downwards.
    const auto flip = [&](pointf p) {
        return QPointF(p.x - bb.LL.x, bb.UR.y - p.y);
    };
    for (auto it = nodes.cbegin(); it != nodes.cend(); ++it) {
        const QPointF centre = flip(ND_coord(it.value()));
        const QSizeF size(ND_width(it.value()) * 72.0, ND_height(it.value()) * 72.0);
        layout.nodes.insert(it.key(),
                            QRectF(centre - QPointF(size.width() / 2, size.height() / 2), size));
    }
    for (const auto &[e, link] : std::as_const(edges)) {
        GraphLayout::Edge edge{link->from, link->to, {}, std::nullopt};
        const splines *spl = ED_spl(e);
        if (spl && spl->size > 0) {
            const bezier &bz = spl->list[0];
            for (int i = 0; i < bz.size; ++i)
                edge.spline.append(flip(bz.list[i]));
            if (bz.eflag)
                edge.arrowTip = flip(bz.ep);
        }
        layout.edges.append(edge);
    }
    for (auto it = clusters.cbegin(); it != clusters.cend(); ++it) {
        const boxf box = GD_bb(it.value());
        layout.clusters.insert(it.key(), QRectF(flip(box.LL), flip(box.UR)).normalized());
    }
    layout.bounds = QRectF(0, 0, bb.UR.x - bb.LL.x, bb.UR.y - bb.LL.y);
    gvFreeLayout(graphvizContext, g);
    agclose(g);
    return layout;
}

/*!
 * dot with a cluster per plugin costs about 2 s for 1,000 components in 50 plugins on the
 * reference machine, and grows faster than the graph. Large clustered graphs are laid out by
 * parts instead: each plugin's components on their own (cached, so expanding one plugin lays out
 * only that one again), then one dot layout of the plugins as boxes of those sizes. Edges inside
 * a plugin keep dot's splines; edges between plugins are drawn as curves from box to box.
 */
QString clusterBoxKey(const QString &plugin)
{
    return QStringLiteral("\x1f"
                          "cluster:")
           + plugin;
}

bool isClusterBox(const QString &key)
{
    return key.startsWith(QLatin1Char('\x1f'));
}

QByteArray clusterSignature(const ComponentGraph &part, const QHash<QString, QSizeF> &sizes)
{
    QByteArray signature;
    for (const ComponentNode &node : part.nodes) {
        const QSizeF size = sizeOf(sizes, node.key);
        signature += node.key.toUtf8() + ' ' + QByteArray::number(size.width()) + 'x'
                     + QByteArray::number(size.height()) + '\n';
    }
    for (const ComponentLink &link : part.links)
        signature += link.from.toUtf8() + "->" + link.to.toUtf8() + '\n';
    return signature;
}

QMutex clusterCacheMutex;
QHash<QByteArray, GraphLayout> clusterCache;

std::optional<GraphLayout> layoutByCluster(const ComponentGraph &graph,
                                           const QHash<QString, QSizeF> &sizes)
{
    // Split: each plugin's components and the links among them; everything else stays on top.
    QHash<QString, ComponentGraph> parts;
    QStringList plugins;
    QHash<QString, QString> topKey; // node key -> the key of what stands for it on top
    QHash<QString, QString> pluginOf;
    ComponentGraph top;
    for (const ComponentNode &node : graph.nodes) {
        const QString plugin = node.isPlugin() ? QString() : node.plugin();
        if (plugin.isEmpty()) {
            top.nodes.append(node);
            topKey.insert(node.key, node.key);
            continue;
        }
        if (!parts.contains(plugin))
            plugins.append(plugin);
        parts[plugin].nodes.append(node);
        topKey.insert(node.key, clusterBoxKey(plugin));
        pluginOf.insert(node.key, plugin);
    }
    QList<const ComponentLink *> between;
    for (const ComponentLink &link : graph.links) {
        const QString from = topKey.value(link.from);
        const QString to = topKey.value(link.to);
        if (from.isEmpty() || to.isEmpty())
            continue;
        if (from == to && from != link.from)
            parts[pluginOf.value(link.from)].links.append(link);
        else
            between.append(&link);
    }

    const double padding = 12;
    const double title = 24; // room for the frame's title
    QHash<QString, QSizeF> topSizes = sizes;
    QHash<QString, GraphLayout> partLayouts;
    for (const QString &plugin : std::as_const(plugins)) {
        const ComponentGraph &part = parts.value(plugin);
        const QByteArray signature = clusterSignature(part, sizes);
        std::optional<GraphLayout> layout;
        {
            QMutexLocker lock(&clusterCacheMutex);
            if (clusterCache.contains(signature))
                layout = clusterCache.value(signature);
        }
        if (!layout) {
            layout = graphvizLayout(part, sizes);
            if (!layout)
                return std::nullopt;
            QMutexLocker lock(&clusterCacheMutex);
            if (clusterCache.size() > 2000)
                clusterCache.clear(); // bounded: a few generations of a large app
            clusterCache.insert(signature, *layout);
        }
        partLayouts.insert(plugin, *layout);
        ComponentNode box;
        box.key = clusterBoxKey(plugin);
        top.nodes.append(box);
        topSizes.insert(box.key, layout->bounds.size() + QSizeF(2 * padding, 2 * padding + title));
    }
    QSet<QPair<QString, QString>> topLinks;
    for (const ComponentLink *link : std::as_const(between)) {
        const auto pair = qMakePair(topKey.value(link->from), topKey.value(link->to));
        if (pair.first == pair.second || topLinks.contains(pair))
            continue;
        topLinks.insert(pair);
        top.links.append(ComponentLink{pair.first, pair.second, {}});
    }
    std::optional<GraphLayout> outer = graphvizLayout(top, topSizes);
    if (!outer)
        return std::nullopt;

    GraphLayout layout;
    layout.engine = QStringLiteral("dot, by cluster");
    layout.bounds = outer->bounds;
    for (const ComponentNode &node : top.nodes) {
        if (!isClusterBox(node.key))
            layout.nodes.insert(node.key, outer->nodes.value(node.key));
    }
    for (const GraphLayout::Edge &edge : std::as_const(outer->edges)) {
        if (!isClusterBox(edge.from) && !isClusterBox(edge.to))
            layout.edges.append(edge);
    }
    for (const QString &plugin : std::as_const(plugins)) {
        const QRectF frame = outer->nodes.value(clusterBoxKey(plugin));
        layout.clusters.insert(plugin, frame);
        const GraphLayout &part = partLayouts.value(plugin);
        // Centre the part in its frame, below the title.
        const QPointF offset
            = frame.topLeft() + QPointF((frame.width() - part.bounds.width()) / 2, padding + title);
        for (auto it = part.nodes.cbegin(); it != part.nodes.cend(); ++it)
            layout.nodes.insert(it.key(), it.value().translated(offset));
        for (GraphLayout::Edge edge : part.edges) {
            for (QPointF &point : edge.spline)
                point += offset;
            if (edge.arrowTip)
                *edge.arrowTip += offset;
            layout.edges.append(edge);
        }
    }
    // Between plugins: a curve from the dependent's bottom to the dependency's top (or the
    // other way round when the dependency was placed higher), the arrow at the dependency.
    for (const ComponentLink *link : std::as_const(between)) {
        if (!pluginOf.contains(link->from) && !pluginOf.contains(link->to))
            continue; // two top-level nodes: dot routed it above
        const QRectF a = layout.nodes.value(link->from);
        const QRectF b = layout.nodes.value(link->to);
        if (a.isNull() || b.isNull())
            continue;
        layout.edges.append(curveBetween(link->from, link->to, a, b));
    }
    return layout;
}
#endif

/*!
 * A long chain (plugins that each depend on the one before) lays out as one column hundreds of
 * boxes high, which fitted to a window is a line of dots. Such a layout is cut into horizontal
 * bands placed side by side, so that it has about the window's proportions; a plugin's frame
 * moves with its components, and edges between bands are redrawn as curves.
 */
void foldTallLayout(GraphLayout &layout, const ComponentGraph &graph)
{
    const double width = layout.bounds.width();
    const double height = layout.bounds.height();
    if (width <= 0 || height < 1500 || height < 2.5 * width)
        return;
    const double wanted = 0.6; // height / width, about a graph panel's
    const int columns = std::max(2, int(std::ceil(std::sqrt(height / width / wanted))));
    const double band = height / columns;
    const double gap = 60;
    const auto bandOf = [&](const QRectF &rect) {
        return std::clamp(int((rect.center().y() - layout.bounds.top()) / band), 0, columns - 1);
    };
    const auto shift = [&](int b) {
        return QPointF(b * (width + gap), -b * band);
    };
    QHash<QString, int> clusterBand;
    for (auto it = layout.clusters.begin(); it != layout.clusters.end(); ++it) {
        const int b = bandOf(it.value());
        clusterBand.insert(it.key(), b);
        it.value().translate(shift(b));
    }
    QHash<QString, int> nodeBand;
    for (const ComponentNode &node : graph.nodes) {
        auto rect = layout.nodes.find(node.key);
        if (rect == layout.nodes.end())
            continue;
        const int b = clusterBand.value(node.isPlugin() ? QString() : node.plugin(), bandOf(*rect));
        nodeBand.insert(node.key, b);
        rect->translate(shift(b));
    }
    for (GraphLayout::Edge &edge : layout.edges) {
        const int from = nodeBand.value(edge.from, -1);
        const int to = nodeBand.value(edge.to, -1);
        if (from < 0 || to < 0)
            continue;
        if (from == to) {
            for (QPointF &point : edge.spline)
                point += shift(from);
            if (edge.arrowTip)
                *edge.arrowTip += shift(from);
        } else {
            edge = curveBetween(edge.from, edge.to, layout.nodes.value(edge.from),
                                layout.nodes.value(edge.to));
        }
    }
    // Back to the origin, bounds around everything.
    QRectF bounds;
    for (const QRectF &rect : std::as_const(layout.nodes))
        bounds = bounds.isNull() ? rect : bounds.united(rect);
    for (const QRectF &rect : std::as_const(layout.clusters))
        bounds = bounds.united(rect);
    for (const GraphLayout::Edge &edge : std::as_const(layout.edges)) {
        for (const QPointF &point : edge.spline)
            bounds = bounds.united(QRectF(point, QSizeF(1, 1)));
    }
    const QPointF origin = -bounds.topLeft();
    for (QRectF &rect : layout.nodes)
        rect.translate(origin);
    for (QRectF &rect : layout.clusters)
        rect.translate(origin);
    for (GraphLayout::Edge &edge : layout.edges) {
        for (QPointF &point : edge.spline)
            point += origin;
        if (edge.arrowTip)
            *edge.arrowTip += origin;
    }
    layout.bounds = QRectF(QPointF(0, 0), bounds.size());
}

} // namespace

ComponentGraphLayout::ComponentGraphLayout(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<GraphLayout>();
}

ComponentGraphLayout::~ComponentGraphLayout() = default;

bool ComponentGraphLayout::graphvizAvailable()
{
#ifdef QRELOAD_HAVE_GRAPHVIZ
    return true;
#else
    return false;
#endif
}

GraphLayout ComponentGraphLayout::computeWhole(const ComponentGraph &graph,
                                               const QHash<QString, QSizeF> &sizes)
{
    QElapsedTimer timer;
    timer.start();
    std::optional<GraphLayout> layout;
#ifdef QRELOAD_HAVE_GRAPHVIZ
    if (!graph.nodes.isEmpty())
        layout = graphvizLayout(graph, sizes);
#endif
    if (!layout)
        layout = layeredLayout(graph, sizes);
    layout->generation = graph.generation;
    layout->ms = timer.nsecsElapsed() / 1e6;
    return *layout;
}

GraphLayout ComponentGraphLayout::compute(const ComponentGraph &graph,
                                          const QHash<QString, QSizeF> &sizes, bool useGraphviz)
{
    QElapsedTimer timer;
    timer.start();
    std::optional<GraphLayout> layout;
#ifdef QRELOAD_HAVE_GRAPHVIZ
    if (useGraphviz && !graph.nodes.isEmpty()) {
        int components = 0;
        for (const ComponentNode &node : graph.nodes)
            components += node.isPlugin() ? 0 : 1;
        if (graph.hasClusters() && components > ClusteredLayoutThreshold)
            layout = layoutByCluster(graph, sizes);
        if (!layout)
            layout = graphvizLayout(graph, sizes);
        if (!layout)
            qCWarning(lcGraphLayout) << "Graphviz could not lay out the graph; using the "
                                        "layered layout";
    }
#else
    Q_UNUSED(useGraphviz)
#endif
    if (!layout)
        layout = layeredLayout(graph, sizes);
    foldTallLayout(*layout, graph);
    layout->generation = graph.generation;
    layout->ms = timer.nsecsElapsed() / 1e6;
    return *layout;
}

quint64 ComponentGraphLayout::request(const ComponentGraph &graph,
                                      const QHash<QString, QSizeF> &sizes)
{
    const quint64 id = ++m_lastRequest;
    ++m_pending;
    auto promise = std::make_shared<QPromise<GraphLayout>>();
    // The watcher is this object's child: if this object dies first, the result is dropped.
    auto *watcher = new QFutureWatcher<GraphLayout>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, id] {
        --m_pending;
        const QFuture<GraphLayout> future = watcher->future();
        watcher->deleteLater();
        if (id != m_lastRequest || future.resultCount() == 0)
            return; // stale: a newer graph is being laid out
        Q_EMIT finished(id, future.result());
    });
    watcher->setFuture(promise->future());
    promise->start();
    QThreadPool::globalInstance()->start([promise, graph, sizes] {
        promise->addResult(compute(graph, sizes));
        promise->finish();
    });
    return id;
}

} // namespace qreload::app
