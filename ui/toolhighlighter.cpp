#include "toolhighlighter.h"

#include <QCoreApplication>
#include <QProcess>
#include <QPromise>
#include <QThreadPool>

#include <memory>

namespace qreload::app {

namespace {

void applyStyle(HighlightedSource::Span &span, QStringView style)
{
    for (QStringView declaration : style.split(u';', Qt::SkipEmptyParts)) {
        const qsizetype colon = declaration.indexOf(u':');
        if (colon < 0)
            continue;
        const QStringView name = declaration.left(colon).trimmed();
        const QStringView value = declaration.mid(colon + 1).trimmed();
        if (name == u"color")
            span.foreground = value.toString();
        else if (name == u"background-color")
            span.background = value.toString();
        else if (name == u"font-weight")
            span.bold = value == u"bold" || value.toInt() >= 600;
        else if (name == u"font-style")
            span.italic = value == u"italic";
        else if (name == u"text-decoration") {
            span.underline = value.contains(u"underline");
            span.strikeOut = value.contains(u"line-through");
        }
    }
}

QString attribute(QStringView tag, QStringView name)
{
    const QString needle = name.toString() + QStringLiteral("=\"");
    const qsizetype at = tag.indexOf(needle);
    if (at < 0)
        return {};
    const qsizetype start = at + needle.size();
    const qsizetype end = tag.indexOf(u'"', start);
    return end < 0 ? QString() : tag.mid(start, end - start).toString();
}

QChar decodeEntity(QStringView entity)
{
    if (entity == u"lt")
        return u'<';
    if (entity == u"gt")
        return u'>';
    if (entity == u"amp")
        return u'&';
    if (entity == u"quot")
        return u'"';
    if (entity == u"apos")
        return u'\'';
    if (entity == u"nbsp")
        return QChar(0xa0);
    if (entity.startsWith(u"#x") || entity.startsWith(u"#X"))
        return QChar(entity.mid(2).toUShort(nullptr, 16));
    if (entity.startsWith(u'#'))
        return QChar(entity.mid(1).toUShort());
    return QChar();
}

} // namespace

ToolHighlighter::ToolHighlighter(const QString &tool, QObject *parent)
    : HighlighterBackend(parent)
    , m_tool(tool)
{}

ToolHighlighter::~ToolHighlighter()
{
    cancel();
}

void ToolHighlighter::cancel()
{
    if (!m_process)
        return;
    // Disconnecting drops the request's promise, which cancels its future.
    m_process->disconnect(this);
    if (m_process->state() != QProcess::NotRunning) {
        // Reaped asynchronously: the process object deletes itself once the child has exited,
        // or with the application if that comes first (LSan reported it leaked at exit).
        connect(m_process, &QProcess::finished, m_process, &QObject::deleteLater);
        m_process->kill();
        m_process->setParent(QCoreApplication::instance());
    } else {
        m_process->deleteLater();
    }
    m_process = nullptr;
}

QFuture<HighlightedSource> ToolHighlighter::highlight(const QString &path, const QString &theme)
{
    cancel();
    auto promise = std::make_shared<QPromise<HighlightedSource>>();
    QFuture<HighlightedSource> future = promise->future();
    promise->start();
    // Parsing 2,000 highlighted lines (or reading the file when the tool failed) happens off the
    // UI thread.
    const auto finish = [promise, path](const QByteArray &html, const QString &error) {
        QThreadPool::globalInstance()->start([promise, path, html, error] {
            HighlightedSource source;
            if (error.isEmpty()) {
                source = parseHtml(html);
                if (!source.highlighted)
                    source = readPlain(path, SourceHighlighter::tr("Plain text: the highlighter's "
                                                                   "output was not understood"));
            } else {
                source = readPlain(path, error);
            }
            promise->addResult(source);
            promise->finish();
        });
    };

    m_process = new QProcess(this);
    m_process->setProgram(m_tool);
    m_process->setArguments({QStringLiteral("--output-format"), QStringLiteral("html"),
                             QStringLiteral("--theme"), theme, path});
    QProcess *process = m_process;
    connect(process, &QProcess::finished, this,
            [this, process, finish](int exitCode, QProcess::ExitStatus status) {
                const QByteArray html = process->readAllStandardOutput();
                QString error;
                if (status != QProcess::NormalExit || exitCode != 0 || html.isEmpty()) {
                    QString why = QString::fromUtf8(process->readAllStandardError()).trimmed();
                    if (why.isEmpty())
                        why = SourceHighlighter::tr("exit code %1").arg(exitCode);
                    error
                        = SourceHighlighter::tr("Plain text: the highlighter failed: %1").arg(why);
                }
                m_process = nullptr;
                process->disconnect(this);
                process->deleteLater();
                finish(html, error);
            });
    connect(process, &QProcess::errorOccurred, this,
            [this, process, finish](QProcess::ProcessError error) {
                if (error != QProcess::FailedToStart)
                    return; // crashes and exit codes arrive through finished()
                m_process = nullptr;
                process->disconnect(this);
                process->deleteLater();
                finish({}, SourceHighlighter::tr("Plain text: %1 did not start (%2)")
                               .arg(m_tool, process->errorString()));
            });
    process->start(QIODevice::ReadOnly);
    return future;
}

HighlightedSource ToolHighlighter::parseHtml(const QByteArray &html)
{
    HighlightedSource source;
    const QString document = QString::fromUtf8(html);
    const qsizetype bodyAt = document.indexOf(QLatin1String("<body"));
    if (bodyAt >= 0) {
        const qsizetype bodyEnd = document.indexOf(u'>', bodyAt);
        HighlightedSource::Span body;
        applyStyle(body, attribute(QStringView(document).mid(bodyAt, bodyEnd - bodyAt), u"style"));
        source.foreground = body.foreground;
        source.background = body.background;
    }
    qsizetype pos = document.indexOf(QLatin1String("<pre>"));
    const qsizetype end = document.lastIndexOf(QLatin1String("</pre>"));
    if (pos < 0 || end < pos)
        return source;
    pos += 5;
    if (pos < end && document.at(pos) == u'\n')
        ++pos; // HTML ignores the newline right after <pre>

    QString text;
    text.reserve(end - pos);
    QList<HighlightedSource::Span> styles{HighlightedSource::Span{}}; // stack; bottom: default
    QList<QList<HighlightedSource::Span>> lines{{}};
    qsizetype lineStart = 0;
    const auto addChar = [&](QChar c) {
        if (c == u'\n') {
            text.append(c);
            lines.append(QList<HighlightedSource::Span>{});
            lineStart = text.size();
            return;
        }
        text.append(c);
        const HighlightedSource::Span &style = styles.constLast();
        if (styles.size() == 1 && style == HighlightedSource::Span{})
            return;
        const int column = int(text.size() - 1 - lineStart);
        QList<HighlightedSource::Span> &line = lines.last();
        if (!line.isEmpty()) {
            HighlightedSource::Span &previous = line.last();
            HighlightedSource::Span probe = style;
            probe.start = previous.start;
            probe.length = previous.length;
            if (previous.start + previous.length == column && probe == previous) {
                ++previous.length;
                return;
            }
        }
        HighlightedSource::Span span = style;
        span.start = column;
        span.length = 1;
        line.append(span);
    };

    while (pos < end) {
        const QChar c = document.at(pos);
        if (c == u'<') {
            const qsizetype close = document.indexOf(u'>', pos);
            if (close < 0 || close > end)
                return source;
            const QStringView tag = QStringView(document).mid(pos + 1, close - pos - 1);
            if (tag.startsWith(u"span")) {
                HighlightedSource::Span style = styles.constLast();
                applyStyle(style, attribute(tag, u"style"));
                styles.append(style);
            } else if (tag == u"/span" && styles.size() > 1) {
                styles.removeLast();
            } else if (tag == u"br" || tag == u"br/") {
                addChar(u'\n');
            }
            pos = close + 1;
        } else if (c == u'&') {
            const qsizetype semicolon = document.indexOf(u';', pos);
            const QChar decoded
                = semicolon > pos && semicolon - pos < 10
                      ? decodeEntity(QStringView(document).mid(pos + 1, semicolon - pos - 1))
                      : QChar();
            if (decoded.isNull()) {
                addChar(c);
                ++pos;
            } else {
                addChar(decoded);
                pos = semicolon + 1;
            }
        } else {
            if (c != u'\r')
                addChar(c);
            ++pos;
        }
    }
    if (text.endsWith(u'\n')) {
        text.chop(1);
        lines.removeLast();
    }
    source.text = text;
    source.lines = lines;
    source.highlighted = true;
    return source;
}

} // namespace qreload::app
