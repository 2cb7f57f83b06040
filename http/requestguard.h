#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QString>

namespace qreload::app {

/*!
 * The checks every qreload HTTP server makes before it answers (the host's preview server and
 * the supervisor's standby server, and later a production server), written once:
 *
 * - the Host header names this server (DNS rebinding): a loopback name, or, when the server
 *   listens on a non-loopback address (an explicit choice to be reached from other machines),
 *   one of this machine's addresses or its name;
 * - a POST that a browser page may send (a form) comes from our own origin;
 * - the session token, compared in constant time.
 */
class RequestGuard
{
public:
    //! `host`: the Host header; `listening`: the address the server listens on.
    static bool hostAllowed(QByteArray host, const QHostAddress &listening);
    //! The Origin and Sec-Fetch-Site headers say the request comes from a page of `host`.
    static bool isSameOrigin(const QByteArray &origin, const QByteArray &fetchSite,
                             const QByteArray &host);
    //! `given` (the X-QReload-Token header) is the session token; takes as long whatever
    //! prefix of it is right, so the token cannot be guessed byte by byte from response times.
    static bool tokenMatches(const QByteArray &given, const QString &token);

    static constexpr int MinimumTokenLength = 16;
    /*!
     * The session token: QRELOAD_TOKEN when it is set and long enough (scripts can then call the
     * POST endpoints without reading qreload's output), else a random one.
     */
    static QString makeSessionToken();
};

} // namespace qreload::app
