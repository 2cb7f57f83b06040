#pragma once

#include <QAbstractHttpServer>

namespace qreload::app {

class HostProxy;

/*!
 * Answers on the preview port while no host serves (the host crashed too often and restarts
 * stopped): `GET /_qreload/status` and `/_qreload/log`, `POST /_qreload/restart` and
 * `/_qreload/reload` (token required) start a new host, and every other request gets a 503 page
 * naming the last crash. It runs in the supervisor and never calls plugin code. While a host
 * runs, its listening socket is paused, so the host alone accepts.
 */
class StandbyServer : public QAbstractHttpServer
{
    Q_OBJECT

public:
    explicit StandbyServer(HostProxy *proxy);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    HostProxy *m_proxy;
};

} // namespace qreload::app
