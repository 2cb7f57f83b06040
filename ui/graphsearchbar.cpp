#include "graphsearchbar.h"

#include "componentgraphview.h"
#include "componentsearch.h"

#include <QAction>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace qreload::ui {

GraphSearchBar::GraphSearchBar(ComponentGraphView *view, QWidget *parent)
    : QWidget(parent)
    , m_view(view)
    , m_field(new QLineEdit(this))
    , m_status(new QLabel(this))
    , m_previous(new QToolButton(this))
    , m_next(new QToolButton(this))
    , m_findAction(new QAction(tr("&Find component…"), this))
{
    setObjectName(QStringLiteral("graphSearch"));
    m_field->setObjectName(QStringLiteral("graphSearchField"));
    m_field->setPlaceholderText(tr("Find component (Ctrl+F)"));
    m_field->setToolTip(tr("Search keys, classes and interfaces; Enter: next match, "
                           "Shift+Enter: previous, Escape: clear"));
    m_field->setClearButtonEnabled(true);
    m_field->setMinimumWidth(220);
    m_field->setMaximumWidth(420);
    m_field->installEventFilter(this);
    m_status->setObjectName(QStringLiteral("graphSearchStatus"));
    m_status->setMinimumWidth(
        m_status->fontMetrics().horizontalAdvance(QStringLiteral("9999 of 9999")) + 8);
    m_previous->setArrowType(Qt::UpArrow);
    m_previous->setToolTip(tr("Previous match (Shift+Enter)"));
    m_previous->setAutoRaise(true);
    m_next->setArrowType(Qt::DownArrow);
    m_next->setToolTip(tr("Next match (Enter)"));
    m_next->setAutoRaise(true);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 0);
    layout->setSpacing(2);
    layout->addWidget(m_field);
    layout->addWidget(m_previous);
    layout->addWidget(m_next);
    layout->addWidget(m_status);

    m_findAction->setObjectName(QStringLiteral("findComponentAction"));
    m_findAction->setShortcut(QKeySequence::Find);
    m_findAction->setShortcutContext(Qt::WindowShortcut);
    connect(m_findAction, &QAction::triggered, this, [this] {
        m_field->setFocus(Qt::ShortcutFocusReason);
        m_field->selectAll();
    });
    addAction(m_findAction);
    connect(m_field, &QLineEdit::textChanged, this, &GraphSearchBar::search);
    connect(m_previous, &QToolButton::clicked, this, &GraphSearchBar::previous);
    connect(m_next, &QToolButton::clicked, this, &GraphSearchBar::next);
    connect(m_view, &ComponentGraphView::graphShown, this, [this](quint64 generation) {
        if (generation != m_generation)
            refresh();
    });
    m_generation = m_view->graph().generation;
    updateStatus();
}

QString GraphSearchBar::status() const
{
    return m_status->text();
}

void GraphSearchBar::search(const QString &text)
{
    m_generation = m_view->graph().generation;
    m_matches = app::ComponentSearch::matches(m_view->graph(), text);
    m_current = -1;
    if (!m_matches.isEmpty())
        go(0);
    updateStatus();
}

void GraphSearchBar::refresh()
{
    m_generation = m_view->graph().generation;
    if (m_field->text().trimmed().isEmpty())
        return;
    const QString current = m_current >= 0 ? m_matches.value(m_current) : QString();
    m_matches = app::ComponentSearch::matches(m_view->graph(), m_field->text());
    m_current = int(m_matches.indexOf(current));
    updateStatus();
}

void GraphSearchBar::next()
{
    if (m_matches.isEmpty())
        return;
    go((m_current + 1) % int(m_matches.size()));
}

void GraphSearchBar::previous()
{
    if (m_matches.isEmpty())
        return;
    go((m_current - 1 + int(m_matches.size())) % int(m_matches.size()));
}

void GraphSearchBar::go(int index)
{
    m_current = index;
    m_view->selectComponent(m_matches.at(index));
    updateStatus();
}

void GraphSearchBar::updateStatus()
{
    const bool searching = !m_field->text().trimmed().isEmpty();
    if (!searching)
        m_status->clear();
    else if (m_matches.isEmpty())
        m_status->setText(tr("no match"));
    else if (m_current < 0)
        m_status->setText(m_matches.size() == 1 ? tr("1 match")
                                                : tr("%1 matches").arg(m_matches.size()));
    else
        m_status->setText(tr("%1 of %2").arg(m_current + 1).arg(m_matches.size()));
    QPalette palette = m_field->palette();
    palette.setColor(QPalette::Base, searching && m_matches.isEmpty()
                                         ? QColor(0xf8, 0xd0, 0xd0)
                                         : this->palette().color(QPalette::Base));
    palette.setColor(QPalette::Text, searching && m_matches.isEmpty()
                                         ? QColor(0x1f, 0x1f, 0x1f)
                                         : this->palette().color(QPalette::Text));
    m_field->setPalette(palette);
    m_previous->setEnabled(m_matches.size() > 1);
    m_next->setEnabled(m_matches.size() > 1);
}

bool GraphSearchBar::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_field && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            if (key->modifiers() & Qt::ShiftModifier)
                previous();
            else
                next();
            return true;
        }
        if (key->key() == Qt::Key_Escape) {
            m_field->clear();
            m_view->setFocus(Qt::OtherFocusReason);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace qreload::ui
