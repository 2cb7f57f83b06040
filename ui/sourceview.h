#pragma once

#include "codeeditor.h"
#include "sourcehighlighter.h"

#include <QDateTime>
#include <QWidget>

class QLabel;

namespace qreload::ui {

class SpanHighlighter;

/*!
 * The source panel: one file, read-only, highlighted by KSyntaxHighlighting in the background (in
 * process or through its command-line tool, see SourceHighlighter; plain text with a notice where
 * neither exists), with line numbers and markers on lines that have diagnostics. The theme follows
 * the palette (light or dark) unless set, also when the palette changes.
 */
class SourceView : public QWidget
{
    Q_OBJECT

public:
    explicit SourceView(QWidget *parent = nullptr);

    /*!
     * Shows `path` (asynchronously), then scrolls to `line` (1-based, 0 = keep the top) and marks
     * the given lines. Showing the file already shown only moves and re-marks, unless it changed
     * on disk since (size or modification time): then it is read again.
     */
    void showFile(const QString &path, int line = 0,
                  const QMap<int, QPair<CodeEditor::Marker, QString>> &markers = {});
    void clear(const QString &message = {});
    //! A theme name of the highlighter; empty follows the palette (light or dark).
    void setTheme(const QString &theme);

    QString currentPath() const { return m_path; }
    bool isLoading() const { return m_loading; }
    //! The last result shown (text, spans, notice).
    const qreload::app::HighlightedSource &source() const { return m_source; }
    CodeEditor *editor() const { return m_editor; }
    qreload::app::SourceHighlighter *highlighter() const { return m_highlighter; }
    QString notice() const;

Q_SIGNALS:
    //! The file's text and highlighting are in the editor.
    void loaded(const QString &path);

protected:
    void changeEvent(QEvent *event) override;

private:
    void onHighlighted(quint64 id, const qreload::app::HighlightedSource &source);
    QString effectiveTheme() const;
    void request();

    QLabel *m_title;
    QLabel *m_notice;
    CodeEditor *m_editor;
    SpanHighlighter *m_spans;
    qreload::app::SourceHighlighter *m_highlighter;
    qreload::app::HighlightedSource m_source;
    QString m_path;
    QString m_theme;
    QString m_shownTheme;
    //! The file's size and modification time when it was last read.
    qint64 m_readSize = -1;
    QDateTime m_readModified;
    int m_pendingLine = 0;
    QMap<int, QPair<CodeEditor::Marker, QString>> m_pendingMarkers;
    bool m_loading = false;
};

} // namespace qreload::ui
