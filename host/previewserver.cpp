#include "previewserver.h"
#include "snapshotof.h"

#include "requestguard.h"
#include "statusdocument.h"

#include "componentendpoint.h"
#include "connectionguard.h"
#include "crashhandler.h"
#include "eventjournal.h"
#include "eventstream.h"
#include "generationsnapshot.h"
#include "guardedtcpserver.h"
#include "reloadengine.h"

#include <QHostInfo>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QNetworkInterface>
#include <QRandomGenerator>
#include <QTcpServer>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace qreload::app {

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    const QMetaEnum e = QMetaEnum::fromType<QHttpServerRequest::Method>();
    return QByteArray(e.valueToKey(int(method))).toUpper();
}

//! POST /_qreload/reload?all=1 rebuilds everything; no `all` (or all=0) only what changed.
std::optional<ReloadScope> reloadScope(const QUrlQuery &query)
{
    if (!query.hasQueryItem(QStringLiteral("all")))
        return ReloadScope::Changed;
    const QString all = query.queryItemValue(QStringLiteral("all"));
    if (all == QLatin1String("1") || all == QLatin1String("true"))
        return ReloadScope::All;
    if (all == QLatin1String("0") || all == QLatin1String("false"))
        return ReloadScope::Changed;
    return std::nullopt;
}

} // namespace

PreviewServer::PreviewServer(ReloadEngine *engine, QObject *parent)
    : HttpServer(parent)
    , m_engine(engine)
    , m_journal(new EventJournal(EventJournal::DefaultCapacity, this))
    , m_stream(new EventStream(m_journal, this))
{
    m_stream->setHelloData([this] {
        return QJsonObject{{QLatin1String("generation"), qint64(m_engine->generationNumber())}};
    });
    m_stream->applyLimits(m_limits);
    m_token = RequestGuard::makeSessionToken();
}

bool PreviewServer::serveOn(const std::function<bool(QTcpServer *)> &open, const QHostAddress &host,
                            const QString &what, QString *error)
{
    auto *server = new GuardedTcpServer(m_limits, this);
    if (!open(server)) {
        if (error)
            *error = QStringLiteral("cannot %1: %2").arg(what, server->errorString());
        delete server;
        return false;
    }
    bind(server);
    m_host = host;
    m_port = server->serverPort();
    return true;
}

bool PreviewServer::listen(const QHostAddress &host, quint16 port, QString *error)
{
    return serveOn([&](QTcpServer *server) { return server->listen(host, port); }, host,
                   QStringLiteral("listen on %1:%2").arg(host.toString()).arg(port), error);
}

bool PreviewServer::adopt(qintptr listeningDescriptor, const QHostAddress &host, QString *error)
{
    return serveOn(
        [&](QTcpServer *server) { return server->setSocketDescriptor(listeningDescriptor); }, host,
        QStringLiteral("serve on the inherited socket %1").arg(listeningDescriptor), error);
}

bool PreviewServer::setLimits(const ConnectionLimits &limits, QString *error)
{
    if (const QString problem = limits.validate(); !problem.isEmpty()) {
        if (error)
            *error = problem;
        return false;
    }
    m_limits = limits;
    m_stream->applyLimits(m_limits);
    for (GuardedTcpServer *server :
         findChildren<GuardedTcpServer *>(QString(), Qt::FindDirectChildrenOnly))
        server->setLimits(limits);
    return true;
}

int PreviewServer::openConnections() const
{
    int open = 0;
    for (const GuardedTcpServer *server :
         findChildren<GuardedTcpServer *>(QString(), Qt::FindDirectChildrenOnly))
        open += server->openConnections();
    return open;
}

QUrl PreviewServer::url() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(m_host.isLoopback() || m_host.isNull() ? QStringLiteral("127.0.0.1")
                                                       : m_host.toString());
    url.setPort(m_port);
    url.setPath(QStringLiteral("/"));
    return url;
}

bool PreviewServer::hostAllowed(const QHttpServerRequest &request) const
{
    return RequestGuard::hostAllowed(request.value("Host"), m_host);
}

bool PreviewServer::isSameOrigin(const QHttpServerRequest &request)
{
    return RequestGuard::isSameOrigin(request.value("Origin"), request.value("Sec-Fetch-Site"),
                                      request.value("Host"));
}

bool PreviewServer::hasSessionToken(const QHttpServerRequest &request) const
{
    return RequestGuard::tokenMatches(request.value("X-QReload-Token"), m_token);
}

