// The supervisor and its host process: a crash in plugin code is a failed reload, the previous
// code serves again, and qreload itself never goes down.

#include "pluginfolder.h"
#include "supervisedhost.h"

#include <crashreport.h>
#include <generationsnapshot.h>
#include <hostchannel.h>

#include <QCborArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>

using namespace qreload;
using namespace qreload::app;

class tst_HostProcess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void servesFromAChildProcess();
    void reloadAllReachesTheHost();
    void hostSendsGenerationDeltas();
    void crashDuringReloadRollsBack_data();
    void crashDuringReloadRollsBack();
    void crashedBytesAreNotRetried();
    void crashWhileServingAnswers502();
    void undefinedSymbolIsALoadError();
    void crashLoopStopsRestartsUntilRestartedByHand();
    void crashesFurtherApartThanTheWindowAreNoLoop();
    void logSurvivesTheHost();
    void strayThreadNeverTakesTheSupervisorDown();
    void stackOverflowInAPluginThreadIsCaptured_data();
    void stackOverflowInAPluginThreadIsCaptured();
    void smashedStackStillAnswers502WithTheMaps();
    void crashInAnInvokedMethodAnswers502NamingTheComponent();
    void hostsOwnExitIsNotACrash_data();
    void hostsOwnExitIsNotACrash();

private:
    static void startOwnHost(QProcess &host, QLocalServer &local, QTcpServer &listener,
                             const QTemporaryDir &runtime, const QStringList &extraArguments = {});
    void startOn(const char *variant,
                 const std::function<void(HostProxy::Options &)> &configure = {});

    std::unique_ptr<PluginFolder> m_folder;
    std::unique_ptr<SupervisedHost> m_host;
};

void tst_HostProcess::init()
{
    m_folder = std::make_unique<PluginFolder>();
}

void tst_HostProcess::cleanup()
{
    m_host.reset();
    m_folder.reset();
}

void tst_HostProcess::startOn(const char *variant,
                              const std::function<void(HostProxy::Options &)> &configure)
{
    m_folder->putFixture(variant);
    m_host = std::make_unique<SupervisedHost>(QStringList{m_folder->path()}, 30, configure);
    QVERIFY(m_host->waitForRecords(1));
    QVERIFY2(m_host->last().ok(), qPrintable(m_host->last().errorText()));
    QTRY_COMPARE(m_host->proxy->hostState(), HostProxy::HostState::Running);
}

void tst_HostProcess::servesFromAChildProcess()
{
    startOn("greeter_v1");
    QCOMPARE(m_host->get(QStringLiteral("/")).body, QByteArray("<h1>Hello, Version 1!</h1>"));
    // The plugin runs in the host, not here.
    QCOMPARE(mappingsOf(QStringLiteral("greeter")), 0);
    QVERIFY(m_host->proxy->hostPid() > 0);
    QVERIFY(m_host->proxy->hostPid() != QCoreApplication::applicationPid());
    const QJsonObject status
        = QJsonDocument::fromJson(m_host->get(QStringLiteral("/_qreload/status")).body).object();
    QCOMPARE(
        status.value(QLatin1String("host")).toObject().value(QLatin1String("state")).toString(),
        QStringLiteral("running"));
    QCOMPARE(status.value(QLatin1String("host")).toObject().value(QLatin1String("pid")).toInteger(),
             m_host->proxy->hostPid());
    QCOMPARE(m_host->proxy->generation().components.size(), 1);
    QCOMPARE(m_host->proxy->generation().components.first().key,
             QStringLiteral("app.services.MyService"));
}

