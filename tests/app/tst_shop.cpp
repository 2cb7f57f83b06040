// The shop example end to end, as a user tries it: three plugins served through the preview
// server, one of them rebuilt and reloaded while the visit counter and the cart keep their
// state, and deliberate mistakes (an ambiguous interface, a cycle) reported with candidates and
// path while the old generation keeps serving. A ninja build that relinks all three plugins
// gives exactly one reload.
#include "pluginfolder.h"

#include <previewserver.h>
#include <reloadengine.h>

#include <qreload/graphdiff.h>

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace qreload;
using namespace qreload::app;

namespace {

const QStringList shopPlugins{"shop_repository.so", "shop_services.so", "shop_web.so"};

QByteArray shopPlugin(const QString &name)
{
    return PluginFolder::read(QStringLiteral(QRELOAD_SHOP_PLUGIN_DIR "/") + name);
}

} // namespace

class tst_Shop : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void servesTheShop();
    void reloadOfOnePluginKeepsCounterAndCart();
    void mistakeIsReportedWhileOldGenerationServes_data();
    void mistakeIsReportedWhileOldGenerationServes();
    void buildRelinkingThreePluginsGivesOneReload_data();
    void buildRelinkingThreePluginsGivesOneReload();

private:
    QByteArray send(const QByteArray &method, const QString &path, int *status = nullptr);
    QByteArray get(const QString &path) { return send("GET", path); }
    int visits();
    int successfulReloads() const;

    std::unique_ptr<PluginFolder> m_folder;
    std::unique_ptr<ReloadEngine> m_engine;
    std::unique_ptr<PreviewServer> m_server;
    QNetworkAccessManager m_network;
};

void tst_Shop::init()
{
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
    m_folder = std::make_unique<PluginFolder>();
    for (const QString &name : shopPlugins)
        m_folder->put(shopPlugin(name), PluginFolder::Write::Linker, name);

    ReloadEngine::Options options;
    options.pluginDirs = {m_folder->path()};
    options.quietPeriodMs = 30;
    m_engine = std::make_unique<ReloadEngine>(options);
    m_server = std::make_unique<PreviewServer>(m_engine.get());
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    const ReloadRecord first = m_engine->start();
    QVERIFY2(first.ok(), qPrintable(first.errorText()));
}

void tst_Shop::cleanup()
{
    m_server.reset();
    m_engine.reset();
    m_folder.reset();
}

QByteArray tst_Shop::send(const QByteArray &method, const QString &path, int *status)
{
    QNetworkReply *reply = m_network.sendCustomRequest(
        QNetworkRequest(m_server->url().resolved(QUrl(path))), method);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(10000);
    if (status)
        *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    reply->deleteLater();
    return body;
}

int tst_Shop::visits()
{
    return QJsonDocument::fromJson(get(QStringLiteral("/api/visits")))
        .object()
        .value(QLatin1String("visits"))
        .toInt(-1);
}

int tst_Shop::successfulReloads() const
{
    int count = 0;
    for (const ReloadRecord &record : m_engine->history())
        count += record.ok() ? 1 : 0;
    return count;
}

void tst_Shop::servesTheShop()
{
    const QList<ComponentInfo> components = m_engine->current()->container().components();
    QVERIFY(components.size() >= 6);
    const auto info = [&](const QString &key) {
        for (const ComponentInfo &c : components) {
            if (c.key == key)
                return c;
        }
        return ComponentInfo{};
    };
    // One plugin per layer, and the lifecycle the example demonstrates.
    QVERIFY(
        info(QStringLiteral("shop.ProductRepository")).pluginFile.endsWith(u"/shop_repository.so"));
    QVERIFY(info(QStringLiteral("shop.Cart")).pluginFile.endsWith(u"/shop_services.so"));
    QVERIFY(info(QStringLiteral("shop.web.Storefront")).pluginFile.endsWith(u"/shop_web.so"));
    QCOMPARE(info(QStringLiteral("shop.web.HtmlPage")).scope, Scope::Prototype);
    QCOMPARE(info(QStringLiteral("shop.Checkout")).creation, Creation::Lazy);
    QVERIFY(!info(QStringLiteral("shop.Checkout")).created);
    QCOMPARE(info(QStringLiteral("shop.VisitCounter")).stateVersion, 1);

    int status = 0;
    const QByteArray home = send("GET", QStringLiteral("/"), &status);
    QCOMPARE(status, 200);
    QVERIFY2(home.contains("<h1>The qreload shop</h1>"), home.constData());
    QVERIFY2(home.contains("Green tea, 100 g — €5.40"), home.constData());
    QVERIFY(home.contains("<p id=\"visits\">Visits: 1</p>"));

    // The lazy checkout (and its page) are built by the first visit, not before.
    QVERIFY(send("GET", QStringLiteral("/checkout"), &status).contains("Pay by invoice"));
    QCOMPARE(status, 200);
    QVERIFY(m_engine->current()->container().existingInstance(QStringLiteral("shop.Checkout")));

    send("POST", QStringLiteral("/cart/add?sku=mug&quantity=2"), &status);
    QCOMPARE(status, 200);
    QCOMPARE(get(QStringLiteral("/api/cart")), QByteArray(R"({"mug":2})"));
    const QByteArray receipt = send("POST", QStringLiteral("/checkout?method=card"), &status);
    QVERIFY2(receipt.contains("€28.80 charged to the card ending in 4242"), receipt.constData());
    QCOMPARE(get(QStringLiteral("/api/cart")), QByteArray("{}"));
}

