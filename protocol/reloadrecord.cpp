#include "reloadrecord.h"

#include <QFileInfo>
#include <QJsonArray>

#include <array>

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
    case ReloadCause::Crash:
        return QStringLiteral("crash");
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
    case ReloadOutcome::Crashed:
        return QStringLiteral("crashed");
    }
    return {};
}

QString scopeName(ReloadScope scope)
{
    return scope == ReloadScope::All ? QStringLiteral("all") : QStringLiteral("changed");
}

QString CrashInfo::what() const
{
    return signalName.isEmpty() ? QStringLiteral("exit code %1").arg(exitCode) : signalName;
}

QString severityName(Diagnostic::Severity severity)
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
    o.insert(QLatin1String("scope"), scopeName(scope));
    o.insert(QLatin1String("recreated"), QJsonArray::fromStringList(recreated));
    o.insert(QLatin1String("kept"), QJsonArray::fromStringList(kept));
    if (build)
        o.insert(QLatin1String("build"), build->toJson());
    if (crash) {
        o.insert(QLatin1String("crash"),
                 QJsonObject{
                     {QLatin1String("signal"), crash->signalName},
                     {QLatin1String("exitCode"), crash->exitCode},
                     {QLatin1String("phase"), crash->phase},
                     {QLatin1String("component"), crash->component},
                     {QLatin1String("request"), crash->request},
                     {QLatin1String("backtrace"), QJsonArray::fromStringList(crash->backtrace)},
                     {QLatin1String("stderr"), QJsonArray::fromStringList(crash->stderrTail)},
                     {QLatin1String("restart"), crash->restart},
                 });
    }
    return o;
}

namespace {

QStringList stringList(const QJsonValue &value)
{
    QStringList list;
    for (const QJsonValue &item : value.toArray())
        list.append(item.toString());
    return list;
}

template<typename Enum, size_t N>
Enum enumFromName(const QString &name, const std::array<Enum, N> &values, QString (*nameOf)(Enum),
                  Enum fallback)
{
    for (Enum value : values) {
        if (nameOf(value) == name)
            return value;
    }
    return fallback;
}

Error::Reason reasonFromName(const QString &name)
{
    for (int i = 0; i <= int(Error::Reason::HostCrashed); ++i) {
        if (Error::reasonName(Error::Reason(i)) == name)
            return Error::Reason(i);
    }
    return Error::Reason::None;
}

} // namespace

ReloadRecord ReloadRecord::withoutReload(quint64 id, const QList<FileEvent> &events,
                                         const QString &decision, ReloadOutcome outcome,
                                         std::optional<BuildInfo> build, Errors errors,
                                         quint64 generation)
{
    ReloadRecord record;
    record.id = id;
    record.startedAt = QDateTime::currentDateTime();
    record.cause = ReloadCause::Files;
    record.events = events;
    record.decision = decision;
    record.build = std::move(build);
    record.outcome = outcome;
    record.errors = std::move(errors);
    record.generationBefore = record.generationAfter = generation;
    return record;
}

ReloadCause causeFromName(const QString &name)
{
    return enumFromName(name,
                        std::array{ReloadCause::Startup, ReloadCause::Files, ReloadCause::Manual,
                                   ReloadCause::Crash},
                        &causeName, ReloadCause::Manual);
}

ReloadScope scopeFromName(const QString &name)
{
    return enumFromName(name, std::array{ReloadScope::Changed, ReloadScope::All}, &scopeName,
                        ReloadScope::Changed);
}

QJsonObject BuildInfo::toJson() const
{
    QJsonArray list;
    for (const Diagnostic &d : diagnostics) {
        list.append(QJsonObject{
            {QLatin1String("file"), d.file},
            {QLatin1String("line"), d.line},
            {QLatin1String("column"), d.column},
            {QLatin1String("severity"), severityName(d.severity)},
            {QLatin1String("message"), d.message},
        });
    }
    return QJsonObject{
        {QLatin1String("command"), command},
        {QLatin1String("workingDirectory"), workingDirectory},
        {QLatin1String("sources"), QJsonArray::fromStringList(sources)},
        {QLatin1String("exitCode"), exitCode},
        {QLatin1String("timedOut"), timedOut},
        {QLatin1String("cancelled"), cancelled},
        {QLatin1String("ms"), ms},
        {QLatin1String("output"), output},
        {QLatin1String("diagnostics"), list},
    };
}

