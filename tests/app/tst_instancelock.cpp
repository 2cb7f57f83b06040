// One qreload per project, as a user meets it: the real executable started twice on one project.

#include "instancelock.h"

#include <fixturepaths.h>

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QLockFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace qreload::app;

class tst_InstanceLock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void secondInstanceExitsWithCodeFour();
    void forceRunsBesideTheFirst();
    void staleLockOfADeadProcessIsTakenOver();
    void lockIsGoneAfterACleanStop();
    void lockInProcess();

private:
    //! Starts qreload on the project and waits until it serves.
    std::unique_ptr<QProcess> startQreload(const QStringList &extra = {});
    QString lockFile() const { return m_dir->filePath(InstanceLock::fileName()); }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::vector<std::unique_ptr<QProcess>> m_processes;
};

void tst_InstanceLock::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("plugins")));
    QVERIFY(QFile::copy(fixtures::plugin("greeter_v1"),
                        m_dir->filePath(QStringLiteral("plugins/greeter.so"))));
    QFile config(m_dir->filePath(QStringLiteral("qreload.json")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(R"({ "plugins": "plugins", "port": 0 })");
}

void tst_InstanceLock::cleanup()
{
    for (auto &process : m_processes) {
        if (process->state() != QProcess::NotRunning) {
            process->terminate();
            process->waitForFinished(5000);
        }
    }
    m_processes.clear();
    m_dir.reset();
}

std::unique_ptr<QProcess> tst_InstanceLock::startQreload(const QStringList &extra)
{
    auto process = std::make_unique<QProcess>();
    process->setProcessChannelMode(QProcess::MergedChannels);
    process->start(QStringLiteral(QRELOAD_BINARY),
                   QStringList{QStringLiteral("--headless")} + extra + QStringList{m_dir->path()});
    if (!process->waitForStarted())
        return nullptr;
    QString output;
    QDeadlineTimer deadline(20000);
    while (!output.contains(QStringLiteral(" serving http://")) && !deadline.hasExpired()
           && process->state() == QProcess::Running) {
        process->waitForReadyRead(100);
        output += QString::fromUtf8(process->readAll());
    }
    process->setProperty("output", output);
    if (!output.contains(QStringLiteral(" serving http://"))) {
        qWarning().noquote() << "qreload did not serve:" << output;
        return nullptr;
    }
    return process;
}

void tst_InstanceLock::secondInstanceExitsWithCodeFour()
{
    auto first = startQreload();
    QVERIFY(first);
    QVERIFY(QFile::exists(lockFile()));

    QProcess second;
    second.start(QStringLiteral(QRELOAD_BINARY),
                 {QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("0"),
                  m_dir->path()});
    QVERIFY(second.waitForFinished(20000));
    QCOMPARE(second.exitStatus(), QProcess::NormalExit);
    QCOMPARE(second.exitCode(), InstanceLock::AlreadyRunningExitCode);
    QCOMPARE(QString::fromUtf8(second.readAllStandardError()),
             QStringLiteral("qreload is already running on %1 (pid %2); stop it or use --force\n")
                 .arg(m_dir->path())
                 .arg(first->processId()));
    QVERIFY(second.readAllStandardOutput().isEmpty()); // it served nothing
    QCOMPARE(first->state(), QProcess::Running);       // and the first is untouched
    m_processes.push_back(std::move(first));
}

void tst_InstanceLock::forceRunsBesideTheFirst()
{
    auto first = startQreload();
    QVERIFY(first);
    auto second = startQreload({QStringLiteral("--force")});
    QVERIFY(second);
    const QString output = second->property("output").toString();
    QVERIFY2(
        output.contains(
            QStringLiteral("--force: running beside the qreload (pid %1)").arg(first->processId())),
        qPrintable(output));
    m_processes.push_back(std::move(first));
    m_processes.push_back(std::move(second));
}

void tst_InstanceLock::staleLockOfADeadProcessIsTakenOver()
{
    auto first = startQreload();
    QVERIFY(first);
    const qint64 deadPid = first->processId();
    first->kill(); // SIGKILL: no chance to remove its lock
    QVERIFY(first->waitForFinished(5000));
    QVERIFY(QFile::exists(lockFile()));

    auto second = startQreload();
    QVERIFY(second);
    const QString output = second->property("output").toString();
    QVERIFY2(output.contains(QStringLiteral("took over the lock of a qreload (pid %1) that is no "
                                            "longer running on %2")
                                 .arg(deadPid)
                                 .arg(m_dir->path())),
             qPrintable(output));
    m_processes.push_back(std::move(second));
}

void tst_InstanceLock::lockIsGoneAfterACleanStop()
{
    auto first = startQreload();
    QVERIFY(first);
    QVERIFY(QFile::exists(lockFile()));
    // Its first reload is done once it handles SIGTERM (installed after "serving" is printed).
    QString output = first->property("output").toString();
    QDeadlineTimer deadline(20000);
    while (!output.contains(QStringLiteral("reload #1")) && !deadline.hasExpired()) {
        first->waitForReadyRead(100);
        output += QString::fromUtf8(first->readAll());
    }
    QVERIFY2(output.contains(QStringLiteral("reload #1")), qPrintable(output));
    first->terminate();
    QVERIFY(first->waitForFinished(10000));
    QCOMPARE(first->exitStatus(), QProcess::NormalExit);
    QCOMPARE(first->exitCode(), 0);
    QVERIFY(!QFile::exists(lockFile()));
}

// The class on its own: a lock held in this process refuses a second one and names this PID.
void tst_InstanceLock::lockInProcess()
{
    InstanceLock first(m_dir->path());
    QCOMPARE(first.acquire(), InstanceLock::Outcome::Acquired);
    QVERIFY(first.message().isEmpty());
    InstanceLock second(m_dir->path() + QStringLiteral("/plugins/.."));
    QCOMPARE(second.acquire(), InstanceLock::Outcome::HeldByOther);
    QCOMPARE(second.pid(), QCoreApplication::applicationPid());
    QVERIFY2(second.message().contains(m_dir->path() + QStringLiteral(" (pid")),
             qPrintable(second.message()));

    // A lock older than QLockFile's default 30 s stale time is still held: age is no reason.
    QFile lock(lockFile());
    QVERIFY(lock.open(QIODevice::ReadWrite));
    QVERIFY(lock.setFileTime(QDateTime::currentDateTime().addSecs(-3600),
                             QFileDevice::FileModificationTime));
    lock.close();
    InstanceLock third(m_dir->path());
    QCOMPARE(third.acquire(), InstanceLock::Outcome::HeldByOther);

    // A folder that cannot hold a lock is not fatal.
    InstanceLock nowhere(QStringLiteral("/proc/no-such-project"));
    QCOMPARE(nowhere.acquire(), InstanceLock::Outcome::Unavailable);
    QVERIFY(!nowhere.message().isEmpty());
}

QTEST_GUILESS_MAIN(tst_InstanceLock)
#include "tst_instancelock.moc"
