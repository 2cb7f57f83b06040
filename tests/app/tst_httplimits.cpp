// The preview server's HTTP limits (issue 9 §7): request bodies, connections and the Host header,
// kept at the socket layer around Qt 6.4's QHttpServer (GuardedTcpServer, ConnectionGuard).

#include "pluginfolder.h"

#include <chunkedbody.h>
#include <previewserver.h>
#include <projectconfig.h>
#include <reloadengine.h>
#include <requesthead.h>

#include <QDir>
#include <QHostInfo>
#include <QNetworkInterface>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>

using namespace qreload::app;

namespace {

//! A client that sends exactly the bytes it is given and keeps everything it receives.
class RawClient
{
public:
    explicit RawClient(quint16 port, const QHostAddress &address = QHostAddress::LocalHost)
    {
        QObject::connect(&m_socket, &QIODevice::readyRead,
                         [this] { m_received += m_socket.readAll(); });
        m_socket.connectToHost(address, port);
    }

    bool waitConnected() { return m_socket.waitForConnected(5000); }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes); // sent once connected
        if (m_socket.state() == QAbstractSocket::ConnectedState)
            m_socket.flush();
    }
    QByteArray received() const { return m_received; }
    //! Responses received so far (status lines).
    int responses() const { return int(m_received.count("HTTP/1.1 ")); }
    bool isClosed() const { return m_socket.state() == QAbstractSocket::UnconnectedState; }
    QTcpSocket &socket() { return m_socket; }

private:
    QTcpSocket m_socket;
    QByteArray m_received;
};

QByteArray get(const QByteArray &path, const QByteArray &extra = {},
               const QByteArray &version = "HTTP/1.1")
{
    return "GET " + path + ' ' + version + "\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

int openFiles()
{
    return int(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System).size());
}

} // namespace

class tst_HttpLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void requestHeadEndsWhereQHttpServerEndsIt_data();
    void requestHeadEndsWhereQHttpServerEndsIt();
    void chunkedBodyFollowsItsFraming_data();
    void chunkedBodyFollowsItsFraming();

    void bodyOverTheLimitIs413BeforeTheBodyIsSent();
    void bodyLimitIsConfigurable();
    void chunkedBodyGrowingOverTheLimitIs413();
    void chunkedBodyWithinTheLimitIsServed();
    void badLimitsAreRefusedNamingTheValue();
    void malformedRequestsGive400And431();
    void upgradeRequestIsClosedWithoutAnExtraAnswer();

    void connectionCloseClosesAfterTheResponse();
    void http10ClosesUnlessItAsksForKeepAlive();
    void keepAliveConnectionServesManyRequests();
    void pipelinedRequestsAreAnsweredInOrder();
    void requestsSentAByteAtATimeAreServed();
    void idleConnectionIsClosedAfterTheTimeout();
    void stalledRequestGets408();
    void connectionsOverTheCapAreRefusedWith503();
    void thousandIdleConnectionsDoNotExhaustFiles();

    void configSetsTheLimits();
    void badConfigValuesNameTheKey_data();
    void badConfigValuesNameTheKey();

    void hostHeaderOnLoopbackAllowsOnlyLoopbackNames();
    void hostHeaderOnAllInterfacesAllowsThisMachine();

private:
    void start(const QHostAddress &address = QHostAddress::LocalHost);
    void expectRefusal(const char *status);

    std::unique_ptr<PluginFolder> m_folder;
    std::unique_ptr<ReloadEngine> m_engine;
    std::unique_ptr<PreviewServer> m_server;
};

void tst_HttpLimits::init()
{
    m_folder = std::make_unique<PluginFolder>();
}

void tst_HttpLimits::cleanup()
{
    m_server.reset();
    m_engine.reset();
    m_folder.reset();
}

