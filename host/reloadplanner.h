#pragma once

#include "reloadrecord.h"
#include "shadowstore.h"

#include <generation.h>

#include <QHash>
#include <QMap>
#include <QSet>

#include <optional>

namespace qreload::app {

//! What the next generation loads for one plugin file.
struct PlannedPlugin
{
    PluginSnapshot snapshot;           //!< new bytes to stage (empty when reused)
    std::optional<PluginSource> reuse; //!< the current generation's library, used as it is

    QByteArray hash() const { return reuse ? reuse->contentHash : snapshot.contentHash; }
};

/*!
 * The first part of a reload transaction (its stage phase): reads the plugin files as they are
 * now, tells what changed since the current generation loaded them, and plans what the next
 * generation loads for each file: new bytes, the current generation's library reused as it is,
 * or (a file gone on a watched change, broken on its own, or quarantined) the version the
 * current generation loaded, standing in. Runs no plugin code and touches no generation.
 *
 * Invariants it keeps (see ReloadEngine for the transaction's):
 *  - a file whose stat() stamp is the one read into the current generation and that no event
 *    names is not read again: its loaded bytes are still on disk;
 *  - a file left out of the plan (takeOut()) never takes the current generation's components
 *    with it when a previous version of it exists: that version stands in;
 *  - bytes in the quarantine are never planned, except on a manual reload (which clears it).
 */
class ReloadPlanner
{
public:
    /*!
     * Plans for `record` (its cause, scope and events; read() lists its changed files, plan()
     * appends its errors) against the generation serving now (null before the first) and the
     * content hashes it loaded, by origin path.
     */
    ReloadPlanner(ReloadRecord &record, const Generation *current,
                  const QHash<QString, QByteArray> &currentHashes);

    /*!
     * Reads and hashes each of `files` (sorted origin paths; `readFrom`: origin -> the file to
     * read instead), except those whose stamp is the one in `loadedStamps`. Lists the files
     * whose content differs from the current generation's in the record.
     */
    void read(const QStringList &files, const QHash<QString, QString> &readFrom,
              const QHash<QString, QByteArray> &loadedStamps);
    //! A file is not yet a complete library (a linker is probably still writing it).
    bool incomplete() const { return m_incomplete; }
    //! Why files could not be read as libraries (empty when every file could).
    Errors readErrors() const;
    //! The content hash of every readable file, by origin path.
    const QHash<QString, QByteArray> &hashes() const { return m_hashes; }

    /*!
     * Decides what the next generation loads for each file. `quarantine` (origin -> hash of
     * bytes that crashed the last host) loses the entries whose file has new bytes.
     */
    void plan(QHash<QString, QByteArray> &quarantine);
    //! The plan, in origin order: what a candidate is built from.
    const QMap<QString, PlannedPlugin> &planned() const { return m_plan; }
    //! Each planned file's content hash, by origin path.
    QHash<QString, QByteArray> plannedHashes() const;
    //! The reload reuses the current generation's libraries and instances (scope Changed).
    bool proportional() const { return m_proportional; }
    /*!
     * Nothing new left to load: the plan is what the current generation loaded (a manual
     * reload rebuilds anyway), or there is no generation and nothing loadable.
     */
    bool nothingToSwap() const;
    /*!
     * Takes out the files `errors` name when each error is `pinned` on a file loaded with new
     * bytes (its previous version, if any, stands in). Returns false, taking nothing out, when
     * any error belongs elsewhere: the whole candidate fails then.
     */
    bool takeOut(const Errors &errors, bool (*pinned)(const Error &));
    //! A file with new bytes was held back (broken), so the same bytes again fail the same way.
    bool heldBackBroken() const { return !m_heldBroken.isEmpty(); }
    //! The stat() stamps of the planned files read from disk: what the next generation loaded.
    QHash<QString, QByteArray> loadedStamps() const;
    //! Appends to the decision what was held back, once it is known which generation serves.
    void noteHeldBack(quint64 serving) const;
    //! No removed file keeps serving and no bytes were quarantined.
    bool nothingRemovedOrQuarantined() const
    {
        return m_removedFiles.isEmpty() && m_quarantined.isEmpty();
    }

private:
    //! Plans the version the current generation loaded for `origin`; false if it had none.
    bool keepPrevious(const QString &origin);

    ReloadRecord &m_record;
    const Generation *m_current;
    const QHash<QString, QByteArray> &m_currentHashes;
    bool m_proportional;
    QStringList m_files;
    QHash<QString, QString> m_readFrom;
    QMap<QString, PluginSnapshot> m_fresh; // origin -> its bytes now
    QHash<QString, Errors> m_unusable;     // origin -> why its bytes cannot be staged
    QHash<QString, QByteArray> m_hashes;   // origin -> content hash now (readable files)
    QHash<QString, QByteArray> m_stamps;   // origin -> its stat() stamp when read (or reused)
    QSet<QString> m_untouched;             // origins whose loaded bytes are certainly on disk
    bool m_incomplete = false;

    QHash<QString, PluginSource> m_previous; // origin -> what the current generation loaded
    QMap<QString, PlannedPlugin> m_plan;
    QSet<QString> m_fromDisk; // origins planned with the bytes their file has now (stamps kept)
    QSet<QString> m_changed;  // origins loaded with new bytes: the ones a failure can be pinned on
    QList<std::pair<QString, int>> m_removedFiles; // origin, components it serves
    QStringList m_heldBroken; // origins whose new bytes failed and whose previous version stays
    QList<std::pair<QString, bool>> m_quarantined; // origin, whether its previous version stands in
};

} // namespace qreload::app
