#include "mainwindow.h"

#include "buildoutputview.h"
#include "buildprogress.h"
#include "componentgraph.h"
#include "componentgraphview.h"
#include "componentinspector.h"
#include "graphsearchbar.h"
#include "hostproxy.h"
#include "previewpanel.h"
#include "reloaddetailsview.h"
#include "reloadlogmodel.h"
#include "reloadlogview.h"
#include "settingsdialog.h"
#include "sourcemode.h"
#include "sourceview.h"
#include "timingchart.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

static void initConsoleResources()
{
    // The resources live in a static library: register them explicitly.
    Q_INIT_RESOURCE(qreload);
}

namespace qreload::ui {

using namespace qreload::app;

namespace {

const char *const GeometryKey = "console/geometry";
const char *const StateKey = "console/windowState";
const char *const ThemeKey = "console/theme";
const char *const PreviewPathKey = "console/previewPath";
//! Bump when docks are added or renamed, so an old saved layout is not restored over them.
constexpr int LayoutVersion = 2;

bool isSourceFile(const QString &path)
{
    static const QStringList suffixes{
        QStringLiteral("cpp"),  QStringLiteral("cc"),    QStringLiteral("cxx"),
        QStringLiteral("c"),    QStringLiteral("h"),     QStringLiteral("hpp"),
        QStringLiteral("hxx"),  QStringLiteral("qml"),   QStringLiteral("js"),
        QStringLiteral("json"), QStringLiteral("cmake"), QStringLiteral("txt"),
        QStringLiteral("ui"),   QStringLiteral("py")};
    const QFileInfo info(path);
    return suffixes.contains(info.suffix().toLower())
           || info.fileName() == QLatin1String("CMakeLists.txt");
}

CodeEditor::Marker markerFor(Diagnostic::Severity severity)
{
    switch (severity) {
    case Diagnostic::Severity::Error:
        return CodeEditor::Marker::Error;
    case Diagnostic::Severity::Warning:
        return CodeEditor::Marker::Warning;
    case Diagnostic::Severity::Note:
        return CodeEditor::Marker::Note;
    }
    return CodeEditor::Marker::Note;
}

} // namespace

MainWindow::MainWindow(HostProxy *engine, QWidget *parent)
    : QMainWindow(parent)
    , m_engine(engine)
    , m_log(new ReloadLogModel(this))
{
    initConsoleResources();
    setObjectName(QStringLiteral("qreloadConsole"));
    setWindowTitle(tr("qreload — %1").arg(engine->pluginDirs().join(QStringLiteral(", "))));
    setWindowIcon(QIcon(QStringLiteral(":/qreload/icons/qreload.svg")));

    m_graph = new ComponentGraphView(this);
    setCentralWidget(m_graph);
    createActions();
    createDocks();
    createStatusBar();

    m_log->follow(engine);
    connect(engine, &HostProxy::reloadStarted, this, &MainWindow::onReloadStarted);
    connect(engine, &HostProxy::reloadFinished, this, &MainWindow::onReloadFinished);
    connect(engine, &HostProxy::generationChanged, this, &MainWindow::updateStatus);
    connect(engine, &HostProxy::watchingChanged, this, &MainWindow::onWatchingChanged);
    connect(engine, &HostProxy::fileEventObserved, this, &MainWindow::onFileEvent);
    connect(engine, &HostProxy::hostStateChanged, this, &MainWindow::updateHostState);
    connect(m_graph, &ComponentGraphView::componentSelected, m_inspector,
            &ComponentInspector::showComponent);
    connect(m_graph, &ComponentGraphView::componentSelected, this, [this] {
        if (QDockWidget *dock = findChild<QDockWidget *>(QStringLiteral("inspectorDock")))
            dock->raise();
    });
    connect(m_logView, &ReloadLogView::recordSelected, this, &MainWindow::onRecordSelected);
    connect(m_logView, &ReloadLogView::openSource, this, &MainWindow::openSource);
    connect(m_buildView, &BuildOutputView::openSource, this, &MainWindow::openSource);
    // Requests create lazy components: show that without waiting for the next reload.
    connect(m_preview, &PreviewPanel::responseShown, this, &MainWindow::refreshGraph);

    const QSettings settings;
    m_theme = ConsoleTheme::fromName(settings.value(QLatin1String(ThemeKey)).toString());
    if (m_theme != ConsoleTheme::Mode::System)
        ConsoleTheme::apply(m_theme);
    m_preview->setBaseUrl(engine->url());
    const QString previewPath = settings.value(QLatin1String(PreviewPathKey)).toString();
    if (!previewPath.isEmpty())
        m_preview->setPath(previewPath);
    restoreLayout();

    onWatchingChanged(engine->isWatching());
    if (const std::optional<ReloadRecord> last = engine->lastReload()) {
        m_lastRecord = last;
        if (last->outcome != ReloadOutcome::Skipped)
            m_graphRecord = last;
    }
    refreshGraph();
    updateRoutes();
    updateStatus();
    updateHostState();
    if (!engine->generation().isEmpty() && m_preview->autoRefresh())
        m_preview->refresh();
}

MainWindow::~MainWindow() = default;

SourceMode *MainWindow::sourceMode() const
{
    return m_sourceMode;
}

void MainWindow::attachSourceMode(SourceMode *sourceMode)
{
    if (m_sourceMode)
        disconnect(m_sourceMode, nullptr, this, nullptr);
    m_sourceMode = sourceMode;
    if (!sourceMode) {
        setBuildRunning(false);
        return;
    }
    const ProjectConfig &config = sourceMode->config();
    m_buildView->setWorkingDirectory(config.buildWorkingDir);
    connect(sourceMode, &SourceMode::buildStarted, this, &MainWindow::onBuildStarted);
    connect(sourceMode, &SourceMode::buildOutput, this, &MainWindow::showBuildOutput);
    connect(sourceMode, &SourceMode::buildFinished, this, &MainWindow::onBuildFinished);
    connect(sourceMode, &SourceMode::sourceEventObserved, this, &MainWindow::onFileEvent);
    const QString project = config.projectDir.isEmpty()
                                ? config.sourceDirs.join(QStringLiteral(", "))
                                : QDir::toNativeSeparators(config.projectDir);
    setWindowTitle(tr("qreload — %1 (source mode)").arg(project));
    // Project warnings (a missing folder, a broken link) stay in the status bar until fixed.
    auto *warnings = statusBar()->findChild<QLabel *>(QStringLiteral("projectWarnings"));
    if (!warnings) {
        warnings = new QLabel(statusBar());
        warnings->setObjectName(QStringLiteral("projectWarnings"));
        statusBar()->addPermanentWidget(warnings);
    }
    const auto showWarnings = [this, warnings](const QStringList &list) {
        warnings->setText(list.size() == 1
                              ? tr("⚠ %1").arg(list.first())
                              : tr("⚠ %n project warnings", nullptr, int(list.size())));
        warnings->setToolTip(list.join(QLatin1Char('\n')));
        warnings->setVisible(!list.isEmpty());
    };
    connect(sourceMode, &SourceMode::warningsChanged, this, showWarnings);
    showWarnings(sourceMode->warnings());
    onWatchingChanged(m_engine->isWatching());
    setBuildRunning(sourceMode->isBuilding());
}

void MainWindow::createActions()
{
    m_reloadAction
        = new QAction(QIcon(QStringLiteral(":/qreload/icons/reload.svg")), tr("&Reload"), this);
    m_reloadAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_R), QKeySequence::Refresh});
    m_reloadAction->setToolTip(
        tr("Reload now: the plugins whose files changed and what depends on them (Ctrl+R)"));
    connect(m_reloadAction, &QAction::triggered, this,
            [this] { requestReload(ReloadScope::Changed); });
    m_reloadAllAction = new QAction(tr("Reload &all"), this);
    m_reloadAllAction->setObjectName(QStringLiteral("reloadAllAction"));
    m_reloadAllAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    m_reloadAllAction->setToolTip(
        tr("Rebuild every plugin and component from scratch; no instance is kept "
           "(Ctrl+Shift+R)"));
    connect(m_reloadAllAction, &QAction::triggered, this,
            [this] { requestReload(ReloadScope::All); });

    m_pauseAction = new QAction(QIcon(QStringLiteral(":/qreload/icons/pause.svg")),
                                tr("&Pause watching"), this);
    m_pauseAction->setCheckable(true);
    m_pauseAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    connect(m_pauseAction, &QAction::toggled, this, [this](bool paused) {
        if (m_engine->isWatching() == paused)
            m_engine->setWatching(!paused);
    });

    m_restartHostAction = new QAction(tr("Restart &host"), this);
    m_restartHostAction->setObjectName(QStringLiteral("restartHostAction"));
    m_restartHostAction->setToolTip(
        tr("Start a new plugin host process on the current plugin files (its state is lost)"));
    connect(m_restartHostAction, &QAction::triggered, m_engine, &HostProxy::restartHost);

    m_openAction = new QAction(QIcon(QStringLiteral(":/qreload/icons/open.svg")),
                               tr("&Open project…"), this);
    m_openAction->setShortcut(QKeySequence::Open);
    m_openAction->setToolTip(tr("Open another plugin folder in a new qreload window"));
    connect(m_openAction, &QAction::triggered, this, &MainWindow::openProject);

    m_settingsAction = new QAction(QIcon(QStringLiteral(":/qreload/icons/settings.svg")),
                                   tr("&Settings…"), this);
    m_settingsAction->setShortcut(QKeySequence::Preferences);
    connect(m_settingsAction, &QAction::triggered, this, &MainWindow::showSettings);

    m_fitAction
        = new QAction(QIcon(QStringLiteral(":/qreload/icons/fit.svg")), tr("&Fit graph"), this);
    m_fitAction->setToolTip(tr("Fit the component graph in the view (F)"));
    connect(m_fitAction, &QAction::triggered, m_graph, &ComponentGraphView::fitToView);

    auto *exportMenu = new QMenu(tr("&Export graph"), this);
    exportMenu->setIcon(QIcon(QStringLiteral(":/qreload/icons/export.svg")));
    exportMenu->addAction(tr("As &DOT…"), this, [this] { exportGraph(QStringLiteral("dot")); });
    QAction *svg = exportMenu->addAction(tr("As &SVG…"), this,
                                         [this] { exportGraph(QStringLiteral("svg")); });
    svg->setEnabled(ComponentGraphView::svgExportAvailable());
    exportMenu->addAction(tr("As &PNG…"), this, [this] { exportGraph(QStringLiteral("png")); });

    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolBar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_reloadAction);
    toolbar->addAction(m_reloadAllAction);
    toolbar->addAction(m_pauseAction);
    toolbar->addAction(m_restartHostAction);
    toolbar->addSeparator();
    toolbar->addAction(m_openAction);
    toolbar->addAction(m_settingsAction);
    toolbar->addSeparator();
    toolbar->addAction(m_fitAction);
    auto *exportButton = new QToolButton(toolbar);
    exportButton->setMenu(exportMenu);
    exportButton->setPopupMode(QToolButton::InstantPopup);
    exportButton->setIcon(exportMenu->icon());
    exportButton->setText(tr("Export"));
    exportButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addWidget(exportButton);

    // The graph's own tools: search (Ctrl+F), neighbourhood, collapse/expand plugins. A row of
    // their own: beside the main toolbar they would be cut off in a 1280-pixel window.
    addToolBarBreak();
    QToolBar *graphTools = addToolBar(tr("Graph"));
    graphTools->setObjectName(QStringLiteral("graphToolBar"));
    m_graphSearch = new GraphSearchBar(m_graph, graphTools);
    graphTools->addWidget(m_graphSearch);
    graphTools->addActions(m_graph->toolActions());
    addAction(m_graphSearch->findAction());

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    file->addMenu(exportMenu);
    file->addSeparator();
    file->addAction(m_settingsAction);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    QMenu *reload = menuBar()->addMenu(tr("&Reload"));
    reload->addAction(m_reloadAction);
    reload->addAction(m_reloadAllAction);
    reload->addAction(m_pauseAction);
    if (m_engine) {
        // The session token guards the preview server's POST endpoints against other pages and
        // programs; scripts of your own get it here (or from QRELOAD_TOKEN, or headless output).
        reload->addSeparator();
        QAction *copyToken = reload->addAction(tr("Copy API &token"), this, [this] {
            QGuiApplication::clipboard()->setText(m_engine->sessionToken());
            statusBar()->showMessage(
                tr("Copied the session token: send it as X-QReload-Token to POST /_qreload/…"),
                5000);
        });
        copyToken->setObjectName(QStringLiteral("copyTokenAction"));
        QAction *copyCurl = reload->addAction(tr("Copy reload &command"), this, [this] {
            QGuiApplication::clipboard()->setText(
                QStringLiteral("curl -X POST -H 'X-QReload-Token: %1' %2_qreload/reload")
                    .arg(m_engine->sessionToken(), m_engine->url().toString()));
            statusBar()->showMessage(tr("Copied a curl command that reloads this qreload"), 5000);
        });
        copyCurl->setObjectName(QStringLiteral("copyReloadCommandAction"));
    }
    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_viewMenu->addAction(m_fitAction);
    m_viewMenu->addAction(tr("Zoom &in"), QKeySequence::ZoomIn, m_graph,
                          &ComponentGraphView::zoomIn);
    m_viewMenu->addAction(tr("Zoom &out"), QKeySequence::ZoomOut, m_graph,
                          &ComponentGraphView::zoomOut);
    m_viewMenu->addSeparator();
}

