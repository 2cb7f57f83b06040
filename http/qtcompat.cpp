#include "qtcompat.h"

#include "connectionguard.h"

#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QMetaMethod>
#include <QTcpServer>

#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
#include <QHttpHeaders>
#endif

namespace qreload::app {

namespace {

#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
//! Difference 2: the socket a request came on, which Qt 6.5+ no longer passes.
QTcpSocket *socketOf(const QAbstractHttpServer *server, const QHttpServerRequest &request)
{
    const auto sameConnection = [&request](const QTcpSocket *socket) {
        return socket && socket->peerPort() == request.remotePort()
               && socket->localPort() == request.localPort()
               && socket->peerAddress() == request.remoteAddress();
    };
    // The connection the guard is following in this turn: the one Qt's parser reads now.
    if (QTcpSocket *socket = ConnectionGuard::inParserTurn(); sameConnection(socket))
        return socket;
    // Not guarded: Qt 6.5+ makes each connection's socket a child of its protocol handler, a
    // child of the server.
    const QList<QTcpSocket *> sockets = server->findChildren<QTcpSocket *>();
    for (QTcpSocket *socket : sockets) {
        if (sameConnection(socket))
            return socket;
    }
    return nullptr;
}
#endif

} // namespace

HttpHeaderList requestHeaders(const QHttpServerRequest &request)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
    return request.headers().toListOfPairs();
#else
    return request.headers();
#endif
}

void HttpExchange::write(const QByteArray &body, const HttpHeaderList &headers, int status)
{
    const auto code = QHttpServerResponder::StatusCode(status);
#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
    m_responder.write(body, QHttpHeaders::fromListOfPairs(headers), code);
#else
    // 6.4's write() takes an initializer_list only; this is what it does with one.
    m_responder.writeStatusLine(code);
    for (const auto &[name, value] : headers)
        m_responder.writeHeader(name, value);
    m_responder.writeHeader(QByteArrayLiteral("Content-Length"), QByteArray::number(body.size()));
    m_responder.writeBody(body);
#endif
}

HttpServer::HttpServer(QObject *parent)
    : QAbstractHttpServer(parent)
{}

void HttpServer::answerMissing(HttpExchange &exchange)
{
    exchange.write(QByteArrayLiteral("not found\n"), {{"Content-Type", "text/plain"}}, 404);
}

#if QT_VERSION < QT_VERSION_CHECK(6, 5, 0)

bool HttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    QHttpServerResponder responder = makeResponder(request, socket);
    HttpExchange exchange(responder, socket);
    return serve(request, exchange);
}

void HttpServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    QHttpServerResponder responder = makeResponder(request, socket);
    HttpExchange exchange(responder, socket);
    answerMissing(exchange);
}

#else

bool HttpServer::handleRequest(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    HttpExchange exchange(responder, socketOf(this, request));
    return serve(request, exchange);
}

void HttpServer::missingHandler(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    HttpExchange exchange(responder, socketOf(this, request));
    answerMissing(exchange);
}

#endif

void HttpSocket::connectNotify(const QMetaMethod &signal)
{
    QTcpSocket::connectNotify(signal);
    if (m_notifying || !m_onConnected || signal != QMetaMethod::fromSignal(&QIODevice::readyRead))
        return;
    // The callback reconnects slots of its own, which would call it again.
    m_notifying = true;
    m_onConnected();
    m_notifying = false;
}

} // namespace qreload::app
