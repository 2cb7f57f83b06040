#include "connectionguard.h"

#include "qtcompat.h"

#include <QLoggingCategory>
#include <QScopedValueRollback>
#include <QTcpSocket>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace qreload::app {

namespace {
thread_local QTcpSocket *t_parserTurn = nullptr;
} // namespace

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, const ConnectionLimits &limits)
    : QObject(socket)
    , m_socket(socket)
    , m_limits(limits)
{
    m_idle.setSingleShot(true);
    m_idle.setTimerType(Qt::CoarseTimer);
    connect(&m_idle, &QTimer::timeout, this, &ConnectionGuard::idleTimeout);
    m_linger.setSingleShot(true);
    connect(&m_linger, &QTimer::timeout, m_socket, &QAbstractSocket::abort);
    // Connected before the parser's slot, so it runs first on every readyRead.
    connect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::beforeParser);
    if (auto *httpSocket = qobject_cast<HttpSocket *>(m_socket))
        httpSocket->onReadyReadConnected([this] { readyReadConnected(); });
    connect(m_socket, &QIODevice::bytesWritten, this, [this] { m_activity.start(); });
    m_activity.start();
    m_idle.start(m_limits.idleTimeoutMs);
}

ConnectionGuard *ConnectionGuard::of(const QTcpSocket *socket)
{
    return socket ? socket->findChild<ConnectionGuard *>(QString(), Qt::FindDirectChildrenOnly)
                  : nullptr;
}

QTcpSocket *ConnectionGuard::inParserTurn()
{
    return t_parserTurn;
}

void ConnectionGuard::setLimits(const ConnectionLimits &limits)
{
    m_limits = limits;
    if (m_idle.isActive()) // a shorter timeout takes effect now, not after the old one
        m_idle.start(std::max(0, int(m_limits.idleTimeoutMs - m_activity.elapsed())));
}

void ConnectionGuard::followParser()
{
    if (m_after || m_stage == Stage::Refused)
        return;
    const QScopedValueRollback rewiring(m_rewiring, true);
    m_after = connect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::afterParser);
}

void ConnectionGuard::readyReadConnected()
{
    if (m_rewiring)
        return;
    if (m_stage == Stage::Refused) {
        // The parser connected again (Qt 6.5+ does when a response is done): nothing more of
        // this connection may reach it.
        detachParser();
        return;
    }
    if (!m_after)
        return; // before followParser(): it connects the after-parser slot itself
    if (m_inParserTurn) {
        // The parser connected again at the end of its turn (Qt 6.5+, as its responder went):
        // the after-parser slot must still run in this turn, where it is, and moves itself then.
        // (A slot connected during a signal's emission is not called by that emission.)
        m_moveAfterParser = true;
        return;
    }
    moveAfterParserLast();
}

void ConnectionGuard::moveAfterParserLast()
{
    // Behind the slot just connected, so that it still runs after the parser.
    const QScopedValueRollback rewiring(m_rewiring, true);
    disconnect(m_after);
    m_after = connect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::afterParser);
}

QByteArray ConnectionGuard::connectionHeader() const
{
    if (m_closeAfterResponse)
        return QByteArrayLiteral("close");
    if (m_keepAliveHttp10)
        return QByteArrayLiteral("keep-alive");
    return {};
}

void ConnectionGuard::beforeParser()
{
    if (m_stage == Stage::Refused) {
        drain();
        return;
    }
    // The connection Qt's parser reads next (restored by afterParser: a route's event loop may
    // handle another connection in between).
    m_outerTurn = std::exchange(t_parserTurn, m_socket);
    m_activity.start();
    if (m_inParserTurn || m_stage == Stage::Answering) {
        // A route ran an event loop and the parser goes on with the next request while the
        // previous one is still being answered: follow that one from the start of the unread data.
        m_stage = Stage::Head;
        m_head.clear();
        m_followed = 0;
    }
    m_inParserTurn = true;
    const qsizetype followed = follow(m_followed, m_socket->bytesAvailable());
    if (followed >= 0)
        m_followed = followed;
}

QByteArrayView ConnectionGuard::peek(qsizetype size)
{
    // One buffer for the connection's life: a peek per request costs no allocation.
    m_peeked.resize(size);
    m_peeked.resize(std::max<qint64>(0, m_socket->peek(m_peeked.data(), size)));
    return m_peeked;
}

