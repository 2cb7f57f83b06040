#pragma once

#include <QStringList>
#include <QWidget>

class QAction;
class QLabel;
class QLineEdit;
class QToolButton;

namespace qreload::ui {

class ComponentGraphView;

/*!
 * The graph's search box: as you type it finds components by key, class or interface
 * (ComponentSearch), selects the best match and centres the graph on it (expanding its plugin if
 * it is collapsed); Enter goes to the next match, Shift+Enter to the previous one, and the label
 * says "3 of 12" or "no match". findAction() (Ctrl+F) puts the cursor in it; Escape clears it.
 */
class GraphSearchBar : public QWidget
{
    Q_OBJECT

public:
    explicit GraphSearchBar(ComponentGraphView *view, QWidget *parent = nullptr);

    QLineEdit *field() const { return m_field; }
    //! "3 of 12", "no match" or empty.
    QString status() const;
    QStringList matches() const { return m_matches; }
    //! The match selected, -1 for none.
    int currentIndex() const { return m_current; }
    //! Ctrl+F: focus the field and select its text. Add it to the window to make it global.
    QAction *findAction() const { return m_findAction; }

public Q_SLOTS:
    void next();
    void previous();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void search(const QString &text);
    void go(int index);
    void updateStatus();
    //! A new generation: the same text may match other components now.
    void refresh();

    ComponentGraphView *m_view;
    QLineEdit *m_field;
    QLabel *m_status;
    QToolButton *m_previous;
    QToolButton *m_next;
    QAction *m_findAction;
    QStringList m_matches;
    int m_current = -1;
    quint64 m_generation = 0;
};

} // namespace qreload::ui
