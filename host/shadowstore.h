#pragma once

#include <qreload/error.h>
#include <qreload/generation.h>

#include <QByteArray>
#include <QHash>
#include <QString>

#include <memory>

class QTemporaryDir;

namespace qreload::app {

//! One plugin file read at staging time: its bytes and their content hash.
struct PluginSnapshot
{
    QString path;
    QByteArray bytes;
    QByteArray contentHash; //!< BLAKE2b-256: cryptographic, and 5x faster than SHA-256 here
};

/*!
 * The private copies plugins are loaded from. A library already loaded from a path is not loaded
 * again from that path (the dynamic loader and Qt both cache by path), and overwriting a loaded
 * library in place crashes the process: so every generation loads its own copies, from a folder
 * that is deleted once the generation is unloaded.
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
    QString folder(quint64 generation) const;

    //! Removes shadow folders left behind by qreload processes that no longer run.
    static void removeStale();

private:
    std::unique_ptr<QTemporaryDir> m_temporary;
    QString m_root;
};

} // namespace qreload::app
