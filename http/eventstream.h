#pragma once

#include "connectionlimits.h"
#include "eventjournal.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

QT_BEGIN_NAMESPACE
class QHttpServerRequest;
class QTcpSocket;
QT_END_NAMESPACE

namespace qreload::app {

/*!
 * Serves an EventJournal as a Server-Sent Events stream (`GET /_qreload/events`) to any number
 * of clients, in the host's PreviewServer and in the supervisor's StandbyServer alike.
 *
 * A new client gets the response head, `retry:`, a `hello` event (no id: session, last id and
 * whatever helloData() adds) and the journal's events after its `Last-Event-ID` header (or
 * `?lastEventId=`, for a first connection, which cannot set headers), then every event as it is
 * appended. A comment line goes out every heartbeat interval: it keeps proxies from closing the
 * stream and keeps the connection from counting as idle (the guard's idle timeout watches bytes
 * sent too), so choose it below the idle timeout.
 *
 * A stream has no length: it ends when the connection closes. Clients beyond maxClients() get
 * `503` (streams must not take every connection the server allows), and a client that stops
 * reading is dropped once MaxBufferedBytes wait for it, so it cannot grow this process.
 * Runs on the thread of its sockets (the server's).
 */
class EventStream : public QObject
{
    Q_OBJECT

public:
    //! Unsent bytes a client may fall behind by before it is dropped.
    static constexpr qint64 MaxBufferedBytes = 1 << 20;
    //! What a client waits before it reconnects (the `retry:` field), in ms.
    static constexpr int RetryMs = 1000;

    explicit EventStream(EventJournal *journal, QObject *parent = nullptr);

    /*!
     * Answers `request` on `socket` with the stream and keeps the socket as a client (or answers
     * 503 when maxClients() are connected). The socket belongs to the HTTP server; the stream
     * forgets it when it disconnects or is destroyed.
     */
    void serve(const QHttpServerRequest &request, QTcpSocket *socket);
    void setMaxClients(int max) { m_maxClients = max; }
    int maxClients() const { return m_maxClients; }
    /*!
     * Follows the server's HTTP limits: streams may take half of its connections (the rest stay
     * for pages and API calls), and a heartbeat goes out three times per idle timeout (at most
     * every 15 s), so an open stream is never closed as idle.
     */
    void applyLimits(const ConnectionLimits &limits);
    //! Comment lines at least this often (ms).
    void setHeartbeatMs(int ms);
    int heartbeatMs() const { return m_heartbeat.interval(); }
    //! Fields added to each client's `hello` event (the generation serving, say).
    void setHelloData(std::function<QJsonObject()> data) { m_helloData = std::move(data); }
    //! Ends every stream (their clients reconnect, elsewhere: the host that serves again).
    void closeAll();
    //! The `Last-Event-ID` of a request: the header, else the `lastEventId` query item; 0: none.
    static quint64 lastEventId(const QHttpServerRequest &request);

private:
    void broadcast(const LiveEvent &event);
    void heartbeat();
    void write(QTcpSocket *socket, const QByteArray &bytes);
    void forget(QTcpSocket *socket);

    EventJournal *m_journal;
    QList<QPointer<QTcpSocket>> m_clients;
    QTimer m_heartbeat;
    int m_maxClients = 128;
    bool m_refusing = false; //!< the last stream asked for was refused (logged once per burst)
    std::function<QJsonObject()> m_helloData;
};

} // namespace qreload::app