QDockWidget *MainWindow::addDock(const QString &title, const QString &name, QWidget *widget,
                                 Qt::DockWidgetArea area)
{
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(name);
    dock->setWidget(widget);
    addDockWidget(area, dock);
    m_viewMenu->addAction(dock->toggleViewAction());
    return dock;
}

void MainWindow::createDocks()
{
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    m_inspector = new ComponentInspector(m_engine, this);
    m_logView = new ReloadLogView(m_log, this);
    m_source = new SourceView(this);
    m_preview = new PreviewPanel(this);
    m_chart = new TimingChart(m_log, this);
    m_buildView = new BuildOutputView(this);

    QDockWidget *preview
        = addDock(tr("Preview"), QStringLiteral("previewDock"), m_preview, Qt::RightDockWidgetArea);
    QDockWidget *inspector = addDock(tr("Inspector"), QStringLiteral("inspectorDock"), m_inspector,
                                     Qt::RightDockWidgetArea);
    QDockWidget *source
        = addDock(tr("Source"), QStringLiteral("sourceDock"), m_source, Qt::RightDockWidgetArea);
    QDockWidget *log = addDock(tr("Reload log"), QStringLiteral("reloadLogDock"), m_logView,
                               Qt::BottomDockWidgetArea);
    QDockWidget *timings = addDock(tr("Reload timings"), QStringLiteral("timingsDock"), m_chart,
                                   Qt::BottomDockWidgetArea);
    QDockWidget *build = addDock(tr("Build output"), QStringLiteral("buildDock"), m_buildView,
                                 Qt::BottomDockWidgetArea);
    splitDockWidget(preview, inspector, Qt::Vertical);
    tabifyDockWidget(inspector, source);
    inspector->raise();
    splitDockWidget(log, timings, Qt::Horizontal);
    tabifyDockWidget(timings, build);
    timings->raise();
    resizeDocks({log, timings}, {3, 1}, Qt::Horizontal);
    resizeDocks({preview}, {420}, Qt::Horizontal);
    resizeDocks({log}, {260}, Qt::Vertical);
}

