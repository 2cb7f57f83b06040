#pragma once

#include "highlighterbackend.h"

#include <QThreadPool>

#include <atomic>
#include <memory>

namespace KSyntaxHighlighting {
class Repository;
}

namespace qreload::app {

/*!
 * Highlights with the KSyntaxHighlighting library linked in (KF6 SyntaxHighlighting): no
 * subprocess and no HTML. The definition is chosen by file name, the theme by name (an unknown
 * name falls back to the library's default light theme). Work runs on a thread of its own that
 * keeps one Repository, because a Repository is costly to load and neither it nor its definitions
 * may be shared between threads. A newer request stops the running one within a few lines.
 */
class InProcessHighlighter final : public HighlighterBackend
{
    Q_OBJECT

public:
    explicit InProcessHighlighter(QObject *parent = nullptr);
    //! Stops the running request and waits for it (a few lines at most).
    ~InProcessHighlighter() override;

    SourceHighlighter::Backend kind() const override
    {
        return SourceHighlighter::Backend::InProcess;
    }
    QFuture<HighlightedSource> highlight(const QString &path, const QString &theme) override;
    void cancel() override;

private:
    //! On m_thread only. Returns an empty source when `request` was cancelled meanwhile.
    HighlightedSource highlightNow(const QString &path, const QString &theme, quint64 request);
    bool cancelled(quint64 request) const { return m_request.load() != request; }

    QThreadPool m_thread; //!< one thread: requests run in order and share m_repository
    std::unique_ptr<KSyntaxHighlighting::Repository> m_repository; //!< used on m_thread only
    std::atomic<quint64> m_request{0}; //!< the running request; others stop
};

} // namespace qreload::app