void tst_HttpLimits::start(const QHostAddress &address)
{
    m_folder->putFixture("greeter_v1");
    ReloadEngine::Options options;
    options.pluginDirs = {m_folder->path()};
    options.quietPeriodMs = 30;
    m_engine = std::make_unique<ReloadEngine>(options);
    m_server = std::make_unique<PreviewServer>(m_engine.get());
    QString error;
    QVERIFY2(m_server->listen(address, 0, &error), qPrintable(error));
    m_engine->start();
    QVERIFY(m_engine->current());
}

void tst_HttpLimits::expectRefusal(const char *status)
{
    QTest::ignoreMessage(
        QtWarningMsg,
        QRegularExpression(
            QStringLiteral("refused a request from .* %1 ").arg(QLatin1String(status))));
}

void tst_HttpLimits::requestHeadEndsWhereQHttpServerEndsIt_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("headSize"); // -1: incomplete
    QTest::addColumn<qint64>("contentLength");
    QTest::addColumn<bool>("closes");

    QTest::newRow("CRLF") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY") << 27 << -1LL
                          << false;
    QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: a\n\nBODY") << 24 << -1LL
                             << false;
    QTest::newRow("no fields") << QByteArray("GET / HTTP/1.1\r\n\r\nX") << 18 << -1LL << false;
    QTest::newRow("blank lines before")
        << QByteArray("\r\n\r\nGET / HTTP/1.0\r\n\r\n") << 22 << -1LL << true;
    QTest::newRow("content length")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n") << 39 << 12LL << false;
    QTest::newRow("close") << QByteArray("GET / HTTP/1.1\r\nConnection: Keep-Alive, Close\r\n\r\n")
                           << 49 << -1LL << true;
    QTest::newRow("1.0 keep-alive")
        << QByteArray("GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n") << 42 << -1LL << false;
    QTest::newRow("incomplete") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n") << -1 << -1LL
                                << false;
    QTest::newRow("disagreeing lengths")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") << 57
        << -2LL << false;
}

void tst_HttpLimits::requestHeadEndsWhereQHttpServerEndsIt()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, headSize);
    QFETCH(qint64, contentLength);
    QFETCH(bool, closes);
    // The same answer however the bytes are split into segments.
    for (qsizetype split = 1; split <= bytes.size(); ++split) {
        RequestHead head;
        qsizetype used = head.feed(QByteArrayView(bytes).first(split), 1024);
        if (!head.isComplete())
            used += head.feed(QByteArrayView(bytes).sliced(split), 1024);
        if (headSize < 0) {
            QCOMPARE(head.state(), RequestHead::State::Fields);
            continue;
        }
        QVERIFY2(head.isComplete(), qPrintable(QString::number(split)));
        QCOMPARE(used, qsizetype(headSize));
        QCOMPARE(head.contentLength(), contentLength);
        QCOMPARE(head.closesConnection(), closes);
    }
}

void tst_HttpLimits::chunkedBodyFollowsItsFraming_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("bodySize"); // bytes that belong to the body; -1: malformed
    QTest::addColumn<qint64>("announced");

    QTest::newRow("two chunks") << QByteArray("5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\nNEXT")
                                << 30 << 11LL;
    QTest::newRow("trailer") << QByteArray("3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\nNEXT") << 23 << 3LL;
    QTest::newRow("bare LF") << QByteArray("3\nabc\n0\n\n") << 9 << 3LL;
    QTest::newRow("bad size") << QByteArray("zz\r\nabc\r\n") << -1 << 0LL;
    QTest::newRow("data too long") << QByteArray("2\r\nabc\r\n") << -1 << 2LL;
}

