// The console on real fixture plugins: a user's clicks and file replacements, and what the
// window then shows.
#include "pluginfolder.h"

#include <codeeditor.h>
#include <componentgraphview.h>
#include <componentinspector.h>
#include <componentnodeitem.h>
#include <mainwindow.h>
#include <previewpanel.h>
#include <previewserver.h>
#include <reloaddetailsview.h>
#include <reloadengine.h>
#include <reloadlogmodel.h>
#include <reloadlogview.h>
#include <settingsdialog.h>
#include <sourcehighlighter.h>
#include <sourceview.h>

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QLabel>
#include <QListWidget>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSpinBox>
#include <QTableView>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>

using namespace qreload;
using namespace qreload::app;
using namespace qreload::ui;

namespace {

const QString ServiceKey = QStringLiteral("app.services.MyService");

QWidget *buttonFor(QMainWindow *window, QAction *action)
{
    for (QToolBar *toolbar : window->findChildren<QToolBar *>()) {
        if (QWidget *button = toolbar->widgetForAction(action))
            return button;
    }
    return nullptr;
}

} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void showsTheFirstGenerationEverywhere();
    void clickingReloadAddsARowAndIncrementsTheGeneration();
    void replacingThePluginWithV2UpdatesGraphLogAndPreview();
    void brokenPluginMakesAFailedRowAndKeepsTheOldGeneration();
    void sourceViewShowsHighlightedTextWithDiagnosticMarkers();
    void pauseAndResumeWatching();
    void settingsApplyTheQuietPeriod();
    void dockLayoutIsRemembered();
    void uiThreadNeverStallsDuringReloads();

private:
    void start(const char *variant = "greeter_v1");
    void ignoreFailureWarnings();
    int rows() const { return m_window->reloadLog()->rowCount(); }
    const ReloadRecord &lastRecord() const
    {
        return m_window->reloadLog()->record(m_window->reloadLog()->rowCount() - 1);
    }

    std::unique_ptr<PluginFolder> m_folder;
    std::unique_ptr<ReloadEngine> m_engine;
    std::unique_ptr<PreviewServer> m_server;
    std::unique_ptr<MainWindow> m_window;
};

void tst_MainWindow::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("qreload-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
}

void tst_MainWindow::init()
{
    QSettings().clear();
    m_folder = std::make_unique<PluginFolder>();
}

void tst_MainWindow::cleanup()
{
    m_window.reset();
    m_server.reset();
    m_engine.reset();
    m_folder.reset();
}

void tst_MainWindow::start(const char *variant)
{
    m_folder->putFixture(variant);
    ReloadEngine::Options options;
    options.pluginDirs = {m_folder->path()};
    options.quietPeriodMs = 30;
    m_engine = std::make_unique<ReloadEngine>(options);
    m_server = std::make_unique<PreviewServer>(m_engine.get());
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    // As the composition root does: the window exists before the first generation.
    m_window = std::make_unique<MainWindow>(m_engine.get(), m_server.get());
    m_engine->start();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void tst_MainWindow::ignoreFailureWarnings()
{
    // The engine logs each failed reload once (qreload.reload).
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(
                                           "reload \\d+ failed:.*database unreachable")));
}

