#pragma once

#include "qreload/container.h"

#include <QByteArray>
#include <QDateTime>

#include <memory>
#include <optional>

class QPluginLoader;

namespace qreload {

//! A plugin file to load: where it is watched, and the private copy actually loaded.
struct PluginSource
{
    QString originPath;     //!< the file the user's build writes and qreload watches
    QString loadPath;       //!< the per-generation shadow copy that is dlopen'ed
    QByteArray contentHash; //!< BLAKE2b-256 of the file at staging time
};

/*!
 * Checks that a file is a complete ELF shared object: header present and sane, and the program
 * and section header tables inside the file (a linker writes the section table last).
 */
QRELOAD_CONTAINER_EXPORT Status checkLibraryComplete(const QString &path,
                                                     const QString &displayPath = {});

/*!
 * One generation: the libraries loaded for it and the container built from their components.
 * Phases are separate calls so the reload engine can time and report each of them.
 * Lifetime rule: instances die (shutdown) before their libraries are unloaded; the destructor
 * enforces that order for a generation dropped without an explicit shutdown.
 */
class QRELOAD_CONTAINER_EXPORT Generation
{
public:
    explicit Generation(quint64 number);
    ~Generation();
    Generation(const Generation &) = delete;
    Generation &operator=(const Generation &) = delete;

    quint64 number() const { return m_number; }

    /*!
     * Told, right before it runs, which plugin code runs next: each library's load (static
     * initialisers) and registration function (key: the watched file), then each component's
     * factory, hooks and state functions (key: the component). Set it before load().
     */
    void setConstructionObserver(ConstructionObserver observer);

    //! Loads every library and collects its registrations; reports every plugin that failed.
    Status load(const QList<PluginSource> &plugins);
    Status validate() const { return m_container.validate(); }
    //! Constructs eager singletons; on failure the generation is shut down and cleaned.
    Status construct() { return m_container.start(); }
    Status shutdown() { return m_container.shutdown(); }
    /*!
     * Unloads every library (after shutdown, and after the thread's pending deleteLater()s ran),
     * and removes the libraries' types from Qt's metatype registry. Errors name libraries the
     * loader kept and, as LibraryStillLoaded (also logged as a warning), libraries that stayed
     * mapped after their unload.
     */
    Status unload();

    Container &container() { return m_container; }
    const Container &container() const { return m_container; }
    const QList<PluginSource> &plugins() const { return m_plugins; }
    QDateTime createdAt() const { return m_createdAt; }

private:
    struct UnloadedLibrary
    {
        QString path;            //!< as the loader was given it
        QString shownPath;       //!< as /proc/self/maps shows it
        QList<QByteArray> names; //!< what the dynamic loader may list it as
    };
    /*!
     * Unloads one library and removes its types from Qt's metatype registry (and the ids other
     * generations' same-named types share with them). Nullopt if it was not loaded or the
     * loader refused (then an error is appended).
     */
    std::optional<UnloadedLibrary> unloadLibrary(QPluginLoader &loader, Errors *errors);
    //! The watched file a loaded copy was made from.
    QString originOf(const QString &loadPath) const;

    quint64 m_number;
    QDateTime m_createdAt;
    QList<PluginSource> m_plugins;
    std::vector<std::unique_ptr<QPluginLoader>> m_loaders;
    ConstructionObserver m_observer;
    Container m_container;
};

} // namespace qreload
