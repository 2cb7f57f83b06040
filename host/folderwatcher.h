#pragma once

#include "reloadrecord.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>

#include <memory>

class QFileSystemWatcher;
class QSocketNotifier;

namespace qreload::app {

/*!
 * Watches folders and the files in them that match name filters, reports each change, and tells
 * whether a changed plugin file is known to be complete and whether something is still writing.
 *
 * On Linux it reads inotify directly: a file written in place is complete when it is closed
 * after writing (IN_CLOSE_WRITE), one renamed into place (lld's temporary file, cp/install,
 * editors' atomic saves) when it is moved in (IN_MOVED_TO) and nothing holds it open for
 * writing. A plugin file, or a file named like one with a suffix (lld's `greeter.so.tmp1a2b3c`,
 * an editor's `.greeter.so.tmp`), that was written and not yet closed is an *open writer*. When a
 * watched folder lies inside a ninja build folder (an ancestor with build.ninja), ninja's
 * `.ninja_log` is watched too: ninja opens it for appending when its first command of a build
 * finishes and closes it when the build ends, so a build that relinks several plugins is seen from
 * its first finished command to its end; a `ninja` process working in that folder counts as a
 * running build as well (the moment between its first link and its first log line).
 *
 * Where inotify is not available (or QRELOAD_NO_INOTIFY=1 is set) it falls back to
 * QFileSystemWatcher: every change is then reported without completeness, and the reload engine
 * waits out its quiet period as before. QFileSystemWatcher ends a file's watch when the file is
 * renamed over, deleted and recreated, or relinked, so that backend rebuilds its watch list from
 * what is on disk after every event.
 *
 * A watched folder that disappears is watched again when it reappears (its nearest existing
 * ancestor is watched meanwhile). Lives on one thread; signals are emitted there.
 */
class FolderWatcher : public QObject
{
    Q_OBJECT

public:
    enum class Backend {
        Inotify,           //!< inotify read directly: completeness, writers and builds are known
        FileSystemWatcher, //!< QFileSystemWatcher: changes only, no completeness
    };

    //! Kinds of FileEvent this watcher reports (FileEvent::kind).
    static const QString ClosedAfterWriting; //!< written and closed (IN_CLOSE_WRITE)
    static const QString MovedIn;            //!< renamed into the folder (IN_MOVED_TO)
    static const QString Created;            //!< created (not written yet)
    static const QString BeingWritten;       //!< written to, not yet closed
    static const QString Removed;            //!< deleted
    static const QString MovedAway;          //!< renamed out of its name
    static const QString AttributesChanged;  //!< touch, chmod: the bytes did not change

    explicit FolderWatcher(QStringList nameFilters, QObject *parent = nullptr);
    ~FolderWatcher() override;

    void setFolders(const QStringList &folders);
    QStringList folders() const { return m_folders; }
    //! Files currently matching the filters in the watched folders, sorted.
    QStringList matchingFiles() const;
    //! Which backend setFolders() chose (Inotify until then, where the system has it).
    Backend backend() const { return m_backend; }

    /*!
     * True when every plugin file these events name was last closed after writing or moved in
     * (attribute changes aside), and no event is of a folder: the files are in place as far as
     * the events tell, so a short settle window is enough. False on the fallback backend.
     */
    bool completes(const QList<FileEvent> &events) const;
    /*!
     * Why a reload should wait now, or empty: a plugin file (or its temporary file) is open for
     * writing, or a ninja build of a folder holding a watched folder is running. With
     * `lookAtProcesses`, also looks in /proc for a ninja process working in a known build folder
     * whose log is not open (about a millisecond).
     */
    QString busyReason(bool lookAtProcesses = true) const;
    //! The plugin files and their temporary files written and not yet closed.
    QStringList openWriters() const;

Q_SIGNALS:
    void changed(const qreload::app::FileEvent &event);
    //! Something a reload may wait for ended: a writer closed or went away, or a build ended.
    void busyEnded();

private:
    struct Watch
    {
        QString path;
        quint32 mask = 0;
        bool folder = false;   //!< a watched plugin folder
        bool ancestor = false; //!< the nearest existing ancestor of a missing folder
        bool build = false;    //!< a ninja build folder (its .ninja_log)
    };

    bool startInotify();
    void onInotifyReadable();
    void handle(const Watch &watch, quint32 mask, quint32 cookie, const QString &name);
    void emitEvent(const QString &path, const QString &kind);
    void rewatchInotify();
    void rewatchFallback();
    void rewatch();
    void onDirectoryChanged(const QString &path);
    void onFileChanged(const QString &path);
    bool isPluginName(const QString &name) const;
    bool isWriterName(const QString &name) const;
    bool ninjaRunningIn(const QString &buildFolder) const;

    QStringList m_nameFilters;
    QStringList m_writerFilters; //!< the name filters with any suffix ("*.so*")
    QStringList m_folders;
    Backend m_backend = Backend::Inotify;
    int m_inotify = -1;
    std::unique_ptr<QSocketNotifier> m_notifier;
    QHash<int, Watch> m_watches; //!< inotify watch descriptor -> what it watches
    QSet<QString> m_writers;     //!< paths open for writing (created or written, not closed)
    QHash<quint32, QString> m_movedWriters; //!< rename cookie -> writer path moved away
    QStringList m_buildFolders;             //!< ninja build folders holding a watched folder
    QSet<QString> m_openLogs;               //!< build folders whose .ninja_log is open for writing
    std::unique_ptr<QFileSystemWatcher> m_fallback;
};

} // namespace qreload::app
