#pragma once

#include <QString>
#include <QUrl>

#include <optional>

namespace qreload::app {

/*!
 * How a running qreload tells `qreload reload` (another process, on the same project) where it
 * serves and which session token its POST endpoints take: `<project>/.qreload.session`, a small
 * JSON file (url, token, pid) that only its owner can read, written once the preview port is
 * open and removed when qreload stops. Beside `.qreload.lock`, for the same reasons (see
 * InstanceLock); its name starts with a dot, so source watching ignores it.
 */
class SessionFile
{
public:
    struct Session
    {
        QUrl url;
        QString token;
        qint64 pid = 0;
    };

    explicit SessionFile(QString projectDir);
    ~SessionFile(); //!< removes the file when this object wrote it

    SessionFile(const SessionFile &) = delete;
    SessionFile &operator=(const SessionFile &) = delete;

    //! Writes the file (owner read/write only). False, with *error naming the file, on failure.
    bool write(const QUrl &url, const QString &token, QString *error);
    /*!
     * Reads the session of the qreload running on `projectDir`. nullopt, with *error saying
     * why, when there is none: no file (no qreload runs there), a file that is not a session, or
     * one whose qreload is no longer running (killed before it could remove it).
     */
    static std::optional<Session> read(const QString &projectDir, QString *error);

    static QString fileName() { return QStringLiteral(".qreload.session"); }
    QString filePath() const;

private:
    QString m_projectDir;
    bool m_written = false;
};

} // namespace qreload::app
