#pragma once

#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

/*!
 * A `qreload --headless --log-format json` process for the install tests: its output, the URL it
 * serves and the reload records it printed. Stopped (SIGTERM) when destroyed.
 */
class HeadlessQReload : public QObject
{
    Q_OBJECT

public:
    explicit HeadlessQReload(QObject *parent = nullptr);
    ~HeadlessQReload() override;

    //! Starts `program --headless --log-format json --port 0 arguments...` in `workingDir`.
    void start(const QString &program, const QStringList &arguments, const QString &workingDir);
    //! The base URL from the "serving http://..." line; empty until it was printed.
    QString url() const;
    //! GET `path` on the served URL; the body, or an empty string when nothing answered.
    QString get(const QString &path);
    //! The reload records printed so far (one JSON object per line).
    QList<QJsonObject> records() const;
    //! How many of them failed because the build failed.
    int failedBuilds() const;
    //! Everything the process printed so far, stdout and stderr, for failure messages.
    QByteArray output() const { return m_output; }
    QProcess &process() { return m_process; }

private:
    QProcess m_process;
    QByteArray m_output;
    QNetworkAccessManager m_network;
};

//! Runs `program arguments` in `workingDir` to its end; false with its output in `*output` when it
//! failed or ran longer than `timeoutMs`.
bool runToEnd(const QString &program, const QStringList &arguments, const QString &workingDir,
              int timeoutMs, QByteArray *output);
