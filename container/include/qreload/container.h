#pragma once

#include "qreload/component.h"
#include "qreload/error.h"

#include <QHash>
#include <QRecursiveMutex>
#include <QSet>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace qreload {

class ComponentDetails;
class GraphDiff;

//! A read-only view of one component, for the console, the status endpoint and graph diffs.
struct ComponentInfo
{
    QString key;
    QString className;
    QString pluginFile;
    QStringList interfaces;
    QList<Dependency> dependencies;
    Scope scope = Scope::Singleton;
    Creation creation = Creation::Eager;
    bool primary = false;
    QString qualifier;
    bool created = false;  //!< a singleton instance exists (prototypes: at least one made)
    QStringList routes;    //!< "GET /path"
    int stateVersion = -1; //!< -1: carries no state
};

//! An edge of the component graph, with the provider the dependency resolved to.
struct ComponentEdge
{
    QString from;
    QString to;
    Dependency dependency;
};

//! State saved from one component of an old generation for its successor.
struct CarriedState
{
    int version = -1;
    QVariant value;
};

//! What happened to carried state during one reload, for the reload log.
struct StateCarryReport
{
    QStringList carried; //!< keys whose state was restored into the new generation
    QStringList dropped; //!< "key: reason" for state that was not restored
    Errors errors;       //!< save or restore hooks that threw
};

//! Plugin code the container (or its generation) is about to run, for crash breadcrumbs.
enum class PluginCall {
    Load,           //!< the library is being loaded: its static initialisers run (key: the file)
    Register,       //!< the plugin's registration function runs (key: the plugin file)
    Factory,        //!< the component's factory or constructor
    AfterConstruct, //!< the component's after-construct hook
    Destroy,        //!< the component's before-destroy hook, then its destructor
    SaveState,      //!< the component's carried-state save function
    RestoreState,   //!< the component's carried-state restore function
};

QRELOAD_CONTAINER_EXPORT QString pluginCallName(PluginCall call);

/*!
 * Told the component key (or plugin file) and what plugin code runs next, right before it runs,
 * on the thread that runs it. A host process records this where a crash handler can read it, so
 * a crash report can name the component that was being created. It must not call back into the
 * container (it is called under the container's lock).
 */
using ConstructionObserver = std::function<void(const QString &key, PluginCall call)>;

/*!
 * The dependency-injection container of one generation. Descriptors are added, the whole graph is
 * validated before anything is built, eager singletons are constructed in dependency order, and
 * shutdown destroys everything in reverse creation order.
 *
 * Thread-safe: lookups may come from any thread; singleton creation happens once under a lock.
 * Never throws: exceptions from plugin code (constructors, hooks, routes) become Errors.
 */
class QRELOAD_CONTAINER_EXPORT Container
{
public:
    Container();
    ~Container();
    Container(const Container &) = delete;
    Container &operator=(const Container &) = delete;

    //! Adds descriptors this container alone owns; it clears their plugin code at shutdown.
    void add(std::deque<ComponentDescriptor> descriptors);
    void add(ComponentDescriptor descriptor);
    /*!
     * Adds a descriptor made by shared(), which other containers may use too: a plugin
     * library's registration, reused by every generation that keeps the library. This container
     * neither copies it nor clears its plugin code at shutdown; its owner (the library) does,
     * before it is unloaded. A component registered with the very descriptor its predecessor
     * used is *unchanged* for start(predecessor).
     */
    void add(std::shared_ptr<ComponentDescriptor> descriptor);
    /*!
     * A descriptor made by plugin code, made shareable: its strings are deep-copied (they may
     * point into the library's read-only data), route methods upper-cased.
     */
    static std::shared_ptr<ComponentDescriptor> shared(ComponentDescriptor descriptor);

    /*!
     * Called before each factory, hook and state function runs (see ConstructionObserver).
     * Set it before start(); an empty function (the default) costs one test per call.
     */
    void setConstructionObserver(ConstructionObserver observer);

