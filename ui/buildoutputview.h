#pragma once

#include "reloadrecord.h"

#include <QStringList>
#include <QWidget>

#include <optional>

class QLabel;
class QPlainTextEdit;
class QTimer;

namespace qreload::ui {

/*!
 * The build panel of source mode: which command runs and for which changed files, its output
 * as it arrives, and how it ended. The next build clears it; the output of every build stays in
 * its reload record (the reload details).
 *
 * Lines are appended in batches (50 ms after the first line of a batch, at most 400 lines at a
 * time, the rest on the next turn of the event loop), so a build printing thousands of lines a
 * second costs the UI thread short appends instead of one layout per line. Lines that hold a
 * compiler diagnostic are coloured by severity and open the source view when clicked.
 */
class BuildOutputView : public QWidget
{
    Q_OBJECT

public:
    explicit BuildOutputView(QWidget *parent = nullptr);

    //! Where relative file names in the output are resolved (the build's working folder).
    void setWorkingDirectory(const QString &directory);

    void buildStarted(const QString &commandLine, const QStringList &changedFiles);
    void appendLine(const QString &line);
    void buildFinished(const qreload::app::BuildInfo &info);

    bool isRunning() const { return m_running; }
    //! Lines received for the current build, shown or about to be.
    int lineCount() const { return m_lineCount; }
    //! The diagnostic a line of the output (0-based, as shown) holds, if any.
    std::optional<qreload::app::Diagnostic> diagnosticAt(int line) const;
    QLabel *statusLabel() const { return m_status; }
    QPlainTextEdit *output() const { return m_output; }

Q_SIGNALS:
    //! A diagnostic line was clicked: show `file` at `line` (1-based).
    void openSource(const QString &file, int line);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void flush();
    void setStatus(const QString &text, const QString &color = {});

    QLabel *m_status;
    QPlainTextEdit *m_output;
    QTimer *m_flushTimer;
    QStringList m_pending;
    QString m_workingDirectory;
    int m_lineCount = 0;
    bool m_running = false;
};

} // namespace qreload::ui
