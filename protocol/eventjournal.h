#pragma once

#include <QCborMap>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>

#include <optional>

namespace qreload::app {

/*!
 * One event of the live-reload stream (`GET /_qreload/events`): what happened (`kind`), when,
 * and its JSON payload. `id` numbers events of one supervisor session from 1 on.
 */
struct LiveEvent
{
    quint64 id = 0;
    QString kind; //!< one of the LiveEvent kinds below
    QJsonObject data;

    // The kinds, written once (the client script switches on the same names).
    static inline const QString BuildStarted = QStringLiteral("build-started");
    static inline const QString BuildFinished = QStringLiteral("build-finished");
    static inline const QString Reload = QStringLiteral("reload");
    static inline const QString HostCrashed = QStringLiteral("host-crashed");
    static inline const QString HostRestarted = QStringLiteral("host-restarted");

    //! The event as one Server-Sent Events message: `id:`, `event:`, `data:` and a blank line.
    QByteArray sseFrame() const;
    QCborMap toCbor() const;
    static LiveEvent fromCbor(const QCborMap &map);
};

/*!
 * The bounded journal of live events (a ring: the oldest go first). The supervisor owns the
 * authoritative one and numbers its events (append()); a host keeps a copy of it, seeded when it
 * starts and fed event by event (insert()), so a page that reconnects to a restarted host with
 * `Last-Event-ID` still gets the crash and the restart it missed.
 *
 * `session` is random per journal owner (per supervisor): a page that was served by another
 * qreload session learns from it that the ids it holds mean nothing here.
 */
class EventJournal : public QObject
{
    Q_OBJECT

public:
    static constexpr int DefaultCapacity = 512;

    explicit EventJournal(int capacity = DefaultCapacity, QObject *parent = nullptr);

    //! Numbers a new event (the next id), keeps it and emits appended(). Supervisor side.
    LiveEvent append(const QString &kind, const QJsonObject &data);
    //! Keeps a copy of an event numbered elsewhere (ids must grow); emits appended(). Host side.
    void insert(const LiveEvent &event);
    /*!
     * Replaces everything with a copy (a new host is seeded with the supervisor's journal);
     * `problem` is the supervisor's openProblem(), which may have left its ring already.
     */
    void seed(const QString &session, const QList<LiveEvent> &events,
              const std::optional<LiveEvent> &problem = std::nullopt);

    /*!
     * The events after `lastId` that are still kept, oldest first. `lastId` 0, or one this journal
     * never issued (larger than lastId()), means all of them.
     */
    QList<LiveEvent> since(quint64 lastId) const;
    //! The kept events are complete after `lastId` (false: some were dropped from the ring).
    bool coversSince(quint64 lastId) const;
    /*!
     * The failure a page should show now, if any: the latest failed build, failed reload or host
     * crash that no succeeded reload (or successful build) came after. Kept apart from the ring:
     * it stays known however many events follow it.
     */
    std::optional<LiveEvent> openProblem() const { return m_problem; }
    const QList<LiveEvent> &events() const { return m_events; }
    quint64 lastId() const { return m_lastId; }
    QString session() const { return m_session; }
    int capacity() const { return m_capacity; }

Q_SIGNALS:
    void appended(const qreload::app::LiveEvent &event);

private:
    void keep(const LiveEvent &event);

    int m_capacity;
    QList<LiveEvent> m_events;
    quint64 m_lastId = 0;
    std::optional<LiveEvent> m_problem;
    QString m_session;
};

} // namespace qreload::app
