#include "pluginfolder.h"

#include <previewserver.h>
#include <reloadengine.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

using namespace qreload;
using namespace qreload::app;

struct Reply
{
    int status = 0;
    QByteArray body;
    QByteArray generation;
    QByteArray contentType;
};

class tst_PreviewServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void servesComponentRouteFromCurrentGeneration();
    void statusDescribesGenerationAndLastReload();
    void throwingRouteGives500AndServerKeepsRunning();
    void unknownPathGives404ListingRoutes();
    void foreignHostHeaderIsRefused();
    void reloadEndpointNeedsToken();
    void noGenerationGives503WithReason();
    void busyPortIsAClearError();

private:
    void startOn(const char *variant);
    Reply get(const QString &path);
    Reply send(const QByteArray &method, const QString &path,
               const QList<QPair<QByteArray, QByteArray>> &headers = {});

    std::unique_ptr<PluginFolder> m_folder;
    std::unique_ptr<ReloadEngine> m_engine;
    std::unique_ptr<PreviewServer> m_server;
    QNetworkAccessManager m_network;
};

void tst_PreviewServer::init()
{
    m_folder = std::make_unique<PluginFolder>();
}

void tst_PreviewServer::cleanup()
{
    m_server.reset();
    m_engine.reset();
    m_folder.reset();
}

void tst_PreviewServer::startOn(const char *variant)
{
    m_folder->putFixture(variant);
    ReloadEngine::Options options;
    options.pluginDirs = {m_folder->path()};
    options.quietPeriodMs = 30;
    m_engine = std::make_unique<ReloadEngine>(options);
    m_server = std::make_unique<PreviewServer>(m_engine.get());
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    QVERIFY(m_server->port() != 0);
    m_engine->start();
}

Reply tst_PreviewServer::send(const QByteArray &method, const QString &path,
                              const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest request(m_server->url().resolved(QUrl(path)));
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply *reply = m_network.sendCustomRequest(request, method);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(10000);
    Reply out;
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.body = reply->readAll();
    out.generation = reply->rawHeader("X-QReload-Generation");
    out.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    reply->deleteLater();
    return out;
}

Reply tst_PreviewServer::get(const QString &path)
{
    return send("GET", path);
}

void tst_PreviewServer::servesComponentRouteFromCurrentGeneration()
{
    startOn("greeter_v1");
    Reply reply = get(QStringLiteral("/"));
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.body, QByteArray("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(reply.generation, QByteArray("1"));
    QVERIFY(reply.contentType.startsWith("text/html"));

    m_folder->putFixture("greeter_v2");
    QTRY_COMPARE(get(QStringLiteral("/")).body, QByteArray("<h1>This is Version 2!</h1>"));
    QCOMPARE(get(QStringLiteral("/")).generation, QByteArray("2"));
}

void tst_PreviewServer::statusDescribesGenerationAndLastReload()
{
    startOn("greeter_v1");
    const Reply reply = get(QStringLiteral("/_qreload/status"));
    QCOMPARE(reply.status, 200);
    const QJsonObject status = QJsonDocument::fromJson(reply.body).object();
    QCOMPARE(status.value(QLatin1String("generation")).toInt(), 1);
    const QJsonArray components = status.value(QLatin1String("components")).toArray();
    QCOMPARE(components.size(), 1);
    const QJsonObject greeter = components.first().toObject();
    QCOMPARE(greeter.value(QLatin1String("key")).toString(),
             QStringLiteral("app.services.MyService"));
    QCOMPARE(greeter.value(QLatin1String("pluginFile")).toString(), m_folder->file());
    QVERIFY(greeter.value(QLatin1String("dependencies")).isArray());
    const QJsonObject last = status.value(QLatin1String("lastReload")).toObject();
    QCOMPARE(last.value(QLatin1String("ok")).toBool(), true);
    QCOMPARE(last.value(QLatin1String("cause")).toString(), QStringLiteral("startup"));
    QVERIFY(last.value(QLatin1String("phases")).toObject().contains(QLatin1String("load")));

    // A failed reload shows in the status with its error, and generation 1 still serves.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload \\d+ failed")));
    m_folder->putFixture("greeter_throws");
    QTRY_VERIFY(!m_engine->lastReload()->ok());
    const QJsonObject after
        = QJsonDocument::fromJson(get(QStringLiteral("/_qreload/status")).body).object();
    QCOMPARE(after.value(QLatin1String("generation")).toInt(), 1);
    const QJsonObject failed = after.value(QLatin1String("lastReload")).toObject();
    QCOMPARE(failed.value(QLatin1String("ok")).toBool(), false);
    QCOMPARE(failed.value(QLatin1String("cause")).toString(), QStringLiteral("files"));
    QVERIFY(failed.value(QLatin1String("error"))
                .toString()
                .contains(QStringLiteral("database unreachable")));
    QCOMPARE(get(QStringLiteral("/")).body, QByteArray("<h1>Hello, Version 1!</h1>"));
}

void tst_PreviewServer::throwingRouteGives500AndServerKeepsRunning()
{
    startOn("greeter_routethrows");
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("threw while serving")));
    const Reply reply = get(QStringLiteral("/"));
    QCOMPARE(reply.status, 500);
    QVERIFY2(reply.body.contains("threw while serving GET /"), reply.body.constData());
    QCOMPARE(get(QStringLiteral("/_qreload/status")).status, 200);
}

