// The console's panels one by one, on hand-made data (no engine): graph states and export, log
// filtering and details, timing chart, source view without a highlighter, preview of JSON.
#include <codeeditor.h>
#include <componentgraphview.h>
#include <componentnodeitem.h>
#include <phasepalette.h>
#include <previewpanel.h>
#include <reloaddetailsview.h>
#include <reloadlogfiltermodel.h>
#include <reloadlogmodel.h>
#include <reloadlogview.h>
#include <sourcehighlighter.h>
#include <sourceview.h>
#include <timingchart.h>

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextLayout>

using namespace qreload;
using namespace qreload::app;
using namespace qreload::ui;

namespace {

ComponentNode node(const QString &key)
{
    ComponentNode n;
    n.key = key;
    n.className = QStringLiteral("Service");
    n.pluginFile = QStringLiteral("/plugins/shop.so");
    n.created = true;
    return n;
}

ComponentGraph sampleGraph()
{
    ComponentGraph graph;
    graph.generation = 4;
    ComponentNode repo = node(QStringLiteral("shop.Repository"));
    ComponentNode orders = node(QStringLiteral("shop.Orders"));
    orders.changed = true;
    ComponentNode report = node(QStringLiteral("shop.Report"));
    report.added = true;
    report.created = false;
    report.creation = Creation::Lazy;
    report.dependencies = {orders.key};
    ComponentNode legacy = node(QStringLiteral("shop.Legacy"));
    legacy.removed = true;
    legacy.created = false;
    graph.nodes = {repo, orders, report, legacy};
    graph.links = {{orders.key, repo.key, repo.key},
                   {report.key, orders.key, orders.key},
                   {legacy.key, repo.key, repo.key, true}};
    return graph;
}

ReloadRecord record(quint64 id, ReloadOutcome outcome, const QString &file, double ms)
{
    ReloadRecord r;
    r.id = id;
    r.startedAt = QDateTime::currentDateTime();
    r.cause = ReloadCause::Files;
    r.files = {file};
    r.outcome = outcome;
    r.generationBefore = id;
    r.generationAfter = outcome == ReloadOutcome::Succeeded ? id + 1 : id;
    r.phases = {{QStringLiteral("stage"), ms / 4},
                {QStringLiteral("load"), ms / 2},
                {QStringLiteral("swap"), ms / 4}};
    r.totalMs = ms;
    if (outcome == ReloadOutcome::Failed)
        r.errors = {Error(Error::Reason::LoadFailed, QStringLiteral("undefined symbol: _Z3foov"),
                          {}, file)};
    return r;
}

bool imageHasColour(const QImage &image, const QColor &colour)
{
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            if (image.pixelColor(x, y).rgb() == colour.rgb())
                return true;
        }
    }
    return false;
}

} // namespace

class tst_ConsoleWidgets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void graphShowsStatesAndBadges();
    void graphUpdatesStatesWithoutANewLayout();
    void graphExportsDotSvgAndPng();
    void graphZoomsAndFits();
    void logViewFiltersAndShowsDetails();
    void reloadDetailsShowRecreatedAndKept();
    void timingChartDrawsPhaseColours();
    void sourceViewWithoutHighlighterShowsPlainTextAndNotice();
    void previewPrettyPrintsJsonAndReadsTheGenerationHeader();
};