void tst_HttpLimits::chunkedBodyFollowsItsFraming()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, bodySize);
    QFETCH(qint64, announced);
    for (qsizetype split = 1; split <= bytes.size(); ++split) {
        ChunkedBody body;
        qsizetype used = body.feed(QByteArrayView(bytes).first(split));
        if (body.state() != ChunkedBody::State::Done
            && body.state() != ChunkedBody::State::Malformed)
            used += body.feed(QByteArrayView(bytes).sliced(split));
        if (bodySize < 0) {
            QCOMPARE(body.state(), ChunkedBody::State::Malformed);
            continue;
        }
        QCOMPARE(body.state(), ChunkedBody::State::Done);
        QCOMPARE(used, qsizetype(bodySize));
        QCOMPARE(body.announcedBytes(), announced);
    }
    ChunkedBody big;
    big.feed("100000\r\n");
    QCOMPARE(big.announcedBytes(), 0x100000); // known from the size line, before any data
}

void tst_HttpLimits::bodyOverTheLimitIs413BeforeTheBodyIsSent()
{
    start();
    QCOMPARE(m_server->limits().maxBodyBytes, 1024 * 1024);
    expectRefusal("413");
    RawClient client(m_server->port());
    // A 300 MB upload without a token: only the head is sent, and the answer must come anyway.
    client.send("POST /_qreload/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Length: 314572800\r\n\r\n");
    QTRY_VERIFY(client.received().contains("\r\n\r\n"));
    QVERIFY2(client.received().startsWith("HTTP/1.1 413 "), client.received().constData());
    QVERIFY(client.received().contains("314572800 bytes"));
    QVERIFY(client.received().contains("at most 1 MiB (1048576 bytes)"));
    QVERIFY(client.received().contains("Connection: close"));
    QTRY_VERIFY(client.isClosed());

    // The server goes on serving the current generation.
    RawClient next(m_server->port());
    next.send(get("/"));
    QTRY_VERIFY(next.received().contains("Hello, Version 1!"));
}

void tst_HttpLimits::bodyLimitIsConfigurable()
{
    start();
    ConnectionLimits limits;
    limits.maxBodyBytes = 100;
    QVERIFY(m_server->setLimits(limits));
    expectRefusal("413");
    RawClient over(m_server->port());
    over.send("POST /_qreload/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 101\r\n\r\n"
              + QByteArray(101, 'x'));
    QTRY_VERIFY(over.received().contains("\r\n\r\n"));
    QVERIFY2(over.received().startsWith("HTTP/1.1 413 "), over.received().constData());
    QVERIFY(over.received().contains("at most 100 bytes"));

    // At the limit the request reaches the endpoint (which wants a token).
    RawClient at(m_server->port());
    at.send("POST /_qreload/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"
            + QByteArray(100, 'x'));
    QTRY_VERIFY(at.received().contains("X-QReload-Token"));
    QVERIFY2(at.received().startsWith("HTTP/1.1 403 "), at.received().constData());
}

void tst_HttpLimits::chunkedBodyGrowingOverTheLimitIs413()
{
    start();
    ConnectionLimits limits;
    limits.maxBodyBytes = 1000;
    QVERIFY(m_server->setLimits(limits));
    expectRefusal("413");
    RawClient client(m_server->port());
    client.send("POST /_qreload/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Transfer-Encoding: chunked\r\n\r\n258\r\n"
                + QByteArray(600, 'x') + "\r\n");
    // 600 bytes are within the limit: no answer yet (the body goes on).
    QTRY_COMPARE(m_server->openConnections(), 1);
    QVERIFY(client.received().isEmpty());
    // The next chunk announces 1200 bytes in all: refused before its data is sent.
    client.send("258\r\n");
    QTRY_VERIFY(client.received().contains("\r\n\r\n"));
    QVERIFY2(client.received().startsWith("HTTP/1.1 413 "), client.received().constData());
    QVERIFY(client.received().contains("chunked request body grew over 1000 bytes"));
    QTRY_VERIFY(client.isClosed());
}

