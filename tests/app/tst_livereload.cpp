// Live reload (issue 12): the event journal, GET /_qreload/events (ids, Last-Event-ID, event
// kinds, crash and restart through a real host, 100 listeners, heartbeats against the idle
// timeout), the script's injection into HTML pages only, its off switch, the standby server's
// stream, POST /_qreload/open's same-origin check, and the liveReload key of qreload.json.

#include "clientscript.h"
#include "eventjournal.h"
#include "eventstream.h"
#include "hostproxy.h"
#include "liveeventdata.h"
#include "pluginfolder.h"
#include "projectconfig.h"
#include "sseclient.h"

#include <QJsonArray>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace qreload::app;

namespace {

//! One raw HTTP exchange (Connection: close), with the response's header fields.
struct RawReply
{
    int status = 0;
    QHash<QByteArray, QByteArray> fields; //!< lower-case names
    QByteArray body;
};

RawReply rawRequest(quint16 port, const QByteArray &method, const QByteArray &path,
                    const QList<QPair<QByteArray, QByteArray>> &headers = {},
                    const QByteArray &body = {})
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    QByteArray request = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1:"
                         + QByteArray::number(port) + "\r\nConnection: close\r\n";
    for (const auto &[name, value] : headers)
        request += name + ": " + value + "\r\n";
    if (!body.isEmpty())
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    socket.write(request + "\r\n" + body);
    QByteArray all;
    QTest::qWaitFor(
        [&] {
            all += socket.readAll();
            return socket.state() == QAbstractSocket::UnconnectedState;
        },
        15000);
    all += socket.readAll();
    RawReply reply;
    const qsizetype end = all.indexOf("\r\n\r\n");
    if (end < 0)
        return reply;
    const QList<QByteArray> lines = all.left(end).split('\n');
    reply.status = lines.value(0).mid(9, 3).toInt();
    for (const QByteArray &line : lines.mid(1)) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            reply.fields.insert(line.left(colon).trimmed().toLower(),
                                line.mid(colon + 1).trimmed());
    }
    reply.body = all.mid(end + 4);
    return reply;
}

//! A supervisor with a real host, on options a test chooses (live reload, limits, crash loops).
struct LiveHost
{
    explicit LiveHost(const QString &pluginDir,
                      std::function<void(HostProxy::Options &)> tweak = {})
    {
        HostProxy::Options options;
        options.pluginDirs = {pluginDir};
        options.quietPeriodMs = 30;
        options.hostExecutable = QStringLiteral(QRELOAD_HOST_BINARY);
        options.liveReload = true; // as qreload's main sets it by default
        if (tweak)
            tweak(options);
        proxy = std::make_unique<HostProxy>(options);
        QString error;
        if (!proxy->listen(&error))
            qFatal("cannot listen: %s", qPrintable(error));
        QObject::connect(proxy.get(), &HostProxy::reloadFinished,
                         [this](const ReloadRecord &r) { records.append(r); });
        proxy->start();
    }
    quint16 port() const { return proxy->port(); }
    qsizetype waitForOutcome(ReloadOutcome outcome, qsizetype from = 0)
    {
        qsizetype found = -1;
        QTest::qWaitFor(
            [&] {
                for (qsizetype i = from; i < records.size(); ++i) {
                    if (records.at(i).outcome == outcome) {
                        found = i;
                        return true;
                    }
                }
                return false;
            },
            20000);
        return found;
    }

    std::unique_ptr<HostProxy> proxy;
    QList<ReloadRecord> records;
};

const QByteArray ScriptTagStart = "<script src=\"/_qreload/client.js\"";

} // namespace

class tst_LiveReload : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void journalNumbersResumesAndForgets();
    void openProblemIsTheLastUnfixedFailure();
    void codeFrameShowsTheLinesAroundADiagnostic();
    void injectionPlacesTheTagBeforeTheLastBody();

    void injectsIntoHtmlRoutesOnly_data();
    void injectsIntoHtmlRoutesOnly();
    void liveReloadOffInjectsNothing();
    void streamNumbersEventsAndResumes();
    void buildEventsCarryDiagnosticsWithCodeFrames();
    void crashAndRestartReachAReconnectingPage();
    void hundredListenersAllGetTheReload();
    void heartbeatsKeepAStreamOpenPastTheIdleTimeout();
    void streamsBeyondTheirShareOfConnectionsGet503();
    void standbyServerStreamsTheJournal();
    void openEndpointAcceptsSameOriginOnly_data();
    void openEndpointAcceptsSameOriginOnly();

    void configLiveReloadKey_data();
    void configLiveReloadKey();
    void noLiveReloadOption();
};

