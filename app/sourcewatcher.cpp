#include "sourcewatcher.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSet>

#include <sys/inotify.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcBuild)

namespace qreload::app {

SourceWatcher::SourceWatcher(PathFilter filter, QObject *parent)
    : QObject(parent)
    , m_filter(std::move(filter))
{
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this,
            &SourceWatcher::onDirectoryChanged);
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, &SourceWatcher::onFileChanged);
    m_inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (m_inotify >= 0) {
        m_writes = new QSocketNotifier(m_inotify, QSocketNotifier::Read, this);
        connect(m_writes, &QSocketNotifier::activated, this, &SourceWatcher::onWritesReadable);
    }
}

SourceWatcher::~SourceWatcher()
{
    if (m_inotify >= 0) {
        delete m_writes;
        ::close(m_inotify);
    }
}

void SourceWatcher::rewatchWrites(const QStringList &folders)
{
    if (m_inotify < 0)
        return;
    const QSet<QString> wanted(folders.cbegin(), folders.cend());
    for (auto it = m_writeFolders.begin(); it != m_writeFolders.end();) {
        if (!wanted.contains(it.value()) || !QFileInfo(it.value()).isDir()) {
            ::inotify_rm_watch(m_inotify, it.key());
            it = m_writeFolders.erase(it);
        } else {
            ++it;
        }
    }
    for (const QString &folder : folders) {
        // Adding a folder already watched hands back its descriptor; a folder deleted and
        // recreated under the same path gets a new one (the old one ends with IN_IGNORED).
        const int wd = ::inotify_add_watch(m_inotify, QFile::encodeName(folder).constData(),
                                           IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR);
        if (wd >= 0)
            m_writeFolders.insert(wd, folder);
    }
}

void SourceWatcher::onWritesReadable()
{
    alignas(inotify_event) char buffer[16 * 1024];
    for (;;) {
        const ssize_t length = ::read(m_inotify, buffer, sizeof buffer);
        if (length <= 0)
            return;
        for (ssize_t offset = 0; offset < length;) {
            const auto *event = reinterpret_cast<const inotify_event *>(buffer + offset);
            offset += ssize_t(sizeof(inotify_event) + event->len);
            if (event->mask & IN_IGNORED) {
                m_writeFolders.remove(event->wd);
                continue;
            }
            const QString folder = m_writeFolders.value(event->wd);
            if (folder.isEmpty() || event->len == 0 || (event->mask & IN_ISDIR))
                continue;
            const QString path = folder + QLatin1Char('/') + QFile::decodeName(event->name);
            for (const QString &root : std::as_const(m_folders)) {
                if (path.startsWith(root + QLatin1Char('/'))) {
                    if (m_filter.acceptsFile(path.mid(root.size() + 1)))
                        Q_EMIT changed(
                            FileEvent{QDateTime::currentDateTime(), path, writtenKind()});
                    break;
                }
            }
        }
    }
}

void SourceWatcher::setFolders(const QStringList &folders)
{
    m_folders.clear();
    for (const QString &folder : folders)
        m_folders.append(QDir::cleanPath(QDir(folder).absolutePath()));
    m_folders.removeDuplicates();
    m_content.clear();
    takeContentChanges();
    rewatch();
}

void SourceWatcher::scan(QStringList *folders, QStringList *files, QStringList *brokenLinks) const
{
    for (const QString &root : m_folders) {
        if (!QFileInfo(root).isDir())
            continue;
        QStringList pending{root};
        while (!pending.isEmpty()) {
            const QString folder = pending.takeLast();
            if (folders)
                folders->append(folder);
            const QDir dir(folder);
            const QFileInfoList entries = dir.entryInfoList(
                QDir::Dirs | QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot | QDir::NoSymLinks);
            if (brokenLinks) {
                // A link to nothing is listed only as a "system" entry; its edits would never
                // reach a build, so it is named (a renamed or deleted target, usually).
                for (const QFileInfo &entry :
                     dir.entryInfoList(QDir::System | QDir::Hidden | QDir::NoDotAndDotDot)) {
                    if (entry.isSymLink() && !entry.exists())
                        brokenLinks->append(entry.absoluteFilePath());
                }
            }
            for (const QFileInfo &entry : entries) {
                const QString path = entry.absoluteFilePath();
                const QString relative = path.mid(root.size() + 1);
                if (entry.isDir()) {
                    if (m_filter.acceptsFolder(relative, path))
                        pending.append(path);
                } else if (files && m_filter.acceptsFile(relative)) {
                    files->append(path);
                }
            }
        }
    }
}

