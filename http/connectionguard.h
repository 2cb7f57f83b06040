#pragma once

#include "chunkedbody.h"
#include "connectionlimits.h"
#include "requesthead.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace qreload::app {

/*!
 * Enforces ConnectionLimits on one connection of the preview server, around QHttpServer, which
 * has no setting for them (neither in Qt 6.4 nor in 6.8: see qtcompat.h).
 *
 * The guard's slot is connected to the socket's readyRead before QHttpServer's parser, so it
 * sees every byte before the parser reads it, and a second slot runs after the parser. It
 * follows the stream exactly as far as the parser will read it in that turn (the current
 * request: its head, then its body), so the two always agree where a request starts:
 *
 * - a head whose Content-Length is over the limit gets `413` and the parser never reads it, nor
 *   the body; a chunked body gets `413` as soon as the chunks announce more than the limit;
 * - a malformed request line or Content-Length gets `400`, a head over 256 KiB `431`;
 * - after the response to a request that asked for it (`Connection: close`, HTTP/1.0 without
 *   keep-alive) the connection is closed;
 * - a connection that sends and receives nothing for the idle timeout is closed (`408` first when
 *   it stopped in the middle of a request).
 *
 * A refused connection is closed gently: the response is sent, the sending side shut down, and
 * what the client still sends is read and dropped (never kept) for up to LingerMs, so that the
 * client reads the response instead of a connection reset.
 *
 * Every readyRead slot of the socket other than the guard's is taken to be the parser's. On an
 * HttpSocket, the guard keeps its after-parser slot behind the parser's even when the parser
 * connects again (Qt 6.5+ does after every request), and keeps a refused connection's parser
 * detached (qtcompat.h, difference 4).
 *
 * The guard is a child of its socket. Runs on the socket's thread.
 */
class ConnectionGuard : public QObject
{
    Q_OBJECT

public:
    //! How long a refused connection is drained before it is closed regardless.
    static constexpr int LingerMs = 2000;

    /*!
     * Guards `socket`: refusing disconnects every other readyRead slot (the parser's) from it.
     * Construct the guard before the parser connects to the socket, and call followParser()
     * after.
     */
    ConnectionGuard(QTcpSocket *socket, const ConnectionLimits &limits);

    //! The guard of `socket`, or null.
    static ConnectionGuard *of(const QTcpSocket *socket);
    /*!
     * The socket whose readyRead the parser is handling now on this thread (between the guard's
     * slots before and after it), or null: the connection of the request being answered.
     */
    static QTcpSocket *inParserTurn();

    //! Connects the slot that runs after the parser's (call once the parser is connected).
    void followParser();
    void setLimits(const ConnectionLimits &limits);

    /*!
     * What the response to the request being answered says in its `Connection` field: `close`
     * when the connection ends after it, `keep-alive` for an HTTP/1.0 request that asked to keep
     * it; empty otherwise (HTTP/1.1 keeps connections by default).
     */
    QByteArray connectionHeader() const;

    /*!
     * Answers `status` with `text` and closes the connection (gently, see the class comment).
     * Nothing more of this connection reaches the parser. Logs nothing: the caller does.
     */
    void refuse(int status, const QByteArray &reason, const QString &text);
    bool isRefused() const { return m_stage == Stage::Refused; }

private:
    enum class Stage {
        Head,      //!< reading a request head (or waiting for one)
        Body,      //!< a fixed-length body: m_bodyLeft bytes still to come
        Chunked,   //!< a chunked body (m_chunked follows it)
        Answering, //!< the request is complete: the parser answers it in this turn
        Refused,   //!< answered by the guard; draining until closed
    };

    //! refuse(), logged: a request the guard itself judged.
    void refuseRequest(int status, const QByteArray &reason, const QString &text);
    void beforeParser();
    void afterParser();
    //! Follows the stream from `offset` (bytes of the unread data already followed) as far as
    //! the parser will read it now; returns the new offset, or -1 when the request was refused.
    qsizetype follow(qsizetype offset, qsizetype available);
    //! The first `size` unread bytes, without reading them.
    QByteArrayView peek(qsizetype size);
    void judgeHead();
    void requestAnswered();
    void idleTimeout();
    void drain();
    void closeQuietly();
    void detachParser();
    //! A slot was connected to the socket's readyRead (the parser, again).
    void readyReadConnected();
    //! Reconnects afterParser, so that it runs after every readyRead slot connected so far.
    void moveAfterParserLast();

    QTcpSocket *m_socket;
    QMetaObject::Connection m_after;   //!< afterParser's connection, kept last
    QTcpSocket *m_outerTurn = nullptr; //!< inParserTurn() before this socket's turn began
    bool m_rewiring = false;           //!< the guard is connecting its own slots
    bool m_moveAfterParser = false;    //!< the parser reconnected during its turn
    ConnectionLimits m_limits;
    QTimer m_idle;
    QElapsedTimer m_activity; //!< since the last byte received or sent
    QTimer m_linger;
    Stage m_stage = Stage::Head;
    RequestHead m_head;
    ChunkedBody m_chunked;
    QByteArray m_peeked;
    qint64 m_bodyLeft = 0;
    //! Unread bytes at the front of the socket's buffer that the guard has already followed
    //! (the parser left them for a later turn).
    qsizetype m_followed = 0;
    bool m_inParserTurn = false;
    bool m_closeAfterResponse = false;
    bool m_keepAliveHttp10 = false;
};

} // namespace qreload::app