void tst_MainWindow::showsTheFirstGenerationEverywhere()
{
    start();
    QTRY_COMPARE(m_window->generationLabel()->text(), QStringLiteral("Generation 1"));
    QCOMPARE(m_window->componentsLabel()->text(), QStringLiteral("1 component(s)"));
    QTRY_COMPARE(rows(), 1);
    QCOMPARE(lastRecord().cause, ReloadCause::Startup);
    QVERIFY(m_window->lastReloadLabel()->text().contains(QStringLiteral("ok")));
    QVERIFY(m_window->urlLabel()->text().contains(m_server->url().toString()));

    QTRY_VERIFY(m_window->graphView()->nodeItem(ServiceKey));
    ComponentNodeItem *node = m_window->graphView()->nodeItem(ServiceKey);
    QVERIFY(node->node().created);
    QVERIFY(node->badges().isEmpty()); // nothing is "new" in the first generation
    QVERIFY(node->toolTip().contains(QStringLiteral("greeter.so")));

    QTRY_VERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Hello, Version 1!")));
    QCOMPARE(m_window->previewPanel()->lastStatus(), 200);
    QCOMPARE(m_window->previewPanel()->lastGeneration(), 1u);
    QVERIFY(m_window->previewPanel()->bodyView()->toPlainText().contains(
        QStringLiteral("Hello, Version 1!")));

    // Clicking the node shows it in the inspector, with the live property value.
    QGraphicsView *view = m_window->graphView();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
                      view->mapFromScene(node->sceneBoundingRect().center()));
    QTRY_COMPARE(m_window->inspector()->key(), ServiceKey);
    QCOMPARE(m_window->inspector()->propertyValue(QStringLiteral("greeting")),
             QStringLiteral("Hello, Version 1!"));
}

void tst_MainWindow::clickingReloadAddsARowAndIncrementsTheGeneration()
{
    start();
    QTRY_COMPARE(rows(), 1);
    QWidget *button = buttonFor(m_window.get(), m_window->reloadAction());
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE(rows(), 2);
    QCOMPARE(lastRecord().cause, ReloadCause::Manual);
    QCOMPARE(lastRecord().outcome, ReloadOutcome::Succeeded);
    QCOMPARE(m_engine->generationNumber(), 2u);
    QTRY_COMPARE(m_window->generationLabel()->text(), QStringLiteral("Generation 2"));
    // The new row is selected and its details shown.
    QTRY_COMPARE(m_window->logView()->details()->recordId(), lastRecord().id);
    QTRY_COMPARE(m_window->previewPanel()->lastGeneration(), 2u);

    // Ctrl+R does the same.
    QTest::keyClick(m_window.get(), Qt::Key_R, Qt::ControlModifier);
    QTRY_COMPARE(rows(), 3);
    QTRY_COMPARE(m_window->generationLabel()->text(), QStringLiteral("Generation 3"));
}

void tst_MainWindow::replacingThePluginWithV2UpdatesGraphLogAndPreview()
{
    start();
    QTRY_VERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Version 1")));
    // An editor's atomic save: a temporary file renamed over the watched one.
    m_folder->putFixture("greeter_v2", PluginFolder::Write::Rename);

    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->previewPanel()->lastBody().contains(QStringLiteral("This is Version 2!")), 10000);
    QCOMPARE(m_window->previewPanel()->lastGeneration(), 2u);
    QVERIFY(
        m_window->previewPanel()->bodyView()->toPlainText().contains(QStringLiteral("Version 2")));

    QCOMPARE(lastRecord().outcome, ReloadOutcome::Succeeded);
    QCOMPARE(lastRecord().cause, ReloadCause::Files);
    const int row = rows() - 1;
    QCOMPARE(m_window->reloadLog()->index(row, ReloadLogModel::Cause).data().toString(),
             QStringLiteral("greeter.so"));
    QCOMPARE(m_window->reloadLog()->index(row, ReloadLogModel::Generation).data().toString(),
             QStringLiteral("2"));

    QTRY_COMPARE(m_window->graphView()->graph().generation, 2u);
    QTRY_VERIFY(m_window->graphView()->nodeItem(ServiceKey));
    ComponentNodeItem *node = m_window->graphView()->nodeItem(ServiceKey);
    QVERIFY(node->node().changed);
    QVERIFY(node->badges().contains(QStringLiteral("CHANGED")));

    m_window->graphView()->selectComponent(ServiceKey);
    QTRY_COMPARE(m_window->inspector()->propertyValue(QStringLiteral("greeting")),
                 QStringLiteral("This is Version 2!"));
    QTRY_COMPARE(m_window->generationLabel()->text(), QStringLiteral("Generation 2"));
}