    //! Every problem of the graph at once; does not construct anything.
    Status validate() const;
    /*!
     * Validates, then constructs eager singletons. On failure every instance built so far is
     * destroyed (before-destroy hooks run) and the container is shut down.
     */
    Status start();
    /*!
     * Starts this container as the successor of `predecessor` (the container of the generation
     * it replaces; null or shut down: as start()). Validates, then *keeps* every component that
     * is unchanged (registered with the same shared descriptor, see add()) and whose
     * dependencies all resolve to the same providers as in the predecessor, themselves kept: this
     * container holds the predecessor's very instances of it (its singleton; for a prototype, the
     * instances a kept instance was given, not those made for lookups), without running any
     * factory or hook, and carries the predecessor's pending state of a kept lazy component not
     * yet created. Then it constructs the other eager singletons, as start() does.
     *
     * An instance held by several containers is destroyed (its before-destroy hook run) by the
     * last of them to shut down; the others only let go of it. On failure every instance this
     * container made is destroyed and the kept ones are let go, untouched.
     * Call on the thread that shuts the containers down; `predecessor` keeps serving meanwhile.
     */
    Status start(Container *predecessor);
    //! Keys whose predecessor's instances start(predecessor) kept, sorted.
    QStringList keptKeys() const;
    //! Keys whose instances start() constructed (eager singletons and what they needed), sorted.
    QStringList constructedKeys() const;
    /*!
     * Destroys every instance in reverse creation order, running every before-destroy hook even
     * when one fails. Idempotent: a second call does nothing and reports no errors.
     */
    Status shutdown();
    bool isShutDown() const;

    Result<QObject *> get(const QString &key);
    Result<QObject *> provider(const QString &iid, const QString &qualifier = {});
    Result<QList<QObject *>> providers(const QString &iid);

    //! Finds the component route for a request and calls it; handler exceptions become errors.
    Result<Response> serve(const Request &request);
    /*!
     * The key of the component whose route serve() would call for `method path` (HEAD is GET,
     * an exact route wins, else the longest `prefix*`, the first registered among equals), found
     * the same way serve() finds it and without creating anything; empty when none.
     */
    QString routeOwner(const QByteArray &method, const QString &path) const;

    /*!
     * Plugin calls running now outside the lock (a route's handler in serve(), a method in
     * invoke()), on any thread. Such a call may wait in a nested event loop for as long as it
     * likes: whoever shuts down and unloads this container's generation must wait for 0.
     */
    int callsInFlight() const { return m_callsInFlight.load(std::memory_order_acquire); }
    //! How long calls have run without a pause: ms since callsInFlight() last rose from 0;
    //! 0 when none runs.
    qint64 callsRunningMs() const;

    QList<ComponentInfo> components() const;
    //! A component with this key is registered (created or not).
    bool contains(const QString &key) const;
    QList<ComponentEdge> edges() const;
    //! The existing singleton instance, without creating it (null if none).
    QObject *existingInstance(const QString &key) const;
    //! Keys in the order their instances were created.
    QStringList creationOrder() const;
    //! How many instances of the component exist now: 0 or 1 for a singleton, any number for a
    //! prototype; 0 for an unknown key. Never creates one.
    int liveInstances(const QString &key) const;
    //! Graphviz DOT of the graph.
    QString toDot() const;
    /*!
     * The component's info plus, when an instance exists (a singleton's, or the newest
     * prototype's), its class, properties with their current values and its methods. Never
     * creates an instance: for a lazy component not yet used, its class's properties (without
     * values) and methods when the class is known exactly (Registry::add), else none.
     * Include <qreload/componentdetails.h> to use the result. Values are deep copies in Qt's
     * built-in types (a Q_ENUM as its key, a Q_GADGET as a QVariantMap of its properties, an
     * object pointer as text), so the details stay valid after the generation is unloaded.
     */
    Result<ComponentDetails> details(const QString &key) const;
    /*!
     * Calls a public Q_INVOKABLE method or public slot of a component (creating a lazy one, as
     * get() does) on the calling thread. `method` is a name (`greet`: the overload taking
     * arguments.size() parameters) or a signature (`greet(QString)`). Arguments are converted to
     * the parameter types; the result is the return value in built-in types, as details()
     * shows values (invalid for void methods).
     * Fails with MethodNotFound (no public method of that name and argument count),
     * BadArguments (the arguments do not convert) or InvocationFailed (the method threw: the
     * exception is caught).
     */
    Result<QVariant> invoke(const QString &key, const QString &method,
                            const QVariantList &arguments = {});

