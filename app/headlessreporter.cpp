#include "headlessreporter.h"

#include "hostproxy.h"

#include <QJsonDocument>

namespace qreload::app {

HeadlessReporter::HeadlessReporter(HostProxy *engine, Format format, FILE *out, QObject *parent)
    : QObject(parent)
    , m_format(format)
    , m_out(out)
{
    connect(engine, &HostProxy::reloadFinished, this, &HeadlessReporter::report);
    // A crash loop stops the restarts: say so once, with what to do.
    connect(engine, &HostProxy::hostStateChanged, this, [this, engine](HostProxy::HostState state) {
        if (state != HostProxy::HostState::Stopped || m_format == Format::Json)
            return;
        std::fprintf(m_out, "qreload: %s\n", qPrintable(engine->hostStateText()));
        std::fflush(m_out);
    });
}

QString HeadlessReporter::textLine(const ReloadRecord &record)
{
    // "files greeter.so" for a replaced plugin, "source services.cpp" for a save that was built.
    QString cause = causeName(record.cause);
    if (record.scope == ReloadScope::All)
        cause += QStringLiteral(", all"); // "Reload all": every plugin rebuilt from scratch
    const QStringList names = record.changedNames();
    if (record.cause == ReloadCause::Files && !names.isEmpty())
        cause = (record.build ? QStringLiteral("source ") : QStringLiteral("files "))
                + names.join(QLatin1Char(','));
    else if (!names.isEmpty())
        cause += QLatin1Char(' ') + names.join(QLatin1Char(','));
    QString line = QStringLiteral("[%1] reload #%2 (%3): ")
                       .arg(record.startedAt.toString(QStringLiteral("HH:mm:ss.zzz")))
                       .arg(record.id)
                       .arg(cause);
    switch (record.outcome) {
    case ReloadOutcome::Succeeded:
        line += QStringLiteral("ok, generation %1 in %2 ms [%3]")
                    .arg(record.generationAfter)
                    .arg(record.totalMs, 0, 'f', 1)
                    .arg(record.phaseSummary());
        // What the reload rebuilt and what ran on untouched: counts, since an app has thousands.
        if (record.scope == ReloadScope::All)
            line += QStringLiteral("; reloaded all: %1 recreated").arg(record.recreated.size());
        else if (record.generationBefore != 0
                 && (!record.recreated.isEmpty() || !record.kept.isEmpty()))
            line += QStringLiteral("; %1 recreated, %2 kept")
                        .arg(record.recreated.size())
                        .arg(record.kept.size());
        if (!record.carriedState.isEmpty())
            line += QStringLiteral("; state carried: %1")
                        .arg(record.carriedState.join(QStringLiteral(", ")));
        if (!record.droppedState.isEmpty())
            line += QStringLiteral("; state dropped: %1")
                        .arg(record.droppedState.join(QStringLiteral("; ")));
        if (!record.errors.isEmpty())
            line += QStringLiteral("; warnings: %1")
                        .arg(joinErrors(record.errors, QStringLiteral(" | ")));
        break;
    case ReloadOutcome::Failed: {
        const QString kept
            = record.generationBefore
                  ? QStringLiteral("generation %1 keeps serving").arg(record.generationBefore)
                  : QStringLiteral("nothing is loaded");
        if (record.buildFailed()) {
            // The compiler's errors say it all; the build's own error only when there are none.
            Errors compileErrors;
            for (const Error &error : record.errors) {
                if (error.reason() == Error::Reason::CompileError)
                    compileErrors.append(error);
            }
            line += QStringLiteral("build FAILED after %1 ms; %2: %3")
                        .arg(qRound(record.build->ms))
                        .arg(kept)
                        .arg(joinErrors(compileErrors.isEmpty() ? record.errors : compileErrors,
                                        QStringLiteral(" | ")));
        } else {
            line += QStringLiteral("FAILED in %1 ms; %2: %3")
                        .arg(record.totalMs, 0, 'f', 1)
                        .arg(kept)
                        .arg(joinErrors(record.errors, QStringLiteral(" | ")));
        }
        break;
    }
    case ReloadOutcome::Skipped:
        line += QStringLiteral("skipped: %1").arg(record.decision);
        break;
    case ReloadOutcome::Crashed:
        line += QStringLiteral("CRASHED: %1").arg(record.decision);
        if (record.crash && !record.crash->backtrace.isEmpty())
            line += QStringLiteral("\n    ")
                    + record.crash->backtrace.mid(0, 6).join(QStringLiteral("\n    "));
        break;
    }
    return line;
}

void HeadlessReporter::report(const ReloadRecord &record)
{
    const QByteArray line = m_format == Format::Json
                                ? QJsonDocument(record.toJson()).toJson(QJsonDocument::Compact)
                                : textLine(record).toUtf8();
    std::fputs(line.constData(), m_out);
    std::fputc('\n', m_out);
    std::fflush(m_out);
}

} // namespace qreload::app
