#include "shadowstore.h"

#include "contenthash.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSet>
#include <QTemporaryDir>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcShadow, "qreload.reload.shadow", QtWarningMsg)

namespace qreload::app {

static const QString prefix = QStringLiteral("qreload-shadow-");

ShadowStore::ShadowStore(const QString &root)
    : m_remover([this] { removeLoop(); }) // started now: a reload should not wait to start it
{
    if (root.isEmpty()) {
        m_temporary = std::make_unique<QTemporaryDir>(
            QDir::tempPath() + QLatin1Char('/') + prefix
            + QString::number(QCoreApplication::applicationPid()) + QStringLiteral("-XXXXXX"));
        m_root = m_temporary->path();
    } else {
        m_root = QDir(root).absolutePath();
        QDir().mkpath(m_root);
    }
}

ShadowStore::~ShadowStore()
{
    waitForRemovals(); // before the temporary folder goes
    {
        std::lock_guard lock(m_removalMutex);
        m_stopRemover = true;
    }
    m_removalChanged.notify_all();
    m_remover.join();
}

void ShadowStore::removeLoop()
{
    std::unique_lock lock(m_removalMutex);
    for (;;) {
        m_removalChanged.wait(lock, [this] { return m_stopRemover || !m_removing.isEmpty(); });
        if (m_removing.isEmpty())
            return; // stopping, nothing left
        const QStringList paths = std::exchange(m_removing, {});
        m_removerBusy = true;
        lock.unlock();
        QSet<QString> folders;
        for (const QString &path : paths) {
            QFile::remove(path);
            folders.insert(QFileInfo(path).absolutePath());
        }
        for (const QString &folder : std::as_const(folders))
            QDir().rmdir(folder); // only if empty: other libraries may still be loaded from it
        lock.lock();
        m_removerBusy = false;
        m_removalChanged.notify_all();
    }
}

QString ShadowStore::folder(quint64 generation) const
{
    return m_root + QStringLiteral("/g") + QString::number(generation);
}

Result<PluginSnapshot> ShadowStore::snapshot(const QString &path, const QString &originPath)
{
    const QString origin = originPath.isEmpty() ? path : originPath;
    if (Status complete = checkLibraryComplete(path, origin); !complete)
        return complete.errors();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(Error::Reason::FileNotFound,
                     QStringLiteral("cannot read: %1").arg(file.errorString()), {}, origin);
    PluginSnapshot snapshot{origin, file.readAll(), {}};
    snapshot.contentHash = protocol::contentHash(snapshot.bytes);
    return snapshot;
}

Result<QList<PluginSource>> ShadowStore::stage(quint64 generation,
                                               const QList<PluginSnapshot> &plugins)
{
    const QString dir = folder(generation);
    QDir(dir).removeRecursively();
    if (plugins.isEmpty())
        return QList<PluginSource>(); // everything reused: no folder to leave behind
    if (!QDir().mkpath(dir))
        return Error(Error::Reason::FileNotFound,
                     QStringLiteral("cannot create the shadow folder %1").arg(dir));
    QList<PluginSource> sources;
    for (const PluginSnapshot &plugin : plugins) {
        const QString target = dir + QLatin1Char('/') + QFileInfo(plugin.path).fileName();
        if (!plugin.copyOf.isEmpty() && plugin.bytes.isEmpty()) {
            if (QString problem = copyFile(plugin.copyOf, target); !problem.isEmpty())
                return Error(Error::Reason::FileNotFound,
                             QStringLiteral("cannot copy %1 to the shadow copy %2: %3")
                                 .arg(plugin.copyOf, target, problem),
                             {}, plugin.path);
            sources.append(PluginSource{plugin.path, target, plugin.contentHash});
            continue;
        }
        QFile out(target);
        if (!out.open(QIODevice::WriteOnly) || out.write(plugin.bytes) != plugin.bytes.size()) {
            return Error(Error::Reason::FileNotFound,
                         QStringLiteral("cannot write the shadow copy %1: %2")
                             .arg(target, out.errorString()),
                         {}, plugin.path);
        }
        sources.append(PluginSource{plugin.path, target, plugin.contentHash});
    }
    return sources;
}

QString ShadowStore::copyFile(const QString &from, const QString &to)
{
    // copy_file_range: the kernel copies page cache to page cache, without the bytes passing
    // through this process (QFile::copy syncs a temporary file, which is much slower).
    const int in = ::open(QFile::encodeName(from).constData(), O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return QString::fromLocal8Bit(::strerror(errno));
    const int out
        = ::open(QFile::encodeName(to).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
    if (out < 0) {
        const int error = errno;
        ::close(in);
        return QString::fromLocal8Bit(::strerror(error));
    }
    QString problem;
    struct stat info;
    if (::fstat(in, &info) != 0) {
        problem = QString::fromLocal8Bit(::strerror(errno));
    } else {
        off_t left = info.st_size;
        while (left > 0) {
            const ssize_t copied = ::copy_file_range(in, nullptr, out, nullptr, size_t(left), 0);
            if (copied <= 0) {
                problem = copied == 0 ? QStringLiteral("the file ended early")
                                      : QString::fromLocal8Bit(::strerror(errno));
                break;
            }
            left -= copied;
        }
    }
    ::close(in);
    if (::close(out) != 0 && problem.isEmpty())
        problem = QString::fromLocal8Bit(::strerror(errno));
    return problem;
}

void ShadowStore::remove(quint64 generation)
{
    QDir(folder(generation)).removeRecursively();
}

void ShadowStore::removeCopies(const QStringList &loadPaths)
{
    const QString inside = m_root + QLatin1Char('/');
    for (const QString &path : loadPaths) {
        if (path.startsWith(inside))
            m_toRemove.append(path); // not a copy of ours: a restored copy of a dead host's
    }
}

void ShadowStore::startRemovals()
{
    if (m_toRemove.isEmpty())
        return;
    {
        std::lock_guard lock(m_removalMutex);
        m_removing.append(std::exchange(m_toRemove, {}));
    }
    m_removalChanged.notify_all();
}

void ShadowStore::waitForRemovals()
{
    startRemovals();
    std::unique_lock lock(m_removalMutex);
    m_removalChanged.wait(lock, [this] { return m_removing.isEmpty() && !m_removerBusy; });
}

QByteArray ShadowStore::stamp(const QString &path)
{
    struct stat info;
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return {};
    const qint64 fields[] = {qint64(info.st_dev), qint64(info.st_ino), qint64(info.st_size),
                             qint64(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec,
                             qint64(info.st_ctim.tv_sec) * 1000000000 + info.st_ctim.tv_nsec};
    return QByteArray(reinterpret_cast<const char *>(fields), sizeof(fields));
}

void ShadowStore::removeStale()
{
    // A supervisor keeps its hosts' shadow folders in a folder of its own (named after the
    // supervisor, which outlives its hosts): a crashed host's copies are what the next host
    // restores, and must not look stale to another qreload starting meanwhile.
    static const QString supervisorPrefix = QStringLiteral("qreload-supervisor-");
    const QDir temp(QDir::tempPath());
    for (const QFileInfo &info :
         temp.entryInfoList({prefix + QLatin1Char('*'), supervisorPrefix + QLatin1Char('*')},
                            QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString name = info.fileName();
        const QString rest
            = name.mid(name.startsWith(prefix) ? prefix.size() : supervisorPrefix.size());
        bool ok = false;
        const qint64 pid = rest.section(QLatin1Char('-'), 0, 0).toLongLong(&ok);
        if (!ok || pid == QCoreApplication::applicationPid())
            continue;
        if (::kill(pid_t(pid), 0) == 0 || errno == EPERM)
            continue; // that process still runs
        qCInfo(lcShadow) << "removing stale shadow folder" << info.absoluteFilePath();
        QDir(info.absoluteFilePath()).removeRecursively();
    }
}

} // namespace qreload::app
