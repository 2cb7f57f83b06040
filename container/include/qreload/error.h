#pragma once

#include "qreload/qreload_export.h"

#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace qreload {

/*!
 * One problem found while loading, validating, constructing or shutting down a generation.
 * Errors are values: nothing in the container or the SDK throws across the plugin boundary.
 */
class QRELOAD_CONTAINER_EXPORT Error
{
public:
    enum class Reason {
        None,                 //!< not an error (default-constructed)
        InvalidRegistration,  //!< a plugin registered a component with an empty key or no factory
        DuplicateKey,         //!< two components (in one plugin or several) use the same key
        MissingDependency,    //!< a dependency names a key or interface that no plugin provides
        AmbiguousInterface,   //!< several components provide an interface and none is primary
        Cycle,                //!< dependencies form a cycle; the message carries the path
        ConstructionFailed,   //!< a constructor, factory or after-construct hook threw or gave null
        HookFailed,           //!< a before-destroy hook threw during shutdown
        UnknownComponent,     //!< get() of a key or interface the generation does not have
        UndeclaredDependency, //!< a factory looked up something it did not declare
        ShutDown,             //!< get() on a generation that has been shut down
        FileNotFound,         //!< the plugin file does not exist or cannot be read
        IncompleteFile,     //!< the plugin file is not a complete ELF library (still being written)
        LoadFailed,         //!< the dynamic loader refused the library
        NotAPlugin,         //!< the library loaded but is not a Qt plugin
        IncompatiblePlugin, //!< a Qt plugin, but not a qreload provider of this SDK version
        RegistrationFailed, //!< the plugin's registration function threw
        StateCarryFailed,   //!< saving or restoring a component's carried state threw
        DuplicateRoute,     //!< two components serve the same method and path
        RouteNotFound,      //!< no component of the generation serves the requested path
        RouteFailed,        //!< a component's route handler threw while serving a request
        MethodNotFound,     //!< invoke() of a method the component does not have or does not make
                            //!< public
        BadArguments,       //!< invoke() arguments did not convert to the method's parameters
        InvocationFailed,   //!< invoke() of a method that threw or that Qt could not call
        BuildFailed,        //!< the build command failed, timed out, crashed or was cancelled
        CompileError,       //!< an error diagnostic of a failed build: `file:line:col: error: ...`
        HostCrashed,        //!< the host process running the plugins died (signal, abort, exit)
        UndefinedSymbol,    //!< the library uses a function or variable that nothing defines
        LibraryStillLoaded, //!< the library stayed mapped after its unload (a thread_local
                            //!< destructor, a running thread or another library holds it)
    };

    Error() = default;
    Error(Reason reason, QString message, QString component = {}, QString pluginFile = {})
        : m_reason(reason)
        , m_message(std::move(message))
        , m_component(std::move(component))
        , m_pluginFile(std::move(pluginFile))
    {}

    Reason reason() const { return m_reason; }
    //! The human message, without the component and plugin prefix.
    QString message() const { return m_message; }
    QString component() const { return m_component; }
    QString pluginFile() const { return m_pluginFile; }

    //! "key (file): message" with whichever of key and file are known.
    QString toString() const;
    static QString reasonName(Reason reason);

private:
    Reason m_reason = Reason::None;
    QString m_message;
    QString m_component;
    QString m_pluginFile;
};

using Errors = QList<Error>;

QRELOAD_CONTAINER_EXPORT QString joinErrors(const Errors &errors, const QString &separator = "\n");

/*!
 * Either a value or the list of every error that prevented it.
 */
template<typename T>
class Result
{
public:
    Result(T value)
        : m_value(std::move(value))
    {}
    Result(Error error)
        : m_errors{std::move(error)}
    {}
    Result(Errors errors)
        : m_errors(std::move(errors))
    {}

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    T &value() { return *m_value; }
    const T &value() const { return *m_value; }
    T takeValue() { return std::move(*m_value); }
    const Errors &errors() const & { return m_errors; }
    // By value from a temporary: `for (const Error &e : load().errors())` would otherwise
    // iterate the list of a Result destroyed before the loop body runs.
    Errors errors() && { return std::move(m_errors); }

private:
    std::optional<T> m_value;
    Errors m_errors;
};

//! The result of an operation that yields nothing but can fail.
class Status
{
public:
    Status() = default;
    Status(Error error)
        : m_errors{std::move(error)}
    {}
    Status(Errors errors)
        : m_errors(std::move(errors))
    {}
    bool ok() const { return m_errors.isEmpty(); }
    explicit operator bool() const { return ok(); }
    const Errors &errors() const & { return m_errors; }
    // By value from a temporary, as Result::errors().
    Errors errors() && { return std::move(m_errors); }

private:
    Errors m_errors;
};

} // namespace qreload
