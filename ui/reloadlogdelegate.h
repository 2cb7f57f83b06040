#pragma once

#include <QStyledItemDelegate>

namespace qreload::ui {

/*!
 * Paints reload log rows: failed reloads in the error colour with a tinted background, skipped
 * ones dimmed, and the Phases column as a stacked bar (one segment per phase) whose length is
 * the reload's total time relative to the slowest reload in the log.
 */
class ReloadLogDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;
};

} // namespace qreload::ui
