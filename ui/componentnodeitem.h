#pragma once

#include "componentgraph.h"

#include <QGraphicsItem>

namespace qreload::ui {

/*!
 * One component in the graph view: a rounded box with key, class and plugin file, filled by state
 * (created, lazy, failed) and badged by what the last reload did (new, changed, recreated, kept,
 * removed). Removed components are drawn faded. A collapsed plugin is a stack of boxes with its
 * name, component count and the reload's badges counted. Zoomed out below readability, a node is
 * drawn as a plain box in the colour of its first badge (or state).
 */
class ComponentNodeItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 41 };

    ComponentNodeItem(const qreload::app::ComponentNode &node, const QRectF &rect);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    const qreload::app::ComponentNode &node() const { return m_node; }
    //! Updates the state shown without moving the item.
    void setNode(const qreload::app::ComponentNode &node);
    //! The badges drawn, e.g. {"NEW"} or {"LAZY", "CHANGED"}; a collapsed plugin's are counted:
    //! {"2 CHANGED", "3 RECREATED"}.
    QStringList badges() const;
    static QStringList badgesFor(const qreload::app::ComponentNode &node);
    //! The fill colour for the node's state on a light or dark background.
    QColor fillColor(bool dark) const;

    //! The size a node needs for its text in `font`.
    static QSizeF preferredSize(const qreload::app::ComponentNode &node, const QFont &font);
    static QString tooltipFor(const qreload::app::ComponentNode &node);

private:
    qreload::app::ComponentNode m_node;
    QRectF m_rect;
};

} // namespace qreload::ui
