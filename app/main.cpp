// qreload: the composition root. Parses the command line, builds the reload engine and the preview
// server, then runs the console, or headless when asked to (or when there is no display).

#include "headlessreporter.h"
#include "mainwindow.h"
#include "previewserver.h"
#include "reloadengine.h"
#include "shadowstore.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
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

} // namespace

int main(int argc, char *argv[])
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Hot-reloads component plugins into a running process and serves them."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption headlessOption(
        QStringLiteral("headless"),
        QStringLiteral("Run without the console window; log to stdout."));
    const QCommandLineOption pluginsOption(
        QStringLiteral("plugins"),
        QStringLiteral("A folder of plugin libraries to load and watch (repeatable)."),
        QStringLiteral("dir"));
    const QCommandLineOption portOption(QStringLiteral("port"),
                                        QStringLiteral("Preview server port; 0 picks a free one."),
                                        QStringLiteral("n"), QStringLiteral("8765"));
    const QCommandLineOption hostOption(
        QStringLiteral("host"), QStringLiteral("Preview server address (loopback by default)."),
        QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption quietOption(
        QStringLiteral("quiet-period"),
        QStringLiteral("Milliseconds without file events before reloading."), QStringLiteral("ms"),
        QStringLiteral("100"));
    const QCommandLineOption logFormatOption(QStringLiteral("log-format"),
                                             QStringLiteral("Headless log lines: text or json."),
                                             QStringLiteral("format"), QStringLiteral("text"));
    parser.addOptions(
        {headlessOption, pluginsOption, portOption, hostOption, quietOption, logFormatOption});

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

    if (!parsed) {
        fail(parser.errorText() + QStringLiteral(" (see qreload --help)"));
        return 2;
    }
    if (parser.isSet(helpOption))
        parser.showHelp(0);
    if (parser.isSet(versionOption))
        parser.showVersion();

    bool ok = false;
    const int port = parser.value(portOption).toInt(&ok);
    if (!ok || port < 0 || port > 65535) {
        fail(QStringLiteral("--port must be a number from 0 to 65535, not \"%1\"")
                 .arg(parser.value(portOption)));
        return 2;
    }
    const int quietPeriod = parser.value(quietOption).toInt(&ok);
    if (!ok || quietPeriod < 0 || quietPeriod > 60000) {
        fail(QStringLiteral("--quiet-period must be milliseconds from 0 to 60000, not \"%1\"")
                 .arg(parser.value(quietOption)));
        return 2;
    }
    const QHostAddress host(parser.value(hostOption));
    if (host.isNull()) {
        fail(QStringLiteral("--host must be an IP address, not \"%1\"")
                 .arg(parser.value(hostOption)));
        return 2;
    }
    const QString logFormat = parser.value(logFormatOption);
    if (logFormat != QLatin1String("text") && logFormat != QLatin1String("json")) {
        fail(QStringLiteral("--log-format must be text or json, not \"%1\"").arg(logFormat));
        return 2;
    }

    ReloadEngine::Options options;
    options.pluginDirs = parser.values(pluginsOption);
    if (options.pluginDirs.isEmpty())
        options.pluginDirs = {QStringLiteral(QRELOAD_DEFAULT_PLUGIN_DIR)};
    for (QString &dir : options.pluginDirs) {
        dir = QDir(dir).absolutePath();
        if (!QFileInfo(dir).isDir())
            std::fprintf(stderr,
                         "qreload: plugin folder %s does not exist (yet); watching for it\n",
                         qPrintable(dir));
    }
    options.quietPeriodMs = quietPeriod;

    ShadowStore::removeStale();
    ReloadEngine engine(options);
    PreviewServer server(&engine);
    QString error;
    if (!server.listen(host, quint16(port), &error)) {
        fail(error
             + (port != 0 ? QStringLiteral(" (try --port 0 to pick a free port)") : QString()));
        return 3;
    }

    std::unique_ptr<HeadlessReporter> reporter;
    if (headless) {
        reporter = std::make_unique<HeadlessReporter>(
            &engine, logFormat == QLatin1String("json") ? HeadlessReporter::Format::Json
                                                        : HeadlessReporter::Format::Text);
        std::printf("qreload %s serving %s (plugins: %s)\n", QRELOAD_VERSION,
                    qPrintable(server.url().toString()),
                    qPrintable(options.pluginDirs.join(QStringLiteral(", "))));
        std::fflush(stdout);
    }
    quitOnSignals(app.get());

    std::unique_ptr<qreload::ui::MainWindow> window;
    if (!headless) {
        window = std::make_unique<qreload::ui::MainWindow>(&engine, &server);
        window->show();
    }
    engine.start();
    const int code = app->exec();
    window.reset();
    return code;
}
