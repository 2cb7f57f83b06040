// The console on real fixture plugins: a user's clicks and file replacements, and what the
// window then shows. In source mode the "build" is a shell script that prints ninja's progress,
// waits until the test lets it go on, and copies a prebuilt fixture plugin (tests/app/
// tst_sourcemode.cpp does the same without the window; tests/e2e runs the real compiler).
#include "pluginfolder.h"
#include "scriptedproject.h"

#include <buildoutputview.h>
#include <codeeditor.h>
#include <componentgraphview.h>
#include <componentinspector.h>
#include <componentnodeitem.h>
#include <hostproxy.h>
#include <mainwindow.h>
#include <previewpanel.h>
#include <projectconfig.h>
#include <reloaddetailsview.h>
#include <reloadlogmodel.h>
#include <reloadlogview.h>
#include <settingsdialog.h>
#include <sourcehighlighter.h>
#include <sourcemode.h>
#include <sourceview.h>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
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

// The source-mode build: ninja's progress lines, a compiler error when the source says "broken",
// and otherwise a wait for the file "go" (the test decides how long the build runs) before the
// link, which copies the fixture plugin the source names (v1 or v2) into the plugin folder.
const char BuildScript[] = R"(#!/bin/sh
src=$(cat src/greeter.cpp)
echo "[1/2] Building CXX object CMakeFiles/greeter.dir/greeter.cpp.o"
case "$src" in *broken*)
  echo "$PWD/src/greeter.cpp:3:5: error: expected ';' before '}' token"
  echo "ninja: build stopped: subcommand failed."
  exit 1;;
esac
while [ ! -e go ]; do sleep 0.01; done
rm -f go
echo "[2/2] Linking CXX shared module greeter.so"
v=$(echo "$src" | grep -o 'v[0-9]' | head -n 1)
cp "@FIXTURES@/greeter_$v/greeter_$v.so" plugins/.greeter.so.tmp
mv plugins/.greeter.so.tmp plugins/greeter.so
)";

// Another build command, for Settings: no waiting, always version 2.
const char OtherBuildScript[] = R"(#!/bin/sh
echo "[1/1] the other build"
cp "@FIXTURES@/greeter_v2/greeter_v2.so" plugins/.greeter.so.tmp
mv plugins/.greeter.so.tmp plugins/greeter.so
)";

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(f.errorString()));
    QCOMPARE(f.write(bytes), bytes.size());
}

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
    void reloadAllRebuildsEverything();
    void replacingThePluginWithV2UpdatesGraphLogAndPreview();
    void brokenPluginMakesAFailedRowAndKeepsTheOldGeneration();
    void crashingPluginShowsTheCrashAndTheOldCodeServesAgain();
    void sourceViewShowsHighlightedTextWithDiagnosticMarkers();
    void pauseAndResumeWatching();
    void settingsApplyTheQuietPeriod();
    void dockLayoutIsRemembered();
    void consecutiveReloadsEachUpdateTheWindow();
    void copiesTheSessionTokenAndAReloadCommand();
    void openProjectOpensAProjectOrAPluginFolder();
    void inspectorShowsALazyComponentsClassWithoutCreatingIt();

    void sourceBuildShowsProgressAndOutputThenReloads();
    void failedSourceBuildShowsItsOutputAndClickableDiagnostics();
    void pauseCancelsARunningBuildAndResumeBuildsOnce();
    void settingsChangeTheBuildCommandAndQuietPeriod();

