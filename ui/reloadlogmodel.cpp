#include "reloadlogmodel.h"

#include "hostproxy.h"

#include <QLocale>

#include <algorithm>

namespace qreload::app {

namespace {

//! What a user changed: in source mode the sources (a record with a build), else the plugins.
QString causeText(const ReloadRecord &record)
{
    if (record.cause != ReloadCause::Files)
        return record.scope == ReloadScope::All
                   ? ReloadLogModel::tr("%1, all").arg(causeName(record.cause)) // Reload all
                   : causeName(record.cause);
    QStringList names = record.changedNames();
    if (names.isEmpty())
        return causeName(record.cause);
    if (names.size() > 3) {
        const qsizetype more = names.size() - 2;
        names.resize(2);
        names.append(ReloadLogModel::tr("+%1 more").arg(more));
    }
    return names.join(QStringLiteral(", "));
}

QString generationText(const ReloadRecord &record)
{
    if (record.ok())
        return QString::number(record.generationAfter);
    if (record.generationBefore == 0)
        return ReloadLogModel::tr("none");
    return ReloadLogModel::tr("%1 (kept)").arg(record.generationBefore);
}

QString searchTextOf(const ReloadRecord &record)
{
    QStringList parts{causeName(record.cause), outcomeName(record.outcome), record.decision,
                      record.errorText(), QString::number(record.generationAfter)};
    parts += record.files;
    parts += record.added;
    parts += record.removed;
    parts += record.changed;
    parts += record.rewired;
    if (record.build) {
        for (const Diagnostic &diagnostic : record.build->diagnostics)
            parts += diagnostic.file + QLatin1Char(' ') + diagnostic.message;
    }
    return parts.join(QLatin1Char('\n')).toLower();
}

} // namespace

ReloadLogModel::ReloadLogModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

ReloadLogModel::~ReloadLogModel() = default;

int ReloadLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ReloadLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ReloadLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const ReloadRecord &record = row.record;

    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case Time:
            return record.startedAt.toString(QStringLiteral("hh:mm:ss.zzz"));
        case Generation:
            return generationText(record);
        case Cause:
            return causeText(record);
        case Outcome:
            return record.buildFailed() ? tr("build failed") : outcomeName(record.outcome);
        case TotalMs:
            // No transaction ran after a failed build: nothing to time.
            if (record.buildFailed())
                return QStringLiteral("—");
            return QString::number(record.totalMs, 'f', 1);
        case Phases:
            return record.phaseSummary();
        case ColumnCount:
            break;
        }
        return {};
    case Qt::ToolTipRole:
        switch (Column(index.column())) {
        case Cause:
            return record.files.isEmpty() ? record.decision : record.files.join(u'\n');
        case Outcome:
            return record.ok() ? record.decision : record.errorText();
        case TotalMs:
            if (record.buildFailed())
                return tr("The build failed after %1 ms; no reload ran.")
                    .arg(qRound(record.build->ms));
            return {};
        case Phases:
            return record.phaseSummary();
        default:
            return {};
        }
    case Qt::TextAlignmentRole:
        if (index.column() == TotalMs || index.column() == Generation)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case RecordIdRole:
        return QVariant::fromValue(record.id);
    case OutcomeRole:
        return int(record.outcome);
    case CauseRole:
        return int(record.cause);
    case TotalMsRole:
        return record.totalMs;
    case PhasesRole: {
        QVariantList phases;
        phases.reserve(record.phases.size());
        for (const PhaseTiming &phase : record.phases)
            phases.append(QVariantMap{{QStringLiteral("name"), phase.name},
                                      {QStringLiteral("ms"), phase.ms}});
        return phases;
    }
    case MaxTotalMsRole:
        return m_maxTotalMs;
    case SearchTextRole:
        return row.searchText;
    case ErrorTextRole:
        return record.errorText();
    case GenerationAfterRole:
        return QVariant::fromValue(record.generationAfter);
    default:
        return {};
    }
}