void tst_HostProcess::reloadAllReachesTheHost()
{
    // The console's and the CLI's "Reload all" go through the proxy and the channel to the
    // host's engine; the record that comes back says what it rebuilt.
    startOn("greeter_v1");
    m_host->proxy->reloadNow(ReloadCause::Manual, ReloadScope::All);
    const qsizetype all
        = m_host->waitFor([](const ReloadRecord &r) { return r.cause == ReloadCause::Manual; }, 1);
    QVERIFY(all > 0);
    QVERIFY2(m_host->records.at(all).ok(), qPrintable(m_host->records.at(all).errorText()));
    QCOMPARE(m_host->records.at(all).scope, ReloadScope::All);
    QVERIFY(m_host->records.at(all).kept.isEmpty());

    m_host->proxy->reloadNow(ReloadCause::Manual);
    const qsizetype changed = m_host->waitFor(
        [](const ReloadRecord &r) { return r.cause == ReloadCause::Manual; }, all + 1);
    QVERIFY(changed > all);
    QCOMPARE(m_host->records.at(changed).scope, ReloadScope::Changed);
    QVERIFY(m_host->get(QStringLiteral("/")).body.startsWith("<h1>Hello, Version 1!</h1>"));

    // After each reload the host sent a delta of its generation snapshot; the supervisor's copy
    // is the host's own, as its status shows it.
    m_folder->putFixture("greeter_v2");
    QVERIFY(m_host->waitFor([](const ReloadRecord &r) { return r.cause == ReloadCause::Files; },
                            changed + 1)
            > changed);
    QTRY_VERIFY(m_host->get(QStringLiteral("/")).body.contains("This is Version 2!"));
    QJsonObject hostStatus
        = QJsonDocument::fromJson(m_host->get(QStringLiteral("/_qreload/status")).body).object();
    QTRY_COMPARE(m_host->proxy->generationNumber(),
                 quint64(hostStatus.value(QLatin1String("generation")).toInteger()));
    const QJsonObject mirrored = m_host->proxy->generation().statusJson();
    for (const QString &field :
         {QStringLiteral("generation"), QStringLiteral("components"), QStringLiteral("plugins")})
        QCOMPARE(mirrored.value(field), hostStatus.value(field));
}

//! Starts qreload-host with the test as its supervisor: on a local channel in `runtime` and the
//! inherited socket of `listener` (paused), plus `extraArguments`; returns once it connected.
void tst_HostProcess::startOwnHost(QProcess &host, QLocalServer &local, QTcpServer &listener,
                                   const QTemporaryDir &runtime, const QStringList &extraArguments)
{
    QVERIFY(local.listen(runtime.filePath(QStringLiteral("channel"))));
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    const int fd = int(listener.socketDescriptor());
    listener.pauseAccepting();
    host.setProcessChannelMode(QProcess::ForwardedChannels);
    host.setChildProcessModifier(
        [fd] { ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) & ~FD_CLOEXEC); });
    host.start(QStringLiteral(QRELOAD_HOST_BINARY),
               QStringList{QStringLiteral("--connect"), local.fullServerName(),
                           QStringLiteral("--listen-fd"), QString::number(fd)}
                   + extraArguments);
    QVERIFY(local.waitForNewConnection(10000));
}

