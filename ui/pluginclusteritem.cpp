#include "pluginclusteritem.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QWidget>

namespace qreload::ui {

namespace {

QString componentCount(int n)
{
    return n == 1 ? QObject::tr("1 component") : QObject::tr("%1 components").arg(n);
}

} // namespace

PluginClusterItem::PluginClusterItem(const QString &plugin, int components, const QRectF &rect)
    : m_plugin(plugin)
    , m_components(components)
    , m_rect(rect)
{
    setZValue(-1);
    setData(0, plugin);
    setToolTip(QObject::tr("%1: %2. Double-click the frame to collapse it")
                   .arg(plugin, componentCount(components)));
}

QRectF PluginClusterItem::boundingRect() const
{
    return m_rect.adjusted(-2, -2, 2, 2);
}

QPainterPath PluginClusterItem::shape() const
{
    QPainterPath outer;
    outer.addRect(boundingRect());
    QPainterPath inner;
    inner.addRect(m_rect.adjusted(10, 24, -10, -10));
    return outer.subtracted(inner);
}

void PluginClusterItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option,
                              QWidget *widget)
{
    const QPalette pal = widget ? widget->palette() : QApplication::palette();
    const bool dark = pal.color(QPalette::Base).lightness() < 128;
    QColor fill = dark ? QColor(0x2a, 0x30, 0x3a) : QColor(0xf2, 0xf5, 0xfa);
    QColor border = dark ? QColor(0x5a, 0x66, 0x78) : QColor(0x9a, 0xa5, 0xb5);
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(QPen(border, 1.2));
    painter->setBrush(fill);
    painter->drawRoundedRect(m_rect, 8, 8);
    if (option->levelOfDetailFromTransform(painter->worldTransform()) < 0.15)
        return;
    QFont font = widget ? widget->font() : QApplication::font();
    font.setBold(true);
    painter->setFont(font);
    painter->setPen(dark ? QColor(0xc8, 0xd0, 0xdc) : QColor(0x3a, 0x45, 0x55));
    const QString title = QObject::tr("%1 · %2").arg(m_plugin, componentCount(m_components));
    const QRectF titleRect(m_rect.left() + 8, m_rect.top() + 2, m_rect.width() - 16, 20);
    painter->drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetricsF(font).elidedText(title, Qt::ElideMiddle, titleRect.width()));
}

} // namespace qreload::ui
