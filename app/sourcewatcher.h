#pragma once

#include "pathfilter.h"
#include "reloadrecord.h"

#include <QDateTime>
#include <QFileSystemWatcher>
#include <QHash>
#include <QObject>
#include <QSocketNotifier>
#include <QStringList>

namespace qreload::app {

/*!
 * Watches source folders recursively and tells which source files changed *by content*.
 *
 * Raw events (changed()) come from every watched folder and every file the filter accepts. They
 * say that something may have changed: a `touch`, a save of identical bytes or an editor's swap
 * file produce events too. takeContentChanges() rescans and compares content hashes, so only
 * real edits start a build.
 *
 * As FolderWatcher does for plugin folders, the watch list is rebuilt after every event, because
 * inotify drops a file's watch when an editor renames over it or deletes and recreates it; a
 * source folder that is deleted is watched again when it reappears (its nearest existing
 * ancestor is watched meanwhile), and new subfolders are watched as they appear.
 *
 * On Linux it also tells when a source file is complete: a file closed after writing
 * (inotify IN_CLOSE_WRITE) or renamed into a folder (IN_MOVED_TO) is reported as an event of kind
 * SourceWatcher::writtenKind(). QFileSystemWatcher does not say which of its events those are;
 * source mode uses them to start a build after a short settle instead of the whole quiet period.
 */
class SourceWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SourceWatcher(PathFilter filter, QObject *parent = nullptr);
    ~SourceWatcher() override;

    //! The kind of an event saying a source file was closed after writing or renamed into place.
    static QString writtenKind() { return QStringLiteral("source written"); }
    //! Whether written events are reported (inotify available).
    bool reportsWrites() const { return m_inotify >= 0; }

    //! Starts watching these folders and records the content of their sources as the baseline.
    void setFolders(const QStringList &folders);
    QStringList folders() const { return m_folders; }
    //! Source files the filter accepts, absolute, sorted.
    QStringList matchingFiles() const;
    /*!
     * The files whose content differs from the last call (or from setFolders()): changed, added
     * or removed, sorted. Files whose size and modification time are unchanged are not re-read.
     */
    QStringList takeContentChanges();
    //! Folders and files inotify watches now.
    int watchCount() const;
    //! Symbolic links to nothing in the watched folders, absolute, sorted; each is logged once
    //! (category qreload.build) when it is first seen.
    QStringList brokenLinks() const { return m_brokenLinks; }

Q_SIGNALS:
    void changed(const qreload::app::FileEvent &event);
    void brokenLinksChanged();

private:
    struct Fingerprint
    {
        qint64 size = -1;
        QDateTime modified;
        QByteArray hash;
    };
    void scan(QStringList *folders, QStringList *files, QStringList *brokenLinks = nullptr) const;
    void rewatch();
    void onDirectoryChanged(const QString &path);
    void onFileChanged(const QString &path);
    static Fingerprint fingerprint(const QString &path, const Fingerprint *previous);
    //! Watches exactly `folders` for IN_CLOSE_WRITE and IN_MOVED_TO.
    void rewatchWrites(const QStringList &folders);
    void onWritesReadable();

    int m_inotify = -1;
    QSocketNotifier *m_writes = nullptr;
    QHash<int, QString> m_writeFolders; //!< inotify watch descriptor -> folder

    PathFilter m_filter;
    QStringList m_folders;
    QFileSystemWatcher m_watcher;
    QHash<QString, Fingerprint> m_content;
    QStringList m_brokenLinks;
};

} // namespace qreload::app