void tst_HostProcess::hostSendsGenerationDeltas()
{
    // A supervisor of our own, to see the channel's messages: after the first generation the
    // host sends deltas of the snapshot it sent before, and a whole one when asked.
    m_folder->putFixture("greeter_v1");
    QTemporaryDir runtime;
    QLocalServer local;
    QTcpServer listener;
    QProcess host;
    startOwnHost(host, local, listener, runtime);
    if (QTest::currentTestFailed())
        return;
    HostChannel channel(local.nextPendingConnection());
    QList<QCborMap> generations;
    QObject::connect(&channel, &HostChannel::received, [&](const QCborMap &m) {
        if (m.value(QStringLiteral("type")).toString() == HostProtocol::Generation)
            generations.append(m);
    });
    const std::optional<QCborMap> hello = channel.waitForMessage(10000);
    QVERIFY(hello);
    QCOMPARE(hello->value(QStringLiteral("version")).toInteger(), HostProtocol::Version);
    channel.send(QCborMap{
        {QStringLiteral("type"), HostProtocol::Configure},
        {QStringLiteral("version"), HostProtocol::Version},
        {QStringLiteral("pluginDirs"), QCborArray{m_folder->path()}},
        {QStringLiteral("quietPeriodMs"), 30},
        {QStringLiteral("shadowRoot"), runtime.filePath(QStringLiteral("shadow"))},
        {QStringLiteral("host"), QStringLiteral("127.0.0.1")},
    });
    channel.flush();

    QTRY_COMPARE_WITH_TIMEOUT(generations.size(), 1, 10000);
    QVERIFY(generations.at(0).contains(QStringLiteral("snapshot")));
    GenerationSnapshot mirror
        = GenerationSnapshot::fromCbor(generations.at(0).value(QStringLiteral("snapshot")).toMap());
    QCOMPARE(mirror.number, 1u);
    const QByteArray firstHash = mirror.plugins.value(0).contentHash;

    m_folder->putFixture("greeter_v2");
    QTRY_COMPARE_WITH_TIMEOUT(generations.size(), 2, 10000);
    QVERIFY(generations.at(1).contains(QStringLiteral("delta")));
    const QCborMap delta = generations.at(1).value(QStringLiteral("delta")).toMap();
    QCOMPARE(delta.value(QStringLiteral("base")).toInteger(), 1);
    QVERIFY(mirror.applyDeltaCbor(delta));
    QCOMPARE(mirror.number, 2u);
    QCOMPARE(mirror.components.size(), 1);
    QCOMPARE(mirror.plugins.size(), 1);
    QVERIFY(mirror.plugins.first().contentHash != firstHash); // greeter_v2's bytes

    channel.send(QCborMap{{QStringLiteral("type"), HostProtocol::ResendGeneration}});
    QTRY_COMPARE_WITH_TIMEOUT(generations.size(), 3, 10000);
    QVERIFY(generations.at(2).contains(QStringLiteral("snapshot")));
    QVERIFY(
        GenerationSnapshot::fromCbor(generations.at(2).value(QStringLiteral("snapshot")).toMap())
        == mirror);

    channel.send(QCborMap{{QStringLiteral("type"), HostProtocol::Quit}});
    channel.flush();
    QVERIFY(host.waitForFinished(10000));
}

void tst_HostProcess::crashDuringReloadRollsBack_data()
{
    QTest::addColumn<QByteArray>("variant");
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("frame"); // a function the backtrace must name
    QTest::newRow("null dereference") << QByteArray("crash_null_ctor") << "SIGSEGV"
                                      << "MyService::MyService";
    QTest::newRow("abort") << QByteArray("crash_abort_ctor") << "SIGABRT"
                           << "MyService::MyService";
    QTest::newRow("exit(0)") << QByteArray("crash_exit_ctor") << "exit code 0"
                             << "MyService::MyService";
    QTest::newRow("stack overflow") << QByteArray("crash_stack_overflow") << "SIGSEGV"
                                    << "recurse";
    QTest::newRow("terminate from noexcept") << QByteArray("crash_terminate") << "SIGABRT"
                                             << "MyService::MyService";
}

void tst_HostProcess::crashDuringReloadRollsBack()
{
    QFETCH(QByteArray, variant);
    QFETCH(QString, what);
    QFETCH(QString, frame);
    startOn("greeter_v1");
    const qint64 firstPid = m_host->proxy->hostPid();

    m_folder->putFixture(variant.constData());
    const qsizetype at = m_host->waitForOutcome(ReloadOutcome::Crashed);
    QVERIFY(at > 0);
    const ReloadRecord crashed = m_host->records.at(at);
    QCOMPARE(crashed.outcome, ReloadOutcome::Crashed);
    QVERIFY(crashed.crash);
    QCOMPARE(crashed.crash->what(), what);
    QCOMPARE(crashed.crash->phase, QStringLiteral("construct"));
    QVERIFY2(crashed.errorText().contains(what), qPrintable(crashed.errorText()));
    QVERIFY2(crashed.errorText().contains(QLatin1String("greeter.so")),
             qPrintable(crashed.errorText()));
    QVERIFY2(crashed.decision.contains(QLatin1String("state that lived only in the dead host is "
                                                     "lost"),
                                       Qt::CaseInsensitive),
             qPrintable(crashed.decision));
    QVERIFY2(crashed.crash->backtrace.join(QLatin1Char('\n')).contains(frame),
             qPrintable(crashed.crash->backtrace.join(QLatin1Char('\n'))));
    QCOMPARE(crashed.generationBefore, 1u);

    // A new host serves the code that worked, as a new generation.
    const qsizetype restarted = m_host->waitForOutcome(ReloadOutcome::Succeeded, at + 1);
    QVERIFY(restarted > at);
    QVERIFY(
        m_host->records.at(restarted).decision.contains(QLatin1String("last plugins that worked")));
    QCOMPARE(m_host->records.at(restarted).generationAfter, 2u);
    QCOMPARE(m_host->get(QStringLiteral("/")).body, QByteArray("<h1>Hello, Version 1!</h1>"));
    QVERIFY(m_host->proxy->hostPid() != firstPid);
}