QVariant ReloadLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Time:
        return tr("Time");
    case Generation:
        return tr("Generation");
    case Cause:
        return tr("Cause");
    case Outcome:
        return tr("Outcome");
    case TotalMs:
        return tr("Total ms");
    case Phases:
        return tr("Phases");
    case ColumnCount:
        break;
    }
    return {};
}

QHash<int, QByteArray> ReloadLogModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(RecordIdRole, "recordId");
    names.insert(OutcomeRole, "outcome");
    names.insert(CauseRole, "cause");
    names.insert(TotalMsRole, "totalMs");
    names.insert(PhasesRole, "phases");
    names.insert(MaxTotalMsRole, "maxTotalMs");
    names.insert(SearchTextRole, "searchText");
    names.insert(ErrorTextRole, "errorText");
    names.insert(GenerationAfterRole, "generationAfter");
    return names;
}

void ReloadLogModel::append(const ReloadRecord &record)
{
    append(QList<ReloadRecord>{record});
}

void ReloadLogModel::append(const QList<ReloadRecord> &records)
{
    if (records.isEmpty())
        return;
    qsizetype first = 0;
    if (m_rowLimit > 0) {
        // Never insert rows that would be dropped right away.
        first = std::max<qsizetype>(0, records.size() - m_rowLimit);
        const qsizetype overflow = qsizetype(m_rows.size()) + records.size() - first - m_rowLimit;
        if (overflow > 0)
            dropOldest(int(overflow));
    }
    const int at = int(m_rows.size());
    const double oldMax = m_maxTotalMs;
    beginInsertRows({}, at, at + int(records.size() - first) - 1);
    for (qsizetype i = first; i < records.size(); ++i) {
        const ReloadRecord &record = records.at(i);
        m_rows.push_back(Row{record, searchTextOf(record)});
        m_maxTotalMs = std::max(m_maxTotalMs, record.totalMs);
    }
    endInsertRows();
    // Bars are scaled to the slowest reload; only when that changes do old rows repaint.
    if (m_maxTotalMs != oldMax && at > 0)
        Q_EMIT dataChanged(index(0, Phases), index(at - 1, Phases), {MaxTotalMsRole});
}

void ReloadLogModel::clear()
{
    if (m_rows.empty())
        return;
    beginRemoveRows({}, 0, int(m_rows.size()) - 1);
    m_rows.clear();
    m_maxTotalMs = 0;
    endRemoveRows();
}

const ReloadRecord &ReloadLogModel::record(int row) const
{
    Q_ASSERT(row >= 0 && size_t(row) < m_rows.size());
    return m_rows[size_t(row)].record;
}

int ReloadLogModel::rowOf(quint64 id) const
{
    // Records arrive in id order, so a binary search finds them; fall back to a scan otherwise.
    const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), id,
                                     [](const Row &row, quint64 id) { return row.record.id < id; });
    if (it != m_rows.end() && it->record.id == id)
        return int(it - m_rows.begin());
    for (size_t row = 0; row < m_rows.size(); ++row) {
        if (m_rows[row].record.id == id)
            return int(row);
    }
    return -1;
}

void ReloadLogModel::setRowLimit(int limit)
{
    m_rowLimit = std::max(0, limit);
    if (m_rowLimit > 0 && int(m_rows.size()) > m_rowLimit)
        dropOldest(int(m_rows.size()) - m_rowLimit);
}

void ReloadLogModel::dropOldest(int count)
{
    count = std::min(count, int(m_rows.size()));
    if (count <= 0)
        return;
    beginRemoveRows({}, 0, count - 1);
    m_rows.erase(m_rows.begin(), m_rows.begin() + count);
    endRemoveRows();
}

void ReloadLogModel::follow(HostProxy *engine)
{
    append(engine->history());
    connect(engine, &HostProxy::reloadFinished, this,
            [this](const ReloadRecord &record) { append(record); });
}

} // namespace qreload::app
