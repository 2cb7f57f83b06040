#pragma once

#include "eventjournal.h"
#include "generationsnapshot.h"
#include "hostchannel.h"
#include "reloadrecord.h"

#include <QCborMap>
#include <QHash>
#include <QJsonObject>

#include <optional>

namespace qreload::app {

/*!
 * The messages of the host channel, each with its one encoder (toCbor(), which sets "type") and
 * its one decoder (fromCbor()). Both processes link this: a field is written and read in one
 * place. A receiver switches on messageType() and decodes the one message it found.
 */
QString messageType(const QCborMap &message);

// --- host -> supervisor

//! The host's first message.
struct HelloMessage
{
    qint64 version = HostProtocol::Version;
    qint64 pid = 0;
    static QString type() { return HostProtocol::Hello; }
    QCborMap toCbor() const;
    static HelloMessage fromCbor(const QCborMap &map);
};

//! A reload began in the host.
struct ReloadStartedMessage
{
    ReloadCause cause = ReloadCause::Files;
    static QString type() { return HostProtocol::ReloadStarted; }
    QCborMap toCbor() const;
    static ReloadStartedMessage fromCbor(const QCborMap &map);
};

//! A reload's record (also a record the supervisor asked the host to number and keep).
struct ReloadFinishedMessage
{
    ReloadRecord record;
    static QString type() { return HostProtocol::ReloadFinished; }
    QCborMap toCbor() const;
    static ReloadFinishedMessage fromCbor(const QCborMap &map);
};

//! The generation that serves now: whole, or as the delta of the last one sent.
struct GenerationMessage
{
    std::optional<GenerationSnapshot> snapshot; //!< set: the whole generation
    QCborMap delta;                             //!< else: GenerationSnapshot::deltaCbor()
    static QString type() { return HostProtocol::Generation; }
    QCborMap toCbor() const;
    static GenerationMessage fromCbor(const QCborMap &map);
};

//! Plugin-folder watching turned on or off.
struct WatchingMessage
{
    bool on = true;
    static QString type() { return HostProtocol::Watching; }
    QCborMap toCbor() const;
    static WatchingMessage fromCbor(const QCborMap &map);
};

//! One raw event of the host's plugin-folder watcher.
struct FileEventMessage
{
    FileEvent event;
    static QString type() { return HostProtocol::FileEvent; }
    QCborMap toCbor() const;
    static FileEventMessage fromCbor(const QCborMap &map);
    //! A list of events, as the reload-for-events message carries them.
    static QCborArray toCbor(const QList<FileEvent> &events);
    static QList<FileEvent> eventsFromCbor(const QCborArray &array);
};

//! The answer to a DetailsMessage.
struct ReplyMessage
{
    qint64 id = 0;
    QCborValue value;
    static QString type() { return HostProtocol::Reply; }
    QCborMap toCbor() const;
    static ReplyMessage fromCbor(const QCborMap &map);
};

//! POST /_qreload/open: raise the console at this record and diagnostic.
struct OpenMessage
{
    quint64 record = 0;
    QString file;
    int line = 0;
    int column = 0;
    static QString type() { return HostProtocol::Open; }
    QCborMap toCbor() const;
    static OpenMessage fromCbor(const QCborMap &map);
    //! The page's request body ({record, file, line, column}) and back.
    static OpenMessage fromJson(const QJsonObject &json);
    QJsonObject toJson() const;
};

// --- supervisor -> host

//! The supervisor's first message: everything a new host starts from.
struct ConfigureMessage
{
    qint64 version = HostProtocol::Version;
    QStringList pluginDirs;
    int quietPeriodMs = 100;
    quint64 firstGeneration = 1;
    quint64 firstRecordId = 1;
    QList<ReloadRecord> history;
    //! Plugin files to load instead of the folder's (origin and the file to load).
    QList<PluginSource> restore;
    //! origin -> content hash of bytes not to load again until they change.
    QHash<QString, QByteArray> quarantine;
    QString startDecision;
    QString shadowRoot;
    bool watching = true;
    bool held = false;
    QString host;                          //!< the preview port's address
    std::optional<QJsonObject> httpLimits; //!< ConnectionLimits::toJson()
    QJsonObject status;                    //!< the supervisor's part of /_qreload/status
    QList<LiveEvent> events;               //!< the live-event journal so far
    QString eventSession;
    bool liveReload = false;
    std::optional<LiveEvent> eventProblem;
    static QString type() { return HostProtocol::Configure; }
    QCborMap toCbor() const;
    static ConfigureMessage fromCbor(const QCborMap &map);
};

//! Reload now (toolbar, CLI, POST /_qreload/reload).
struct ReloadMessage
{
    ReloadCause cause = ReloadCause::Manual;
    ReloadScope scope = ReloadScope::Changed;
    static QString type() { return HostProtocol::Reload; }
    QCborMap toCbor() const;
    static ReloadMessage fromCbor(const QCborMap &map);
};

//! Reload for these events (source mode: after a build, which travels as itself).
struct ReloadEventsMessage
{
    QList<FileEvent> events;
    QString decision;
    std::optional<BuildInfo> build;
    static QString type() { return HostProtocol::ReloadEvents; }
    QCborMap toCbor() const;
    static ReloadEventsMessage fromCbor(const QCborMap &map);
};

//! A reload that never reached the plugins, for the host to number and keep.
struct RecordMessage
{
    ReloadRecord record;
    static QString type() { return HostProtocol::Record; }
    QCborMap toCbor() const;
    static RecordMessage fromCbor(const QCborMap &map);
};

//! Hold (on) or release plugin events while a build runs.
struct HoldMessage
{
    bool on = false;
    static QString type() { return HostProtocol::Hold; }
    QCborMap toCbor() const;
    static HoldMessage fromCbor(const QCborMap &map);
};

//! Pause (on) or resume plugin-folder watching.
struct PauseMessage
{
    bool on = false;
    static QString type() { return HostProtocol::Pause; }
    QCborMap toCbor() const;
    static PauseMessage fromCbor(const QCborMap &map);
};

struct QuietPeriodMessage
{
    int ms = 0;
    static QString type() { return HostProtocol::QuietPeriod; }
    QCborMap toCbor() const;
    static QuietPeriodMessage fromCbor(const QCborMap &map);
};

//! A component's details, answered by a ReplyMessage with the same id.
struct DetailsMessage
{
    qint64 id = 0;
    QString key;
    static QString type() { return HostProtocol::Details; }
    QCborMap toCbor() const;
    static DetailsMessage fromCbor(const QCborMap &map);
};

//! The supervisor's fields of /_qreload/status changed.
struct StatusMessage
{
    QJsonObject status;
    static QString type() { return HostProtocol::Status; }
    QCborMap toCbor() const;
    static StatusMessage fromCbor(const QCborMap &map);
};

//! One live event for the host's copy of the journal.
struct EventMessage
{
    LiveEvent event;
    static QString type() { return HostProtocol::Event; }
    QCborMap toCbor() const;
    static EventMessage fromCbor(const QCborMap &map);
};

//! A message without fields: Restart, Quit, ResendGeneration.
QCborMap emptyMessage(const QString &type);

} // namespace qreload::app
