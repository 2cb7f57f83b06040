#pragma once

#include "qreload/component.h"
#include "qreload/error.h"

#include <QMetaObject>

#include <concepts>
#include <deque>
#include <type_traits>

namespace qreload {

//! True for an interface declared with Q_DECLARE_INTERFACE (resolvable across plugins by IID).
template<typename I>
concept DeclaredInterface = requires
{
    qobject_interface_iid<I *>();
};

//! True for a QObject-derived component class.
template<typename T>
concept Component = std::derived_from<T, QObject>;

/*!
 * What a factory uses to reach its dependencies. The container builds every declared dependency
 * before it calls a factory, so these lookups succeed for declared dependencies; a lookup of
 * something undeclared returns null and fails the construction with UndeclaredDependency.
 * Never throws.
 */
class QRELOAD_CONTAINER_EXPORT Resolver
{
public:
    virtual ~Resolver();
    virtual QObject *component(const QString &key) = 0;
    virtual QObject *provider(const char *iid, const QString &qualifier = {}) = 0;
    virtual QList<QObject *> providers(const char *iid) = 0;

    template<Component T>
    T *get(const QString &key)
    {
        return qobject_cast<T *>(component(key));
    }
    template<DeclaredInterface I>
    I *one(const QString &qualifier = {})
    {
        return qobject_cast<I *>(provider(qobject_interface_iid<I *>(), qualifier));
    }
    template<DeclaredInterface I>
    QList<I *> all()
    {
        QList<I *> out;
        for (QObject *object : providers(qobject_interface_iid<I *>()))
            out.append(qobject_cast<I *>(object));
        return out;
    }
};

/*!
 * One constructor argument of a component, with the dependency it declares. Made by inject(),
 * one(), named() and all(); `type` is what the constructor receives.
 */
template<typename Arg>
struct Injection
{
    using type = Arg;
    Dependency dependency;
    std::function<Arg(Resolver &)> resolve;
};

// The injections and Registry::add take any type and check it with a static_assert, rather than
// constraining the template, so that a mistake reads as one sentence saying what to do instead
// of a list of unsatisfied constraints (tests/container/compile_fail proves each message).

//! A component by key (same plugin: the class is known here).
template<typename D>
Injection<D *> inject(const QString &key)
{
    static_assert(Component<D>,
                  "qreload: inject<D>(key) injects a component, and D is not a QObject; for an "
                  "interface declared with Q_DECLARE_INTERFACE use one<I>(), named<I>(q) or "
                  "all<I>()");
    if constexpr (Component<D>)
        return {{Dependency::Kind::Component, key, {}}, [key](Resolver &r) {
                    return r.get<D>(key);
                }};
    else
        return {};
}

//! The unique or primary provider of interface I, from any plugin.
template<typename I>
Injection<I *> one()
{
    static_assert(DeclaredInterface<I>,
                  "qreload: one<I>() injects an interface, and I has no Q_DECLARE_INTERFACE; "
                  "declare it (interfaces are resolved by IID across plugins) or inject a "
                  "component by key with inject<C>(key)");
    if constexpr (DeclaredInterface<I>) {
        const QString iid = QString::fromLatin1(qobject_interface_iid<I *>());
        return {{Dependency::Kind::Interface, iid, {}}, [](Resolver &r) {
                    return r.one<I>();
                }};
    } else {
        return {};
    }
}

//! The provider of interface I registered under a qualifier (ComponentBuilder::named).
template<typename I>
Injection<I *> named(const QString &qualifier)
{
    static_assert(DeclaredInterface<I>,
                  "qreload: named<I>(qualifier) injects an interface, and I has no "
                  "Q_DECLARE_INTERFACE");
    if constexpr (DeclaredInterface<I>) {
        const QString iid = QString::fromLatin1(qobject_interface_iid<I *>());
        return {{Dependency::Kind::NamedInterface, iid, qualifier}, [qualifier](Resolver &r) {
                    return r.one<I>(qualifier);
                }};
    } else {
        return {};
    }
}

//! Every provider of interface I, in registration order (possibly none).
template<typename I>
Injection<QList<I *>> all()
{
    static_assert(DeclaredInterface<I>,
                  "qreload: all<I>() injects every provider of an interface, and I has no "
                  "Q_DECLARE_INTERFACE");
    if constexpr (DeclaredInterface<I>) {
        const QString iid = QString::fromLatin1(qobject_interface_iid<I *>());
        return {{Dependency::Kind::InterfaceList, iid, {}}, [](Resolver &r) {
                    return r.all<I>();
                }};
    } else {
        return {};
    }
}

/*!
 * Chained, typed settings of one registered component. Returned by Registry::add; every call
 * changes the descriptor in the registry, so the builder may be dropped at any point.
 */
template<Component T>
class ComponentBuilder
{
public:
    explicit ComponentBuilder(ComponentDescriptor &descriptor)
        : m_d(&descriptor)
    {}

