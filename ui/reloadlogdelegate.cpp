#include "reloadlogdelegate.h"

#include "phasepalette.h"
#include "reloadlogmodel.h"

#include <QApplication>
#include <QPainter>

namespace qreload::ui {

using app::ReloadLogModel;
using app::ReloadOutcome;

void ReloadLogDelegate::initStyleOption(QStyleOptionViewItem *option,
                                        const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    const auto outcome = ReloadOutcome(index.data(ReloadLogModel::OutcomeRole).toInt());
    if (outcome == ReloadOutcome::Failed || outcome == ReloadOutcome::Crashed) {
        const bool dark = option->palette.color(QPalette::Base).lightness() < 128;
        option->palette.setColor(QPalette::Text,
                                 dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb7, 0x1c, 0x1c));
        option->backgroundBrush = QColor(0xe5, 0x39, 0x35, dark ? 60 : 36);
        if (index.column() == ReloadLogModel::Outcome)
            option->font.setBold(true);
    } else if (outcome == ReloadOutcome::Skipped) {
        option->palette.setColor(QPalette::Text,
                                 option->palette.color(QPalette::Disabled, QPalette::Text));
    }
}

void ReloadLogDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const
{
    if (index.column() != ReloadLogModel::Phases) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    // Background and selection from the style, then the bar instead of the summary text.
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const double total = index.data(ReloadLogModel::TotalMsRole).toDouble();
    const double max = std::max(index.data(ReloadLogModel::MaxTotalMsRole).toDouble(), 0.001);
    const QVariantList phases = index.data(ReloadLogModel::PhasesRole).toList();
    const QRectF area = QRectF(option.rect).adjusted(3, 4, -3, -4);
    if (phases.isEmpty() || total <= 0 || area.width() < 4)
        return;
    const double width = std::max(2.0, area.width() * std::min(1.0, total / max));
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);
    double x = area.left();
    for (const QVariant &entry : phases) {
        const QVariantMap phase = entry.toMap();
        const double ms = phase.value(QStringLiteral("ms")).toDouble();
        const double w = width * ms / total;
        if (w <= 0)
            continue;
        painter->fillRect(QRectF(x, area.top(), w, area.height()),
                          PhasePalette::color(phase.value(QStringLiteral("name")).toString()));
        x += w;
    }
    painter->restore();
}

} // namespace qreload::ui
