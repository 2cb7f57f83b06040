#include "eventstream.h"

#include <QHttpServerRequest>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTcpSocket>
#include <QUrlQuery>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace qreload::app {

EventStream::EventStream(EventJournal *journal, QObject *parent)
    : QObject(parent)
    , m_journal(journal)
{
    connect(m_journal, &EventJournal::appended, this, &EventStream::broadcast);
    m_heartbeat.setInterval(15000);
    m_heartbeat.setTimerType(Qt::CoarseTimer);
    connect(&m_heartbeat, &QTimer::timeout, this, &EventStream::heartbeat);
}

void EventStream::setHeartbeatMs(int ms)
{
    m_heartbeat.setInterval(qMax(10, ms));
}

void EventStream::applyLimits(const ConnectionLimits &limits)
{
    setMaxClients(qMax(1, limits.maxConnections / 2));
    setHeartbeatMs(qMin(15000, qMax(10, limits.idleTimeoutMs / 3)));
}

quint64 EventStream::lastEventId(const QHttpServerRequest &request)
{
    QByteArray id = request.value("Last-Event-ID").trimmed();
    if (id.isEmpty())
        id = QUrlQuery(request.url()).queryItemValue(QStringLiteral("lastEventId")).toLatin1();
    bool ok = false;
    const quint64 value = id.toULongLong(&ok);
    return ok ? value : 0;
}

void EventStream::serve(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // Pruned here rather than on every disconnect signal alone: a socket can be destroyed
    // without disconnecting first (the server going away).
    m_clients.removeIf([](const QPointer<QTcpSocket> &client) { return client.isNull(); });
    if (m_clients.size() >= m_maxClients) {
        const QByteArray body = QStringLiteral("Service Unavailable: %1 event streams are open, "
                                               "the most this server keeps; try again later\n")
                                    .arg(m_maxClients)
                                    .toUtf8();
        socket->write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; "
                      "charset=utf-8\r\nRetry-After: 5\r\nCache-Control: no-store\r\n"
                      "Content-Length: "
                      + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        // Logged once per burst: a hundred pages reconnecting would otherwise flood the log.
        if (!std::exchange(m_refusing, true))
            qCWarning(lcHttp).noquote() << "refused an event stream:" << m_maxClients
                                        << "are open, the most this server keeps; refusing more "
                                           "until some close";
        return;
    }
    m_refusing = false;
    const quint64 after = lastEventId(request);
    QJsonObject hello = m_helloData ? m_helloData() : QJsonObject();
    hello.insert(QLatin1String("session"), m_journal->session());
    hello.insert(QLatin1String("lastId"), qint64(m_journal->lastId()));
    hello.insert(QLatin1String("complete"), m_journal->coversSince(after));
    if (const std::optional<LiveEvent> problem = m_journal->openProblem())
        hello.insert(QLatin1String("problem"),
                     QJsonObject{{QLatin1String("id"), qint64(problem->id)},
                                 {QLatin1String("kind"), problem->kind},
                                 {QLatin1String("data"), problem->data}});
    // No Content-Length and no chunking: the body ends when the connection does.
    QByteArray head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                      "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\n\r\n"
                      "retry: "
                      + QByteArray::number(RetryMs) + "\nevent: hello\ndata: "
                      + QJsonDocument(hello).toJson(QJsonDocument::Compact) + "\n\n";
    for (const LiveEvent &event : m_journal->since(after))
        head += event.sseFrame();
    socket->write(head);
    m_clients.append(socket);
    connect(socket, &QAbstractSocket::disconnected, this, [this, socket] { forget(socket); });
    connect(socket, &QObject::destroyed, this, [this, socket] { forget(socket); });
    if (!m_heartbeat.isActive())
        m_heartbeat.start();
}

void EventStream::write(QTcpSocket *socket, const QByteArray &bytes)
{
    if (socket->bytesToWrite() > MaxBufferedBytes) {
        qCWarning(lcHttp).noquote() << "dropped an event stream to"
                                    << socket->peerAddress().toString() << ": it stopped reading";
        forget(socket);
        socket->abort();
        return;
    }
    socket->write(bytes);
}

void EventStream::broadcast(const LiveEvent &event)
{
    const QByteArray frame = event.sseFrame();
    // A copy: write() may drop a client from the list.
    const QList<QPointer<QTcpSocket>> clients = m_clients;
    for (const QPointer<QTcpSocket> &client : clients) {
        if (client && client->state() == QAbstractSocket::ConnectedState)
            write(client, frame);
    }
}

void EventStream::heartbeat()
{
    const QList<QPointer<QTcpSocket>> clients = m_clients;
    for (const QPointer<QTcpSocket> &client : clients) {
        if (client && client->state() == QAbstractSocket::ConnectedState)
            write(client, QByteArrayLiteral(": heartbeat\n\n"));
    }
    m_clients.removeIf([](const QPointer<QTcpSocket> &client) { return client.isNull(); });
    if (m_clients.isEmpty())
        m_heartbeat.stop();
}

void EventStream::forget(QTcpSocket *socket)
{
    m_clients.removeIf([socket](const QPointer<QTcpSocket> &client) {
        return client.isNull() || client.data() == socket;
    });
}

void EventStream::closeAll()
{
    const QList<QPointer<QTcpSocket>> clients = std::exchange(m_clients, {});
    for (const QPointer<QTcpSocket> &client : clients) {
        if (client)
            client->disconnectFromHost();
    }
    m_heartbeat.stop();
}

} // namespace qreload::app
