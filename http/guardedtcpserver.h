#pragma once

#include "connectionlimits.h"

#include <QSet>
#include <QTcpServer>

namespace qreload::app {

class ConnectionGuard;

/*!
 * The preview server's listening socket: a QTcpServer that puts a ConnectionGuard on every
 * connection before QHttpServer sees it, and refuses connections over the limit with `503`.
 *
 * Bind it to the HTTP server (QAbstractHttpServer::bind) before connections arrive: the HTTP
 * server, its parent, takes each connection as soon as it is offered, and the guard's slots are
 * connected around the HTTP server's.
 */
class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    explicit GuardedTcpServer(const ConnectionLimits &limits, QObject *parent = nullptr);

    //! Applies to new connections and, for the body limit and idle timeout, to open ones.
    void setLimits(const ConnectionLimits &limits);
    ConnectionLimits limits() const { return m_limits; }
    //! Connections accepted and not closed yet (refused ones not counted).
    int openConnections() const { return int(m_guards.size()); }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    ConnectionLimits m_limits;
    QSet<ConnectionGuard *> m_guards;
    bool m_refusing = false; //!< the last connection was over the cap (logged once per burst)
};

} // namespace qreload::app