void tst_LiveReload::journalNumbersResumesAndForgets()
{
    EventJournal journal(3);
    QSignalSpy appended(&journal, &EventJournal::appended);
    for (int i = 0; i < 5; ++i)
        journal.append(LiveEvent::BuildStarted, QJsonObject{{QLatin1String("n"), i}});
    QCOMPARE(appended.size(), 5);
    QCOMPARE(journal.lastId(), 5u);
    // The ring keeps the last three.
    QCOMPARE(journal.events().size(), 3);
    QCOMPARE(journal.events().first().id, 3u);
    QCOMPARE(journal.since(3).size(), 2);
    QCOMPARE(journal.since(3).first().id, 4u);
    QVERIFY(journal.since(5).isEmpty());
    QVERIFY(journal.coversSince(2));
    QVERIFY(!journal.coversSince(1)); // event 2 was dropped
    // An id this journal never issued (another session's): everything kept.
    QCOMPARE(journal.since(99).size(), 3);

    // A host's copy keeps the supervisor's ids and session.
    EventJournal copy;
    copy.seed(journal.session(), journal.events());
    QCOMPARE(copy.lastId(), 5u);
    QCOMPARE(copy.session(), journal.session());
    copy.insert(LiveEvent{6, LiveEvent::Reload, {}});
    copy.insert(LiveEvent{6, LiveEvent::Reload, {}}); // sent twice: kept once
    QCOMPARE(copy.events().size(), 4);
    QCOMPARE(copy.lastId(), 6u);

    const QByteArray frame = LiveEvent{7, LiveEvent::Reload, {{QLatin1String("a"), 1}}}.sseFrame();
    QCOMPARE(frame, QByteArray("id: 7\nevent: reload\ndata: {\"a\":1}\n\n"));
    QVERIFY(journal.session() != EventJournal().session());
}

void tst_LiveReload::openProblemIsTheLastUnfixedFailure()
{
    EventJournal journal;
    QVERIFY(!journal.openProblem());
    journal.append(LiveEvent::BuildFinished, {{QLatin1String("ok"), false}});
    journal.append(LiveEvent::BuildStarted, {});
    QCOMPARE(journal.openProblem()->id, 1u);
    journal.append(LiveEvent::BuildFinished, {{QLatin1String("ok"), true}});
    QVERIFY(!journal.openProblem());
    journal.append(LiveEvent::Reload, {{QLatin1String("outcome"), QStringLiteral("failed")}});
    QCOMPARE(journal.openProblem()->id, 4u);
    journal.append(LiveEvent::Reload, {{QLatin1String("outcome"), QStringLiteral("ok")}});
    QVERIFY(!journal.openProblem());
    journal.append(LiveEvent::HostCrashed, {});
    journal.append(LiveEvent::HostRestarted, {});
    QCOMPARE(journal.openProblem()->kind, LiveEvent::HostCrashed);

    // The problem outlives the ring, and a host's copy is seeded with it.
    EventJournal small(2);
    const LiveEvent failed = small.append(LiveEvent::BuildFinished, {{QLatin1String("ok"), false}});
    for (int i = 0; i < 5; ++i)
        small.append(LiveEvent::BuildStarted, {});
    QVERIFY(small.since(0).size() == 2);
    QCOMPARE(small.openProblem()->id, failed.id);
    EventJournal copy;
    copy.seed(small.session(), small.events(), small.openProblem());
    QCOMPARE(copy.openProblem()->id, failed.id);
    small.append(LiveEvent::BuildFinished,
                 {{QLatin1String("ok"), false}, {QLatin1String("cancelled"), true}});
    QCOMPARE(small.openProblem()->id, failed.id); // a cancelled build fixes nothing
}