void tst_HttpLimits::chunkedBodyWithinTheLimitIsServed()
{
    start();
    RawClient client(m_server->port());
    client.send("POST /_qreload/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                + get("/"));
    QTRY_COMPARE(client.responses(), 2);
    QVERIFY2(client.received().startsWith("HTTP/1.1 403 "), client.received().constData());
    QVERIFY(client.received().contains("Hello, Version 1!"));
    QVERIFY(!client.isClosed());
}

void tst_HttpLimits::badLimitsAreRefusedNamingTheValue()
{
    start();
    ConnectionLimits limits;
    limits.maxConnections = 0;
    QString error;
    QVERIFY(!m_server->setLimits(limits, &error));
    QCOMPARE(error, QStringLiteral("the connection limit must be 1 or more, not 0"));
    limits = ConnectionLimits();
    limits.idleTimeoutMs = -5;
    QVERIFY(!m_server->setLimits(limits, &error));
    QCOMPARE(error, QStringLiteral("the idle connection timeout must be 1 ms or more, not -5"));
    QCOMPARE(m_server->limits().idleTimeoutMs, ConnectionLimits::DefaultIdleTimeoutMs);

    RawClient client(m_server->port()); // the old limits still serve
    client.send(get("/"));
    QTRY_VERIFY(client.received().contains("Hello, Version 1!"));
}

void tst_HttpLimits::malformedRequestsGive400And431()
{
    start();
    expectRefusal("400");
    RawClient garbage(m_server->port());
    garbage.send("HELLO\r\n\r\n");
    QTRY_VERIFY(garbage.isClosed());
    QVERIFY2(garbage.received().startsWith("HTTP/1.1 400 "), garbage.received().constData());

    expectRefusal("400");
    RawClient length(m_server->port());
    length.send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: lots\r\n\r\n");
    QTRY_VERIFY(length.isClosed());
    QVERIFY2(length.received().contains("Content-Length is not a number"),
             length.received().constData());

    expectRefusal("431");
    RawClient longHead(m_server->port());
    longHead.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
                  + QByteArray(ConnectionLimits::MaxHeadBytes, 'b'));
    QTRY_VERIFY(longHead.isClosed());
    QVERIFY2(longHead.received().startsWith("HTTP/1.1 431 "), longHead.received().constData());
}

