#include "buildoutputview.h"

#include "diagnosticparser.h"

#include <QEvent>
#include <QFileInfo>
#include <QFontDatabase>
#include <QLabel>
#include <QMouseEvent>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

namespace qreload::ui {

using namespace qreload::app;

namespace {

//! How long output waits to be appended with the lines after it.
constexpr int FlushIntervalMs = 50;
//! Lines appended in one go; more wait for the next turn of the event loop.
constexpr int LinesPerFlush = 400;
//! Lines kept in the panel; the record keeps the whole output.
constexpr int MaximumLines = 20000;

//! QTextBlock::userState of a line that holds a diagnostic: its severity, plus one.
int stateOf(Diagnostic::Severity severity)
{
    return int(severity) + 1;
}

//! Whether DiagnosticParser could find a diagnostic with a file in `line`: cheaper than asking it,
//! and most build output ("[12/40] Building CXX object ...") is not.
bool mayBeDiagnostic(const QString &line)
{
    for (const char *word : {"error", "warning", "note:", "required ", "CMake ", "expansion of",
                             "instantiation of", "included from"}) {
        if (line.contains(QLatin1String(word)))
            return true;
    }
    return false;
}

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QColor colorOf(Diagnostic::Severity severity, const QPalette &palette)
{
    const bool dark = isDark(palette);
    switch (severity) {
    case Diagnostic::Severity::Error:
        return dark ? QColor(0xff8a80) : QColor(0xb71c1c);
    case Diagnostic::Severity::Warning:
        return dark ? QColor(0xffcc80) : QColor(0xb36b00);
    case Diagnostic::Severity::Note:
        return palette.color(QPalette::Link);
    }
    return palette.color(QPalette::Text);
}

} // namespace

BuildOutputView::BuildOutputView(QWidget *parent)
    : QWidget(parent)
    , m_status(new QLabel(this))
    , m_output(new QPlainTextEdit(this))
    , m_flushTimer(new QTimer(this))
{
    m_status->setObjectName(QStringLiteral("buildStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_output->setObjectName(QStringLiteral("buildOutput"));
    m_output->setReadOnly(true);
    m_output->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_output->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_output->setMaximumBlockCount(MaximumLines);
    m_output->setUndoRedoEnabled(false);
    m_output->viewport()->setMouseTracking(true);
    m_output->viewport()->installEventFilter(this);
    m_flushTimer->setSingleShot(true);
    connect(m_flushTimer, &QTimer::timeout, this, &BuildOutputView::flush);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_status);
    layout->addWidget(m_output, 1);
    setStatus(tr("No build yet: builds run when a watched source changes."));
}

void BuildOutputView::setWorkingDirectory(const QString &directory)
{
    m_workingDirectory = directory;
}

void BuildOutputView::setStatus(const QString &text, const QString &color)
{
    m_status->setText(text);
    m_status->setStyleSheet(
        color.isEmpty() ? QString() : QStringLiteral("color: %1; font-weight: bold;").arg(color));
}

void BuildOutputView::buildStarted(const QString &commandLine, const QStringList &changedFiles)
{
    m_flushTimer->stop();
    m_pending.clear();
    m_output->clear();
    m_lineCount = 0;
    m_running = true;
    QStringList names;
    for (const QString &file : changedFiles)
        names.append(QFileInfo(file).fileName());
    const QString why = names.isEmpty() ? tr("start-up build")
                                        : tr("for %1").arg(names.join(QStringLiteral(", ")));
    setStatus(tr("Building (%1): %2").arg(why, commandLine));
}

void BuildOutputView::appendLine(const QString &line)
{
    m_pending.append(line);
    ++m_lineCount;
    if (!m_flushTimer->isActive())
        m_flushTimer->start(FlushIntervalMs);
}

void BuildOutputView::flush()
{
    m_flushTimer->stop();
    if (m_pending.isEmpty())
        return;
    QScrollBar *scroll = m_output->verticalScrollBar();
    const bool atEnd = scroll->value() >= scroll->maximum() - 1;
    const QPalette palette = m_output->palette();
    const QTextCharFormat plain;

    QTextCursor cursor(m_output->document());
    cursor.movePosition(QTextCursor::End);
    cursor.beginEditBlock();
    bool first = m_output->document()->isEmpty();
    const qsizetype count = std::min<qsizetype>(m_pending.size(), LinesPerFlush);
    for (qsizetype i = 0; i < count; ++i) {
        const QString &line = m_pending.at(i);
        if (!first)
            cursor.insertBlock();
        first = false;
        // One line alone: enough to colour and click it. The record keeps the full parse.
        const QList<Diagnostic> found = mayBeDiagnostic(line)
                                            ? DiagnosticParser::parse(line, m_workingDirectory)
                                            : QList<Diagnostic>();
        if (!found.isEmpty() && !found.constFirst().file.isEmpty()) {
            QTextCharFormat format;
            format.setForeground(colorOf(found.constFirst().severity, palette));
            cursor.insertText(line, format);
            cursor.block().setUserState(stateOf(found.constFirst().severity));
        } else {
            cursor.insertText(line, plain);
        }
    }
    cursor.endEditBlock();
    m_pending.remove(0, count);
    if (atEnd)
        scroll->setValue(scroll->maximum());
    if (!m_pending.isEmpty())
        m_flushTimer->start(0); // the rest after the events waiting meanwhile
}

void BuildOutputView::buildFinished(const BuildInfo &info)
{
    flush(); // a long tail goes on in batches
    m_running = false;
    if (!info.workingDirectory.isEmpty())
        m_workingDirectory = info.workingDirectory;
    int errors = 0;
    int warnings = 0;
    for (const Diagnostic &d : info.diagnostics) {
        errors += d.severity == Diagnostic::Severity::Error;
        warnings += d.severity == Diagnostic::Severity::Warning;
    }
    const QString counts = tr("%n error(s)", nullptr, errors) + QStringLiteral(", ")
                           + tr("%n warning(s)", nullptr, warnings);
    const QColor error = colorOf(Diagnostic::Severity::Error, palette());
    const int ms = qRound(info.ms);
    if (info.cancelled)
        setStatus(tr("Build cancelled after %1 ms").arg(ms));
    else if (info.timedOut)
        setStatus(tr("Build timed out after %1 ms").arg(ms), error.name());
    else if (info.exitCode != 0)
        setStatus(tr("Build FAILED (exit code %1) after %2 ms: %3. The current generation keeps "
                     "serving; click an error to open it.")
                      .arg(info.exitCode)
                      .arg(ms)
                      .arg(counts),
                  error.name());
    else
        setStatus(tr("Build succeeded in %1 ms (%2)").arg(ms).arg(counts));
}

std::optional<Diagnostic> BuildOutputView::diagnosticAt(int line) const
{
    const QTextBlock block = m_output->document()->findBlockByNumber(line);
    if (!block.isValid() || block.userState() <= 0)
        return std::nullopt;
    const QList<Diagnostic> found = DiagnosticParser::parse(block.text(), m_workingDirectory);
    if (found.isEmpty() || found.constFirst().file.isEmpty())
        return std::nullopt;
    return found.constFirst();
}

bool BuildOutputView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched != m_output->viewport())
        return QWidget::eventFilter(watched, event);
    if (event->type() == QEvent::MouseMove) {
        const auto *mouse = static_cast<QMouseEvent *>(event);
        const QTextBlock block = m_output->cursorForPosition(mouse->position().toPoint()).block();
        m_output->viewport()->setCursor(block.userState() > 0 ? Qt::PointingHandCursor
                                                              : Qt::IBeamCursor);
    } else if (event->type() == QEvent::MouseButtonRelease) {
        const auto *mouse = static_cast<QMouseEvent *>(event);
        // A click, not the end of a selection drag.
        if (mouse->button() == Qt::LeftButton && !m_output->textCursor().hasSelection()) {
            const int line = m_output->cursorForPosition(mouse->position().toPoint()).blockNumber();
            if (const std::optional<Diagnostic> d = diagnosticAt(line))
                Q_EMIT openSource(d->file, d->line);
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace qreload::ui
