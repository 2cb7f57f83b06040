#pragma once

// A Server-Sent Events client over a raw socket, for tests of GET /_qreload/events: it sends the
// request and parses what arrives (the head, `retry:`, comments, and each event's id, kind and
// JSON data) as it arrives.

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

class SseClient : public QObject
{
public:
    struct Event
    {
        QByteArray id; //!< empty for an event without `id:` (hello)
        QString kind;
        QJsonObject data;
    };

    explicit SseClient(quint16 port, const QByteArray &lastEventId = {},
                       const QByteArray &query = {})
    {
        connect(&socket, &QIODevice::readyRead, this, [this] { read(); });
        socket.connectToHost(QHostAddress::LocalHost, port);
        QByteArray request = "GET /_qreload/events" + query
                             + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
        if (!lastEventId.isEmpty())
            request += "Last-Event-ID: " + lastEventId + "\r\n";
        socket.write(request + "\r\n");
    }

    bool isOpen() const { return socket.state() == QAbstractSocket::ConnectedState; }
    bool hasHello() const { return hello().has_value(); }
    std::optional<Event> hello() const
    {
        for (const Event &e : events) {
            if (e.kind == QLatin1String("hello"))
                return e;
        }
        return std::nullopt;
    }
    //! The events of `kind` received so far.
    QList<Event> ofKind(const QString &kind) const
    {
        QList<Event> out;
        for (const Event &e : events) {
            if (e.kind == kind)
                out.append(e);
        }
        return out;
    }
    QByteArray lastId() const
    {
        for (auto it = events.crbegin(); it != events.crend(); ++it) {
            if (!it->id.isEmpty())
                return it->id;
        }
        return {};
    }

    QTcpSocket socket;
    QByteArray head;
    int status = 0;
    QByteArray retry;
    int comments = 0;
    QList<Event> events;

private:
    void read()
    {
        m_buffer += socket.readAll();
        if (head.isEmpty()) {
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            head = m_buffer.left(end);
            m_buffer.remove(0, end + 4);
            status = head.mid(9, 3).toInt();
        }
        qsizetype end;
        while ((end = m_buffer.indexOf("\n\n")) >= 0) {
            const QByteArray block = m_buffer.left(end);
            m_buffer.remove(0, end + 2);
            Event event;
            bool any = false;
            for (const QByteArray &line : block.split('\n')) {
                if (line.startsWith(':')) {
                    ++comments;
                } else if (line.startsWith("retry: ")) {
                    retry = line.mid(7);
                } else if (line.startsWith("id: ")) {
                    event.id = line.mid(4);
                    any = true;
                } else if (line.startsWith("event: ")) {
                    event.kind = QString::fromUtf8(line.mid(7));
                    any = true;
                } else if (line.startsWith("data: ")) {
                    event.data = QJsonDocument::fromJson(line.mid(6)).object();
                    any = true;
                }
            }
            if (any)
                events.append(event);
        }
    }

    QByteArray m_buffer;
};
