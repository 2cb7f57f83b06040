#include "pluginfolder.h"

#include <headlessreporter.h>

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

//! `qreload --headless` as a user runs it: a child process, its stdout, and HTTP.
class tst_Headless : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void servesAndReloadsFromTheCommandLine();
    void withoutDisplayFallsBackToHeadless();
    void jsonLogFormat();
    void helpAndVersion();
    void badArgumentsAreClearErrors_data();
    void badArgumentsAreClearErrors();
    void withoutAProjectSaysWhatToDo();
    void busyPortNamesThePort();
    void httpLimitsFromTheCommandLineReachTheHost();
    void tokenIsPrintedOrTakenFromTheEnvironment();
    void textLinesNameTheEditedSourceAndTheCompilerError();
    void textLinesSayWhatAReloadRebuilt();
    void reloadCommandReachesTheRunningQreload();

private:
    bool startQreload(const QStringList &extra = {}, bool headlessFlag = true);
    QByteArray get(const QString &path);
    //! Waits for a stdout line matching `pattern` and returns it.
    QString waitForLine(const QString &pattern);

    std::unique_ptr<PluginFolder> m_folder;
    std::unique_ptr<QProcess> m_process;
    QString m_output;
    QUrl m_url;
    QNetworkAccessManager m_network;
};

void tst_Headless::init()
{
    m_folder = std::make_unique<PluginFolder>();
    m_folder->putFixture("greeter_v1");
    m_process = std::make_unique<QProcess>();
    m_output.clear();
}

void tst_Headless::cleanup()
{
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        m_process->waitForFinished(5000);
    }
    m_process.reset();
    m_folder.reset();
}

bool tst_Headless::startQreload(const QStringList &extra, bool headlessFlag)
{
    QStringList args{QStringLiteral("--plugins"), m_folder->path(), QStringLiteral("--port"),
                     QStringLiteral("0"), QStringLiteral("--quiet-period"), QStringLiteral("30"),
                     // the exact bodies compared here are the plugin's, without the live-reload
                     // script qreload injects into HTML pages by default (tst_livereload)
                     QStringLiteral("--no-live-reload")};
    if (headlessFlag)
        args.prepend(QStringLiteral("--headless"));
    m_process->start(QStringLiteral(QRELOAD_BINARY), args + extra);
    if (!m_process->waitForStarted())
        return false;
    const QString line = waitForLine(QStringLiteral("serving (http://127\\.0\\.0\\.1:\\d+/)"));
    static const QRegularExpression url(QStringLiteral("(http://\\S+/)"));
    m_url = QUrl(url.match(line).captured(1));
    return m_url.isValid() && m_url.port() > 0;
}

QString tst_Headless::waitForLine(const QString &pattern)
{
    const QRegularExpression re(pattern);
    QString found;
    const auto scan = [&] {
        m_output += QString::fromUtf8(m_process->readAllStandardOutput());
        for (const QString &line : m_output.split(QLatin1Char('\n'))) {
            if (re.match(line).hasMatch()) {
                found = line;
                return true;
            }
        }
        return false;
    };
    QDeadlineTimer deadline(15000);
    while (!scan() && !deadline.hasExpired())
        QTest::qWait(10); // polls the condition, as QTRY_VERIFY does
    if (found.isEmpty())
        qWarning().noquote() << "no line matched" << pattern << "in:\n" << m_output;
    return found;
}