void tst_MainWindow::brokenPluginMakesAFailedRowAndKeepsTheOldGeneration()
{
    start();
    QTRY_VERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Version 1")));
    QTRY_VERIFY(m_window->graphView()->nodeItem(ServiceKey));
    const int before = rows();
    ignoreFailureWarnings();
    m_folder->putFixture("greeter_throws", PluginFolder::Write::Linker);

    QTRY_VERIFY_WITH_TIMEOUT(rows() > before && lastRecord().outcome == ReloadOutcome::Failed,
                             10000);
    const int row = rows() - 1;
    QCOMPARE(m_window->reloadLog()->index(row, ReloadLogModel::Outcome).data().toString(),
             QStringLiteral("failed"));
    QVERIFY(m_window->reloadLog()
                ->index(row, 0)
                .data(ReloadLogModel::ErrorTextRole)
                .toString()
                .contains(QStringLiteral("database unreachable")));
    QTRY_COMPARE(m_window->logView()->details()->recordId(), lastRecord().id);
    QVERIFY(m_window->logView()->details()->summary()->toPlainText().contains(
        QStringLiteral("database unreachable")));
    QVERIFY(m_window->lastReloadLabel()->text().contains(QStringLiteral("FAILED")));

    // The old generation is still what the graph and the preview show, and it still serves.
    QCOMPARE(m_engine->generationNumber(), 1u);
    QCOMPARE(m_window->generationLabel()->text(), QStringLiteral("Generation 1"));
    QCOMPARE(m_window->graphView()->graph().generation, 1u);
    QTRY_VERIFY(m_window->graphView()->nodeItem(ServiceKey)->node().failed);
    ComponentNodeItem *node = m_window->graphView()->nodeItem(ServiceKey);
    QVERIFY(node->node().created);
    QVERIFY(node->badges().contains(QStringLiteral("FAILED")));
    QVERIFY(node->toolTip().contains(QStringLiteral("database unreachable")));

    m_window->previewPanel()->refresh();
    QTRY_VERIFY(!m_window->previewPanel()->isLoading());
    QCOMPARE(m_window->previewPanel()->lastStatus(), 200);
    QCOMPARE(m_window->previewPanel()->lastGeneration(), 1u);
    QVERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Hello, Version 1!")));
}

