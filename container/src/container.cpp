#include "qreload/container.h"

#include "qreload/componentdetails.h"
#include "qreload/graphdiff.h"
#include "qreload/registry.h"

#include "owned_p.h"

#include <QBuffer>
#include <QDataStream>
#include <QLoggingCategory>
#include <QMetaMethod>
#include <QMutexLocker>
#include <QSet>

#include <algorithm>
#include <chrono>
#include <exception>

#if defined(__SANITIZE_THREAD__)
#define QRELOAD_TSAN_ANNOTATIONS
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QRELOAD_TSAN_ANNOTATIONS
#endif
#endif
#ifdef QRELOAD_TSAN_ANNOTATIONS
#include <sanitizer/tsan_interface.h>
#endif

Q_LOGGING_CATEGORY(lcContainer, "qreload.container", QtWarningMsg)

namespace qreload {

using detail::own;

namespace {

/*!
 * Holds the container's QRecursiveMutex for a scope. That mutex locks inside Qt's library, which
 * ThreadSanitizer cannot see unless Qt itself was built with it (Debian's is not), so in a
 * QRELOAD_SANITIZE=thread build it would report every access made under the lock as a race.
 * This tells it about the lock: acquire once locked, release before unlocking. Otherwise it is
 * exactly a QMutexLocker.
 */
class ContainerLock
{
public:
    explicit ContainerLock(QRecursiveMutex &mutex)
        : m_locker(&mutex)
    {
#ifdef QRELOAD_TSAN_ANNOTATIONS
        __tsan_acquire(&mutex);
#endif
    }
    ~ContainerLock()
    {
#ifdef QRELOAD_TSAN_ANNOTATIONS
        __tsan_release(m_locker.mutex());
#endif
    }
    ContainerLock(const ContainerLock &) = delete;
    ContainerLock &operator=(const ContainerLock &) = delete;

private:
    QMutexLocker<QRecursiveMutex> m_locker;
};

QString exceptionText(std::exception_ptr exception)
{
    try {
        std::rethrow_exception(exception);
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    } catch (...) {
        return QStringLiteral("an exception that is not a std::exception");
    }
}

template<typename F>
std::exception_ptr runCatching(F &&f)
{
    try {
        f();
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

QString routeId(const Route &route)
{
    return QString::fromLatin1(route.method) + QLatin1Char(' ') + route.path;
}

//! `method` with HEAD already made GET.
bool routeMatches(const Route &route, const QByteArray &method, const QString &path, bool *exact)
{
    if (route.method != method)
        return false;
    if (route.path == path) {
        *exact = true;
        return true;
    }
    if (route.path.endsWith(QLatin1Char('*'))
        && path.startsWith(QStringView(route.path).chopped(1))) {
        *exact = false;
        return true;
    }
    return false;
}

} // namespace

struct Container::Node
{
    //! Shared with the plugin library (and the other generations that use it) or owned here.
    std::shared_ptr<ComponentDescriptor> d;
    int index = 0;      //!< position in m_nodes
    bool first = false; //!< the first registration of its key (a later one is a duplicate)
    QObject *singleton = nullptr;
    int instancesMade = 0;
    //! Whether start(predecessor) keeps it (worked out once, dependencies first).
    enum class Keep { Unknown, Deciding, No, Yes } keep = Keep::Unknown;
    //! In a predecessor, while a successor starts: the successor's node of the same key.
    Node *successor = nullptr;
    //! The providers its dependencies resolve to, and the index of the dependency of each;
    //! worked out once per graph (resolvedAt is the container's m_epoch then).
    QList<Node *> targets;
    QList<int> targetDependency;
    int resolvedAt = -1;
};

/*!
 * An instance and how many containers hold it. A kept component's instance is held by the
 * predecessor's container and its successors; the last to let go destroys it. Only the reload
 * engine's thread adopts and lets go, but the count is atomic so that a container dropped on
 * another thread cannot race it.
 */
struct Container::Instance
{
    QObject *object = nullptr;
    std::atomic<int> holders{1};
};

/*!
 * The Resolver a factory sees: answers only the dependencies the component declared, from
 * instances the container built before calling the factory.
 */
class Container::ScopedResolver final : public Resolver
{
public:
    explicit ScopedResolver(const Node *owner)
        : m_owner(owner)
    {}

    QObject *component(const QString &key) override { return answer(m_components, key, key); }
    QObject *provider(const char *iid, const QString &qualifier) override
    {
        const QString id = QString::fromLatin1(iid);
        return answer(m_interfaces, id + QLatin1Char('\n') + qualifier,
                      qualifier.isEmpty()
                          ? QStringLiteral("interface %1").arg(id)
                          : QStringLiteral("interface %1 named \"%2\"").arg(id, qualifier));
    }
    QList<QObject *> providers(const char *iid) override
    {
        const QString id = QString::fromLatin1(iid);
        if (auto it = m_lists.constFind(id); it != m_lists.constEnd())
            return *it;
        undeclared(QStringLiteral("all of interface %1").arg(id));
        return {};
    }

    QHash<QString, QObject *> m_components;
    QHash<QString, QObject *> m_interfaces;
    QHash<QString, QList<QObject *>> m_lists;
    Errors m_errors;

private:
    QObject *answer(const QHash<QString, QObject *> &from, const QString &id, const QString &what)
    {
        if (auto it = from.constFind(id); it != from.constEnd())
            return *it;
        undeclared(what);
        return nullptr;
    }
    void undeclared(const QString &what)
    {
        m_errors.append(Error(Error::Reason::UndeclaredDependency,
                              QStringLiteral("the factory looked up %1, which the component does "
                                             "not declare as a dependency")
                                  .arg(what),
                              m_owner->d->key, m_owner->d->pluginFile));
    }

    const Node *m_owner;
};

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

Status Container::validate() const
{
    ContainerLock lock(m_mutex);
    if (m_valid)
        return {};
    Errors errors;

    // Duplicates were noted as they were added; their files are gathered only when there are.
    QHash<QString, QStringList> filesByKey;
    if (!m_duplicateKeys.isEmpty()) {
        for (const auto &n : m_nodes) {
            if (m_duplicateKeys.contains(n->d->key))
                filesByKey[n->d->key].append(n->d->pluginFile);
        }
    }
    QSet<QString> reportedDuplicates;
    for (const auto &n : m_nodes) {
        const ComponentDescriptor &d = *n->d;
        if (d.key.isEmpty()) {
            errors.append(Error(Error::Reason::InvalidRegistration,
                                QStringLiteral("a component of class %1 was registered with an "
                                               "empty key")
                                    .arg(d.className),
                                {}, d.pluginFile));
            continue;
        }
        if (!d.factory)
            errors.append(Error(Error::Reason::InvalidRegistration,
                                QStringLiteral("registered without a factory"), d.key,
                                d.pluginFile));
        if (m_duplicateKeys.isEmpty() || !m_duplicateKeys.contains(d.key))
            continue;
        const QStringList &files = filesByKey.value(d.key);
        if (files.size() > 1 && !reportedDuplicates.contains(d.key)) {
            reportedDuplicates.insert(d.key);
            errors.append(Error(Error::Reason::DuplicateKey,
                                QStringLiteral("key %1 is registered %2 times, by %3")
                                    .arg(d.key)
                                    .arg(files.size())
                                    .arg(files.join(QStringLiteral(", "))),
                                d.key, d.pluginFile));
        }
    }

    // Dependencies that cannot be satisfied (what can be is resolved once, for later).
    for (const auto &n : m_nodes) {
        const ComponentDescriptor &d = *n->d;
        if (!n->first)
            continue;
        const QList<Node *> &resolved = targets(n.get());
        if (resolved.size() == d.dependencies.size()
            && std::none_of(
                d.dependencies.cbegin(), d.dependencies.cend(),
                [](const Dependency &dep) { return dep.kind == Dependency::Kind::InterfaceList; }))
            continue; // each resolved to one provider
        for (const Dependency &dep : d.dependencies) {
            switch (dep.kind) {
            case Dependency::Kind::Component:
                if (!m_byKey.contains(dep.target))
                    errors.append(Error(Error::Reason::MissingDependency,
                                        QStringLiteral("%1 depends on %2, which no plugin provides")
                                            .arg(d.key, dep.target),
                                        d.key, d.pluginFile));
                break;
            case Dependency::Kind::Interface:
            case Dependency::Kind::NamedInterface: {
                const Result<Node *> provider = resolveInterface(dep.target, dep.qualifier);
                if (!provider) {
                    // Same form as a missing key: "X depends on <what>, which no plugin provides".
                    const Error &e = provider.errors().first();
                    const QString message
                        = e.reason() == Error::Reason::MissingDependency
                              ? QStringLiteral("%1 depends on %2, which no plugin provides")
                                    .arg(d.key, dep.display())
                              : QStringLiteral("%1 depends on %2, but %3")
                                    .arg(d.key, dep.display(), e.message());
                    errors.append(Error(e.reason(), message, d.key, d.pluginFile));
                }
                break;
            }
            case Dependency::Kind::InterfaceList:
                break;
            }
        }
    }

    // Two components serving the same route (noted as they were added).
    for (const auto &[owner, other] : m_routeClashes) {
        const Node *first = owner.node;
        const Node *n = other.node;
        errors.append(
            Error(Error::Reason::DuplicateRoute,
                  QStringLiteral("route %1 is served by both %2 (%3) and %4")
                      .arg(routeId(*other.route), first->d->key, first->d->pluginFile, n->d->key),
                  n->d->key, n->d->pluginFile));
    }

    // Cycles, each reported once with its path: a depth-first walk over the resolved providers.
    std::vector<int> state(m_nodes.size(), 0); // 0 unvisited, 1 on the stack, 2 done
    QList<const Node *> stack;
    QSet<QString> reportedCycles;
    const auto visit = [&](const auto &self, const Node *n) -> void {
        state[n->index] = 1;
        stack.append(n);
        for (const Node *next : targets(n)) {
            const int s = state[next->index];
            if (s == 0) {
                self(self, next);
            } else if (s == 1) {
                QStringList cycle;
                for (qsizetype i = stack.lastIndexOf(next); i < stack.size(); ++i)
                    cycle.append(stack.at(i)->d->key);
                // Canonical rotation: start at the smallest key so each cycle is reported once.
                const auto smallest = std::min_element(cycle.begin(), cycle.end());
                std::rotate(cycle.begin(), smallest, cycle.end());
                const QString id = cycle.join(QLatin1Char('\n'));
                if (!reportedCycles.contains(id)) {
                    reportedCycles.insert(id);
                    const Node *first = node(cycle.first());
                    errors.append(Error(Error::Reason::Cycle,
                                        QStringLiteral("Circular dependency detected: %1 -> %2")
                                            .arg(cycle.join(QStringLiteral(" -> ")), cycle.first()),
                                        cycle.first(), first ? first->d->pluginFile : QString()));
                }
            }
        }
        stack.removeLast();
        state[n->index] = 2;
    };
    for (const auto &n : m_nodes) {
        // Only the first registration of a key takes part in the graph (the others are
        // duplicates, reported above).
        if (n->first && state[n->index] == 0)
            visit(visit, n.get());
    }

    m_valid = errors.isEmpty();
    return errors;
}

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

static Error shutDownError(const QString &what)
{
    return Error(
        Error::Reason::ShutDown,
        QStringLiteral("lookup of %1 refused: this generation has been shut down").arg(what));
}

Result<QObject *> Container::get(const QString &key)
{
    ContainerLock lock(m_mutex);
    if (m_shutDown)
        return shutDownError(key);
    Node *n = node(key);
    if (!n)
        return Error(Error::Reason::UnknownComponent,
                     QStringLiteral("no component has the key %1").arg(key), key);
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

namespace {

qint64 steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

/*!
 * Counts one plugin call that runs outside the lock, from before the call until what it returned
 * no longer points into the library (see callsInFlight()).
 */
class Container::CallInFlight
{
public:
    explicit CallInFlight(Container &container)
        : m_container(container)
    {
        if (m_container.m_callsInFlight.fetch_add(1, std::memory_order_acq_rel) == 0)
            m_container.m_callsSince.store(steadyMs(), std::memory_order_release);
    }
    ~CallInFlight() { m_container.m_callsInFlight.fetch_sub(1, std::memory_order_acq_rel); }
    CallInFlight(const CallInFlight &) = delete;
    CallInFlight &operator=(const CallInFlight &) = delete;

private:
    Container &m_container;
};

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

QList<ComponentInfo> Container::components() const
{
    ContainerLock lock(m_mutex);
    QList<ComponentInfo> out;
    for (const auto &n : m_nodes) {
        const ComponentDescriptor &d = *n->d;
        ComponentInfo info;
        info.key = d.key;
        info.className = d.className;
        info.pluginFile = d.pluginFile;
        info.interfaces = d.interfaces;
        info.dependencies = d.dependencies;
        info.scope = d.scope;
        info.creation = d.creation;
        info.primary = d.primary;
        info.qualifier = d.qualifier;
        info.created = n->instancesMade > 0 && (d.scope == Scope::Prototype || n->singleton);
        for (const Route &route : d.routes)
            info.routes.append(routeId(route));
        info.stateVersion = d.stateVersion;
        out.append(info);
    }
    return out;
}

QList<ComponentEdge> Container::edges() const
{
    ContainerLock lock(m_mutex);
    QList<ComponentEdge> out;
    for (const auto &n : m_nodes) {
        if (!n->first)
            continue;
        const QList<Node *> &to = targets(n.get());
        for (qsizetype i = 0; i < to.size(); ++i)
            out.append(
                {n->d->key, to.at(i)->d->key, n->d->dependencies.at(n->targetDependency.at(i))});
    }
    return out;
}

void Container::compare(const Container &before, const Container &after,
                        const QSet<QString> &changedPluginFiles, GraphDiff *diff)
{
    ContainerLock afterLock(after.m_mutex);
    ContainerLock beforeLock(before.m_mutex);
    const auto wiringText = [](const Container &c, const Node *n) {
        // As the users read it, order aside: the declarations and what each resolved to.
        QStringList out;
        for (const Dependency &dep : n->d->dependencies)
            out.append(QStringLiteral("declares ") + dep.display());
        const QList<Node *> &to = c.targets(n);
        for (qsizetype i = 0; i < to.size(); ++i)
            out.append(n->d->dependencies.at(n->targetDependency.at(i)).display()
                       + QStringLiteral(" -> ") + to.at(i)->d->key);
        out.sort();
        return out;
    };
    QSet<const Node *> seen;
    for (const auto &n : after.m_nodes) {
        if (!n->first)
            continue;
        const Node *previous = before.node(n->d->key);
        if (!previous) {
            diff->added.append(n->d->key);
            continue;
        }
        seen.insert(previous);
        if (previous->d->pluginFile != n->d->pluginFile
            || changedPluginFiles.contains(n->d->pluginFile))
            diff->changed.append(n->d->key);
        // Same declarations and the same providers' keys in the same order: not rewired. Else
        // the text decides (a list of providers in another order is the same wiring).
        const QList<Node *> &now = after.targets(n.get());
        const QList<Node *> &then = before.targets(previous);
        bool same = (previous->d == n->d || previous->d->dependencies == n->d->dependencies)
                    && now.size() == then.size();
        for (qsizetype i = 0; same && i < now.size(); ++i)
            same = now.at(i)->d->key == then.at(i)->d->key;
        if (!same && wiringText(before, previous) != wiringText(after, n.get()))
            diff->rewired.append(n->d->key);
    }
    for (const auto &n : before.m_nodes) {
        if (n->first && !seen.contains(n.get()))
            diff->removed.append(n->d->key);
    }
    diff->added.sort();
    diff->removed.sort();
    diff->changed.sort();
    diff->rewired.sort();
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

QString Container::toDot() const
{
    const auto escaped = [](QString s) {
        return s.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('"'), QLatin1String("\\\""));
    };
    const auto quoted = [&](const QString &s) {
        return QLatin1Char('"') + escaped(s) + QLatin1Char('"');
    };
    QString dot = QStringLiteral("digraph components {\n  rankdir=LR;\n  node [shape=box];\n");
    for (const ComponentInfo &c : components()) {
        QStringList lines{c.key, c.className};
        QString lifecycle = c.scope == Scope::Prototype ? QStringLiteral("prototype")
                                                        : QStringLiteral("singleton");
        if (c.scope == Scope::Singleton && c.creation == Creation::Lazy)
            lifecycle += QStringLiteral(", lazy");
        if (!c.created)
            lifecycle += QStringLiteral(", not yet created");
        lines.append(lifecycle);
        if (!c.interfaces.isEmpty())
            lines.append(QStringLiteral("provides ") + c.interfaces.join(QStringLiteral(", ")));
        if (c.stateVersion >= 0)
            lines.append(QStringLiteral("carries state v%1").arg(c.stateVersion));
        QStringList label;
        for (const QString &line : lines)
            label.append(escaped(line));
        // Not yet created: dashed, as the console draws it.
        dot += QStringLiteral("  %1 [label=\"%2\", tooltip=%3%4];\n")
                   .arg(quoted(c.key), label.join(QStringLiteral("\\n")), quoted(c.pluginFile),
                        c.created ? QString() : QStringLiteral(", style=dashed"));
    }
    for (const ComponentEdge &e : edges()) {
        dot += QStringLiteral("  %1 -> %2").arg(quoted(e.from), quoted(e.to));
        if (e.dependency.kind != Dependency::Kind::Component)
            dot += QStringLiteral(" [style=dashed, label=%1]").arg(quoted(e.dependency.display()));
        dot += QStringLiteral(";\n");
    }
    dot += QStringLiteral("}\n");
    return dot;
}

QHash<QString, CarriedState> Container::saveState(Errors *errors, const QStringList &except)
{
    ContainerLock lock(m_mutex);
    QHash<QString, CarriedState> out;
    const QSet<QString> skipped(except.cbegin(), except.cend());
    for (const auto &n : m_nodes) {
        if (n->d->stateVersion < 0 || !n->d->saveState || !n->singleton
            || skipped.contains(n->d->key))
            continue;
        QVariant value;
        aboutToCall(n.get(), PluginCall::SaveState);
        if (std::exception_ptr e = runCatching([&] { value = n->d->saveState(n->singleton); })) {
            errors->append(Error(Error::Reason::StateCarryFailed,
                                 QStringLiteral("saving state threw: %1").arg(exceptionText(e)),
                                 n->d->key, n->d->pluginFile));
            continue;
        }
        // The state outlives this generation's library, so it is carried in built-in types
        // only: an enum as its number, a gadget as a QVariantMap of its properties.
        QString why;
        std::optional<QVariant> copy = detail::builtinValue(value, detail::ValueUse::State, &why);
        if (!copy) {
            errors->append(Error(Error::Reason::StateCarryFailed,
                                 QStringLiteral("the saved state cannot be carried: it holds %1; "
                                                "carry Qt value types, enums and gadgets")
                                     .arg(why),
                                 n->d->key, n->d->pluginFile));
            continue;
        }
        out.insert(n->d->key, CarriedState{n->d->stateVersion, *copy});
    }
    return out;
}

StateCarryReport Container::restoreState(const QHash<QString, CarriedState> &state)
{
    ContainerLock lock(m_mutex);
    StateCarryReport report;
    for (auto it = state.constBegin(); it != state.constEnd(); ++it) {
        Node *n = node(it.key());
        if (!n) {
            report.dropped.append(
                QStringLiteral("%1: no component with this key in the new generation")
                    .arg(it.key()));
            continue;
        }
        if (n->d->stateVersion < 0 || !n->d->restoreState) {
            report.dropped.append(
                QStringLiteral("%1: the new version no longer carries state").arg(it.key()));
            continue;
        }
        if (n->d->stateVersion != it->version) {
            report.dropped.append(QStringLiteral("%1: state version changed from %2 to %3")
                                      .arg(it.key())
                                      .arg(it->version)
                                      .arg(n->d->stateVersion));
            continue;
        }
        if (!n->singleton) {
            // Lazy: restored when it is first created.
            m_pendingState.insert(n->d->key, *it);
            report.carried.append(n->d->key);
            continue;
        }
        aboutToCall(n, PluginCall::RestoreState);
        if (std::exception_ptr e
            = runCatching([&] { n->d->restoreState(n->singleton, it->value); })) {
            report.errors.append(
                Error(Error::Reason::StateCarryFailed,
                      QStringLiteral("restoring state threw: %1").arg(exceptionText(e)), n->d->key,
                      n->d->pluginFile));
            report.dropped.append(QStringLiteral("%1: restore failed").arg(it.key()));
            continue;
        }
        report.carried.append(n->d->key);
    }
    report.carried.sort();
    report.dropped.sort();
    return report;
}

void Container::applyPendingState(Node *n, QObject *instance)
{
    const auto it = m_pendingState.constFind(n->d->key);
    if (it == m_pendingState.constEnd())
        return;
    const CarriedState state = *it;
    m_pendingState.erase(it);
    aboutToCall(n, PluginCall::RestoreState);
    if (std::exception_ptr e = runCatching([&] { n->d->restoreState(instance, state.value); }))
        qCWarning(lcContainer).noquote()
            << Error(Error::Reason::StateCarryFailed,
                     QStringLiteral("restoring carried state on first use threw: %1")
                         .arg(exceptionText(e)),
                     n->d->key, n->d->pluginFile)
                   .toString();
}

QList<const QMetaObject *> Container::metaObjects() const
{
    ContainerLock lock(m_mutex);
    QList<const QMetaObject *> out;
    QSet<const QMetaObject *> seen;
    const auto add = [&](const QMetaObject *meta) {
        if (meta && !seen.contains(meta)) {
            seen.insert(meta);
            out.append(meta);
        }
    };
    for (const auto &n : m_nodes)
        add(n->d->metaObject);
    for (const Created &created : m_created)
        add(created.instance->object->metaObject());
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

Result<ComponentDetails> Container::details(const QString &key) const
{
    ContainerLock lock(m_mutex);
    const Node *n = node(key);
    if (!n)
        return Error(Error::Reason::UnknownComponent,
                     QStringLiteral("no component has the key %1").arg(key), key);
    ComponentDetails details;
    for (const ComponentInfo &info : components()) {
        if (info.key == key) {
            details.info = info;
            break;
        }
    }
    const QObject *instance = n->singleton;
    for (const Created &created : m_created) {
        if (created.node == n) {
            ++details.liveInstances;
            if (n->d->scope == Scope::Prototype)
                instance = created.instance->object; // the newest
        }
    }
    if (!instance) {
        // Not created yet: what its class offers, when the class is known exactly.
        if (n->d->metaObject)
            ComponentDetails::describeClass(n->d->metaObject, nullptr, &details);
        return details;
    }
    details.instantiated = true;
    // Property values come back in built-in types only (see builtinValue()).
    ComponentDetails::describe(instance, &details);
    return details;
}

namespace {

// The public methods and slots `method` can mean, best match first.
QList<QMetaMethod> invocationCandidates(const QMetaObject *meta, const QString &method,
                                        qsizetype argumentCount)
{
    QList<QMetaMethod> out;
    const bool bySignature = method.contains(QLatin1Char('('));
    const QByteArray wanted
        = bySignature ? QMetaObject::normalizedSignature(method.toLatin1()) : method.toLatin1();
    for (int i = QObject::staticMetaObject.methodCount(); i < meta->methodCount(); ++i) {
        const QMetaMethod m = meta->method(i);
        if (m.access() != QMetaMethod::Public
            || (m.methodType() != QMetaMethod::Method && m.methodType() != QMetaMethod::Slot))
            continue;
        if (bySignature ? m.methodSignature() == wanted
                        : m.name() == wanted && m.parameterCount() == argumentCount)
            out.append(m);
    }
    return out;
}

Error noSuchMethod(const ComponentDescriptor &d, const QMetaObject *meta, const QString &method,
                   qsizetype argumentCount)
{
    return Error(Error::Reason::MethodNotFound,
                 QStringLiteral("%1 has no public invokable method or slot %2 taking %3 "
                                "argument(s)")
                     .arg(QString::fromLatin1(meta->className()), method)
                     .arg(argumentCount),
                 d.key, d.pluginFile);
}

} // namespace

Result<QVariant> Container::invoke(const QString &key, const QString &method,
                                   const QVariantList &arguments)
{
    std::optional<CallInFlight> call;
    QObject *instance = nullptr;
    const Node *owner = nullptr;
    {
        ContainerLock lock(m_mutex);
        if (m_shutDown)
            return shutDownError(key);
        Node *n = node(key);
        if (!n)
            return Error(Error::Reason::UnknownComponent,
                         QStringLiteral("no component has the key %1").arg(key), key);
        // A method the class does not have is not worth creating a lazy component for.
        if (n->d->metaObject
            && invocationCandidates(n->d->metaObject, method, arguments.size()).isEmpty())
            return noSuchMethod(*n->d, n->d->metaObject, method, arguments.size());
        QStringList path;
        Result<QObject *> made = instantiate(n, path);
        if (!made)
            return made.errors();
        instance = made.value();
        owner = n;
        // The method runs outside the lock and may spin a nested event loop (see serve()).
        call.emplace(*this);
    }
    const auto failure = [&](Error::Reason reason, const QString &message) {
        return Error(reason, message, owner->d->key, owner->d->pluginFile);
    };
    constexpr qsizetype maxArguments = 10; // what QMetaMethod::invoke takes
    const QList<QMetaMethod> candidates
        = invocationCandidates(instance->metaObject(), method, arguments.size());
    if (candidates.isEmpty())
        return noSuchMethod(*owner->d, instance->metaObject(), method, arguments.size());
    QStringList conversionProblems;
    for (const QMetaMethod &m : candidates) {
        if (m.parameterCount() != arguments.size() || m.parameterCount() > maxArguments) {
            conversionProblems.append(QStringLiteral("%1 takes %2 argument(s)")
                                          .arg(QString::fromLatin1(m.methodSignature()))
                                          .arg(m.parameterCount()));
            continue;
        }
        QVariantList converted = arguments;
        QString problem;
        for (qsizetype i = 0; i < converted.size() && problem.isEmpty(); ++i) {
            const QMetaType type = m.parameterMetaType(int(i));
            if (converted[i].metaType() != type && !converted[i].convert(type))
                problem = QStringLiteral("argument %1 (%2) does not convert to %3")
                              .arg(i + 1)
                              .arg(QString::fromLatin1(arguments.at(i).typeName()),
                                   QString::fromLatin1(type.name()));
        }
        if (!problem.isEmpty()) {
            conversionProblems.append(QString::fromLatin1(m.methodSignature())
                                      + QStringLiteral(": ") + problem);
            continue;
        }
        QGenericArgument args[maxArguments];
        for (qsizetype i = 0; i < converted.size(); ++i)
            args[i]
                = QGenericArgument(m.parameterMetaType(int(i)).name(), converted[i].constData());
        QVariant result;
        QGenericReturnArgument returned;
        if (m.returnMetaType().isValid() && m.returnMetaType().id() != QMetaType::Void) {
            result = QVariant(m.returnMetaType());
            returned = QGenericReturnArgument(m.typeName(), result.data());
        }
        bool invoked = false;
        if (std::exception_ptr e = runCatching([&] {
                invoked
                    = m.invoke(instance, Qt::DirectConnection, returned, args[0], args[1], args[2],
                               args[3], args[4], args[5], args[6], args[7], args[8], args[9]);
            }))
            return failure(Error::Reason::InvocationFailed,
                           QStringLiteral("%1 threw: %2")
                               .arg(QString::fromLatin1(m.methodSignature()), exceptionText(e)));
        if (!invoked)
            return failure(Error::Reason::InvocationFailed,
                           QStringLiteral("the meta-object system could not call %1")
                               .arg(QString::fromLatin1(m.methodSignature())));
        return detail::ownedForDisplay(result);
    }
    return failure(Error::Reason::BadArguments, conversionProblems.join(QStringLiteral("; ")));
}

} // namespace qreload
