#include "folderwatcher.h"

#include <QDir>
#include <QFileInfo>
#include <QSet>

namespace qreload::app {

FolderWatcher::FolderWatcher(QStringList nameFilters, QObject *parent)
    : QObject(parent)
    , m_nameFilters(std::move(nameFilters))
{
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this,
            &FolderWatcher::onDirectoryChanged);
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, &FolderWatcher::onFileChanged);
}

void FolderWatcher::setFolders(const QStringList &folders)
{
    m_folders.clear();
    for (const QString &folder : folders)
        m_folders.append(QDir::cleanPath(QDir(folder).absolutePath()));
    m_folders.removeDuplicates();
    rewatch();
}

QStringList FolderWatcher::matchingFiles() const
{
    QStringList files;
    for (const QString &folder : m_folders) {
        const QDir dir(folder);
        for (const QFileInfo &info :
             dir.entryInfoList(m_nameFilters, QDir::Files | QDir::NoDotAndDotDot, QDir::Name))
            files.append(info.absoluteFilePath());
    }
    files.sort();
    return files;
}

void FolderWatcher::onDirectoryChanged(const QString &path)
{
    const bool watchedFolder = m_folders.contains(path);
    Q_EMIT changed(FileEvent{QDateTime::currentDateTime(), path,
                             QFileInfo::exists(path)
                                 ? (watchedFolder ? QStringLiteral("folder changed")
                                                  : QStringLiteral("ancestor folder changed"))
                                 : QStringLiteral("folder removed")});
    rewatch();
}

void FolderWatcher::onFileChanged(const QString &path)
{
    Q_EMIT changed(FileEvent{QDateTime::currentDateTime(), path,
                             QFileInfo::exists(path) ? QStringLiteral("file changed")
                                                     : QStringLiteral("file replaced or removed")});
    rewatch();
}

void FolderWatcher::rewatch()
{
    QSet<QString> wanted;
    for (const QString &folder : m_folders) {
        if (QFileInfo(folder).isDir()) {
            wanted.insert(folder);
            continue;
        }
        // Gone (or not there yet): watch the nearest ancestor that exists to see it come back.
        QString ancestor = QFileInfo(folder).absolutePath();
        while (!QFileInfo(ancestor).isDir() && ancestor != QDir::rootPath())
            ancestor = QFileInfo(ancestor).absolutePath();
        wanted.insert(ancestor);
    }
    for (const QString &file : matchingFiles())
        wanted.insert(file);

    const QStringList watched = m_watcher.directories() + m_watcher.files();
    QStringList stale;
    for (const QString &path : watched) {
        if (!wanted.contains(path))
            stale.append(path);
    }
    if (!stale.isEmpty())
        m_watcher.removePaths(stale);
    QStringList missing;
    for (const QString &path : wanted) {
        if (!watched.contains(path))
            missing.append(path);
    }
    if (!missing.isEmpty())
        m_watcher.addPaths(missing);
}

} // namespace qreload::app
