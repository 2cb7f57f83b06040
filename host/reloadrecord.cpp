#include "reloadrecord.h"

#include <QFileInfo>
#include <QJsonArray>

namespace qreload::app {

QString causeName(ReloadCause cause)
{
    switch (cause) {
    case ReloadCause::Startup:
        return QStringLiteral("startup");
    case ReloadCause::Files:
        return QStringLiteral("files");
    case ReloadCause::Manual:
        return QStringLiteral("manual");
    }
    return {};
}

QString outcomeName(ReloadOutcome outcome)
{
    switch (outcome) {
    case ReloadOutcome::Succeeded:
        return QStringLiteral("ok");
    case ReloadOutcome::Failed:
        return QStringLiteral("failed");
    case ReloadOutcome::Skipped:
        return QStringLiteral("skipped");
    }
    return {};
}

static QString severityName(Diagnostic::Severity severity)
{
    switch (severity) {
    case Diagnostic::Severity::Error:
        return QStringLiteral("error");
    case Diagnostic::Severity::Warning:
        return QStringLiteral("warning");
    case Diagnostic::Severity::Note:
        return QStringLiteral("note");
    }
    return {};
}

namespace {

void appendFileName(QStringList *names, const QString &path)
{
    const QString name = QFileInfo(path).fileName();
    if (!name.isEmpty() && !names->contains(name))
        names->append(name);
}

} // namespace

QStringList ReloadRecord::changedNames() const
{
    QStringList names;
    const auto fromEvents = [&](bool sourcesOnly) {
        for (const FileEvent &event : events) {
            if (event.isFolder()
                || (sourcesOnly && !event.kind.startsWith(QLatin1String("source"))))
                continue;
            appendFileName(&names, event.path);
        }
    };
    if (build) {
        for (const QString &source : build->sources)
            appendFileName(&names, source);
        if (names.isEmpty())
            fromEvents(true);
    }
    if (names.isEmpty()) {
        for (const QString &file : files)
            appendFileName(&names, file);
    }
    if (names.isEmpty())
        fromEvents(false);
    return names;
}

QString ReloadRecord::errorText() const
{
    return joinErrors(errors);
}

double ReloadRecord::phaseMs(const QString &name) const
{
    for (const PhaseTiming &phase : phases) {
        if (phase.name == name)
            return phase.ms;
    }
    return 0;
}

QString ReloadRecord::phaseSummary() const
{
    QStringList parts;
    for (const PhaseTiming &phase : phases)
        parts.append(QStringLiteral("%1 %2 ms").arg(phase.name).arg(phase.ms, 0, 'f', 1));
    return parts.join(QStringLiteral(", "));
}

QJsonObject ReloadRecord::toJson() const
{
    QJsonObject o;
    o.insert(QLatin1String("id"), qint64(id));
    o.insert(QLatin1String("startedAt"), startedAt.toString(Qt::ISODateWithMs));
    o.insert(QLatin1String("cause"), causeName(cause));
    o.insert(QLatin1String("ok"), ok());
    o.insert(QLatin1String("outcome"), outcomeName(outcome));
    o.insert(QLatin1String("files"), QJsonArray::fromStringList(files));
    o.insert(QLatin1String("decision"), decision);
    o.insert(QLatin1String("generationBefore"), qint64(generationBefore));
    o.insert(QLatin1String("generationAfter"), qint64(generationAfter));
    o.insert(QLatin1String("totalMs"), totalMs);
    QJsonObject phaseMs;
    QJsonArray phaseOrder;
    for (const PhaseTiming &phase : phases) {
        phaseMs.insert(phase.name, phase.ms);
        phaseOrder.append(phase.name);
    }
    o.insert(QLatin1String("phases"), phaseMs);
    o.insert(QLatin1String("phaseOrder"), phaseOrder);
    o.insert(QLatin1String("error"), errorText());
    QJsonArray errorList;
    for (const Error &error : errors) {
        errorList.append(QJsonObject{
            {QLatin1String("reason"), Error::reasonName(error.reason())},
            {QLatin1String("component"), error.component()},
            {QLatin1String("pluginFile"), error.pluginFile()},
            {QLatin1String("message"), error.message()},
        });
    }
    o.insert(QLatin1String("errors"), errorList);
    QJsonArray eventList;
    for (const FileEvent &event : events) {
        eventList.append(QJsonObject{
            {QLatin1String("at"), event.at.toString(Qt::ISODateWithMs)},
            {QLatin1String("path"), event.path},
            {QLatin1String("kind"), event.kind},
        });
    }
    o.insert(QLatin1String("events"), eventList);
    o.insert(QLatin1String("carriedState"), QJsonArray::fromStringList(carriedState));
    o.insert(QLatin1String("droppedState"), QJsonArray::fromStringList(droppedState));
    o.insert(QLatin1String("added"), QJsonArray::fromStringList(added));
    o.insert(QLatin1String("removed"), QJsonArray::fromStringList(removed));
    o.insert(QLatin1String("changed"), QJsonArray::fromStringList(changed));
    o.insert(QLatin1String("rewired"), QJsonArray::fromStringList(rewired));
    if (build) {
        QJsonArray diagnostics;
        for (const Diagnostic &d : build->diagnostics) {
            diagnostics.append(QJsonObject{
                {QLatin1String("file"), d.file},
                {QLatin1String("line"), d.line},
                {QLatin1String("column"), d.column},
                {QLatin1String("severity"), severityName(d.severity)},
                {QLatin1String("message"), d.message},
            });
        }
        o.insert(QLatin1String("build"),
                 QJsonObject{
                     {QLatin1String("command"), build->command},
                     {QLatin1String("workingDirectory"), build->workingDirectory},
                     {QLatin1String("sources"), QJsonArray::fromStringList(build->sources)},
                     {QLatin1String("exitCode"), build->exitCode},
                     {QLatin1String("timedOut"), build->timedOut},
                     {QLatin1String("cancelled"), build->cancelled},
                     {QLatin1String("ms"), build->ms},
                     {QLatin1String("output"), build->output},
                     {QLatin1String("diagnostics"), diagnostics},
                 });
    }
    return o;
}

} // namespace qreload::app
