#pragma once

#include <generation.h>
#include <qreload/error.h>

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

class QTemporaryDir;

namespace qreload::app {

//! One plugin file read at staging time: its bytes and their content hash.
struct PluginSnapshot
{
    QString path;
    QByteArray bytes;
    QByteArray contentHash; //!< protocol::contentHash() of the bytes
    //! Set when `bytes` is empty: a file holding exactly these bytes (a shadow copy, which is
    //! never written again), copied by the kernel instead of read and written here.
    QString copyOf;
};

/*!
 * The private copies plugins are loaded from. A library already loaded from a path is not loaded
 * again from that path (the dynamic loader and Qt both cache by path), and overwriting a loaded
 * library in place crashes the process: so every generation loads new bytes from copies of its
 * own, in a folder per generation. A library whose bytes did not change is reused by the next
 * generation from the copy it was loaded from; a copy is deleted when its library is unloaded
 * (no generation uses it any more), and a generation's folder when its last copy is.
 */
class ShadowStore
{
public:
    //! `root` empty: a fresh private folder under the system temp folder, removed on destruction.
    explicit ShadowStore(const QString &root = {});
    ~ShadowStore();

    QString root() const { return m_root; }

    /*!
     * Reads a plugin file as it is now; fails if unreadable or not a complete library yet.
     * `originPath` (default: `path`) is the watched file the bytes stand for: it names the
     * snapshot and its errors, when `path` is a shadow copy (a previous version kept serving, or
     * a dead host's copy restored).
     */
    static Result<PluginSnapshot> snapshot(const QString &path, const QString &originPath = {});
    //! Writes the snapshots to the generation's folder and returns what to load.
    Result<QList<PluginSource>> stage(quint64 generation, const QList<PluginSnapshot> &plugins);
    //! Deletes the generation's folder (after its libraries are unloaded).
    void remove(quint64 generation);
    /*!
     * Deletes these shadow copies (of libraries just unloaded), and each folder left empty, on a
     * worker thread, once startRemovals() is called: the reload that retired their generation
     * neither waits for the file system (an unlink or rmdir took 0.3 to 4 ms here) nor shares
     * the CPU with it. Paths outside this store are left alone. Deletions run in the order
     * asked; waitForRemovals() and the destructor wait for them.
     */
    void removeCopies(const QStringList &loadPaths);
    //! Hands the copies removeCopies() queued to the worker thread.
    void startRemovals();
    //! Starts and waits for every deletion removeCopies() queued.
    void waitForRemovals();
    /*!
     * What stat() says about a file: device, inode, size, modification and change time in
     * nanoseconds. Equal stamps mean the file was not written or replaced in between, so its
     * content hash is still the one read before (a reload need not read it again). Empty if the
     * file cannot be stat()ed.
     */
    static QByteArray stamp(const QString &path);
    QString folder(quint64 generation) const;

    //! Removes shadow folders left behind by qreload processes that no longer run.
    static void removeStale();

private:
    //! Copies a file (the kernel does); the problem, or empty.
    static QString copyFile(const QString &from, const QString &to);

    std::unique_ptr<QTemporaryDir> m_temporary;
    QString m_root;
    //! Removes the files handed to it (startRemovals()); std:: primitives rather than a
    //! QThreadPool, so ThreadSanitizer sees the hand-off (Qt's own locks are not instrumented).
    void removeLoop();

    QStringList m_toRemove; //!< queued, not handed to the remover yet
    std::mutex m_removalMutex;
    std::condition_variable m_removalChanged;
    QStringList m_removing; //!< handed to the remover, not removed yet (under m_removalMutex)
    bool m_removerBusy = false;
    bool m_stopRemover = false;
    std::thread m_remover; //!< one thread, started with the store
};

} // namespace qreload::app
