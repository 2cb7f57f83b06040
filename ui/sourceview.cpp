#include "sourceview.h"

#include "spanhighlighter.h"

#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QLabel>
#include <QLoggingCategory>
#include <QVBoxLayout>

Q_LOGGING_CATEGORY(lcSourceView, "qreload.ui", QtInfoMsg)

namespace qreload::ui {

SourceView::SourceView(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_notice(new QLabel(this))
    , m_editor(new CodeEditor(this))
    , m_spans(new SpanHighlighter(m_editor->document()))
    , m_highlighter(new app::SourceHighlighter(this))
{
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setTextFormat(Qt::PlainText);
    m_notice->setWordWrap(true);
    m_notice->setTextFormat(Qt::PlainText);
    m_notice->setObjectName(QStringLiteral("sourceNotice"));
    m_notice->hide();
    m_editor->setObjectName(QStringLiteral("sourceEditor"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_title);
    layout->addWidget(m_notice);
    layout->addWidget(m_editor, 1);
    connect(m_highlighter, &app::SourceHighlighter::finished, this, &SourceView::onHighlighted);
    clear();
}

QString SourceView::notice() const
{
    return m_notice->isVisible() || !m_notice->text().isEmpty() ? m_notice->text() : QString();
}

void SourceView::clear(const QString &message)
{
    m_path.clear();
    m_readSize = -1;
    m_readModified = {};
    m_source = {};
    m_loading = false;
    m_title->setText(message.isEmpty() ? tr("No source file") : message);
    m_notice->clear();
    m_notice->hide();
    m_spans->setSource({});
    m_editor->setPlainText({});
    m_editor->setMarkers({});
}

void SourceView::setTheme(const QString &theme)
{
    if (theme == m_theme)
        return;
    m_theme = theme;
    if (!m_path.isEmpty() && effectiveTheme() != m_shownTheme)
        request();
}

QString SourceView::effectiveTheme() const
{
    if (!m_theme.isEmpty())
        return m_theme;
    return app::SourceHighlighter::defaultTheme(palette().color(QPalette::Base).lightness() < 128);
}

void SourceView::showFile(const QString &path, int line,
                          const QMap<int, QPair<CodeEditor::Marker, QString>> &markers)
{
    const QFileInfo info(path);
    const QString absolute = info.absoluteFilePath();
    m_pendingLine = line;
    m_pendingMarkers = markers;
    const bool unchanged = info.size() == m_readSize && info.lastModified() == m_readModified;
    if (absolute == m_path && !m_loading && m_shownTheme == effectiveTheme() && unchanged) {
        m_editor->setMarkers(markers);
        if (line > 0)
            m_editor->goToLine(line);
        return;
    }
    m_path = absolute;
    m_title->setText(QDir::toNativeSeparators(absolute));
    request();
}

void SourceView::request()
{
    const QFileInfo info(m_path);
    m_readSize = info.size();
    m_readModified = info.lastModified();
    m_loading = true;
    m_highlighter->highlight(m_path, effectiveTheme());
}

void SourceView::onHighlighted(quint64, const app::HighlightedSource &source)
{
    if (source.path != m_path)
        return;
    m_loading = false;
    m_source = source;
    m_shownTheme = source.theme;
    m_notice->setText(source.notice);
    m_notice->setVisible(!source.notice.isEmpty());

    QPalette pal = m_editor->palette();
    if (source.highlighted && !source.background.isEmpty()) {
        pal.setColor(QPalette::Base, QColor(source.background));
        pal.setColor(QPalette::Text, QColor(source.foreground));
    } else {
        pal = palette();
    }
    m_editor->setPalette(pal);
    // Spans first: setting the text runs the highlighter over every block.
    m_spans->setSource(source);
    m_editor->setPlainText(source.text);
    m_editor->setMarkers(m_pendingMarkers);
    if (m_pendingLine > 0)
        m_editor->goToLine(m_pendingLine);
    qCDebug(lcSourceView) << "showing" << source.path << "in" << source.ms << "ms"
                          << (source.highlighted ? "highlighted" : "plain");
    Q_EMIT loaded(m_path);
}

void SourceView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_theme.isEmpty() && !m_path.isEmpty()
        && !m_loading && effectiveTheme() != m_shownTheme)
        request();
}

} // namespace qreload::ui
