#include "sourcemode.h"

#include "buildrunner.h"
#include "hostproxy.h"
#include "sourcewatcher.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRegularExpression>

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

QString quietDecision(const QList<FileEvent> &events, int quietMs, bool settled)
{
    if (events.isEmpty())
        return QString();
    const qint64 spread = events.first().at.msecsTo(events.last().at);
    return QStringLiteral("%1 source event(s) over %2 ms, then quiet for %3 ms%4")
        .arg(events.size())
        .arg(spread)
        .arg(quietMs)
        .arg(settled ? QStringLiteral(" (a source was written and closed)") : QString());
}

//! As a user would type `word` in a shell; `${targets}` stays bare so it still expands.
QString shellWord(const QString &word)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    if (word == QLatin1String("${targets}") || safe.match(word).hasMatch())
        return word;
    QString quoted = word;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

} // namespace

SourceMode::SourceMode(HostProxy *engine, ProjectConfig config, QObject *parent)
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
    connect(m_runner.get(), &BuildRunner::finished, this, [this](const BuildInfo &info) {
        if (std::exchange(m_configuring, false))
            onConfigureFinished(info);
        else
            onBuildFinished(info);
    });
    connect(m_engine, &HostProxy::watchingChanged, this, &SourceMode::onWatchingChanged);
    connect(m_watcher.get(), &SourceWatcher::brokenLinksChanged, this, &SourceMode::checkFolders);
    // A plugin folder that appears (or goes) shows in the engine's folder events.
    connect(m_engine, &HostProxy::fileEventObserved, this, &SourceMode::checkFolders);
}

SourceMode::~SourceMode()
{
    m_runner.reset(); // kills a running build's process group
    if (m_engine)
        m_engine->setHeldForBuild(false);
}

void SourceMode::startWithEngine()
{
    m_engineStartDeferred = m_config.hasBuild() && m_engine->pluginFiles().isEmpty();
    if (m_engineStartDeferred)
        qCInfo(lcBuild).noquote() << "no plugin built yet in"
                                  << m_config.pluginDirs.join(QStringLiteral(", "))
                                  << "- the first generation waits for the first build";
    else
        m_engine->start();
    start(true);
}

void SourceMode::startDeferredEngine()
{
    if (std::exchange(m_engineStartDeferred, false))
        m_engine->start();
}

QString SourceMode::buildFolderProblem(const ProjectConfig &config)
{
    if (config.buildDir.isEmpty() || !config.hasBuild())
        return {};
    const CMakeBuildFolder folder(config.projectDir, config.buildDir);
    return folder.state() == CMakeBuildFolder::State::Foreign ? folder.foreignError() : QString();
}

