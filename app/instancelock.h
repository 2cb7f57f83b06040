#pragma once

#include <QString>

#include <memory>

class QLockFile;

namespace qreload::app {

/*!
 * One qreload per project: a QLockFile named .qreload.lock in the project folder, held while
 * qreload runs.
 *
 * Why the project folder and not the build folder: the project is what a user names on the
 * command line and what the refusal names; it exists before anything runs, while the build
 * folder may not exist yet (the configure the lock protects creates it) and may be deleted by
 * the user while qreload runs (a `rm -rf build` would silently drop a lock kept there). The name
 * starts with a dot, so source watching ignores it, and it is gone when qreload stops.
 *
 * The lock never goes stale by age (a qreload runs for days); only a lock whose process is dead
 * (or whose PID now belongs to another program) is taken over, and that is reported.
 */
class InstanceLock
{
public:
    enum class Outcome {
        Acquired,      //!< the project was free; the lock is held
        TookOverStale, //!< a lock of a process that is no longer running was replaced; held
        Forced,        //!< --force: a running instance's lock was replaced; held
        HeldByOther,   //!< another running qreload holds it (pid()); not held
        Unavailable,   //!< the lock file cannot be written (read-only folder): not held, not fatal
    };

    explicit InstanceLock(QString projectDir);
    ~InstanceLock(); //!< releases the lock (removes the file) when held

    InstanceLock(const InstanceLock &) = delete;
    InstanceLock &operator=(const InstanceLock &) = delete;

    //! Tries once, without waiting. With `force`, a running instance's lock is replaced.
    Outcome acquire(bool force = false);
    //! The other instance's (HeldByOther, Forced) or the dead one's (TookOverStale) PID.
    qint64 pid() const { return m_pid; }
    QString projectDir() const { return m_projectDir; }
    QString lockFilePath() const;
    //! One sentence for the user about the last acquire(): the refusal, the note, or empty.
    QString message() const { return m_message; }

    static QString fileName() { return QStringLiteral(".qreload.lock"); }
    //! The exit code of a qreload refused by another instance's lock.
    static constexpr int AlreadyRunningExitCode = 4;

private:
    QString m_projectDir;
    std::unique_ptr<QLockFile> m_lock;
    qint64 m_pid = 0;
    QString m_message;
};

} // namespace qreload::app