private:
    void start(const char *variant = "greeter_v1");
    //! The console in source mode on a temporary project (src/, plugins/, build.sh).
    void startSourceMode();
    QString projectPath(const QString &relative) const { return m_project->filePath(relative); }
    //! Lets the waiting build script go on to its link.
    void letBuildFinish() { writeFile(projectPath(QStringLiteral("go")), ""); }
    void editSource(const QByteArray &text)
    {
        writeFile(projectPath(QStringLiteral("src/greeter.cpp")), text);
    }
    int rows() const { return m_window->reloadLog()->rowCount(); }
    const ReloadRecord &lastRecord() const
    {
        return m_window->reloadLog()->record(m_window->reloadLog()->rowCount() - 1);
    }

    std::unique_ptr<PluginFolder> m_folder;
    std::unique_ptr<QTemporaryDir> m_project;
    //! The supervisor's stand-in for a real qreload-host child process.
    std::unique_ptr<HostProxy> m_engine;
    void startHost(const QStringList &pluginDirs);
    std::unique_ptr<SourceMode> m_sourceMode;
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
    m_sourceMode.reset();
    m_engine.reset();
    m_project.reset();
    m_folder.reset();
}

void tst_MainWindow::startHost(const QStringList &pluginDirs)
{
    HostProxy::Options options;
    options.pluginDirs = pluginDirs;
    options.quietPeriodMs = 30;
    options.hostExecutable = QStringLiteral(QRELOAD_HOST_BINARY);
    m_engine = std::make_unique<HostProxy>(options);
    QString error;
    QVERIFY2(m_engine->listen(&error), qPrintable(error));
}

void tst_MainWindow::start(const char *variant)
{
    m_folder->putFixture(variant);
    startHost({m_folder->path()});
    // As the composition root does: the window exists before the first generation.
    m_window = std::make_unique<MainWindow>(m_engine.get());
    m_engine->start();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(!m_engine->history().isEmpty(), 15000);
}

void tst_MainWindow::startSourceMode()
{
    m_project = std::make_unique<QTemporaryDir>();
    QVERIFY(m_project->isValid());
    QVERIFY(QDir(m_project->path()).mkpath(QStringLiteral("src")));
    QVERIFY(QDir(m_project->path()).mkpath(QStringLiteral("plugins")));
    for (const auto &[name, script] :
         {std::pair{"build.sh", BuildScript}, std::pair{"other.sh", OtherBuildScript}}) {
        QByteArray text(script);
        text.replace("@FIXTURES@", QByteArray(QRELOAD_FIXTURES_DIR));
        writeFile(projectPath(QLatin1String(name)), text);
    }
    editSource("// v1\n");
    QVERIFY(QFile::copy(fixtures::plugin("greeter_v1"),
                        projectPath(QStringLiteral("plugins/greeter.so"))));

    const ProjectConfig config = scriptedProject(m_project->path());

    startHost(config.pluginDirs);
    m_sourceMode = std::make_unique<SourceMode>(m_engine.get(), config);
    m_sourceMode->setGracePeriodMs(300);
    // As the composition root does: attached before anything starts.
    m_window = std::make_unique<MainWindow>(m_engine.get());
    m_window->attachSourceMode(m_sourceMode.get());
    m_engine->start();
    m_sourceMode->start(false);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Version 1")));
}

