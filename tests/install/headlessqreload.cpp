#include "headlessqreload.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QRegularExpression>

HeadlessQReload::HeadlessQReload(QObject *parent)
    : QObject(parent)
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    connect(&m_process, &QProcess::readyReadStandardOutput, this,
            [this] { m_output += m_process.readAllStandardOutput(); });
}

HeadlessQReload::~HeadlessQReload()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
        if (!m_process.waitForFinished(10000))
            m_process.kill();
    }
}

void HeadlessQReload::start(const QString &program, const QStringList &arguments,
                            const QString &workingDir)
{
    m_process.setWorkingDirectory(workingDir);
    m_process.start(program, QStringList{QStringLiteral("--headless"),
                                         QStringLiteral("--log-format"), QStringLiteral("json"),
                                         QStringLiteral("--port"), QStringLiteral("0")}
                                 + arguments);
}

QString HeadlessQReload::url() const
{
    static const QRegularExpression serving(QStringLiteral("serving (http://[^/ ]+)/"));
    return serving.match(QString::fromUtf8(m_output)).captured(1);
}

QString HeadlessQReload::get(const QString &path)
{
    if (url().isEmpty())
        return {};
    QNetworkReply *reply = m_network.get(QNetworkRequest(QUrl(url() + path)));
    QEventLoop loop;
    connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QString body = QString::fromUtf8(reply->readAll());
    reply->deleteLater();
    return body;
}

QList<QJsonObject> HeadlessQReload::records() const
{
    QList<QJsonObject> list;
    for (const QByteArray &line : m_output.split('\n')) {
        if (line.startsWith('{'))
            list.append(QJsonDocument::fromJson(line).object());
    }
    return list;
}

int HeadlessQReload::failedBuilds() const
{
    int n = 0;
    for (const QJsonObject &record : records()) {
        const QJsonObject build = record.value(QLatin1String("build")).toObject();
        n += record.value(QLatin1String("outcome")).toString() == QLatin1String("failed")
             && build.value(QLatin1String("exitCode")).toInt() != 0;
    }
    return n;
}

bool runToEnd(const QString &program, const QStringList &arguments, const QString &workingDir,
              int timeoutMs, QByteArray *output)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setWorkingDirectory(workingDir);
    process.start(program, arguments);
    const bool finished = process.waitForFinished(timeoutMs);
    *output = QByteArray(program.toUtf8() + ' ' + arguments.join(QLatin1Char(' ')).toUtf8() + '\n'
                         + process.readAll());
    if (!finished) {
        process.kill();
        process.waitForFinished();
        output->append("\n(stopped after " + QByteArray::number(timeoutMs) + " ms)");
        return false;
    }
    return process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}
