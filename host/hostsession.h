#pragma once

#include "generationsnapshot.h"

#include <QCborMap>
#include <QObject>
#include <QString>

#include <memory>

namespace qreload::app {

class HostChannel;
class PreviewServer;
class ReloadEngine;

/*!
 * The host end of the supervisor <-> host channel: runs a ReloadEngine and a PreviewServer in
 * this process and bridges them to the supervisor. It reports what the engine does (records,
 * generation snapshots, watching, file events) and carries out the supervisor's commands (reload,
 * build records, hold, pause, quiet period, component details, status fields, quit).
 *
 * A library with a thin main (hostmain.cpp), so a user's own application can later link it and
 * let the console attach to it, as GammaRay's probe does.
 */
class HostSession : public QObject
{
    Q_OBJECT

public:
    struct Arguments
    {
        QString serverName;    //!< the supervisor's QLocalServer
        qintptr listenFd = -1; //!< the inherited listening socket of the preview port
        QString crashFile;     //!< the CrashArea to map ("" : no breadcrumbs)
    };

    explicit HostSession(QObject *parent = nullptr);
    ~HostSession() override;

    /*!
     * Connects, says hello, waits for the supervisor's configuration, then builds the first
     * generation and starts serving. False, with *error, when any of that fails (the caller exits).
     */
    bool open(const Arguments &arguments, QString *error);

private:
    void onMessage(const QCborMap &message);
    //! Sends the current generation: as a delta of the last one sent, whole the first time
    //! (or after `whole`).
    void sendGeneration(bool whole = false);
    void reply(qint64 id, const QCborValue &value);
    //! The details of a component of the current generation (never creating it), or an error.
    QCborValue componentDetails(const QString &key) const;

    std::unique_ptr<HostChannel> m_channel;
    std::unique_ptr<ReloadEngine> m_engine;
    std::unique_ptr<PreviewServer> m_server;
    //! What the supervisor holds: the last generation snapshot sent (number 0: none yet).
    GenerationSnapshot m_sent;
};

} // namespace qreload::app
