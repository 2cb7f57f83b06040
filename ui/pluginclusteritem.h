#pragma once

#include <QGraphicsItem>

namespace qreload::ui {

/*!
 * The frame around one expanded plugin's components in the graph view, titled with the plugin's
 * file name and its component count. Double-clicking the frame (or its title) collapses the
 * plugin to one node (ComponentGraphView handles that).
 */
class PluginClusterItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 42 };

    PluginClusterItem(const QString &plugin, int components, const QRectF &rect);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    //! Only the frame's border band and title take clicks: its inside belongs to the nodes.
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    const QString &plugin() const { return m_plugin; }
    QRectF frame() const { return m_rect; }

private:
    QString m_plugin;
    int m_components;
    QRectF m_rect;
};

} // namespace qreload::ui