void SourceMode::start(bool buildNow)
{
    m_watcher->setFolders(m_config.sourceDirs);
    checkFolders();
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

bool SourceMode::isWatching() const
{
    return m_engine->isWatching();
}

void SourceMode::onWatchingChanged(bool watching)
{
    if (!watching) {
        // The watcher's content baseline moves only in takeContentChanges(), so edits dropped
        // here are found by the content check when watching resumes.
        m_quietTimer.stop();
        m_pendingEvents.clear();
        m_settling = false;
        if (m_runner->isRunning()) {
            m_restartAfterCancel = false;
            m_cancelledForPause = true;
            m_runner->cancel();
        }
    }
    if (watching)
        onSourceEvent(
            FileEvent{QDateTime::currentDateTime(), QString(), QStringLiteral("watching resumed")});
}

void SourceMode::setQuietPeriodMs(int ms)
{
    m_config.quietPeriodMs = qMax(0, ms);
}

QString SourceMode::buildCommandTemplate() const
{
    if (m_config.buildThroughShell)
        return m_config.buildCommand.value(0);
    QStringList words;
    for (const QString &arg : m_config.buildCommand)
        words.append(shellWord(arg));
    return words.join(QLatin1Char(' '));
}

QString SourceMode::buildCommandProblem(const QString &command) const
{
    if (command.trimmed().isEmpty())
        return tr("Source mode needs a build command.");
    if (command.contains(QLatin1String("${targets}")) && m_config.buildTargets.isEmpty())
        return tr("${targets} needs build.targets in the project's qreload.json.");
    return {};
}

bool SourceMode::setBuildCommand(const QString &command, QString *error)
{
    const QString problem = buildCommandProblem(command);
    if (!problem.isEmpty()) {
        if (error)
            *error = problem;
        return false;
    }
    if (command.trimmed() == buildCommandTemplate().trimmed())
        return true;
    m_config.buildCommand = {command.trimmed()};
    m_config.buildThroughShell = true;
    qCInfo(lcBuild).noquote() << "build command is now" << m_config.buildCommand.constFirst();
    return true;
}

void SourceMode::onSourceEvent(const FileEvent &event)
{
    Q_EMIT sourceEventObserved(event);
    checkFolders();
    if (!isWatching())
        return; // paused
    m_pendingEvents.append(event);
    // Every event restarts the quiet period. A source closed after writing (or renamed into
    // place) is a complete save: from then on a short settle is enough, which still gathers what
    // comes with it (QFileSystemWatcher's report of the same write, a backup removed, the other
    // files of a checkout), each event restarting the settle.
    if (event.kind == SourceWatcher::writtenKind())
        m_settling = true;
    m_quietUsedMs
        = m_settling ? qMin(m_config.quietPeriodMs, WrittenSettleMs) : m_config.quietPeriodMs;
    m_quietTimer.start(m_quietUsedMs);
}

void SourceMode::onQuietPeriodOver()
{
    if (m_pendingEvents.isEmpty())
        return;
    const QList<FileEvent> events = std::exchange(m_pendingEvents, {});
    const QStringList changes = m_watcher->takeContentChanges();
    const QString decision = quietDecision(events, m_quietUsedMs, std::exchange(m_settling, false));
    const bool deferred = std::exchange(m_buildDeferred, false);

    if (changes.isEmpty() && !deferred) {
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
    if (!changes.isEmpty())
        m_buildDecisions.append(decision + QStringLiteral("; changed by content: ")
                                + describeFiles(changes, m_config.sourceDirs));
    else
        m_buildDecisions.append(decision);
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
    if (!m_config.buildDir.isEmpty()) {
        const CMakeBuildFolder folder(m_config.projectDir, m_config.buildDir);
        const CMakeBuildFolder::State state = folder.state();
        if (state == CMakeBuildFolder::State::Foreign) {
            // Checked before every build: someone may have configured it for another tree since.
            ++m_buildCount;
            const QString why = folder.foreignError();
            qCWarning(lcBuild).noquote() << why;
            BuildInfo refused;
            refused.command = m_config.buildCommandLine(m_buildFiles);
            refused.workingDirectory = m_config.buildWorkingDir;
            refused.exitCode = -1;
            refused.output = why + QLatin1Char('\n');
            refused.sources = std::exchange(m_buildFiles, {});
            std::exchange(m_startupBuild, false);
            recordBuildFailure(refused, QStringLiteral("not built: ") + why);
            return;
        }
        if (state == CMakeBuildFolder::State::Unconfigured && m_config.configuresBuildDir) {
            const QStringList arguments = folder.configureArguments(m_toolchain);
            QStringList words;
            for (const QString &argument : arguments)
                words.append(shellWord(argument));
            const QString commandLine = words.join(QLatin1Char(' '));
            ++m_buildCount;
            m_configuring = true;
            m_engine->setHeldForBuild(true);
            Q_EMIT buildStarted(commandLine, m_buildFiles);
            if (!m_runner->start(arguments, m_config.projectDir, m_config.buildTimeoutMs,
                                 commandLine)) {
                m_configuring = false;
                qCWarning(lcBuild) << "a build is still running; not configuring";
            }
            return;
        }
    }
    QStringList arguments = m_config.buildArguments(m_buildFiles);
    QString commandLine = m_config.buildCommandLine(m_buildFiles);
    if (!m_config.buildDir.isEmpty() && !m_config.buildThroughShell) {
        // `cmake --build` of a Ninja folder only starts ninja: start it directly.
        const QStringList native = CMakeBuildFolder(m_config.projectDir, m_config.buildDir)
                                       .nativeBuildArguments(arguments);
        if (!native.isEmpty()) {
            arguments = native;
            QStringList words;
            for (const QString &argument : native)
                words.append(shellWord(argument));
            commandLine = words.join(QLatin1Char(' '));
        }
    }
    ++m_buildCount;
    m_engine->setHeldForBuild(true);
    Q_EMIT buildStarted(commandLine, m_buildFiles);
    if (!m_runner->start(arguments, m_config.buildWorkingDir, m_config.buildTimeoutMs, commandLine))
        qCWarning(lcBuild) << "a build is still running; not starting another";
}

void SourceMode::onConfigureFinished(const BuildInfo &info)
{
    if (info.cancelled || info.failed()) {
        // Cancelled (a newer save, a pause) is handled as a cancelled build is; a configure that
        // failed is the build's failure, with CMake's errors as its diagnostics.
        if (!info.cancelled) {
            BuildInfo configure = info;
            Q_EMIT buildFinished(configure);
            configure.sources = std::exchange(m_buildFiles, {});
            std::exchange(m_startupBuild, false);
            recordBuildFailure(
                configure, info.timedOut ? QStringLiteral("configure of %1 timed out after %2 ms")
                                               .arg(m_config.buildDir)
                                               .arg(qRound(info.ms))
                           : info.exitCode < 0
                               ? QStringLiteral("configure of %1 could not start: %2")
                                     .arg(m_config.buildDir,
                                          info.output.trimmed().section(QLatin1Char('\n'), -1))
                               : QStringLiteral("configure of %1 failed with exit code %2")
                                     .arg(m_config.buildDir)
                                     .arg(info.exitCode));
            return;
        }
        onBuildFinished(info);
        return;
    }
    Q_EMIT buildFinished(info);
    m_buildDecisions.append(
        QStringLiteral("configured %1 in %2 ms").arg(m_config.buildDir).arg(qRound(info.ms)));
    startBuild();
}

void SourceMode::recordBuildFailure(BuildInfo built, const QString &why)
{
    QList<FileEvent> events = std::exchange(m_buildEvents, {});
    const QString decision = std::exchange(m_buildDecisions, {}).join(QStringLiteral("; "));
    Errors errors;
    for (qsizetype i = 0; i < built.diagnostics.size(); ++i) {
        const Diagnostic &d = built.diagnostics.at(i);
        if (d.severity != Diagnostic::Severity::Error)
            continue;
        QString where = d.file;
        if (!where.isEmpty() && d.line > 0)
            where += QStringLiteral(":%1").arg(d.line);
        if (!where.isEmpty() && d.column > 0)
            where += QStringLiteral(":%1").arg(d.column);
        QString message
            = where.isEmpty() ? d.message : QStringLiteral("%1: error: %2").arg(where, d.message);
        // An error inside a CMake module was caused by a line of the project's own CMake files:
        // name it too (the first frame of the call stack that is in the project).
        for (qsizetype j = i + 1; j < built.diagnostics.size()
                                  && built.diagnostics.at(j).severity == Diagnostic::Severity::Note;
             ++j) {
            const Diagnostic &frame = built.diagnostics.at(j);
            if (!d.file.startsWith(m_config.projectDir + QLatin1Char('/'))
                && frame.message.startsWith(QLatin1String("called from here"))
                && frame.file.startsWith(m_config.projectDir + QLatin1Char('/'))) {
                message += QStringLiteral(" (called from %1:%2)").arg(frame.file).arg(frame.line);
                break;
            }
        }
        errors.append(Error(Error::Reason::CompileError, message));
    }
    // Before the first generation there is nothing to keep serving: say so.
    const QString kept = m_engine->generationNumber() > 0
                             ? QStringLiteral("the current generation keeps serving")
                             : QStringLiteral("nothing is loaded yet");
    errors.prepend(Error(Error::Reason::BuildFailed, why + QStringLiteral("; ") + kept));
    m_engine->recordWithoutReload(events,
                                  decision.isEmpty() ? why : decision + QStringLiteral("; ") + why,
                                  ReloadOutcome::Failed, built, errors);
    m_engine->setHeldForBuild(false);
    checkFolders();
}

void SourceMode::checkFolders()
{
    QStringList warnings;
    for (const QString &dir : std::as_const(m_config.sourceDirs)) {
        if (!QFileInfo(dir).isDir())
            warnings.append(QStringLiteral("source folder %1 does not exist; qreload watches for "
                                           "it")
                                .arg(dir));
    }
    // A plugin folder is made by the build: missing only once a build succeeded without it.
    const bool built = !m_config.hasBuild() || m_buildSucceeded;
    for (const QString &dir : std::as_const(m_config.pluginDirs)) {
        const QFileInfo info(dir);
        if (!info.isDir()) {
            if (built)
                warnings.append(
                    m_config.hasBuild()
                        ? QStringLiteral("plugin folder %1 does not exist after the build; "
                                         "does the build write its plugins there?")
                              .arg(dir)
                        : QStringLiteral("plugin folder %1 does not exist; qreload watches for it")
                              .arg(dir));
            continue;
        }
        for (const QFileInfo &entry :
             QDir(dir).entryInfoList(QDir::System | QDir::Hidden | QDir::NoDotAndDotDot)) {
            if (entry.isSymLink() && !entry.exists())
                warnings.append(QStringLiteral("broken symbolic link in plugin folder: %1 -> %2")
                                    .arg(entry.absoluteFilePath(), entry.symLinkTarget()));
        }
    }
    for (const QString &link : m_watcher->brokenLinks())
        warnings.append(QStringLiteral("broken symbolic link in source folder: %1 -> %2")
                            .arg(link, QFileInfo(link).symLinkTarget()));
    if (warnings == m_warnings)
        return;
    for (const QString &warning : std::as_const(warnings)) {
        // Source links are logged by the watcher itself.
        if (!m_warnings.contains(warning)
            && !warning.startsWith(QLatin1String("broken symbolic link in source")))
            qCWarning(lcBuild).noquote() << warning;
    }
    for (const QString &gone : std::as_const(m_warnings)) {
        if (!warnings.contains(gone) && !gone.startsWith(QLatin1String("broken")))
            qCInfo(lcBuild).noquote() << "resolved:" << gone;
    }
    m_warnings = warnings;
    Q_EMIT warningsChanged(m_warnings);
}

void SourceMode::onBuildFinished(const BuildInfo &info)
{
    Q_EMIT buildFinished(info);
    if (info.cancelled && std::exchange(m_cancelledForPause, false)) {
        // Interrupted, not wrong: no record. Its files wait for watching to resume.
        m_buildDecisions.append(
            QStringLiteral("build cancelled after %1 ms because watching paused, built again "
                           "when it resumed")
                .arg(qRound(info.ms)));
        m_engine->setHeldForBuild(false);
        if (isWatching())
            startBuild(); // resumed before the cancelled build was gone
        else
            m_buildDeferred = true;
        return;
    }
    if (info.cancelled && m_restartAfterCancel) {
        m_restartAfterCancel = false;
        m_buildDecisions.append(
            QStringLiteral("build cancelled after %1 ms by a newer change").arg(qRound(info.ms)));
        startBuild();
        return;
    }

    QList<FileEvent> events = std::exchange(m_buildEvents, {});
    BuildInfo built = info;
    built.sources = std::exchange(m_buildFiles, {});
    QString decision = std::exchange(m_buildDecisions, {}).join(QStringLiteral("; "));
    const bool startup = std::exchange(m_startupBuild, false);

    if (built.failed()) {
        QString why;
        if (built.timedOut)
            why = QStringLiteral("build timed out after %1 ms (build.timeoutMs %2)")
                      .arg(qRound(built.ms))
                      .arg(m_config.buildTimeoutMs);
        else if (built.cancelled)
            why = QStringLiteral("build cancelled after %1 ms").arg(qRound(built.ms));
        else if (built.exitCode < 0)
            why = QStringLiteral("build could not start or crashed: %1")
                      .arg(built.output.trimmed().section(QLatin1Char('\n'), -1));
        else
            why = QStringLiteral("build failed with exit code %1").arg(built.exitCode);
        m_buildEvents = events;
        m_buildDecisions = {decision};
        recordBuildFailure(built, why);
        return;
    }

    m_buildSucceeded = true;
    if (!startup && !decision.isEmpty())
        decision += QStringLiteral("; built in %1 ms").arg(qRound(built.ms));
    // Let the plugin-folder events the link caused arrive first, so they join this reload.
    QTimer::singleShot(0, this, [this, events, decision, built] {
        checkFolders();
        if (m_engineStartDeferred) {
            // The first plugins exist now: the first generation is built from them.
            m_engine->setHeldForBuild(false);
            startDeferredEngine();
            m_engine->setHeldForBuild(m_runner->isRunning());
            return;
        }
        m_engine->reloadForEvents(events, decision, built);
        m_engine->setHeldForBuild(m_runner->isRunning());
    });
}

} // namespace qreload::app
