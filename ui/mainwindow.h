#pragma once

#include "buildprogress.h"
#include "consoletheme.h"
#include "reloadrecord.h"

#include <QMainWindow>
#include <QPointer>

#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QProgressBar;
class QTimer;

namespace qreload::app {
class HostProxy;
class ReloadLogModel;
class SourceMode;
struct ComponentGraph;
} // namespace qreload::app

namespace qreload::ui {

class BuildOutputView;
class ComponentGraphView;
class ComponentInspector;
class GraphSearchBar;
class PreviewPanel;
class ReloadLogView;
class SourceView;
class TimingChart;

/*!
 * The console's main window: toolbar (Reload, Reload all, Pause/Resume watching, Open project,
 * Settings), the component graph in the centre, dockable panels (inspector, reload log, source,
 * preview, timings, build output) whose layout is remembered with QSettings, and a status bar
 * (generation, component count, last reload, preview URL, busy indicator with a build's
 * progress). It only observes and commands the engine, the server and (in source mode) the
 * SourceMode, which it does not own and which must outlive it.
 */
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(qreload::app::HostProxy *engine, QWidget *parent = nullptr);
    ~MainWindow() override;

    /*!
     * Source mode: shows its builds (progress in the status bar, output in the Build panel),
     * pauses it with the engine and lets Settings change its build command and quiet period.
     * Attach before SourceMode::start(), so the start-up build is shown too. Null detaches.
     */
    void attachSourceMode(qreload::app::SourceMode *sourceMode);
    qreload::app::SourceMode *sourceMode() const;

    qreload::app::ReloadLogModel *reloadLog() const { return m_log; }
    ComponentGraphView *graphView() const { return m_graph; }
    //! The graph's search box (Ctrl+F).
    GraphSearchBar *graphSearch() const { return m_graphSearch; }
    ComponentInspector *inspector() const { return m_inspector; }
    ReloadLogView *logView() const { return m_logView; }
    SourceView *sourceView() const { return m_source; }
    PreviewPanel *previewPanel() const { return m_preview; }
    TimingChart *timingChart() const { return m_chart; }
    BuildOutputView *buildOutputView() const { return m_buildView; }
    QAction *reloadAction() const { return m_reloadAction; }
    //! Rebuilds every plugin and component from scratch (ReloadScope::All), Ctrl+Shift+R.
    QAction *reloadAllAction() const { return m_reloadAllAction; }
    //! Starts a new plugin host on the current files (after a crash loop, or to drop its state).
    QAction *restartHostAction() const { return m_restartHostAction; }
    QLabel *hostLabel() const { return m_hostLabel; }
    QAction *pauseAction() const { return m_pauseAction; }
    QAction *settingsAction() const { return m_settingsAction; }
    QLabel *generationLabel() const { return m_generationLabel; }
    QLabel *componentsLabel() const { return m_componentsLabel; }
    QLabel *lastReloadLabel() const { return m_lastReloadLabel; }
    QLabel *urlLabel() const { return m_urlLabel; }
    QProgressBar *busyIndicator() const { return m_busy; }
    //! Beside the busy indicator: what is going on ("Building 3/10", "Reloading…").
    QLabel *busyLabel() const { return m_busyLabel; }
    bool isBuildRunning() const { return m_buildRunning; }

    ConsoleTheme::Mode theme() const { return m_theme; }
    void setTheme(ConsoleTheme::Mode mode);
    /*!
     * The qreload command line that opens `dir` in a new window: a project when it holds a
     * qreload.json (source mode, its own settings), else a plugin folder on a free port.
     */
    static QStringList openArguments(const QString &dir);

public Q_SLOTS:
    //! Asks the engine for a reload once control is back in the event loop.
    void requestReload(qreload::app::ReloadScope scope = qreload::app::ReloadScope::Changed);
    void showSettings();
    void openProject();
    void exportGraph(const QString &format);
    /*!
     * Feeds one line of build output (attachSourceMode() connects it): it goes to the Build
     * panel, and ninja's `[n/m]` and make's `[ n%]` move the progress bar.
     */
    void showBuildOutput(const QString &line);
    //! Shows (or ends) the status bar's build indicator; a reload's indicator does not end it.
    void setBuildRunning(bool running);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createDocks();
    void createStatusBar();
    void restoreLayout();
    void saveLayout();

    void onReloadStarted();
    void onReloadFinished(const qreload::app::ReloadRecord &record);
    void onFileEvent(const qreload::app::FileEvent &event);
    void onBuildStarted(const QString &commandLine, const QStringList &changedFiles);
    void onBuildFinished(const qreload::app::BuildInfo &info);
    void showDock(const QString &name);
    void onWatchingChanged(bool watching);
    void onRecordSelected(const qreload::app::ReloadRecord &record);
    void openSource(const QString &file, int line);
    //! Re-reads the current generation into the graph (states only, unless it changed).
    void refreshGraph();
    void updateStatus();
    void updateRoutes();
    //! A short activity ("Reloading…"): shown until it ends, or for 5 s, unless a build runs.
    void setBusy(bool busy, const QString &why = {});
    void updateBusyIndicator();
    QDockWidget *addDock(const QString &title, const QString &name, QWidget *widget,
                         Qt::DockWidgetArea area);

    qreload::app::HostProxy *m_engine;
    qreload::app::ReloadLogModel *m_log;
    QPointer<qreload::app::SourceMode> m_sourceMode;

    ComponentGraphView *m_graph = nullptr;
    GraphSearchBar *m_graphSearch = nullptr;
    ComponentInspector *m_inspector = nullptr;
    ReloadLogView *m_logView = nullptr;
    SourceView *m_source = nullptr;
    PreviewPanel *m_preview = nullptr;
    TimingChart *m_chart = nullptr;
    BuildOutputView *m_buildView = nullptr;

    QAction *m_reloadAction = nullptr;
    QAction *m_reloadAllAction = nullptr;
    QAction *m_pauseAction = nullptr;
    QAction *m_openAction = nullptr;
    QAction *m_settingsAction = nullptr;
    QAction *m_fitAction = nullptr;
    QAction *m_restartHostAction = nullptr;
    QMenu *m_viewMenu = nullptr;

    QLabel *m_generationLabel = nullptr;
    QLabel *m_componentsLabel = nullptr;
    QLabel *m_lastReloadLabel = nullptr;
    QLabel *m_urlLabel = nullptr;
    QLabel *m_busyLabel = nullptr;
    QLabel *m_hostLabel = nullptr;
    void updateHostState();
    QProgressBar *m_busy = nullptr;
    QTimer *m_busyTimeout = nullptr;
    QTimer *m_progressUpdate = nullptr; //!< at most 20 progress updates a second

    //! The record the graph's badges come from (the last reload that was not skipped).
    std::optional<qreload::app::ReloadRecord> m_graphRecord;
    //! The graph before that reload, for components it removed.
    std::unique_ptr<qreload::app::ComponentGraph> m_previousGraph;
    std::optional<qreload::app::ReloadRecord> m_lastRecord;
    ConsoleTheme::Mode m_theme = ConsoleTheme::Mode::System;
    bool m_buildRunning = false;
    std::optional<qreload::app::BuildProgress> m_buildProgress;
    QString m_activity; //!< what setBusy() shows while no build runs
};

} // namespace qreload::ui