QByteArray tst_Headless::get(const QString &path)
{
    QNetworkReply *reply = m_network.get(QNetworkRequest(m_url.resolved(QUrl(path))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(10000);
    reply->deleteLater();
    return reply->readAll();
}

void tst_Headless::servesAndReloadsFromTheCommandLine()
{
    QVERIFY(startQreload());
    QVERIFY(!waitForLine(QStringLiteral("reload #1 \\(startup greeter.so\\): ok, generation 1"))
                 .isEmpty());
    QCOMPARE(get(QStringLiteral("/")), QByteArray("<h1>Hello, Version 1!</h1>"));

    m_folder->putFixture("greeter_v2");
    QTRY_COMPARE(get(QStringLiteral("/")), QByteArray("<h1>This is Version 2!</h1>"));
    QVERIFY(!waitForLine(
                 QStringLiteral("reload #2 \\(files greeter.so\\): ok, generation 2 in [\\d.]+ ms"))
                 .isEmpty());

    m_folder->putFixture("greeter_throws");
    const QString failed = waitForLine(QStringLiteral("reload #3 .*FAILED"));
    QVERIFY2(failed.contains(QStringLiteral("generation 2 keeps serving")), qPrintable(failed));
    QVERIFY2(failed.contains(QStringLiteral("database unreachable")), qPrintable(failed));
    QVERIFY2(failed.contains(m_folder->file()), qPrintable(failed));
    QCOMPARE(get(QStringLiteral("/")), QByteArray("<h1>This is Version 2!</h1>"));

    // A clean stop shuts the generation down and removes the shadow copies.
    const QJsonObject status
        = QJsonDocument::fromJson(get(QStringLiteral("/_qreload/status"))).object();
    QCOMPARE(status.value(QLatin1String("generation")).toInt(), 2);
    const QString shadows = status.value(QLatin1String("shadowFolder")).toString();
    QVERIFY(QFileInfo(shadows).isDir());
    m_process->terminate();
    QVERIFY(m_process->waitForFinished(10000));
    QCOMPARE(m_process->exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_process->exitCode(), 0);
    QVERIFY2(!QFileInfo::exists(shadows), qPrintable(shadows));
}

void tst_Headless::withoutDisplayFallsBackToHeadless()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    m_process->setProcessEnvironment(env);
    QVERIFY(startQreload({}, false));
    QCOMPARE(get(QStringLiteral("/")), QByteArray("<h1>Hello, Version 1!</h1>"));
    m_process->terminate();
    QVERIFY(m_process->waitForFinished(10000));
    QVERIFY(QString::fromUtf8(m_process->readAllStandardError())
                .contains(QStringLiteral("no display")));
}

void tst_Headless::jsonLogFormat()
{
    QVERIFY(startQreload({QStringLiteral("--log-format"), QStringLiteral("json")}));
    const QString line = waitForLine(QStringLiteral("^\\{.*\"cause\":\"startup\""));
    const QJsonObject record = QJsonDocument::fromJson(line.toUtf8()).object();
    QCOMPARE(record.value(QLatin1String("ok")).toBool(), true);
    QCOMPARE(record.value(QLatin1String("generationAfter")).toInt(), 1);
    QVERIFY(record.value(QLatin1String("phases")).toObject().contains(QLatin1String("construct")));
}

void tst_Headless::helpAndVersion()
{
    QProcess help;
    help.start(QStringLiteral(QRELOAD_BINARY), {QStringLiteral("--help")});
    QVERIFY(help.waitForFinished(10000));
    QCOMPARE(help.exitCode(), 0);
    const QString usage = QString::fromUtf8(help.readAllStandardOutput());
    for (const char *option : {"--headless", "--plugins", "--port", "--quiet-period"})
        QVERIFY2(usage.contains(QLatin1String(option)), option);

    QProcess version;
    version.start(QStringLiteral(QRELOAD_BINARY), {QStringLiteral("--version")});
    QVERIFY(version.waitForFinished(10000));
    QCOMPARE(version.exitCode(), 0);
    QVERIFY(version.readAllStandardOutput().startsWith("qreload "));
}

void tst_Headless::badArgumentsAreClearErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("port not a number") << QStringList{"--port", "eighty"} << "--port must be";
    QTest::newRow("port out of range") << QStringList{"--port", "70000"} << "--port must be";
    QTest::newRow("negative quiet period")
        << QStringList{"--quiet-period", "-5"} << "--quiet-period must be";
    QTest::newRow("bad host") << QStringList{"--host", "not-an-ip"} << "--host must be";
    QTest::newRow("unknown option") << QStringList{"--frobnicate"} << "frobnicate";
    QTest::newRow("bad log format") << QStringList{"--log-format", "xml"} << "--log-format must be";
    QTest::newRow("body limit not a number")
        << QStringList{"--max-body-size", "lots"} << "--max-body-size must be a number";
    QTest::newRow("no connections allowed")
        << QStringList{"--max-connections", "0"} << "the connection limit must be 1 or more";
}

void tst_Headless::badArgumentsAreClearErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QProcess process;
    process.start(QStringLiteral(QRELOAD_BINARY), QStringList{"--headless"} + arguments);
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY(process.exitCode() != 0);
    const QString error = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(error.contains(message), qPrintable(error));
}