void tst_MainWindow::showsTheFirstGenerationEverywhere()
{
    start();
    QTRY_COMPARE(m_window->generationLabel()->text(), QStringLiteral("Generation 1"));
    QCOMPARE(m_window->componentsLabel()->text(), QStringLiteral("1 component"));
    QTRY_COMPARE(rows(), 1);
    QCOMPARE(lastRecord().cause, ReloadCause::Startup);
    QVERIFY(m_window->lastReloadLabel()->text().contains(QStringLiteral("ok")));
    QVERIFY(m_window->urlLabel()->text().contains(m_engine->url().toString()));

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
    // Properties come from the host, asynchronously.
    QTRY_COMPARE(m_window->inspector()->propertyValue(QStringLiteral("greeting")),
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

void tst_MainWindow::reloadAllRebuildsEverything()
{
    start();
    QTRY_COMPARE(rows(), 1);
    // A toolbar button beside Reload, and Ctrl+Shift+R.
    QWidget *button = buttonFor(m_window.get(), m_window->reloadAllAction());
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE(rows(), 2);
    QCOMPARE(lastRecord().cause, ReloadCause::Manual);
    QCOMPARE(lastRecord().scope, ReloadScope::All);
    QCOMPARE(lastRecord().outcome, ReloadOutcome::Succeeded);
    QVERIFY(lastRecord().kept.isEmpty());
    QTRY_COMPARE(m_window->logView()->details()->recordId(), lastRecord().id);
    QVERIFY(m_window->logView()->details()->summary()->toPlainText().contains(
        QStringLiteral("every plugin and component rebuilt")));

    QTest::keyClick(m_window.get(), Qt::Key_R, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_COMPARE(rows(), 3);
    QCOMPARE(lastRecord().scope, ReloadScope::All);
    // Plain Reload stays a reload of what changed.
    QTest::keyClick(m_window.get(), Qt::Key_R, Qt::ControlModifier);
    QTRY_COMPARE(rows(), 4);
    QCOMPARE(lastRecord().scope, ReloadScope::Changed);
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

void tst_MainWindow::crashingPluginShowsTheCrashAndTheOldCodeServesAgain()
{
    start();
    QTRY_VERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Version 1")));
    const qint64 firstHost = m_engine->hostPid();
    QVERIFY(m_window->hostLabel()->text().contains(QString::number(firstHost)));
    m_folder->putFixture("crash_null_ctor", PluginFolder::Write::Linker);

    // A crashed row with the signal, and its details with the backtrace.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int row = 0; row < rows(); ++row) {
                if (m_window->reloadLog()->record(row).outcome == ReloadOutcome::Crashed)
                    return true;
            }
            return false;
        }(),
        15000);
    int crashed = 0;
    while (m_window->reloadLog()->record(crashed).outcome != ReloadOutcome::Crashed)
        ++crashed;
    QCOMPARE(m_window->reloadLog()->index(crashed, ReloadLogModel::Outcome).data().toString(),
             QStringLiteral("crashed"));
    m_window->logView()->selectRecord(m_window->reloadLog()->record(crashed).id);
    QTRY_COMPARE(m_window->logView()->details()->recordId(),
                 m_window->reloadLog()->record(crashed).id);
    const QString details = m_window->logView()->details()->summary()->toPlainText();
    QVERIFY2(details.contains(QStringLiteral("SIGSEGV")), qPrintable(details));
    QVERIFY2(details.contains(QStringLiteral("Backtrace")), qPrintable(details));
    QVERIFY2(details.contains(QStringLiteral("MyService::MyService")), qPrintable(details));

    // A new host serves the old code again, and the console says which host runs.
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->hostState() == HostProxy::HostState::Running
                                 && m_engine->hostPid() != firstHost,
                             15000);
    QTRY_VERIFY(m_window->hostLabel()->text().contains(QString::number(m_engine->hostPid())));
    QTRY_VERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Version 1")));

    // Restart host starts yet another one.
    const qint64 secondHost = m_engine->hostPid();
    m_window->restartHostAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->hostState() == HostProxy::HostState::Running
                                 && m_engine->hostPid() != secondHost,
                             15000);
}

void tst_MainWindow::brokenPluginMakesAFailedRowAndKeepsTheOldGeneration()
{
    start();
    QTRY_VERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Version 1")));
    QTRY_VERIFY(m_window->graphView()->nodeItem(ServiceKey));
    const int before = rows();
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
    if (SourceHighlighter::defaultBackend() == SourceHighlighter::Backend::Plain)
        QSKIP("no highlighter: KF6 SyntaxHighlighting not built in, kate-syntax-highlighter not "
              "installed (libkf5syntaxhighlighting-tools)");
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

    m_window = std::make_unique<MainWindow>(m_engine.get());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    timings = m_window->findChild<QDockWidget *>(QStringLiteral("timingsDock"));
    QVERIFY(!timings->isVisible());
    QVERIFY(m_window->findChild<QDockWidget *>(QStringLiteral("reloadLogDock"))->isVisible());
}