void tst_Shop::reloadOfOnePluginKeepsCounterAndCart()
{
    for (int i = 1; i <= 3; ++i)
        QVERIFY(get(QStringLiteral("/")).contains(QStringLiteral("Visits: %1<").arg(i).toUtf8()));
    send("POST", QStringLiteral("/cart/add?sku=tea&quantity=2"));
    QCOMPARE(get(QStringLiteral("/api/cart")), QByteArray(R"({"tea":2})"));
    const QList<ComponentInfo> graphBefore = m_engine->current()->container().components();
    const QList<ComponentEdge> edgesBefore = m_engine->current()->container().edges();

    // Rebuild one plugin, as the linker writes it.
    m_folder->put(PluginFolder::read(fixtures::plugin("shop_web_v2")), PluginFolder::Write::Linker,
                  QStringLiteral("shop_web.so"));
    QTRY_COMPARE(successfulReloads(), 2);
    const ReloadRecord record = *m_engine->lastReload();
    QCOMPARE(record.generationAfter, 2u);
    QCOMPARE(record.files, QStringList{m_folder->file(QStringLiteral("shop_web.so"))});

    // The new code serves, with the old state.
    QVERIFY(get(QStringLiteral("/")).contains("<h1>The qreload shop, version 2</h1>"));
    QCOMPARE(visits(), 4);
    QCOMPARE(get(QStringLiteral("/api/cart")), QByteArray(R"({"tea":2})"));
    // Only the web plugin's components are built anew: the cart and the counter are the very
    // instances that served before, so there was no state to carry.
    QVERIFY2(record.kept.contains(u"shop.Cart") && record.kept.contains(u"shop.VisitCounter"),
             qPrintable(record.kept.join(u' ')));
    for (const QString &key : record.recreated)
        QVERIFY2(key.startsWith(u"shop.web."), qPrintable(record.recreated.join(u' ')));
    QVERIFY(record.carriedState.isEmpty());
    QVERIFY(record.droppedState.isEmpty());

    // The diff names exactly the rebuilt plugin's components as changed.
    const QStringList webComponents{"shop.web.CartPage", "shop.web.CheckoutPage",
                                    "shop.web.HtmlPage", "shop.web.Storefront"};
    QCOMPARE(record.changed, webComponents);
    QVERIFY(record.added.isEmpty());
    QVERIFY(record.removed.isEmpty());
    QVERIFY(record.rewired.isEmpty());
    const GraphDiff diff = GraphDiff::between(
        graphBefore, edgesBefore, m_engine->current()->container().components(),
        m_engine->current()->container().edges(), {record.files.begin(), record.files.end()});
    QCOMPARE(diff.changed, webComponents);
    QVERIFY(diff.added.isEmpty() && diff.removed.isEmpty() && diff.rewired.isEmpty());
}