void tst_Headless::withoutAProjectSaysWhatToDo()
{
    // No project opens nothing by default (not the greeter of the tree qreload was built in):
    // it says how to get one. ./quickstart.sh names the greeter through QRELOAD_PROJECT.
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("QRELOAD_PROJECT"));
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(QRELOAD_BINARY), {QStringLiteral("--headless")});
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitCode(), 2);
    const QString error = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(error.contains(QLatin1String("no project: run `qreload new myapp`")),
             qPrintable(error));
}

void tst_Headless::httpLimitsFromTheCommandLineReachTheHost()
{
    QVERIFY(startQreload({QStringLiteral("--max-body-size"), QStringLiteral("100")}));
    waitForLine(QStringLiteral("reload #1"));
    // The host process enforces the supervisor's limit: 413 naming it, before the body is read.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, quint16(m_url.port()));
    QVERIFY(socket.waitForConnected(5000));
    socket.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n");
    QByteArray answer;
    QVERIFY(QTest::qWaitFor(
        [&] {
            answer += socket.readAll();
            return answer.contains("\r\n\r\n") || socket.state() != QTcpSocket::ConnectedState;
        },
        10000));
    QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.constData());
    // The whole page, then the end of the connection: the host does not read the body it refused.
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     answer += socket.readAll();
                     return socket.state() != QTcpSocket::ConnectedState;
                 },
                 10000),
             answer.constData());
    answer += socket.readAll();
    QVERIFY2(answer.contains("100 bytes"), answer.constData());
}

void tst_Headless::busyPortNamesThePort()
{
    QTcpServer occupant;
    QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
    const QString port = QString::number(occupant.serverPort());
    QProcess process;
    process.start(QStringLiteral(QRELOAD_BINARY),
                  {"--headless", "--plugins", m_folder->path(), "--port", port});
    QVERIFY(process.waitForFinished(10000));
    QVERIFY(process.exitCode() != 0);
    const QString error = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(error.contains(port), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("--port 0")), qPrintable(error));
}

// A script needs the session token to reload through POST /_qreload/reload: headless mode prints
// it, and QRELOAD_TOKEN fixes it in advance (a short one is refused with a warning).
void tst_Headless::tokenIsPrintedOrTakenFromTheEnvironment()
{
    const auto post = [this](const QByteArray &token) {
        QNetworkRequest request(m_url.resolved(QUrl(QStringLiteral("/_qreload/reload"))));
        if (!token.isEmpty())
            request.setRawHeader("X-QReload-Token", token);
        QNetworkReply *reply = m_network.post(request, QByteArray());
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            finished.wait(10000);
        reply->deleteLater();
        return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    };
    static const QRegularExpression tokenLine(QStringLiteral("^token (\\S+) "));

    QVERIFY(startQreload());
    const QString printed = waitForLine(tokenLine.pattern());
    const QByteArray token = tokenLine.match(printed).captured(1).toLatin1();
    QCOMPARE(token.size(), 32);
    QCOMPARE(post("wrong-token-wrong-token"), 403);
    QCOMPARE(post(token), 200);
    QVERIFY(!waitForLine(QStringLiteral("reload #2 \\(manual\\): ok, generation 2")).isEmpty());
    cleanup();
    init();

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QRELOAD_TOKEN"), QStringLiteral("my-ci-token-0123456789"));
    m_process->setProcessEnvironment(environment);
    QVERIFY(startQreload());
    QCOMPARE(tokenLine.match(waitForLine(tokenLine.pattern())).captured(1),
             QStringLiteral("my-ci-token-0123456789"));
    QCOMPARE(post("my-ci-token-0123456789"), 200);
    cleanup();
    init();

    environment.insert(QStringLiteral("QRELOAD_TOKEN"), QStringLiteral("short"));
    m_process->setProcessEnvironment(environment);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    QVERIFY(startQreload());
    QVERIFY(!waitForLine(QStringLiteral("QRELOAD_TOKEN is shorter than 16 characters")).isEmpty());
    QCOMPARE(tokenLine.match(waitForLine(tokenLine.pattern())).captured(1).size(), 32);
    QCOMPARE(post("short"), 403);
}

