#pragma once

#include "reloadrecord.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QTimer>

namespace qreload::app {

/*!
 * Runs one build command at a time with QProcess and reports it as a BuildInfo.
 *
 * The command runs in its own session and process group (setsid in the child), so cancel() and
 * the timeout stop the whole build — cmake, ninja and every compiler they started — with SIGTERM
 * to the group, then SIGKILL after a grace period; nothing of a stale build keeps writing into
 * the build tree while the next one starts. Output (stdout and stderr merged) is streamed line by
 * line through outputLine() and parsed into diagnostics when the build ends.
 *
 * Lives on the main thread; finished() is emitted exactly once per start(), also when the
 * program cannot be started (exit code -1) or when the build is cancelled or times out.
 */
class BuildRunner : public QObject
{
    Q_OBJECT

public:
    explicit BuildRunner(QObject *parent = nullptr);
    //! Kills a running build's process group and waits briefly for it.
    ~BuildRunner() override;

    /*!
     * Starts `arguments` (program first) in `workingDirectory`. `commandLine` is how the log shows
     * it. Returns false, without starting, when a build is still running.
     */
    bool start(const QStringList &arguments, const QString &workingDirectory, int timeoutMs,
               const QString &commandLine = {});
    //! Stops the running build (its whole process group). finished() follows, with cancelled set.
    void cancel();
    bool isRunning() const { return m_process != nullptr; }
    //! The process group of the running build (its leader's pid), 0 when none runs.
    qint64 processGroup() const;
    //! How long after SIGTERM the group gets SIGKILL.
    void setGracePeriodMs(int ms) { m_graceMs = ms; }

Q_SIGNALS:
    void started(const QString &commandLine);
    void outputLine(const QString &line);
    void finished(const qreload::app::BuildInfo &info);

private:
    void stop(bool timedOut);
    void onReadyRead();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onErrorOccurred(QProcess::ProcessError error);
    void finish(int exitCode);
    void signalGroup(int signal);
    void appendOutput(const QString &text);

    QProcess *m_process = nullptr;
    qint64 m_pid = 0;
    BuildInfo m_info;
    QByteArray m_partialLine;
    QElapsedTimer m_clock;
    QTimer m_timeout;
    QTimer m_grace;
    int m_graceMs = 1000;
    bool m_stopping = false;
};

} // namespace qreload::app