void MainWindow::createStatusBar()
{
    m_generationLabel = new QLabel(this);
    m_generationLabel->setObjectName(QStringLiteral("generationLabel"));
    m_componentsLabel = new QLabel(this);
    m_componentsLabel->setObjectName(QStringLiteral("componentsLabel"));
    m_lastReloadLabel = new QLabel(this);
    m_lastReloadLabel->setObjectName(QStringLiteral("lastReloadLabel"));
    m_urlLabel = new QLabel(this);
    m_urlLabel->setObjectName(QStringLiteral("urlLabel"));
    m_urlLabel->setTextFormat(Qt::RichText);
    m_urlLabel->setOpenExternalLinks(true);
    m_urlLabel->setTextInteractionFlags(Qt::LinksAccessibleByMouse);
    m_hostLabel = new QLabel(this);
    m_hostLabel->setObjectName(QStringLiteral("hostLabel"));
    m_busyLabel = new QLabel(this);
    m_busyLabel->setObjectName(QStringLiteral("busyLabel"));
    m_busyLabel->setTextFormat(Qt::RichText);
    m_busyLabel->setToolTip(tr("Show the build output"));
    connect(m_busyLabel, &QLabel::linkActivated, this,
            [this] { showDock(QStringLiteral("buildDock")); });
    m_busy = new QProgressBar(this);
    m_busy->setObjectName(QStringLiteral("busyIndicator"));
    m_busy->setMaximumWidth(120);
    m_busy->setMaximumHeight(fontMetrics().height());
    m_busy->setTextVisible(false);
    m_busy->hide();
    m_busyLabel->hide();
    m_busyTimeout = new QTimer(this);
    m_busyTimeout->setSingleShot(true);
    connect(m_busyTimeout, &QTimer::timeout, this, [this] { setBusy(false); });
    m_busyTimeout->setInterval(5000);
    m_progressUpdate = new QTimer(this);
    m_progressUpdate->setSingleShot(true);
    m_progressUpdate->setInterval(50);
    connect(m_progressUpdate, &QTimer::timeout, this, &MainWindow::updateBusyIndicator);

    statusBar()->addWidget(m_generationLabel);
    statusBar()->addWidget(m_componentsLabel);
    statusBar()->addWidget(m_lastReloadLabel, 1);
    statusBar()->addPermanentWidget(m_busyLabel);
    statusBar()->addPermanentWidget(m_busy);
    statusBar()->addPermanentWidget(m_hostLabel);
    statusBar()->addPermanentWidget(m_urlLabel);
    if (m_engine) {
        const QString url = m_engine->url().toString();
        m_urlLabel->setText(QStringLiteral("<a href=\"%1\">%1</a>").arg(url.toHtmlEscaped()));
        m_urlLabel->setToolTip(tr("Open the preview server in the browser"));
    } else {
        m_urlLabel->setText(tr("preview server off"));
    }
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    restoreGeometry(settings.value(QLatin1String(GeometryKey)).toByteArray());
    if (!restoreState(settings.value(QLatin1String(StateKey)).toByteArray(), LayoutVersion)
        && !settings.contains(QLatin1String(GeometryKey)))
        resize(1280, 800);
}

