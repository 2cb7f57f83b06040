#include "folderwatcher.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QLoggingCategory>
#include <QSocketNotifier>

#include <dirent.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

Q_DECLARE_LOGGING_CATEGORY(lcReload)

namespace qreload::app {

const QString FolderWatcher::ClosedAfterWriting = QStringLiteral("closed after writing");
const QString FolderWatcher::MovedIn = QStringLiteral("moved into place");
const QString FolderWatcher::Created = QStringLiteral("created");
const QString FolderWatcher::BeingWritten = QStringLiteral("being written");
const QString FolderWatcher::Removed = QStringLiteral("removed");
const QString FolderWatcher::MovedAway = QStringLiteral("moved away");
const QString FolderWatcher::AttributesChanged = QStringLiteral("attributes changed");

namespace {

// Never IN_OPEN, IN_ACCESS or IN_CLOSE_NOWRITE: staging reads every plugin file, and those
// reads must not come back as events.
constexpr quint32 FolderMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE
                               | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr quint32 AncestorMask
    = IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr quint32 BuildMask
    = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR;

const QString NinjaLog = QStringLiteral(".ninja_log");

//! The nearest folder at or above `folder` that holds a build.ninja, or empty.
QString ninjaBuildFolder(const QString &folder)
{
    QString dir = folder;
    for (;;) {
        if (QFileInfo::exists(dir + QStringLiteral("/build.ninja")))
            return dir;
        const QString parent = QFileInfo(dir).absolutePath();
        if (parent == dir)
            return {};
        dir = parent;
    }
}

} // namespace

FolderWatcher::FolderWatcher(QStringList nameFilters, QObject *parent)
    : QObject(parent)
    , m_nameFilters(std::move(nameFilters))
{
    for (const QString &filter : std::as_const(m_nameFilters))
        m_writerFilters.append(filter + QLatin1Char('*'));
}

FolderWatcher::~FolderWatcher()
{
    m_notifier.reset();
    if (m_inotify >= 0)
        ::close(m_inotify);
}

bool FolderWatcher::startInotify()
{
    if (m_inotify >= 0)
        return true;
    if (qEnvironmentVariableIntValue("QRELOAD_NO_INOTIFY") != 0)
        return false;
    m_inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (m_inotify < 0) {
        qCWarning(lcReload).noquote()
            << QStringLiteral("inotify is not available (%1): watching plugin folders with "
                              "QFileSystemWatcher, which waits out the quiet period after every "
                              "change")
                   .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    m_notifier = std::make_unique<QSocketNotifier>(m_inotify, QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this, &FolderWatcher::onInotifyReadable);
    return true;
}

void FolderWatcher::setFolders(const QStringList &folders)
{
    m_folders.clear();
    for (const QString &folder : folders)
        m_folders.append(QDir::cleanPath(QDir(folder).absolutePath()));
    m_folders.removeDuplicates();
    if (m_backend == Backend::Inotify && !startInotify())
        m_backend = Backend::FileSystemWatcher;
    if (m_backend == Backend::FileSystemWatcher && !m_fallback) {
        m_fallback = std::make_unique<QFileSystemWatcher>();
        connect(m_fallback.get(), &QFileSystemWatcher::directoryChanged, this,
                &FolderWatcher::onDirectoryChanged);
        connect(m_fallback.get(), &QFileSystemWatcher::fileChanged, this,
                &FolderWatcher::onFileChanged);
    }
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

bool FolderWatcher::isPluginName(const QString &name) const
{
    return QDir::match(m_nameFilters, name);
}

bool FolderWatcher::isWriterName(const QString &name) const
{
    return QDir::match(m_writerFilters, name);
}

bool FolderWatcher::completes(const QList<FileEvent> &events) const
{
    if (m_backend != Backend::Inotify)
        return false;
    QHash<QString, bool> complete; // plugin file -> its last event left it complete
    for (const FileEvent &event : events) {
        if (event.isFolder() || event.path.isEmpty())
            return false; // a folder's change, an overflow, watching resumed: look at everything
        if (event.kind == AttributesChanged)
            continue; // after a close (ld's chmod +x, install) it changes nothing
        complete.insert(event.path, event.kind == ClosedAfterWriting || event.kind == MovedIn);
    }
    if (complete.isEmpty())
        return false;
    return std::all_of(complete.cbegin(), complete.cend(), [](bool c) { return c; });
}

QStringList FolderWatcher::openWriters() const
{
    QStringList writers(m_writers.cbegin(), m_writers.cend());
    writers.sort();
    return writers;
}

QString FolderWatcher::busyReason(bool lookAtProcesses) const
{
    if (!m_writers.isEmpty()) {
        QStringList names;
        for (const QString &path : openWriters())
            names.append(QFileInfo(path).fileName());
        return QStringLiteral("%1 to be closed").arg(names.join(QStringLiteral(", ")));
    }
    for (const QString &build : m_buildFolders) {
        if (m_openLogs.contains(build) || (lookAtProcesses && ninjaRunningIn(build)))
            return QStringLiteral("the ninja build in %1 to finish").arg(build);
    }
    return {};
}

bool FolderWatcher::ninjaRunningIn(const QString &buildFolder) const
{
    // Between a relink-only build's first link and ninja's first log line, only the process
    // tells that a build is on. Reading /proc costs about a millisecond.
    const QByteArray wanted = QFile::encodeName(QFileInfo(buildFolder).canonicalFilePath());
    DIR *proc = ::opendir("/proc");
    if (!proc)
        return false;
    bool running = false;
    char link[4096];
    while (const dirent *entry = ::readdir(proc)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        const QByteArray dir = QByteArray("/proc/") + entry->d_name;
        QFile comm(QString::fromLatin1(dir + "/comm"));
        if (!comm.open(QIODevice::ReadOnly) || comm.readLine().trimmed() != "ninja")
            continue;
        const ssize_t length = ::readlink((dir + "/cwd").constData(), link, sizeof link);
        if (length > 0 && QByteArray(link, int(length)) == wanted) {
            running = true;
            break;
        }
    }
    ::closedir(proc);
    return running;
}

void FolderWatcher::rewatch()
{
    if (m_backend == Backend::Inotify)
        rewatchInotify();
    else
        rewatchFallback();
}

void FolderWatcher::rewatchInotify()
{
    QHash<QString, Watch> wanted;
    m_buildFolders.clear();
    for (const QString &folder : std::as_const(m_folders)) {
        if (QFileInfo(folder).isDir()) {
            Watch &watch = wanted[folder];
            watch.folder = true;
            watch.mask |= FolderMask;
            if (const QString build = ninjaBuildFolder(folder); !build.isEmpty()) {
                if (!m_buildFolders.contains(build))
                    m_buildFolders.append(build);
                Watch &log = wanted[build];
                log.build = true;
                log.mask |= BuildMask;
            }
            continue;
        }
        // Gone (or not there yet): watch the nearest ancestor that exists to see it come back.
        QString ancestor = QFileInfo(folder).absolutePath();
        while (!QFileInfo(ancestor).isDir() && ancestor != QDir::rootPath())
            ancestor = QFileInfo(ancestor).absolutePath();
        Watch &watch = wanted[ancestor];
        watch.ancestor = true;
        watch.mask |= AncestorMask;
    }
    for (auto it = m_openLogs.begin(); it != m_openLogs.end();) {
        if (m_buildFolders.contains(*it))
            ++it;
        else
            it = m_openLogs.erase(it);
    }

    QHash<int, Watch> watches;
    for (auto it = wanted.begin(); it != wanted.end(); ++it) {
        it->path = it.key();
        // The same path again returns the same descriptor with the new mask.
        const int wd
            = inotify_add_watch(m_inotify, QFile::encodeName(it.key()).constData(), it->mask);
        if (wd < 0) {
            qCWarning(lcReload).noquote()
                << "cannot watch" << it.key() << ":" << std::strerror(errno);
            continue;
        }
        watches.insert(wd, *it);
    }
    for (auto it = m_watches.cbegin(); it != m_watches.cend(); ++it) {
        if (!watches.contains(it.key()))
            inotify_rm_watch(m_inotify, it.key());
    }
    m_watches = watches;
}

void FolderWatcher::onInotifyReadable()
{
    alignas(inotify_event) char buffer[16384];
    bool again = false;
    for (;;) {
        const ssize_t length = ::read(m_inotify, buffer, sizeof buffer);
        if (length <= 0)
            break;
        for (ssize_t at = 0; at < length;) {
            const auto *event = reinterpret_cast<const inotify_event *>(buffer + at);
            at += ssize_t(sizeof(inotify_event) + event->len);
            const QString name = event->len ? QFile::decodeName(event->name) : QString();
            if (event->mask & IN_Q_OVERFLOW) {
                // Events were lost: nothing is known about writers; look at everything.
                m_writers.clear();
                m_movedWriters.clear();
                m_openLogs.clear();
                for (const QString &folder : std::as_const(m_folders))
                    emitEvent(folder, QStringLiteral("folder changed (events overflowed)"));
                again = true;
                Q_EMIT busyEnded();
                continue;
            }
            const auto watch = m_watches.constFind(event->wd);
            if (watch == m_watches.cend())
                continue; // a watch removed meanwhile
            if (event->mask & IN_IGNORED) {
                m_watches.erase(watch);
                again = true;
                continue;
            }
            const Watch current = *watch;
            handle(current, event->mask, event->cookie, name);
            if (current.ancestor || (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF)))
                again = true;
        }
    }
    if (again)
        rewatchInotify();
}

void FolderWatcher::handle(const Watch &watch, quint32 mask, quint32 cookie, const QString &name)
{
    if (watch.build && name == NinjaLog) {
        if (mask & IN_MODIFY) {
            m_openLogs.insert(watch.path); // ninja appends a line per finished command
        } else if (m_openLogs.remove(watch.path)) {
            Q_EMIT busyEnded(); // closed at the end of the build (or replaced)
        }
    }
    if (watch.ancestor && !name.isEmpty()) {
        // Only a change on the way to a missing folder matters.
        const QString child = watch.path + QLatin1Char('/') + name;
        for (const QString &folder : std::as_const(m_folders)) {
            if (folder == child || folder.startsWith(child + QLatin1Char('/'))) {
                emitEvent(child, QStringLiteral("ancestor folder changed"));
                break;
            }
        }
    }
    if (!watch.folder)
        return;
    if (mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        const QString prefix = watch.path + QLatin1Char('/');
        bool hadWriters = false;
        for (auto it = m_writers.begin(); it != m_writers.end();) {
            if (it->startsWith(prefix)) {
                it = m_writers.erase(it);
                hadWriters = true;
            } else {
                ++it;
            }
        }
        emitEvent(watch.path, QStringLiteral("folder removed"));
        if (hadWriters)
            Q_EMIT busyEnded();
        return;
    }
    if (name.isEmpty() || (mask & IN_ISDIR))
        return; // the folder itself, or a subfolder: plugins are not searched recursively
    const QString path = watch.path + QLatin1Char('/') + name;
    const bool plugin = isPluginName(name);
    const bool writer = plugin || isWriterName(name);
    if (!writer)
        return;
    // Created is not yet written: a hard link (ln) is created without ever being open, and a
    // writer's first write follows its creation at once (lld's fallocate, ld's first block).
    if ((mask & IN_CREATE) && plugin)
        emitEvent(path, Created);
    if (mask & IN_MODIFY) {
        // One event per write() call: only the first after a close is worth telling.
        if (!m_writers.contains(path)) {
            m_writers.insert(path);
            if (plugin)
                emitEvent(path, BeingWritten);
        }
    }
    if (mask & IN_ATTRIB && plugin)
        emitEvent(path, AttributesChanged);
    if (mask & IN_CLOSE_WRITE) {
        const bool wasWriter = m_writers.remove(path);
        if (plugin)
            emitEvent(path, ClosedAfterWriting);
        if (wasWriter)
            Q_EMIT busyEnded();
    }
    if (mask & IN_MOVED_FROM) {
        if (m_writers.remove(path)) {
            // lld renames its temporary file into place before closing it.
            if (m_movedWriters.size() > 64)
                m_movedWriters.clear();
            m_movedWriters.insert(cookie, path);
        }
        if (plugin)
            emitEvent(path, MovedAway);
    }
    if (mask & IN_MOVED_TO) {
        if (m_movedWriters.remove(cookie))
            m_writers.insert(path); // still open: its close follows
        if (plugin)
            emitEvent(path, MovedIn);
    }
    if (mask & IN_DELETE) {
        const bool wasWriter = m_writers.remove(path);
        if (plugin)
            emitEvent(path, Removed);
        if (wasWriter)
            Q_EMIT busyEnded();
    }
    if ((mask & IN_MOVED_FROM) && !m_movedWriters.isEmpty())
        Q_EMIT busyEnded(); // moved out of the folder, perhaps: a MOVED_TO puts it back
}

void FolderWatcher::emitEvent(const QString &path, const QString &kind)
{
    Q_EMIT changed(FileEvent{QDateTime::currentDateTime(), path, kind});
}

// --- QFileSystemWatcher fallback -------------------------------------------------------------

void FolderWatcher::onDirectoryChanged(const QString &path)
{
    const bool watchedFolder = m_folders.contains(path);
    emitEvent(path, QFileInfo::exists(path)
                        ? (watchedFolder ? QStringLiteral("folder changed")
                                         : QStringLiteral("ancestor folder changed"))
                        : QStringLiteral("folder removed"));
    rewatchFallback();
}

void FolderWatcher::onFileChanged(const QString &path)
{
    emitEvent(path, QFileInfo::exists(path) ? QStringLiteral("file changed")
                                            : QStringLiteral("file replaced or removed"));
    rewatchFallback();
}

void FolderWatcher::rewatchFallback()
{
    QSet<QString> wanted;
    for (const QString &folder : std::as_const(m_folders)) {
        if (QFileInfo(folder).isDir()) {
            wanted.insert(folder);
            continue;
        }
        QString ancestor = QFileInfo(folder).absolutePath();
        while (!QFileInfo(ancestor).isDir() && ancestor != QDir::rootPath())
            ancestor = QFileInfo(ancestor).absolutePath();
        wanted.insert(ancestor);
    }
    for (const QString &file : matchingFiles())
        wanted.insert(file);

    const QStringList watched = m_fallback->directories() + m_fallback->files();
    QStringList stale;
    for (const QString &path : watched) {
        if (!wanted.contains(path))
            stale.append(path);
    }
    if (!stale.isEmpty())
        m_fallback->removePaths(stale);
    QStringList missing;
    for (const QString &path : wanted) {
        if (!watched.contains(path))
            missing.append(path);
    }
    if (!missing.isEmpty())
        m_fallback->addPaths(missing);
}

} // namespace qreload::app
