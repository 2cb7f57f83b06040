#pragma once

#include "reloadrecord.h"

#include <QWidget>

class QComboBox;
class QLineEdit;
class QTableView;
class QToolButton;

namespace qreload::app {
class ReloadLogModel;
class ReloadLogFilterModel;
} // namespace qreload::app

namespace qreload::ui {

class ReloadDetailsView;

/*!
 * The reload log panel: an outcome filter and a search field over the log table, and the details
 * of the selected reload below it. With "follow" on, the newest reload is selected as it arrives.
 */
class ReloadLogView : public QWidget
{
    Q_OBJECT

public:
    explicit ReloadLogView(qreload::app::ReloadLogModel *model, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    qreload::app::ReloadLogFilterModel *filterModel() const { return m_filter; }
    ReloadDetailsView *details() const { return m_details; }
    QLineEdit *searchField() const { return m_search; }
    QComboBox *outcomeFilter() const { return m_outcome; }

    bool isFollowing() const;
    void setFollowing(bool follow);
    //! Selects the row of the record with this id (if it passes the filter).
    bool selectRecord(quint64 id);

Q_SIGNALS:
    void recordSelected(const qreload::app::ReloadRecord &record);
    void openSource(const QString &file, int line);

private:
    void onCurrentChanged();
    void onRowsInserted();

    qreload::app::ReloadLogModel *m_model;
    qreload::app::ReloadLogFilterModel *m_filter;
    QComboBox *m_outcome;
    QLineEdit *m_search;
    QToolButton *m_follow;
    QTableView *m_table;
    ReloadDetailsView *m_details;
};

} // namespace qreload::ui