void MainWindow::saveLayout()
{
    QSettings settings;
    settings.setValue(QLatin1String(GeometryKey), saveGeometry());
    settings.setValue(QLatin1String(StateKey), saveState(LayoutVersion));
    settings.setValue(QLatin1String(ThemeKey), ConsoleTheme::name(m_theme));
    settings.setValue(QLatin1String(PreviewPathKey), m_preview->path());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveLayout();
    QMainWindow::closeEvent(event);
}

void MainWindow::setTheme(ConsoleTheme::Mode mode)
{
    if (mode == m_theme)
        return;
    m_theme = mode;
    ConsoleTheme::apply(mode);
    QSettings().setValue(QLatin1String(ThemeKey), ConsoleTheme::name(mode));
}

void MainWindow::requestReload(ReloadScope scope)
{
    // Return to the event loop first, so the click (or key press) is fully handled and painted.
    QTimer::singleShot(0, this, [this, scope] {
        if (m_engine->isReloading())
            return; // the engine queues one follow-up itself for file changes
        m_engine->reloadNow(ReloadCause::Manual, scope);
    });
}

void MainWindow::showSettings()
{
    auto *dialog = new SettingsDialog(m_engine, m_sourceMode, m_theme, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::applied, this, [this, dialog] { setTheme(dialog->theme()); });
    dialog->open();
}

