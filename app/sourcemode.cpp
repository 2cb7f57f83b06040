#include "sourcemode.h"

#include "buildrunner.h"
#include "reloadengine.h"
#include "sourcewatcher.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcBuild)

namespace qreload::app {

namespace {

QString describeFiles(const QStringList &files, const QStringList &roots)
{
    QStringList names;
    for (const QString &file : files) {
        QString name = file;
        for (const QString &root : roots) {
            if (file.startsWith(root + QLatin1Char('/'))) {
                name = file.mid(root.size() + 1);
                break;
            }
        }
        names.append(name);
    }
    if (names.size() > 5)
        return names.mid(0, 5).join(QStringLiteral(", "))
               + QStringLiteral(" and %1 more").arg(names.size() - 5);
    return names.join(QStringLiteral(", "));
}

QString quietDecision(const QList<FileEvent> &events, int quietMs)
{
    if (events.isEmpty())
        return QString();
    const qint64 spread = events.first().at.msecsTo(events.last().at);
    return QStringLiteral("%1 source event(s) over %2 ms, then quiet for %3 ms")
        .arg(events.size())
        .arg(spread)
        .arg(quietMs);
}

} // namespace

SourceMode::SourceMode(ReloadEngine *engine, ProjectConfig config, QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_config(std::move(config))
    , m_watcher(
          std::make_unique<SourceWatcher>(PathFilter(m_config.includeGlobs, m_config.excludeGlobs)))
    , m_runner(std::make_unique<BuildRunner>())
{
    m_quietTimer.setSingleShot(true);
    connect(&m_quietTimer, &QTimer::timeout, this, &SourceMode::onQuietPeriodOver);
    connect(m_watcher.get(), &SourceWatcher::changed, this, &SourceMode::onSourceEvent);
    connect(m_runner.get(), &BuildRunner::outputLine, this, [this](const QString &line) {
        qCInfo(lcBuild).noquote() << line;
        Q_EMIT buildOutput(line);
    });
    connect(m_runner.get(), &BuildRunner::finished, this, &SourceMode::onBuildFinished);
    // Edits made while watching was paused are found by the content check when it resumes.
    connect(m_engine, &ReloadEngine::watchingChanged, this, [this](bool watching) {
        if (watching)
            onSourceEvent(FileEvent{QDateTime::currentDateTime(), QString(),
                                    QStringLiteral("watching resumed")});
    });
}

SourceMode::~SourceMode()
{
    m_runner.reset(); // kills a running build's process group
    if (m_engine)
        m_engine->setHeldForBuild(false);
}

void SourceMode::start(bool buildNow)
{
    m_watcher->setFolders(m_config.sourceDirs);
    if (buildNow && m_config.hasBuild()) {
        m_startupBuild = true;
        m_buildDecisions.append(QStringLiteral("start-up build, to catch up with sources "
                                               "changed while qreload was not running"));
        startBuild();
    }
}

bool SourceMode::isBuilding() const
{
    return m_runner->isRunning();
}

int SourceMode::watchCount() const
{
    return m_watcher->watchCount();
}

void SourceMode::setGracePeriodMs(int ms)
{
    m_runner->setGracePeriodMs(ms);
}

void SourceMode::onSourceEvent(const FileEvent &event)
{
    Q_EMIT sourceEventObserved(event);
    if (!m_engine->isWatching())
        return; // paused
    m_pendingEvents.append(event);
    m_quietTimer.start(m_config.quietPeriodMs); // every event restarts the quiet period
}

void SourceMode::onQuietPeriodOver()
{
    if (m_pendingEvents.isEmpty())
        return;
    const QList<FileEvent> events = std::exchange(m_pendingEvents, {});
    const QStringList changes = m_watcher->takeContentChanges();
    const QString decision = quietDecision(events, m_config.quietPeriodMs);

    if (changes.isEmpty()) {
        if (m_runner->isRunning()) {
            m_buildEvents.append(events); // nothing new for the running build, but on its record
            return;
        }
        m_engine->recordWithoutReload(events,
                                      decision
                                          + QStringLiteral("; no source file changed by "
                                                           "content, no build"),
                                      ReloadOutcome::Skipped);
        return;
    }

    m_buildEvents.append(events);
    for (const QString &file : changes) {
        if (!m_buildFiles.contains(file))
            m_buildFiles.append(file);
    }
    m_buildDecisions.append(decision + QStringLiteral("; changed by content: ")
                            + describeFiles(changes, m_config.sourceDirs));
    if (!m_config.hasBuild())
        return;
    if (m_runner->isRunning()) {
        // A newer save makes the running build stale: stop it, then build everything once.
        m_restartAfterCancel = true;
        m_runner->cancel();
        return;
    }
    startBuild();
}

void SourceMode::startBuild()
{
    const QStringList arguments = m_config.buildArguments(m_buildFiles);
    const QString commandLine = m_config.buildCommandLine(m_buildFiles);
    ++m_buildCount;
    m_engine->setHeldForBuild(true);
    Q_EMIT buildStarted(commandLine, m_buildFiles);
    if (!m_runner->start(arguments, m_config.buildWorkingDir, m_config.buildTimeoutMs, commandLine))
        qCWarning(lcBuild) << "a build is still running; not starting another";
}

void SourceMode::onBuildFinished(const BuildInfo &info)
{
    Q_EMIT buildFinished(info);
    if (info.cancelled && m_restartAfterCancel) {
        m_restartAfterCancel = false;
        m_buildDecisions.append(
            QStringLiteral("build cancelled after %1 ms by a newer change").arg(qRound(info.ms)));
        startBuild();
        return;
    }

    QList<FileEvent> events = std::exchange(m_buildEvents, {});
    m_buildFiles.clear();
    QString decision = std::exchange(m_buildDecisions, {}).join(QStringLiteral("; "));
    const bool startup = std::exchange(m_startupBuild, false);

    if (info.exitCode != 0 || info.timedOut || info.cancelled) {
        QString why;
        if (info.timedOut)
            why = QStringLiteral("build timed out after %1 ms (build.timeoutMs %2)")
                      .arg(qRound(info.ms))
                      .arg(m_config.buildTimeoutMs);
        else if (info.cancelled)
            why = QStringLiteral("build cancelled after %1 ms").arg(qRound(info.ms));
        else if (info.exitCode < 0)
            why = QStringLiteral("build could not start or crashed: %1")
                      .arg(info.output.trimmed().section(QLatin1Char('\n'), -1));
        else
            why = QStringLiteral("build failed with exit code %1").arg(info.exitCode);
        Errors errors;
        for (const Diagnostic &d : info.diagnostics) {
            if (d.severity == Diagnostic::Severity::Error)
                errors.append(Error(Error::Reason::None, d.file.isEmpty()
                                                             ? d.message
                                                             : QStringLiteral("%1:%2:%3: error: %4")
                                                                   .arg(d.file)
                                                                   .arg(d.line)
                                                                   .arg(d.column)
                                                                   .arg(d.message)));
        }
        errors.prepend(Error(Error::Reason::None,
                             why + QStringLiteral("; the current generation keeps serving")));
        m_engine->recordWithoutReload(events, decision + QStringLiteral("; ") + why,
                                      ReloadOutcome::Failed, info, errors);
        m_engine->setHeldForBuild(false);
        return;
    }

    if (!startup && !decision.isEmpty())
        decision += QStringLiteral("; built in %1 ms").arg(qRound(info.ms));
    // Let the plugin-folder events the link caused arrive first, so they join this reload.
    QTimer::singleShot(0, this, [this, events, decision, info] {
        m_engine->reloadForEvents(events, decision, info);
        m_engine->setHeldForBuild(m_runner->isRunning());
    });
}

} // namespace qreload::app
