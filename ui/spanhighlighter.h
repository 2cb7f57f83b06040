#pragma once

#include "sourcehighlighter.h"

#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace qreload::ui {

/*!
 * Applies highlighting computed elsewhere (a HighlightedSource from the command-line highlighter)
 * to a document: highlightBlock() only looks up the spans of the block's line, so nothing is
 * parsed on the UI thread.
 */
class SpanHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT

public:
    explicit SpanHighlighter(QTextDocument *document);

    //! Sets the spans; call before setting the document's text (or call rehighlight()).
    void setSource(const qreload::app::HighlightedSource &source);

protected:
    void highlightBlock(const QString &text) override;

private:
    QTextCharFormat formatOf(const qreload::app::HighlightedSource::Span &span) const;

    QList<QList<qreload::app::HighlightedSource::Span>> m_lines;
};

} // namespace qreload::ui