void tst_PreviewServer::unknownPathGives404ListingRoutes()
{
    startOn("greeter_v1");
    const Reply reply = get(QStringLiteral("/nothing/here"));
    QCOMPARE(reply.status, 404);
    QVERIFY(reply.body.contains("no component serves GET /nothing/here"));
    QVERIFY(reply.body.contains("GET /"));
}

void tst_PreviewServer::foreignHostHeaderIsRefused()
{
    startOn("greeter_v1");
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("refused a request")));
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("GET / HTTP/1.1\r\nHost: attacker.example:80\r\nConnection: close\r\n\r\n");
    QByteArray response;
    QTRY_VERIFY((response += socket.readAll()).contains("\r\n\r\n"));
    QVERIFY2(response.startsWith("HTTP/1.1 421"), response.constData());
}

void tst_PreviewServer::reloadEndpointNeedsToken()
{
    startOn("greeter_v1");
    QCOMPARE(send("POST", QStringLiteral("/_qreload/reload")).status, 403);
    QCOMPARE(send("GET", QStringLiteral("/_qreload/reload")).status, 405);
    QCOMPARE(m_engine->generationNumber(), 1u);
    const Reply reply = send("POST", QStringLiteral("/_qreload/reload"),
                             {{"X-QReload-Token", m_server->sessionToken().toLatin1()}});
    QCOMPARE(reply.status, 200);
    QCOMPARE(QJsonDocument::fromJson(reply.body).object().value(QLatin1String("cause")).toString(),
             QStringLiteral("manual"));
    QCOMPARE(m_engine->generationNumber(), 2u);
}

void tst_PreviewServer::noGenerationGives503WithReason()
{
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload 1 failed")));
    startOn("greeter_missingdep");
    const Reply reply = get(QStringLiteral("/"));
    QCOMPARE(reply.status, 503);
    QVERIFY2(reply.body.contains("app.services.Missing"), reply.body.constData());
}

void tst_PreviewServer::busyPortIsAClearError()
{
    startOn("greeter_v1");
    PreviewServer second(m_engine.get());
    QString error;
    QVERIFY(!second.listen(QHostAddress::LocalHost, m_server->port(), &error));
    QVERIFY2(error.contains(QString::number(m_server->port())), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("in use")) || error.contains(QStringLiteral("address")),
             qPrintable(error));
    QCOMPARE(get(QStringLiteral("/")).status, 200);
}

QTEST_GUILESS_MAIN(tst_PreviewServer)
#include "tst_previewserver.moc"
