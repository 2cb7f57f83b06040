#include "inprocesshighlighter.h"

#include <KSyntaxHighlighting/AbstractHighlighter>
#include <KSyntaxHighlighting/Definition>
#include <KSyntaxHighlighting/Format>
#include <KSyntaxHighlighting/Repository>
#include <KSyntaxHighlighting/State>
#include <KSyntaxHighlighting/Theme>

#include <QColor>
#include <QFileInfo>

namespace qreload::app {

namespace {

using Span = HighlightedSource::Span;

/*!
 * Turns the library's formats into spans, one line at a time, in the form the tool's HTML gives
 * them: only what differs from the theme's plain text, adjacent runs of one style merged.
 */
class SpanCollector final : public KSyntaxHighlighting::AbstractHighlighter
{
public:
    QList<Span> highlight(QStringView line, KSyntaxHighlighting::State &state)
    {
        m_line.clear();
        state = highlightLine(line, state);
        return std::exchange(m_line, {});
    }

protected:
    void applyFormat(int offset, int length, const KSyntaxHighlighting::Format &format) override
    {
        if (length <= 0)
            return;
        const KSyntaxHighlighting::Theme &colours = theme();
        Span span;
        if (format.hasTextColor(colours))
            span.foreground = format.textColor(colours).name();
        if (format.hasBackgroundColor(colours))
            span.background = format.backgroundColor(colours).name();
        span.bold = format.isBold(colours);
        span.italic = format.isItalic(colours);
        span.underline = format.isUnderline(colours);
        span.strikeOut = format.isStrikeThrough(colours);
        if (span == Span{})
            return;
        span.start = offset;
        span.length = length;
        if (!m_line.isEmpty()) {
            Span &previous = m_line.last();
            Span probe = span;
            probe.start = previous.start;
            probe.length = previous.length;
            if (previous.start + previous.length == offset && probe == previous) {
                previous.length += length;
                return;
            }
        }
        m_line.append(span);
    }

private:
    QList<Span> m_line;
};

} // namespace

InProcessHighlighter::InProcessHighlighter(QObject *parent)
    : HighlighterBackend(parent)
{
    m_thread.setMaxThreadCount(1);
    m_thread.setExpiryTimeout(-1); // the Repository belongs to that thread
}

InProcessHighlighter::~InProcessHighlighter()
{
    cancel();
    // The Repository is a QObject made on m_thread: it is deleted there too.
    m_thread.start([this] { m_repository.reset(); });
    m_thread.waitForDone();
}

void InProcessHighlighter::cancel()
{
    ++m_request;
}

QFuture<HighlightedSource> InProcessHighlighter::highlight(const QString &path,
                                                           const QString &theme)
{
    const quint64 request = ++m_request;
    return run([this, path, theme, request] { return highlightNow(path, theme, request); },
               &m_thread);
}

HighlightedSource InProcessHighlighter::highlightNow(const QString &path, const QString &theme,
                                                     quint64 request)
{
    if (cancelled(request))
        return {};
    HighlightedSource source = readPlain(path, {});
    if (!source.notice.isEmpty())
        return source;
    if (!m_repository)
        m_repository = std::make_unique<KSyntaxHighlighting::Repository>();
    const KSyntaxHighlighting::Definition definition
        = m_repository->definitionForFileName(QFileInfo(path).fileName());
    if (!definition.isValid()) {
        source.notice = SourceHighlighter::tr("Plain text: no syntax definition for %1")
                            .arg(QFileInfo(path).fileName());
        return source;
    }
    KSyntaxHighlighting::Theme colours = m_repository->theme(theme);
    if (!colours.isValid())
        colours = m_repository->defaultTheme(KSyntaxHighlighting::Repository::LightTheme);

    SpanCollector collector;
    collector.setDefinition(definition);
    collector.setTheme(colours);
    KSyntaxHighlighting::State state;
    QList<QList<Span>> lines;
    for (const QStringView line : QStringView(source.text).tokenize(u'\n')) {
        // A 2 MB file takes a while; a newer request should not wait for it.
        if (lines.size() % 256 == 0 && cancelled(request))
            return {};
        lines.append(collector.highlight(line, state));
    }
    source.lines = std::move(lines);
    source.foreground = QColor(colours.textColor(KSyntaxHighlighting::Theme::Normal)).name();
    source.background
        = QColor(colours.editorColor(KSyntaxHighlighting::Theme::BackgroundColor)).name();
    source.highlighted = true;
    return source;
}

} // namespace qreload::app
