#pragma once

#include "componentgraph.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointF>
#include <QRectF>
#include <QSizeF>

#include <optional>

namespace qreload::app {

//! Where a layout put the nodes and edges of a ComponentGraph, in points, y growing downwards.
struct GraphLayout
{
    struct Edge
    {
        QString from;
        QString to;
        //! A cubic Bézier spline: start, then (control, control, end) triples.
        QList<QPointF> spline;
        //! The tip of the arrow head, when the spline stops short of the node.
        std::optional<QPointF> arrowTip;
    };

    quint64 generation = 0;
    QHash<QString, QRectF> nodes;    //!< key -> node rectangle
    QHash<QString, QRectF> clusters; //!< plugin -> the frame around its components
    QList<Edge> edges;
    QRectF bounds;
    QString engine; //!< "dot" (Graphviz), "dot, by cluster" or "layered" (the built-in fallback)
    double ms = 0;  //!< how long the layout took
};

/*!
 * Lays out component graphs with Graphviz `dot` (when qreload was built with it) or with a simple
 * layered layout, off the UI thread: request() returns at once and finished() arrives on the
 * object's thread. Only the newest request is delivered; older results are dropped as stale.
 */
class ComponentGraphLayout : public QObject
{
    Q_OBJECT

public:
    explicit ComponentGraphLayout(QObject *parent = nullptr);
    ~ComponentGraphLayout() override;

    //! True when built with Graphviz (cgraph + gvc).
    static bool graphvizAvailable();

    /*!
     * Lays `graph` out synchronously on the calling thread (any thread; Graphviz calls are
     * serialized internally). `sizes` gives each node's size in points; missing nodes get
     * defaultNodeSize(). `useGraphviz` false forces the layered fallback.
     */
    static GraphLayout compute(const ComponentGraph &graph, const QHash<QString, QSizeF> &sizes,
                               bool useGraphviz = true);
    //! The same, always with one dot run (no layout by cluster): for measurements.
    static GraphLayout computeWhole(const ComponentGraph &graph,
                                    const QHash<QString, QSizeF> &sizes);
    static QSizeF defaultNodeSize() { return {170, 54}; }
    /*!
     * Graphs of more components than this, in plugin clusters, are laid out by cluster ("dot,
     * by cluster": each plugin alone, cached, then the plugins as boxes), not by one dot run:
     * dot with clusters took ~2 s for 1,000 components (see bench/graphbench).
     */
    static constexpr int ClusteredLayoutThreshold = 300;

    //! Starts laying out `graph` on the thread pool; returns the request's id.
    quint64 request(const ComponentGraph &graph, const QHash<QString, QSizeF> &sizes = {});
    //! True while a request has not been delivered yet.
    bool isBusy() const { return m_pending > 0; }

Q_SIGNALS:
    void finished(quint64 requestId, const qreload::app::GraphLayout &layout);

private:
    quint64 m_lastRequest = 0;
    int m_pending = 0;
};

} // namespace qreload::app

Q_DECLARE_METATYPE(qreload::app::GraphLayout)
