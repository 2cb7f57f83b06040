#pragma once

// The container's private parts, shared by its source files (container*.cpp): one class, split
// at its seams (graph and validation, lifecycle, routing, export, state carry, reflection).

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

Q_DECLARE_LOGGING_CATEGORY(lcContainer)

namespace qreload::detail {

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

inline QString exceptionText(std::exception_ptr exception)
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

inline QString routeId(const Route &route)
{
    return QString::fromLatin1(route.method) + QLatin1Char(' ') + route.path;
}

//! `method` with HEAD already made GET.
inline bool routeMatches(const Route &route, const QByteArray &method, const QString &path,
                         bool *exact)
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

inline Error unknownComponentError(const QString &key)
{
    return Error(Error::Reason::UnknownComponent,
                 QStringLiteral("no component has the key %1").arg(key), key);
}

inline Error shutDownError(const QString &what)
{
    return Error(
        Error::Reason::ShutDown,
        QStringLiteral("lookup of %1 refused: this generation has been shut down").arg(what));
}

inline qint64 steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace qreload::detail

namespace qreload {

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
            m_container.m_callsSince.store(detail::steadyMs(), std::memory_order_release);
    }
    ~CallInFlight() { m_container.m_callsInFlight.fetch_sub(1, std::memory_order_acq_rel); }
    CallInFlight(const CallInFlight &) = delete;
    CallInFlight &operator=(const CallInFlight &) = delete;

private:
    Container &m_container;
};

} // namespace qreload