void tst_HttpLimits::upgradeRequestIsClosedWithoutAnExtraAnswer()
{
    start();
    // QHttpServer answers a WebSocket upgrade nobody takes and closes the connection, leaving
    // its transaction open; the guard must not take that for a request it is out of step with.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("WebSocket received")));
    QTest::failOnWarning(QRegularExpression(QStringLiteral("waits for more")));
    RawClient client(m_server->port());
    client.send(
        get("/", "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
    QTRY_VERIFY(client.isClosed());
    QVERIFY2(!client.received().contains(" 400 "), client.received().constData());
}

void tst_HttpLimits::connectionCloseClosesAfterTheResponse()
{
    start();
    RawClient client(m_server->port());
    client.send(get("/", "Connection: close\r\n"));
    QTRY_VERIFY(client.isClosed());
    QVERIFY(client.received().contains("Hello, Version 1!"));
    // Header names are case-insensitive (Qt 6.8 writes them in lower case).
    QVERIFY(client.received().toLower().contains("\r\nconnection: close\r\n"));
}

void tst_HttpLimits::http10ClosesUnlessItAsksForKeepAlive()
{
    start();
    RawClient plain(m_server->port());
    plain.send(get("/", {}, "HTTP/1.0"));
    QTRY_VERIFY(plain.isClosed());
    QVERIFY(plain.received().contains("Hello, Version 1!"));

    RawClient keepAlive(m_server->port());
    keepAlive.send(get("/", "Connection: keep-alive\r\n", "HTTP/1.0"));
    QTRY_COMPARE(keepAlive.responses(), 1);
    QTRY_VERIFY(keepAlive.received().contains("Hello, Version 1!"));
    QVERIFY(keepAlive.received().toLower().contains("\r\nconnection: keep-alive\r\n"));
    keepAlive.send(get("/_qreload/status", {}, "HTTP/1.0"));
    QTRY_VERIFY(keepAlive.isClosed());
    QCOMPARE(keepAlive.responses(), 2);
}

void tst_HttpLimits::keepAliveConnectionServesManyRequests()
{
    start();
    RawClient client(m_server->port());
    for (int i = 1; i <= 20; ++i) {
        client.send(get("/"));
        QTRY_COMPARE(client.responses(), i);
    }
    QVERIFY(!client.isClosed());
    QCOMPARE(m_server->openConnections(), 1);
    QVERIFY(!client.received().contains("Connection:"));
}

void tst_HttpLimits::pipelinedRequestsAreAnsweredInOrder()
{
    start();
    RawClient client(m_server->port());
    // A POST with a body between two GETs, all in one write, the last one closing.
    client.send(get("/")
                + "POST /_qreload/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\n"
                + "GET /" + get("/_qreload/graph") + get("/", "Connection: close\r\n"));
    QTRY_VERIFY(client.isClosed());
    const QByteArray received = client.received();
    QCOMPARE(client.responses(), 4);
    const qsizetype hello = received.indexOf("Hello, Version 1!");
    const qsizetype forbidden = received.indexOf("HTTP/1.1 403 ");
    const qsizetype graph = received.indexOf("digraph");
    const qsizetype lastHello = received.lastIndexOf("Hello, Version 1!");
    QVERIFY2(hello >= 0 && hello < forbidden && forbidden < graph && graph < lastHello,
             received.constData());
}

void tst_HttpLimits::requestsSentAByteAtATimeAreServed()
{
    start();
    RawClient client(m_server->port());
    QVERIFY(client.waitConnected());
    const QByteArray requests
        = get("/")
          + "POST /_qreload/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
          + "POST /_qreload/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n\r\nbody"
          + get("/_qreload/graph");
    for (char c : requests) {
        client.send(QByteArray(1, c));
        QCoreApplication::processEvents();
    }
    QTRY_COMPARE(client.responses(), 4);
    QVERIFY(client.received().contains("Hello, Version 1!"));
    QCOMPARE(client.received().count("HTTP/1.1 403 "), 2);
    QVERIFY(client.received().contains("digraph"));
    QVERIFY(!client.isClosed());
}

void tst_HttpLimits::idleConnectionIsClosedAfterTheTimeout()
{
    start();
    ConnectionLimits limits;
    limits.idleTimeoutMs = 200;
    QVERIFY(m_server->setLimits(limits));
    RawClient used(m_server->port());
    used.send(get("/"));
    QTRY_COMPARE(used.responses(), 1);
    RawClient silent(m_server->port()); // connects and never sends anything
    QVERIFY(silent.waitConnected());
    QTRY_COMPARE(m_server->openConnections(), 2);
    QTRY_VERIFY(used.isClosed());
    QTRY_VERIFY(silent.isClosed());
    QCOMPARE(used.responses(), 1); // closed quietly: no further answer
    QTRY_COMPARE(m_server->openConnections(), 0);
}

void tst_HttpLimits::stalledRequestGets408()
{
    start();
    ConnectionLimits limits;
    limits.idleTimeoutMs = 200;
    QVERIFY(m_server->setLimits(limits));
    RawClient client(m_server->port());
    client.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"); // the head never ends
    QTRY_VERIFY(client.isClosed());
    QVERIFY2(client.received().startsWith("HTTP/1.1 408 "), client.received().constData());
    QVERIFY(client.received().contains("200 ms"));
}

void tst_HttpLimits::connectionsOverTheCapAreRefusedWith503()
{
    start();
    ConnectionLimits limits;
    limits.maxConnections = 3;
    QVERIFY(m_server->setLimits(limits));
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<RawClient>(m_server->port()));
        clients.back()->send(get("/"));
    }
    for (const auto &client : clients)
        QTRY_COMPARE(client->responses(), 1);
    QCOMPARE(m_server->openConnections(), 3);

    expectRefusal("503");
    RawClient extra(m_server->port());
    extra.send(get("/"));
    QTRY_VERIFY(extra.isClosed());
    QVERIFY2(extra.received().startsWith("HTTP/1.1 503 "), extra.received().constData());
    QVERIFY(extra.received().contains("3 connections are open"));

    clients.front()->socket().disconnectFromHost();
    QTRY_COMPARE(m_server->openConnections(), 2);
    RawClient later(m_server->port());
    later.send(get("/"));
    QTRY_VERIFY(later.received().contains("Hello, Version 1!"));
}

