#include "instancelock.h"

#include <QDir>
#include <QFile>
#include <QLockFile>

namespace qreload::app {

InstanceLock::InstanceLock(QString projectDir)
    : m_projectDir(QDir::cleanPath(QDir(projectDir).absolutePath()))
{}

InstanceLock::~InstanceLock() = default; // QLockFile unlocks on destruction

QString InstanceLock::lockFilePath() const
{
    return QDir(m_projectDir).filePath(fileName());
}

InstanceLock::Outcome InstanceLock::acquire(bool force)
{
    m_lock = std::make_unique<QLockFile>(lockFilePath());
    m_lock->setStaleLockTime(0); // stale only when its process is gone, never by age
    m_pid = 0;
    m_message.clear();

    qint64 previousPid = 0;
    QString hostName;
    QString appName;
    const bool existed = m_lock->getLockInfo(&previousPid, &hostName, &appName);
    if (m_lock->tryLock(0)) {
        if (!existed)
            return Outcome::Acquired;
        m_pid = previousPid;
        m_message = QStringLiteral("took over the lock of a qreload (pid %1) that is no longer "
                                   "running on %2")
                        .arg(previousPid)
                        .arg(m_projectDir);
        return Outcome::TookOverStale;
    }

    switch (m_lock->error()) {
    case QLockFile::LockFailedError:
        break;
    case QLockFile::PermissionError:
    case QLockFile::UnknownError:
    case QLockFile::NoError:
        m_message = QStringLiteral("cannot write %1 (%2); a second qreload on this project "
                                   "would not be stopped")
                        .arg(lockFilePath(), m_lock->error() == QLockFile::PermissionError
                                                 ? QStringLiteral("permission denied")
                                                 : QStringLiteral("unknown error"));
        m_lock.reset();
        return Outcome::Unavailable;
    }

    m_lock->getLockInfo(&m_pid, &hostName, &appName);
    if (!force) {
        m_message = QStringLiteral("qreload is already running on %1 (pid %2); stop it or use "
                                   "--force")
                        .arg(m_projectDir)
                        .arg(m_pid);
        m_lock.reset();
        return Outcome::HeldByOther;
    }
    // --force: the user knows; the other instance keeps running beside this one.
    QFile::remove(lockFilePath());
    if (!m_lock->tryLock(0)) {
        m_message = QStringLiteral("--force: could not replace the lock %1 of pid %2")
                        .arg(lockFilePath())
                        .arg(m_pid);
        m_lock.reset();
        return Outcome::Unavailable;
    }
    m_message = QStringLiteral("--force: running beside the qreload (pid %1) already running on "
                               "%2; their builds may collide")
                    .arg(m_pid)
                    .arg(m_projectDir);
    return Outcome::Forced;
}

} // namespace qreload::app
