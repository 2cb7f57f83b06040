#include "standbyserver.h"

#include "clientscript.h"
#include "eventstream.h"
#include "hostproxy.h"
#include "requestguard.h"

#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>

namespace qreload::app {

StandbyServer::StandbyServer(HostProxy *proxy, EventJournal *journal,
                             const ConnectionLimits &limits)
    : m_proxy(proxy)
    , m_stream(new EventStream(journal, this))
{
    m_stream->applyLimits(limits);
    m_stream->setHelloData([proxy] {
        return QJsonObject{{QLatin1String("generation"), qint64(proxy->generationNumber())},
                           {QLatin1String("standby"), true}};
    });
}

bool StandbyServer::serve(const QHttpServerRequest &request, HttpExchange &exchange)
{
    QTcpSocket *socket = exchange.socket();
    const auto reply = [&](const QByteArray &body, const QByteArray &type, int status) {
        exchange.write(body,
                       {{"Content-Type", type},
                        {"Cache-Control", "no-store"},
                        {"Connection", "close"},
                        {"X-QReload-Generation", QByteArray::number(m_proxy->generationNumber())}},
                       status);
        if (socket)
            socket->disconnectFromHost();
    };
    if (!RequestGuard::hostAllowed(request.value("Host"), m_proxy->host())) {
        reply("Host header not allowed\n", "text/plain; charset=utf-8", 421);
        return true;
    }
    const QString path = request.url().path();
    const bool post = request.method() == QHttpServerRequest::Method::Post;
    if (path == QLatin1String("/_qreload/events")
        && request.method() == QHttpServerRequest::Method::Get) {
        if (socket)
            m_stream->serve(request, socket); // kept open: the stream ends when a host starts
        else
            reply("event streams need a TCP connection\n", "text/plain; charset=utf-8", 500);
    } else if (path == ClientScript::path()) {
        reply(ClientScript::script(), "text/javascript; charset=utf-8", 200);
    } else if (path == QLatin1String("/_qreload/open")) {
        if (!post) {
            reply("use POST\n", "text/plain; charset=utf-8", 405);
        } else if (!RequestGuard::isSameOrigin(request.value("Origin"),
                                               request.value("Sec-Fetch-Site"),
                                               request.value("Host"))) {
            reply("only a page of this server may open the console\n", "text/plain; charset=utf-8",
                  403);
        } else {
            reply(QJsonDocument(QJsonObject{{QLatin1String("opening"), true}}).toJson(),
                  "application/json", 202);
            m_proxy->requestOpen(QJsonDocument::fromJson(request.body()).object());
        }
    } else if (path == QLatin1String("/_qreload/status")) {
        reply(QJsonDocument(m_proxy->status()).toJson(), "application/json", 200);
    } else if (path == QLatin1String("/_qreload/log")) {
        QJsonArray records;
        for (const ReloadRecord &record : m_proxy->history())
            records.append(record.toJson());
        reply(QJsonDocument(records).toJson(), "application/json", 200);
    } else if (path == QLatin1String("/_qreload/restart")
               || path == QLatin1String("/_qreload/reload")) {
        if (!post) {
            reply("use POST\n", "text/plain; charset=utf-8", 405);
        } else if (!RequestGuard::tokenMatches(request.value("X-QReload-Token"),
                                               m_proxy->sessionToken())) {
            reply("a valid X-QReload-Token header is required\n", "text/plain; charset=utf-8", 403);
        } else {
            reply(QJsonDocument(QJsonObject{{QLatin1String("restarting"), true}}).toJson(),
                  "application/json", 202);
            QMetaObject::invokeMethod(m_proxy, &HostProxy::restartHost, Qt::QueuedConnection);
        }
    } else {
        QString last;
        if (const std::optional<ReloadRecord> record = m_proxy->lastReload();
            record && record->crash) {
            last = QStringLiteral("<p>Last crash: %1</p>").arg(record->errorText().toHtmlEscaped());
            if (!record->crash->backtrace.isEmpty())
                last += QStringLiteral("<pre>%1</pre>")
                            .arg(record->crash->backtrace.mid(0, 8)
                                     .join(QLatin1Char('\n'))
                                     .toHtmlEscaped());
        }
        const QString page
            = QStringLiteral("<!doctype html>\n<title>503 · qreload: plugin host stopped</title>\n"
                             "<h1>503 · the plugin host is stopped</h1>\n<p>%1</p>\n%2")
                  .arg(m_proxy->hostStateText().toHtmlEscaped(), last);
        reply(page.toUtf8(), "text/html; charset=utf-8", 503);
    }
    return true;
}

} // namespace qreload::app
