// qreload: the composition root. Parses the command line, builds the reload engine and the preview
// server, then runs the console, or headless when asked to (or when there is no display).

#include "headlessreporter.h"
#include "hostproxy.h"
#include "instancelock.h"
#include "mainwindow.h"
#include "projectconfig.h"
#include "projectscaffold.h"
#include "reloadcommand.h"
#include "reloadlogview.h"
#include "sessionfile.h"
#include "sourcemode.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>

using namespace qreload::app;

namespace {

int signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

//! Quits the event loop on SIGINT/SIGTERM so the generation is shut down and shadows removed.
void quitOnSignals(QCoreApplication *app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, app);
    QObject::connect(notifier, &QSocketNotifier::activated, app, [app] {
        char byte;
        [[maybe_unused]] const auto got = ::read(signalPipe[0], &byte, 1);
        app->quit();
    });
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
}

bool displayAvailable()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY")
           || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")
           || !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

void fail(const QString &message)
{
    std::fprintf(stderr, "qreload: %s\n", qPrintable(message));
}

/*!
 * ${qreloadBuildDir} and ${qreloadSourceDir} of qreload.json: the build tree this qreload runs
 * from (bin/qreload beside a CMakeCache.txt) and the source tree that cache names. Found when it
 * runs, not baked in: an installed qreload has none, and says so when a project asks for them.
 */
ProjectConfig::Context runningBuildTree()
{
    QDir tree(QCoreApplication::applicationDirPath());
    QFile cache(tree.filePath(QStringLiteral("../CMakeCache.txt")));
    if (!cache.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    static const QByteArray home = QByteArrayLiteral("CMAKE_HOME_DIRECTORY:INTERNAL=");
    QString source;
    while (!cache.atEnd()) {
        const QByteArray line = cache.readLine().trimmed();
        if (line.startsWith(home))
            source = QString::fromLocal8Bit(line.mid(home.size()));
    }
    if (source.isEmpty() || !QFileInfo::exists(source + QStringLiteral("/app/main.cpp")))
        return {};
    tree.cdUp();
    return {tree.absolutePath(), source};
}

} // namespace

