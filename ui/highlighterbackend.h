#pragma once

#include "sourcehighlighter.h"

#include <QFuture>
#include <QObject>

#include <functional>

class QThreadPool;

namespace qreload::app {

/*!
 * What does the highlighting for a SourceHighlighter: the in-process KSyntaxHighlighting library
 * (InProcessHighlighter) or its command-line tool (ToolHighlighter). A backend only highlights;
 * SourceHighlighter checks the file, keeps the newest request and delivers it. Both produce the
 * same HighlightedSource, so the view and its diagnostics markers do not know which one ran.
 */
class HighlighterBackend : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    virtual SourceHighlighter::Backend kind() const = 0;

    /*!
     * Starts highlighting the existing, not too large file `path` with the theme named `theme`.
     * Called on the owner's thread and returns at once; the work runs elsewhere. The future
     * always gets a result (plain text with a notice when highlighting failed), unless the
     * request is cancelled first.
     */
    virtual QFuture<HighlightedSource> highlight(const QString &path, const QString &theme) = 0;

    //! Abandons the running request, if any (a newer one replaces it).
    virtual void cancel() = 0;

    /*!
     * Reads `path` as plain text with `notice` (why it is plain). Any thread; files are read
     * up to a few MB.
     */
    static HighlightedSource readPlain(const QString &path, const QString &notice);

    //! Runs `work` on `pool` (the global pool if null); the future gets its result.
    static QFuture<HighlightedSource> run(std::function<HighlightedSource()> work,
                                          QThreadPool *pool = nullptr);
};

} // namespace qreload::app
