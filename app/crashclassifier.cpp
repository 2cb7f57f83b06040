#include "crashclassifier.h"

#include <QFileInfo>

namespace qreload::app {

QString CrashClassifier::Verdict::where() const
{
    static const QHash<QString, QString> doing = {
        {QStringLiteral("load"), QStringLiteral("loading")},
        {QStringLiteral("register"), QStringLiteral("registering the components of")},
        {QStringLiteral("factory"), QStringLiteral("creating")},
        {QStringLiteral("after-construct"), QStringLiteral("running the after-construct hook of")},
        {QStringLiteral("destroy"), QStringLiteral("destroying")},
        {QStringLiteral("save-state"), QStringLiteral("saving the state of")},
        {QStringLiteral("restore-state"), QStringLiteral("restoring the state of")},
    };
    if (duringReload && !crash.component.isEmpty())
        return QStringLiteral(" while %1 %2 (phase %3)")
            .arg(doing.value(call, QStringLiteral("running")), crash.component, crash.phase);
    if (duringReload)
        return QStringLiteral(" during the reload's %1 phase").arg(crash.phase);
    if (!crash.request.isEmpty())
        return QStringLiteral(" while serving %1").arg(crash.request);
    return QStringLiteral(" outside any reload or request (a plugin's own thread?)");
}

CrashClassifier::Verdict CrashClassifier::classify(const std::optional<CrashReport> &report,
                                                   int exitCode, bool crashExit, bool reloading,
                                                   const QStringList &stderrTail)
{
    Verdict verdict;
    CrashInfo &crash = verdict.crash;
    const int signal = report && report->signal ? report->signal : (crashExit ? exitCode : 0);
    if (signal)
        crash.signalName = CrashReport::signalName(signal);
    else
        crash.exitCode = exitCode;
    // The crash area is written before anything is sent, so when there is one it knows better
    // than the messages: a reload the host had already finished (its phase cleared) whose
    // record never left it is over; a crash after it (a plugin's own thread hitting unloaded
    // code) blames no new bytes.
    verdict.duringReload = report ? report->recordId != 0 : reloading;
    if (report) {
        crash.phase = report->phase;
        crash.component = report->component;
        crash.request = report->request;
        crash.backtrace = report->backtrace;
        verdict.call = report->call;
    }
    if (!verdict.duringReload)
        crash.phase
            = crash.request.isEmpty() ? QStringLiteral("running") : QStringLiteral("serving");
    else if (crash.phase.isEmpty())
        crash.phase = QStringLiteral("reload");
    crash.stderrTail = stderrTail;
    // After the swap (shutdown, unload, cleanup) the old generation's code crashed, not the new
    // one: start on the folder's files as they are, and blame nothing new.
    static const QStringList afterSwapPhases
        = {QStringLiteral("swap"), QStringLiteral("shutdown"), QStringLiteral("unload"),
           QStringLiteral("cleanup")};
    verdict.afterSwap = verdict.duringReload && afterSwapPhases.contains(crash.phase);
    return verdict;
}

QString CrashClassifier::restartText(const Verdict &verdict, const QString &crashLoop,
                                     bool hasGoodPlugins, quint64 generation)
{
    if (!crashLoop.isEmpty())
        return QStringLiteral("not restarted (crash loop: %1)").arg(crashLoop);
    if (verdict.afterSwap)
        return QStringLiteral("the replaced generation's code crashed while it was shut "
                              "down; restarted on the current plugin files");
    if (verdict.rollBack() && hasGoodPlugins)
        return QStringLiteral("restarted on the last plugins that worked (generation %1's "
                              "files)")
            .arg(generation);
    return QStringLiteral("restarted on the current plugins");
}

ReloadRecord CrashClassifier::record(const Verdict &verdict, quint64 id, ReloadCause reloadCause,
                                     quint64 generation,
                                     const QHash<QString, QByteArray> &quarantined)
{
    const CrashInfo &crash = verdict.crash;
    ReloadRecord record;
    record.id = id;
    record.startedAt = QDateTime::currentDateTime();
    record.cause = verdict.duringReload ? reloadCause : ReloadCause::Crash;
    record.outcome = ReloadOutcome::Crashed;
    record.generationBefore = generation;
    record.generationAfter = generation;
    record.files = quarantined.keys();
    record.files.sort();

    const QString where = verdict.where();
    QStringList names;
    for (const QString &file : record.files)
        names.append(QFileInfo(file).fileName());
    record.decision = QStringLiteral("qreload-host (the plugin process) died of %1%2; %3. State "
                                     "that lived only in the dead host is lost.")
                          .arg(crash.what(), where, crash.restart);
    QString message = QStringLiteral("the plugin host died of %1%2").arg(crash.what(), where);
    if (!crash.backtrace.isEmpty())
        message
            += QStringLiteral(" at %1").arg(crash.backtrace.first().section(QLatin1Char(' '), 1));
    if (!names.isEmpty())
        message += QStringLiteral("; %1 will not be loaded again until it changes")
                       .arg(names.join(QStringLiteral(", ")));
    record.errors.append(
        Error(Error::Reason::HostCrashed, message, crash.component, names.value(0)));
    record.crash = crash;
    return record;
}

} // namespace qreload::app
