#include "reloadlogfiltermodel.h"

#include "reloadlogmodel.h"

namespace qreload::app {

ReloadLogFilterModel::ReloadLogFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{}

void ReloadLogFilterModel::setOutcomes(OutcomeFilters outcomes)
{
    if (outcomes == m_outcomes)
        return;
    m_outcomes = outcomes;
    invalidateFilter();
}

void ReloadLogFilterModel::setText(const QString &text)
{
    const QString lower = text.trimmed().toLower();
    if (lower == m_text)
        return;
    m_text = lower;
    invalidateFilter();
}

ReloadLogFilterModel::OutcomeFilter ReloadLogFilterModel::filterFor(ReloadOutcome outcome)
{
    switch (outcome) {
    case ReloadOutcome::Succeeded:
        return ShowSucceeded;
    case ReloadOutcome::Failed:
        return ShowFailed;
    case ReloadOutcome::Skipped:
        return ShowSkipped;
    }
    return ShowFailed;
}

bool ReloadLogFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const auto outcome = ReloadOutcome(index.data(ReloadLogModel::OutcomeRole).toInt());
    if (!m_outcomes.testFlag(filterFor(outcome)))
        return false;
    if (m_text.isEmpty())
        return true;
    return index.data(ReloadLogModel::SearchTextRole).toString().contains(m_text);
}

} // namespace qreload::app