qsizetype ConnectionGuard::follow(qsizetype offset, qsizetype available)
{
    while (offset < available) {
        switch (m_stage) {
        case Stage::Head: {
            // Peek no further than the head may reach: a longer head is refused anyway.
            const qsizetype allowance = ConnectionLimits::MaxHeadBytes - m_head.size() + 1;
            const QByteArrayView bytes = peek(std::min(available, offset + allowance));
            offset += m_head.feed(bytes.sliced(offset), ConnectionLimits::MaxHeadBytes);
            switch (m_head.state()) {
            case RequestHead::State::Malformed:
                refuseRequest(400, "Bad Request",
                              QStringLiteral("Bad Request: the request line is not "
                                             "\"METHOD /path HTTP/1.1\""));
                return -1;
            case RequestHead::State::TooLong:
                refuseRequest(
                    431, "Request Header Fields Too Large",
                    QStringLiteral("Request Header Fields Too Large: the request line and "
                                   "header fields are over %1")
                        .arg(ConnectionLimits::sizeText(ConnectionLimits::MaxHeadBytes)));
                return -1;
            case RequestHead::State::Complete:
                judgeHead();
                if (m_stage == Stage::Refused)
                    return -1;
                break;
            case RequestHead::State::RequestLine:
            case RequestHead::State::Fields:
                return offset;
            }
            break;
        }
        case Stage::Body: {
            const qint64 take = std::min<qint64>(m_bodyLeft, available - offset);
            m_bodyLeft -= take;
            offset += take;
            if (m_bodyLeft == 0)
                m_stage = Stage::Answering;
            break;
        }
        case Stage::Chunked: {
            offset += m_chunked.feed(peek(available).sliced(offset));
            if (m_chunked.state() == ChunkedBody::State::Malformed) {
                refuseRequest(400, "Bad Request",
                              QStringLiteral("Bad Request: the chunked request body is malformed"));
                return -1;
            }
            if (m_chunked.announcedBytes() > m_limits.maxBodyBytes) {
                refuseRequest(
                    413, "Content Too Large",
                    QStringLiteral("Content Too Large: the chunked request body grew over "
                                   "%1, the most this server accepts")
                        .arg(ConnectionLimits::sizeText(m_limits.maxBodyBytes)));
                return -1;
            }
            if (m_chunked.state() == ChunkedBody::State::Done)
                m_stage = Stage::Answering;
            break;
        }
        case Stage::Answering:
            // The rest belongs to the next request, which the parser reads in a later turn.
            return offset;
        case Stage::Refused:
            return -1;
        }
    }
    return offset;
}

void ConnectionGuard::judgeHead()
{
    m_closeAfterResponse = m_head.closesConnection();
    m_keepAliveHttp10 = m_head.isKeepAliveHttp10();
    const qint64 length = m_head.contentLength();
    if (m_head.isChunked()) {
        // As QHttpServer does: chunked framing wins over a Content-Length.
        m_chunked = ChunkedBody();
        m_stage = Stage::Chunked;
    } else if (length == -2) {
        refuseRequest(400, "Bad Request",
                      QStringLiteral("Bad Request: Content-Length is not a number, or its values "
                                     "disagree"));
    } else if (length > m_limits.maxBodyBytes) {
        refuseRequest(413, "Content Too Large",
                      QStringLiteral("Content Too Large: the request body is %1 bytes; this server "
                                     "accepts at most %2")
                          .arg(length)
                          .arg(ConnectionLimits::sizeText(m_limits.maxBodyBytes)));
    } else if (length > 0) {
        m_bodyLeft = length;
        m_stage = Stage::Body;
    } else {
        m_stage = Stage::Answering;
    }
}

