#pragma once

#include "componentgraph.h"
#include "componentgraphlayout.h"

#include <QGraphicsView>

namespace qreload::ui {

class ComponentNodeItem;

/*!
 * The component graph of the current generation: nodes laid out by ComponentGraphLayout off the
 * UI thread, drawn in a QGraphicsScene. Wheel zooms (around the cursor), dragging the background
 * pans, F or fitToView() fits. Selecting a node emits componentSelected(). A graph whose
 * structure did not change only updates its nodes' states, without a new layout.
 */
class ComponentGraphView : public QGraphicsView
{
    Q_OBJECT

public:
    explicit ComponentGraphView(QWidget *parent = nullptr);
    ~ComponentGraphView() override;

    void setGraph(const qreload::app::ComponentGraph &graph);
    const qreload::app::ComponentGraph &graph() const { return m_graph; }
    //! The layout shown (empty until the first layout arrives).
    const qreload::app::GraphLayout &currentLayout() const { return m_layout; }
    //! True while the shown items lag behind the last graph set (a layout is running).
    bool isLayingOut() const { return m_pendingLayout != 0; }
    ComponentNodeItem *nodeItem(const QString &key) const;
    QString selectedKey() const;
    void selectComponent(const QString &key);

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

protected:
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void onLayoutFinished(quint64 id, const qreload::app::GraphLayout &layout);
    void buildScene();
    void showMessage(const QString &text);
    void zoomBy(double factor);
    static bool sameStructure(const qreload::app::ComponentGraph &a,
                              const qreload::app::ComponentGraph &b);

    QGraphicsScene *m_scene;
    qreload::app::ComponentGraphLayout *m_layouter;
    qreload::app::ComponentGraph m_graph;
    qreload::app::ComponentGraph m_shownGraph;
    qreload::app::GraphLayout m_layout;
    QHash<QString, ComponentNodeItem *> m_items;
    quint64 m_pendingLayout = 0;
    bool m_userZoomed = false;
    bool m_hasShown = false;
};

} // namespace qreload::ui