void tst_ConsoleWidgets::graphShowsStatesAndBadges()
{
    ComponentGraphView view;
    view.resize(800, 600);
    view.show();
    QSignalSpy shown(&view, &ComponentGraphView::graphShown);
    view.setGraph(sampleGraph());
    QTRY_COMPARE(shown.count(), 1);
    QCOMPARE(shown.at(0).at(0).toULongLong(), 4u);

    ComponentNodeItem *repo = view.nodeItem(QStringLiteral("shop.Repository"));
    ComponentNodeItem *orders = view.nodeItem(QStringLiteral("shop.Orders"));
    ComponentNodeItem *report = view.nodeItem(QStringLiteral("shop.Report"));
    ComponentNodeItem *legacy = view.nodeItem(QStringLiteral("shop.Legacy"));
    QVERIFY(repo && orders && report && legacy);
    QVERIFY(repo->badges().isEmpty());
    QCOMPARE(orders->badges(), QStringList{QStringLiteral("CHANGED")});
    QCOMPARE(report->badges(), (QStringList{QStringLiteral("NEW"), QStringLiteral("LAZY")}));
    QCOMPARE(legacy->badges(), QStringList{QStringLiteral("REMOVED")});
    QVERIFY(legacy->opacity() < 0.6);
    QCOMPARE(repo->opacity(), 1.0);
    // Each state has its own fill.
    const QSet<QRgb> fills{repo->fillColor(false).rgb(), orders->fillColor(false).rgb(),
                           report->fillColor(false).rgb(), legacy->fillColor(false).rgb()};
    QCOMPARE(fills.size(), 4);
    // Dependents are drawn above their dependencies.
    QVERIFY(orders->sceneBoundingRect().center().y() < repo->sceneBoundingRect().center().y());
    QVERIFY(report->toolTip().contains(QStringLiteral("Added by the last reload")));
    QVERIFY(report->toolTip().contains(QStringLiteral("shop.Orders")));

    // The painted node really has its state's colour.
    const QImage image = view.grab().toImage();
    QVERIFY(imageHasColour(image, orders->fillColor(false)));
}

void tst_ConsoleWidgets::graphUpdatesStatesWithoutANewLayout()
{
    ComponentGraphView view;
    view.show();
    QSignalSpy shown(&view, &ComponentGraphView::graphShown);
    ComponentGraph graph = sampleGraph();
    view.setGraph(graph);
    QTRY_COMPARE(shown.count(), 1);
    ComponentNodeItem *report = view.nodeItem(QStringLiteral("shop.Report"));
    const QPointF position = report->sceneBoundingRect().topLeft();

    graph.generation = 5;
    graph.nodes[2].created = true; // the lazy component was used
    view.setGraph(graph);
    QCOMPARE(shown.count(), 2); // at once: no layout round trip
    QVERIFY(!view.isLayingOut());
    QCOMPARE(view.nodeItem(QStringLiteral("shop.Report")), report);
    QCOMPARE(report->sceneBoundingRect().topLeft(), position);
    QCOMPARE(report->badges(), QStringList{QStringLiteral("NEW")});
}

void tst_ConsoleWidgets::graphExportsDotSvgAndPng()
{
    ComponentGraphView view;
    view.show();
    QSignalSpy shown(&view, &ComponentGraphView::graphShown);
    view.setGraph(sampleGraph());
    QTRY_COMPARE(shown.count(), 1);
    QTemporaryDir dir;
    QString error;

    QVERIFY2(view.exportDot(dir.filePath(QStringLiteral("g.dot")), &error), qPrintable(error));
    QFile dot(dir.filePath(QStringLiteral("g.dot")));
    QVERIFY(dot.open(QIODevice::ReadOnly));
    const QByteArray dotText = dot.readAll();
    QVERIFY(dotText.startsWith("digraph generation_4"));
    QVERIFY(dotText.contains("\"shop.Orders\" -> \"shop.Repository\""));

    if (ComponentGraphView::svgExportAvailable()) {
        QVERIFY2(view.exportSvg(dir.filePath(QStringLiteral("g.svg")), &error), qPrintable(error));
        QFile svg(dir.filePath(QStringLiteral("g.svg")));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        const QByteArray svgText = svg.readAll();
        QVERIFY(svgText.contains("<svg"));
        QVERIFY(svgText.contains("shop.Orders"));
    }

    QVERIFY2(view.exportPng(dir.filePath(QStringLiteral("g.png")), &error), qPrintable(error));
    QImage png(dir.filePath(QStringLiteral("g.png")));
    QVERIFY(!png.isNull());
    QVERIFY(png.width() > 200);
    QVERIFY(imageHasColour(png, view.nodeItem(QStringLiteral("shop.Orders"))->fillColor(false)));
}

