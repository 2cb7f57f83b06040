#pragma once

#include "reloadrecord.h"

#include <QFileSystemWatcher>
#include <QObject>
#include <QStringList>

namespace qreload::app {

/*!
 * Watches folders and the files in them that match name filters, and reports every raw change.
 *
 * inotify ends a file's watch when the file is renamed over (editors' atomic save), deleted and
 * recreated, or relinked (ld unlinks first), so after every event the watch list is rebuilt from
 * what is on disk. A watched folder that disappears is watched again when it reappears (its
 * nearest existing ancestor is watched meanwhile).
 */
class FolderWatcher : public QObject
{
    Q_OBJECT

public:
    explicit FolderWatcher(QStringList nameFilters, QObject *parent = nullptr);

    void setFolders(const QStringList &folders);
    QStringList folders() const { return m_folders; }
    //! Files currently matching the filters in the watched folders, sorted.
    QStringList matchingFiles() const;

Q_SIGNALS:
    void changed(const qreload::app::FileEvent &event);

private:
    void onDirectoryChanged(const QString &path);
    void onFileChanged(const QString &path);
    void rewatch();

    QStringList m_nameFilters;
    QStringList m_folders;
    QFileSystemWatcher m_watcher;
};

} // namespace qreload::app
