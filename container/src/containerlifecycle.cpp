#include "container_p.h"

namespace qreload {

using namespace detail;

Status Container::start()
{
    return start(nullptr);
}

Status Container::start(Container *predecessor)
{
    if (predecessor == this)
        predecessor = nullptr;
    ContainerLock lock(m_mutex);
    if (!predecessor)
        return startLocked(nullptr);
    // Always this one first, then its predecessor: the predecessor never locks its successor.
    ContainerLock previousLock(predecessor->m_mutex);
    return startLocked(predecessor->m_shutDown ? nullptr : predecessor);
}

bool Container::keepable(Node *n, const Container &predecessor)
{
    if (n->keep == Node::Keep::Yes || n->keep == Node::Keep::No)
        return n->keep == Node::Keep::Yes;
    if (n->keep == Node::Keep::Deciding)
        return false; // a cycle: validation has refused it already
    n->keep = Node::Keep::Deciding;
    // Unchanged: the predecessor's component of this key was registered by the very same
    // descriptor, so by the same bytes of the same plugin library.
    Node *before = predecessor.node(n->d->key);
    if (before)
        before->successor = n;
    bool keep = before && before->d == n->d;
    // Wired the same: every dependency resolves to a provider of the same key as before (a new
    // primary provider, a qualifier now met by another component, or one more provider of a
    // list all recreate the consumer), and that provider is kept itself.
    if (keep) {
        const QList<Node *> now = targets(n);
        const QList<Node *> then = predecessor.targets(before);
        keep = now.size() == then.size();
        for (qsizetype i = 0; keep && i < now.size(); ++i)
            keep = now.at(i)->d->key == then.at(i)->d->key && keepable(now.at(i), predecessor);
    }
    n->keep = keep ? Node::Keep::Yes : Node::Keep::No;
    return keep;
}

Status Container::startLocked(Container *predecessor)
{
    if (m_shutDown)
        return Error(Error::Reason::ShutDown,
                     QStringLiteral("the container has been shut down and cannot start again"));
    if (m_started)
        return {}; // started already: its eager singletons exist
    if (Status valid = validate(); !valid)
        return valid;
    m_started = true;

    if (predecessor) {
        // The kept components' instances, in the predecessor's creation order: a kept component
        // depends on kept ones only, so they come first and in an order that destroys dependents
        // first, in this container as in the predecessor.
        for (const auto &n : predecessor->m_nodes)
            n->successor = nullptr;
        for (const auto &n : m_nodes) {
            if (n->first)
                keepable(n.get(), *predecessor);
        }
        // Singletons of kept components, and the prototype instances they (or prototype
        // instances they hold) were given; prototype instances made for a lookup, or for a
        // component that is not kept, stay with the predecessor and die with it.
        const auto keptNode = [](const Created &created) {
            Node *n = created.node->first ? created.node->successor : nullptr;
            return n && n->keep == Node::Keep::Yes ? n : nullptr;
        };
        QSet<const Instance *> held;
        for (auto it = predecessor->m_created.crbegin(); it != predecessor->m_created.crend();
             ++it) {
            const bool singleton = it->node->d->scope == Scope::Singleton;
            if (keptNode(*it) && (singleton || held.contains(it->instance.get())))
                held.unite(QSet<const Instance *>(it->prototypes.cbegin(), it->prototypes.cend()));
        }
        for (const Created &created : predecessor->m_created) {
            Node *n = keptNode(created);
            if (!n || (n->d->scope == Scope::Prototype && !held.contains(created.instance.get())))
                continue;
            created.instance->holders.fetch_add(1);
            m_created.push_back(Created{n, created.instance, created.prototypes});
            if (n->d->scope == Scope::Singleton)
                n->singleton = created.instance->object;
            ++n->instancesMade;
        }
        // State the predecessor was given for a lazy component it has not created yet.
        for (auto it = predecessor->m_pendingState.constBegin();
             it != predecessor->m_pendingState.constEnd(); ++it) {
            const Node *n = node(it.key());
            if (n && n->keep == Node::Keep::Yes && !n->singleton)
                m_pendingState.insert(it.key(), *it);
        }
        for (const auto &n : m_nodes) {
            if (n->instancesMade > 0)
                m_kept.append(n->d->key);
        }
        m_kept.sort();
    }

    m_starting = true;
    for (const auto &n : m_nodes) {
        if (n->d->scope != Scope::Singleton || n->d->creation != Creation::Eager)
            continue;
        QStringList path;
        Result<QObject *> made = instantiate(n.get(), path);
        if (!made) {
            m_starting = false;
            Errors errors = made.errors();
            m_shutDown = true;
            errors.append(destroyAll());
            m_kept.clear();
            m_constructed.clear();
            return errors;
        }
    }
    m_starting = false;
    m_constructed.sort();
    m_constructed.erase(std::unique(m_constructed.begin(), m_constructed.end()),
                        m_constructed.end());
    return {};
}

QStringList Container::keptKeys() const
{
    ContainerLock lock(m_mutex);
    return m_kept;
}

QStringList Container::constructedKeys() const
{
    ContainerLock lock(m_mutex);
    return m_constructed;
}

Result<QObject *> Container::instantiate(Node *n, QStringList &path)
{
    if (n->d->scope == Scope::Singleton && n->singleton)
        return n->singleton;
    path.append(n->d->key);
    const auto fail = [&](Error::Reason reason, const QString &cause) -> Result<QObject *> {
        const QString where
            = path.size() > 1
                  ? QStringLiteral("while creating %1: ").arg(path.join(QStringLiteral(" -> ")))
                  : QStringLiteral("while creating %1: ").arg(n->d->key);
        return Error(reason, where + cause, n->d->key, n->d->pluginFile);
    };
    if (path.indexOf(n->d->key) != path.size() - 1)
        return fail(Error::Reason::Cycle, QStringLiteral("circular dependency"));

    ScopedResolver resolver(n);
    QList<Instance *> prototypes; // made for this factory; a prototype is the newest instance
    const auto given = [&](const Node *target) {
        if (target->d->scope == Scope::Prototype)
            prototypes.append(m_created.back().instance.get());
    };
    for (const Dependency &dep : n->d->dependencies) {
        switch (dep.kind) {
        case Dependency::Kind::Component: {
            Node *target = node(dep.target);
            if (!target)
                return fail(Error::Reason::MissingDependency,
                            QStringLiteral("%1 is not provided by any plugin").arg(dep.target));
            Result<QObject *> made = instantiate(target, path);
            if (!made)
                return made;
            given(target);
            resolver.m_components.insert(dep.target, made.value());
            break;
        }
        case Dependency::Kind::Interface:
        case Dependency::Kind::NamedInterface: {
            Result<Node *> target = resolveInterface(dep.target, dep.qualifier);
            if (!target)
                return fail(target.errors().first().reason(), target.errors().first().message());
            Result<QObject *> made = instantiate(target.value(), path);
            if (!made)
                return made;
            given(target.value());
            resolver.m_interfaces.insert(dep.target + QLatin1Char('\n') + dep.qualifier,
                                         made.value());
            break;
        }
        case Dependency::Kind::InterfaceList: {
            QList<QObject *> list;
            for (Node *provider : interfaceProviders(dep.target)) {
                Result<QObject *> made = instantiate(provider, path);
                if (!made)
                    return made;
                given(provider);
                list.append(made.value());
            }
            resolver.m_lists.insert(dep.target, list);
            break;
        }
        }
    }

    QObject *instance = nullptr;
    if (!n->d->factory)
        return fail(Error::Reason::InvalidRegistration, QStringLiteral("no factory"));
    aboutToCall(n, PluginCall::Factory);
    if (std::exception_ptr e = runCatching([&] { instance = n->d->factory(resolver); }))
        return fail(Error::Reason::ConstructionFailed,
                    QStringLiteral("the constructor threw: %1").arg(exceptionText(e)));
    if (!resolver.m_errors.isEmpty()) {
        delete instance;
        return fail(Error::Reason::UndeclaredDependency, resolver.m_errors.first().message());
    }
    if (!instance)
        return fail(Error::Reason::ConstructionFailed, QStringLiteral("the factory returned null"));
    if (n->d->afterConstruct) {
        aboutToCall(n, PluginCall::AfterConstruct);
        if (std::exception_ptr e = runCatching([&] { n->d->afterConstruct(instance); })) {
            delete instance;
            return fail(Error::Reason::ConstructionFailed,
                        QStringLiteral("the after-construct hook threw: %1").arg(exceptionText(e)));
        }
    }
    if (n->d->scope == Scope::Singleton)
        n->singleton = instance;
    ++n->instancesMade;
    auto made = std::make_shared<Instance>();
    made->object = instance;
    m_created.push_back(Created{n, std::move(made), std::move(prototypes)});
    if (m_starting)
        m_constructed.append(n->d->key); // prototypes may repeat: start() removes duplicates
    applyPendingState(n, instance);
    path.removeLast();
    qCDebug(lcContainer) << "created" << n->d->key;
    return instance;
}

void Container::destroyInstance(Node *n, QObject *instance, Errors *errors)
{
    aboutToCall(n, PluginCall::Destroy);
    if (n->d->beforeDestroy) {
        if (std::exception_ptr e = runCatching([&] { n->d->beforeDestroy(instance); }))
            errors->append(
                Error(Error::Reason::HookFailed,
                      QStringLiteral("the before-destroy hook threw: %1").arg(exceptionText(e)),
                      n->d->key, n->d->pluginFile));
    }
    delete instance;
}

Errors Container::destroyAll()
{
    Errors errors;
    // Reverse creation order: a component is always created after its dependencies, so its
    // dependents are destroyed before it. An instance a successor (or predecessor) still holds
    // is only let go: its hooks run when the last holder shuts down.
    for (auto it = m_created.crbegin(); it != m_created.crend(); ++it) {
        if (it->instance->holders.fetch_sub(1) == 1)
            destroyInstance(it->node, it->instance->object, &errors);
    }
    m_created.clear();
    for (const auto &n : m_nodes) {
        n->singleton = nullptr;
        // Drop plugin code now: the library is unloaded after shutdown, and destroying a
        // std::function whose target lives in an unloaded library would crash. A descriptor
        // shared with others (a library's registration) is cleared by its library instead.
        if (n->d.use_count() != 1)
            continue;
        ComponentDescriptor &d = *n->d;
        d.factory = nullptr;
        d.afterConstruct = nullptr;
        d.beforeDestroy = nullptr;
        d.saveState = nullptr;
        d.restoreState = nullptr;
        d.metaObject = nullptr; // the class's meta-object is data of the library too
        for (Route &route : d.routes)
            route.handler = nullptr;
    }
    m_pendingState.clear();
    return errors;
}

Status Container::shutdown()
{
    ContainerLock lock(m_mutex);
    if (m_shutDown)
        return {};
    m_shutDown = true;
    return destroyAll();
}

bool Container::isShutDown() const
{
    ContainerLock lock(m_mutex);
    return m_shutDown;
}

} // namespace qreload
