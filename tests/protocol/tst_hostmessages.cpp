// Every message of the host channel goes through its one encoder and its one decoder and comes
// back whole: each field is set to something other than its default, so a field that one side
// forgets to write or to read fails here, not in a supervisor talking to a host.

#include <hostmessages.h>

#include <QCborArray>
#include <QTest>

using namespace qreload;
using namespace qreload::app;

namespace {

QString text(const QCborMap &map)
{
    return map.toCborValue().toDiagnosticNotation();
}

//! Encodes, checks the type tag, decodes, and checks that the decoded message encodes the same.
template<typename Message>
Message roundTrip(const Message &message)
{
    const QCborMap encoded = message.toCbor();
    if (messageType(encoded) != Message::type()) {
        QTest::qFail("the encoder sets another type", __FILE__, __LINE__);
        return {};
    }
    const Message decoded = Message::fromCbor(encoded);
    const QString again = text(decoded.toCbor());
    if (again != text(encoded))
        QTest::qFail(
            qPrintable(QStringLiteral("decoded differently:\n%1\n%2").arg(text(encoded), again)),
            __FILE__, __LINE__);
    return decoded;
}

const QDateTime at = QDateTime(QDate(2026, 3, 4), QTime(5, 6, 7, 890));

FileEvent fileEvent(int n)
{
    return FileEvent{at.addSecs(n), QStringLiteral("/p/plugin%1.so").arg(n),
                     QStringLiteral("file changed")};
}

BuildInfo build()
{
    BuildInfo b;
    b.command = QStringLiteral("ninja -C build");
    b.workingDirectory = QStringLiteral("/p");
    b.sources = {QStringLiteral("/p/a.cpp")};
    b.exitCode = 1;
    b.timedOut = true;
    b.cancelled = true;
    b.ms = 12.5;
    b.output = QStringLiteral("a.cpp:3:4: error: x");
    b.diagnostics.append(Diagnostic{QStringLiteral("/p/a.cpp"), 3, 4, Diagnostic::Severity::Warning,
                                    QStringLiteral("x")});
    return b;
}

ReloadRecord record()
{
    ReloadRecord r;
    r.id = 7;
    r.startedAt = at;
    r.cause = ReloadCause::Files;
    r.files = {QStringLiteral("/p/plugin1.so")};
    r.events = {fileEvent(1)};
    r.decision = QStringLiteral("one file");
    r.build = build();
    r.outcome = ReloadOutcome::Succeeded;
    r.generationBefore = 2;
    r.generationAfter = 3;
    r.phases = {PhaseTiming{QStringLiteral("load"), 1.5}};
    r.totalMs = 2;
    r.changed = {QStringLiteral("app.Greeter")};
    r.scope = ReloadScope::All;
    return r;
}

LiveEvent liveEvent(quint64 id)
{
    return LiveEvent{id, LiveEvent::Reload, QJsonObject{{QLatin1String("ok"), true}}};
}

} // namespace

class tst_HostMessages : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void hello();
    void reloadStarted_data();
    void reloadStarted();
    void reloadFinished();
    void generationWhole();
    void generationDelta();
    void watching();
    void fileEvent();
    void reply();
    void open();
    void configure();
    void reload();
    void reloadEvents();
    void reloadEventsWithoutBuild();
    void recordMessage();
    void holdPauseQuietPeriod();
    void details();
    void status();
    void event();
    void emptyMessages();
};

void tst_HostMessages::hello()
{
    const HelloMessage m = roundTrip(HelloMessage{HostProtocol::Version + 1, 4242});
    QCOMPARE(m.version, HostProtocol::Version + 1);
    QCOMPARE(m.pid, 4242);
}

void tst_HostMessages::reloadStarted_data()
{
    QTest::addColumn<ReloadCause>("cause");
    QTest::newRow("startup") << ReloadCause::Startup;
    QTest::newRow("files") << ReloadCause::Files;
    QTest::newRow("manual") << ReloadCause::Manual;
    QTest::newRow("crash") << ReloadCause::Crash;
}

void tst_HostMessages::reloadStarted()
{
    QFETCH(ReloadCause, cause);
    QCOMPARE(roundTrip(ReloadStartedMessage{cause}).cause, cause);
}

