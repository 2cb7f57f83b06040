#include "codeeditor.h"

#include <QFontDatabase>
#include <QHelpEvent>
#include <QPainter>
#include <QTextBlock>
#include <QToolTip>

namespace qreload::ui {

//! The line-number gutter; paints through its editor.
class CodeEditorGutter : public QWidget
{
public:
    explicit CodeEditorGutter(CodeEditor *editor)
        : QWidget(editor)
        , m_editor(editor)
    {}
    QSize sizeHint() const override { return {m_editor->gutterWidth(), 0}; }

protected:
    void paintEvent(QPaintEvent *event) override { m_editor->paintGutter(event); }
    bool event(QEvent *event) override
    {
        if (event->type() == QEvent::ToolTip) {
            auto *help = static_cast<QHelpEvent *>(event);
            const QString text = m_editor->markerTextAt(help->pos());
            if (text.isEmpty())
                QToolTip::hideText();
            else
                QToolTip::showText(help->globalPos(), text, this);
            return true;
        }
        return QWidget::event(event);
    }

private:
    CodeEditor *m_editor;
};

CodeEditor::CodeEditor(QWidget *parent)
    : QPlainTextEdit(parent)
    , m_gutter(new CodeEditorGutter(this))
{
    setReadOnly(true);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    connect(this, &QPlainTextEdit::blockCountChanged, this,
            [this] { setViewportMargins(gutterWidth(), 0, 0, 0); });
    connect(this, &QPlainTextEdit::updateRequest, this, [this](const QRect &rect, int dy) {
        if (dy)
            m_gutter->scroll(0, dy);
        else
            m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
    });
    connect(this, &QPlainTextEdit::cursorPositionChanged, m_gutter, qOverload<>(&QWidget::update));
    setViewportMargins(gutterWidth(), 0, 0, 0);
}

int CodeEditor::gutterWidth() const
{
    int digits = 1;
    for (int max = std::max(1, blockCount()); max >= 10; max /= 10)
        ++digits;
    digits = std::max(digits, 3);
    return 16 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits + 6;
}

QColor CodeEditor::markerColor(Marker marker)
{
    switch (marker) {
    case Marker::Error:
        return QColor(0xe5, 0x39, 0x35);
    case Marker::Warning:
        return QColor(0xf0, 0xa2, 0x02);
    case Marker::Note:
        return QColor(0x42, 0x8b, 0xca);
    }
    return {};
}

void CodeEditor::setMarkers(const QMap<int, QPair<Marker, QString>> &markers)
{
    m_markers = markers;
    updateExtraSelections();
    m_gutter->update();
}

void CodeEditor::goToLine(int line)
{
    const QTextBlock block = document()->findBlockByNumber(std::max(0, line - 1));
    if (!block.isValid())
        return;
    QTextCursor cursor(block);
    setTextCursor(cursor);
    centerCursor();
}

void CodeEditor::updateExtraSelections()
{
    QList<QTextEdit::ExtraSelection> selections;
    for (auto it = m_markers.cbegin(); it != m_markers.cend(); ++it) {
        const QTextBlock block = document()->findBlockByNumber(it.key() - 1);
        if (!block.isValid())
            continue;
        QTextEdit::ExtraSelection selection;
        QColor tint = markerColor(it.value().first);
        tint.setAlpha(45);
        selection.format.setBackground(tint);
        selection.format.setProperty(QTextFormat::FullWidthSelection, true);
        selection.cursor = QTextCursor(block);
        selections.append(selection);
    }
    setExtraSelections(selections);
}

void CodeEditor::resizeEvent(QResizeEvent *event)
{
    QPlainTextEdit::resizeEvent(event);
    const QRect cr = contentsRect();
    m_gutter->setGeometry(QRect(cr.left(), cr.top(), gutterWidth(), cr.height()));
}

bool CodeEditor::event(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        m_gutter->update();
    return QPlainTextEdit::event(event);
}

QString CodeEditor::markerTextAt(const QPoint &gutterPos) const
{
    const QTextCursor cursor = cursorForPosition(QPoint(0, gutterPos.y()));
    const auto it = m_markers.constFind(cursor.blockNumber() + 1);
    return it == m_markers.cend() ? QString() : it->second;
}

void CodeEditor::paintGutter(QPaintEvent *event)
{
    QPainter painter(m_gutter);
    const QPalette pal = palette();
    painter.fillRect(event->rect(), pal.color(QPalette::AlternateBase));
    QTextBlock block = firstVisibleBlock();
    int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
    int bottom = top + qRound(blockBoundingRect(block).height());
    const int lineHeight = fontMetrics().height();
    painter.setFont(font());
    while (block.isValid() && top <= event->rect().bottom()) {
        if (block.isVisible() && bottom >= event->rect().top()) {
            const int line = block.blockNumber() + 1;
            const auto marker = m_markers.constFind(line);
            if (marker != m_markers.cend()) {
                painter.setRenderHint(QPainter::Antialiasing);
                painter.setPen(Qt::NoPen);
                painter.setBrush(markerColor(marker->first));
                const int d = std::min(10, lineHeight - 4);
                painter.drawEllipse(QRect(3, top + (lineHeight - d) / 2, d, d));
            }
            painter.setPen(line == textCursor().blockNumber() + 1
                               ? pal.color(QPalette::Text)
                               : pal.color(QPalette::PlaceholderText));
            painter.drawText(0, top, m_gutter->width() - 6, lineHeight, Qt::AlignRight,
                             QString::number(line));
        }
        block = block.next();
        top = bottom;
        bottom = top + qRound(blockBoundingRect(block).height());
    }
}

} // namespace qreload::ui