void tst_LiveReload::codeFrameShowsTheLinesAroundADiagnostic()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("services.cpp"));
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    for (int i = 1; i <= 10; ++i)
        f.write(QByteArray("line ") + QByteArray::number(i) + "\n");
    f.close();

    const QJsonObject frame = LiveEventData::codeFrame(file, 5);
    QCOMPARE(frame.value(QLatin1String("startLine")).toInt(), 2);
    const QJsonArray lines = frame.value(QLatin1String("lines")).toArray();
    QCOMPARE(lines.size(), 7);
    QCOMPARE(lines.at(3).toString(), QStringLiteral("line 5"));
    // At the top of the file the frame starts at line 1; past its end there is none.
    QCOMPARE(LiveEventData::codeFrame(file, 1).value(QLatin1String("startLine")).toInt(), 1);
    QVERIFY(LiveEventData::codeFrame(file, 40).isEmpty());
    // The newline that ends the file starts no line of its own.
    QCOMPARE(LiveEventData::codeFrame(file, 10)
                 .value(QLatin1String("lines"))
                 .toArray()
                 .last()
                 .toString(),
             QStringLiteral("line 10"));
    QVERIFY(LiveEventData::codeFrame(file, 11).isEmpty());
    QVERIFY(LiveEventData::codeFrame(dir.filePath(QStringLiteral("gone.cpp")), 3).isEmpty());

    BuildInfo build;
    build.command = QStringLiteral("cmake --build build");
    build.exitCode = 1;
    build.diagnostics.append(
        Diagnostic{file, 5, 12, Diagnostic::Severity::Warning, QStringLiteral("unused variable")});
    build.diagnostics.append(Diagnostic{file, 6, 3, Diagnostic::Severity::Error,
                                        QStringLiteral("'undeclaredName' was not declared")});
    const QJsonObject data = LiveEventData::buildFinished(build, 4);
    QCOMPARE(data.value(QLatin1String("ok")).toBool(), false);
    QCOMPARE(data.value(QLatin1String("serving")).toInt(), 4);
    QCOMPARE(data.value(QLatin1String("title")).toString(), QStringLiteral("Build failed"));
    const QJsonArray problems = data.value(QLatin1String("problems")).toArray();
    QCOMPARE(problems.size(), 2);
    const QJsonObject first = problems.first().toObject(); // the error before the warning
    QCOMPARE(first.value(QLatin1String("file")).toString(), file);
    QCOMPARE(first.value(QLatin1String("line")).toInt(), 6);
    QCOMPARE(first.value(QLatin1String("column")).toInt(), 3);
    QCOMPARE(first.value(QLatin1String("severity")).toString(), QStringLiteral("error"));
    QCOMPARE(first.value(QLatin1String("frame"))
                 .toObject()
                 .value(QLatin1String("lines"))
                 .toArray()
                 .at(3)
                 .toString(),
             QStringLiteral("line 6"));

    // A failed reload after that build names the diagnostics, not "build failed" again.
    ReloadRecord record = ReloadRecord::withoutReload(
        7, {}, QStringLiteral("build failed"), ReloadOutcome::Failed, build,
        {qreload::Error(qreload::Error::Reason::BuildFailed,
                        QStringLiteral("build failed with exit code 1"))},
        4);
    const QJsonObject failed = LiveEventData::reload(record);
    QCOMPARE(failed.value(QLatin1String("record")).toInt(), 7);
    QCOMPARE(failed.value(QLatin1String("serving")).toInt(), 4);
    QCOMPARE(failed.value(QLatin1String("problems")).toArray().size(), 2);
    QCOMPARE(failed.value(QLatin1String("problems"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QLatin1String("line")),
             6);
    record.build->diagnostics.clear(); // without diagnostics, the record's error is the problem
    QCOMPARE(LiveEventData::reload(record)
                 .value(QLatin1String("problems"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QLatin1String("message"))
                 .toString(),
             QStringLiteral("build failed with exit code 1"));

    // A failure without a diagnostic (a link error) shows the end of the output instead.
    BuildInfo link;
    link.command = QStringLiteral("cmake --build build");
    link.exitCode = 1;
    link.output = QStringLiteral("[1/2] Linking\nld: cannot find -lmissing\n");
    const QJsonObject linkData = LiveEventData::buildFinished(link, 4);
    QVERIFY(
        linkData.value(QLatin1String("output")).toString().contains(QLatin1String("-lmissing")));
    QCOMPARE(linkData.value(QLatin1String("problems")).toArray().size(), 1);
}

void tst_LiveReload::injectionPlacesTheTagBeforeTheLastBody()
{
    const QByteArray tag = "<script src=\"/_qreload/client.js\"></script>";
    QCOMPARE(ClientScript::inject("<html><body><p>x</p></body></html>", tag),
             QByteArray("<html><body><p>x</p>") + tag + "</body></html>");
    QCOMPARE(ClientScript::inject("<p>\"</body>\"</p></BODY >", tag),
             QByteArray("<p>\"</body>\"</p>") + tag + "</BODY >");
    QCOMPARE(ClientScript::inject("<html><p>x</p></html>", tag),
             QByteArray("<html><p>x</p>") + tag + "</html>");
    QCOMPARE(ClientScript::inject("<h1>fragment</h1>", tag), QByteArray("<h1>fragment</h1>") + tag);

    QVERIFY(ClientScript::isHtml("text/html"));
    QVERIFY(ClientScript::isHtml("Text/HTML; charset=utf-8"));
    QVERIFY(!ClientScript::isHtml("application/xhtml+xml"));
    QVERIFY(!ClientScript::isHtml("text/plain; charset=utf-8"));
    QVERIFY(!ClientScript::isHtml("application/json"));

    const QByteArray withPage
        = ClientScript::tag({3, 17, QStringLiteral("s\"x"), QStringLiteral("a.B")});
    QVERIFY(withPage.contains("data-generation=\"3\""));
    QVERIFY(withPage.contains("data-last-event-id=\"17\""));
    QVERIFY(withPage.contains("data-session=\"s&quot;x\"")); // escaped
    QVERIFY(withPage.contains("data-component=\"a.B\""));

    // The script carries the overlay's CSS, and ships with this build.
    QVERIFY(ClientScript::script().contains("EventSource"));
    QVERIFY(ClientScript::script().contains("qreload-overlay"));
    QVERIFY(!ClientScript::script().contains("QRELOAD_OVERLAY_CSS"));
    QVERIFY(ClientScript::script().contains(".backdrop"));
}

void tst_LiveReload::injectsIntoHtmlRoutesOnly_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<bool>("injected");
    QTest::newRow("whole document") << QByteArray("GET") << QByteArray("/page") << true;
    QTest::newRow("fragment") << QByteArray("GET") << QByteArray("/fragment") << true;
    QTest::newRow("HEAD of a page") << QByteArray("HEAD") << QByteArray("/page") << false;
    QTest::newRow("JSON with HTML in it") << QByteArray("GET") << QByteArray("/data.json") << false;
    QTest::newRow("text/plain with HTML in it")
        << QByteArray("GET") << QByteArray("/plain") << false;
    QTest::newRow("qreload status") << QByteArray("GET") << QByteArray("/_qreload/status") << false;
    QTest::newRow("unknown route") << QByteArray("GET") << QByteArray("/nope") << false;
}

