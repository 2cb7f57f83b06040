#include "reloaddetailsview.h"

#include <QFileInfo>
#include <QFontDatabase>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QTextBrowser>

namespace qreload::ui {

using namespace qreload::app;

namespace {

QString escaped(const QString &text)
{
    return text.toHtmlEscaped();
}

QString list(const QStringList &items)
{
    QStringList escapedItems;
    for (const QString &item : items)
        escapedItems.append(escaped(item));
    return escapedItems.join(QStringLiteral(", "));
}

/*!
 * "3: a, b, c"; past `limit` names, the rest as a count ("1000: p0.c0, …, p0.c19 and 980 more"):
 * a reload of a large app keeps thousands of components, and the summary must stay readable.
 */
QString countedList(const QStringList &items, int limit = 20)
{
    if (items.isEmpty())
        return {};
    QString text = QStringLiteral("%1: %2").arg(items.size()).arg(list(items.mid(0, limit)));
    if (items.size() > limit)
        text += ReloadDetailsView::tr(" and %1 more").arg(items.size() - limit);
    return text;
}

QString severityText(Diagnostic::Severity severity)
{
    switch (severity) {
    case Diagnostic::Severity::Error:
        return ReloadDetailsView::tr("error");
    case Diagnostic::Severity::Warning:
        return ReloadDetailsView::tr("warning");
    case Diagnostic::Severity::Note:
        return ReloadDetailsView::tr("note");
    }
    return {};
}

} // namespace

ReloadDetailsView::ReloadDetailsView(QWidget *parent)
    : QTabWidget(parent)
    , m_summary(new QTextBrowser(this))
    , m_build(new QPlainTextEdit(this))
    , m_diagnostics(new QListWidget(this))
    , m_events(new QPlainTextEdit(this))
{
    setDocumentMode(true);
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_summary->setOpenLinks(false);
    m_build->setReadOnly(true);
    m_build->setFont(fixed);
    m_build->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_build->setMaximumBlockCount(20000);
    m_events->setReadOnly(true);
    m_events->setFont(fixed);
    m_events->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_diagnostics->setFont(fixed);
    m_diagnostics->setObjectName(QStringLiteral("diagnostics"));
    addTab(m_summary, tr("Summary"));
    addTab(m_build, tr("Build output"));
    addTab(m_diagnostics, tr("Diagnostics"));
    addTab(m_events, tr("File events"));
    connect(m_diagnostics, &QListWidget::itemActivated, this,
            [this](QListWidgetItem *item) { activateDiagnostic(m_diagnostics->row(item)); });
    connect(m_diagnostics, &QListWidget::itemClicked, this,
            [this](QListWidgetItem *item) { activateDiagnostic(m_diagnostics->row(item)); });
    connect(m_summary, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.scheme() == QLatin1String("diagnostic"))
            activateDiagnostic(url.path().toInt());
    });
    clear();
}

void ReloadDetailsView::clear()
{
    m_record = {};
    m_hasRecord = false;
    m_summary->setHtml(tr("<p><i>Select a reload to see its details.</i></p>"));
    m_build->clear();
    m_diagnostics->clear();
    m_events->clear();
    setTabText(BuildTab, tr("Build output"));
    setTabText(DiagnosticsTab, tr("Diagnostics"));
    setTabText(EventsTab, tr("File events"));
}