// One line per reload says what the user changed and, for a failed build, the compiler's error
// rather than "exit code 1".
void tst_Headless::textLinesNameTheEditedSourceAndTheCompilerError()
{
    using namespace qreload::app;
    const QDateTime now = QDateTime::currentDateTime();
    ReloadRecord record;
    record.id = 4;
    record.startedAt = now;
    record.cause = ReloadCause::Files;
    record.events
        = {FileEvent{now, QStringLiteral("/p"), QStringLiteral("source folder changed")},
           FileEvent{now, QStringLiteral("/p/services.cpp"), QStringLiteral("source changed")},
           FileEvent{now, QStringLiteral("/b/plugins"), QStringLiteral("folder changed")}};
    record.build = BuildInfo{};
    record.build->exitCode = 1;
    record.build->ms = 591.4;
    record.generationBefore = record.generationAfter = 2;
    record.outcome = ReloadOutcome::Failed;
    record.errors
        = {qreload::Error(qreload::Error::Reason::BuildFailed,
                          QStringLiteral("build failed with exit code 1; the current generation "
                                         "keeps serving")),
           qreload::Error(qreload::Error::Reason::CompileError,
                          QStringLiteral("/p/services.cpp:20:76: error: expected ';'"))};
    QString line = HeadlessReporter::textLine(record);
    QVERIFY2(line.contains(QStringLiteral("reload #4 (source services.cpp): build FAILED after 591 "
                                          "ms; generation 2 keeps serving: /p/services.cpp:20:76: "
                                          "error: expected ';'")),
             qPrintable(line));
    QVERIFY2(!line.contains(QStringLiteral("exit code")), qPrintable(line));

    // A build that timed out has no compiler error: its own reason is the message.
    record.build->exitCode = -1;
    record.build->timedOut = true;
    record.errors.removeLast();
    line = HeadlessReporter::textLine(record);
    QVERIFY2(line.contains(QStringLiteral("build FAILED after 591 ms; generation 2 keeps serving: "
                                          "build failed")),
             qPrintable(line));

    // The build's reload names the source; a replaced plugin names the plugin.
    record.build->timedOut = false;
    record.build->exitCode = 0;
    record.errors.clear();
    record.outcome = ReloadOutcome::Succeeded;
    record.generationAfter = 3;
    record.files = {QStringLiteral("/b/plugins/greeter.so")};
    line = HeadlessReporter::textLine(record);
    QVERIFY2(line.contains(QStringLiteral("(source services.cpp): ok, generation 3")),
             qPrintable(line));
    record.build.reset();
    line = HeadlessReporter::textLine(record);
    QVERIFY2(line.contains(QStringLiteral("(files greeter.so): ok, generation 3")),
             qPrintable(line));
}

void tst_Headless::textLinesSayWhatAReloadRebuilt()
{
    using namespace qreload::app;
    ReloadRecord record;
    record.id = 7;
    record.startedAt = QDateTime::currentDateTime();
    record.cause = ReloadCause::Manual;
    record.outcome = ReloadOutcome::Succeeded;
    record.generationBefore = 5;
    record.generationAfter = 6;
    record.scope = ReloadScope::All;
    record.recreated = {QStringLiteral("p0.c0"), QStringLiteral("p0.c1"), QStringLiteral("p1.c0")};
    QString line = HeadlessReporter::textLine(record);
    QVERIFY2(line.contains(QStringLiteral("reload #7 (manual, all): ok, generation 6")),
             qPrintable(line));
    QVERIFY2(line.contains(QStringLiteral("; reloaded all: 3 recreated")), qPrintable(line));

    // A proportional reload: counts of what it rebuilt and what ran on (not a thousand keys).
    record.scope = ReloadScope::Changed;
    record.cause = ReloadCause::Files;
    record.files = {QStringLiteral("/b/plugins/p1.so")};
    record.recreated = {QStringLiteral("p1.c0")};
    record.kept = {QStringLiteral("p0.c0"), QStringLiteral("p0.c1")};
    line = HeadlessReporter::textLine(record);
    QVERIFY2(line.contains(QStringLiteral("reload #7 (files p1.so): ok, generation 6")),
             qPrintable(line));
    QVERIFY2(line.endsWith(QStringLiteral("; 1 recreated, 2 kept")), qPrintable(line));
    QVERIFY2(!line.contains(QStringLiteral("p0.c0")), qPrintable(line));
}