QStringList MainWindow::openArguments(const QString &dir)
{
    if (QFileInfo::exists(QDir(dir).filePath(QStringLiteral("qreload.json"))))
        return {dir};
    return {QStringLiteral("--plugins"), dir, QStringLiteral("--port"), QStringLiteral("0")};
}

void MainWindow::openProject()
{
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open a project (a folder with qreload.json) or a plugin folder"),
        m_engine->pluginDirs().value(0));
    if (dir.isEmpty())
        return;
    // The engine's folders are fixed for its lifetime: a project opens in its own qreload.
    if (!QProcess::startDetached(QCoreApplication::applicationFilePath(), openArguments(dir))) {
        QMessageBox::warning(this, tr("Open project"),
                             tr("Could not start qreload for %1.").arg(dir));
        return;
    }
    statusBar()->showMessage(tr("Opened %1 in a new qreload window").arg(dir), 5000);
}

void MainWindow::exportGraph(const QString &format)
{
    const QString filter = format == QLatin1String("dot")   ? tr("Graphviz DOT (*.dot *.gv)")
                           : format == QLatin1String("svg") ? tr("SVG image (*.svg)")
                                                            : tr("PNG image (*.png)");
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export component graph"),
        QStringLiteral("generation-%1.%2").arg(m_graph->graph().generation).arg(format), filter);
    if (path.isEmpty())
        return;
    QString error;
    bool ok = false;
    if (format == QLatin1String("dot"))
        ok = m_graph->exportDot(path, &error);
    else if (format == QLatin1String("svg"))
        ok = m_graph->exportSvg(path, &error);
    else
        ok = m_graph->exportPng(path, &error);
    if (ok)
        statusBar()->showMessage(tr("Exported the graph to %1").arg(path), 5000);
    else
        QMessageBox::warning(this, tr("Export component graph"),
                             tr("Could not export to %1: %2").arg(path, error));
}

