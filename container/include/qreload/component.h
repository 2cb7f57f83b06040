#pragma once

#include "qreload/qreload_export.h"

#include <QByteArray>
#include <QJsonDocument>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrlQuery>
#include <QVariant>

#include <functional>

namespace qreload {

class Resolver;

//! How many instances of a component a generation makes.
enum class Scope {
    Singleton, //!< one instance per generation (the default)
    Prototype, //!< a new instance for every lookup, owned and destroyed by the generation
};

//! When a singleton is constructed.
enum class Creation {
    Eager, //!< while the generation is built, so a failing constructor fails the reload
    Lazy,  //!< on first lookup
};

/*!
 * A dependency declared at registration, so the whole graph is known before anything is built.
 */
struct QRELOAD_CONTAINER_EXPORT Dependency
{
    enum class Kind {
        Component,      //!< a component by its string key
        Interface,      //!< the unique (or primary) provider of an interface IID
        InterfaceList,  //!< every provider of an interface IID, possibly none
        NamedInterface, //!< the provider of an interface IID registered under a qualifier
    };
    Kind kind = Kind::Component;
    QString target; //!< key, or interface IID
    QString qualifier;

    //! How the dependency reads in messages: `shop.Repository`, `interface org.shop.IRepo`, ...
    QString display() const;
    //! The kind's name in JSON and the console: `component`, `interface`, `all` or `named`.
    static QString kindName(Kind kind);
    bool operator==(const Dependency &other) const = default;
};

//! An HTTP request as a component route sees it (no network types: the container is QtCore only).
struct Request
{
    QByteArray method = "GET";
    QString path;
    QUrlQuery query;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
};

//! What a component route answers.
struct QRELOAD_CONTAINER_EXPORT Response
{
    int status = 200;
    QByteArray contentType = "text/plain; charset=utf-8";
    QByteArray body;

    static Response html(const QString &html, int status = 200);
    static Response text(const QString &text, int status = 200);
    static Response json(const QJsonDocument &json, int status = 200);
};

using RouteHandler = std::function<Response(QObject *component, const Request &request)>;

/*!
 * An HTTP route a component serves through the preview server. `path` is matched exactly, or as
 * a prefix when it ends in `*` (`/api/*`).
 */
struct Route
{
    QByteArray method = "GET";
    QString path;
    RouteHandler handler;
};

/*!
 * Everything the container knows about one component before it is constructed. Plugins fill these
 * in through Registry; the std::function members hold plugin code, so a descriptor must never
 * outlive the generation (and so the library) it came from.
 *
 * Its special members and adders are defined in the container library, not inline: otherwise
 * every plugin's compile instantiates the list and std::function machinery again, a large part
 * of a one-file rebuild.
 */
struct QRELOAD_CONTAINER_EXPORT ComponentDescriptor
{
    ComponentDescriptor();
    ~ComponentDescriptor();
    ComponentDescriptor(const ComponentDescriptor &other);
    ComponentDescriptor(ComponentDescriptor &&other) noexcept;
    ComponentDescriptor &operator=(const ComponentDescriptor &other);
    ComponentDescriptor &operator=(ComponentDescriptor &&other) noexcept;

    void addDependency(const Dependency &dependency);
    void addInterface(const char *iid);
    void addRoute(const QByteArray &method, const QString &path, RouteHandler handler);

    QString key;
    QString className; //!< the QMetaObject class name, for the console
    //! The exact class's meta-object when the container constructs it (Registry::add); null for
    //! a hand-written factory, which may return a subclass. Lets invoke() refuse an unknown
    //! method of a lazy component without creating it.
    const QMetaObject *metaObject = nullptr;
    QStringList interfaces; //!< IIDs of the Q_DECLARE_INTERFACE interfaces it provides
    bool primary = false;   //!< wins when several components provide the same interface
    QString qualifier;      //!< name for NamedInterface lookups
    QList<Dependency> dependencies;
    Scope scope = Scope::Singleton;
    Creation creation = Creation::Eager;
    QString pluginFile; //!< the watched file it came from (set by the loader)

    std::function<QObject *(Resolver &)> factory;
    std::function<void(QObject *)> afterConstruct;
    std::function<void(QObject *)> beforeDestroy;
    QList<Route> routes;

    //! State carried across reloads: -1 means the component does not carry state.
    int stateVersion = -1;
    std::function<QVariant(QObject *)> saveState;
    std::function<void(QObject *, const QVariant &)> restoreState;
};

} // namespace qreload
