#include "container_p.h"

Q_LOGGING_CATEGORY(lcContainer, "qreload.container", QtWarningMsg)

namespace qreload {

using namespace detail;

QString pluginCallName(PluginCall call)
{
    switch (call) {
    case PluginCall::Load:
        return QStringLiteral("load");
    case PluginCall::Register:
        return QStringLiteral("register");
    case PluginCall::Factory:
        return QStringLiteral("factory");
    case PluginCall::AfterConstruct:
        return QStringLiteral("after-construct");
    case PluginCall::Destroy:
        return QStringLiteral("destroy");
    case PluginCall::SaveState:
        return QStringLiteral("save-state");
    case PluginCall::RestoreState:
        return QStringLiteral("restore-state");
    }
    return {};
}

Container::Container() = default;

void Container::setConstructionObserver(ConstructionObserver observer)
{
    ContainerLock lock(m_mutex);
    m_observer = std::move(observer);
}

void Container::aboutToCall(const Node *n, PluginCall call) const
{
    if (m_observer)
        m_observer(n->d->key, call);
}

Container::~Container()
{
    const Status status = shutdown();
    for (const Error &error : status.errors())
        qCWarning(lcContainer).noquote() << error.toString();
}

void Container::add(std::deque<ComponentDescriptor> descriptors)
{
    for (ComponentDescriptor &d : descriptors)
        add(std::move(d));
}

void Container::add(ComponentDescriptor descriptor)
{
    addNode(shared(std::move(descriptor)));
}

void Container::add(std::shared_ptr<ComponentDescriptor> descriptor)
{
    addNode(std::move(descriptor));
}

std::shared_ptr<ComponentDescriptor> Container::shared(ComponentDescriptor descriptor)
{
    auto shared = std::make_shared<ComponentDescriptor>(std::move(descriptor));
    ComponentDescriptor &d = *shared;
    d.key = own(d.key);
    d.className = own(d.className);
    d.interfaces = own(d.interfaces);
    d.qualifier = own(d.qualifier);
    d.pluginFile = own(d.pluginFile);
    for (Dependency &dep : d.dependencies) {
        dep.target = own(dep.target);
        dep.qualifier = own(dep.qualifier);
    }
    for (Route &route : d.routes) {
        route.method = own(route.method).toUpper();
        route.path = own(route.path);
    }
    return shared;
}

void Container::addNode(std::shared_ptr<ComponentDescriptor> descriptor)
{
    ContainerLock lock(m_mutex);
    auto node = std::make_unique<Node>();
    node->d = std::move(descriptor);
    node->index = int(m_nodes.size());
    const ComponentDescriptor &d = *node->d;
    // Lookups by key and interface find the first registration of a key (a duplicate fails
    // validation); so do routes, exact ones by a hash, prefix ones longest first.
    if (!m_byKey.contains(d.key)) {
        node->first = true;
        m_byKey.insert(d.key, node.get());
        for (const QString &iid : d.interfaces)
            m_byInterface[iid].append(node.get());
    } else {
        m_duplicateKeys.insert(d.key);
    }
    for (const Route &route : d.routes) {
        const RouteEntry entry{node.get(), &route};
        const QString id = routeId(route);
        if (const auto owner = m_routeOwners.constFind(id); owner == m_routeOwners.constEnd())
            m_routeOwners.insert(id, entry);
        else if (owner->node != node.get())
            m_routeClashes.append({*owner, entry});
        if (route.path.endsWith(QLatin1Char('*')))
            m_prefixRoutes.append(entry);
        else if (!m_exactRoutes.contains(id))
            m_exactRoutes.insert(id, entry);
    }
    m_nodes.push_back(std::move(node));
    m_valid = false;
    ++m_epoch;
}

Container::Node *Container::node(const QString &key) const
{
    return m_byKey.value(key);
}

QList<Container::Node *> Container::interfaceProviders(const QString &iid) const
{
    return m_byInterface.value(iid);
}

const QList<Container::Node *> &Container::targets(const Node *n) const
{
    if (n->resolvedAt == m_epoch)
        return n->targets;
    Node *self = const_cast<Node *>(n); // the cache is no part of the graph's value
    self->targets.clear();
    self->targetDependency.clear();
    for (qsizetype i = 0; i < n->d->dependencies.size(); ++i) {
        const Dependency &dep = n->d->dependencies.at(i);
        switch (dep.kind) {
        case Dependency::Kind::Component:
            if (Node *target = node(dep.target)) {
                self->targets.append(target);
                self->targetDependency.append(int(i));
            }
            break;
        case Dependency::Kind::Interface:
        case Dependency::Kind::NamedInterface:
            if (Result<Node *> p = resolveInterface(dep.target, dep.qualifier)) {
                self->targets.append(p.value());
                self->targetDependency.append(int(i));
            }
            break;
        case Dependency::Kind::InterfaceList:
            for (Node *provider : interfaceProviders(dep.target)) {
                self->targets.append(provider);
                self->targetDependency.append(int(i));
            }
            break;
        }
    }
    self->resolvedAt = m_epoch;
    return n->targets;
}

Result<Container::Node *> Container::resolveInterface(const QString &iid,
                                                      const QString &qualifier) const
{
    QList<Node *> candidates = interfaceProviders(iid);
    if (!qualifier.isEmpty()) {
        candidates.removeIf([&](Node *n) { return n->d->qualifier != qualifier; });
    } else if (candidates.size() > 1) {
        QList<Node *> primaries = candidates;
        primaries.removeIf([](Node *n) { return !n->d->primary; });
        if (primaries.size() == 1)
            return primaries.first();
    }
    const QString what = qualifier.isEmpty()
                             ? QStringLiteral("interface %1").arg(iid)
                             : QStringLiteral("interface %1 named \"%2\"").arg(iid, qualifier);
    if (candidates.isEmpty())
        return Error(Error::Reason::MissingDependency,
                     QStringLiteral("no plugin provides %1").arg(what));
    if (candidates.size() > 1) {
        QStringList names;
        for (Node *n : candidates)
            names.append(QStringLiteral("%1 (%2)%3")
                             .arg(n->d->key, n->d->pluginFile,
                                  n->d->primary ? QStringLiteral(", primary") : QString()));
        return Error(Error::Reason::AmbiguousInterface,
                     QStringLiteral("%1 is ambiguous: %2 components provide it: %3; mark one "
                                    "primary, give them qualifiers, or inject all of them")
                         .arg(what)
                         .arg(candidates.size())
                         .arg(names.join(QStringLiteral(", "))));
    }
    return candidates.first();
}

Result<QObject *> Container::get(const QString &key)
{
    ContainerLock lock(m_mutex);
    if (m_shutDown)
        return shutDownError(key);
    Node *n = node(key);
    if (!n)
        return unknownComponentError(key);
    QStringList path;
    return instantiate(n, path);
}

Result<QObject *> Container::provider(const QString &iid, const QString &qualifier)
{
    ContainerLock lock(m_mutex);
    if (m_shutDown)
        return shutDownError(QStringLiteral("interface %1").arg(iid));
    Result<Node *> n = resolveInterface(iid, qualifier);
    if (!n)
        return n.errors();
    QStringList path;
    return instantiate(n.value(), path);
}

Result<QList<QObject *>> Container::providers(const QString &iid)
{
    ContainerLock lock(m_mutex);
    if (m_shutDown)
        return shutDownError(QStringLiteral("interface %1").arg(iid));
    QList<QObject *> out;
    for (Node *n : interfaceProviders(iid)) {
        QStringList path;
        Result<QObject *> made = instantiate(n, path);
        if (!made)
            return made.errors();
        out.append(made.value());
    }
    return out;
}

QObject *Container::existingInstance(const QString &key) const
{
    ContainerLock lock(m_mutex);
    const Node *n = node(key);
    return n ? n->singleton : nullptr;
}

QStringList Container::creationOrder() const
{
    ContainerLock lock(m_mutex);
    QStringList out;
    for (const Created &created : m_created)
        out.append(created.node->d->key);
    return out;
}

bool Container::contains(const QString &key) const
{
    ContainerLock lock(m_mutex);
    return node(key) != nullptr;
}

int Container::liveInstances(const QString &key) const
{
    ContainerLock lock(m_mutex);
    const Node *n = node(key);
    int count = 0;
    for (const Created &created : m_created)
        count += n && created.node == n;
    return count;
}

} // namespace qreload