void MainWindow::showBuildOutput(const QString &line)
{
    m_buildView->appendLine(line);
    const std::optional<BuildProgress> progress = BuildProgress::parse(line);
    if (!progress)
        return;
    m_buildProgress = progress;
    if (!m_buildRunning)
        setBuildRunning(true);
    else if (!m_progressUpdate->isActive())
        m_progressUpdate->start(); // a build prints progress faster than anyone reads it
}

void MainWindow::setBuildRunning(bool running)
{
    m_buildRunning = running;
    if (!running)
        m_buildProgress.reset();
    updateBusyIndicator();
}

void MainWindow::onBuildStarted(const QString &commandLine, const QStringList &changedFiles)
{
    m_buildView->buildStarted(commandLine, changedFiles);
    m_buildProgress.reset();
    setBuildRunning(true);
}

void MainWindow::onBuildFinished(const BuildInfo &info)
{
    m_buildView->buildFinished(info);
    setBuildRunning(false);
    // A successful build's reload follows at once (its record says how it went); a failed one's
    // record arrives as a failed reload.
    if (!info.failed())
        setBusy(true, tr("Loading the new build…"));
}

void MainWindow::showDock(const QString &name)
{
    if (QDockWidget *dock = findChild<QDockWidget *>(name)) {
        dock->show();
        dock->raise();
    }
}

void MainWindow::setBusy(bool busy, const QString &why)
{
    m_activity = busy ? why : QString();
    if (busy)
        m_busyTimeout->start();
    else
        m_busyTimeout->stop();
    updateBusyIndicator();
}

void MainWindow::updateBusyIndicator()
{
    m_progressUpdate->stop();
    if (m_buildRunning) {
        // A build outlasts the reloads and file events around it: it keeps the indicator.
        const QString what
            = m_buildProgress ? tr("Building %1").arg(m_buildProgress->text()) : tr("Building…");
        m_busyLabel->setText(QStringLiteral("<a href=\"build\">%1</a>").arg(what.toHtmlEscaped()));
        if (m_buildProgress) {
            m_busy->setRange(0, m_buildProgress->total);
            m_busy->setValue(m_buildProgress->done);
        } else {
            m_busy->setRange(0, 0); // indeterminate until the build reports progress
        }
        m_busyLabel->show();
        m_busy->show();
    } else if (!m_activity.isEmpty()) {
        m_busyLabel->setText(m_activity.toHtmlEscaped());
        m_busy->setRange(0, 0);
        m_busyLabel->show();
        m_busy->show();
    } else {
        m_busy->hide();
        m_busyLabel->hide();
    }
}

void MainWindow::onReloadStarted()
{
    setBusy(true, tr("Reloading…"));
}

