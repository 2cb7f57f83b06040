#include "guardedtcpserver.h"

#include "connectionguard.h"
#include "qtcompat.h"

#include <QLoggingCategory>
#include <QTcpSocket>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace qreload::app {

GuardedTcpServer::GuardedTcpServer(const ConnectionLimits &limits, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
{}

void GuardedTcpServer::setLimits(const ConnectionLimits &limits)
{
    m_limits = limits;
    for (ConnectionGuard *guard : std::as_const(m_guards))
        guard->setLimits(limits);
}

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    auto *socket = new HttpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcHttp) << "cannot use an accepted connection:" << socket->errorString();
        delete socket;
        return;
    }
    if (m_guards.size() >= m_limits.maxConnections) {
        // Refused without the HTTP server ever seeing it; the guard answers and closes. Logged
        // once per burst: a flood of connections would otherwise flood the log.
        if (!m_refusing)
            qCWarning(lcHttp).noquote()
                << "refused a request from" << socket->peerAddress().toString() << ": 503"
                << m_limits.maxConnections
                << "connections are open, the most this server accepts; refusing more until "
                   "some close";
        m_refusing = true;
        auto *guard = new ConnectionGuard(socket, m_limits);
        connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
        guard->refuse(503, "Service Unavailable",
                      QStringLiteral("Service Unavailable: %1 connections are open, the most "
                                     "this server accepts; close idle ones or raise the limit")
                          .arg(m_limits.maxConnections));
        return;
    }
    m_refusing = false;
    auto *guard = new ConnectionGuard(socket, m_limits);
    m_guards.insert(guard);
    connect(guard, &QObject::destroyed, this, [this, guard] { m_guards.remove(guard); });
    // The HTTP server takes the connection right here (QTcpServer::pendingConnectionAvailable)
    // and connects its parser; the guard's second slot goes after it.
    addPendingConnection(socket);
    if (hasPendingConnections())
        qCWarning(lcHttp) << "the HTTP server did not take a connection at once: bind it to this "
                             "server before it listens";
    guard->followParser();
}

} // namespace qreload::app