BuildInfo BuildInfo::fromJson(const QJsonObject &b)
{
    BuildInfo build;
    build.command = b.value(QLatin1String("command")).toString();
    build.workingDirectory = b.value(QLatin1String("workingDirectory")).toString();
    build.sources = stringList(b.value(QLatin1String("sources")));
    build.exitCode = b.value(QLatin1String("exitCode")).toInt();
    build.timedOut = b.value(QLatin1String("timedOut")).toBool();
    build.cancelled = b.value(QLatin1String("cancelled")).toBool();
    build.ms = b.value(QLatin1String("ms")).toDouble();
    build.output = b.value(QLatin1String("output")).toString();
    for (const QJsonValue &value : b.value(QLatin1String("diagnostics")).toArray()) {
        const QJsonObject d = value.toObject();
        Diagnostic diagnostic;
        diagnostic.file = d.value(QLatin1String("file")).toString();
        diagnostic.line = d.value(QLatin1String("line")).toInt();
        diagnostic.column = d.value(QLatin1String("column")).toInt();
        diagnostic.severity
            = enumFromName(d.value(QLatin1String("severity")).toString(),
                           std::array{Diagnostic::Severity::Error, Diagnostic::Severity::Warning,
                                      Diagnostic::Severity::Note},
                           &severityName, Diagnostic::Severity::Error);
        diagnostic.message = d.value(QLatin1String("message")).toString();
        build.diagnostics.append(diagnostic);
    }
    return build;
}

ReloadRecord ReloadRecord::fromJson(const QJsonObject &o)
{
    ReloadRecord r;
    r.id = quint64(o.value(QLatin1String("id")).toInteger());
    r.startedAt
        = QDateTime::fromString(o.value(QLatin1String("startedAt")).toString(), Qt::ISODateWithMs);
    r.cause = causeFromName(o.value(QLatin1String("cause")).toString());
    r.outcome = enumFromName(o.value(QLatin1String("outcome")).toString(),
                             std::array{ReloadOutcome::Succeeded, ReloadOutcome::Failed,
                                        ReloadOutcome::Skipped, ReloadOutcome::Crashed},
                             &outcomeName, ReloadOutcome::Failed);
    r.files = stringList(o.value(QLatin1String("files")));
    r.decision = o.value(QLatin1String("decision")).toString();
    r.generationBefore = quint64(o.value(QLatin1String("generationBefore")).toInteger());
    r.generationAfter = quint64(o.value(QLatin1String("generationAfter")).toInteger());
    r.totalMs = o.value(QLatin1String("totalMs")).toDouble();
    const QJsonObject phaseMs = o.value(QLatin1String("phases")).toObject();
    for (const QString &name : stringList(o.value(QLatin1String("phaseOrder"))))
        r.phases.append(PhaseTiming{name, phaseMs.value(name).toDouble()});
    for (const QJsonValue &value : o.value(QLatin1String("errors")).toArray()) {
        const QJsonObject e = value.toObject();
        r.errors.append(Error(reasonFromName(e.value(QLatin1String("reason")).toString()),
                              e.value(QLatin1String("message")).toString(),
                              e.value(QLatin1String("component")).toString(),
                              e.value(QLatin1String("pluginFile")).toString()));
    }
    for (const QJsonValue &value : o.value(QLatin1String("events")).toArray()) {
        const QJsonObject e = value.toObject();
        r.events.append(FileEvent{
            QDateTime::fromString(e.value(QLatin1String("at")).toString(), Qt::ISODateWithMs),
            e.value(QLatin1String("path")).toString(), e.value(QLatin1String("kind")).toString()});
    }
    r.carriedState = stringList(o.value(QLatin1String("carriedState")));
    r.droppedState = stringList(o.value(QLatin1String("droppedState")));
    r.added = stringList(o.value(QLatin1String("added")));
    r.removed = stringList(o.value(QLatin1String("removed")));
    r.changed = stringList(o.value(QLatin1String("changed")));
    r.rewired = stringList(o.value(QLatin1String("rewired")));
    r.scope = scopeFromName(o.value(QLatin1String("scope")).toString());
    r.recreated = stringList(o.value(QLatin1String("recreated")));
    r.kept = stringList(o.value(QLatin1String("kept")));
    if (o.contains(QLatin1String("build")))
        r.build = BuildInfo::fromJson(o.value(QLatin1String("build")).toObject());
    if (o.contains(QLatin1String("crash"))) {
        const QJsonObject c = o.value(QLatin1String("crash")).toObject();
        CrashInfo crash;
        crash.signalName = c.value(QLatin1String("signal")).toString();
        crash.exitCode = c.value(QLatin1String("exitCode")).toInt();
        crash.phase = c.value(QLatin1String("phase")).toString();
        crash.component = c.value(QLatin1String("component")).toString();
        crash.request = c.value(QLatin1String("request")).toString();
        crash.backtrace = stringList(c.value(QLatin1String("backtrace")));
        crash.stderrTail = stringList(c.value(QLatin1String("stderr")));
        crash.restart = c.value(QLatin1String("restart")).toString();
        r.crash = crash;
    }
    return r;
}

} // namespace qreload::app
