#pragma once

#include <QCborMap>
#include <QDataStream>
#include <QObject>

class QLocalSocket;

namespace qreload::app {

/*!
 * The supervisor <-> host message channel: one QLocalSocket carrying CBOR maps.
 *
 * Each message is a QCborMap with a "type" string (see HostProtocol); it is framed by QDataStream
 * (a QCborValue is written as its CBOR bytes with a length) and read with QDataStream transactions,
 * so a message split over several reads is waited for, never parsed by hand. The first message
 * each side sends is "hello" with HostProtocol::Version; a peer of another version is refused.
 */
class HostChannel : public QObject
{
    Q_OBJECT

public:
    //! Takes over `socket` (reparented to the channel).
    explicit HostChannel(QLocalSocket *socket, QObject *parent = nullptr);
    ~HostChannel() override;

    void send(const QCborMap &message);
    //! Sends one of the messages of hostmessages.h (its toCbor()).
    template<typename Message>
    void send(const Message &message)
    {
        send(message.toCbor());
    }
    //! Writes what is buffered now, without waiting for the peer (before a risky step).
    void flush();
    bool isConnected() const;
    QLocalSocket *socket() const { return m_socket; }
    //! Blocks until one message arrives (host start-up only); nullopt on timeout or disconnect.
    std::optional<QCborMap> waitForMessage(int timeoutMs);
    //! Emits received() for messages that arrived while waitForMessage() ran (they make no
    //! further readyRead).
    void processPending() { readAll(); }
    //! Reads and delivers everything the peer wrote before it went away (a dead process's last
    //! messages may still wait in the socket when its exit is noticed).
    void drain();

Q_SIGNALS:
    void received(const QCborMap &message);
    void disconnected();

private:
    std::optional<QCborMap> readOne();
    void readAll();

    QLocalSocket *m_socket;
    QDataStream m_in;
    QDataStream m_out;
    bool m_waiting = false;
};

//! Message types of the protocol, written once (their fields: hostmessages.h).
namespace HostProtocol {
//! Bumped on any incompatible change; both sides check it in "hello".
constexpr int Version = 3; // 2: generation deltas; 3: reloadEvents

// host -> supervisor
inline const QString Hello = QStringLiteral("hello");                   // version, pid
inline const QString ReloadStarted = QStringLiteral("reloadStarted");   // cause
inline const QString ReloadFinished = QStringLiteral("reloadFinished"); // record (JSON form)
// snapshot (the whole generation), or delta (GenerationSnapshot::deltaCbor of the last one sent)
inline const QString Generation = QStringLiteral("generation");
inline const QString Watching = QStringLiteral("watching");   // on
inline const QString FileEvent = QStringLiteral("fileEvent"); // at, path, kind
inline const QString Reply = QStringLiteral("reply");         // id, ok, value|error
inline const QString Restart = QStringLiteral("restart");     // POST /_qreload/restart
inline const QString Open
    = QStringLiteral("open"); // POST /_qreload/open: record, file, line, column

// supervisor -> host
inline const QString Configure = QStringLiteral("configure");       // options (first message)
inline const QString Reload = QStringLiteral("reload");             // cause, scope
inline const QString ReloadEvents = QStringLiteral("reloadEvents"); // events, decision, build
inline const QString Record = QStringLiteral("record"); // a reload that never reached plugins
inline const QString Hold = QStringLiteral("hold");     // on: plugin events wait for a build
inline const QString Pause = QStringLiteral("pause");   // on: watching paused
inline const QString QuietPeriod = QStringLiteral("quietPeriod"); // ms
inline const QString Details = QStringLiteral("details");         // id, key
inline const QString Status = QStringLiteral("status");           // supervisor fields of the status
inline const QString Quit = QStringLiteral("quit");
//! The supervisor's snapshot is not the delta's base (never expected): send the whole next one.
inline const QString ResendGeneration = QStringLiteral("resendGeneration");
inline const QString Event = QStringLiteral("event"); // event: one live event for the stream
} // namespace HostProtocol

} // namespace qreload::app