void tst_Shop::mistakeIsReportedWhileOldGenerationServes_data()
{
    QTest::addColumn<QString>("plugin");
    QTest::addColumn<QString>("variant");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QStringList>("expected"); // substrings of the errors; %1 is the folder

    QTest::newRow("ambiguous interface")
        << "shop_repository.so"
        << "shop_repository_ambiguous"
        << "ambiguous-interface"
        << QStringList{"shop.PriceService depends on interface "
                       "org.qreload.examples.shop.IProductRepository/1, but interface "
                       "org.qreload.examples.shop.IProductRepository/1 is ambiguous: 2 components "
                       "provide it: shop.ProductRepository (%1/shop_repository.so), "
                       "shop.SeasonalProductRepository (%1/shop_repository.so); mark one primary",
                       "shop.Cart depends on interface",
                       "shop.web.Storefront depends on interface"};
    QTest::newRow("cycle") << "shop_services.so"
                           << "shop_services_cycle"
                           << "cycle"
                           << QStringList{
                                  "shop.Checkout (%1/shop_services.so): Circular dependency "
                                  "detected: shop.Checkout -> shop.PriceService -> "
                                  "shop.Checkout"};
}

void tst_Shop::mistakeIsReportedWhileOldGenerationServes()
{
    QFETCH(QString, plugin);
    QFETCH(QString, variant);
    QFETCH(QString, reason);
    QFETCH(QStringList, expected);

    QVERIFY(get(QStringLiteral("/")).contains("Visits: 1<"));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^reload 2 failed: ")));
    m_folder->put(PluginFolder::read(fixtures::plugin(variant.toLatin1().constData())),
                  PluginFolder::Write::Linker, plugin);
    QTRY_COMPARE(m_engine->history().size(), 2);
    const ReloadRecord failed = *m_engine->lastReload();
    QCOMPARE(failed.outcome, ReloadOutcome::Failed);
    QCOMPARE(failed.generationAfter, 1u);
    for (const QString &text : expected) {
        const QString wanted = QString(text).replace(QStringLiteral("%1"), m_folder->path());
        QVERIFY2(failed.errorText().contains(wanted),
                 qPrintable(QStringLiteral("wanted: %1\nin: %2").arg(wanted, failed.errorText())));
    }
    for (const Error &error : failed.errors)
        QCOMPARE(Error::reasonName(error.reason()), reason);

    // The old generation keeps serving, state and all.
    QCOMPARE(m_engine->generationNumber(), 1u);
    const QByteArray page = get(QStringLiteral("/"));
    QVERIFY2(page.contains("Visits: 2<"), page.constData());

    // Undoing the mistake brings back exactly what serves: nothing to reload.
    m_folder->put(shopPlugin(plugin), PluginFolder::Write::Linker, plugin);
    QTRY_COMPARE(m_engine->history().size(), 3);
    QCOMPARE(m_engine->history().last().outcome, ReloadOutcome::Skipped);
    // The next edit reloads as usual, and the counter is still there.
    m_folder->put(PluginFolder::read(fixtures::plugin("shop_web_v2")), PluginFolder::Write::Linker,
                  QStringLiteral("shop_web.so"));
    QTRY_COMPARE(successfulReloads(), 2);
    QCOMPARE(m_engine->generationNumber(), 2u);
    QCOMPARE(visits(), 2);
    QVERIFY(get(QStringLiteral("/")).contains("Visits: 3<"));
}

