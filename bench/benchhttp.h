#pragma once

// One blocking HTTP/1.1 request for the benchmarks that time a served answer (reloadbench,
// scalebench): no event loop, no QNetworkAccessManager in the measured path.

#include <QByteArray>
#include <QRegularExpression>
#include <QString>
#include <QTcpSocket>

namespace bench {

/*!
 * Sends `method target` to 127.0.0.1:port (with `token` as X-QReload-Token when given) and
 * returns the body once Content-Length bytes of it are in (QHttpServer keeps the socket open);
 * an empty array when nothing answered within `timeoutMs` of silence.
 */
inline QByteArray httpRequest(quint16 port, const QByteArray &method, const QByteArray &target,
                              const QByteArray &token = {}, int timeoutMs = 5000)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForConnected(1000))
        return {};
    QByteArray head
        = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!token.isEmpty())
        head += "X-QReload-Token: " + token + "\r\nContent-Length: 0\r\n";
    socket.write(head + "\r\n");
    static const QRegularExpression lengthHeader(QStringLiteral("(?i)content-length:\\s*(\\d+)"));
    QByteArray response;
    while (socket.waitForReadyRead(timeoutMs)) {
        response += socket.readAll();
        const qsizetype body = response.indexOf("\r\n\r\n");
        if (body < 0)
            continue;
        const QRegularExpressionMatch m
            = lengthHeader.match(QString::fromLatin1(response.left(body)));
        if (m.hasMatch() && response.size() - body - 4 >= m.captured(1).toLongLong())
            return response.mid(body + 4);
    }
    return {};
}

} // namespace bench
