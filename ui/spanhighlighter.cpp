#include "spanhighlighter.h"

namespace qreload::ui {

SpanHighlighter::SpanHighlighter(QTextDocument *document)
    : QSyntaxHighlighter(document)
{}

void SpanHighlighter::setSource(const app::HighlightedSource &source)
{
    m_lines = source.highlighted ? source.lines : decltype(m_lines){};
}

QTextCharFormat SpanHighlighter::formatOf(const app::HighlightedSource::Span &span) const
{
    QTextCharFormat format;
    if (!span.foreground.isEmpty())
        format.setForeground(QColor(span.foreground));
    if (!span.background.isEmpty())
        format.setBackground(QColor(span.background));
    if (span.bold)
        format.setFontWeight(QFont::Bold);
    if (span.italic)
        format.setFontItalic(true);
    if (span.underline)
        format.setFontUnderline(true);
    if (span.strikeOut)
        format.setFontStrikeOut(true);
    return format;
}

void SpanHighlighter::highlightBlock(const QString &text)
{
    const int line = currentBlock().blockNumber();
    if (line < 0 || line >= m_lines.size())
        return;
    for (const app::HighlightedSource::Span &span : m_lines.at(line)) {
        if (span.start >= text.size())
            break;
        setFormat(span.start, std::min(span.length, int(text.size()) - span.start), formatOf(span));
    }
}

} // namespace qreload::ui