void tst_MainWindow::consecutiveReloadsEachUpdateTheWindow()
{
    // How long the UI thread stalls meanwhile is measured by bench/uistallbench, not here.
    start();
    QTRY_VERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Version 1")));
    for (int i = 0; i < 4; ++i) {
        const bool v2 = i % 2 == 0;
        const QString text
            = v2 ? QStringLiteral("This is Version 2!") : QStringLiteral("Hello, Version 1!");
        const quint64 generation = m_engine->generationNumber() + 1;
        m_folder->putFixture(v2 ? "greeter_v2" : "greeter_v1", PluginFolder::Write::Rename);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->previewPanel()->lastBody().contains(text), 10000);
        QCOMPARE(m_window->previewPanel()->lastGeneration(), generation);
        QTRY_COMPARE(m_window->generationLabel()->text(),
                     QStringLiteral("Generation %1").arg(generation));
        QTRY_COMPARE(m_window->graphView()->graph().generation, generation);
        QCOMPARE(lastRecord().outcome, ReloadOutcome::Succeeded);
        QTRY_COMPARE(m_window->logView()->details()->recordId(), lastRecord().id);
    }
}

void tst_MainWindow::copiesTheSessionTokenAndAReloadCommand()
{
    start();
    auto *copyToken = m_window->findChild<QAction *>(QStringLiteral("copyTokenAction"));
    auto *copyCommand = m_window->findChild<QAction *>(QStringLiteral("copyReloadCommandAction"));
    QVERIFY(copyToken && copyCommand);
    copyToken->trigger();
    QCOMPARE(QGuiApplication::clipboard()->text(), m_engine->sessionToken());
    copyCommand->trigger();
    const QString command = QGuiApplication::clipboard()->text();
    QVERIFY2(command.contains(m_engine->sessionToken()), qPrintable(command));
    QVERIFY2(command.contains(m_engine->url().toString() + QStringLiteral("_qreload/reload")),
             qPrintable(command));
}

void tst_MainWindow::openProjectOpensAProjectOrAPluginFolder()
{
    QCOMPARE(MainWindow::openArguments(QStringLiteral(QRELOAD_SOURCE_DIR "/examples/shop")),
             QStringList{QStringLiteral(QRELOAD_SOURCE_DIR "/examples/shop")});
    QCOMPARE(MainWindow::openArguments(m_folder->path()),
             (QStringList{QStringLiteral("--plugins"), m_folder->path(), QStringLiteral("--port"),
                          QStringLiteral("0")}));
}

void tst_MainWindow::inspectorShowsALazyComponentsClassWithoutCreatingIt()
{
    m_folder->putFixture("inspectable", PluginFolder::Write::Linker,
                         QStringLiteral("inspectable.so"));
    start();
    QTRY_COMPARE(rows(), 1);
    const QString report = QStringLiteral("tools.stats.Report");
    m_window->inspector()->showComponent(report);
    QTRY_COMPARE(m_window->inspector()->propertyValue(QStringLiteral("summary")),
                 QStringLiteral("(not created yet)"));
    QVERIFY(!m_engine->generation().component(report)->created);
    // Once it exists (a call through the preview server creates it), the live value.
    QNetworkAccessManager network;
    QNetworkRequest request(m_engine->url().resolved(
        QUrl(QStringLiteral("/_qreload/components/%1/invoke/summary").arg(report))));
    request.setRawHeader("X-QReload-Token", m_engine->sessionToken().toLatin1());
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    QNetworkReply *reply = network.post(request, QByteArray(R"({"args": []})"));
    QTRY_VERIFY(reply->isFinished());
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    reply->deleteLater();
    m_window->inspector()->showComponent(report);
    QTRY_COMPARE(m_window->inspector()->propertyValue(QStringLiteral("summary")),
                 QStringLiteral("count is 0"));
}