void MainWindow::onFileEvent(const FileEvent &event)
{
    if (!m_engine->isWatching())
        return;
    // A save brings folder events too: they say less than the file's name, so never replace it.
    const bool folder = event.isFolder();
    if (folder && !m_activity.isEmpty())
        return;
    QString what = event.path.isEmpty() ? event.kind : QFileInfo(event.path).fileName();
    if (folder)
        what += QLatin1Char('/');
    setBusy(true, tr("Change: %1").arg(what));
}

void MainWindow::onWatchingChanged(bool watching)
{
    if (!watching)
        setBusy(false); // nothing that was seen will be acted on now
    const QSignalBlocker blocker(m_pauseAction);
    m_pauseAction->setChecked(!watching);
    m_pauseAction->setText(watching ? tr("&Pause watching") : tr("&Resume watching"));
    m_pauseAction->setIcon(QIcon(watching ? QStringLiteral(":/qreload/icons/pause.svg")
                                          : QStringLiteral(":/qreload/icons/resume.svg")));
    if (m_sourceMode)
        m_pauseAction->setToolTip(watching
                                      ? tr("Stop building and reloading when sources or plugin "
                                           "files change (cancels a running build)")
                                      : tr("Build and reload on changes again, starting with "
                                           "what changed while paused"));
    else
        m_pauseAction->setToolTip(watching ? tr("Stop reloading when plugin files change")
                                           : tr("Reload on plugin file changes again"));
    updateStatus();
}

void MainWindow::onReloadFinished(const ReloadRecord &record)
{
    setBusy(false);
    m_lastRecord = record;
    if (record.outcome != ReloadOutcome::Skipped) {
        if (record.ok())
            m_previousGraph = std::make_unique<ComponentGraph>(m_graph->graph());
        m_graphRecord = record;
        refreshGraph();
    }
    if (record.ok()) {
        statusBar()->clearMessage(); // an earlier failure's message is history now
        updateRoutes();
        m_inspector->refresh();
        if (m_preview->autoRefresh())
            m_preview->refresh();
    } else if (record.outcome == ReloadOutcome::Failed) {
        QString first
            = record.errors.isEmpty() ? record.decision : record.errors.constFirst().toString();
        if (record.build) {
            // A failed build: its first compiler error says more than "exit code 1".
            for (const Diagnostic &d : record.build->diagnostics) {
                if (d.severity == Diagnostic::Severity::Error && !d.file.isEmpty()) {
                    first = QStringLiteral("%1:%2: %3")
                                .arg(QFileInfo(d.file).fileName())
                                .arg(d.line)
                                .arg(d.message);
                    break;
                }
            }
        }
        statusBar()->showMessage(tr("Reload failed; generation %1 keeps serving: %2")
                                     .arg(record.generationBefore)
                                     .arg(first),
                                 15000);
    } else if (record.outcome == ReloadOutcome::Crashed) {
        statusBar()->showMessage(record.errorText(), 15000);
        // The graph is redrawn when the new host reports its generation.
    }
    updateStatus();
}

void MainWindow::refreshGraph()
{
    const GenerationSnapshot &generation = m_engine->generation();
    if (generation.isEmpty()) {
        if (m_graphRecord)
            m_graph->setGraph(ComponentGraph{});
        return;
    }
    const ReloadRecord *record = m_graphRecord ? &*m_graphRecord : nullptr;
    m_graph->setGraph(ComponentGraph::snapshot(generation.components, generation.edges,
                                               generation.number, record, m_previousGraph.get()));
}

void MainWindow::updateRoutes()
{
    const GenerationSnapshot &generation = m_engine->generation();
    if (generation.isEmpty())
        return;
    QStringList paths;
    for (const ComponentInfo &info : generation.components) {
        for (const QString &route : info.routes) {
            // "GET /path": offer GET routes; a prefix route "/api/*" is offered as "/api/".
            if (!route.startsWith(QLatin1String("GET ")))
                continue;
            QString path = route.mid(4);
            if (path.endsWith(QLatin1Char('*')))
                path.chop(1);
            paths.append(path);
        }
    }
    paths.sort();
    m_preview->setRoutes(paths);
}

