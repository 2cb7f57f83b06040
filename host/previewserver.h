#pragma once

#include "clientscript.h"
#include "connectionlimits.h"
#include "qtcompat.h"

#include <QHostAddress>
#include <QJsonObject>

#include <QUrl>
#include <functional>

namespace qreload::app {

class EventJournal;
class EventStream;
class ReloadEngine;

/*!
 * The preview HTTP server. Every request is resolved against the generation that is current
 * when it arrives (held for the request's duration, so a reload mid-request cannot pull it away).
 *
 * Routes: component routes of the current generation; `GET /_qreload/status` (JSON),
 * `GET /_qreload/log` (JSON), `GET /_qreload/graph` (DOT), `POST /_qreload/reload` (needs the
 * session token in the `X-QReload-Token` header; `?all=1` rebuilds everything: "Reload all"),
 * and a component's details and method calls under `/_qreload/components/` (see
 * ComponentEndpoint; invoking needs the token too).
 * Every response carries `X-QReload-Generation`.
 *
 * Live reload: `GET /_qreload/events` streams the event journal (Server-Sent Events, see
 * EventStream), `GET /_qreload/client.js` is the browser script, which goes into the HTML answers
 * of component routes (never into other types, never into qreload's own endpoints) unless
 * setLiveReload(false); `POST /_qreload/open` (same origin only) asks the console to show a
 * diagnostic.
 * Requests whose Host header is not a loopback name are refused (DNS rebinding); when the server
 * listens on a non-loopback address, the machine's own addresses and host name are allowed too.
 *
 * HTTP limits (body size, idle connections, open connections; see ConnectionLimits) are kept by
 * the listening socket, a GuardedTcpServer, before QHttpServer parses a request: QHttpServer has
 * no setting for them.
 */
class PreviewServer : public HttpServer
{
    Q_OBJECT

public:
    explicit PreviewServer(ReloadEngine *engine, QObject *parent = nullptr);

    //! Listens on host:port (port 0 picks a free one). On failure, *error says why.
    bool listen(const QHostAddress &host, quint16 port, QString *error);
    /*!
     * Serves on a listening socket made by someone else (the supervisor, which keeps it while a
     * host restarts, so connections wait in its backlog). `host` is the address it listens on.
     */
    bool adopt(qintptr listeningDescriptor, const QHostAddress &host, QString *error);
    //! Fields the supervisor adds to /_qreload/status (host process, crash loop, warnings).
    void setSupervisorStatus(const QJsonObject &fields) { m_supervisorStatus = fields; }
    //! What POST /_qreload/restart does (ask the supervisor for a new host); unset: 404.
    void setRestartHandler(std::function<void()> handler) { m_restart = std::move(handler); }
    //! The live events this server streams (the host's copy of the supervisor's journal).
    EventJournal *eventJournal() const { return m_journal; }
    EventStream *eventStream() const { return m_stream; }
    //! Inject the live-reload script into component routes' HTML (default off; the host turns
    //! it on when the supervisor's configuration says so).
    void setLiveReload(bool on) { m_liveReload = on; }
    bool liveReload() const { return m_liveReload; }
    /*!
     * What `POST /_qreload/open` does with its JSON body (`record`, `file`, `line`, `column`):
     * raise the console at that diagnostic. Unset: 404.
     */
    void setOpenHandler(std::function<void(const QJsonObject &)> handler)
    {
        m_open = std::move(handler);
    }
    //! The request comes from a page of this server: `Origin` names the host it was sent to,
    //! and `Sec-Fetch-Site`, when the browser sends it, says same-origin.
    static bool isSameOrigin(const QHttpServerRequest &request);
    /*!
     * Sets the HTTP limits; they apply to new connections at once and, for the body limit and
     * the idle timeout, to open ones. On a value that is not usable, returns false and *error
     * says which.
     */
    bool setLimits(const ConnectionLimits &limits, QString *error = nullptr);
    ConnectionLimits limits() const { return m_limits; }
    //! Connections open now (accepted, not closed yet).
    int openConnections() const;
    quint16 port() const { return m_port; }
    QHostAddress host() const { return m_host; }
    //! http://127.0.0.1:<port>/
    QUrl url() const;
    //! Guards the POST endpoints (`X-QReload-Token`): QRELOAD_TOKEN when it is set (16 characters
    //! at least), else random per session.
    QString sessionToken() const { return m_token; }
    //! The status document served at /_qreload/status.
    QJsonObject status() const;

protected:
    bool serve(const QHttpServerRequest &request, HttpExchange &exchange) override;

private:
    //! A guarded listening socket, opened by `open`, becomes this server's.
    bool serveOn(const std::function<bool(QTcpServer *)> &open, const QHostAddress &host,
                 const QString &what, QString *error);
    bool hostAllowed(const QHttpServerRequest &request) const;
    //! The request carries this session's token in `X-QReload-Token` (needed to change state).
    bool hasSessionToken(const QHttpServerRequest &request) const;

    ReloadEngine *m_engine;
    QHostAddress m_host;
    quint16 m_port = 0;
    ConnectionLimits m_limits;
    QString m_token;
    QJsonObject m_supervisorStatus;
    std::function<void()> m_restart;
    EventJournal *m_journal;
    EventStream *m_stream;
    bool m_liveReload = false;
    std::function<void(const QJsonObject &)> m_open;
    //! Which component serves which route, for the injected tag (made once per generation).
};

} // namespace qreload::app
