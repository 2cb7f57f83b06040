#pragma once

#include "reloadrecord.h"

#include <QSortFilterProxyModel>

namespace qreload::app {

/*!
 * Filters a ReloadLogModel by outcome and by text (case-insensitive, matched against cause,
 * files, decision, errors, component keys and diagnostics). Rows appended to the source are
 * filtered one by one as they arrive, so following a long log stays cheap.
 */
class ReloadLogFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    //! Which outcomes pass; all by default.
    enum OutcomeFilter {
        ShowSucceeded = 0x1,
        ShowFailed = 0x2,
        ShowSkipped = 0x4,
        ShowAll = ShowSucceeded | ShowFailed | ShowSkipped,
    };
    Q_DECLARE_FLAGS(OutcomeFilters, OutcomeFilter)
    Q_FLAG(OutcomeFilters)

    explicit ReloadLogFilterModel(QObject *parent = nullptr);

    OutcomeFilters outcomes() const { return m_outcomes; }
    void setOutcomes(OutcomeFilters outcomes);
    QString text() const { return m_text; }
    void setText(const QString &text);

    static OutcomeFilter filterFor(ReloadOutcome outcome);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    OutcomeFilters m_outcomes = ShowAll;
    QString m_text; // lower-case
};

} // namespace qreload::app

Q_DECLARE_OPERATORS_FOR_FLAGS(qreload::app::ReloadLogFilterModel::OutcomeFilters)