namespace {

//! The command ninja runs to build `target` (a path relative to qreload's build folder).
QString linkCommand(const QString &ninja, const QString &target)
{
    QProcess query;
    query.start(ninja, {QStringLiteral("-C"), QStringLiteral(QRELOAD_BUILD_DIR),
                        QStringLiteral("-t"), QStringLiteral("commands"), target});
    if (!query.waitForFinished(60000) || query.exitCode() != 0)
        return {};
    const QStringList lines
        = QString::fromLocal8Bit(query.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
    return lines.isEmpty() ? QString() : lines.last();
}

/*!
 * A ninja manifest whose edges link the shop's plugins into `plugins` with the very commands
 * qreload's build uses, plus a build id that changes with `edit` (so every link changes the
 * bytes, as an edit of a shared header would).
 */
QByteArray relinkManifest(const QString &ninja, const QString &plugins, int edit)
{
    QByteArray manifest = "build_id = " + QByteArray::number(edit) + "\n";
    const QDir build(QStringLiteral(QRELOAD_BUILD_DIR));
    for (const QString &name : shopPlugins) {
        const QString target
            = build.relativeFilePath(QStringLiteral(QRELOAD_SHOP_PLUGIN_DIR "/") + name);
        QString command = linkCommand(ninja, target);
        const QString output = QStringLiteral(" -o %1 ").arg(target);
        if (!command.contains(output))
            return {};
        command.replace(u'$', QStringLiteral("$$"));
        command.replace(output, QStringLiteral(" -o $out -Wl,--build-id=0x$build_id "));
        const QByteArray rule = "link_" + QFileInfo(name).completeBaseName().toUtf8();
        manifest += "rule " + rule + "\n  command = cd " + build.path().toUtf8() + " && "
                    + command.toUtf8() + "\n  description = Linking $out\n";
        manifest += "build " + (plugins + u'/' + name).toUtf8() + ": " + rule + "\n";
    }
    return manifest;
}

bool writeManifest(const QString &folder, const QByteArray &manifest)
{
    QFile file(folder + QStringLiteral("/build.ninja"));
    return file.open(QIODevice::WriteOnly) && file.write(manifest) == manifest.size();
}

QString serve(const ReloadEngine &engine, const QString &path)
{
    Request request;
    request.path = path;
    const Result<Response> response = engine.current()->container().serve(request);
    return response ? QString::fromUtf8(response.value().body) : joinErrors(response.errors());
}

} // namespace

void tst_Shop::buildRelinkingThreePluginsGivesOneReload_data()
{
    QTest::addColumn<int>("jobs");
    QTest::newRow("ninja -j1: one link after another") << 1;
    QTest::newRow("ninja -j3: the links side by side") << 3;
}

void tst_Shop::buildRelinkingThreePluginsGivesOneReload()
{
    QFETCH(int, jobs);
    const QString ninja = QStringLiteral(QRELOAD_NINJA);
    if (ninja.isEmpty())
        QSKIP("qreload is not built with the Ninja generator: no link commands to run again");

    // A build folder holding the plugins folder, as in any CMake project of plugins.
    QTemporaryDir build;
    const QString plugins = build.filePath(QStringLiteral("plugins"));
    const QByteArray first = relinkManifest(ninja, plugins, 1);
    QVERIFY2(!first.isEmpty(), "could not read the shop plugins' link commands from ninja");
    QVERIFY(writeManifest(build.path(), first));
    QProcess builder;
    builder.setProcessChannelMode(QProcess::MergedChannels);
    builder.start(ninja, {QStringLiteral("-C"), build.path()});
    QVERIFY(builder.waitForFinished(120000));
    QVERIFY2(builder.exitCode() == 0, builder.readAll().constData());

    // Plugins-only mode at the defaults: the engine watches what the build writes.
    ReloadEngine::Options options;
    options.pluginDirs = {plugins};
    ReloadEngine engine(options);
    QVERIFY(engine.start().ok());
    QCOMPARE(engine.currentPlugins().size(), 3);
    QVERIFY(serve(engine, QStringLiteral("/")).contains("Visits: 1<"));

    // The edit: every plugin relinks, in one build.
    QVERIFY(writeManifest(build.path(), relinkManifest(ninja, plugins, 2)));
    builder.start(
        ninja, {QStringLiteral("-C"), build.path(), QStringLiteral("-j"), QString::number(jobs)});
    QTRY_VERIFY_WITH_TIMEOUT(builder.state() == QProcess::NotRunning, 120000);
    const QByteArray output = builder.readAll();
    QVERIFY2(builder.exitCode() == 0, output.constData());
    QCOMPARE(output.count("Linking "), 3);
    QTRY_VERIFY_WITH_TIMEOUT(engine.generationNumber() >= 2 && !engine.hasPendingEvents(), 30000);

    // Exactly one reload, of all three files, and the shop serves on with its state.
    QString decisions;
    for (const ReloadRecord &record : engine.history())
        decisions += QStringLiteral("\n%1: %2").arg(record.id).arg(record.decision);
    QVERIFY2(engine.history().size() == 2, qPrintable(decisions));
    const ReloadRecord reload = engine.history().last();
    QVERIFY2(reload.ok(), qPrintable(reload.errorText()));
    QStringList expected;
    for (const QString &name : shopPlugins)
        expected.append(plugins + u'/' + name);
    QCOMPARE(reload.files, expected);
    QCOMPARE(engine.generationNumber(), 2u);
    QVERIFY(serve(engine, QStringLiteral("/")).contains("Visits: 2<"));
}

QTEST_GUILESS_MAIN(tst_Shop)
#include "tst_shop.moc"
