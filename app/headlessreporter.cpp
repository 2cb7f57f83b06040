#include "headlessreporter.h"

#include "reloadengine.h"

#include <QFileInfo>
#include <QJsonDocument>

namespace qreload::app {

HeadlessReporter::HeadlessReporter(ReloadEngine *engine, Format format, FILE *out, QObject *parent)
    : QObject(parent)
    , m_format(format)
    , m_out(out)
{
    connect(engine, &ReloadEngine::reloadFinished, this, &HeadlessReporter::report);
}

QString HeadlessReporter::textLine(const ReloadRecord &record)
{
    QString cause = causeName(record.cause);
    if (!record.files.isEmpty()) {
        QStringList names;
        for (const QString &file : record.files)
            names.append(QFileInfo(file).fileName());
        cause += QLatin1Char(' ') + names.join(QLatin1Char(','));
    }
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
    case ReloadOutcome::Failed:
        line += QStringLiteral("FAILED in %1 ms; %2: %3")
                    .arg(record.totalMs, 0, 'f', 1)
                    .arg(record.generationBefore ? QStringLiteral("generation %1 keeps serving")
                                                       .arg(record.generationBefore)
                                                 : QStringLiteral("nothing is loaded"))
                    .arg(joinErrors(record.errors, QStringLiteral(" | ")));
        break;
    case ReloadOutcome::Skipped:
        line += QStringLiteral("skipped: %1").arg(record.decision);
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