void tst_ConsoleWidgets::graphZoomsAndFits()
{
    ComponentGraphView view;
    view.resize(300, 200);
    view.show();
    QSignalSpy shown(&view, &ComponentGraphView::graphShown);
    view.setGraph(sampleGraph());
    QTRY_COMPARE(shown.count(), 1);
    const double fitted = view.transform().m11();
    QVERIFY(fitted < 1.0); // the graph is larger than 300x200: fitted by scaling down
    view.zoomIn();
    QVERIFY(view.transform().m11() > fitted);
    QTest::keyClick(&view, Qt::Key_Minus);
    QTest::keyClick(&view, Qt::Key_Minus);
    QVERIFY(view.transform().m11() < fitted);
    QTest::keyClick(&view, Qt::Key_F);
    QCOMPARE(view.transform().m11(), fitted);
}

void tst_ConsoleWidgets::logViewFiltersAndShowsDetails()
{
    ReloadLogModel model;
    ReloadLogView view(&model);
    QAbstractItemModelTester tester(view.filterModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    view.resize(900, 600);
    view.show();
    model.append({record(1, ReloadOutcome::Succeeded, QStringLiteral("/p/greeter.so"), 4),
                  record(2, ReloadOutcome::Failed, QStringLiteral("/p/shop.so"), 2),
                  record(3, ReloadOutcome::Succeeded, QStringLiteral("/p/shop.so"), 6)});
    QTableView *table = view.table();
    QCOMPARE(table->model()->rowCount(), 3);
    // Following: the newest row is selected and detailed.
    QTRY_COMPARE(view.details()->recordId(), 3u);

    QTest::keyClicks(view.searchField(), QStringLiteral("shop"));
    QTRY_COMPARE(table->model()->rowCount(), 2);
    view.outcomeFilter()->setCurrentIndex(
        view.outcomeFilter()->findData(int(ReloadLogFilterModel::ShowFailed)));
    QCOMPARE(table->model()->rowCount(), 1);

    const QRect rowRect = table->visualRect(table->model()->index(0, ReloadLogModel::Cause));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, rowRect.center());
    QTRY_COMPARE(view.details()->recordId(), 2u);
    const QString summary = view.details()->summary()->toPlainText();
    QVERIFY(summary.contains(QStringLiteral("failed")));
    QVERIFY(summary.contains(QStringLiteral("undefined symbol: _Z3foov")));
    QVERIFY(summary.contains(QStringLiteral("2 kept serving")));

    view.searchField()->clear();
    view.outcomeFilter()->setCurrentIndex(0);
    QTRY_COMPARE(table->model()->rowCount(), 3);
}

void tst_ConsoleWidgets::reloadDetailsShowRecreatedAndKept()
{
    // A one-plugin reload of a 1,000-component app: 20 recreated, 980 kept. The summary counts
    // both and names only the first few kept keys.
    ReloadRecord r = record(8, ReloadOutcome::Succeeded, QStringLiteral("/p/p49.so"), 3);
    for (int plugin = 0; plugin < 50; ++plugin) {
        for (int component = 0; component < 20; ++component) {
            const QString key = QStringLiteral("p%1.c%2").arg(plugin).arg(component);
            (plugin == 49 ? r.recreated : r.kept).append(key);
        }
    }
    ReloadDetailsView view;
    view.setRecord(r);
    // A table of "name value" rows: compare with the cell breaks as spaces.
    QString summary = view.summary()->toPlainText().simplified();
    QVERIFY2(summary.contains(QStringLiteral("Recreated 20: p49.c0, p49.c1")), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("Kept 980: p0.c0, p0.c1")), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("p0.c19 and 960 more")), qPrintable(summary));
    QVERIFY2(!summary.contains(QStringLiteral("p48.c19")), qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("Scope changed: changed plugins and what depends on "
                                             "them")),
             qPrintable(summary));

    // A first generation builds everything: not a reload of changed plugins.
    ReloadRecord first = r;
    first.id = 1;
    first.generationBefore = 0;
    first.generationAfter = 1;
    view.setRecord(first);
    summary = view.summary()->toPlainText().simplified();
    QVERIFY2(summary.contains(QStringLiteral("Scope first generation: every plugin and component "
                                             "built")),
             qPrintable(summary));

    // Reload all rebuilds everything: the scope says so, and nothing is kept.
    r.id = 9;
    r.scope = ReloadScope::All;
    r.recreated += r.kept;
    r.kept.clear();
    view.setRecord(r);
    summary = view.summary()->toPlainText().simplified();
    QVERIFY2(summary.contains(QStringLiteral("Scope all: every plugin and component rebuilt")),
             qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("Recreated 1000: ")), qPrintable(summary));
    QVERIFY2(!summary.contains(QStringLiteral("Kept")), qPrintable(summary));
}

