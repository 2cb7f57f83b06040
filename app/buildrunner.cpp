#include "buildrunner.h"

#include "diagnosticparser.h"

#include <QLoggingCategory>

#include <csignal>
#include <sys/types.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcBuild, "qreload.build")

namespace qreload::app {

namespace {

//! Output kept in a BuildInfo; older output is dropped (the diagnostics come from all of it).
constexpr qsizetype MaximumOutput = 512 * 1024;

} // namespace

BuildRunner::BuildRunner(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<BuildInfo>();
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] { stop(true); });
    m_grace.setSingleShot(true);
    connect(&m_grace, &QTimer::timeout, this, [this] {
        qCWarning(lcBuild) << "build did not stop on SIGTERM; killing its process group";
        signalGroup(SIGKILL);
    });
}

BuildRunner::~BuildRunner()
{
    if (m_process) {
        m_process->disconnect(this);
        signalGroup(SIGKILL);
        m_process->waitForFinished(2000);
        delete m_process;
    }
}

bool BuildRunner::start(const QStringList &arguments, const QString &workingDirectory,
                        int timeoutMs, const QString &commandLine)
{
    if (m_process || arguments.isEmpty())
        return false;
    m_info = BuildInfo{};
    m_info.command = commandLine.isEmpty() ? arguments.join(QLatin1Char(' ')) : commandLine;
    m_info.workingDirectory = workingDirectory;
    m_partialLine.clear();
    m_stopping = false;
    m_pid = 0;

    m_process = new QProcess(this);
    m_process->setProgram(arguments.first());
    m_process->setArguments(arguments.mid(1));
    m_process->setWorkingDirectory(workingDirectory);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setStandardInputFile(QProcess::nullDevice());
    // Its own session and process group: a stale or hung build is stopped as a whole.
    m_process->setChildProcessModifier([] { ::setsid(); });
    connect(m_process, &QProcess::readyReadStandardOutput, this, &BuildRunner::onReadyRead);
    connect(m_process, &QProcess::finished, this, &BuildRunner::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, &BuildRunner::onErrorOccurred);
    connect(m_process, &QProcess::started, this, [this] { m_pid = m_process->processId(); });

    qCInfo(lcBuild).noquote() << "build:" << m_info.command;
    m_clock.start();
    m_process->start();
    if (timeoutMs > 0)
        m_timeout.start(timeoutMs);
    Q_EMIT started(m_info.command);
    return true;
}

qint64 BuildRunner::processGroup() const
{
    return m_process ? m_pid : 0;
}

void BuildRunner::cancel()
{
    stop(false);
}

void BuildRunner::stop(bool timedOut)
{
    if (!m_process || m_stopping)
        return;
    m_stopping = true;
    m_timeout.stop();
    if (timedOut)
        m_info.timedOut = true;
    else
        m_info.cancelled = true;
    if (m_pid > 0) {
        signalGroup(SIGTERM);
        m_grace.start(m_graceMs);
    } else {
        m_process->kill(); // not started yet: no group to signal
    }
}

void BuildRunner::signalGroup(int signal)
{
    if (m_pid > 0)
        ::kill(-pid_t(m_pid), signal);
}

void BuildRunner::appendOutput(const QString &text)
{
    m_info.output += text;
    if (m_info.output.size() > MaximumOutput)
        m_info.output.remove(0, m_info.output.size() - MaximumOutput);
}

void BuildRunner::onReadyRead()
{
    m_partialLine += m_process->readAllStandardOutput();
    qsizetype newline;
    while ((newline = m_partialLine.indexOf('\n')) >= 0) {
        QString line = QString::fromLocal8Bit(m_partialLine.left(newline));
        m_partialLine.remove(0, newline + 1);
        if (line.endsWith(QLatin1Char('\r')))
            line.chop(1);
        appendOutput(line + QLatin1Char('\n'));
        Q_EMIT outputLine(line);
    }
}

void BuildRunner::onErrorOccurred(QProcess::ProcessError error)
{
    if (error != QProcess::FailedToStart || !m_process)
        return;
    appendOutput(QStringLiteral("could not start %1: %2\n")
                     .arg(m_process->program(), m_process->errorString()));
    finish(-1);
}

void BuildRunner::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (!m_process)
        return;
    if (!m_partialLine.isEmpty()) {
        const QString line = QString::fromLocal8Bit(std::exchange(m_partialLine, {}));
        appendOutput(line + QLatin1Char('\n'));
        Q_EMIT outputLine(line);
    }
    if (m_stopping)
        signalGroup(SIGKILL); // whatever of the group outlived its leader
    finish(status == QProcess::NormalExit ? exitCode : -1);
}

void BuildRunner::finish(int exitCode)
{
    m_timeout.stop();
    m_grace.stop();
    m_info.exitCode = exitCode;
    m_info.ms = m_clock.nsecsElapsed() / 1e6;
    m_info.diagnostics = DiagnosticParser::parse(m_info.output, m_info.workingDirectory);
    QProcess *process = std::exchange(m_process, nullptr);
    process->disconnect(this);
    process->deleteLater();
    m_pid = 0;
    const BuildInfo info = std::move(m_info);
    if (info.cancelled)
        qCInfo(lcBuild).noquote() << "build cancelled after" << qRound(info.ms) << "ms";
    else if (info.timedOut)
        qCWarning(lcBuild).noquote() << "build timed out after" << qRound(info.ms) << "ms";
    else if (info.exitCode != 0)
        qCWarning(lcBuild).noquote()
            << "build failed with exit code" << info.exitCode << "after" << qRound(info.ms) << "ms";
    else
        qCInfo(lcBuild).noquote() << "build done in" << qRound(info.ms) << "ms";
    Q_EMIT finished(info);
}

} // namespace qreload::app
