#pragma once

#include "reloadrecord.h"

#include <qreload/generation.h>

#include <QHash>
#include <QObject>
#include <QTimer>

#include <memory>

namespace qreload::app {

class FolderWatcher;
class ShadowStore;

/*!
 * Drives the reload transaction: watches the plugin folders, coalesces file events over a quiet
 * period, and turns the plugin files into a new Generation that replaces the current one only when
 * it is complete. Lives on the main thread; every signal is emitted there.
 *
 * Invariants (tst_reloadengine proves each):
 *  1. exactly one generation is current, and only complete generations become current;
 *  2. a failed reload leaves the current generation untouched and serving;
 *  3. no instance outlives its library; unloaded libraries leave /proc/self/maps;
 *  4. no shadow file or mapping accumulates over any number of reloads;
 *  5. one reload runs at a time; changes during a reload cause exactly one follow-up reload;
 *  6. every phase is timed and recorded with its cause.
 */
class ReloadEngine : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QStringList pluginDirs;
        //! Quiet period after the last file event before reloading (see README for the choice).
        int quietPeriodMs = 100;
        //! How many quiet periods to wait for a plugin file that is still being written.
        int incompleteRetries = 20;
        //! Where shadow copies go; empty: a private folder under the system temp folder.
        QString shadowRoot;
        //! How long the old generation may be held by in-flight requests before shutdown.
        int drainTimeoutMs = 2000;
        //! Keep at most this many records in history() (the UI model keeps its own rows).
        int historyLimit = 1000;
    };

    explicit ReloadEngine(Options options, QObject *parent = nullptr);
    ~ReloadEngine() override;

    //! Builds the first generation (cause Startup) and starts watching. Returns its record.
    ReloadRecord start();
    //! Reloads now, even when no file changed. Returns the record (also sent by reloadFinished).
    ReloadRecord reloadNow(ReloadCause cause = ReloadCause::Manual);
    /*!
     * Reloads now because of events seen elsewhere (the source builder): skips the quiet period,
     * and skips the reload when no plugin's content changed.
     */
    ReloadRecord reloadForEvents(const QList<FileEvent> &events, const QString &decision,
                                 std::optional<BuildInfo> build = std::nullopt);

    /*!
     * Records a reload that never reached the plugins, without touching them: a source change
     * that changed no content (outcome Skipped), or a build that failed, timed out or was
     * cancelled (outcome Failed). The current generation keeps serving. Emits reloadFinished.
     */
    ReloadRecord recordWithoutReload(const QList<FileEvent> &events, const QString &decision,
                                     ReloadOutcome outcome,
                                     std::optional<BuildInfo> build = std::nullopt,
                                     Errors errors = {});
    /*!
     * While a source build runs, plugin-file events wait for it instead of reloading after the
     * quiet period: the build's reloadForEvents() takes them. Releasing the hold without that
     * call lets the waiting events reload as usual.
     */
    void setHeldForBuild(bool held);
    bool isHeldForBuild() const { return m_heldForBuild; }

    //! The generation serving now. Hold the pointer only for the duration of one request.
    std::shared_ptr<Generation> current() const { return m_current; }
    quint64 generationNumber() const { return m_current ? m_current->number() : 0; }
    const QList<ReloadRecord> &history() const { return m_history; }
    std::optional<ReloadRecord> lastReload() const;
    bool isReloading() const { return m_reloading; }
    //! File events are waiting for the quiet period (or a retry) to end.
    bool hasPendingEvents() const;

    bool isWatching() const { return m_watching; }
    void setWatching(bool watching);
    int quietPeriodMs() const { return m_options.quietPeriodMs; }
    void setQuietPeriodMs(int ms);
    QStringList pluginDirs() const { return m_options.pluginDirs; }
    //! The plugin files that would make the next generation, sorted.
    QStringList pluginFiles() const;
    //! The folder holding the per-generation shadow copies.
    QString shadowRoot() const;

Q_SIGNALS:
    void reloadStarted(qreload::app::ReloadCause cause);
    void reloadFinished(const qreload::app::ReloadRecord &record);
    void generationChanged(quint64 number);
    void watchingChanged(bool watching);
    //! A raw event arrived (before the quiet period). For live "something changed" feedback.
    void fileEventObserved(const qreload::app::FileEvent &event);

private:
    void onQuietPeriodOver();
    ReloadRecord runTransaction(ReloadRecord record, bool skipWhenUnchanged);
    void finish(ReloadRecord &record);

    Options m_options;
    std::unique_ptr<ShadowStore> m_shadows;
    std::unique_ptr<FolderWatcher> m_watcher;
    QTimer m_quietTimer;
    QList<FileEvent> m_pendingEvents;
    int m_incompleteAttempts = 0;
    std::shared_ptr<Generation> m_current;
    QHash<QString, QByteArray>
        m_currentHashes; // origin path -> content hash of the current generation
    std::optional<QHash<QString, QByteArray>> m_failedHashes; // files of the last failed reload
    quint64 m_nextGeneration = 1;
    quint64 m_nextRecordId = 1;
    QList<ReloadRecord> m_history;
    bool m_reloading = false;
    std::optional<ReloadCause> m_followUp;
    bool m_watching = true;
    bool m_heldForBuild = false;
};

} // namespace qreload::app