void tst_HostMessages::reloadFinished()
{
    const ReloadFinishedMessage m = roundTrip(ReloadFinishedMessage{record()});
    QCOMPARE(m.record.toJson(), record().toJson());
    QCOMPARE(m.record.build->diagnostics.first().severity, Diagnostic::Severity::Warning);
}

void tst_HostMessages::generationWhole()
{
    GenerationSnapshot snapshot;
    snapshot.number = 5;
    snapshot.plugins.append(
        PluginSource{QStringLiteral("/p/a.so"), QStringLiteral("/s/a.so"), QByteArray("hash")});
    ComponentInfo info;
    info.key = QStringLiteral("app.A");
    info.pluginFile = QStringLiteral("/p/a.so");
    snapshot.components.append(info);
    const GenerationMessage m = roundTrip(GenerationMessage{snapshot, {}});
    QVERIFY(m.snapshot);
    QVERIFY(*m.snapshot == snapshot);
}

void tst_HostMessages::generationDelta()
{
    GenerationSnapshot base;
    base.number = 1;
    GenerationSnapshot next = base;
    next.number = 2;
    const GenerationMessage m = roundTrip(GenerationMessage{std::nullopt, next.deltaCbor(base)});
    QVERIFY(!m.snapshot);
    QVERIFY(base.applyDeltaCbor(m.delta));
    QCOMPARE(base.number, 2u);
}

void tst_HostMessages::watching()
{
    QCOMPARE(roundTrip(WatchingMessage{false}).on, false);
    QCOMPARE(roundTrip(WatchingMessage{true}).on, true);
}

void tst_HostMessages::fileEvent()
{
    const FileEventMessage m = roundTrip(FileEventMessage{::fileEvent(3)});
    QCOMPARE(m.event.at, ::fileEvent(3).at);
    QCOMPARE(m.event.path, ::fileEvent(3).path);
    QCOMPARE(m.event.kind, ::fileEvent(3).kind);
}

void tst_HostMessages::reply()
{
    const ReplyMessage m
        = roundTrip(ReplyMessage{9, QCborMap{{QStringLiteral("error"), QStringLiteral("no")}}});
    QCOMPARE(m.id, 9);
    QCOMPARE(m.value.toMap().value(QStringLiteral("error")).toString(), QStringLiteral("no"));
}

void tst_HostMessages::open()
{
    const OpenMessage sent{12, QStringLiteral("/p/a.cpp"), 3, 4};
    const OpenMessage m = roundTrip(sent);
    QCOMPARE(m.record, 12u);
    QCOMPARE(m.file, sent.file);
    QCOMPARE(m.line, 3);
    QCOMPARE(m.column, 4);
    // The page's request body is the same four fields.
    QCOMPARE(OpenMessage::fromJson(sent.toJson()).toJson(), sent.toJson());
}

void tst_HostMessages::configure()
{
    ConfigureMessage c;
    c.version = 99;
    c.pluginDirs = {QStringLiteral("/p/plugins"), QStringLiteral("/q/plugins")};
    c.quietPeriodMs = 250;
    c.firstGeneration = 4;
    c.firstRecordId = 11;
    c.history = {record()};
    c.restore = {PluginSource{QStringLiteral("/p/a.so"), QStringLiteral("/s/a.so"), {}}};
    c.quarantine.insert(QStringLiteral("/p/b.so"), QByteArray("crashed"));
    c.startDecision = QStringLiteral("restarted after a crash");
    c.shadowRoot = QStringLiteral("/tmp/shadow");
    c.watching = false;
    c.held = true;
    c.host = QStringLiteral("127.0.0.1");
    c.httpLimits = QJsonObject{{QLatin1String("maxConnections"), 3}};
    c.status = QJsonObject{{QLatin1String("warnings"), QLatin1String("x")}};
    c.events = {liveEvent(1), liveEvent(2)};
    c.eventSession = QStringLiteral("abc");
    c.liveReload = true;
    c.eventProblem = liveEvent(2);

    const ConfigureMessage m = roundTrip(c);
    QCOMPARE(m.version, 99);
    QCOMPARE(m.pluginDirs, c.pluginDirs);
    QCOMPARE(m.quietPeriodMs, 250);
    QCOMPARE(m.firstGeneration, 4u);
    QCOMPARE(m.firstRecordId, 11u);
    QCOMPARE(m.history.size(), 1);
    QCOMPARE(m.history.first().toJson(), record().toJson());
    QCOMPARE(m.restore.size(), 1);
    QCOMPARE(m.restore.first().originPath, QStringLiteral("/p/a.so"));
    QCOMPARE(m.restore.first().loadPath, QStringLiteral("/s/a.so"));
    QCOMPARE(m.quarantine, c.quarantine);
    QCOMPARE(m.startDecision, c.startDecision);
    QCOMPARE(m.shadowRoot, c.shadowRoot);
    QCOMPARE(m.watching, false);
    QCOMPARE(m.held, true);
    QCOMPARE(m.host, c.host);
    QCOMPARE(m.httpLimits, c.httpLimits);
    QCOMPARE(m.status, c.status);
    QCOMPARE(m.events.size(), 2);
    QCOMPARE(m.events.last().id, 2u);
    QCOMPARE(m.eventSession, c.eventSession);
    QCOMPARE(m.liveReload, true);
    QVERIFY(m.eventProblem);
    QCOMPARE(m.eventProblem->id, 2u);

    // Optional parts left out stay out.
    const ConfigureMessage bare = roundTrip(ConfigureMessage{});
    QVERIFY(!bare.httpLimits);
    QVERIFY(!bare.eventProblem);
    QCOMPARE(bare.watching, true);
}

