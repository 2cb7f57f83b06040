#pragma once

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

class QProcess;

namespace qreload::app {

/*!
 * A source file with its highlighting as plain values (colours as "#rrggbb"), so it can be made
 * off the UI thread and applied to any text widget.
 */
struct HighlightedSource
{
    struct Span
    {
        int start = 0; //!< offset in the line
        int length = 0;
        QString foreground; //!< "#rrggbb", empty: the theme's text colour
        QString background; //!< "#rrggbb", empty: none
        bool bold = false;
        bool italic = false;
        bool underline = false;
        bool strikeOut = false;
        bool operator==(const Span &other) const = default;
    };

    QString path;
    QString text;             //!< the file's text, without its final newline
    QList<QList<Span>> lines; //!< spans per line ('\n'-separated), empty when not highlighted
    QString foreground;       //!< the theme's text colour, empty when not highlighted
    QString background;       //!< the theme's background colour, empty when not highlighted
    QString theme;
    bool highlighted = false;
    QString notice; //!< why the text is plain (no highlighter, file too large, ...), or empty
    double ms = 0;  //!< from request to result
};

/*!
 * Highlights source files with KSyntaxHighlighting through its command-line tool
 * (`kate-syntax-highlighter`, or KF6's `ksyntaxhighlighter6`): Debian 12 ships the library for
 * Qt 5 only, so a Qt 6 program runs the tool. Everything is asynchronous: the tool runs in a
 * QProcess, files are read and HTML is parsed on the thread pool, and finished() arrives on this
 * object's thread. Only the newest request is delivered. Without the tool, the text comes back
 * plain with a notice.
 */
class SourceHighlighter : public QObject
{
    Q_OBJECT

public:
    explicit SourceHighlighter(QObject *parent = nullptr);
    ~SourceHighlighter() override;

    //! The highlighter tool found on PATH, or empty.
    static QString toolPath();
    //! A theme the tool knows, matching a light or dark palette.
    static QString defaultTheme(bool dark);
    //! Files larger than this are shown plain (highlighting them would take seconds).
    static constexpr qint64 maxHighlightBytes = 2 * 1024 * 1024;

    //! Overrides the tool (tests; an empty path means "no highlighter").
    void setToolPath(const QString &path);
    QString tool() const { return m_tool; }

    //! Starts highlighting `path` with `theme`; returns the request's id.
    quint64 highlight(const QString &path, const QString &theme);

    /*!
     * Parses the tool's HTML output (a `<pre>` of `<span style=...>` runs). Pure; any thread.
     * Returns a source with highlighted == false when the HTML is not in that form.
     */
    static HighlightedSource parseHtml(const QByteArray &html);

Q_SIGNALS:
    void finished(quint64 requestId, const qreload::app::HighlightedSource &source);

private:
    void stopProcess();
    void deliverPlain(quint64 id, const QString &path, const QString &theme, const QString &notice,
                      qint64 startedNs);
    void deliverParsed(quint64 id, const QString &path, const QString &theme, QByteArray html,
                       QString error, qint64 startedNs);

    QString m_tool;
    QProcess *m_process = nullptr;
    quint64 m_lastRequest = 0;
};

} // namespace qreload::app

Q_DECLARE_METATYPE(qreload::app::HighlightedSource)