    //! Declares that T implements interface I (T must list it in Q_INTERFACES).
    template<typename I>
    ComponentBuilder &provides()
    {
        static_assert(DeclaredInterface<I>,
                      "qreload: provides<I>() needs an interface declared with "
                      "Q_DECLARE_INTERFACE (its IID is how other plugins find it)");
        static_assert(!DeclaredInterface<I> || std::is_base_of_v<I, T>,
                      "qreload: the component does not derive from the interface it claims to "
                      "provide");
        if constexpr (DeclaredInterface<I>)
            m_d->addInterface(qobject_interface_iid<I *>());
        return *this;
    }
    //! Preferred provider when several components provide the same interface.
    ComponentBuilder &primary()
    {
        m_d->primary = true;
        return *this;
    }
    //! Qualifier for named() lookups.
    ComponentBuilder &named(const QString &qualifier)
    {
        m_d->qualifier = qualifier;
        return *this;
    }
    ComponentBuilder &lazy()
    {
        m_d->creation = Creation::Lazy;
        return *this;
    }
    ComponentBuilder &prototype()
    {
        m_d->scope = Scope::Prototype;
        m_d->creation = Creation::Lazy;
        return *this;
    }
    //! Runs after construction; an exception fails the construction like the constructor's would.
    template<std::invocable<T &> Hook>
    ComponentBuilder &onCreated(Hook hook)
    {
        m_d->afterConstruct = [hook = std::move(hook)](QObject *o) mutable {
            hook(*static_cast<T *>(o));
        };
        return *this;
    }
    //! Runs before destruction; an exception is collected and the other hooks still run.
    template<std::invocable<T &> Hook>
    ComponentBuilder &onDestroy(Hook hook)
    {
        m_d->beforeDestroy = [hook = std::move(hook)](QObject *o) mutable {
            hook(*static_cast<T *>(o));
        };
        return *this;
    }
    /*!
     * Serves `path` through the preview server with `handler(component, request)` or
     * `handler(component)`, which returns a Response. The handler is stored as it is (one call,
     * no layers of std::function), which keeps a plugin's rebuild short.
     */
    template<typename Handler>
    ComponentBuilder &route(const QString &path, Handler handler, const QByteArray &method = "GET")
    {
        // Called through a const reference: requests may be served from several threads at once.
        constexpr bool withRequest
            = std::is_invocable_r_v<Response, const Handler &, T &, const Request &>;
        constexpr bool valid = withRequest || std::is_invocable_r_v<Response, const Handler &, T &>;
        static_assert(valid, "qreload: a route handler is called as handler(T &) or "
                             "handler(T &, const qreload::Request &), not mutable, and returns a "
                             "qreload::Response");
        if constexpr (valid) {
            m_d->addRoute(
                method, path,
                [handler = std::move(handler)](QObject *o, const Request &request) -> Response {
                    if constexpr (withRequest)
                        return handler(*static_cast<T *>(o), request);
                    else
                        return handler(*static_cast<T *>(o));
                });
        }
        return *this;
    }
    /*!
     * Hands state from this component in the old generation to its successor with the same key.
     * `save(T &)` returns a QVariant and runs on the old instance before the swap;
     * `restore(T &, const QVariant &)` runs on the new one before it serves. When `version`
     * differs between the two, the state is dropped (and the reload log says so).
     */
    template<typename Save, typename Restore>
    ComponentBuilder &carriesState(int version, Save save, Restore restore)
    {
        constexpr bool saves = std::is_invocable_r_v<QVariant, Save &, T &>;
        constexpr bool restores = std::is_invocable_v<Restore &, T &, const QVariant &>;
        static_assert(saves,
                      "qreload: carriesState's save is called as save(T &) and returns a QVariant");
        static_assert(
            restores,
            "qreload: carriesState's restore is called as restore(T &, const QVariant &)");
        if constexpr (saves && restores) {
            m_d->stateVersion = version;
            m_d->saveState = [save = std::move(save)](QObject *o) mutable -> QVariant {
                return save(*static_cast<T *>(o));
            };
            m_d->restoreState
                = [restore = std::move(restore)](QObject *o, const QVariant &state) mutable {
                      restore(*static_cast<T *>(o), state);
                  };
        }
        return *this;
    }
    //! Declares a dependency by key for a hand-written factory (string-key path).
    ComponentBuilder &dependsOn(const QString &key)
    {
        m_d->addDependency(Dependency{Dependency::Kind::Component, key, {}});
        return *this;
    }
    //! Replaces the constructor call with a hand-written factory: `make(Resolver &)` returns T *.
    template<typename Make>
    ComponentBuilder &factory(Make make)
    {
        constexpr bool valid = std::is_invocable_r_v<T *, Make &, Resolver &>;
        static_assert(valid,
                      "qreload: a factory is called as make(qreload::Resolver &) and returns T *");
        if constexpr (valid) {
            m_d->metaObject = nullptr; // it may make a subclass of T
            m_d->factory = [make = std::move(make)](Resolver &r) mutable -> QObject * {
                return make(r);
            };
        }
        return *this;
    }

