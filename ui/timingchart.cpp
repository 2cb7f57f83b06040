#include "timingchart.h"

#include "phasepalette.h"
#include "reloadlogmodel.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

namespace qreload::ui {

using app::ReloadLogModel;
using app::ReloadOutcome;

TimingChart::TimingChart(ReloadLogModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    setObjectName(QStringLiteral("timingChart"));
    const auto repaint = [this] {
        update();
    };
    connect(model, &QAbstractItemModel::rowsInserted, this, repaint);
    connect(model, &QAbstractItemModel::rowsRemoved, this, repaint);
    connect(model, &QAbstractItemModel::modelReset, this, repaint);
}

void TimingChart::setBarCount(int count)
{
    m_count = std::max(1, count);
    update();
}

QList<int> TimingChart::shownRows() const
{
    QList<int> rows;
    const int total = m_model->rowCount();
    for (int row = std::max(0, total - m_count); row < total; ++row)
        rows.append(row);
    return rows;
}

int TimingChart::legendRows() const
{
    // The phases of the shown reloads, laid out as paintEvent() lays out the legend.
    QStringList seen;
    const int total = m_model->rowCount();
    for (int row = std::max(0, total - m_count); row < total; ++row) {
        for (const app::PhaseTiming &phase : m_model->record(row).phases) {
            if (!seen.contains(phase.name))
                seen.append(phase.name);
        }
    }
    const QFontMetrics fm = fontMetrics();
    const int labelWidth = fm.horizontalAdvance(QStringLiteral("0000 ms")) + 6;
    int rows = 1;
    int x = labelWidth;
    for (const QString &name : std::as_const(seen)) {
        const int entryWidth = fm.height() - 1 + fm.horizontalAdvance(name) + 10;
        if (x + entryWidth > width() && x > labelWidth) {
            ++rows;
            x = labelWidth;
        }
        x += entryWidth;
    }
    return rows;
}

TimingChart::Layout TimingChart::layout() const
{
    Layout l;
    l.rows = shownRows();
    const int labelWidth = fontMetrics().horizontalAdvance(QStringLiteral("0000 ms")) + 6;
    const int legendHeight = legendRows() * fontMetrics().height() + 6;
    l.plot = QRectF(labelWidth, 6, width() - labelWidth - 6, height() - 12 - legendHeight);
    double max = 0;
    for (int row : std::as_const(l.rows))
        max = std::max(max, m_model->record(row).totalMs);
    // A round scale: 1, 2 or 5 times a power of ten.
    double scale = 0.1;
    while (scale < max) {
        const double base = std::pow(10.0, std::floor(std::log10(scale)));
        const double mantissa = scale / base;
        scale = (mantissa < 1.5 ? 2 : mantissa < 3 ? 5 : 10) * base;
    }
    l.scaleMs = scale;
    l.slots = std::clamp(int(l.rows.size()), std::min(10, m_count), m_count);
    l.barWidth = l.plot.width() / l.slots;
    return l;
}

int TimingChart::rowAt(const QPoint &pos) const
{
    const Layout l = layout();
    if (!l.plot.contains(pos) || l.barWidth <= 0)
        return -1;
    const int slot = int((pos.x() - l.plot.left()) / l.barWidth);
    const int first = l.slots - int(l.rows.size());
    const int index = slot - first;
    return index >= 0 && index < l.rows.size() ? l.rows.at(index) : -1;
}

void TimingChart::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const QPalette pal = palette();
    painter.fillRect(rect(), pal.color(QPalette::Base));
    const Layout l = layout();
    if (l.plot.width() < 10 || l.plot.height() < 10)
        return;

    painter.setPen(pal.color(QPalette::PlaceholderText));
    for (int i = 0; i <= 2; ++i) {
        const double y = l.plot.bottom() - l.plot.height() * i / 2;
        painter.drawLine(QPointF(l.plot.left(), y), QPointF(l.plot.right(), y));
        const double ms = l.scaleMs * i / 2;
        painter.drawText(QRectF(0, y - 8, l.plot.left() - 4, 16), Qt::AlignRight | Qt::AlignVCenter,
                         tr("%1 ms").arg(ms, 0, 'g', 3));
    }
    if (l.rows.isEmpty()) {
        painter.drawText(l.plot, Qt::AlignCenter, tr("No reloads yet"));
        return;
    }

    QStringList seen;
    const int first = l.slots - int(l.rows.size());
    for (int i = 0; i < l.rows.size(); ++i) {
        const app::ReloadRecord &record = m_model->record(l.rows.at(i));
        const double x = l.plot.left() + (first + i) * l.barWidth + l.barWidth * 0.15;
        const double w = std::max(1.0, l.barWidth * 0.7);
        double y = l.plot.bottom();
        for (const app::PhaseTiming &phase : record.phases) {
            const double h = l.plot.height() * phase.ms / l.scaleMs;
            if (h <= 0)
                continue;
            painter.fillRect(QRectF(x, y - h, w, h), PhasePalette::color(phase.name));
            y -= h;
            if (!seen.contains(phase.name))
                seen.append(phase.name);
        }
        if (record.outcome == ReloadOutcome::Failed) {
            painter.setPen(QPen(QColor(0xe5, 0x39, 0x35), 2));
            painter.drawRect(
                QRectF(x, std::min(y, l.plot.bottom() - 3), w, std::max(3.0, l.plot.bottom() - y)));
        }
    }

    // Legend: the phases that appear, in transaction order, wrapped under the plot.
    QStringList order = PhasePalette::knownPhases();
    for (const QString &name : std::as_const(seen)) {
        if (!order.contains(name))
            order.append(name);
    }
    painter.setPen(pal.color(QPalette::Text));
    const QFontMetrics fm = fontMetrics();
    const int swatch = fm.height() - 4;
    double x = l.plot.left();
    double y = l.plot.bottom() + 4;
    for (const QString &name : std::as_const(order)) {
        if (!seen.contains(name))
            continue;
        const int entryWidth = swatch + 3 + fm.horizontalAdvance(name) + 10;
        if (x + entryWidth > width() && x > l.plot.left()) {
            x = l.plot.left();
            y += fm.height();
        }
        painter.fillRect(QRectF(x, y + 2, swatch, swatch), PhasePalette::color(name));
        painter.drawText(QPointF(x + swatch + 3, y + fm.ascent()), name);
        x += entryWidth;
    }
}

bool TimingChart::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int row = rowAt(help->pos());
        if (row < 0) {
            QToolTip::hideText();
        } else {
            const app::ReloadRecord &record = m_model->record(row);
            QToolTip::showText(help->globalPos(),
                               tr("Reload #%1 (%2): %3 ms\n%4")
                                   .arg(record.id)
                                   .arg(app::outcomeName(record.outcome))
                                   .arg(record.totalMs, 0, 'f', 2)
                                   .arg(record.phaseSummary()),
                               this);
        }
        return true;
    }
    return QWidget::event(event);
}

} // namespace qreload::ui
