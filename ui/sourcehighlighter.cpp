#include "sourcehighlighter.h"

#include "highlighterbackend.h"
#include "toolhighlighter.h"
#ifdef QRELOAD_KF6_SYNTAX
#include "inprocesshighlighter.h"
#endif

#include <QElapsedTimer>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QStandardPaths>

namespace qreload::app {

namespace {

qint64 nowNs()
{
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.nsecsElapsed();
}

//! The configure-time choice: CMake defines QRELOAD_KF6_SYNTAX where it found the library.
HighlighterBackend *createDefaultBackend(QObject *parent)
{
#ifdef QRELOAD_KF6_SYNTAX
    return new InProcessHighlighter(parent);
#else
    const QString tool = SourceHighlighter::toolPath();
    return tool.isEmpty() ? nullptr : new ToolHighlighter(tool, parent);
#endif
}

} // namespace

SourceHighlighter::SourceHighlighter(QObject *parent)
    : QObject(parent)
    , m_backend(createDefaultBackend(this))
{
    qRegisterMetaType<HighlightedSource>();
}

SourceHighlighter::~SourceHighlighter() = default;

SourceHighlighter::Backend SourceHighlighter::defaultBackend()
{
#ifdef QRELOAD_KF6_SYNTAX
    return Backend::InProcess;
#else
    return toolPath().isEmpty() ? Backend::Plain : Backend::Tool;
#endif
}

SourceHighlighter::Backend SourceHighlighter::backend() const
{
    return m_backend ? m_backend->kind() : Backend::Plain;
}

QString SourceHighlighter::toolPath()
{
    for (const char *name : {"kate-syntax-highlighter", "ksyntaxhighlighter6"}) {
        const QString path = QStandardPaths::findExecutable(QString::fromLatin1(name));
        if (!path.isEmpty())
            return path;
    }
    return {};
}

QString SourceHighlighter::defaultTheme(bool dark)
{
    return dark ? QStringLiteral("Breeze Dark") : QStringLiteral("Breeze Light");
}

void SourceHighlighter::setToolPath(const QString &path)
{
    delete m_backend; // cancels its request
    m_backend = path.isEmpty() ? nullptr : new ToolHighlighter(path, this);
}

quint64 SourceHighlighter::highlight(const QString &path, const QString &theme)
{
    const quint64 id = ++m_lastRequest;
    const qint64 started = nowNs();
    if (m_backend)
        m_backend->cancel();

    const QFileInfo info(path);
    if (!info.isFile()) {
        deliverPlain(id, path, theme, tr("%1 does not exist").arg(path), started);
        return id;
    }
    if (!m_backend) {
        deliverPlain(id, path, theme,
                     tr("Plain text: no syntax highlighter found (install "
                        "libkf5syntaxhighlighting-tools for kate-syntax-highlighter, or build "
                        "with libkf6syntaxhighlighting-dev)"),
                     started);
        return id;
    }
    if (info.size() > maxHighlightBytes) {
        deliverPlain(
            id, path, theme,
            tr("Plain text: the file is larger than %1 MB").arg(maxHighlightBytes / (1024 * 1024)),
            started);
        return id;
    }
    deliver(id, m_backend->highlight(path, theme), path, theme, started);
    return id;
}

void SourceHighlighter::deliverPlain(quint64 id, const QString &path, const QString &theme,
                                     const QString &notice, qint64 startedNs)
{
    const QString why = notice.isEmpty() ? tr("Plain text") : notice;
    deliver(id, HighlighterBackend::run([path, why] {
                return HighlighterBackend::readPlain(path, why);
            }),
            path, theme, startedNs);
}

void SourceHighlighter::deliver(quint64 id, const QFuture<HighlightedSource> &future,
                                const QString &path, const QString &theme, qint64 startedNs)
{
    auto *watcher = new QFutureWatcher<HighlightedSource>(this);
    connect(watcher, &QFutureWatcherBase::finished, this,
            [this, watcher, id, path, theme, startedNs] {
                const QFuture<HighlightedSource> done = watcher->future();
                watcher->deleteLater();
                // Older requests finish too (or are cancelled); only the newest is shown.
                if (id != m_lastRequest || done.isCanceled() || done.resultCount() == 0)
                    return;
                HighlightedSource source = done.result();
                source.path = path;
                source.theme = theme;
                source.ms = (nowNs() - startedNs) / 1e6;
                Q_EMIT finished(id, source);
            });
    watcher->setFuture(future);
}

} // namespace qreload::app
