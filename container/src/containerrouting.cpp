#include "container_p.h"

namespace qreload {

using namespace detail;

const Container::RouteEntry *Container::findRoute(const QByteArray &requestMethod,
                                                  const QString &path) const
{
    // An exact route wins (found by its id); among prefix routes the longest (most specific)
    // one does, the first registered among equals.
    const QByteArray method = requestMethod == "HEAD" ? QByteArray("GET") : requestMethod;
    if (const auto exact
        = m_exactRoutes.constFind(QString::fromLatin1(method) + QLatin1Char(' ') + path);
        exact != m_exactRoutes.constEnd())
        return &*exact;
    const RouteEntry *best = nullptr;
    for (const RouteEntry &entry : m_prefixRoutes) {
        bool isExact = false;
        if (!routeMatches(*entry.route, method, path, &isExact))
            continue;
        if (isExact) // a prefix route's own path, '*' and all
            return &entry;
        if (!best || entry.route->path.size() > best->route->path.size())
            best = &entry;
    }
    return best;
}

QString Container::routeOwner(const QByteArray &method, const QString &path) const
{
    ContainerLock lock(m_mutex);
    const RouteEntry *entry = findRoute(method, path);
    return entry ? entry->node->d->key : QString();
}

qint64 Container::callsRunningMs() const
{
    if (callsInFlight() == 0)
        return 0;
    return steadyMs() - m_callsSince.load(std::memory_order_acquire);
}

Result<Response> Container::serve(const Request &request)
{
    std::optional<CallInFlight> call;
    Node *owner = nullptr;
    const Route *route = nullptr;
    QObject *instance = nullptr;
    {
        ContainerLock lock(m_mutex);
        if (m_shutDown)
            return shutDownError(QStringLiteral("route %1").arg(request.path));
        if (const RouteEntry *entry = findRoute(request.method, request.path)) {
            owner = entry->node;
            route = entry->route;
        }
        if (!route)
            return Error(Error::Reason::RouteNotFound,
                         QStringLiteral("no component serves %1 %2")
                             .arg(QString::fromLatin1(request.method), request.path));
        QStringList path;
        Result<QObject *> made = instantiate(owner, path);
        if (!made)
            return made.errors();
        instance = made.value();
        // The handler runs outside the lock and may spin a nested event loop: counted (from
        // before the lock is let go until the body is our own copy), so that its generation is
        // not shut down or unloaded under it.
        call.emplace(*this);
    }
    Response response;
    if (std::exception_ptr e = runCatching([&] { response = route->handler(instance, request); }))
        return Error(Error::Reason::RouteFailed,
                     QStringLiteral("%1 threw while serving %2: %3")
                         .arg(owner->d->key, routeId(*route), exceptionText(e)),
                     owner->d->key, owner->d->pluginFile);
    response.body = own(response.body);
    response.contentType = own(response.contentType);
    return response;
}

} // namespace qreload