void tst_LiveReload::injectsIntoHtmlRoutesOnly()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(bool, injected);
    PluginFolder folder;
    folder.putFixture("livepage_v1", PluginFolder::Write::Linker, QStringLiteral("livepage.so"));
    LiveHost host(folder.path());
    QVERIFY(host.waitForOutcome(ReloadOutcome::Succeeded) >= 0);

    const RawReply reply = rawRequest(host.port(), method, path);
    QVERIFY(reply.status != 0);
    QCOMPARE(reply.body.contains(ScriptTagStart), injected);
    if (method != "HEAD") // the length is the body's as sent, script included
        QCOMPARE(reply.fields.value("content-length").toLongLong(), reply.body.size());
    if (!injected)
        return;
    QCOMPARE(reply.body.count(ScriptTagStart), 1);
    QVERIFY2(reply.body.contains("data-component=\"live.Page\""), reply.body.constData());
    QVERIFY(reply.body.contains("data-generation=\"1\""));
    if (path == "/page") {
        // Before the last </BODY>, after the "</body>" inside the page's own script.
        const qsizetype tag = reply.body.indexOf(ScriptTagStart);
        QVERIFY(tag > reply.body.indexOf("var note = \"</body>\""));
        QVERIFY(reply.body.mid(tag).contains("></script></BODY></html>"));
    }
}

void tst_LiveReload::liveReloadOffInjectsNothing()
{
    PluginFolder folder;
    folder.putFixture("livepage_v1", PluginFolder::Write::Linker, QStringLiteral("livepage.so"));
    LiveHost host(folder.path(), [](HostProxy::Options &o) { o.liveReload = false; });
    QVERIFY(host.waitForOutcome(ReloadOutcome::Succeeded) >= 0);
    const RawReply page = rawRequest(host.port(), "GET", "/page");
    QCOMPARE(page.status, 200);
    QVERIFY(page.body.contains("Live page, version 1"));
    QVERIFY2(!page.body.contains("/_qreload/client.js"), page.body.constData());
    // The stream and the script are still there for whoever wants them.
    QCOMPARE(rawRequest(host.port(), "GET", "/_qreload/client.js").status, 200);
}

void tst_LiveReload::streamNumbersEventsAndResumes()
{
    PluginFolder folder;
    folder.putFixture("livepage_v1", PluginFolder::Write::Linker, QStringLiteral("livepage.so"));
    LiveHost host(folder.path());
    QVERIFY(host.waitForOutcome(ReloadOutcome::Succeeded) >= 0);

    // The page's tag names where the stream is now: the first connection resumes there.
    const RawReply page = rawRequest(host.port(), "GET", "/page");
    const QRegularExpression lastIdPattern(QStringLiteral("data-last-event-id=\"(\\d+)\""));
    const QByteArray servedAt
        = lastIdPattern.match(QString::fromUtf8(page.body)).captured(1).toLatin1();
    QVERIFY(!servedAt.isEmpty());

    SseClient stream(host.port(), {}, "?lastEventId=" + servedAt);
    QTRY_VERIFY_WITH_TIMEOUT(stream.hasHello(), 10000);
    QCOMPARE(stream.status, 200);
    QVERIFY2(stream.head.contains("Content-Type: text/event-stream"), stream.head.constData());
    QVERIFY(!stream.head.contains("Content-Length"));
    QCOMPARE(stream.retry, QByteArray::number(EventStream::RetryMs));
    QCOMPARE(stream.hello()->data.value(QLatin1String("lastId")).toInteger(),
             servedAt.toLongLong());
    QCOMPARE(stream.hello()->data.value(QLatin1String("generation")).toInteger(), 1);
    QVERIFY(stream.ofKind(LiveEvent::Reload).isEmpty()); // nothing after the page was served

    folder.putFixture("livepage_v2", PluginFolder::Write::Rename, QStringLiteral("livepage.so"));
    QTRY_VERIFY_WITH_TIMEOUT(!stream.ofKind(LiveEvent::Reload).isEmpty(), 20000);
    const SseClient::Event reload = stream.ofKind(LiveEvent::Reload).first();
    QCOMPARE(reload.id.toLongLong(), servedAt.toLongLong() + 1);
    QCOMPARE(reload.data.value(QLatin1String("outcome")).toString(), QStringLiteral("ok"));
    QCOMPARE(reload.data.value(QLatin1String("generationAfter")).toInt(), 2);
    QVERIFY(reload.data.value(QLatin1String("changed"))
                .toArray()
                .contains(QJsonValue(QStringLiteral("live.Page"))));
    QVERIFY(rawRequest(host.port(), "GET", "/page").body.contains("version 2"));

    // Last-Event-ID resumes right after the id it names: the reload again, then nothing.
    SseClient resumed(host.port(), QByteArray::number(reload.id.toLongLong() - 1));
    QTRY_VERIFY_WITH_TIMEOUT(!resumed.ofKind(LiveEvent::Reload).isEmpty(), 10000);
    QCOMPARE(resumed.ofKind(LiveEvent::Reload).first().id, reload.id);
    SseClient upToDate(host.port(), reload.id);
    QTRY_VERIFY_WITH_TIMEOUT(upToDate.hasHello(), 10000);
    // A heartbeat or nothing may follow, never the reload: wait for the other stream to prove
    // the server answered both, then compare.
    SseClient probe(host.port(), reload.id);
    QTRY_VERIFY_WITH_TIMEOUT(probe.hasHello(), 10000);
    QVERIFY(upToDate.ofKind(LiveEvent::Reload).isEmpty());
    QVERIFY(upToDate.isOpen());
}

