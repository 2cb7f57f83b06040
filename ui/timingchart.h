#pragma once

#include <QWidget>

namespace qreload::app {
class ReloadLogModel;
}

namespace qreload::ui {

/*!
 * The last N reloads of a ReloadLogModel as stacked bars, one segment per phase, so a slow phase
 * stands out at a glance. Failed reloads have a red outline; hovering a bar shows its timings.
 * Reads only the last N rows, so a long log costs nothing.
 */
class TimingChart : public QWidget
{
    Q_OBJECT

public:
    explicit TimingChart(qreload::app::ReloadLogModel *model, QWidget *parent = nullptr);

    int barCount() const { return m_count; }
    void setBarCount(int count);
    //! Rows of the model shown, oldest first.
    QList<int> shownRows() const;

    QSize sizeHint() const override { return {420, 160}; }
    QSize minimumSizeHint() const override { return {160, 90}; }

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;

private:
    struct Layout
    {
        QRectF plot;
        double scaleMs = 1;
        double barWidth = 0;
        int slots = 1; //!< bar positions across the plot (grows with the rows, up to N)
        QList<int> rows;
    };
    Layout layout() const;
    int legendRows() const;
    int rowAt(const QPoint &pos) const;

    qreload::app::ReloadLogModel *m_model;
    int m_count = 40;
};

} // namespace qreload::ui