void tst_Headless::reloadCommandReachesTheRunningQreload()
{
    QTemporaryDir project;
    QVERIFY(project.isValid());
    QFile config(project.filePath(QStringLiteral("qreload.json")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(QJsonDocument(QJsonObject{{QLatin1String("plugins"), m_folder->path()},
                                           {QLatin1String("port"), 0}})
                     .toJson());
    config.close();
    QVERIFY(startQreload({project.path()}));
    QVERIFY(!waitForLine(QStringLiteral("reload #1 ")).isEmpty());
    // Where `qreload reload` finds it: the project's session file, the owner's alone.
    const QString sessionPath = project.filePath(QStringLiteral(".qreload.session"));
    QVERIFY(QFile::exists(sessionPath));
    QCOMPARE(QFile::permissions(sessionPath), QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                                  | QFileDevice::ReadUser | QFileDevice::WriteUser);

    const auto reload = [](const QStringList &arguments, const QString &workingDirectory = {}) {
        QProcess command;
        command.setWorkingDirectory(workingDirectory);
        command.start(QStringLiteral(QRELOAD_BINARY),
                      QStringList{QStringLiteral("reload")} + arguments);
        command.waitForFinished(30000);
        return std::pair{command.exitCode(), QString::fromUtf8(command.readAllStandardOutput()
                                                               + command.readAllStandardError())};
    };
    auto [code, output] = reload({QStringLiteral("--all"), project.path()});
    QCOMPARE(code, 0);
    QVERIFY2(output.contains(QStringLiteral("reload #2 (manual, all): ok, generation 2")),
             qPrintable(output));
    QVERIFY(!waitForLine(QStringLiteral("reload #2 \\(manual, all\\): ok")).isEmpty());
    // From inside the project folder, without --all: what changed.
    std::tie(code, output) = reload({}, project.path());
    QCOMPARE(code, 0);
    QVERIFY2(output.contains(QStringLiteral("reload #3 (manual)")), qPrintable(output));

    // Stopped, it leaves no session behind, and the command says nobody runs there.
    m_process->terminate();
    QVERIFY(m_process->waitForFinished(10000));
    QVERIFY(!QFile::exists(sessionPath));
    std::tie(code, output) = reload({project.path()});
    QCOMPARE(code, 3);
    QVERIFY2(output.contains(QStringLiteral("no qreload runs on")), qPrintable(output));
    std::tie(code, output) = reload({QStringLiteral("--bogus")});
    QCOMPARE(code, 2);
    QVERIFY2(output.contains(QStringLiteral("unknown option --bogus")), qPrintable(output));

    // A qreload whose host crashed too often answers from its standby server: the command
    // starts a new host (everything rebuilt) and says so. (--url and --token: no project.)
    cleanup();
    init();
    m_folder->putFixture("crash_route_segv", PluginFolder::Write::Linker,
                         QStringLiteral("greeter.so"));
    QVERIFY(startQreload());
    static const QRegularExpression tokenLine(QStringLiteral("^token (\\S+) "));
    const QString token = tokenLine.match(waitForLine(tokenLine.pattern())).captured(1);
    QVERIFY(!waitForLine(QStringLiteral("reload #1 ")).isEmpty());
    // Each GET crashes the host; the third crash within 10 s stops the restarts.
    const auto crashes = [this] {
        m_output += QString::fromUtf8(m_process->readAllStandardOutput());
        return m_output.count(QStringLiteral("CRASHED"));
    };
    for (int request = 0; request < 6 && crashes() < 3; ++request) {
        const qsizetype before = crashes();
        get(QStringLiteral("/"));
        QVERIFY(QTest::qWaitFor([&] { return crashes() > before; }, 15000));
    }
    QVERIFY(!waitForLine(QStringLiteral("^qreload: .*crash")).isEmpty());
    std::tie(code, output) = reload({QStringLiteral("--all"), QStringLiteral("--url"),
                                     m_url.toString(), QStringLiteral("--token"), token});
    QCOMPARE(code, 0);
    QVERIFY2(output.contains(QStringLiteral("a new host starts on the current plugins")),
             qPrintable(output));
}

QTEST_GUILESS_MAIN(tst_Headless)
#include "tst_headless.moc"