void tst_LiveReload::buildEventsCarryDiagnosticsWithCodeFrames()
{
    PluginFolder folder;
    folder.putFixture("livepage_v1", PluginFolder::Write::Linker, QStringLiteral("livepage.so"));
    LiveHost host(folder.path());
    QVERIFY(host.waitForOutcome(ReloadOutcome::Succeeded) >= 0);
    SseClient stream(host.port(), QByteArray::number(host.proxy->eventJournal()->lastId()));
    QTRY_VERIFY_WITH_TIMEOUT(stream.hasHello(), 10000);

    QTemporaryDir dir;
    const QString source = dir.filePath(QStringLiteral("page.cpp"));
    QFile f(source);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("int a;\nint b;\nint c = undeclaredName;\nint d;\n");
    f.close();
    host.proxy->publishBuildStarted(QStringLiteral("cmake --build build"), {source});
    BuildInfo build;
    build.command = QStringLiteral("cmake --build build");
    build.exitCode = 1;
    build.diagnostics.append(Diagnostic{source, 3, 9, Diagnostic::Severity::Error,
                                        QStringLiteral("'undeclaredName' was not declared")});
    host.proxy->publishBuildFinished(build);

    // Built in the supervisor, streamed by the host.
    QTRY_VERIFY_WITH_TIMEOUT(!stream.ofKind(LiveEvent::BuildFinished).isEmpty(), 10000);
    QCOMPARE(stream.ofKind(LiveEvent::BuildStarted).size(), 1);
    const QJsonObject data = stream.ofKind(LiveEvent::BuildFinished).first().data;
    QCOMPARE(data.value(QLatin1String("serving")).toInt(), 1);
    QCOMPARE(data.value(QLatin1String("files")).toArray(), QJsonArray{source});
    const QJsonObject problem = data.value(QLatin1String("problems")).toArray().first().toObject();
    QCOMPARE(problem.value(QLatin1String("file")).toString(), source);
    QCOMPARE(problem.value(QLatin1String("line")).toInt(), 3);
    QVERIFY(problem.value(QLatin1String("frame"))
                .toObject()
                .value(QLatin1String("lines"))
                .toArray()
                .contains(QJsonValue(QStringLiteral("int c = undeclaredName;"))));

    // A page that connects now learns of the failure at once (its hello names it) ...
    SseClient late(host.port(), QByteArray::number(host.proxy->eventJournal()->lastId()));
    QTRY_VERIFY_WITH_TIMEOUT(late.hasHello(), 10000);
    QCOMPARE(late.hello()
                 ->data.value(QLatin1String("problem"))
                 .toObject()
                 .value(QLatin1String("kind"))
                 .toString(),
             LiveEvent::BuildFinished);
    // ... until a build succeeds.
    build.exitCode = 0;
    build.diagnostics.clear();
    host.proxy->publishBuildFinished(build);
    SseClient fixed(host.port(), QByteArray::number(host.proxy->eventJournal()->lastId()));
    QTRY_VERIFY_WITH_TIMEOUT(fixed.hasHello(), 10000);
    QVERIFY(!fixed.hello()->data.contains(QLatin1String("problem")));

    // A client whose last id has left the journal is told so (its page reloads once).
    QVERIFY(fixed.hello()->data.value(QLatin1String("complete")).toBool());
    for (int i = 0; i < EventJournal::DefaultCapacity; ++i)
        host.proxy->publishBuildStarted(QStringLiteral("cmake --build build"), {source});
    SseClient behind(host.port(), "1");
    QTRY_VERIFY_WITH_TIMEOUT(behind.hasHello(), 10000);
    QCOMPARE(behind.hello()->data.value(QLatin1String("complete")).toBool(), false);
    QTRY_COMPARE_WITH_TIMEOUT(behind.ofKind(LiveEvent::BuildStarted).size(),
                              EventJournal::DefaultCapacity, 10000);
}