void tst_HttpLimits::thousandIdleConnectionsDoNotExhaustFiles()
{
    start();
    const int filesBefore = openFiles();
    const int cap = m_server->limits().maxConnections;
    QCOMPARE(cap, ConnectionLimits::DefaultMaxConnections);
    expectRefusal("503"); // once for the whole burst
    std::vector<std::unique_ptr<RawClient>> clients;
    int closed = 0;
    const auto countClosed = [&] {
        closed = 0;
        for (const auto &client : clients)
            closed += client->isClosed() ? 1 : 0;
        return closed;
    };
    // In batches no larger than the listen backlog (50): beyond it the kernel drops connections
    // that the server never sees, and the test would count those as held.
    while (clients.size() < 1000) {
        for (int i = 0; i < 50; ++i)
            clients.push_back(std::make_unique<RawClient>(m_server->port()));
        QTRY_COMPARE_WITH_TIMEOUT(m_server->openConnections() + countClosed(), int(clients.size()),
                                  10000);
    }
    QCOMPARE(m_server->openConnections(), cap);
    QCOMPARE(closed, 1000 - cap);
    // This process holds both ends: the clients' sockets and the server's. Without the cap the
    // server would hold 1000 (and 1000 more on any further burst).
    QTRY_VERIFY2_WITH_TIMEOUT(openFiles() <= filesBefore + 2 * cap + 16,
                              qPrintable(QString::number(openFiles() - filesBefore)), 10000);
    // The refused ones were answered.
    int refused = 0;
    for (const auto &client : clients)
        refused += client->received().startsWith("HTTP/1.1 503 ") ? 1 : 0;
    QCOMPARE(refused, 1000 - cap);
}

void tst_HttpLimits::configSetsTheLimits()
{
    QList<ConfigError> errors;
    const std::optional<ProjectConfig> config = ProjectConfig::parse(
        R"({"plugins": "p", "http": {"maxBodyBytes": 2048, "idleTimeoutMs": 5000,
            "maxConnections": 8}})",
        QStringLiteral("/p/qreload.json"), {}, &errors);
    QVERIFY2(config, errors.isEmpty() ? "" : qPrintable(errors.first().toString()));
    QCOMPARE(config->httpLimits.maxBodyBytes, 2048);
    QCOMPARE(config->httpLimits.idleTimeoutMs, 5000);
    QCOMPARE(config->httpLimits.maxConnections, 8);

    // Without the key: the defaults.
    const std::optional<ProjectConfig> plain = ProjectConfig::parse(
        R"({"plugins": "p"})", QStringLiteral("/p/qreload.json"), {}, &errors);
    QVERIFY(plain);
    QCOMPARE(plain->httpLimits.maxBodyBytes, ConnectionLimits::DefaultMaxBodyBytes);

    // The server takes them, and refuses a body over the configured size.
    start();
    QVERIFY(m_server->setLimits(config->httpLimits));
    expectRefusal("413");
    RawClient client(m_server->port());
    client.send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2049\r\n\r\n");
    QTRY_VERIFY(client.isClosed());
    QVERIFY2(client.received().contains("at most 2 KiB (2048 bytes)"), client.received());
}

