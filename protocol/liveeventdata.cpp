#include "liveeventdata.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>

namespace qreload::app::LiveEventData {

namespace {

constexpr qsizetype MaxLineLength = 300;
constexpr qint64 MaxSourceBytes = 8 << 20;

QJsonObject problem(const QString &message, const QString &severity, const QString &file = {},
                    int line = 0, int column = 0)
{
    QJsonObject p{{QLatin1String("message"), message},
                  {QLatin1String("severity"), severity},
                  {QLatin1String("file"), file},
                  {QLatin1String("line"), line},
                  {QLatin1String("column"), column}};
    if (!file.isEmpty() && line > 0) {
        if (const QJsonObject frame = codeFrame(file, line); !frame.isEmpty())
            p.insert(QLatin1String("frame"), frame);
    }
    return p;
}

//! Errors first (warnings and notes follow them, in the order the compiler gave them).
QJsonArray diagnosticProblems(const QList<Diagnostic> &diagnostics)
{
    QJsonArray problems;
    for (const Diagnostic::Severity wanted :
         {Diagnostic::Severity::Error, Diagnostic::Severity::Warning}) {
        for (const Diagnostic &d : diagnostics) {
            if (d.severity == wanted && problems.size() < MaxProblems)
                problems.append(
                    problem(d.message, severityName(d.severity), d.file, d.line, d.column));
        }
    }
    return problems;
}

//! The end of a build's output, for a failure without a diagnostic (a link error, say).
QString outputTail(const QString &output, int lines = 25)
{
    QStringList all = output.split(QLatin1Char('\n'));
    while (!all.isEmpty() && all.last().trimmed().isEmpty())
        all.removeLast();
    return all.mid(qMax(0, all.size() - lines)).join(QLatin1Char('\n'));
}

QJsonArray strings(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

} // namespace

QJsonObject codeFrame(const QString &file, int line, int context)
{
    QFile f(file);
    if (line < 1 || QFileInfo(file).size() > MaxSourceBytes || !f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = f.readAll();
    if (bytes.contains('\0'))
        return {}; // not a source file
    QStringList lines = QString::fromUtf8(bytes).split(QLatin1Char('\n'));
    if (lines.size() > 1 && lines.last().isEmpty())
        lines.removeLast(); // the newline that ends the last line starts no line
    if (line > lines.size())
        return {};
    const int first = qMax(1, line - context);
    const int last = qMin(int(lines.size()), line + context);
    QJsonArray frame;
    for (int i = first; i <= last; ++i) {
        QString text = lines.at(i - 1);
        if (text.endsWith(QLatin1Char('\r')))
            text.chop(1);
        if (text.size() > MaxLineLength)
            text = text.left(MaxLineLength) + QStringLiteral(" …");
        frame.append(text);
    }
    return QJsonObject{{QLatin1String("startLine"), first}, {QLatin1String("lines"), frame}};
}

QJsonObject buildStarted(const QString &commandLine, const QStringList &changedFiles)
{
    return QJsonObject{{QLatin1String("command"), commandLine},
                       {QLatin1String("files"), strings(changedFiles)}};
}

QJsonObject buildFinished(const BuildInfo &build, quint64 serving)
{
    QJsonObject o{{QLatin1String("ok"), !build.failed()},
                  {QLatin1String("exitCode"), build.exitCode},
                  {QLatin1String("timedOut"), build.timedOut},
                  {QLatin1String("cancelled"), build.cancelled},
                  {QLatin1String("ms"), build.ms},
                  {QLatin1String("command"), build.command},
                  {QLatin1String("files"), strings(build.sources)},
                  {QLatin1String("serving"), qint64(serving)}};
    if (!build.failed())
        return o;
    QJsonArray problems = diagnosticProblems(build.diagnostics);
    QString title = build.timedOut    ? QStringLiteral("Build timed out")
                    : build.cancelled ? QStringLiteral("Build cancelled")
                                      : QStringLiteral("Build failed");
    if (problems.isEmpty()) {
        problems.append(problem(
            QStringLiteral("%1: %2 (exit code %3)").arg(title, build.command).arg(build.exitCode),
            QStringLiteral("error")));
        o.insert(QLatin1String("output"), outputTail(build.output));
    }
    o.insert(QLatin1String("title"), title);
    o.insert(QLatin1String("problems"), problems);
    return o;
}

QJsonObject reload(const ReloadRecord &record, const QString &startup)
{
    QJsonObject o{{QLatin1String("record"), qint64(record.id)},
                  {QLatin1String("outcome"), outcomeName(record.outcome)},
                  {QLatin1String("cause"), causeName(record.cause)},
                  {QLatin1String("generationBefore"), qint64(record.generationBefore)},
                  {QLatin1String("generationAfter"), qint64(record.generationAfter)},
                  {QLatin1String("files"), strings(record.files)},
                  {QLatin1String("changed"), strings(record.changed)},
                  {QLatin1String("added"), strings(record.added)},
                  {QLatin1String("removed"), strings(record.removed)},
                  {QLatin1String("recreated"), strings(record.recreated)},
                  {QLatin1String("kept"), strings(record.kept)},
                  {QLatin1String("afterBuild"), record.build.has_value()},
                  {QLatin1String("totalMs"), record.totalMs}};
    if (!startup.isEmpty())
        o.insert(QLatin1String("startup"), startup);
    if (record.outcome != ReloadOutcome::Failed)
        return o;
    QJsonArray problems;
    if (record.buildFailed())
        problems = diagnosticProblems(record.build->diagnostics);
    // A build's diagnostics say it all; the record's own error would only repeat "build failed".
    for (const Error &error : problems.isEmpty() ? record.errors : Errors{}) {
        if (problems.size() >= MaxProblems)
            break;
        // A plugin file is no source to show a frame of: name it, without a line.
        problems.append(problem(error.message(), QStringLiteral("error"), error.pluginFile()));
    }
    if (problems.isEmpty())
        problems.append(problem(record.decision, QStringLiteral("error")));
    if (record.buildFailed() && record.build->diagnostics.isEmpty())
        o.insert(QLatin1String("output"), outputTail(record.build->output));
    o.insert(QLatin1String("title"), record.buildFailed() ? QStringLiteral("Build failed")
                                                          : QStringLiteral("Reload failed"));
    o.insert(QLatin1String("problems"), problems);
    o.insert(QLatin1String("serving"), qint64(record.generationBefore));
    return o;
}

QJsonObject hostCrashed(const ReloadRecord &record)
{
    const CrashInfo crash = record.crash.value_or(CrashInfo{});
    QJsonObject p = problem(record.errorText(), QStringLiteral("error"));
    p.insert(QLatin1String("frames"), strings(crash.backtrace.mid(0, 8)));
    return QJsonObject{
        {QLatin1String("record"), qint64(record.id)},
        {QLatin1String("outcome"), outcomeName(record.outcome)},
        {QLatin1String("title"), QStringLiteral("The plugin host crashed (%1)").arg(crash.what())},
        {QLatin1String("signal"), crash.what()},
        {QLatin1String("phase"), crash.phase},
        {QLatin1String("component"), crash.component},
        {QLatin1String("request"), crash.request},
        {QLatin1String("restart"), crash.restart},
        {QLatin1String("problems"), QJsonArray{p}},
        {QLatin1String("serving"), qint64(record.generationBefore)}};
}

QJsonObject hostRestarted(qint64 pid, quint64 generation, const QString &reason, bool byHand)
{
    return QJsonObject{{QLatin1String("pid"), pid},
                       {QLatin1String("generation"), qint64(generation)},
                       {QLatin1String("reason"), reason},
                       {QLatin1String("byHand"), byHand}};
}

} // namespace qreload::app::LiveEventData