void tst_LiveReload::crashAndRestartReachAReconnectingPage()
{
    PluginFolder folder;
    folder.putFixture("greeter_v1");
    LiveHost host(folder.path());
    QVERIFY(host.waitForOutcome(ReloadOutcome::Succeeded) >= 0);
    const QByteArray before = QByteArray::number(host.proxy->eventJournal()->lastId());
    SseClient stream(host.port(), before);
    QTRY_VERIFY_WITH_TIMEOUT(stream.hasHello(), 10000);

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("died of SIGSEGV")));
    folder.putFixture("crash_null_ctor");
    // The host dies during the reload: its streams end with it.
    QTRY_VERIFY_WITH_TIMEOUT(!stream.isOpen(), 20000);
    const qsizetype crashed = host.waitForOutcome(ReloadOutcome::Crashed);
    QVERIFY(crashed >= 0);
    QVERIFY(host.waitForOutcome(ReloadOutcome::Succeeded, crashed + 1) > crashed);

    // The page reconnects to the new host with the last id it saw and gets what it missed.
    SseClient again(host.port(), before);
    QTRY_VERIFY_WITH_TIMEOUT(!again.ofKind(LiveEvent::HostRestarted).isEmpty(), 20000);
    QCOMPARE(again.ofKind(LiveEvent::HostCrashed).size(), 1);
    const QJsonObject crash = again.ofKind(LiveEvent::HostCrashed).first().data;
    QCOMPARE(crash.value(QLatin1String("signal")).toString(), QStringLiteral("SIGSEGV"));
    QCOMPARE(crash.value(QLatin1String("phase")).toString(), QStringLiteral("construct"));
    const QJsonObject problem = crash.value(QLatin1String("problems")).toArray().first().toObject();
    QVERIFY2(problem.value(QLatin1String("message")).toString().contains(QLatin1String("SIGSEGV")),
             qPrintable(problem.value(QLatin1String("message")).toString()));
    QVERIFY(!problem.value(QLatin1String("frames")).toArray().isEmpty());
    const QJsonObject restarted = again.ofKind(LiveEvent::HostRestarted).first().data;
    QCOMPARE(restarted.value(QLatin1String("byHand")).toBool(), false);
    QVERIFY(restarted.value(QLatin1String("generation")).toInt() >= 2);
    QCOMPARE(restarted.value(QLatin1String("pid")).toInteger(), host.proxy->hostPid());
    // The restart's first generation is marked, so pages keep the crash on screen.
    bool startupMarked = false;
    for (const SseClient::Event &e : again.ofKind(LiveEvent::Reload))
        startupMarked
            |= e.data.value(QLatin1String("startup")).toString() == QLatin1String("crash");
    QVERIFY(startupMarked);
    // Ids keep growing across hosts.
    QVERIFY(again.lastId().toLongLong() > before.toLongLong());
}

void tst_LiveReload::hundredListenersAllGetTheReload()
{
    PluginFolder folder;
    folder.putFixture("livepage_v1", PluginFolder::Write::Linker, QStringLiteral("livepage.so"));
    LiveHost host(folder.path());
    QVERIFY(host.waitForOutcome(ReloadOutcome::Succeeded) >= 0);
    const QByteArray from = QByteArray::number(host.proxy->eventJournal()->lastId());
    std::vector<std::unique_ptr<SseClient>> listeners;
    for (int i = 0; i < 100; ++i)
        listeners.push_back(std::make_unique<SseClient>(host.port(), from));
    const auto all = [&](const std::function<bool(const SseClient &)> &test) {
        return std::all_of(listeners.begin(), listeners.end(),
                           [&](const std::unique_ptr<SseClient> &c) { return test(*c); });
    };
    QTRY_VERIFY_WITH_TIMEOUT(all([](const SseClient &c) { return c.hasHello(); }), 20000);
    // Pages and API calls are still answered beside 100 streams.
    const RawReply page = rawRequest(host.port(), "GET", "/page");
    QCOMPARE(page.status, 200);
    QVERIFY(page.body.contains("version 1"));

    folder.putFixture("livepage_v2", PluginFolder::Write::Rename, QStringLiteral("livepage.so"));
    QTRY_VERIFY_WITH_TIMEOUT(
        all([](const SseClient &c) { return !c.ofKind(LiveEvent::Reload).isEmpty(); }), 20000);
    QVERIFY(all([](const SseClient &c) {
        return c.ofKind(LiveEvent::Reload)
                   .first()
                   .data.value(QLatin1String("generationAfter"))
                   .toInt()
               == 2;
    }));
    QVERIFY(all([](const SseClient &c) { return c.isOpen(); }));
    QVERIFY(rawRequest(host.port(), "GET", "/page").body.contains("version 2"));
}