void tst_MainWindow::sourceViewShowsHighlightedTextWithDiagnosticMarkers()
{
    if (SourceHighlighter::toolPath().isEmpty())
        QSKIP("kate-syntax-highlighter is not installed (libkf5syntaxhighlighting-tools)");
    start();
    QTRY_COMPARE(rows(), 1);
    // A failed source-mode build as the builder reports it: diagnostics point into a source.
    const QString source = QStringLiteral(QRELOAD_FIXTURE_SOURCES "/greeter/greeter.cpp");
    ReloadRecord record;
    record.id = 1000;
    record.startedAt = QDateTime::currentDateTime();
    record.cause = ReloadCause::Files;
    record.outcome = ReloadOutcome::Failed;
    record.generationBefore = record.generationAfter = 1;
    record.events
        = {FileEvent{QDateTime::currentDateTime(), source, QStringLiteral("file changed")}};
    BuildInfo build;
    build.command = QStringLiteral("cmake --build build --target greeter");
    build.exitCode = 1;
    build.output = source + QStringLiteral(":12:5: error: expected ';' after class");
    build.diagnostics = {Diagnostic{source, 12, 5, Diagnostic::Severity::Error,
                                    QStringLiteral("expected ';' after class")},
                         Diagnostic{source, 18, 1, Diagnostic::Severity::Warning,
                                    QStringLiteral("unused variable")}};
    record.build = build;
    m_window->reloadLog()->append(record);

    // The log follows the new row; its first error opens the source at its line.
    SourceView *view = m_window->sourceView();
    QTRY_COMPARE(view->currentPath(), source);
    QTRY_VERIFY_WITH_TIMEOUT(!view->isLoading(), 20000);
    QVERIFY2(view->source().highlighted, qPrintable(view->source().notice));
    CodeEditor *editor = view->editor();
    QCOMPARE(editor->textCursor().blockNumber() + 1, 12);
    QCOMPARE(editor->markers().size(), 2);
    QCOMPARE(editor->markers().value(12).first, CodeEditor::Marker::Error);
    QCOMPARE(editor->markers().value(18).first, CodeEditor::Marker::Warning);

    // Real colours on real text: the comment on line 1 and the keyword "class" differ from the
    // editor's plain text colour and from each other.
    const QColor plain = editor->palette().color(QPalette::Text);
    const auto colourAt = [editor](int line, const QString &word) -> QColor {
        const QTextBlock block = editor->document()->findBlockByNumber(line - 1);
        const int at = block.text().indexOf(word);
        if (at < 0)
            return {};
        for (const QTextLayout::FormatRange &range : block.layout()->formats()) {
            if (range.start <= at && at < range.start + range.length
                && range.format.hasProperty(QTextFormat::ForegroundBrush))
                return range.format.foreground().color();
        }
        return {};
    };
    const QTextBlock first = editor->document()->findBlockByNumber(0);
    QVERIFY(first.text().startsWith(QStringLiteral("//")));
    const QColor comment = colourAt(1, QStringLiteral("//"));
    int classLine = 0;
    for (QTextBlock b = editor->document()->begin(); b.isValid(); b = b.next()) {
        if (b.text().startsWith(QStringLiteral("class "))) {
            classLine = b.blockNumber() + 1;
            break;
        }
    }
    QVERIFY(classLine > 0);
    const QColor keyword = colourAt(classLine, QStringLiteral("class"));
    bool keywordStyled = keyword.isValid() && keyword != plain;
    if (!keywordStyled) {
        // Some themes set keywords bold in the text colour rather than coloured.
        const QTextBlock block = editor->document()->findBlockByNumber(classLine - 1);
        for (const QTextLayout::FormatRange &range : block.layout()->formats())
            keywordStyled |= range.start == 0 && range.format.fontWeight() >= QFont::Bold;
    }
    QVERIFY2(comment.isValid(), "the comment has no foreground colour");
    QVERIFY(comment != plain);
    QVERIFY(keywordStyled);

    // Clicking the warning in the details opens it at its line.
    QListWidget *diagnostics = m_window->logView()->details()->diagnostics();
    QCOMPARE(diagnostics->count(), 2);
    m_window->logView()->details()->setCurrentIndex(ReloadDetailsView::DiagnosticsTab);
    QTRY_VERIFY(diagnostics->isVisible());
    const QRect itemRect = diagnostics->visualItemRect(diagnostics->item(1));
    QTest::mouseClick(diagnostics->viewport(), Qt::LeftButton, {}, itemRect.center());
    QTRY_COMPARE(editor->textCursor().blockNumber() + 1, 18);
}

void tst_MainWindow::pauseAndResumeWatching()
{
    start();
    QTRY_VERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Version 1")));
    QWidget *pause = buttonFor(m_window.get(), m_window->pauseAction());
    QVERIFY(pause);
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(!m_engine->isWatching());
    QCOMPARE(m_window->pauseAction()->text(), QStringLiteral("&Resume watching"));
    QVERIFY(m_window->lastReloadLabel()->text().contains(QStringLiteral("paused")));

    m_folder->putFixture("greeter_v2", PluginFolder::Write::Rename);
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(m_engine->isWatching());
    QCOMPARE(m_window->pauseAction()->text(), QStringLiteral("&Pause watching"));
    // What changed while paused is picked up on resume.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->previewPanel()->lastBody().contains(QStringLiteral("Version 2")), 10000);
}

