#pragma once

#include <QJsonObject>
#include <QString>

namespace qreload::app {

/*!
 * The preview server's HTTP limits. Qt 6.4's QHttpServer has no setting for any of them, so
 * GuardedTcpServer and ConnectionGuard enforce them on the sockets, before QHttpServer's parser
 * reads a request (see README, "HTTP limits").
 */
struct ConnectionLimits
{
    static constexpr qint64 DefaultMaxBodyBytes = 1024 * 1024;
    static constexpr int DefaultIdleTimeoutMs = 30000;
    //! Browsers open at most 6 connections per host; 256 leaves room for scripts and tools and
    //! stays far below the usual limit of 1024 open files.
    static constexpr int DefaultMaxConnections = 256;
    //! Request line and header fields together; a longer head gets 431. Generous (browsers
    //! send a few KiB), so that long URLs still reach the endpoints that judge them.
    static constexpr qint64 MaxHeadBytes = 256 * 1024;

    //! A request whose body is longer gets 413 before its body is read.
    qint64 maxBodyBytes = DefaultMaxBodyBytes;
    //! A connection that sends and receives nothing for this long is closed.
    int idleTimeoutMs = DefaultIdleTimeoutMs;
    //! Connections open at once; one more gets 503 and is closed.
    int maxConnections = DefaultMaxConnections;

    //! Empty when every value is usable, else a sentence naming the value that is not.
    QString validate() const;
    QJsonObject toJson() const;
    //! "1 MiB (1048576 bytes)", "1000 bytes": a size as an error message names it.
    static QString sizeText(qint64 bytes);
};

} // namespace qreload::app