void tst_LiveReload::heartbeatsKeepAStreamOpenPastTheIdleTimeout()
{
    PluginFolder folder;
    folder.putFixture("livepage_v1", PluginFolder::Write::Linker, QStringLiteral("livepage.so"));
    LiveHost host(folder.path(), [](HostProxy::Options &o) { o.httpLimits.idleTimeoutMs = 300; });
    QVERIFY(host.waitForOutcome(ReloadOutcome::Succeeded) >= 0);
    SseClient stream(host.port());
    QTcpSocket idle; // a keep-alive connection that sends nothing: closed after 300 ms
    idle.connectToHost(QHostAddress::LocalHost, host.port());
    QVERIFY(idle.waitForConnected(5000));
    QTRY_VERIFY_WITH_TIMEOUT(stream.hasHello(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(idle.state() == QAbstractSocket::UnconnectedState, 10000);
    // A heartbeat every 100 ms: six of them span two idle timeouts, and the stream stays open.
    QTRY_VERIFY_WITH_TIMEOUT(stream.comments >= 6, 10000);
    QVERIFY(stream.isOpen());
}

void tst_LiveReload::streamsBeyondTheirShareOfConnectionsGet503()
{
    PluginFolder folder;
    folder.putFixture("livepage_v1", PluginFolder::Write::Linker, QStringLiteral("livepage.so"));
    LiveHost host(folder.path(), [](HostProxy::Options &o) { o.httpLimits.maxConnections = 6; });
    QVERIFY(host.waitForOutcome(ReloadOutcome::Succeeded) >= 0);
    SseClient a(host.port()), b(host.port()), c(host.port());
    QTRY_VERIFY_WITH_TIMEOUT(a.status != 0 && b.status != 0 && c.status != 0, 10000);
    QList<int> statuses{a.status, b.status, c.status};
    std::sort(statuses.begin(), statuses.end());
    QCOMPARE(statuses, (QList<int>{200, 200, 200}));
    SseClient d(host.port());
    QTRY_COMPARE_WITH_TIMEOUT(d.status, 503, 10000);
    QCOMPARE(rawRequest(host.port(), "GET", "/page").status, 200); // pages still get through
}

void tst_LiveReload::standbyServerStreamsTheJournal()
{
    PluginFolder folder;
    folder.putFixture("crash_route_segv");
    LiveHost host(folder.path(), [](HostProxy::Options &o) { o.crashLoopLimit = 1; });
    QVERIFY(host.waitForOutcome(ReloadOutcome::Succeeded) >= 0);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("died of SIGSEGV")));
    QCOMPARE(rawRequest(host.port(), "GET", "/").status, 502);
    QTRY_COMPARE_WITH_TIMEOUT(host.proxy->hostState(), HostProxy::HostState::Stopped, 20000);

    // No host: the supervisor's standby server streams the same journal.
    SseClient stream(host.port(), "0");
    QTRY_VERIFY_WITH_TIMEOUT(!stream.ofKind(LiveEvent::HostCrashed).isEmpty(), 10000);
    QCOMPARE(stream.hello()->data.value(QLatin1String("standby")).toBool(), true);
    QCOMPARE(stream.hello()
                 ->data.value(QLatin1String("problem"))
                 .toObject()
                 .value(QLatin1String("kind"))
                 .toString(),
             LiveEvent::HostCrashed);
    QVERIFY(stream.ofKind(LiveEvent::HostCrashed)
                .first()
                .data.value(QLatin1String("restart"))
                .toString()
                .contains(QLatin1String("not restarted")));
    host.proxy->publishBuildStarted(QStringLiteral("make"), {});
    QTRY_COMPARE_WITH_TIMEOUT(stream.ofKind(LiveEvent::BuildStarted).size(), 1, 10000);
    QCOMPARE(rawRequest(host.port(), "GET", "/_qreload/client.js").status, 200);

    // A host starts again: the standby's streams end, and the page reconnects to the host.
    const QByteArray seen = stream.lastId();
    host.proxy->restartHost();
    QTRY_VERIFY_WITH_TIMEOUT(!stream.isOpen(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(host.proxy->hostState(), HostProxy::HostState::Running, 20000);
    SseClient again(host.port(), seen);
    QTRY_VERIFY_WITH_TIMEOUT(!again.ofKind(LiveEvent::HostRestarted).isEmpty(), 20000);
    QVERIFY(!again.hello()->data.contains(QLatin1String("standby")));
    QCOMPARE(
        again.ofKind(LiveEvent::HostRestarted).first().data.value(QLatin1String("byHand")).toBool(),
        true);
}

void tst_LiveReload::openEndpointAcceptsSameOriginOnly_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("origin"); // "self": this server's origin
    QTest::addColumn<QByteArray>("fetchSite");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");
    QTest::newRow("the page's own link")
        << QByteArray("POST") << QByteArray("self") << QByteArray("same-origin")
        << QByteArray("application/json") << 202;
    QTest::newRow("no Sec-Fetch-Site (older browser)")
        << QByteArray("POST") << QByteArray("self") << QByteArray()
        << QByteArray("application/json") << 202;
    QTest::newRow("another site's form")
        << QByteArray("POST") << QByteArray("http://evil.example") << QByteArray("cross-site")
        << QByteArray("text/plain") << 403;
    QTest::newRow("another site, forged fetch site")
        << QByteArray("POST") << QByteArray("http://evil.example") << QByteArray("same-origin")
        << QByteArray("application/json") << 403;
    QTest::newRow("no Origin") << QByteArray("POST") << QByteArray() << QByteArray()
                               << QByteArray("application/json") << 403;
    QTest::newRow("same origin, cross-site fetch")
        << QByteArray("POST") << QByteArray("self") << QByteArray("cross-site")
        << QByteArray("application/json") << 403;
    QTest::newRow("not JSON") << QByteArray("POST") << QByteArray("self")
                              << QByteArray("same-origin") << QByteArray("text/plain") << 400;
    QTest::newRow("GET") << QByteArray("GET") << QByteArray("self") << QByteArray("same-origin")
                         << QByteArray() << 405;
}

void tst_LiveReload::openEndpointAcceptsSameOriginOnly()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, origin);
    QFETCH(QByteArray, fetchSite);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    PluginFolder folder;
    folder.putFixture("livepage_v1", PluginFolder::Write::Linker, QStringLiteral("livepage.so"));
    LiveHost host(folder.path());
    QVERIFY(host.waitForOutcome(ReloadOutcome::Succeeded) >= 0);
    QSignalSpy opened(host.proxy.get(), &HostProxy::openRequested);

    QList<QPair<QByteArray, QByteArray>> headers;
    if (origin == "self")
        origin = "http://127.0.0.1:" + QByteArray::number(host.port());
    if (!origin.isEmpty())
        headers.append({"Origin", origin});
    if (!fetchSite.isEmpty())
        headers.append({"Sec-Fetch-Site", fetchSite});
    if (!contentType.isEmpty())
        headers.append({"Content-Type", contentType});
    const QByteArray body
        = method == "POST"
              ? QByteArray(R"({"record": 1, "file": "/src/page.cpp", "line": 7, "column": 3})")
              : QByteArray();
    const RawReply reply = rawRequest(host.port(), method, "/_qreload/open", headers, body);
    QCOMPARE(reply.status, status);
    if (status != 202) {
        QVERIFY(opened.isEmpty());
        return;
    }
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, 10000);
    QCOMPARE(opened.first().at(0).toULongLong(), 1u);
    QCOMPARE(opened.first().at(1).toString(), QStringLiteral("/src/page.cpp"));
    QCOMPARE(opened.first().at(2).toInt(), 7);
    QCOMPARE(opened.first().at(3).toInt(), 3);
}