void tst_HostProcess::crashedBytesAreNotRetried()
{
    startOn("greeter_v1");
    m_folder->putFixture("crash_null_ctor");
    const qsizetype crashed = m_host->waitForOutcome(ReloadOutcome::Crashed);
    QVERIFY(crashed > 0);
    const qsizetype restarted = m_host->waitForOutcome(ReloadOutcome::Succeeded, crashed + 1);
    QVERIFY(restarted > crashed);
    // Another plugin appears: the crashing bytes stay out, the previous greeter serves on.
    m_folder->putFixture("inspectable", PluginFolder::Write::Linker, QStringLiteral("other.so"));
    const qsizetype other = m_host->waitFor(
        [](const ReloadRecord &r) { return r.ok() && r.files.join(' ').contains("other.so"); },
        restarted + 1);
    QVERIFY(other > restarted);
    QVERIFY2(m_host->records.at(other).decision.contains(
                 QLatin1String("greeter.so not loaded: these bytes crashed the last host")),
             qPrintable(m_host->records.at(other).decision));
    QCOMPARE(m_host->proxy->crashCount(), 1);
    QCOMPARE(m_host->get(QStringLiteral("/")).body, QByteArray("<h1>Hello, Version 1!</h1>"));
    // New bytes get their chance.
    m_folder->putFixture("greeter_v2");
    QTRY_COMPARE_WITH_TIMEOUT(m_host->get(QStringLiteral("/")).body,
                              QByteArray("<h1>This is Version 2!</h1>"), 10000);
}

void tst_HostProcess::crashWhileServingAnswers502()
{
    startOn("greeter_v1");
    m_folder->putFixture("crash_route_segv");
    QVERIFY(m_host->waitFor([](const ReloadRecord &r) { return r.ok() && r.generationAfter == 2; })
            > 0);

    const HttpReply crashed = m_host->get(QStringLiteral("/"));
    QCOMPARE(crashed.status, 502);
    QVERIFY2(crashed.body.contains("SIGSEGV"), crashed.body.constData());
    QVERIFY(crashed.body.contains("GET /"));
    const qsizetype at = m_host->waitForOutcome(ReloadOutcome::Crashed);
    QVERIFY(at > 0);
    const ReloadRecord record = m_host->records.at(at);
    QCOMPARE(record.cause, ReloadCause::Crash);
    QCOMPARE(record.crash->phase, QStringLiteral("serving"));
    QCOMPARE(record.crash->request, QStringLiteral("GET /"));
    QVERIFY2(record.crash->backtrace.join(QLatin1Char('\n')).contains(QLatin1String("MyService")),
             qPrintable(record.crash->backtrace.join(QLatin1Char('\n'))));
    // Plugins have line tables by default: the plugin's own frames name file:line.
    static const QRegularExpression pluginLine(
        QStringLiteral(R"(dereferenceNull\(\) at greeter\.cpp:\d+ \(greeter\.so\)$)"));
    QVERIFY2(!record.crash->backtrace.filter(pluginLine).isEmpty(),
             qPrintable(record.crash->backtrace.join(QLatin1Char('\n'))));
    // The host restarts on the current plugins: everything but the crashing route answers.
    QVERIFY(m_host->waitForOutcome(ReloadOutcome::Succeeded, at + 1) > at);
    QCOMPARE(m_host->get(QStringLiteral("/_qreload/status")).status, 200);
}

