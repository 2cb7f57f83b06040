#pragma once

// One HTTP request from a test, answered or given up after 15 s: what the preview server said.

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>

struct HttpReply
{
    int status = 0; //!< 0: no answer
    QByteArray body;
    QByteArray generation; //!< X-QReload-Generation
    QByteArray contentType;
};

inline HttpReply sendHttp(QNetworkAccessManager &network, const QUrl &url, const QByteArray &method,
                          const QList<QPair<QByteArray, QByteArray>> &headers = {},
                          const QByteArray &body = {})
{
    QNetworkRequest request(url);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply *reply = network.sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(15000);
    HttpReply out;
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.body = reply->readAll();
    out.generation = reply->rawHeader("X-QReload-Generation");
    out.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    reply->deleteLater();
    return out;
}