QJsonObject PreviewServer::status() const
{
    const std::shared_ptr<Generation> generation = m_engine->current();
    StatusDocument document;
    if (generation)
        document.generation = snapshotOf(*generation);
    document.url = url().toString();
    document.watching = m_engine->isWatching();
    document.quietPeriodMs = m_engine->quietPeriodMs();
    document.pluginDirs = m_engine->pluginDirs();
    document.shadowFolder = m_engine->shadowRoot();
    document.serving = true;
    document.lastReload = m_engine->lastReload();
    document.reloads = m_engine->history().size();
    document.supervisor = m_supervisorStatus;
    return document.toJson();
}

bool PreviewServer::serve(const QHttpServerRequest &request, HttpExchange &exchange)
{
    QTcpSocket *socket = exchange.socket();
    // "close" when the connection ends after this response, "keep-alive" for HTTP/1.0 that asked.
    const ConnectionGuard *guard = ConnectionGuard::of(socket);
    const QByteArray connection = guard ? guard->connectionHeader() : QByteArray();
    // The request is served by the generation current now, held until it is answered. The
    // manual reload endpoint lets go of it first, so the old generation can be retired at once.
    std::shared_ptr<Generation> generation = m_engine->current();
    const auto reply = [&](const QByteArray &body, const QByteArray &type, int status) {
        const QByteArray generationHeader
            = QByteArray::number(generation ? generation->number() : m_engine->generationNumber());
        if (connection.isEmpty()) {
            exchange.write(body,
                           {{"Content-Type", type},
                            {"X-QReload-Generation", generationHeader},
                            {"Cache-Control", "no-store"}},
                           status);
        } else {
            exchange.write(body,
                           {{"Content-Type", type},
                            {"X-QReload-Generation", generationHeader},
                            {"Cache-Control", "no-store"},
                            {"Connection", connection}},
                           status);
        }
    };
    const auto replyJson = [&](const QJsonDocument &json, int status = 200) {
        reply(json.toJson(QJsonDocument::Indented), "application/json", status);
    };
    const auto replyText = [&](const QString &text, int status) {
        reply(text.toUtf8() + '\n', "text/plain; charset=utf-8", status);
    };

    if (!hostAllowed(request)) {
        qCWarning(lcHttp) << "refused a request for Host" << request.value("Host");
        replyText(QStringLiteral("Host header not allowed: qreload serves loopback names only"),
                  421);
        return true;
    }
    const QByteArray method = methodName(request.method());
    const QString path = request.url().path();
    const QByteArray encodedPath = request.url().path(QUrl::FullyEncoded).toLatin1();

    if (path.startsWith(QLatin1String("/_qreload/"))) {
        if (path == QLatin1String("/_qreload/status") && method == "GET") {
            replyJson(QJsonDocument(status()));
        } else if (path == QLatin1String("/_qreload/graph") && method == "GET") {
            reply(generation ? generation->container().toDot().toUtf8() : QByteArray(),
                  "text/vnd.graphviz; charset=utf-8", 200);
        } else if (path == QLatin1String("/_qreload/log") && method == "GET") {
            QJsonArray records;
            for (const ReloadRecord &record : m_engine->history())
                records.append(record.toJson());
            replyJson(QJsonDocument(records));
        } else if (path == QLatin1String("/_qreload/reload")) {
            if (method != "POST") {
                replyText(QStringLiteral("use POST to reload"), 405);
            } else if (!hasSessionToken(request)) {
                replyText(QStringLiteral("a valid X-QReload-Token header is required"), 403);
            } else if (const std::optional<ReloadScope> scope = reloadScope(request.query());
                       !scope) {
                replyText(QStringLiteral("all=%1: use all=1 to rebuild everything (Reload all) "
                                         "or all=0 for what changed")
                              .arg(request.query().queryItemValue(QStringLiteral("all"))),
                          400);
            } else {
                generation.reset();
                const ReloadRecord record = m_engine->reloadNow(ReloadCause::Manual, *scope);
                replyJson(QJsonDocument(record.toJson()), record.ok() ? 200 : 500);
            }
        } else if (path == QLatin1String("/_qreload/restart") && m_restart) {
            if (method != "POST") {
                replyText(QStringLiteral("use POST to restart the host"), 405);
            } else if (!hasSessionToken(request)) {
                replyText(QStringLiteral("a valid X-QReload-Token header is required"), 403);
            } else {
                replyJson(QJsonDocument(QJsonObject{
                              {QLatin1String("restarting"), true},
                              {QLatin1String("note"),
                               QStringLiteral("a new host starts on the current plugins; state "
                                              "that lived only in this one is lost")}}),
                          202);
                m_restart();
            }
        } else if (path == QLatin1String("/_qreload/events")) {
            if (method != "GET") {
                replyText(QStringLiteral("use GET for the event stream"), 405);
            } else {
                generation.reset(); // a stream lasts: it must not hold a generation
                if (socket)
                    m_stream->serve(request, socket);
                else
                    replyText(QStringLiteral("event streams need a TCP connection"), 500);
            }
        } else if (path == ClientScript::path()) {
            reply(method == "HEAD" ? QByteArray() : ClientScript::script(),
                  "text/javascript; charset=utf-8", 200);
        } else if (path == QLatin1String("/_qreload/open") && m_open) {
            const QJsonDocument body = QJsonDocument::fromJson(request.body());
            if (method != "POST") {
                replyText(QStringLiteral("use POST to open the console"), 405);
            } else if (!isSameOrigin(request)) {
                replyText(QStringLiteral("only a page of this server may open the console (the "
                                         "Origin header must name it)"),
                          403);
            } else if (!request.value("Content-Type").startsWith("application/json")
                       || !body.isObject()) {
                replyText(QStringLiteral("send a JSON object: record, file, line, column"), 400);
            } else {
                replyJson(QJsonDocument(QJsonObject{{QLatin1String("opening"), true}}), 202);
                m_open(body.object());
            }
        } else if (ComponentEndpoint::handles(encodedPath)) {
            // Plugin code runs here too (getters, invoked methods): a crash answers with a 502.
            CrashHandler::setRequest(socket ? socket->socketDescriptor() : -1,
                                     QString::fromLatin1(method) + QLatin1Char(' ') + path);
            const ComponentEndpoint::Answer answer
                = ComponentEndpoint(generation.get())
                      .answer(method, encodedPath, request.body(), hasSessionToken(request));
            CrashHandler::clearRequest();
            replyJson(QJsonDocument(answer.json), answer.status);
        } else {
            replyText(QStringLiteral("no qreload endpoint %1 %2; there are GET status, GET log, "
                                     "GET graph, POST reload, GET components/<key> and POST "
                                     "components/<key>/invoke/<method> under /_qreload/")
                          .arg(QString::fromLatin1(method), path),
                      404);
        }
        return true;
    }

    if (!generation) {
        const std::optional<ReloadRecord> last = m_engine->lastReload();
        replyText(QStringLiteral("no generation is loaded yet%1")
                      .arg(last ? QStringLiteral(": ") + last->errorText() : QString()),
                  503);
        return true;
    }
    Request componentRequest;
    componentRequest.method = method;
    componentRequest.path = path;
    componentRequest.query = request.query();
    componentRequest.body = request.body();
    componentRequest.headers = requestHeaders(request);
    // If the route's code crashes, the host's crash handler answers this socket with a 502.
    CrashHandler::setRequest(socket ? socket->socketDescriptor() : -1,
                             QString::fromLatin1(method) + QLatin1Char(' ') + path);
    const Result<Response> response = generation->container().serve(componentRequest);
    CrashHandler::clearRequest();
    if (response) {
        const Response &r = response.value();
        if (m_liveReload && method != "HEAD" && ClientScript::isHtml(r.contentType)) {
            const ClientScript::Page page{generation->number(), m_journal->lastId(),
                                          m_journal->session(),
                                          generation->container().routeOwner(method, path)};
            reply(ClientScript::inject(r.body, ClientScript::tag(page)), r.contentType, r.status);
            return true;
        }
        reply(method == "HEAD" ? QByteArray() : r.body, r.contentType, r.status);
        return true;
    }
    const Error &error = response.errors().first();
    if (error.reason() == Error::Reason::RouteNotFound) {
        QStringList routes;
        for (const ComponentInfo &c : generation->container().components())
            routes.append(c.routes);
        replyText(
            QStringLiteral("%1\nroutes of generation %2: %3")
                .arg(error.message())
                .arg(generation->number())
                .arg(routes.isEmpty() ? QStringLiteral("none") : routes.join(QStringLiteral(", "))),
            404);
    } else {
        qCWarning(lcHttp).noquote() << error.toString();
        replyText(joinErrors(response.errors()), 500);
    }
    return true;
}

} // namespace qreload::app
