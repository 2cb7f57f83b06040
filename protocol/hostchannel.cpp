#include "hostchannel.h"

#include <QCborValue>
#include <QElapsedTimer>
#include <QLocalSocket>
#include <QPointer>
#include <QScopeGuard>

namespace qreload::app {

HostChannel::HostChannel(QLocalSocket *socket, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_in(socket)
    , m_out(socket)
{
    m_socket->setParent(this);
    m_in.setVersion(QDataStream::Qt_6_4);
    m_out.setVersion(QDataStream::Qt_6_4);
    connect(m_socket, &QLocalSocket::readyRead, this, &HostChannel::readAll);
    connect(m_socket, &QLocalSocket::disconnected, this, &HostChannel::disconnected);
}

HostChannel::~HostChannel() = default;

void HostChannel::send(const QCborMap &message)
{
    if (m_socket->state() != QLocalSocket::ConnectedState)
        return;
    m_out << QCborValue(message);
}

void HostChannel::flush()
{
    m_socket->flush();
}

bool HostChannel::isConnected() const
{
    return m_socket->state() == QLocalSocket::ConnectedState;
}

std::optional<QCborMap> HostChannel::readOne()
{
    m_in.startTransaction();
    QCborValue value;
    m_in >> value;
    if (!m_in.commitTransaction())
        return std::nullopt;
    return value.toMap();
}

void HostChannel::readAll()
{
    // A slot of received() may delete the channel's owner: stop when the socket goes.
    if (m_waiting)
        return; // waitForMessage() reads it
    QPointer<QLocalSocket> socket(m_socket);
    while (socket && socket->bytesAvailable() > 0) {
        std::optional<QCborMap> message = readOne();
        if (!message)
            return;
        Q_EMIT received(*message);
    }
}

void HostChannel::drain()
{
    QPointer<HostChannel> self(this);
    do {
        readAll();
    } while (self && m_socket->waitForReadyRead(0));
}

std::optional<QCborMap> HostChannel::waitForMessage(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    m_waiting = true;
    const auto done = qScopeGuard([this] { m_waiting = false; });
    for (;;) {
        if (std::optional<QCborMap> message = readOne())
            return message;
        const qint64 left = timeoutMs - timer.elapsed();
        if (left <= 0 || !m_socket->waitForReadyRead(int(left)))
            return std::nullopt;
    }
}

} // namespace qreload::app
