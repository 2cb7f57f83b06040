#include "sessionfile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>
#include <csignal>

namespace qreload::app {

SessionFile::SessionFile(QString projectDir)
    : m_projectDir(std::move(projectDir))
{}

SessionFile::~SessionFile()
{
    if (!m_written)
        return;
    // Only our own: a qreload started later with --force on the same project wrote its own.
    QFile file(filePath());
    if (file.open(QIODevice::ReadOnly)
        && QJsonDocument::fromJson(file.readAll()).object().value(QLatin1String("pid")).toInteger()
               == QCoreApplication::applicationPid()) {
        file.close();
        file.remove();
    }
}

QString SessionFile::filePath() const
{
    return QDir(m_projectDir).filePath(fileName());
}

bool SessionFile::write(const QUrl &url, const QString &token, QString *error)
{
    const QByteArray json
        = QJsonDocument(QJsonObject{
                            {QLatin1String("url"), url.toString()},
                            {QLatin1String("token"), token},
                            {QLatin1String("pid"), QCoreApplication::applicationPid()},
                        })
              .toJson(QJsonDocument::Compact);
    // The token guards the POST endpoints against other users: the file is the owner's alone,
    // from its first byte (created anew with those permissions; a stale one goes first).
    QFile::remove(filePath());
    QFile file(filePath());
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                   QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(json) != json.size() || !file.flush()) {
        *error = QStringLiteral("cannot write %1: %2").arg(filePath(), file.errorString());
        return false;
    }
    m_written = true;
    return true;
}

std::optional<SessionFile::Session> SessionFile::read(const QString &projectDir, QString *error)
{
    const QString path = QDir(projectDir).filePath(fileName());
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.exists() ? QStringLiteral("cannot read %1: %2").arg(path, file.errorString())
                               : QStringLiteral("no qreload runs on %1 (it has no %2)")
                                     .arg(QDir::toNativeSeparators(projectDir), fileName());
        return std::nullopt;
    }
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    Session session{QUrl(json.value(QLatin1String("url")).toString()),
                    json.value(QLatin1String("token")).toString(),
                    json.value(QLatin1String("pid")).toInteger()};
    if (!session.url.isValid() || session.url.isEmpty() || session.token.isEmpty()
        || session.pid <= 0) {
        *error = QStringLiteral("%1 is not a qreload session file (it needs url, token and pid)")
                     .arg(path);
        return std::nullopt;
    }
    if (::kill(pid_t(session.pid), 0) != 0 && errno == ESRCH) {
        *error = QStringLiteral("the qreload that wrote %1 (pid %2) is no longer running")
                     .arg(path)
                     .arg(session.pid);
        return std::nullopt;
    }
    return session;
}

} // namespace qreload::app
