#pragma once

#include <QFuture>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

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

class HighlighterBackend;

/*!
 * Highlights source files with KSyntaxHighlighting, asynchronously: highlight() returns at once and
 * finished() arrives later on this object's thread, only for the newest request. The backend is
 * chosen when qreload is configured: the library in process where CMake found a Qt 6 build of it
 * (KF6 SyntaxHighlighting, Debian 13), otherwise its command-line tool in a subprocess (Debian
 * 12 ships the library for Qt 5 only), otherwise plain text with a notice. Both backends deliver
 * the same HighlightedSource, so views do not know which one ran.
 */
class SourceHighlighter : public QObject
{
    Q_OBJECT

public:
    //! What highlights.
    enum class Backend {
        InProcess, //!< the KSyntaxHighlighting library, linked (built with KF6 SyntaxHighlighting)
        Tool,      //!< its command-line tool, run as a subprocess
        Plain,     //!< nothing: files come back as plain text with a notice
    };
    Q_ENUM(Backend)

    explicit SourceHighlighter(QObject *parent = nullptr);
    ~SourceHighlighter() override;

    //! The backend a new highlighter uses here (this build, and the tool on PATH).
    static Backend defaultBackend();
    Backend backend() const;

    //! The highlighter tool found on PATH, or empty.
    static QString toolPath();
    /*!
     * The theme matching a light or dark palette: the one KSyntaxHighlighting's
     * Repository::defaultTheme() picks, which the tool knows by the same name.
     */
    static QString defaultTheme(bool dark);
    //! Files larger than this are shown plain (highlighting them would take seconds).
    static constexpr qint64 maxHighlightBytes = 2 * 1024 * 1024;

    /*!
     * Replaces the backend by the command-line tool at `path`; an empty path means no highlighter
     * (plain text). For tests, and to compare the backends.
     */
    void setToolPath(const QString &path);

    //! Starts highlighting `path` with the theme named `theme`; returns the request's id.
    quint64 highlight(const QString &path, const QString &theme);

Q_SIGNALS:
    void finished(quint64 requestId, const qreload::app::HighlightedSource &source);

private:
    void deliver(quint64 id, const QFuture<HighlightedSource> &future, const QString &path,
                 const QString &theme, qint64 startedNs);
    void deliverPlain(quint64 id, const QString &path, const QString &theme, const QString &notice,
                      qint64 startedNs);

    HighlighterBackend *m_backend = nullptr; //!< child; null: plain text
    quint64 m_lastRequest = 0;
};

} // namespace qreload::app

Q_DECLARE_METATYPE(qreload::app::HighlightedSource)