void tst_ConsoleWidgets::timingChartDrawsPhaseColours()
{
    ReloadLogModel model;
    TimingChart chart(&model);
    chart.resize(400, 160);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    QVERIFY(!imageHasColour(chart.grab().toImage(), PhasePalette::color(QStringLiteral("load"))));
    for (quint64 id = 1; id <= 50; ++id)
        model.append(record(id, ReloadOutcome::Succeeded, QStringLiteral("/p/a.so"), 10));
    QCOMPARE(chart.shownRows().size(), chart.barCount());
    QCOMPARE(chart.shownRows().constLast(), 49);
    const QImage image = chart.grab().toImage();
    QVERIFY(imageHasColour(image, PhasePalette::color(QStringLiteral("load"))));
    QVERIFY(imageHasColour(image, PhasePalette::color(QStringLiteral("stage"))));
}

void tst_ConsoleWidgets::sourceViewWithoutHighlighterShowsPlainTextAndNotice()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("plain.cpp"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("int a;\nint b;\nint c;\n");
    file.close();

    SourceView view;
    view.highlighter()->setToolPath(QString());
    view.show();
    QSignalSpy loaded(&view, &SourceView::loaded);
    view.showFile(path, 2, {{3, {CodeEditor::Marker::Error, QStringLiteral("boom")}}});
    QTRY_COMPARE(loaded.count(), 1);
    QCOMPARE(view.editor()->toPlainText(), QStringLiteral("int a;\nint b;\nint c;"));
    QVERIFY(view.notice().contains(QStringLiteral("kate-syntax-highlighter")));
    QCOMPARE(view.editor()->textCursor().blockNumber(), 1);
    QCOMPARE(view.editor()->markers().value(3).second, QStringLiteral("boom"));
    QVERIFY(view.editor()->isReadOnly());
    // Plain: no colour formats on any line.
    for (QTextBlock b = view.editor()->document()->begin(); b.isValid(); b = b.next())
        QVERIFY(b.layout()->formats().isEmpty());
}

void tst_ConsoleWidgets::previewPrettyPrintsJsonAndReadsTheGenerationHeader()
{
    // A minimal HTTP server answering one JSON document, as the preview server would.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QByteArray requestLine;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        QTcpSocket *socket = server.nextPendingConnection();
        connect(socket, &QTcpSocket::readyRead, socket, [socket, &requestLine] {
            const QByteArray request = socket->readAll();
            requestLine = request.left(request.indexOf("\r\n"));
            const QByteArray body = R"({"generation":5,"components":["a","b"]})";
            socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "X-QReload-Generation: 5\r\nConnection: close\r\nContent-Length: "
                          + QByteArray::number(body.size()) + "\r\n\r\n" + body);
            socket->disconnectFromHost();
        });
    });

    PreviewPanel panel;
    panel.show();
    panel.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(server.serverPort())));
    panel.setRoutes({QStringLiteral("/"), QStringLiteral("/api/")});
    panel.setPath(QStringLiteral("/_qreload/status"));
    QSignalSpy shown(&panel, &PreviewPanel::responseShown);
    panel.refresh();
    QTRY_COMPARE(shown.count(), 1);
    QCOMPARE(requestLine, QByteArray("GET /_qreload/status HTTP/1.1"));
    QCOMPARE(panel.lastStatus(), 200);
    QCOMPARE(panel.lastGeneration(), 5u);
    QVERIFY(panel.lastLatencyMs() > 0);
    // Pretty-printed: one member per line.
    QVERIFY(panel.bodyView()->toPlainText().contains(QStringLiteral("\n    \"generation\": 5")));
}

QTEST_MAIN(tst_ConsoleWidgets)
#include "tst_consolewidgets.moc"
