#pragma once

#include "connectionlimits.h"

#include "qtcompat.h"

namespace qreload::app {

class EventJournal;
class EventStream;
class HostProxy;

/*!
 * Answers on the preview port while no host serves (the host crashed too often and restarts
 * stopped): `GET /_qreload/status` and `/_qreload/log`, `POST /_qreload/restart` and
 * `/_qreload/reload` (token required) start a new host, and every other request gets a 503 page
 * naming the last crash. Pages keep following along: `GET /_qreload/events` streams the
 * supervisor's journal (the crash that stopped the host included), `/_qreload/client.js` is
 * served, and `POST /_qreload/open` raises the console. It runs in the supervisor and never calls
 * plugin code. While a host runs, its listening socket is paused, so the host alone accepts.
 */
class StandbyServer : public HttpServer
{
    Q_OBJECT

public:
    StandbyServer(HostProxy *proxy, EventJournal *journal, const ConnectionLimits &limits);
    //! The live-event stream it serves while no host runs.
    EventStream *eventStream() const { return m_stream; }

protected:
    bool serve(const QHttpServerRequest &request, HttpExchange &exchange) override;

private:
    HostProxy *m_proxy;
    EventStream *m_stream;
};

} // namespace qreload::app