    /*!
     * The meta-objects of the registered component classes and of the live instances: data of
     * the plugin libraries, valid until the generation is shut down. The generation uses them
     * to keep Qt's metatype registry consistent when another generation unloads.
     */
    QList<const QMetaObject *> metaObjects() const;

    /*!
     * The carried state of every created singleton that declares it, in Qt's built-in types only
     * (an enum as its number, a gadget as a QVariantMap): it outlives this generation's library.
     * State holding an object pointer or another type the plugin defines is refused with
     * StateCarryFailed. Components in `except` (those a successor kept: their instance carries
     * its own state on) are not asked.
     */
    QHash<QString, CarriedState> saveState(Errors *errors, const QStringList &except = {});
    StateCarryReport restoreState(const QHash<QString, CarriedState> &state);

private:
    friend class GraphDiff;
    /*!
     * GraphDiff::between() for two containers, from their nodes: a component registered with
     * the same shared descriptor and wired to providers of the same keys is compared without
     * building any text.
     */
    static void compare(const Container &before, const Container &after,
                        const QSet<QString> &changedPluginFiles, GraphDiff *diff);

    struct Node;
    struct Instance;
    class ScopedResolver;
    //! One instance this container holds, in creation order.
    struct Created
    {
        Node *node;
        std::shared_ptr<Instance> instance;
        //! The prototype instances its factory was given (kept with it by a successor).
        QList<Instance *> prototypes;
    };
    struct RouteEntry
    {
        Node *node = nullptr;
        const Route *route = nullptr;
    };

    void addNode(std::shared_ptr<ComponentDescriptor> descriptor);
    Node *node(const QString &key) const;
    QList<Node *> interfaceProviders(const QString &iid) const;
    Result<Node *> resolveInterface(const QString &iid, const QString &qualifier) const;
    //! The providers each dependency of `node` resolves to, in declaration order (unresolved
    //! ones left out).
    const QList<Node *> &targets(const Node *node) const;
    bool keepable(Node *node, const Container &predecessor);
    Status startLocked(Container *predecessor);
    Result<QObject *> instantiate(Node *node, QStringList &path);
    void destroyInstance(Node *node, QObject *instance, Errors *errors);
    Errors destroyAll();
    void applyPendingState(Node *node, QObject *instance);
    void aboutToCall(const Node *node, PluginCall call) const;
    class CallInFlight;

    mutable QRecursiveMutex m_mutex;
    std::vector<std::unique_ptr<Node>> m_nodes;
    QHash<QString, Node *> m_byKey;
    QHash<QString, QList<Node *>> m_byInterface; // IID -> providers (first node of each key)
    std::vector<Created> m_created;              // creation order; prototypes included
    QHash<QString, RouteEntry> m_exactRoutes;    // "GET /path" -> first route registered
    QHash<QString, RouteEntry> m_routeOwners;    // any route id -> first route registered
    QList<QPair<RouteEntry, RouteEntry>> m_routeClashes; // (first, later) of two components
    QSet<QString> m_duplicateKeys;                       // keys registered more than once
    int m_epoch = 0; // counts add()s: cached resolutions of an older graph are stale
    QList<RouteEntry> m_prefixRoutes; // routes ending in '*', registration order
    //! The route serve() and routeOwner() pick for `method path`; call under m_mutex.
    const RouteEntry *findRoute(const QByteArray &method, const QString &path) const;
    QHash<QString, CarriedState> m_pendingState;
    QStringList m_kept;
    QStringList m_constructed;
    ConstructionObserver m_observer;
    mutable bool m_valid = false; // validate() found nothing, and nothing was added since
    bool m_starting = false;
    bool m_started = false;
    bool m_shutDown = false;
    std::atomic<int> m_callsInFlight{0};
    std::atomic<qint64> m_callsSince{0}; // steady clock ms when m_callsInFlight rose from 0
};

} // namespace qreload
