#pragma once

#include "reloadrecord.h"

#include <QTabWidget>

class QListWidget;
class QPlainTextEdit;
class QTextBrowser;

namespace qreload::ui {

/*!
 * The details of one reload: a summary (outcome, cause, decision, component changes, state
 * carried, phase timings, every error), the build output, the compiler diagnostics as entries
 * that open the source view, and the raw file events.
 */
class ReloadDetailsView : public QTabWidget
{
    Q_OBJECT

public:
    enum Tab { SummaryTab, BuildTab, DiagnosticsTab, EventsTab };

    explicit ReloadDetailsView(QWidget *parent = nullptr);

    void setRecord(const qreload::app::ReloadRecord &record);
    void clear();
    bool hasRecord() const { return m_hasRecord; }
    quint64 recordId() const { return m_record.id; }

    QTextBrowser *summary() const { return m_summary; }
    QListWidget *diagnostics() const { return m_diagnostics; }
    QPlainTextEdit *buildOutput() const { return m_build; }
    QPlainTextEdit *events() const { return m_events; }

Q_SIGNALS:
    //! A diagnostic was activated: show `file` at `line` (1-based).
    void openSource(const QString &file, int line);

private:
    void activateDiagnostic(int row);

    qreload::app::ReloadRecord m_record;
    bool m_hasRecord = false;
    QTextBrowser *m_summary;
    QPlainTextEdit *m_build;
    QListWidget *m_diagnostics;
    QPlainTextEdit *m_events;
};

} // namespace qreload::ui