    ComponentDescriptor &descriptor() { return *m_d; }

private:
    ComponentDescriptor *m_d;
};

/*!
 * What a plugin registers its components into. One registry per plugin per generation.
 */
class QRELOAD_CONTAINER_EXPORT Registry
{
public:
    explicit Registry(QString pluginFile = {});
    ~Registry();
    Registry(const Registry &) = delete;
    Registry &operator=(const Registry &) = delete;

    /*!
     * Registers component T under `key`, constructed as `new T(args...)` from the injections.
     * Mistakes are compile errors: T not a QObject, an injection that is neither a component
     * nor a declared interface, or injections that match none of T's constructors.
     */
    template<typename T, typename... Args>
    auto add(const QString &key, Injection<Args>... injections)
    {
        static_assert(Component<T>,
                      "qreload: a component must derive from QObject (with Q_OBJECT), so the "
                      "console can show its class, properties and invokable methods");
        if constexpr (Component<T>) {
            static_assert(std::is_constructible_v<T, Args...>,
                          "qreload: the component has no constructor taking the injected "
                          "arguments (in this order)");
            ComponentDescriptor descriptor;
            descriptor.key = key;
            descriptor.className = QString::fromLatin1(T::staticMetaObject.className());
            descriptor.metaObject = &T::staticMetaObject;
            (descriptor.addDependency(injections.dependency), ...);
            if constexpr (std::is_constructible_v<T, Args...>) {
                descriptor.factory = [... resolve = injections.resolve](Resolver &r) -> QObject * {
                    return new T(resolve(r)...);
                };
            }
            return ComponentBuilder<T>(addDescriptor(std::move(descriptor)));
        }
    }

    //! The untyped path: a complete descriptor (key, factory, dependencies by key or interface).
    ComponentDescriptor &addDescriptor(ComponentDescriptor descriptor);

    QString pluginFile() const { return m_pluginFile; }
    const std::deque<ComponentDescriptor> &components() const { return m_components; }
    std::deque<ComponentDescriptor> takeComponents();

private:
    QString m_pluginFile;
    std::deque<ComponentDescriptor> m_components;
};

} // namespace qreload
