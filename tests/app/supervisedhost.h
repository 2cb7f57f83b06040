#pragma once

// A supervisor (HostProxy) with a real qreload-host child process, for tests that drive qreload
// as the console and headless mode do: through the proxy's signals and the preview port.

#include "hostproxy.h"
#include "httpclient.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <functional>

#include <memory>

class SupervisedHost
{
public:
    /*!
     * Starts a host on `pluginDirs` and waits for its first record. `configure` may change the
     * proxy's options last (the crash-loop window, say).
     */
    explicit SupervisedHost(QStringList pluginDirs, int quietPeriodMs = 30,
                            const std::function<void(qreload::app::HostProxy::Options &)> &configure
                            = {})
    {
        qreload::app::HostProxy::Options options;
        options.pluginDirs = std::move(pluginDirs);
        options.quietPeriodMs = quietPeriodMs;
        options.hostExecutable = QStringLiteral(QRELOAD_HOST_BINARY);
        if (configure)
            configure(options);
        proxy = std::make_unique<qreload::app::HostProxy>(options);
        QString error;
        if (!proxy->listen(&error))
            qFatal("cannot listen: %s", qPrintable(error));
        QObject::connect(proxy.get(), &qreload::app::HostProxy::reloadFinished,
                         [this](const qreload::app::ReloadRecord &r) { records.append(r); });
        proxy->start();
    }
    ~SupervisedHost() { proxy.reset(); }

    //! Waits until `count` records arrived (true) or 15 s passed.
    bool waitForRecords(qsizetype count)
    {
        return QTest::qWaitFor([&] { return records.size() >= count; }, 15000);
    }
    const qreload::app::ReloadRecord &last() const { return records.last(); }
    /*!
     * Waits for a record from index `from` on that satisfies `matches` (a save can make more than
     * one record on a busy machine: a removal seen before the new file, say). Returns its index,
     * or -1 after 15 s.
     */
    qsizetype waitFor(const std::function<bool(const qreload::app::ReloadRecord &)> &matches,
                      qsizetype from = 0)
    {
        qsizetype found = -1;
        [[maybe_unused]] const bool matched = QTest::qWaitFor(
            [&] {
                for (qsizetype i = from; i < records.size(); ++i) {
                    if (matches(records.at(i))) {
                        found = i;
                        return true;
                    }
                }
                return false;
            },
            15000);
        return found;
    }
    qsizetype waitForOutcome(qreload::app::ReloadOutcome outcome, qsizetype from = 0)
    {
        return waitFor(
            [outcome](const qreload::app::ReloadRecord &r) { return r.outcome == outcome; }, from);
    }

    HttpReply send(const QByteArray &method, const QString &path,
                   const QList<QPair<QByteArray, QByteArray>> &headers = {},
                   const QByteArray &body = {})
    {
        return sendHttp(network, proxy->url().resolved(QUrl(path)), method, headers, body);
    }
    HttpReply get(const QString &path) { return send("GET", path); }
    HttpReply post(const QString &path)
    {
        return send("POST", path, {{"X-QReload-Token", proxy->sessionToken().toLatin1()}});
    }

    std::unique_ptr<qreload::app::HostProxy> proxy;
    QList<qreload::app::ReloadRecord> records;
    QNetworkAccessManager network;
};