void tst_MainWindow::sourceBuildShowsProgressAndOutputThenReloads()
{
    startSourceMode();
    const int before = rows();
    QVERIFY(m_window->busyIndicator()->isHidden());
    editSource("// v2\n");

    // While the build runs: the status bar shows ninja's progress, the Build panel its output.
    QTRY_VERIFY(m_window->busyLabel()->text().contains(QStringLiteral("Building 1/2")));
    QVERIFY(m_window->isBuildRunning());
    QVERIFY(m_window->busyIndicator()->isVisible());
    QCOMPARE(m_window->busyIndicator()->maximum(), 2);
    QCOMPARE(m_window->busyIndicator()->value(), 1);
    BuildOutputView *build = m_window->buildOutputView();
    QVERIFY(build->isRunning());
    QVERIFY2(build->statusLabel()->text().contains(QStringLiteral("greeter.cpp")),
             qPrintable(build->statusLabel()->text()));
    QTRY_VERIFY(build->output()->toPlainText().contains(QStringLiteral("[1/2] Building CXX")));
    QCOMPARE(rows(), before); // the record comes when the build is done
    QCOMPARE(m_window->previewPanel()->lastGeneration(), 1u);

    letBuildFinish();
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->previewPanel()->lastBody().contains(QStringLiteral("This is Version 2!")), 10000);
    QCOMPARE(m_window->previewPanel()->lastGeneration(), 2u);
    QTRY_VERIFY(m_window->busyIndicator()->isHidden());
    QVERIFY(!m_window->isBuildRunning());
    QTRY_VERIFY(build->output()->toPlainText().contains(QStringLiteral("[2/2] Linking")));
    QVERIFY2(build->statusLabel()->text().contains(QStringLiteral("succeeded")),
             qPrintable(build->statusLabel()->text()));

    // One row, with the build in it, selected and detailed.
    QCOMPARE(rows(), before + 1);
    const ReloadRecord &record = lastRecord();
    QCOMPARE(record.outcome, ReloadOutcome::Succeeded);
    QCOMPARE(record.generationAfter, 2u);
    QVERIFY(record.build);
    QTRY_COMPARE(m_window->logView()->details()->recordId(), record.id);
    QVERIFY(m_window->logView()->details()->buildOutput()->toPlainText().contains(
        QStringLiteral("[2/2] Linking")));
    QVERIFY2(m_window->lastReloadLabel()->text().contains(QStringLiteral("built in")),
             qPrintable(m_window->lastReloadLabel()->text()));
    QTRY_COMPARE(m_window->generationLabel()->text(), QStringLiteral("Generation 2"));
    QTRY_COMPARE(m_window->graphView()->graph().generation, 2u);
    QTRY_VERIFY(m_window->graphView()->nodeItem(ServiceKey));
    QVERIFY(m_window->graphView()->nodeItem(ServiceKey)->node().changed);
    // The source that was edited is shown, as it is now.
    QTRY_COMPARE(m_window->sourceView()->currentPath(),
                 projectPath(QStringLiteral("src/greeter.cpp")));
    QTRY_VERIFY(!m_window->sourceView()->isLoading());
    QVERIFY(m_window->sourceView()->editor()->toPlainText().contains(QStringLiteral("v2")));

    // A second edit of the same file: the source view reads it again.
    editSource("// v1 again\n");
    QTRY_VERIFY(m_window->busyLabel()->text().contains(QStringLiteral("Building 1/2")));
    letBuildFinish();
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->previewPanel()->lastBody().contains(QStringLiteral("Hello, Version 1!")), 10000);
    QTRY_VERIFY(
        m_window->sourceView()->editor()->toPlainText().contains(QStringLiteral("v1 again")));
}