void MainWindow::updateStatus()
{
    const GenerationSnapshot &generation = m_engine->generation();
    m_generationLabel->setText(!generation.isEmpty() ? tr("Generation %1").arg(generation.number)
                                                     : tr("No generation"));
    m_componentsLabel->setText(generation.isEmpty() ? QString()
                               : generation.components.size() == 1
                                   ? tr("1 component")
                                   : tr("%1 components").arg(generation.components.size()));
    QString last;
    QString style;
    if (m_lastRecord) {
        const ReloadRecord &r = *m_lastRecord;
        switch (r.outcome) {
        case ReloadOutcome::Succeeded:
            last = tr("Last reload: ok in %1 ms").arg(r.totalMs, 0, 'f', 1);
            if (r.build)
                last += tr(" (built in %1 ms)").arg(qRound(r.build->ms));
            break;
        case ReloadOutcome::Failed:
            last = r.buildFailed()
                       ? tr("Last reload: build FAILED after %1 ms").arg(qRound(r.build->ms))
                       : tr("Last reload: FAILED after %1 ms").arg(r.totalMs, 0, 'f', 1);
            style = QStringLiteral("color: #d32f2f; font-weight: bold;");
            break;
        case ReloadOutcome::Skipped:
            last = tr("Last reload: skipped (%1 ms)").arg(r.totalMs, 0, 'f', 1);
            break;
        case ReloadOutcome::Crashed:
            last = tr("Last reload: plugin host CRASHED (%1)")
                       .arg(r.crash ? r.crash->what() : QString());
            style = QStringLiteral("color: #d32f2f; font-weight: bold;");
            break;
        }
        m_lastReloadLabel->setToolTip(r.ok() ? r.phaseSummary() : r.errorText());
    }
    if (!m_engine->isWatching())
        last += tr(" · watching paused");
    m_lastReloadLabel->setText(last);
    m_lastReloadLabel->setStyleSheet(style);
}

void MainWindow::updateHostState()
{
    const HostProxy::HostState state = m_engine->hostState();
    const bool stopped = state == HostProxy::HostState::Stopped;
    m_hostLabel->setText(stopped ? tr("host STOPPED") : m_engine->hostStateText());
    m_hostLabel->setToolTip(m_engine->hostStateText());
    m_hostLabel->setStyleSheet(stopped ? QStringLiteral("color: #d32f2f; font-weight: bold;")
                                       : QString());
    if (stopped) {
        // A crash loop: say what happened and what to do, where the user looks.
        statusBar()->showMessage(
            tr("%1 — use Restart host when the code is fixed").arg(m_engine->hostStateText()));
    }
}

void MainWindow::onRecordSelected(const ReloadRecord &record)
{
    // The source to show: a diagnostic's file, else a changed source file among the events.
    if (record.build && !record.build->diagnostics.isEmpty()) {
        const QList<Diagnostic> &diagnostics = record.build->diagnostics;
        const Diagnostic *first = &diagnostics.constFirst();
        for (const Diagnostic &d : diagnostics) {
            if (d.severity == Diagnostic::Severity::Error) {
                first = &d;
                break;
            }
        }
        openSource(first->file, first->line);
        return;
    }
    for (const FileEvent &event : record.events) {
        if (isSourceFile(event.path) && QFileInfo(event.path).isFile()) {
            openSource(event.path, 0);
            return;
        }
    }
}

void MainWindow::openSource(const QString &file, int line)
{
    QMap<int, QPair<CodeEditor::Marker, QString>> markers;
    const QString absolute = QFileInfo(file).absoluteFilePath();
    if (m_lastRecord || m_logView->details()->hasRecord()) {
        const int row = m_log->rowOf(m_logView->details()->recordId());
        if (row >= 0) {
            const ReloadRecord &record = m_log->record(row);
            if (record.build) {
                for (const Diagnostic &d : record.build->diagnostics) {
                    if (QFileInfo(d.file).absoluteFilePath() != absolute || d.line <= 0)
                        continue;
                    const CodeEditor::Marker marker = markerFor(d.severity);
                    auto it = markers.find(d.line);
                    if (it == markers.end())
                        markers.insert(d.line, {marker, d.message});
                    else {
                        it->first = std::max(it->first, marker);
                        it->second += QLatin1Char('\n') + d.message;
                    }
                }
            }
        }
    }
    m_source->showFile(file, line, markers);
    showDock(QStringLiteral("sourceDock"));
}

} // namespace qreload::ui
