#include "requestguard.h"

#include <QHostInfo>
#include <QList>
#include <QLoggingCategory>
#include <QNetworkInterface>
#include <QRandomGenerator>

#include <algorithm>

// The http library's category (the preview server, the standby server, the guard, the stream).
Q_LOGGING_CATEGORY(lcHttp, "qreload.http")

namespace qreload::app {

bool RequestGuard::hostAllowed(QByteArray host, const QHostAddress &listening)
{
    if (host.isEmpty())
        return false;
    const qsizetype colon = host.lastIndexOf(':');
    if (colon > 0 && !host.endsWith(']'))
        host.truncate(colon);
    host = host.toLower();
    static const QList<QByteArray> loopbackNames = {"127.0.0.1", "localhost", "[::1]"};
    if (loopbackNames.contains(host))
        return true;
    if (listening.isLoopback())
        return false;
    // Listening on a non-loopback address (--host 0.0.0.0, a LAN address) was an explicit choice
    // to be reached from other machines, by this machine's addresses or its name. Any other name
    // may be a DNS-rebinding attack and stays refused.
    if (host == QHostInfo::localHostName().toLower().toUtf8())
        return true;
    if (host.startsWith('[') && host.endsWith(']'))
        host = host.mid(1, host.size() - 2);
    QHostAddress address(QString::fromLatin1(host));
    if (address.isNull())
        return false;
    address.setScopeId(QString());
    if (address == listening)
        return true;
    const QList<QHostAddress> own = QNetworkInterface::allAddresses();
    return std::any_of(own.begin(), own.end(), [&](QHostAddress candidate) {
        candidate.setScopeId(QString());
        return candidate.isEqual(address, QHostAddress::TolerantConversion);
    });
}

bool RequestGuard::isSameOrigin(const QByteArray &origin, const QByteArray &fetchSite,
                                const QByteArray &host)
{
    // A cross-site page can send a simple POST here (a form), but not with our own origin: the
    // browser sets Origin, and Sec-Fetch-Site, itself.
    if (!fetchSite.isEmpty() && fetchSite != "same-origin")
        return false;
    return !origin.isEmpty() && origin == "http://" + host;
}

bool RequestGuard::tokenMatches(const QByteArray &given, const QString &token)
{
    const QByteArray expected = token.toLatin1();
    if (expected.isEmpty())
        return false;
    // Every byte is compared whatever the earlier ones were; only the length shows.
    unsigned difference = unsigned(given.size() ^ expected.size());
    for (qsizetype i = 0; i < given.size(); ++i)
        difference |= unsigned(uchar(given[i]) ^ uchar(expected[i % expected.size()]));
    return difference == 0;
}

QString RequestGuard::makeSessionToken()
{
    const QString fixed = qEnvironmentVariable("QRELOAD_TOKEN");
    if (fixed.size() >= MinimumTokenLength)
        return fixed;
    if (!fixed.isEmpty())
        qWarning("qreload: QRELOAD_TOKEN is shorter than %d characters; using a random token",
                 MinimumTokenLength);
    QByteArray token(16, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(token.data()),
                                         reinterpret_cast<quint32 *>(token.data() + token.size()));
    return QString::fromLatin1(token.toHex());
}

} // namespace qreload::app
