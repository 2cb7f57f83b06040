#pragma once

#include "qreload/container.h"
#include "qreload/graphdiff.h"
#include "qreload/pluginsource.h"

#include <QByteArray>
#include <QDateTime>

#include <memory>
#include <optional>

class QPluginLoader;

namespace qreload {

/*!
 * Checks that a file is a complete ELF shared object: header present and sane, and the program
 * and section header tables inside the file (a linker writes the section table last).
 */
Status checkLibraryComplete(const QString &path, const QString &displayPath = {});

/*!
 * One generation: the libraries loaded for it and the container built from their components.
 * Phases are separate calls so the reload engine can time and report each of them.
 * Lifetime rule: instances die (shutdown) before their libraries are unloaded; the destructor
 * enforces that order for a generation dropped without an explicit shutdown.
 *
 * Sharing (proportional reload): a generation may reuse the libraries of the one it replaces
 * (load() with `previous`) and keep that one's instances of unchanged components (construct()
 * with `previous`). A library is then held by every generation that uses it, and unloaded by
 * the last of them to unload; an instance is held by every container that keeps it, and
 * destroyed by the last of them to shut down. Every generation holding an instance holds its
 * library, so the lifetime rule holds for shared ones too. Load, construct, shutdown and unload
 * of generations that share anything run on one thread (the reload engine's).
 */
class Generation
{
public:
    explicit Generation(quint64 number);
    ~Generation();
    Generation(const Generation &) = delete;
    Generation &operator=(const Generation &) = delete;

    quint64 number() const { return m_number; }

    /*!
     * What changed between two generations' graphs; the changed plugin files are found from the
     * content hashes they were loaded with (PluginSource::contentHash). `before` may be null (the
     * first generation): then every component is added.
     */
    static GraphDiff graphDiff(const Generation *before, const Generation &after);

    /*!
     * Told, right before it runs, which plugin code runs next: each library's load (static
     * initialisers) and registration function (key: the watched file), then each component's
     * factory, hooks and state functions (key: the component). Set it before load().
     */
    void setConstructionObserver(ConstructionObserver observer);

    /*!
     * Loads every library and collects its registrations; reports every plugin that failed.
     * A plugin whose loadPath is that of a library `previous` holds (bytes that did not change,
     * still in their earlier shadow copy) is not copied, loaded or registered again: this
     * generation shares the library and its very registrations with `previous`.
     */
    Status load(const QList<PluginSource> &plugins, const Generation *previous = nullptr);
    Status validate() const { return m_container.validate(); }
    /*!
     * Constructs eager singletons; on failure the generation is shut down and cleaned. With
     * `previous` (the generation this one replaces), keeps its instances of every component
     * whose library is shared and whose dependencies are kept: see Container::start(Container *).
     */
    Status construct(Generation *previous = nullptr)
    {
        return m_container.start(previous ? &previous->m_container : nullptr);
    }
    Status shutdown() { return m_container.shutdown(); }
    /*!
     * Lets go of every library (after shutdown, and after the thread's pending deleteLater()s
     * ran); unloads those no other generation holds, and removes their types from Qt's metatype
     * registry. Errors name libraries the loader kept and, as LibraryStillLoaded (also logged as
     * a warning), libraries that stayed mapped after their unload.
     */
    Status unload();
    /*!
     * The load paths of the libraries unload() unloaded: no generation holds them any more, so
     * their shadow copies may go. Libraries another generation still holds are not listed.
     */
    QStringList unloadedFiles() const { return m_unloadedFiles; }
    //! The load paths of this generation's libraries that `previous` loaded (shared with it).
    QStringList sharedFiles() const { return m_sharedFiles; }

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

    struct Library;

    quint64 m_number;
    QDateTime m_createdAt;
    QList<PluginSource> m_plugins;
    std::vector<std::shared_ptr<Library>> m_libraries;
    QStringList m_unloadedFiles;
    QStringList m_sharedFiles;
    ConstructionObserver m_observer;
    Container m_container;
};

} // namespace qreload