void tst_MainWindow::failedSourceBuildShowsItsOutputAndClickableDiagnostics()
{
    startSourceMode();
    const int before = rows();
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(
                                           "build failed with exit code 1 after \\d+ ms")));
    editSource("// v2\nint answer = 42\nbroken }\n");

    QTRY_VERIFY_WITH_TIMEOUT(rows() > before && lastRecord().outcome == ReloadOutcome::Failed,
                             10000);
    const QString source = projectPath(QStringLiteral("src/greeter.cpp"));
    const ReloadRecord &record = lastRecord();
    QVERIFY(record.build);
    QCOMPARE(record.generationAfter, 1u);
    QVERIFY2(m_window->lastReloadLabel()->text().contains(QStringLiteral("build FAILED")),
             qPrintable(m_window->lastReloadLabel()->text()));
    QTRY_VERIFY(m_window->busyIndicator()->isHidden());

    // The details: the build output and the diagnostic, which opens the source at its line.
    ReloadDetailsView *details = m_window->logView()->details();
    QTRY_COMPARE(details->recordId(), record.id);
    QVERIFY(details->buildOutput()->toPlainText().contains(
        QStringLiteral("error: expected ';' before '}' token")));
    QCOMPARE(details->diagnostics()->count(), 1);
    QVERIFY(details->summary()->toPlainText().contains(QStringLiteral("expected ';'")));
    QTRY_COMPARE(m_window->sourceView()->currentPath(), source);
    QTRY_VERIFY(!m_window->sourceView()->isLoading());
    CodeEditor *editor = m_window->sourceView()->editor();
    QTRY_COMPARE(editor->textCursor().blockNumber() + 1, 3);
    QCOMPARE(editor->markers().value(3).first, CodeEditor::Marker::Error);

    // The Build panel: the error line stands out and a click on it opens the source there too.
    BuildOutputView *build = m_window->buildOutputView();
    QVERIFY2(build->statusLabel()->text().contains(QStringLiteral("FAILED")),
             qPrintable(build->statusLabel()->text()));
    QVERIFY(!build->diagnosticAt(0)); // "[1/2] Building ..."
    const std::optional<Diagnostic> error = build->diagnosticAt(1);
    QVERIFY(error);
    QCOMPARE(error->file, source);
    QCOMPARE(error->line, 3);
    auto *dock = m_window->findChild<QDockWidget *>(QStringLiteral("buildDock"));
    QVERIFY(dock);
    dock->raise();
    QTRY_VERIFY(build->output()->isVisible());
    editor->goToLine(1);
    QCOMPARE(editor->textCursor().blockNumber() + 1, 1);
    const QRect lineRect = build->output()->cursorRect(
        QTextCursor(build->output()->document()->findBlockByNumber(1)));
    QTest::mouseClick(build->output()->viewport(), Qt::LeftButton, {},
                      QPoint(lineRect.left() + 20, lineRect.center().y()));
    QTRY_COMPARE(editor->textCursor().blockNumber() + 1, 3);

    // Still generation 1, still serving; the status bar says why.
    QCOMPARE(m_window->generationLabel()->text(), QStringLiteral("Generation 1"));
    QVERIFY2(m_window->statusBar()->currentMessage().contains(
                 QStringLiteral("greeter.cpp:3: expected ';' before '}' token")),
             qPrintable(m_window->statusBar()->currentMessage()));
    m_window->previewPanel()->refresh();
    QTRY_VERIFY(!m_window->previewPanel()->isLoading());
    QVERIFY(m_window->previewPanel()->lastBody().contains(QStringLiteral("Hello, Version 1!")));

    // Fixed: the failure's message goes with the next good reload.
    editSource("// v2\n");
    QTRY_VERIFY(m_window->isBuildRunning());
    letBuildFinish();
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->previewPanel()->lastBody().contains(QStringLiteral("This is Version 2!")), 10000);
    QVERIFY2(m_window->statusBar()->currentMessage().isEmpty(),
             qPrintable(m_window->statusBar()->currentMessage()));
}