void tst_LiveReload::configLiveReloadKey_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<bool>("liveReload");
    QTest::newRow("default") << QByteArray(R"({"plugins": "p"})") << true << true;
    QTest::newRow("off") << QByteArray(R"({"plugins": "p", "liveReload": false})") << true << false;
    QTest::newRow("on") << QByteArray(R"({"plugins": "p", "liveReload": true})") << true << true;
    QTest::newRow("a string") << QByteArray(R"({"plugins": "p",
  "liveReload": "no"})") << false
                              << true;
}

void tst_LiveReload::configLiveReloadKey()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, valid);
    QFETCH(bool, liveReload);
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("qreload.json"));
    QList<ConfigError> errors;
    const std::optional<ProjectConfig> config = ProjectConfig::parse(json, file, {}, &errors);
    QCOMPARE(config.has_value(), valid);
    if (valid) {
        QCOMPARE(config->liveReload, liveReload);
        return;
    }
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.first().reason, ConfigError::Reason::WrongType);
    QCOMPARE(errors.first().key, QStringLiteral("liveReload"));
    QCOMPARE(errors.first().line, 2);
    QVERIFY(errors.first().toString().contains(QLatin1String("true or false")));
}

void tst_LiveReload::noLiveReloadOption()
{
    PluginFolder folder;
    folder.putFixture("livepage_v1", PluginFolder::Write::Linker, QStringLiteral("livepage.so"));
    const auto run = [&](const QStringList &extra) {
        QProcess qreload;
        QByteArray out;
        QObject::connect(&qreload, &QProcess::readyReadStandardOutput,
                         [&] { out += qreload.readAllStandardOutput(); });
        qreload.start(QStringLiteral(QRELOAD_BINARY),
                      QStringList{QStringLiteral("--headless"), QStringLiteral("--port"),
                                  QStringLiteral("0"), QStringLiteral("--plugins"), folder.path()}
                          + extra);
        const QRegularExpression serving(QStringLiteral("serving http://127.0.0.1:(\\d+)/"));
        QByteArray body;
        if (QTest::qWaitFor([&] { return serving.match(QString::fromUtf8(out)).hasMatch(); },
                            20000)) {
            const quint16 port = serving.match(QString::fromUtf8(out)).captured(1).toUShort();
            QTest::qWaitFor(
                [&] {
                    body = rawRequest(port, "GET", "/page").body;
                    return body.contains("version 1");
                },
                20000);
        }
        qreload.terminate();
        qreload.waitForFinished(10000);
        return body;
    };
    const QByteArray on = run({});
    QVERIFY2(on.contains("version 1"), on.constData());
    QVERIFY(on.contains(ScriptTagStart));
    const QByteArray off = run({QStringLiteral("--no-live-reload")});
    QVERIFY2(off.contains("version 1"), off.constData());
    QVERIFY(!off.contains(ScriptTagStart));
}

QTEST_GUILESS_MAIN(tst_LiveReload)
#include "tst_livereload.moc"