int main(int argc, char *argv[])
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    if (arguments.value(1) == QLatin1String("new")) // qreload new <dir> [--name <name>]
        return ProjectScaffold::run(arguments.mid(1));
    if (arguments.value(1) == QLatin1String("reload")) // qreload reload [--all] [PROJECT]
        return ReloadCommand::run(arguments.mid(1));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Hot-reloads component plugins into a running process and serves them.\n"
                       "qreload new <dir> [--name <name>] creates a project to run with "
                       "qreload <dir>.\n"
                       "qreload reload [--all] [PROJECT] reloads the qreload running on it "
                       "(qreload reload --help)."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption headlessOption(
        QStringLiteral("headless"),
        QStringLiteral("Run without the console window; log to stdout."));
    const QCommandLineOption pluginsOption(
        QStringLiteral("plugins"),
        QStringLiteral("A folder of plugin libraries to load and watch (repeatable)."),
        QStringLiteral("dir"));
    // No default values below: an option that is not given leaves the project's value alone.
    const QCommandLineOption portOption(
        QStringLiteral("port"),
        QStringLiteral("Preview server port; 0 picks a free one (default 8765)."),
        QStringLiteral("n"));
    const QCommandLineOption hostOption(
        QStringLiteral("host"),
        QStringLiteral("Preview server address (default 127.0.0.1, loopback only)."),
        QStringLiteral("address"));
    const QCommandLineOption quietOption(
        QStringLiteral("quiet-period"),
        QStringLiteral("Milliseconds without file events before building or reloading "
                       "(default 100)."),
        QStringLiteral("ms"));
    const QCommandLineOption sourcesOption(
        QStringLiteral("sources"),
        QStringLiteral("A source folder to watch and build from (repeatable)."),
        QStringLiteral("dir"));
    const QCommandLineOption buildOption(
        QStringLiteral("build-command"),
        QStringLiteral("The build to run when sources change (run by /bin/sh -c)."),
        QStringLiteral("command"));
    const QCommandLineOption buildTimeoutOption(
        QStringLiteral("build-timeout"),
        QStringLiteral("Milliseconds after which a build is stopped (default 120000)."),
        QStringLiteral("ms"));
    const QCommandLineOption noBuildOption(
        QStringLiteral("no-build"),
        QStringLiteral("Watch the plugin folders only: no source watching, no builds."));
    const QCommandLineOption logFormatOption(QStringLiteral("log-format"),
                                             QStringLiteral("Headless log lines: text or json."),
                                             QStringLiteral("format"), QStringLiteral("text"));
    const QCommandLineOption forceOption(
        QStringLiteral("force"),
        QStringLiteral("Run even when another qreload runs on the same project."));
    const QCommandLineOption maxBodyOption(
        QStringLiteral("max-body-size"),
        QStringLiteral("Largest request body the preview server reads (default 1048576); "
                       "a larger one gets 413 before it is read."),
        QStringLiteral("bytes"));
    const QCommandLineOption idleTimeoutOption(
        QStringLiteral("idle-timeout"),
        QStringLiteral("Close a preview connection idle this long (default 30000)."),
        QStringLiteral("ms"));
    const QCommandLineOption maxConnectionsOption(
        QStringLiteral("max-connections"),
        QStringLiteral("Preview connections open at once; one more gets 503 (default 256)."),
        QStringLiteral("n"));
    parser.addOptions({maxBodyOption, idleTimeoutOption, maxConnectionsOption});
    const QCommandLineOption noLiveReloadOption(
        QStringLiteral("no-live-reload"),
        QStringLiteral("Do not inject the live-reload script into HTML pages (qreload.json: "
                       "\"liveReload\": false)."));
    parser.addOption(noLiveReloadOption);
    parser.addOptions({headlessOption, pluginsOption, portOption, hostOption, quietOption,
                       logFormatOption, sourcesOption, buildOption, buildTimeoutOption,
                       noBuildOption, forceOption});
    parser.addPositionalArgument(
        QStringLiteral("project"),
        QStringLiteral("A project folder (holding qreload.json) or config file. Default: "
                       "$QRELOAD_PROJECT (./quickstart.sh: the bundled examples/greeter), unless "
                       "--plugins is given."),
        QStringLiteral("[project]"));

    const bool parsed = parser.parse(arguments);
    bool headless = parser.isSet(headlessOption);
    const bool wantsInfo = parser.isSet(helpOption) || parser.isSet(versionOption);
    if (!headless && !wantsInfo && !displayAvailable()) {
        std::fprintf(stderr, "qreload: no display (DISPLAY and WAYLAND_DISPLAY are not set); "
                             "running headless. Pass --headless to silence this.\n");
        headless = true;
    }

    std::unique_ptr<QCoreApplication> app;
    if (headless || wantsInfo)
        app = std::make_unique<QCoreApplication>(argc, argv);
    else
        app = std::make_unique<QApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qreload"));
    QCoreApplication::setOrganizationName(QStringLiteral("qreload"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QRELOAD_VERSION));
    // From the start: a SIGTERM right after "serving" must still shut down cleanly (lock file,
    // host process, shadow copies).
    quitOnSignals(app.get());

    if (!parsed) {
        fail(parser.errorText() + QStringLiteral(" (see qreload --help)"));
        return 2;
    }
    if (parser.isSet(helpOption))
        parser.showHelp(0);
    if (parser.isSet(versionOption))
        parser.showVersion();

    if (parser.positionalArguments().size() > 1) {
        fail(QStringLiteral("one project at a time, not %1 (see qreload --help)")
                 .arg(parser.positionalArguments().join(QLatin1Char(' '))));
        return 2;
    }

    // The project: a qreload.json named on the command line, the greeter by default, or none
    // when plugin folders are given without a project (plugin folders only, no builds).
    ProjectConfig config;
    QString projectPath = parser.positionalArguments().value(0);
    if (projectPath.isEmpty() && !parser.isSet(pluginsOption)) {
        // ./quickstart.sh names the greeter this way, so that its arguments stay the user's.
        projectPath = qEnvironmentVariable("QRELOAD_PROJECT");
    }
    // Said once the options are checked, so that a mistyped option is named first.
    const bool noProject = projectPath.isEmpty() && !parser.isSet(pluginsOption);
    if (!projectPath.isEmpty()) {
        QList<ConfigError> errors;
        const ProjectConfig::Context context = runningBuildTree();
        std::optional<ProjectConfig> loaded = ProjectConfig::load(projectPath, context, &errors);
        if (!loaded) {
            for (const ConfigError &error : errors)
                fail(error.toString());
            return 2;
        }
        config = std::move(*loaded);
    }

    // One qreload per project: a second one would run builds in the same build folder.
    std::unique_ptr<InstanceLock> lock;
    if (!config.projectDir.isEmpty()) {
        lock = std::make_unique<InstanceLock>(config.projectDir);
        switch (lock->acquire(parser.isSet(forceOption))) {
        case InstanceLock::Outcome::HeldByOther:
            std::fprintf(stderr, "%s\n", qPrintable(lock->message()));
            return InstanceLock::AlreadyRunningExitCode;
        case InstanceLock::Outcome::Acquired:
            break;
        case InstanceLock::Outcome::TookOverStale:
        case InstanceLock::Outcome::Forced:
        case InstanceLock::Outcome::Unavailable:
            fail(lock->message());
            break;
        }
    }

    // Command-line options override the project's values.
    bool ok = false;
    if (parser.isSet(portOption)) {
        config.port = parser.value(portOption).toInt(&ok);
        if (!ok || config.port < 0 || config.port > 65535) {
            fail(QStringLiteral("--port must be a number from 0 to 65535, not \"%1\"")
                     .arg(parser.value(portOption)));
            return 2;
        }
    }
    if (parser.isSet(quietOption)) {
        config.quietPeriodMs = parser.value(quietOption).toInt(&ok);
        if (!ok || config.quietPeriodMs < 0 || config.quietPeriodMs > 60000) {
            fail(QStringLiteral("--quiet-period must be milliseconds from 0 to 60000, not \"%1\"")
                     .arg(parser.value(quietOption)));
            return 2;
        }
    }
    if (parser.isSet(hostOption))
        config.host = parser.value(hostOption);
    const QHostAddress host(config.host);
    if (host.isNull()) {
        fail(QStringLiteral("--host must be an IP address, not \"%1\"").arg(config.host));
        return 2;
    }
    const QString logFormat
        = parser.isSet(logFormatOption) ? parser.value(logFormatOption) : QStringLiteral("text");
    if (logFormat != QLatin1String("text") && logFormat != QLatin1String("json")) {
        fail(QStringLiteral("--log-format must be text or json, not \"%1\"").arg(logFormat));
        return 2;
    }
    if (parser.isSet(pluginsOption)) {
        config.pluginDirs.clear();
        for (const QString &dir : parser.values(pluginsOption))
            config.pluginDirs.append(QDir(dir).absolutePath());
    }
    if (parser.isSet(sourcesOption)) {
        config.sourceDirs.clear();
        for (const QString &dir : parser.values(sourcesOption))
            config.sourceDirs.append(QDir(dir).absolutePath());
    }
    if (parser.isSet(buildOption)) {
        config.buildCommand = {parser.value(buildOption)};
        config.buildThroughShell = true;
        config.buildTargets.clear();
        config.configuresBuildDir = false; // the command builds whatever it builds
        if (config.buildWorkingDir.isEmpty())
            config.buildWorkingDir = QDir::currentPath();
        if (config.sourceDirs.isEmpty())
            config.sourceDirs = {QDir::currentPath()};
    }
    if (parser.isSet(buildTimeoutOption)) {
        config.buildTimeoutMs = parser.value(buildTimeoutOption).toInt(&ok);
        if (!ok || config.buildTimeoutMs < 1) {
            fail(QStringLiteral("--build-timeout must be a positive number of milliseconds, not "
                                "\"%1\"")
                     .arg(parser.value(buildTimeoutOption)));
            return 2;
        }
    }
    if (parser.isSet(noBuildOption))
        config.buildCommand.clear();
    if (config.buildCommand.value(0).contains(QLatin1String("${targets}"))
        && config.buildTargets.isEmpty()) {
        fail(QStringLiteral("--build-command uses ${targets}, which needs build.targets in a "
                            "qreload.json"));
        return 2;
    }
    if (const QString problem = SourceMode::buildFolderProblem(config); !problem.isEmpty()) {
        fail(problem);
        return 2;
    }

    HostProxy::Options options;
    options.pluginDirs = config.pluginDirs;
    for (const QString &dir : options.pluginDirs) {
        if (!QFileInfo(dir).isDir())
            std::fprintf(stderr,
                         "qreload: plugin folder %s does not exist (yet); watching for it\n",
                         qPrintable(dir));
    }
    options.quietPeriodMs = config.quietPeriodMs;
    options.liveReload = config.liveReload && !parser.isSet(noLiveReloadOption);
    options.host = host;
    options.port = quint16(config.port);
    // HTTP limits: qreload.json's "http", then the command line.
    options.httpLimits = config.httpLimits;
    const auto number = [&](const QCommandLineOption &option, auto *value) {
        if (!parser.isSet(option))
            return true;
        bool valid = false;
        *value = decltype(+*value)(parser.value(option).toLongLong(&valid));
        if (!valid)
            fail(QStringLiteral("--%1 must be a number, not \"%2\"")
                     .arg(option.names().constFirst(), parser.value(option)));
        return valid;
    };
    if (!number(maxBodyOption, &options.httpLimits.maxBodyBytes)
        || !number(idleTimeoutOption, &options.httpLimits.idleTimeoutMs)
        || !number(maxConnectionsOption, &options.httpLimits.maxConnections))
        return 2;
    if (const QString problem = options.httpLimits.validate(); !problem.isEmpty()) {
        fail(problem);
        return 2;
    }
    if (noProject) {
        fail(QStringLiteral("no project: run `qreload new myapp`, then `qreload myapp`, or "
                            "`qreload PATH/qreload.json` (see qreload --help)"));
        return 2;
    }

    // The plugins run in a host process (qreload-host) that this one supervises: nothing a plugin
    // does can freeze or kill the console. This process owns the preview port.
    HostProxy proxy(options);
    QString error;
    if (!proxy.listen(&error)) {
        fail(error
             + (config.port != 0 ? QStringLiteral(" (try --port 0 to pick a free port)")
                                 : QString()));
        return 3;
    }
    // Where `qreload reload` finds this qreload (removed when it stops).
    std::unique_ptr<SessionFile> session;
    if (!config.projectDir.isEmpty()) {
        session = std::make_unique<SessionFile>(config.projectDir);
        if (!session->write(proxy.url(), proxy.sessionToken(), &error))
            fail(error + QStringLiteral(" (qreload reload will not find this qreload)"));
    }

    std::unique_ptr<SourceMode> sourceMode;
    if (config.hasBuild())
        sourceMode = std::make_unique<SourceMode>(&proxy, config);
    if (sourceMode) // missing folders and broken links, in the status JSON until fixed
        QObject::connect(sourceMode.get(), &SourceMode::warningsChanged, &proxy,
                         &HostProxy::setWarnings);
    if (sourceMode) { // builds go to the pages' live-reload stream (overlay with diagnostics)
        QObject::connect(sourceMode.get(), &SourceMode::buildStarted, &proxy,
                         &HostProxy::publishBuildStarted);
        QObject::connect(sourceMode.get(), &SourceMode::buildFinished, &proxy,
                         &HostProxy::publishBuildFinished);
    }

    std::unique_ptr<HeadlessReporter> reporter;
    if (headless) {
        // The reporter's line for a failed reload says what the engine's warning would say
        // again on stderr (QT_LOGGING_RULES="qreload.reload.warning=true" brings it back).
        QLoggingCategory::setFilterRules(QStringLiteral("qreload.reload.warning=false"));
        reporter = std::make_unique<HeadlessReporter>(&proxy, logFormat == QLatin1String("json")
                                                                  ? HeadlessReporter::Format::Json
                                                                  : HeadlessReporter::Format::Text);
        std::printf("qreload %s serving %s (plugins: %s)\n", QRELOAD_VERSION,
                    qPrintable(proxy.url().toString()),
                    qPrintable(options.pluginDirs.join(QStringLiteral(", "))));
        std::printf("token %s (X-QReload-Token for POST /_qreload/reload and invoke)\n",
                    qPrintable(proxy.sessionToken()));
        if (!config.file.isEmpty())
            std::printf("project %s\n", qPrintable(config.file));
        if (sourceMode)
            std::printf("source mode: watching %s; build: %s\n",
                        qPrintable(config.sourceDirs.join(QStringLiteral(", "))),
                        qPrintable(config.buildCommandLine({})));
        std::fflush(stdout);
    }

    std::unique_ptr<qreload::ui::MainWindow> window;
    if (!headless) {
        window = std::make_unique<qreload::ui::MainWindow>(&proxy);
        window->attachSourceMode(sourceMode.get()); // before start(): the start-up build shows
        window->show();
        // A page's overlay link: the console comes to the front on that record.
        QObject::connect(&proxy, &HostProxy::openRequested, window.get(),
                         [w = window.get()](quint64 record) {
                             if (w->isMinimized())
                                 w->showNormal();
                             w->raise();
                             w->activateWindow();
                             if (record != 0)
                                 w->logView()->selectRecord(record);
                         });
    }
    if (sourceMode)
        sourceMode->startWithEngine(); // an unbuilt project's first generation waits for a build
    else
        proxy.start();
    const int code = app->exec();
    window.reset();
    sourceMode.reset(); // stops a running build before the host goes
    return code;
}