void tst_HttpLimits::badConfigValuesNameTheKey_data()
{
    QTest::addColumn<QByteArray>("http");
    QTest::addColumn<QString>("message");
    QTest::newRow("negative body") << QByteArray(R"({"maxBodyBytes": -1})")
                                   << QStringLiteral("http.maxBodyBytes: must be from 0 to");
    QTest::newRow("zero timeout") << QByteArray(R"({"idleTimeoutMs": 0})")
                                  << QStringLiteral("http.idleTimeoutMs: must be from 1 to");
    QTest::newRow("text") << QByteArray(R"({"maxConnections": "many"})")
                          << QStringLiteral("http.maxConnections: must be a whole number");
    QTest::newRow("typo") << QByteArray(R"({"maxBodySize": 10})")
                          << QStringLiteral("http.maxBodySize: unknown key");
    QTest::newRow("not an object")
        << QByteArray("1048576") << QStringLiteral("http: must be an object");
}

void tst_HttpLimits::badConfigValuesNameTheKey()
{
    QFETCH(QByteArray, http);
    QFETCH(QString, message);
    QList<ConfigError> errors;
    const std::optional<ProjectConfig> config
        = ProjectConfig::parse(R"({"plugins": "p", "http": )" + http + "}",
                               QStringLiteral("/p/qreload.json"), {}, &errors);
    QVERIFY(!config);
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.first().toString().contains(message), qPrintable(errors.first().toString()));
    QVERIFY(errors.first().toString().startsWith(QStringLiteral("/p/qreload.json")));
}

void tst_HttpLimits::hostHeaderOnLoopbackAllowsOnlyLoopbackNames()
{
    start();
    const QByteArray port = QByteArray::number(m_server->port());
    for (const QByteArray &host : {QByteArray("127.0.0.1:") + port, QByteArray("localhost"),
                                   QByteArray("LOCALHOST:") + port}) {
        RawClient client(m_server->port());
        client.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        QTRY_COMPARE(client.responses(), 1);
        QVERIFY2(client.received().contains("Hello, Version 1!"), host.constData());
    }
    // On loopback the machine's name is refused too: nothing but this machine can reach it.
    const QByteArray name = QHostInfo::localHostName().toUtf8();
    for (const QByteArray &host : {name, name + ':' + port, QByteArray("evil.example")}) {
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("refused a request "
                                                                             "for Host")));
        RawClient client(m_server->port());
        client.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        QTRY_COMPARE(client.responses(), 1);
        QVERIFY2(client.received().startsWith("HTTP/1.1 421 "), host.constData());
    }
}

void tst_HttpLimits::hostHeaderOnAllInterfacesAllowsThisMachine()
{
    start(QHostAddress::AnyIPv4);
    const QByteArray port = QByteArray::number(m_server->port());
    const QByteArray name = QHostInfo::localHostName().toUtf8();
    QList<QByteArray> allowed = {name, name + ':' + port, name.toUpper(), "127.0.0.1"};
    for (const QHostAddress &address : QNetworkInterface::allAddresses()) {
        if (address.protocol() == QAbstractSocket::IPv4Protocol && !address.isLoopback())
            allowed += address.toString().toLatin1() + ':' + port;
        else if (address.protocol() == QAbstractSocket::IPv6Protocol && !address.isLoopback())
            allowed += '[' + address.toString().section(QLatin1Char('%'), 0, 0).toLatin1()
                       + "]:" + port;
    }
    for (const QByteArray &host : std::as_const(allowed)) {
        RawClient client(m_server->port());
        client.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        QTRY_COMPARE(client.responses(), 1);
        QVERIFY2(client.received().contains("Hello, Version 1!"),
                 (host + ": " + client.received()).constData());
    }
    // Any other name may be DNS rebinding: still refused, as is an address not of this machine.
    for (const QByteArray &host : {QByteArray("evil.example"), QByteArray("evil.example:") + port,
                                   name + ".evil.example", QByteArray("203.0.113.7:") + port}) {
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("refused a request "
                                                                             "for Host")));
        RawClient client(m_server->port());
        client.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        QTRY_COMPARE(client.responses(), 1);
        QVERIFY2(client.received().startsWith("HTTP/1.1 421 "), host.constData());
    }
}

QTEST_GUILESS_MAIN(tst_HttpLimits)
#include "tst_httplimits.moc"