void ConnectionGuard::afterParser()
{
    t_parserTurn = std::exchange(m_outerTurn, nullptr);
    m_inParserTurn = false;
    if (std::exchange(m_moveAfterParser, false))
        moveAfterParserLast();
    if (m_stage == Stage::Refused)
        return;
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        // The parser (or a route) closed the connection: a request it would not read, or a
        // WebSocket upgrade nobody takes. Nothing more to follow.
        m_stage = Stage::Refused;
        m_idle.stop();
        return;
    }
    // The parser keeps a transaction open on the socket while a request is incomplete and
    // commits it when the request is whole, right before answering it.
    if (!m_socket->isTransactionStarted()) {
        requestAnswered();
        return;
    }
    if (m_stage == Stage::Answering) {
        qCWarning(lcHttp) << "request from" << m_socket->peerAddress().toString()
                          << "is complete but QHttpServer waits for more; closing";
        refuseRequest(400, "Bad Request",
                      QStringLiteral("Bad Request: the request could not be read"));
        return;
    }
    // Whatever the parser left unread this turn, the guard has followed already.
    m_followed = m_socket->bytesAvailable();
}

void ConnectionGuard::requestAnswered()
{
    const bool close = m_closeAfterResponse;
    m_stage = Stage::Head;
    m_head.clear();
    m_followed = 0;
    m_closeAfterResponse = false;
    m_keepAliveHttp10 = false;
    if (close) {
        closeQuietly();
        return;
    }
    m_activity.start();
}

void ConnectionGuard::idleTimeout()
{
    if (m_stage == Stage::Refused)
        return;
    // The timer is not restarted on every byte (that would cost more than the rest of the guard
    // per request): it fires, and looks when the connection was last active.
    const qint64 quiet = m_activity.elapsed();
    if (quiet < m_limits.idleTimeoutMs) {
        m_idle.start(int(m_limits.idleTimeoutMs - quiet));
        return;
    }
    if (m_inParserTurn) {
        // A request is being answered (its route runs an event loop): not idle.
        m_idle.start(m_limits.idleTimeoutMs);
        return;
    }
    if (m_stage != Stage::Head || m_head.isStarted()) {
        refuse(408, "Request Timeout",
               QStringLiteral("Request Timeout: nothing of the request arrived for %1 ms")
                   .arg(m_limits.idleTimeoutMs));
        return;
    }
    closeQuietly();
}

void ConnectionGuard::refuseRequest(int status, const QByteArray &reason, const QString &text)
{
    qCWarning(lcHttp).noquote() << "refused a request from" << m_socket->peerAddress().toString()
                                << ':' << status << text;
    refuse(status, reason, text);
}

void ConnectionGuard::refuse(int status, const QByteArray &reason, const QString &text)
{
    if (m_stage == Stage::Refused)
        return;
    m_stage = Stage::Refused;
    m_idle.stop();
    detachParser();
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        m_socket->abort(); // the client is gone or going: no one to answer
        return;
    }
    const QByteArray body = text.toUtf8() + '\n';
    m_socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
                    + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                    + QByteArray::number(body.size())
                    + "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n" + body);
    // Close gently: shut the sending side down once the response is out, and read (and drop)
    // what the client still sends until it closes, so it reads the answer instead of a reset.
    const auto shutdownSending = [this] {
        if (m_socket->bytesToWrite() > 0 || m_socket->state() != QAbstractSocket::ConnectedState)
            return;
#ifdef Q_OS_UNIX
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
#else
        m_socket->disconnectFromHost();
#endif
    };
    connect(m_socket, &QIODevice::bytesWritten, this, shutdownSending);
    m_socket->flush();
    shutdownSending();
    m_linger.start(LingerMs);
    drain();
}

void ConnectionGuard::drain()
{
    // The parser may have left a transaction open; drop it so that skipped bytes are freed.
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    m_socket->skip(m_socket->bytesAvailable());
}

void ConnectionGuard::closeQuietly()
{
    m_stage = Stage::Refused;
    m_idle.stop();
    detachParser();
    drain();
    m_socket->disconnectFromHost();
}

void ConnectionGuard::detachParser()
{
    // Every readyRead slot but the guard's is the parser's: Qt 6.4 connects the server's, Qt 6.5+
    // a per-connection protocol handler's (qtcompat.h, difference 4).
    const QScopedValueRollback rewiring(m_rewiring, true);
    disconnect(m_socket, &QIODevice::readyRead, nullptr, nullptr);
    m_after = {};
    m_moveAfterParser = false;
    connect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::beforeParser);
    if (t_parserTurn == m_socket)
        t_parserTurn = std::exchange(m_outerTurn, nullptr);
}

} // namespace qreload::app
