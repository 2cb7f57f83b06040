#include "httpclient.h"
#include "pluginfolder.h"

#include <previewserver.h>
#include <reloadengine.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

using namespace qreload;
using namespace qreload::app;

using Reply = HttpReply;

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
    void reloadAllRebuildsEverything();
    void noGenerationGives503WithReason();
    void busyPortIsAClearError();

    void componentDetailsOfADottedKey();
    void lazyComponentDetailsDoNotCreateIt();
    void unknownComponentGives404NamingTheKey();
    void invokeNeedsTheToken();
    void invokeCreatesALazyComponentAndSaysSo();
    void invokeFailures_data();
    void invokeFailures();
    void hostileComponentRequestsGiveClear4xx_data();
    void hostileComponentRequestsGiveClear4xx();

private:
    void startOn(const char *variant, const char *second = nullptr);
    Reply get(const QString &path);
    Reply send(const QByteArray &method, const QString &path,
               const QList<QPair<QByteArray, QByteArray>> &headers = {},
               const QByteArray &body = {});
    //! POSTs to /_qreload/components/<key>/invoke/<method> with the session token.
    Reply invoke(const QString &key, const QString &method, const QByteArray &body = {});
    //! Sends `target` exactly as given (no client-side normalising of `..` or escapes).
    Reply raw(const QByteArray &method, const QByteArray &target, const QByteArray &body = {});
    QJsonObject details(const QString &key);

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

void tst_PreviewServer::startOn(const char *variant, const char *second)
{
    m_folder->putFixture(variant);
    if (second)
        m_folder->putFixture(second, PluginFolder::Write::Linker,
                             QString::fromLatin1(second) + QStringLiteral(".so"));
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
                              const QList<QPair<QByteArray, QByteArray>> &headers,
                              const QByteArray &body)
{
    return sendHttp(m_network, m_server->url().resolved(QUrl(path)), method, headers, body);
}

Reply tst_PreviewServer::get(const QString &path)
{
    return send("GET", path);
}

Reply tst_PreviewServer::invoke(const QString &key, const QString &method, const QByteArray &body)
{
    return send("POST", QStringLiteral("/_qreload/components/%1/invoke/%2").arg(key, method),
                {{"X-QReload-Token", m_server->sessionToken().toLatin1()},
                 {"Content-Type", "application/json"}},
                body);
}

Reply tst_PreviewServer::raw(const QByteArray &method, const QByteArray &target,
                             const QByteArray &body)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->port());
    if (!socket.waitForConnected(5000))
        return {};
    socket.write(method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                 + "X-QReload-Token: " + m_server->sessionToken().toLatin1()
                 + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray response;
    const auto complete = [&] {
        response += socket.readAll();
        const qsizetype headerEnd = response.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return socket.state() == QAbstractSocket::UnconnectedState;
        const QRegularExpressionMatch length
            = QRegularExpression(QStringLiteral("(?i)\r\ncontent-length: *(\\d+)"))
                  .match(QString::fromLatin1(response.left(headerEnd)));
        return socket.state() == QAbstractSocket::UnconnectedState
               || (length.hasMatch()
                   && response.size() >= headerEnd + 4 + length.captured(1).toInt());
    };
    if (!QTest::qWaitFor(complete, 10000))
        return {}; // status 0: the test's comparison says what was missing
    Reply out;
    out.status = response.mid(9, 3).toInt(); // "HTTP/1.1 404 ..."
    out.body = response.mid(response.indexOf("\r\n\r\n") + 4);
    return out;
}

