#pragma once

#include "highlighterbackend.h"

class QProcess;

namespace qreload::app {

/*!
 * Highlights with KSyntaxHighlighting's command-line tool (`kate-syntax-highlighter`, or KF6's
 * `ksyntaxhighlighter6`), the backend where the library is not linked: Debian 12 ships the
 * library for Qt 5 only, which a Qt 6 program cannot link. The tool runs in a QProcess (never
 * waited for), and its HTML is parsed on the thread pool into spans.
 */
class ToolHighlighter final : public HighlighterBackend
{
    Q_OBJECT

public:
    explicit ToolHighlighter(const QString &tool, QObject *parent = nullptr);
    ~ToolHighlighter() override;

    SourceHighlighter::Backend kind() const override { return SourceHighlighter::Backend::Tool; }
    QFuture<HighlightedSource> highlight(const QString &path, const QString &theme) override;
    void cancel() override;

    QString tool() const { return m_tool; }

    /*!
     * Parses the tool's HTML output (a `<pre>` of `<span style=...>` runs). Pure; any thread.
     * Returns a source with highlighted == false when the HTML is not in that form.
     */
    static HighlightedSource parseHtml(const QByteArray &html);

private:
    QString m_tool;
    QProcess *m_process = nullptr;
};

} // namespace qreload::app
