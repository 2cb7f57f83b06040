#pragma once

#include <QAbstractHttpServer>
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QTcpSocket>

#include <functional>

QT_BEGIN_NAMESPACE
class QHttpServerRequest;
class QHttpServerResponder;
QT_END_NAMESPACE

/*
 * What changed in Qt between the versions qreload is tested with (6.4.2 on Debian 12, 6.8.2 on
 * Debian 13), kept here so that the rest of the code reads the same on both and has no
 * QT_VERSION test. Each difference, and what this unit does about it:
 *
 * 1. QAbstractHttpServer's entry points (Qt 6.5). Until 6.4, handleRequest() and missingHandler()
 *    get the connection's QTcpSocket and the server makes a responder for it (makeResponder()).
 *    From 6.5 they get a QHttpServerResponder& and makeResponder() is gone; the socket is not
 *    passed at all. HttpServer implements whichever pair the Qt in use declares and hands its
 *    subclasses one HttpExchange: the responder and the socket (found as described in 2).
 *
 * 2. The connection of a request (Qt 6.5). qreload needs the socket itself: the connection guard
 *    belongs to it, Server-Sent Events are written to it raw (no length, no chunking, as on 6.4),
 *    and the crash handler answers a crashed route on its descriptor. From 6.5 the request says
 *    only its peer's address and port: the socket is the one whose readyRead the guard is
 *    following right now (ConnectionGuard::inParserTurn(), checked against the request's peer
 *    port), else the server's socket with that peer address and port.
 *
 * 3. Header fields (Qt 6.8; QHttpHeaders itself is 6.7). QHttpServerResponder::write() takes
 *    QHttpHeaders, not a list of name/value pairs, and QHttpServerRequest::headers() returns
 *    QHttpHeaders (6.4's write() takes only an initializer_list of pairs, so a list made at run
 *    time is written field by field, as that write() does). QHttpHeaders stores names in lower
 *    case, so on 6.8 responses go out as `content-type:` (HTTP names are case-insensitive).
 *    HttpExchange::write() and requestHeaders() take and give the pair list on both.
 *
 * 4. The parser's readyRead connection (Qt 6.5). Qt 6.4 connects its parser to a socket's
 *    readyRead once. From 6.5, the connection's protocol handler disconnects its slot while a
 *    responder of the connection lives and connects it again when the responder is destroyed
 *    (after every request), which puts it after every slot connected before: the connection
 *    guard's slot that must run after the parser's would then run before it, and the guard's
 *    "detach the parser" (disconnecting the server's slots) would miss the handler, which is not
 *    the server. HttpSocket reports every new readyRead connection, so the guard moves its
 *    after-parser slot behind it again, or, on a refused connection, removes it.
 *
 * 5. What the parser does not do, on both: neither 6.4 nor 6.8 limits a request body, closes after
 *    `Connection: close`, or closes idle connections; 6.8's request parser is the 6.4 one (same
 *    request line, header end and body framing, one request per parse). QHttpServerConfiguration
 *    (rate limits) is 6.9. Nothing to adapt: ConnectionGuard keeps these limits on both.
 *
 * 6. Plugin metatypes (container/src/generation.cpp, owned_p.h). QtPrivate::QMetaTypeInterface
 *    is revision 0 in 6.4 and revision 1 in 6.8 (the meaning of the NeedsDestruction flag
 *    changed; its `typeId` lost `mutable` outside MSVC), with the same fields in the same order;
 *    QMetaType::unregisterMetaType() frees the registry slot named by the interface's id on both.
 *    The stand-ins qreload makes before an unload carry only an id, so nothing needed adapting;
 *    tst_Generation::pluginTypesDoNotOutliveTheirLibrary checks that the types are gone on both.
 *    (The metatype code lives in runtime/generation.cpp now.)
 *
 * 7. Plugin load hints (QPluginLoader). A loader made with a file name starts with
 *    PreventUnloadHint on both. Qt 6.4's setLoadHints() replaces the hints; from 6.5 on it adds to
 *    them, so `QPluginLoader(path)` then `setLoadHints(ResolveAllSymbolsHint)` opens the library
 *    RTLD_NODELETE and it never leaves memory (observed on 6.8.2: loadHints() reads 9 after load,
 *    LD_DEBUG=files says "activating NODELETE"). Setting the hints on an empty loader and the file
 *    name after them works on both, so runtime/generation.cpp does that; no #if needed.
 */

namespace qreload::app {

//! Header fields as name/value pairs, in the order they are sent.
using HttpHeaderList = QList<QPair<QByteArray, QByteArray>>;

//! The header fields of `request` as pairs (see difference 3 in qtcompat.h).
HttpHeaderList requestHeaders(const QHttpServerRequest &request);

/*!
 * One request being answered: Qt's responder and the connection the request came on. Valid for
 * the duration of HttpServer::serve() only.
 */
class HttpExchange
{
public:
    HttpExchange(QHttpServerResponder &responder, QTcpSocket *socket)
        : m_responder(responder)
        , m_socket(socket)
    {}

    //! The connection; may be null only if Qt handed a request on no TCP socket.
    QTcpSocket *socket() const { return m_socket; }
    //! Answers with `body`, `headers` (Content-Length is added) and `status`.
    void write(const QByteArray &body, const HttpHeaderList &headers, int status);

private:
    QHttpServerResponder &m_responder;
    QTcpSocket *m_socket;
};

/*!
 * A QAbstractHttpServer with one entry point on every Qt version qreload builds with (see
 * differences 1 and 2 in qtcompat.h). Subclasses implement serve(); a request serve() declines
 * gets a plain `404 not found`.
 */
class HttpServer : public QAbstractHttpServer
{
    Q_OBJECT

public:
    explicit HttpServer(QObject *parent = nullptr);

protected:
    //! Answers `request`; returns false to let the server answer 404.
    virtual bool serve(const QHttpServerRequest &request, HttpExchange &exchange) = 0;

#if QT_VERSION < QT_VERSION_CHECK(6, 5, 0)
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) final;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) final;
#else
    bool handleRequest(const QHttpServerRequest &request, QHttpServerResponder &responder) final;
    void missingHandler(const QHttpServerRequest &request, QHttpServerResponder &responder) final;
#endif

private:
    static void answerMissing(HttpExchange &exchange);
};

/*!
 * The socket of a guarded connection: it reports each slot connected to its readyRead, so that
 * the connection guard can keep its own slots in place around the parser's (difference 4 in
 * qtcompat.h).
 */
class HttpSocket : public QTcpSocket
{
    Q_OBJECT

public:
    using QTcpSocket::QTcpSocket;
    //! Called after a slot was connected to readyRead (not while it runs itself).
    void onReadyReadConnected(std::function<void()> callback)
    {
        m_onConnected = std::move(callback);
    }

protected:
    void connectNotify(const QMetaMethod &signal) override;

private:
    std::function<void()> m_onConnected;
    bool m_notifying = false;
};

} // namespace qreload::app
