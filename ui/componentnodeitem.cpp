#include "componentnodeitem.h"

#include <QApplication>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QWidget>

namespace qreload::ui {

using app::ComponentNode;

namespace {

QString pluginName(const ComponentNode &node)
{
    return node.pluginFile.isEmpty() ? QString() : QFileInfo(node.pluginFile).fileName();
}

//! "1 component", "20 components" (no translations are loaded to pluralize %n).
QString components(int n)
{
    return n == 1 ? QObject::tr("1 component") : QObject::tr("%1 components").arg(n);
}

//! The bold first line: the key, or a collapsed plugin's name.
QString title(const ComponentNode &node)
{
    return node.isPlugin() ? node.plugin() : node.key;
}

//! The lines under the title.
QStringList detailLines(const ComponentNode &node)
{
    if (node.isPlugin())
        return {components(node.members.components), QObject::tr("double-click to expand")};
    QStringList lines;
    if (!node.className.isEmpty())
        lines.append(node.className);
    if (!pluginName(node).isEmpty())
        lines.append(pluginName(node));
    return lines;
}

QFont smallFont(const QFont &font)
{
    QFont small = font;
    small.setPointSizeF(std::max(6.0, font.pointSizeF() * 0.85));
    return small;
}

QFont boldFont(const QFont &font)
{
    QFont bold = font;
    bold.setBold(true);
    return bold;
}

} // namespace

ComponentNodeItem::ComponentNodeItem(const ComponentNode &node, const QRectF &rect)
    : m_node(node)
    , m_rect(rect)
{
    setFlags(ItemIsSelectable);
    setAcceptHoverEvents(true);
    setToolTip(tooltipFor(node));
    setOpacity(node.removed ? 0.45 : 1.0);
    setData(0, node.key);
    setZValue(1);
}

QRectF ComponentNodeItem::boundingRect() const
{
    return m_rect.adjusted(-3, -10, 3, 3);
}

void ComponentNodeItem::setNode(const ComponentNode &node)
{
    m_node = node;
    setToolTip(tooltipFor(node));
    setOpacity(node.removed ? 0.45 : 1.0);
    update();
}

QStringList ComponentNodeItem::badges() const
{
    return badgesFor(m_node);
}

QStringList ComponentNodeItem::badgesFor(const ComponentNode &node)
{
    QStringList badges;
    if (node.isPlugin()) {
        // What the last reload did inside the collapsed plugin, counted.
        const app::MemberTally &t = node.members;
        const auto add = [&badges](int n, const char *what) {
            if (n > 0)
                badges.append(QStringLiteral("%1 %2").arg(n).arg(QLatin1String(what)));
        };
        add(t.failed, "FAILED");
        add(t.added, "NEW");
        add(t.changed, "CHANGED");
        add(t.recreated, "RECREATED");
        add(t.removed, "REMOVED");
        if (node.kept)
            badges.append(QStringLiteral("KEPT"));
        return badges;
    }
    if (node.removed)
        return {QStringLiteral("REMOVED")};
    if (node.failed)
        badges.append(QStringLiteral("FAILED"));
    if (node.added)
        badges.append(QStringLiteral("NEW"));
    if (node.changed)
        badges.append(QStringLiteral("CHANGED"));
    else if (node.recreated)
        badges.append(QStringLiteral("RECREATED"));
    if (node.kept)
        badges.append(QStringLiteral("KEPT"));
    if (!node.created && !node.failed)
        badges.append(node.scope == Scope::Prototype ? QStringLiteral("PROTOTYPE")
                                                     : QStringLiteral("LAZY"));
    return badges;
}

QColor ComponentNodeItem::fillColor(bool dark) const
{
    if (m_node.removed)
        return dark ? QColor(0x44, 0x44, 0x44) : QColor(0xee, 0xee, 0xee);
    if (m_node.failed)
        return dark ? QColor(0x6b, 0x25, 0x25) : QColor(0xf8, 0xd0, 0xd0);
    if (m_node.added)
        return dark ? QColor(0x1f, 0x44, 0x6e) : QColor(0xd4, 0xe7, 0xfb);
    if (m_node.changed)
        return dark ? QColor(0x5e, 0x48, 0x17) : QColor(0xfd, 0xeb, 0xc8);
    if (m_node.recreated)
        return dark ? QColor(0x4d, 0x3f, 0x22) : QColor(0xfe, 0xf4, 0xdf);
    if (m_node.isPlugin())
        return dark ? QColor(0x33, 0x3a, 0x46) : QColor(0xe6, 0xec, 0xf5);
    if (!m_node.created)
        return dark ? QColor(0x2b, 0x2e, 0x33) : QColor(0xff, 0xff, 0xff);
    return dark ? QColor(0x23, 0x4d, 0x2c) : QColor(0xd9, 0xf0, 0xdc);
}

static QColor borderColor(const ComponentNode &node)
{
    if (node.removed)
        return QColor(0x99, 0x99, 0x99);
    if (node.failed)
        return QColor(0xc6, 0x28, 0x28);
    if (node.added)
        return QColor(0x1e, 0x6f, 0xd9);
    if (node.changed)
        return QColor(0xd9, 0x8e, 0x04);
    if (node.recreated)
        return QColor(0xe0, 0x6c, 0x00);
    if (node.isPlugin())
        return QColor(0x5a, 0x6b, 0x85);
    if (!node.created)
        return QColor(0x7a, 0x86, 0x9a);
    return QColor(0x3c, 0x8d, 0x48);
}

static QColor badgeColor(const QString &badge)
{
    if (badge.endsWith(QLatin1String("FAILED")))
        return QColor(0xc6, 0x28, 0x28);
    if (badge.endsWith(QLatin1String("NEW")))
        return QColor(0x1e, 0x6f, 0xd9);
    if (badge.endsWith(QLatin1String("CHANGED")))
        return QColor(0xd9, 0x8e, 0x04);
    if (badge.endsWith(QLatin1String("RECREATED")))
        return QColor(0xe0, 0x6c, 0x00);
    if (badge.endsWith(QLatin1String("REMOVED")))
        return QColor(0x99, 0x99, 0x99);
    if (badge == QLatin1String("KEPT"))
        return QColor(0x4f, 0x8a, 0x6a);
    return QColor(0x7a, 0x86, 0x9a); // LAZY, PROTOTYPE
}

void ComponentNodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option,
                              QWidget *widget)
{
    const QPalette pal = widget ? widget->palette() : QApplication::palette();
    const bool dark = pal.color(QPalette::Base).lightness() < 128;
    const QFont font = widget ? widget->font() : QApplication::font();
    const double detail = option->levelOfDetailFromTransform(painter->worldTransform());
    const bool selected = option->state & QStyle::State_Selected;
    QPen border(borderColor(m_node), selected ? 3 : 1.5);
    if (!m_node.created && !m_node.failed && !m_node.removed && !m_node.isPlugin())
        border.setStyle(Qt::DashLine);
    if (selected)
        border.setColor(pal.color(QPalette::Highlight));
    if (detail < 0.3) {
        // Too small to read (a thousand components fitted to the window): the box in its
        // state's colours, so what a reload touched still stands out, and no text to lay out.
        border.setWidthF(selected ? 3 / detail : 1.5);
        painter->setPen(border);
        painter->setBrush(badges().isEmpty() ? fillColor(dark) : badgeColor(badges().constFirst()));
        painter->drawRect(m_rect);
        return;
    }
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(border);
    painter->setBrush(fillColor(dark));
    if (m_node.isPlugin()) {
        // A stack of cards: one node standing for many.
        painter->drawRoundedRect(m_rect.translated(6, -6), 6, 6);
        painter->drawRoundedRect(m_rect.translated(3, -3), 6, 6);
    }
    painter->drawRoundedRect(m_rect, 6, 6);

    const QColor text = dark ? QColor(0xee, 0xee, 0xee) : QColor(0x1f, 0x1f, 0x1f);
    const QRectF inner = m_rect.adjusted(8, 5, -8, -4);
    QFontMetricsF bold(boldFont(font));
    QFontMetricsF small(smallFont(font));
    double y = inner.top();
    painter->setPen(text);
    painter->setFont(boldFont(font));
    painter->drawText(QRectF(inner.left(), y, inner.width(), bold.height()), Qt::AlignHCenter,
                      bold.elidedText(title(m_node), Qt::ElideMiddle, inner.width()));
    y += bold.height();
    painter->setFont(smallFont(font));
    QColor dim = text;
    dim.setAlphaF(0.7f);
    painter->setPen(dim);
    for (const QString &line : detailLines(m_node)) {
        painter->drawText(QRectF(inner.left(), y, inner.width(), small.height()), Qt::AlignHCenter,
                          small.elidedText(line, Qt::ElideMiddle, inner.width()));
        y += small.height();
    }

    // Badges straddle the top edge, right-aligned.
    double x = m_rect.right() - 6;
    for (const QString &badge : badges()) {
        const double w = small.horizontalAdvance(badge) + 8;
        const QRectF pill(x - w, m_rect.top() - small.height() / 2 - 1, w, small.height() + 2);
        QColor fill = badgeColor(badge);
        painter->setPen(Qt::NoPen);
        painter->setBrush(fill);
        painter->drawRoundedRect(pill, pill.height() / 2, pill.height() / 2);
        painter->setPen(Qt::white);
        painter->drawText(pill, Qt::AlignCenter, badge);
        x -= w + 4;
    }
}

