#pragma once

#include "reloadrecord.h"

#include <QAbstractTableModel>

#include <deque>

namespace qreload::app {

class HostProxy;

/*!
 * The reload log: one row per ReloadRecord, oldest first. Rows are only ever appended (or the
 * oldest dropped past rowLimit()), each with beginInsertRows, so views and proxies update
 * incrementally and stay smooth with 100,000 rows.
 *
 * Lives on the thread of its views (the main thread); append from there only.
 */
class ReloadLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        Time,       //!< when the reload started (hh:mm:ss.zzz)
        Generation, //!< "3 → 4" on success, the kept generation otherwise
        Cause,      //!< manual, startup, or the changed files
        Outcome,    //!< ok, failed, skipped
        TotalMs,    //!< the whole transaction, in ms
        Phases,     //!< per-phase timing bar (text: the phase summary)
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        RecordIdRole = Qt::UserRole + 1, //!< quint64 ReloadRecord::id
        OutcomeRole,                     //!< int(ReloadOutcome)
        CauseRole,                       //!< int(ReloadCause)
        TotalMsRole,                     //!< double
        PhasesRole,                      //!< QVariantList of QVariantMap {name, ms}
        MaxTotalMsRole,                  //!< double: the largest total of any row, to scale bars
        SearchTextRole,                  //!< lower-case text the filter matches against
        ErrorTextRole,                   //!< QString, empty unless the reload failed
        GenerationAfterRole,             //!< quint64
    };
    Q_ENUM(Role)

    explicit ReloadLogModel(QObject *parent = nullptr);
    ~ReloadLogModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void append(const ReloadRecord &record);
    //! Appends many records with one insert notification.
    void append(const QList<ReloadRecord> &records);
    void clear();

    //! The record shown in `row` (0 <= row < rowCount()).
    const ReloadRecord &record(int row) const;
    //! The lower-case text the filter matches for `row` (SearchTextRole without a QVariant).
    const QString &searchText(int row) const { return m_rows[size_t(row)].searchText; }
    //! The row of the record with this id, or -1.
    int rowOf(quint64 id) const;

    //! The oldest rows are dropped beyond this many (0 = unlimited, the default).
    int rowLimit() const { return m_rowLimit; }
    void setRowLimit(int limit);

    /*!
     * Shows the engine's history and appends every record it finishes from now on. The engine
     * must outlive the model or be destroyed first (the connection ends with either).
     */
    void follow(HostProxy *engine);

private:
    struct Row
    {
        ReloadRecord record;
        QString searchText;
    };
    void dropOldest(int count);

    std::deque<Row> m_rows;
    double m_maxTotalMs = 0;
    int m_rowLimit = 0;
};

} // namespace qreload::app