QJsonObject tst_PreviewServer::details(const QString &key)
{
    const Reply reply = get(QStringLiteral("/_qreload/components/") + key);
    if (reply.status != 200)
        qWarning("details of %s: %d %s", qPrintable(key), reply.status, reply.body.constData());
    return QJsonDocument::fromJson(reply.body).object();
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

void tst_PreviewServer::reloadAllRebuildsEverything()
{
    startOn("greeter_v1");
    const QList<QPair<QByteArray, QByteArray>> token{
        {"X-QReload-Token", m_server->sessionToken().toLatin1()}};
    const auto scopeOf = [](const Reply &reply) {
        return QJsonDocument::fromJson(reply.body)
            .object()
            .value(QLatin1String("scope"))
            .toString();
    };

    // ?all=1 is "Reload all": the record says so, and it keeps no instance.
    Reply reply = send("POST", QStringLiteral("/_qreload/reload?all=1"), token);
    QCOMPARE(reply.status, 200);
    QCOMPARE(scopeOf(reply), QStringLiteral("all"));
    QVERIFY(QJsonDocument::fromJson(reply.body)
                .object()
                .value(QLatin1String("kept"))
                .toArray()
                .isEmpty());
    QCOMPARE(m_engine->generationNumber(), 2u);
    QCOMPARE(m_engine->lastReload()->scope, ReloadScope::All);

    // Without it (or with all=0) a manual reload rebuilds what changed.
    reply = send("POST", QStringLiteral("/_qreload/reload"), token);
    QCOMPARE(scopeOf(reply), QStringLiteral("changed"));
    reply = send("POST", QStringLiteral("/_qreload/reload?all=0"), token);
    QCOMPARE(scopeOf(reply), QStringLiteral("changed"));

    // A value that is neither is refused, naming it, and nothing reloads.
    const qsizetype records = m_engine->history().size();
    reply = send("POST", QStringLiteral("/_qreload/reload?all=yes"), token);
    QCOMPARE(reply.status, 400);
    QVERIFY2(reply.body.contains("all=yes"), reply.body.constData());
    QCOMPARE(m_engine->history().size(), records);
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

namespace {

// The entry of a JSON array of objects whose `field` is `value`.
QJsonObject entry(const QJsonValue &array, const char *field, const QString &value)
{
    for (const QJsonValue &item : array.toArray()) {
        if (item.toObject().value(QLatin1String(field)).toString() == value)
            return item.toObject();
    }
    return {};
}

QJsonValue propertyValue(const QJsonObject &details, const QString &name)
{
    return entry(details.value(QLatin1String("properties")), "name", name)
        .value(QLatin1String("value"));
}

} // namespace

void tst_PreviewServer::componentDetailsOfADottedKey()
{
    startOn("greeter_v1", "inspectable");
    const Reply reply = get(QStringLiteral("/_qreload/components/app.services.MyService"));
    QCOMPARE(reply.status, 200);
    QVERIFY(reply.contentType.startsWith("application/json"));
    const QJsonObject greeter = QJsonDocument::fromJson(reply.body).object();
    QCOMPARE(greeter.value(QLatin1String("key")).toString(),
             QStringLiteral("app.services.MyService"));
    QCOMPARE(greeter.value(QLatin1String("className")).toString(), QStringLiteral("MyService"));
    QCOMPARE(greeter.value(QLatin1String("pluginFile")).toString(), m_folder->file());
    QCOMPARE(greeter.value(QLatin1String("scope")).toString(), QStringLiteral("singleton"));
    QCOMPARE(greeter.value(QLatin1String("created")).toBool(), true);
    QCOMPARE(greeter.value(QLatin1String("generation")).toInt(), 1);
    QCOMPARE(propertyValue(greeter, QStringLiteral("greeting")),
             QJsonValue(QStringLiteral("Hello, Version 1!")));
    const QJsonObject greet
        = entry(greeter.value(QLatin1String("methods")), "signature", QStringLiteral("greet()"));
    QCOMPARE(greet.value(QLatin1String("display")).toString(), QStringLiteral("QString greet()"));

    // Values are read when asked: a call changes what the next answer shows.
    const QString counter = QStringLiteral("tools.stats.Counter");
    QCOMPARE(propertyValue(details(counter), QStringLiteral("tags")),
             QJsonValue(QJsonArray{QStringLiteral("fast"), QStringLiteral("small")}));
    QCOMPARE(propertyValue(details(counter), QStringLiteral("count")), QJsonValue(0));
    QCOMPARE(invoke(counter, QStringLiteral("add"), R"({"args": [3]})").status, 200);
    QCOMPARE(propertyValue(details(counter), QStringLiteral("count")), QJsonValue(3));

    // The next generation answers for itself.
    m_folder->putFixture("greeter_v2");
    QTRY_COMPARE(details(QStringLiteral("app.services.MyService"))
                     .value(QLatin1String("generation"))
                     .toInt(),
                 2);
    QCOMPARE(propertyValue(details(QStringLiteral("app.services.MyService")),
                           QStringLiteral("greeting")),
             QJsonValue(QStringLiteral("This is Version 2!")));
}

void tst_PreviewServer::lazyComponentDetailsDoNotCreateIt()
{
    startOn("greeter_v1", "inspectable");
    for (int i = 0; i < 2; ++i) { // asked twice: the first answer created nothing
        const QJsonObject report = details(QStringLiteral("tools.stats.Report"));
        QCOMPARE(report.value(QLatin1String("creation")).toString(), QStringLiteral("lazy"));
        QCOMPARE(report.value(QLatin1String("created")).toBool(), false);
        QCOMPARE(report.value(QLatin1String("instantiated")).toBool(), false);
        // What can be called, from the class: nothing had to be created to know it.
        QStringList methods;
        for (const QJsonValue &method : report.value(QLatin1String("methods")).toArray())
            methods.append(method.toObject().value(QLatin1String("display")).toString());
        QVERIFY2(methods.contains(QStringLiteral("QString summary()")),
                 qPrintable(methods.join(QLatin1Char(','))));
        const QJsonArray dependencies = report.value(QLatin1String("dependencies")).toArray();
        QCOMPARE(dependencies.size(), 1);
        QCOMPARE(dependencies.first().toObject().value(QLatin1String("kind")).toString(),
                 QStringLiteral("component"));
        QCOMPARE(dependencies.first().toObject().value(QLatin1String("target")).toString(),
                 QStringLiteral("tools.stats.Counter"));
    }
    QVERIFY(!m_engine->current()->container().creationOrder().contains(
        QStringLiteral("tools.stats.Report")));
}

void tst_PreviewServer::unknownComponentGives404NamingTheKey()
{
    startOn("greeter_v1");
    const Reply reply = get(QStringLiteral("/_qreload/components/app.services.Nobody"));
    QCOMPARE(reply.status, 404);
    QVERIFY(reply.contentType.startsWith("application/json"));
    const QJsonObject error = QJsonDocument::fromJson(reply.body).object();
    QCOMPARE(error.value(QLatin1String("reason")).toString(), QStringLiteral("unknown-component"));
    QCOMPARE(error.value(QLatin1String("key")).toString(), QStringLiteral("app.services.Nobody"));
    QCOMPARE(error.value(QLatin1String("error")).toString(),
             QStringLiteral("generation 1 has no component \"app.services.Nobody\""));
    QCOMPARE(error.value(QLatin1String("components")).toArray(),
             QJsonArray{QStringLiteral("app.services.MyService")});
}

void tst_PreviewServer::invokeNeedsTheToken()
{
    startOn("greeter_v1", "inspectable");
    const QString counter = QStringLiteral("tools.stats.Counter");
    const QString path = QStringLiteral("/_qreload/components/tools.stats.Counter/invoke/add");
    const QByteArray body = R"({"args": [5]})";
    const Reply refused = send("POST", path, {}, body);
    QCOMPARE(refused.status, 403);
    QCOMPARE(QJsonDocument::fromJson(refused.body).object().value(QLatin1String("reason")),
             QJsonValue(QStringLiteral("forbidden")));
    QCOMPARE(
        send("POST", path, {{"X-QReload-Token", "0123456789abcdef0123456789abcdef"}}, body).status,
        403);
    QCOMPARE(send("GET", path).status, 405);
    QCOMPARE(propertyValue(details(counter), QStringLiteral("count")), QJsonValue(0));

    const Reply called = invoke(counter, QStringLiteral("add"), body);
    QCOMPARE(called.status, 200);
    QVERIFY(called.contentType.startsWith("application/json"));
    const QJsonObject answer = QJsonDocument::fromJson(called.body).object();
    QCOMPARE(answer.value(QLatin1String("result")), QJsonValue(5));
    QCOMPARE(answer.value(QLatin1String("resultType")).toString(), QStringLiteral("int"));
    QCOMPARE(answer.value(QLatin1String("createdByThisCall")).toBool(), false);
    QCOMPARE(answer.value(QLatin1String("generation")).toInt(), 1);
    QCOMPARE(propertyValue(details(counter), QStringLiteral("count")), QJsonValue(5));

    // By signature, percent-encoded, with arguments converted to the parameter types.
    const Reply labelled
        = invoke(counter, QStringLiteral("label%28QString%2Cint%29"), R"({"args": ["n=", 4]})");
    QCOMPARE(labelled.status, 200);
    QCOMPARE(QJsonDocument::fromJson(labelled.body).object().value(QLatin1String("result")),
             QJsonValue(QStringLiteral("n=0005")));
    // No body: no arguments.
    const Reply greeted = invoke(QStringLiteral("app.services.MyService"), QStringLiteral("greet"));
    QCOMPARE(greeted.status, 200);
    QCOMPARE(QJsonDocument::fromJson(greeted.body).object().value(QLatin1String("result")),
             QJsonValue(QStringLiteral("Hello, Version 1!")));
}

void tst_PreviewServer::invokeCreatesALazyComponentAndSaysSo()
{
    startOn("greeter_v1", "inspectable");
    const QString report = QStringLiteral("tools.stats.Report");
    QCOMPARE(details(report).value(QLatin1String("created")).toBool(), false);
    const Reply first = invoke(report, QStringLiteral("summary"));
    QCOMPARE(first.status, 200);
    QJsonObject answer = QJsonDocument::fromJson(first.body).object();
    QCOMPARE(answer.value(QLatin1String("result")).toString(), QStringLiteral("count is 0"));
    QCOMPARE(answer.value(QLatin1String("createdByThisCall")).toBool(), true);
    QCOMPARE(details(report).value(QLatin1String("created")).toBool(), true);

    answer = QJsonDocument::fromJson(invoke(report, QStringLiteral("summary")).body).object();
    QCOMPARE(answer.value(QLatin1String("result")).toString(), QStringLiteral("count is 0"));
    QCOMPARE(answer.value(QLatin1String("createdByThisCall")).toBool(), false);
}

void tst_PreviewServer::invokeFailures_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("method");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("error");
    QTest::addColumn<bool>("created");

    const QString counter = QStringLiteral("tools.stats.Counter");
    QTest::newRow("missing method")
        << counter << "reset" << QByteArray() << 404 << "method-not-found"
        << "Counter has no public invokable method or slot reset taking 0 argument(s)" << false;
    QTest::newRow("wrong argument count")
        << counter << "add" << QByteArray(R"({"args": []})") << 404 << "method-not-found"
        << "Counter has no public invokable method or slot add taking 0 argument(s)" << false;
    QTest::newRow("signals are not invoked")
        << counter << "countChanged" << QByteArray() << 404 << "method-not-found"
        << "no public invokable method or slot countChanged" << false;
    QTest::newRow("argument does not convert")
        << counter << "add" << QByteArray(R"({"args": ["many"]})") << 422 << "bad-arguments"
        << "add(int): argument 1 (QString) does not convert to int" << false;
    QTest::newRow("method throws")
        << counter << "explode" << QByteArray() << 500 << "invocation-failed"
        << "explode() threw: the counter exploded" << false;
    QTest::newRow("unknown component")
        << "tools.stats.Nobody"
        << "add" << QByteArray(R"({"args": [1]})") << 404 << "unknown-component"
        << "generation 1 has no component \"tools.stats.Nobody\"" << false;
    // A method the class does not have is refused before a lazy component is created for it.
    QTest::newRow("missing method of a lazy component")
        << "tools.stats.Report"
        << "reset" << QByteArray() << 404 << "method-not-found"
        << "Report has no public invokable method or slot reset" << false;
}

void tst_PreviewServer::invokeFailures()
{
    QFETCH(QString, key);
    QFETCH(QString, method);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, reason);
    QFETCH(QString, error);
    QFETCH(bool, created);

    startOn("greeter_v1", "inspectable");
    if (status == 500)
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("counter exploded")));
    const Reply reply = invoke(key, method, body);
    QCOMPARE(reply.status, status);
    QVERIFY(reply.contentType.startsWith("application/json"));
    const QJsonObject answer = QJsonDocument::fromJson(reply.body).object();
    QCOMPARE(answer.value(QLatin1String("reason")).toString(), reason);
    QVERIFY2(answer.value(QLatin1String("error")).toString().contains(error),
             reply.body.constData());
    QCOMPARE(answer.value(QLatin1String("createdByThisCall")).toBool(), created);
    if (reason == QLatin1String("method-not-found")) // what could have been called
        QVERIFY(answer.value(QLatin1String("methods"))
                    .toArray()
                    .contains(QJsonValue(key == QLatin1String("tools.stats.Counter")
                                             ? QStringLiteral("int add(int amount)")
                                             : QStringLiteral("QString summary()"))));

    QCOMPARE(propertyValue(details(QStringLiteral("tools.stats.Counter")), QStringLiteral("count")),
             QJsonValue(0));
    QCOMPARE(get(QStringLiteral("/")).body, QByteArray("<h1>Hello, Version 1!</h1>"));
}

