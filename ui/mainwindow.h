#pragma once

#include "consoletheme.h"
#include "reloadrecord.h"

#include <QMainWindow>

#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QProgressBar;
class QTimer;

namespace qreload::app {
class ReloadEngine;
class PreviewServer;
class ReloadLogModel;
struct ComponentGraph;
} // namespace qreload::app

namespace qreload::ui {

class ComponentGraphView;
class ComponentInspector;
class PreviewPanel;
class ReloadLogView;
class SourceView;
class TimingChart;

/*!
 * The console's main window: toolbar (Reload, Pause/Resume watching, Open project, Settings),
 * the component graph in the centre, dockable panels (inspector, reload log, source, preview,
 * timings) whose layout is remembered with QSettings, and a status bar (generation, component
 * count, last reload, preview URL, busy indicator). It only observes and commands the engine and
 * the server, which it does not own and which must outlive it.
 */
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(qreload::app::ReloadEngine *engine, qreload::app::PreviewServer *server,
               QWidget *parent = nullptr);
    ~MainWindow() override;

    qreload::app::ReloadLogModel *reloadLog() const { return m_log; }
    ComponentGraphView *graphView() const { return m_graph; }
    ComponentInspector *inspector() const { return m_inspector; }
    ReloadLogView *logView() const { return m_logView; }
    SourceView *sourceView() const { return m_source; }
    PreviewPanel *previewPanel() const { return m_preview; }
    TimingChart *timingChart() const { return m_chart; }
    QAction *reloadAction() const { return m_reloadAction; }
    QAction *pauseAction() const { return m_pauseAction; }
    QAction *settingsAction() const { return m_settingsAction; }
    QLabel *generationLabel() const { return m_generationLabel; }
    QLabel *componentsLabel() const { return m_componentsLabel; }
    QLabel *lastReloadLabel() const { return m_lastReloadLabel; }
    QLabel *urlLabel() const { return m_urlLabel; }
    QProgressBar *busyIndicator() const { return m_busy; }

    ConsoleTheme::Mode theme() const { return m_theme; }
    void setTheme(ConsoleTheme::Mode mode);

public Q_SLOTS:
    //! Asks the engine for a reload once control is back in the event loop.
    void requestReload();
    void showSettings();
    void openProject();
    void exportGraph(const QString &format);
    /*!
     * Feeds one line of build output (source mode): ninja's `[n/m]` and make's `[ n%]` move the
     * progress bar. Connect a builder's output signal here.
     */
    void showBuildOutput(const QString &line);
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
    void onWatchingChanged(bool watching);
    void onRecordSelected(const qreload::app::ReloadRecord &record);
    void openSource(const QString &file, int line);
    //! Re-reads the current generation into the graph (states only, unless it changed).
    void refreshGraph();
    void updateStatus();
    void updateRoutes();
    void setBusy(bool busy, const QString &why = {});
    QDockWidget *addDock(const QString &title, const QString &name, QWidget *widget,
                         Qt::DockWidgetArea area);

    qreload::app::ReloadEngine *m_engine;
    qreload::app::PreviewServer *m_server;
    qreload::app::ReloadLogModel *m_log;

    ComponentGraphView *m_graph = nullptr;
    ComponentInspector *m_inspector = nullptr;
    ReloadLogView *m_logView = nullptr;
    SourceView *m_source = nullptr;
    PreviewPanel *m_preview = nullptr;
    TimingChart *m_chart = nullptr;

    QAction *m_reloadAction = nullptr;
    QAction *m_pauseAction = nullptr;
    QAction *m_openAction = nullptr;
    QAction *m_settingsAction = nullptr;
    QAction *m_fitAction = nullptr;
    QMenu *m_viewMenu = nullptr;

    QLabel *m_generationLabel = nullptr;
    QLabel *m_componentsLabel = nullptr;
    QLabel *m_lastReloadLabel = nullptr;
    QLabel *m_urlLabel = nullptr;
    QLabel *m_busyLabel = nullptr;
    QProgressBar *m_busy = nullptr;
    QTimer *m_busyTimeout = nullptr;

    //! The record the graph's badges come from (the last reload that was not skipped).
    std::optional<qreload::app::ReloadRecord> m_graphRecord;
    //! The graph before that reload, for components it removed.
    std::unique_ptr<qreload::app::ComponentGraph> m_previousGraph;
    std::optional<qreload::app::ReloadRecord> m_lastRecord;
    ConsoleTheme::Mode m_theme = ConsoleTheme::Mode::System;
    bool m_buildRunning = false;
};

} // namespace qreload::ui
