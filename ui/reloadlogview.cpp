#include "reloadlogview.h"

#include "reloaddetailsview.h"
#include "reloadlogdelegate.h"
#include "reloadlogfiltermodel.h"
#include "reloadlogmodel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace qreload::ui {

using app::ReloadLogFilterModel;
using app::ReloadLogModel;

ReloadLogView::ReloadLogView(ReloadLogModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_filter(new ReloadLogFilterModel(this))
    , m_outcome(new QComboBox(this))
    , m_search(new QLineEdit(this))
    , m_follow(new QToolButton(this))
    , m_table(new QTableView(this))
    , m_details(new ReloadDetailsView(this))
{
    m_filter->setSourceModel(model);

    m_outcome->addItem(tr("All outcomes"), int(ReloadLogFilterModel::ShowAll));
    m_outcome->addItem(tr("Succeeded"), int(ReloadLogFilterModel::ShowSucceeded));
    m_outcome->addItem(tr("Failed"), int(ReloadLogFilterModel::ShowFailed));
    m_outcome->addItem(tr("Skipped"), int(ReloadLogFilterModel::ShowSkipped));
    m_outcome->addItem(tr("Not skipped"),
                       int(ReloadLogFilterModel::ShowSucceeded | ReloadLogFilterModel::ShowFailed));
    connect(m_outcome, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setOutcomes(
            ReloadLogFilterModel::OutcomeFilters(m_outcome->currentData().toInt()));
    });

    m_search->setPlaceholderText(tr("Filter: file, component, error…"));
    m_search->setClearButtonEnabled(true);
    // Refiltering 100,000 rows per keystroke is wasteful: wait for a pause in typing.
    auto *searchDelay = new QTimer(this);
    searchDelay->setSingleShot(true);
    searchDelay->setInterval(150);
    connect(m_search, &QLineEdit::textChanged, searchDelay, qOverload<>(&QTimer::start));
    connect(searchDelay, &QTimer::timeout, this, [this] { m_filter->setText(m_search->text()); });
    connect(m_search, &QLineEdit::returnPressed, this, [this, searchDelay] {
        searchDelay->stop();
        m_filter->setText(m_search->text());
    });

    m_follow->setText(tr("Follow"));
    m_follow->setToolTip(tr("Select each new reload as it arrives"));
    m_follow->setCheckable(true);
    m_follow->setChecked(true);

    m_table->setObjectName(QStringLiteral("reloadLogTable"));
    m_table->setModel(m_filter);
    m_table->setItemDelegate(new ReloadLogDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    // Fixed row heights keep the view O(visible rows) with 100,000 rows.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);
    const int digit = fontMetrics().horizontalAdvance(QLatin1Char('0'));
    header->resizeSection(ReloadLogModel::Time, digit * 13);
    header->resizeSection(ReloadLogModel::Generation, digit * 10);
    header->resizeSection(ReloadLogModel::Cause, digit * 18);
    header->resizeSection(ReloadLogModel::Outcome, digit * 9);
    header->resizeSection(ReloadLogModel::TotalMs, digit * 9);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ReloadLogView::onCurrentChanged);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &ReloadLogView::onRowsInserted);
    connect(m_filter, &QAbstractItemModel::modelReset, this, [this] { m_details->clear(); });
    connect(m_details, &ReloadDetailsView::openSource, this, &ReloadLogView::openSource);

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_outcome);
    bar->addWidget(m_search, 1);
    bar->addWidget(m_follow);

    auto *top = new QWidget(this);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addLayout(bar);
    topLayout->addWidget(m_table);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("reloadLogSplitter"));
    splitter->addWidget(top);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(splitter);
}

bool ReloadLogView::isFollowing() const
{
    return m_follow->isChecked();
}

void ReloadLogView::setFollowing(bool follow)
{
    m_follow->setChecked(follow);
}

bool ReloadLogView::selectRecord(quint64 id)
{
    const int sourceRow = m_model->rowOf(id);
    if (sourceRow < 0)
        return false;
    const QModelIndex index = m_filter->mapFromSource(m_model->index(sourceRow, 0));
    if (!index.isValid())
        return false;
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect
                                                          | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
    return true;
}

void ReloadLogView::onCurrentChanged()
{
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid())
        return;
    const QModelIndex source = m_filter->mapToSource(current);
    const app::ReloadRecord &record = m_model->record(source.row());
    m_details->setRecord(record);
    Q_EMIT recordSelected(record);
}

void ReloadLogView::onRowsInserted()
{
    if (!m_follow->isChecked())
        return;
    const int last = m_filter->rowCount() - 1;
    if (last < 0)
        return;
    const QModelIndex index = m_filter->index(last, 0);
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect
                                                          | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
}

} // namespace qreload::ui