void tst_HostProcess::undefinedSymbolIsALoadError()
{
    startOn("greeter_v1");
    m_folder->putFixture("crash_undefined_symbol");
    // Not a crash: the loader refuses it.
    const qsizetype at = m_host->waitForOutcome(ReloadOutcome::Failed);
    QVERIFY(at > 0);
    const ReloadRecord failed = m_host->records.at(at);
    QVERIFY2(failed.errorText().contains(QLatin1String("connectToDatabase()")),
             qPrintable(failed.errorText()));
    QVERIFY2(failed.errorText().contains(QLatin1String("greeter.so")),
             qPrintable(failed.errorText()));
    QCOMPARE(m_host->get(QStringLiteral("/")).body, QByteArray("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(m_host->proxy->crashCount(), 0);
}

void tst_HostProcess::crashLoopStopsRestartsUntilRestartedByHand()
{
    // A window no busy machine outlasts: the third crash is within it however slow the restarts.
    startOn("crash_route_segv", [](HostProxy::Options &o) { o.crashLoopWindowMs = 600000; });
    // Each GET crashes the host (502); the third crash within the window stops the restarts. (A
    // client may retry a GET whose connection the dying host closed, so count crashes, not GETs.)
    for (int request = 0;
         request < 6 && m_host->proxy->hostState() != HostProxy::HostState::Stopped; ++request) {
        const int crashes = m_host->proxy->crashCount();
        QCOMPARE(m_host->get(QStringLiteral("/")).status, 502);
        QVERIFY(QTest::qWaitFor(
            [&] {
                return m_host->proxy->crashCount() > crashes
                       && m_host->proxy->hostState() != HostProxy::HostState::Starting;
            },
            15000));
    }
    QCOMPARE(m_host->proxy->hostState(), HostProxy::HostState::Stopped);
    QCOMPARE(m_host->proxy->crashCount(), 3);
    QVERIFY(m_host->proxy->hostStateText().contains(QLatin1String("3 crashes within 600 s")));
    QVERIFY(m_host->last().crash->restart.contains(QLatin1String("not restarted")));

    // The supervisor answers on the port meanwhile: status says so, pages get a 503.
    const QJsonObject status
        = QJsonDocument::fromJson(m_host->get(QStringLiteral("/_qreload/status")).body).object();
    QVERIFY(
        status.value(QLatin1String("host")).toObject().value(QLatin1String("crashLoop")).toBool());
    QCOMPARE(status.value(QLatin1String("serving")).toBool(true), false);
    const HttpReply page = m_host->get(QStringLiteral("/"));
    QCOMPARE(page.status, 503);
    QVERIFY2(page.body.contains("SIGSEGV"), page.body.constData());
    QCOMPARE(m_host->send("POST", QStringLiteral("/_qreload/restart")).status, 403);

    // Fixed code, then a restart by hand.
    m_folder->putFixture("greeter_v2");
    QCOMPARE(m_host->post(QStringLiteral("/_qreload/restart")).status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(m_host->proxy->hostState(), HostProxy::HostState::Running, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_host->get(QStringLiteral("/")).body,
                              QByteArray("<h1>This is Version 2!</h1>"), 10000);
}

void tst_HostProcess::crashesFurtherApartThanTheWindowAreNoLoop()
{
    // A window shorter than any restart: every crash is alone in it, so the host always
    // restarts, however many crashes there are.
    startOn("crash_route_segv", [](HostProxy::Options &o) { o.crashLoopWindowMs = 1; });
    for (int crash = 1; crash <= 4; ++crash) {
        QCOMPARE(m_host->get(QStringLiteral("/")).status, 502);
        QVERIFY(QTest::qWaitFor(
            [&] {
                return m_host->proxy->crashCount() >= crash
                       && m_host->proxy->hostState() == HostProxy::HostState::Running;
            },
            15000));
    }
    QVERIFY(m_host->proxy->crashCount() >= 4);
    QVERIFY(m_host->last().crash->restart.contains(QLatin1String("restarted on the current")));
}

void tst_HostProcess::logSurvivesTheHost()
{
    startOn("greeter_v1");
    m_folder->putFixture("crash_null_ctor");
    const qsizetype crashed = m_host->waitForOutcome(ReloadOutcome::Crashed);
    QVERIFY(m_host->waitForOutcome(ReloadOutcome::Succeeded, crashed + 1) > crashed);
    const QJsonArray log
        = QJsonDocument::fromJson(m_host->get(QStringLiteral("/_qreload/log")).body).array();
    QCOMPARE(log.size(), m_host->records.size());
    QStringList outcomes;
    quint64 previousId = 0;
    for (const QJsonValue &record : log) {
        outcomes.append(record.toObject().value(QLatin1String("outcome")).toString());
        const quint64 id = quint64(record.toObject().value(QLatin1String("id")).toInteger());
        QVERIFY(id > previousId);
        previousId = id;
    }
    QCOMPARE(outcomes.first(), QStringLiteral("ok"));
    QCOMPARE(outcomes.at(crashed), QStringLiteral("crashed"));
    QCOMPARE(outcomes.last(), QStringLiteral("ok"));
    QVERIFY(!log.at(crashed).toObject().value(QLatin1String("crash")).toObject().isEmpty());
}

void tst_HostProcess::strayThreadNeverTakesTheSupervisorDown()
{
    startOn("crash_stray_thread");
    m_folder->putFixture("greeter_v2");
    // The thread runs plugin code after its library is unloaded: the host may die of it, or
    // keep the library mapped and warn. Either way this process lives and v2 serves.
    QTRY_COMPARE_WITH_TIMEOUT(m_host->get(QStringLiteral("/")).body,
                              QByteArray("<h1>This is Version 2!</h1>"), 15000);
}

void tst_HostProcess::stackOverflowInAPluginThreadIsCaptured_data()
{
    QTest::addColumn<QByteArray>("variant");
    QTest::newRow("std::thread") << QByteArray("crash_thread_overflow");
    QTest::newRow("QThread") << QByteArray("crash_qthread_overflow");
}

void tst_HostProcess::stackOverflowInAPluginThreadIsCaptured()
{
    // The route's own thread recurses without bound: that thread needs a signal stack of its own
    // for the handler to run at all (the main thread's is no help to it).
    QFETCH(QByteArray, variant);
    startOn(variant.constData());
    const HttpReply crashed = m_host->get(QStringLiteral("/"));
    QCOMPARE(crashed.status, 502);
    QVERIFY2(crashed.body.contains("SIGSEGV"), crashed.body.constData());
    const qsizetype at = m_host->waitForOutcome(ReloadOutcome::Crashed);
    QVERIFY(at > 0);
    const ReloadRecord record = m_host->records.at(at);
    QCOMPARE(record.crash->what(), QStringLiteral("SIGSEGV"));
    QCOMPARE(record.crash->request, QStringLiteral("GET /"));
    QVERIFY2(record.crash->backtrace.join(QLatin1Char('\n')).contains(QLatin1String("recurse")),
             qPrintable(record.crash->backtrace.join(QLatin1Char('\n'))));
}

void tst_HostProcess::smashedStackStillAnswers502WithTheMaps()
{
#if !defined(__x86_64__)
    QSKIP("the fixture smashes the stack pointer with x86-64 assembly");
#endif
    // The route points the stack pointer at nothing and faults: unwinding from there faults as
    // well. The client still gets its 502, and the record still has the memory map that names
    // the faulting function.
    startOn("crash_route_smash");
    const HttpReply crashed = m_host->get(QStringLiteral("/"));
    QCOMPARE(crashed.status, 502);
    QVERIFY2(crashed.body.contains("SIGSEGV"), crashed.body.constData());
    const qsizetype at = m_host->waitForOutcome(ReloadOutcome::Crashed);
    QVERIFY(at > 0);
    const ReloadRecord record = m_host->records.at(at);
    QCOMPARE(record.crash->what(), QStringLiteral("SIGSEGV"));
    QVERIFY2(record.crash->backtrace.join(QLatin1Char('\n'))
                 .contains(QLatin1String("smashStackAndFault")),
             qPrintable(record.crash->backtrace.join(QLatin1Char('\n'))));
}

void tst_HostProcess::crashInAnInvokedMethodAnswers502NamingTheComponent()
{
    startOn("crash_route_segv");
    const HttpReply crashed
        = m_host->post(QStringLiteral("/_qreload/components/app.services.MyService/invoke/crash"));
    QCOMPARE(crashed.status, 502);
    QVERIFY2(crashed.body.contains("SIGSEGV"), crashed.body.constData());
    QVERIFY2(crashed.body.contains("invoke/crash"), crashed.body.constData());
    const qsizetype at = m_host->waitForOutcome(ReloadOutcome::Crashed);
    QVERIFY(at > 0);
    const ReloadRecord record = m_host->records.at(at);
    QCOMPARE(record.crash->phase, QStringLiteral("serving"));
    QCOMPARE(record.crash->component, QStringLiteral("app.services.MyService"));
    QCOMPARE(record.crash->request,
             QStringLiteral("POST /_qreload/components/app.services.MyService/invoke/crash"));
}

void tst_HostProcess::hostsOwnExitIsNotACrash_data()
{
    QTest::addColumn<QString>("how");
    QTest::newRow("asked to quit") << QStringLiteral("quit");
    QTest::newRow("channel closed") << QStringLiteral("close");
    QTest::newRow("configuration refused") << QStringLiteral("refuse");
}

void tst_HostProcess::hostsOwnExitIsNotACrash()
{
    // A supervisor of our own: however qreload-host decides to end, its crash area must not
    // read as a plugin's exit() (which the supervisor records as a crash).
    QFETCH(QString, how);
    m_folder->putFixture("greeter_v1");
    QTemporaryDir runtime;
    const QString crashFile = runtime.filePath(QStringLiteral("crash"));
    QLocalServer local;
    QTcpServer listener;
    QProcess host;
    startOwnHost(host, local, listener, runtime, {QStringLiteral("--crash-file"), crashFile});
    if (QTest::currentTestFailed())
        return;
    auto channel = std::make_unique<HostChannel>(local.nextPendingConnection());
    QVERIFY(channel->waitForMessage(10000));
    channel->send(QCborMap{
        {QStringLiteral("type"), HostProtocol::Configure},
        {QStringLiteral("version"),
         how == QLatin1String("refuse") ? HostProtocol::Version + 1 : HostProtocol::Version},
        {QStringLiteral("pluginDirs"), QCborArray{m_folder->path()}},
        {QStringLiteral("quietPeriodMs"), 30},
        {QStringLiteral("shadowRoot"), runtime.filePath(QStringLiteral("shadow"))},
        {QStringLiteral("host"), QStringLiteral("127.0.0.1")},
    });
    channel->flush();
    if (how != QLatin1String("refuse")) {
        bool serving = false;
        QObject::connect(channel.get(), &HostChannel::received, [&](const QCborMap &m) {
            serving
                = serving || m.value(QStringLiteral("type")).toString() == HostProtocol::Generation;
        });
        QTRY_VERIFY_WITH_TIMEOUT(serving, 10000);
    }
    if (how == QLatin1String("quit")) {
        channel->send(QCborMap{{QStringLiteral("type"), HostProtocol::Quit}});
        channel->flush();
    } else if (how == QLatin1String("close")) {
        channel.reset();
    }
    QVERIFY(host.waitForFinished(10000));
    QCOMPARE(host.exitStatus(), QProcess::NormalExit);
    QCOMPARE(host.exitCode(), how == QLatin1String("refuse") ? 3 : 0);
    const std::optional<CrashReport> report = CrashReport::read(crashFile);
    QVERIFY(report);
    QCOMPARE(report->signal, 0);
    QVERIFY(report->backtrace.isEmpty());
}

QTEST_GUILESS_MAIN(tst_HostProcess)
#include "tst_hostprocess.moc"
