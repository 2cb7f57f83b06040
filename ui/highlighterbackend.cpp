#include "highlighterbackend.h"

#include <QFile>
#include <QPromise>
#include <QThreadPool>

#include <memory>

namespace qreload::app {

HighlightedSource HighlighterBackend::readPlain(const QString &path, const QString &notice)
{
    HighlightedSource source;
    source.path = path;
    source.notice = notice;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        source.notice = SourceHighlighter::tr("Cannot read %1: %2").arg(path, file.errorString());
        return source;
    }
    source.text = QString::fromUtf8(file.read(8 * SourceHighlighter::maxHighlightBytes));
    source.text.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    if (source.text.endsWith(QLatin1Char('\n')))
        source.text.chop(1);
    return source;
}

QFuture<HighlightedSource> HighlighterBackend::run(std::function<HighlightedSource()> work,
                                                   QThreadPool *pool)
{
    // Shared: the task owns it, and a promise destroyed unfinished cancels its future.
    auto promise = std::make_shared<QPromise<HighlightedSource>>();
    QFuture<HighlightedSource> future = promise->future();
    promise->start();
    (pool ? pool : QThreadPool::globalInstance())->start([promise, work = std::move(work)] {
        promise->addResult(work());
        promise->finish();
    });
    return future;
}

} // namespace qreload::app