QSizeF ComponentNodeItem::preferredSize(const ComponentNode &node, const QFont &font)
{
    QFontMetricsF bold(boldFont(font));
    QFontMetricsF small(smallFont(font));
    double width = bold.horizontalAdvance(title(node));
    double height = bold.height();
    for (const QString &line : detailLines(node)) {
        width = std::max(width, small.horizontalAdvance(line));
        height += small.height();
    }
    return QSizeF(std::clamp(width + 20, 120.0, 320.0), height + 12);
}

QString ComponentNodeItem::tooltipFor(const ComponentNode &node)
{
    QStringList lines;
    if (node.isPlugin()) {
        lines.append(QStringLiteral("<b>%1</b>").arg(node.plugin().toHtmlEscaped()));
        lines.append(QObject::tr("%1, collapsed: double-click to expand")
                         .arg(components(node.members.components)));
        const QString summary = badgesFor(node).join(QStringLiteral(", "));
        if (!summary.isEmpty())
            lines.append(QObject::tr("Last reload: %1").arg(summary.toLower()));
        if (!node.failure.isEmpty())
            lines.append(QObject::tr("Failed: %1").arg(node.failure.toHtmlEscaped()));
        return lines.join(QStringLiteral("<br>"));
    }
    lines.append(QStringLiteral("<b>%1</b>").arg(node.key.toHtmlEscaped()));
    const auto add = [&lines](const QString &name, const QString &value) {
        if (!value.isEmpty())
            lines.append(QStringLiteral("%1: %2").arg(name, value.toHtmlEscaped()));
    };
    add(QObject::tr("Class"), node.className);
    add(QObject::tr("Plugin"), node.pluginFile);
    add(QObject::tr("Scope"),
        QStringLiteral("%1, %2").arg(
            node.scope == Scope::Singleton ? QObject::tr("singleton") : QObject::tr("prototype"),
            node.creation == Creation::Eager ? QObject::tr("eager") : QObject::tr("lazy")));
    add(QObject::tr("State"), node.stateName());
    add(QObject::tr("Depends on"), node.dependencies.join(QStringLiteral(", ")));
    add(QObject::tr("Provides"), node.interfaces.join(QStringLiteral(", ")));
    add(QObject::tr("Routes"), node.routes.join(QStringLiteral(", ")));
    if (node.added)
        lines.append(QObject::tr("Added by the last reload"));
    if (node.changed)
        lines.append(QObject::tr("Its plugin changed in the last reload"));
    else if (node.recreated)
        lines.append(QObject::tr("Recreated by the last reload (it depends on a change)"));
    if (node.kept)
        lines.append(QObject::tr("Kept by the last reload: the same instance runs on"));
    if (node.removed)
        lines.append(QObject::tr("Removed by the last reload"));
    add(QObject::tr("Failed"), node.failure);
    return lines.join(QStringLiteral("<br>"));
}

} // namespace qreload::ui