void ReloadDetailsView::setRecord(const ReloadRecord &record)
{
    if (m_hasRecord && record.id == m_record.id)
        return;
    m_record = record;
    m_hasRecord = true;

    const bool dark = palette().color(QPalette::Base).lightness() < 128;
    const QString errorColor = dark ? QStringLiteral("#ff8a80") : QStringLiteral("#b71c1c");
    const QString okColor = dark ? QStringLiteral("#8bd48f") : QStringLiteral("#2e7d32");

    QString html;
    const QString outcome = outcomeName(record.outcome);
    html += QStringLiteral("<h3 style='color:%1'>Reload #%2: %3</h3>")
                .arg(record.outcome == ReloadOutcome::Failed
                             || record.outcome == ReloadOutcome::Crashed
                         ? errorColor
                     : record.outcome == ReloadOutcome::Succeeded
                         ? okColor
                         : palette().color(QPalette::PlaceholderText).name(),
                     QString::number(record.id), escaped(outcome));
    html += QStringLiteral("<table cellspacing='2'>");
    const auto row = [&html](const QString &name, const QString &value) {
        if (!value.isEmpty())
            html += QStringLiteral("<tr><td><b>%1</b>&nbsp;</td><td>%2</td></tr>").arg(name, value);
    };
    row(tr("Started"), record.startedAt.toString(QStringLiteral("yyyy-MM-dd hh:mm:ss.zzz")));
    row(tr("Cause"), escaped(causeName(record.cause)));
    row(tr("Scope"), record.scope == ReloadScope::All
                         ? tr("all: every plugin and component rebuilt (Reload all)")
                     : record.ok() && record.generationBefore == 0
                         ? tr("first generation: every plugin and component built")
                     : record.ok() ? tr("changed: changed plugins and what depends on them")
                                   : QString());
    row(tr("Decision"), escaped(record.decision));
    row(tr("Generation"),
        record.ok() ? tr("%1 → %2").arg(record.generationBefore).arg(record.generationAfter)
        : record.crash
            ? tr("%1 died with its host process (its state is lost)").arg(record.generationBefore)
            : tr("%1 kept serving").arg(record.generationBefore));
    row(tr("Total"), tr("%1 ms").arg(record.totalMs, 0, 'f', 2));
    row(tr("Phases"), escaped(record.phaseSummary()));
    row(tr("Files"), list(record.files));
    row(tr("Added"), list(record.added));
    row(tr("Removed"), list(record.removed));
    row(tr("Changed"), list(record.changed));
    row(tr("Rewired"), list(record.rewired));
    row(tr("Recreated"), countedList(record.recreated));
    row(tr("Kept"), countedList(record.kept));
    row(tr("State carried"), list(record.carriedState));
    row(tr("State dropped"), list(record.droppedState));
    if (record.build)
        row(tr("Build"), tr("<code>%1</code> exit %2 in %3 ms%4")
                             .arg(escaped(record.build->command))
                             .arg(record.build->exitCode)
                             .arg(record.build->ms, 0, 'f', 0)
                             .arg(record.build->cancelled  ? tr(" (cancelled)")
                                  : record.build->timedOut ? tr(" (timed out)")
                                                           : QString()));
    html += QStringLiteral("</table>");
    if (!record.errors.isEmpty()) {
        html += QStringLiteral("<h4 style='color:%1'>%2</h4><ul>")
                    .arg(errorColor, tr("Errors (%1)").arg(record.errors.size()));
        for (const qreload::Error &error : record.errors) {
            html += QStringLiteral("<li style='color:%1'><b>%2</b> %3</li>")
                        .arg(errorColor, escaped(qreload::Error::reasonName(error.reason())),
                             escaped(error.toString()));
        }
        html += QStringLiteral("</ul>");
    }
    if (record.crash) {
        const CrashInfo &crash = *record.crash;
        html += QStringLiteral("<h4 style='color:%1'>%2</h4><table cellspacing='2'>")
                    .arg(errorColor, tr("The plugin host crashed"));
        row(tr("Died of"), escaped(crash.what()));
        row(tr("Phase"), escaped(crash.phase));
        row(tr("Component"), escaped(crash.component));
        row(tr("Request"), escaped(crash.request));
        row(tr("Then"), escaped(crash.restart));
        html += QStringLiteral("</table>");
        if (!crash.backtrace.isEmpty())
            html += QStringLiteral("<p><b>%1</b></p><pre>%2</pre>")
                        .arg(tr("Backtrace of the crashing thread"),
                             escaped(crash.backtrace.join(QLatin1Char('\n'))));
        if (!crash.stderrTail.isEmpty())
            html += QStringLiteral("<p><b>%1</b></p><pre>%2</pre>")
                        .arg(tr("Last lines the host wrote to stderr"),
                             escaped(crash.stderrTail.join(QLatin1Char('\n'))));
    }
    if (record.build && !record.build->diagnostics.isEmpty()) {
        html += QStringLiteral("<h4>%1</h4><ul>").arg(tr("Diagnostics"));
        for (int i = 0; i < record.build->diagnostics.size(); ++i) {
            const Diagnostic &d = record.build->diagnostics.at(i);
            html += QStringLiteral("<li><a href='diagnostic:%1'>%2:%3:%4</a>: %5: %6</li>")
                        .arg(i)
                        .arg(escaped(QFileInfo(d.file).fileName()))
                        .arg(d.line)
                        .arg(d.column)
                        .arg(severityText(d.severity), escaped(d.message));
        }
        html += QStringLiteral("</ul>");
    }
    m_summary->setHtml(html);

    m_build->setPlainText(record.build ? record.build->output : QString());
    m_diagnostics->clear();
    if (record.build) {
        for (const Diagnostic &d : record.build->diagnostics) {
            auto *item = new QListWidgetItem(QStringLiteral("%1:%2:%3: %4: %5")
                                                 .arg(d.file)
                                                 .arg(d.line)
                                                 .arg(d.column)
                                                 .arg(severityText(d.severity), d.message),
                                             m_diagnostics);
            item->setToolTip(tr("Open %1 at line %2").arg(d.file).arg(d.line));
            if (d.severity == Diagnostic::Severity::Error)
                item->setForeground(QColor(errorColor));
        }
    }
    QStringList events;
    for (const FileEvent &event : record.events)
        events.append(
            QStringLiteral("%1  %2  %3")
                .arg(event.at.toString(QStringLiteral("hh:mm:ss.zzz")), event.kind, event.path));
    m_events->setPlainText(events.join(QLatin1Char('\n')));

    setTabText(BuildTab, record.build ? tr("Build output") : tr("Build output (none)"));
    setTabText(DiagnosticsTab, tr("Diagnostics (%1)").arg(m_diagnostics->count()));
    setTabText(EventsTab, tr("File events (%1)").arg(record.events.size()));
}

void ReloadDetailsView::activateDiagnostic(int row)
{
    if (!m_record.build || row < 0 || row >= m_record.build->diagnostics.size())
        return;
    const Diagnostic &d = m_record.build->diagnostics.at(row);
    Q_EMIT openSource(d.file, d.line);
}

} // namespace qreload::ui
