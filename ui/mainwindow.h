#pragma once

#include <QMainWindow>

namespace qreload::app {
class ReloadEngine;
class PreviewServer;
} // namespace qreload::app

namespace qreload::ui {

/*!
 * The console's main window: toolbar, status bar and the dockable panels (component graph,
 * reload log, source view, preview, timing chart). It only observes and commands the engine and
 * the server; neither is owned.
 */
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(qreload::app::ReloadEngine *engine, qreload::app::PreviewServer *server,
               QWidget *parent = nullptr);
    ~MainWindow() override;

private:
    qreload::app::ReloadEngine *m_engine;
    qreload::app::PreviewServer *m_server;
};

} // namespace qreload::ui