void tst_PreviewServer::hostileComponentRequestsGiveClear4xx_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");

    const QByteArray components = "/_qreload/components/";
    const QByteArray invokeAdd = components + "tools.stats.Counter/invoke/add";
    QTest::newRow("very long key")
        << QByteArray("GET") << components + QByteArray(100000, 'k') << QByteArray() << 400
        << "the component key is longer than 256 characters";
    QTest::newRow("long key, every character encoded")
        << QByteArray("GET") << components + QByteArray("%6B").repeated(300) << QByteArray() << 400
        << "the component key is longer than 256 characters";
    QTest::newRow("dot-dot key") << QByteArray("GET") << components + ".." << QByteArray() << 400
                                 << "the component key \"..\" is a path step, not a name";
    QTest::newRow("encoded dot-dot key") << QByteArray("GET") << components + "%2E%2E"
                                         << QByteArray() << 400 << "is a path step, not a name";
    QTest::newRow("dot-dot to another endpoint")
        << QByteArray("GET") << components + "../status" << QByteArray() << 404
        << "no component endpoint at";
    QTest::newRow("encoded slash")
        << QByteArray("GET") << components + "app%2Fservices.MyService" << QByteArray() << 400
        << "the component key \"app/services.MyService\" "
           "contains a slash";
    QTest::newRow("encoded backslash") << QByteArray("GET") << components + "..%5C..%5Cetc"
                                       << QByteArray() << 400 << "contains a slash";
    QTest::newRow("encoded twice") << QByteArray("GET") << components + "app%252Fservices"
                                   << QByteArray() << 400 << "encoded twice";
    QTest::newRow("NUL byte") << QByteArray("GET") << components + "app%00.MyService"
                              << QByteArray() << 400
                              << "the component key contains a control character";
    QTest::newRow("not UTF-8") << QByteArray("GET") << components + "app.%FF%FE" << QByteArray()
                               << 400 << "the component key is not valid UTF-8";
    QTest::newRow("no key") << QByteArray("GET") << components << QByteArray() << 404
                            << "use GET /_qreload/components/<key>";
    QTest::newRow("empty key") << QByteArray("POST") << components + "/invoke/add" << QByteArray()
                               << 400 << "the component key is empty";
    QTest::newRow("extra segments") << QByteArray("GET") << components + "app/services"
                                    << QByteArray() << 404 << "no component endpoint at";
    QTest::newRow("details by POST") << QByteArray("POST") << components + "tools.stats.Counter"
                                     << QByteArray() << 405 << "use GET";
    QTest::newRow("dot-dot method")
        << QByteArray("POST") << components + "tools.stats.Counter/invoke/.." << QByteArray() << 400
        << "the method \"..\" is a path step, not a name";
    QTest::newRow("very long method")
        << QByteArray("POST") << components + "tools.stats.Counter/invoke/" + QByteArray(3000, 'm')
        << QByteArray() << 400 << "the method is longer than 256 characters";
    QTest::newRow("body is not JSON")
        << QByteArray("POST") << invokeAdd << QByteArray("args=1&args=2") << 400
        << "the body is not JSON";
    QTest::newRow("body is cut off")
        << QByteArray("POST") << invokeAdd << QByteArray(R"({"args": [1)") << 400
        << "the body is not JSON";
    QTest::newRow("body is an array") << QByteArray("POST") << invokeAdd << QByteArray("[1]") << 400
                                      << "the body must be a JSON object";
    QTest::newRow("misspelt field")
        << QByteArray("POST") << invokeAdd << QByteArray(R"({"arguments": [1]})") << 400
        << "unknown field \"arguments\"";
    QTest::newRow("args is not an array")
        << QByteArray("POST") << invokeAdd << QByteArray(R"({"args": 1})") << 400
        << "\"args\" must be an array";
}

void tst_PreviewServer::hostileComponentRequestsGiveClear4xx()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, error);

    startOn("greeter_v1", "inspectable");
    const Reply reply = raw(method, target, body);
    QCOMPARE(reply.status, status);
    QVERIFY2(QJsonDocument::fromJson(reply.body).isObject(), reply.body.constData());
    QVERIFY2(QJsonDocument::fromJson(reply.body)
                 .object()
                 .value(QLatin1String("error"))
                 .toString()
                 .contains(error),
             reply.body.constData());

    // Nothing was called, and the server still serves.
    QCOMPARE(propertyValue(details(QStringLiteral("tools.stats.Counter")), QStringLiteral("count")),
             QJsonValue(0));
    QCOMPARE(get(QStringLiteral("/_qreload/status")).status, 200);
    QCOMPARE(get(QStringLiteral("/")).body, QByteArray("<h1>Hello, Version 1!</h1>"));
}

QTEST_GUILESS_MAIN(tst_PreviewServer)
#include "tst_previewserver.moc"
