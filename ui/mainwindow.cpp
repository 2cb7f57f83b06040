#include "mainwindow.h"

namespace qreload::ui {

MainWindow::MainWindow(qreload::app::ReloadEngine *engine, qreload::app::PreviewServer *server,
                       QWidget *parent)
    : QMainWindow(parent)
    , m_engine(engine)
    , m_server(server)
{
    setWindowTitle(tr("qreload"));
}

MainWindow::~MainWindow() = default;

} // namespace qreload::ui