QStringList SourceWatcher::matchingFiles() const
{
    QStringList files;
    scan(nullptr, &files);
    files.removeDuplicates();
    files.sort();
    return files;
}

int SourceWatcher::watchCount() const
{
    return int(m_watcher.directories().size() + m_watcher.files().size());
}

SourceWatcher::Fingerprint SourceWatcher::fingerprint(const QString &path,
                                                      const Fingerprint *previous)
{
    const QFileInfo info(path);
    Fingerprint print;
    print.size = info.size();
    print.modified = info.lastModified();
    if (previous && previous->size == print.size && previous->modified == print.modified) {
        print.hash = previous->hash;
        return print;
    }
    QFile file(path);
    if (file.open(QIODevice::ReadOnly)) {
        QCryptographicHash hash(QCryptographicHash::Blake2b_256);
        hash.addData(&file);
        print.hash = hash.result();
    }
    return print;
}

QStringList SourceWatcher::takeContentChanges()
{
    QStringList changes;
    QHash<QString, Fingerprint> now;
    for (const QString &path : matchingFiles()) {
        const auto previous = m_content.constFind(path);
        const Fingerprint print
            = fingerprint(path, previous == m_content.constEnd() ? nullptr : &previous.value());
        if (previous == m_content.constEnd() || previous->hash != print.hash)
            changes.append(path);
        now.insert(path, print);
    }
    for (auto it = m_content.constBegin(); it != m_content.constEnd(); ++it) {
        if (!now.contains(it.key()))
            changes.append(it.key());
    }
    m_content = std::move(now);
    changes.sort();
    return changes;
}

void SourceWatcher::rewatch()
{
    QStringList folders;
    QStringList files;
    QStringList brokenLinks;
    scan(&folders, &files, &brokenLinks);
    brokenLinks.removeDuplicates();
    brokenLinks.sort();
    if (brokenLinks != m_brokenLinks) {
        for (const QString &link : std::as_const(brokenLinks)) {
            if (!m_brokenLinks.contains(link))
                qCWarning(lcBuild).noquote()
                    << QStringLiteral("broken symbolic link in a watched source folder: %1 -> %2 "
                                      "(no such file)")
                           .arg(link, QFileInfo(link).symLinkTarget());
        }
        m_brokenLinks = brokenLinks;
        Q_EMIT brokenLinksChanged();
    }
    QSet<QString> wanted(folders.cbegin(), folders.cend());
    for (const QString &file : files)
        wanted.insert(file);
    for (const QString &root : m_folders) {
        if (QFileInfo(root).isDir())
            continue;
        // Gone (or not there yet): watch the nearest ancestor that exists to see it come back.
        QString ancestor = QFileInfo(root).absolutePath();
        while (!QFileInfo(ancestor).isDir() && ancestor != QDir::rootPath())
            ancestor = QFileInfo(ancestor).absolutePath();
        wanted.insert(ancestor);
    }

    const QStringList watched = m_watcher.directories() + m_watcher.files();
    const QSet<QString> watchedSet(watched.cbegin(), watched.cend());
    QStringList stale;
    for (const QString &path : watched) {
        if (!wanted.contains(path))
            stale.append(path);
    }
    if (!stale.isEmpty())
        m_watcher.removePaths(stale);
    QStringList missing;
    for (const QString &path : wanted) {
        if (!watchedSet.contains(path))
            missing.append(path);
    }
    if (!missing.isEmpty())
        m_watcher.addPaths(missing);
    rewatchWrites(folders);
}

void SourceWatcher::onDirectoryChanged(const QString &path)
{
    Q_EMIT changed(FileEvent{QDateTime::currentDateTime(), path,
                             QFileInfo::exists(path) ? QStringLiteral("source folder changed")
                                                     : QStringLiteral("source folder removed")});
    rewatch();
}

void SourceWatcher::onFileChanged(const QString &path)
{
    Q_EMIT changed(FileEvent{QDateTime::currentDateTime(), path,
                             QFileInfo::exists(path)
                                 ? QStringLiteral("source changed")
                                 : QStringLiteral("source replaced or removed")});
    rewatch();
}

} // namespace qreload::app