void tst_HostMessages::reload()
{
    const ReloadMessage m = roundTrip(ReloadMessage{ReloadCause::Files, ReloadScope::All});
    QCOMPARE(m.cause, ReloadCause::Files);
    QCOMPARE(m.scope, ReloadScope::All);
}

void tst_HostMessages::reloadEvents()
{
    const ReloadEventsMessage m = roundTrip(
        ReloadEventsMessage{{::fileEvent(1), ::fileEvent(2)}, QStringLiteral("built"), build()});
    QCOMPARE(m.events.size(), 2);
    QCOMPARE(m.events.last().path, ::fileEvent(2).path);
    QCOMPARE(m.decision, QStringLiteral("built"));
    // The build travels as itself, every field of it.
    QVERIFY(m.build);
    QCOMPARE(m.build->toJson(), build().toJson());
    QCOMPARE(m.build->sources, build().sources);
    QCOMPARE(m.build->diagnostics.size(), 1);
}

void tst_HostMessages::reloadEventsWithoutBuild()
{
    const ReloadEventsMessage m
        = roundTrip(ReloadEventsMessage{{::fileEvent(1)}, QStringLiteral("d"), std::nullopt});
    QVERIFY(!m.build);
}

void tst_HostMessages::recordMessage()
{
    QCOMPARE(roundTrip(RecordMessage{record()}).record.toJson(), record().toJson());
}

void tst_HostMessages::holdPauseQuietPeriod()
{
    QCOMPARE(roundTrip(HoldMessage{true}).on, true);
    QCOMPARE(roundTrip(PauseMessage{true}).on, true);
    QCOMPARE(roundTrip(QuietPeriodMessage{321}).ms, 321);
}

void tst_HostMessages::details()
{
    const DetailsMessage m = roundTrip(DetailsMessage{5, QStringLiteral("app.A")});
    QCOMPARE(m.id, 5);
    QCOMPARE(m.key, QStringLiteral("app.A"));
}

void tst_HostMessages::status()
{
    const QJsonObject status{{QLatin1String("host"), QJsonObject{{QLatin1String("pid"), 3}}}};
    QCOMPARE(roundTrip(StatusMessage{status}).status, status);
}

void tst_HostMessages::event()
{
    const EventMessage m = roundTrip(EventMessage{liveEvent(8)});
    QCOMPARE(m.event.id, 8u);
    QCOMPARE(m.event.kind, LiveEvent::Reload);
    QCOMPARE(m.event.data, liveEvent(8).data);
}

void tst_HostMessages::emptyMessages()
{
    for (const QString &type :
         {HostProtocol::Restart, HostProtocol::Quit, HostProtocol::ResendGeneration}) {
        const QCborMap m = emptyMessage(type);
        QCOMPARE(messageType(m), type);
        QCOMPARE(m.size(), 1);
    }
}

QTEST_GUILESS_MAIN(tst_HostMessages)
#include "tst_hostmessages.moc"