void tst_MainWindow::settingsApplyTheQuietPeriod()
{
    start();
    m_window->settingsAction()->trigger();
    QPointer<SettingsDialog> dialog = m_window->findChild<SettingsDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    dialog->quietPeriodField()->setValue(321);
    dialog->themeField()->setCurrentIndex(
        dialog->themeField()->findData(int(ConsoleTheme::Mode::Dark)));
    QCOMPARE(m_engine->quietPeriodMs(), 30); // nothing applies before Apply or OK
    auto *buttons = dialog->findChild<QDialogButtonBox *>();
    QTest::mouseClick(buttons->button(QDialogButtonBox::Apply), Qt::LeftButton);
    QCOMPARE(m_engine->quietPeriodMs(), 321);
    QCOMPARE(m_window->theme(), ConsoleTheme::Mode::Dark);
    QVERIFY(ConsoleTheme::isDark(QApplication::palette()));

    dialog->quietPeriodField()->setValue(200);
    dialog->themeField()->setCurrentIndex(
        dialog->themeField()->findData(int(ConsoleTheme::Mode::System)));
    QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QCOMPARE(m_engine->quietPeriodMs(), 200);
    QCOMPARE(m_window->theme(), ConsoleTheme::Mode::System);
    QTRY_VERIFY(dialog.isNull()); // closed and deleted
}

void tst_MainWindow::dockLayoutIsRemembered()
{
    start();
    auto *timings = m_window->findChild<QDockWidget *>(QStringLiteral("timingsDock"));
    QVERIFY(timings);
    QVERIFY(timings->isVisible());
    timings->hide();
    m_window->close();
    m_window.reset();

    m_window = std::make_unique<MainWindow>(m_engine.get(), m_server.get());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    timings = m_window->findChild<QDockWidget *>(QStringLiteral("timingsDock"));
    QVERIFY(!timings->isVisible());
    QVERIFY(m_window->findChild<QDockWidget *>(QStringLiteral("reloadLogDock"))->isVisible());
}

void tst_MainWindow::uiThreadNeverStallsDuringReloads()
{
    start();
    QTRY_VERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Version 1")));
    QTRY_VERIFY(!m_window->graphView()->isLayingOut());

    // A 1 ms timer measures the longest time the event loop was away while plugins are
    // replaced: the whole reload (stage, load, swap, unload) plus the console's updates.
    QElapsedTimer clock;
    qint64 last = 0;
    qint64 worst = 0;
    QTimer probe;
    probe.setInterval(1);
    connect(&probe, &QTimer::timeout, this, [&] {
        const qint64 now = clock.nsecsElapsed();
        worst = std::max(worst, now - last);
        last = now;
    });
    QList<double> worstPerReload;
    for (int i = 0; i < 6; ++i) {
        const bool v2 = i % 2 == 0;
        const int before = rows();
        clock.start();
        last = 0;
        worst = 0;
        probe.start();
        m_folder->putFixture(v2 ? "greeter_v2" : "greeter_v1", PluginFolder::Write::Rename);
        QTRY_VERIFY_WITH_TIMEOUT(
            rows() > before && !m_window->previewPanel()->isLoading()
                && !m_window->graphView()->isLayingOut()
                && m_window->previewPanel()->lastBody().contains(v2 ? QStringLiteral("Version 2")
                                                                    : QStringLiteral("Version 1")),
            10000);
        probe.stop();
        worstPerReload.append(worst / 1e6);
    }
    std::sort(worstPerReload.begin(), worstPerReload.end());
    const double median = worstPerReload.at(worstPerReload.size() / 2);
    qInfo("longest UI-thread stall per greeter reload (ms, sorted): %s", qPrintable([&] {
              QStringList parts;
              for (double ms : worstPerReload)
                  parts.append(QString::number(ms, 'f', 1));
              return parts.join(QStringLiteral(", "));
          }()));
    // The median, so one descheduling by a busy machine does not decide the result.
    QVERIFY2(median < 50, qPrintable(QStringLiteral("median stall %1 ms").arg(median)));
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