void tst_MainWindow::pauseCancelsARunningBuildAndResumeBuildsOnce()
{
    startSourceMode();
    const int before = rows();
    editSource("// v2\n");
    QTRY_VERIFY(
        m_window->buildOutputView()->output()->toPlainText().contains(QStringLiteral("[1/2]")));
    QVERIFY(m_sourceMode->isBuilding());
    const int builds = m_sourceMode->buildCount();

    QWidget *pause = buttonFor(m_window.get(), m_window->pauseAction());
    QVERIFY(pause);
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(!m_engine->isWatching());
    QVERIFY(!m_sourceMode->isWatching());
    QTRY_VERIFY(!m_sourceMode->isBuilding()); // cancelled, its process group gone
    QVERIFY(m_window->busyIndicator()->isHidden());
    QVERIFY(
        m_window->buildOutputView()->statusLabel()->text().contains(QStringLiteral("cancelled")));
    QCOMPARE(rows(), before); // interrupted is not failed
    QVERIFY(m_window->lastReloadLabel()->text().contains(QStringLiteral("paused")));

    // An edit while paused is seen but builds nothing.
    QSignalSpy observed(m_sourceMode.get(), &SourceMode::sourceEventObserved);
    editSource("// v2, edited while paused\n");
    QTRY_VERIFY(!observed.isEmpty());
    QVERIFY(!m_sourceMode->isBuilding());
    QVERIFY(m_window->busyIndicator()->isHidden());

    letBuildFinish(); // the next build links at once
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(m_sourceMode->isWatching());
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->previewPanel()->lastBody().contains(QStringLiteral("This is Version 2!")), 10000);
    QCOMPARE(m_sourceMode->buildCount(), builds + 1); // one build for both edits
    QVERIFY(lastRecord().build);
    for (int row = before; row < rows(); ++row)
        QVERIFY(m_window->reloadLog()->record(row).outcome != ReloadOutcome::Failed);
}

void tst_MainWindow::settingsChangeTheBuildCommandAndQuietPeriod()
{
    startSourceMode();
    m_window->settingsAction()->trigger();
    QPointer<SettingsDialog> dialog = m_window->findChild<SettingsDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QLineEdit *command = dialog->buildCommandField();
    QVERIFY(command);
    QCOMPARE(command->text(), QStringLiteral("/bin/sh ") + projectPath(QStringLiteral("build.sh")));
    auto *buttons = dialog->findChild<QDialogButtonBox *>();

    // Validated: no command, or ${targets} without targets, cannot be applied.
    command->clear();
    QVERIFY(!dialog->problem().isEmpty());
    QVERIFY(!buttons->button(QDialogButtonBox::Apply)->isEnabled());
    QVERIFY(!buttons->button(QDialogButtonBox::Ok)->isEnabled());
    command->setText(QStringLiteral("make ${targets}"));
    QVERIFY(dialog->problem().contains(QStringLiteral("build.targets")));
    QVERIFY(!buttons->button(QDialogButtonBox::Ok)->isEnabled());

    const QString other = QStringLiteral("sh other.sh");
    command->setText(other);
    QVERIFY(dialog->problem().isEmpty());
    dialog->quietPeriodField()->setValue(120);
    QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_VERIFY(dialog.isNull());
    QCOMPARE(m_engine->quietPeriodMs(), 120);
    QCOMPARE(m_sourceMode->config().quietPeriodMs, 120);
    QCOMPARE(m_sourceMode->buildCommandTemplate(), other);

    // No restart: the next build is the new command.
    const int before = rows();
    editSource("// v2\n");
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->previewPanel()->lastBody().contains(QStringLiteral("This is Version 2!")), 10000);
    QVERIFY(m_window->buildOutputView()->output()->toPlainText().contains(
        QStringLiteral("[1/1] the other build")));
    QCOMPARE(rows(), before + 1);
    QVERIFY(lastRecord().build);
    QCOMPARE(lastRecord().build->command, other);
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
