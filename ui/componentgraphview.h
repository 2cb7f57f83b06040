#pragma once

#include "componentgraph.h"
#include "componentgraphlayout.h"
#include "componentneighbourhood.h"
#include "pluginclusters.h"

#include <QGraphicsView>

class QAction;
class QMenu;

namespace qreload::ui {

class ComponentNodeItem;
class PluginClusterItem;

/*!
 * The component graph of the current generation: nodes laid out by ComponentGraphLayout off the
 * UI thread, drawn in a QGraphicsScene. Wheel zooms (around the cursor), dragging the background
 * pans, F or fitToView() fits. Selecting a node emits componentSelected(). A graph whose
 * structure did not change only updates its nodes' states, without a new layout.
 *
 * For large applications: the components of each plugin are framed as a cluster, and a plugin
 * can be collapsed to one node and expanded again (double-click, context menu; PluginClusters
 * decides, and applications above its threshold open collapsed). showNeighbourhood() narrows the
 * graph to one component and what is 1 or 2 hops around it; showAll() returns. The user's
 * choices survive setGraph() of later generations.
 */
class ComponentGraphView : public QGraphicsView
{
    Q_OBJECT

public:
    explicit ComponentGraphView(QWidget *parent = nullptr);
    ~ComponentGraphView() override;

    //! The whole graph of the generation; what is drawn follows from it (shownGraph()).
    void setGraph(const qreload::app::ComponentGraph &graph);
    const qreload::app::ComponentGraph &graph() const { return m_graph; }
    //! What the scene shows: collapsed plugins as one node each, or a neighbourhood.
    const qreload::app::ComponentGraph &shownGraph() const { return m_shownGraph; }
    //! The layout shown (empty until the first layout arrives).
    const qreload::app::GraphLayout &currentLayout() const { return m_layout; }
    //! True while the shown items lag behind the last graph set (a layout is running).
    bool isLayingOut() const { return m_pendingLayout != 0; }
    //! The drawn node of `key`: a component, or a collapsed plugin (pluginNodeKey()).
    ComponentNodeItem *nodeItem(const QString &key) const;
    //! The frame of an expanded plugin.
    PluginClusterItem *clusterItem(const QString &plugin) const;
    QString selectedKey() const;
    /*!
     * Selects the component and centres the view on it, zoomed in enough to read it. A
     * component of a collapsed plugin expands that plugin first, and one outside the
     * neighbourhood shown returns to the whole graph; the selection then follows the new layout.
     */
    void selectComponent(const QString &key);

    //! Plugins drawn as one node, how many components make the graph start collapsed.
    bool isPluginCollapsed(const QString &plugin) const;
    void setPluginCollapsed(const QString &plugin, bool collapsed);
    void setAllPluginsCollapsed(bool collapsed);
    int collapseThreshold() const { return m_clusters.collapseThreshold(); }
    void setCollapseThreshold(int components);

    const qreload::app::ComponentNeighbourhood &neighbourhood() const { return m_neighbourhood; }
    //! Shows `key` with its dependencies and dependents up to `hops` away (1 or 2).
    void showNeighbourhood(const QString &key, int hops);
    //! Back to the whole graph.
    void showAll();

    /*!
     * What the last reload did, as the view's caption says it: "Last reload: 2 recreated, 1 new,
     * 1 removed, 996 kept". Empty when the graph carries nothing of a reload.
     */
    QString reloadSummary() const;

    /*!
     * For a toolbar: Show neighbourhood of the selected component (1 hop, 2 hops), Show all,
     * Collapse all, Expand all; enabled as they apply.
     */
    QList<QAction *> toolActions() const;

    //! The context menu for a drawn item (a node, a plugin's frame or node) or the background.
    QMenu *createContextMenu(QGraphicsItem *item, QWidget *parent);

    bool exportDot(const QString &path, QString *error = nullptr) const;
    bool exportSvg(const QString &path, QString *error = nullptr);
    bool exportPng(const QString &path, QString *error = nullptr);
    static bool svgExportAvailable();

public Q_SLOTS:
    void fitToView();
    void zoomIn();
    void zoomOut();
    void resetZoom();

Q_SIGNALS:
    void componentSelected(const QString &key);
    //! The scene now shows the graph of this generation.
    void graphShown(quint64 generation);
    //! showNeighbourhood() or showAll(): `key` is empty for the whole graph.
    void neighbourhoodChanged(const QString &key, int hops);

protected:
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void drawForeground(QPainter *painter, const QRectF &rect) override;

private:
    void onLayoutFinished(quint64 id, const qreload::app::GraphLayout &layout);
    //! Draws m_graph again after the collapse or neighbourhood choices changed.
    void updateShown();
    void buildScene();
    void showMessage(const QString &text);
    void zoomBy(double factor);
    void revealSelection();
    void updateActions();
    static bool sameStructure(const qreload::app::ComponentGraph &a,
                              const qreload::app::ComponentGraph &b);

    QGraphicsScene *m_scene;
    qreload::app::ComponentGraphLayout *m_layouter;
    qreload::app::ComponentGraph m_graph;
    qreload::app::ComponentGraph m_shownGraph; //!< what the scene's items show
    qreload::app::ComponentGraph m_nextGraph;  //!< what the running layout is for
    qreload::app::GraphLayout m_layout;
    qreload::app::PluginClusters m_clusters;
    qreload::app::ComponentNeighbourhood m_neighbourhood;
    QHash<QString, ComponentNodeItem *> m_items;
    QHash<QString, PluginClusterItem *> m_clusterItems;
    QAction *m_neighbourhood1Action;
    QAction *m_neighbourhood2Action;
    QAction *m_showAllAction;
    QAction *m_collapseAllAction;
    QAction *m_expandAllAction;
    QRectF m_contentRect;       //!< the drawn graph (the scene rect is larger, to centre any node)
    QString m_pendingSelection; //!< selectComponent() waiting for a layout
    quint64 m_pendingLayout = 0;
    bool m_userZoomed = false;
    bool m_hasShown = false;
};

} // namespace qreload::ui
