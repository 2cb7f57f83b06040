#include "pluginfolder.h"

#include <reloadengine.h>

#include <QDirIterator>
#include <QSignalSpy>
#include <QTest>

using namespace qreload;
using namespace qreload::app;

Q_DECLARE_METATYPE(PluginFolder::Write)

class tst_ReloadEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void startServesFirstGeneration();
    void replacedPluginServesNewCode_data();
    void replacedPluginServesNewCode();
    void brokenPluginKeepsOldGenerationServing_data();
    void brokenPluginKeepsOldGenerationServing();
    void startupWithBrokenPluginThenFixed();
    void burstOfEventsGivesOneReload();
    void sameContentGivesNoReload();
    void reloadRequestedDuringReloadGivesOneFollowUp();
    void pluginAddedAndRemoved();
    void manualReloadRecordsEveryPhase();
    void manyReloadsLeaveNoMappingOrShadowBehind();
    void pausedWatchingDefersChanges();

private:
    std::unique_ptr<ReloadEngine> makeEngine(int quietPeriodMs = 30);
    static QString body(ReloadEngine &engine, const QString &path = QStringLiteral("/"));
    static int count(const ReloadEngine &engine, ReloadOutcome outcome);

    std::unique_ptr<PluginFolder> m_folder;
    std::unique_ptr<QTemporaryDir> m_shadows;
};

void tst_ReloadEngine::init()
{
    m_folder = std::make_unique<PluginFolder>();
    m_shadows = std::make_unique<QTemporaryDir>();
}

void tst_ReloadEngine::cleanup()
{
    m_folder.reset();
    m_shadows.reset();
}

std::unique_ptr<ReloadEngine> tst_ReloadEngine::makeEngine(int quietPeriodMs)
{
    ReloadEngine::Options options;
    options.pluginDirs = {m_folder->path()};
    options.quietPeriodMs = quietPeriodMs;
    options.incompleteRetries = 3;
    options.shadowRoot = m_shadows->path();
    return std::make_unique<ReloadEngine>(options);
}

QString tst_ReloadEngine::body(ReloadEngine &engine, const QString &path)
{
    const std::shared_ptr<Generation> generation = engine.current();
    if (!generation)
        return QStringLiteral("<no generation>");
    Request request;
    request.path = path;
    const Result<Response> response = generation->container().serve(request);
    if (!response)
        return QStringLiteral("<error> ") + joinErrors(response.errors());
    return QString::fromUtf8(response.value().body);
}

int tst_ReloadEngine::count(const ReloadEngine &engine, ReloadOutcome outcome)
{
    return int(std::count_if(engine.history().cbegin(), engine.history().cend(),
                             [outcome](const ReloadRecord &r) { return r.outcome == outcome; }));
}

void tst_ReloadEngine::startServesFirstGeneration()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine();
    const ReloadRecord record = engine->start();
    QVERIFY2(record.ok(), qPrintable(record.errorText()));
    QCOMPARE(record.cause, ReloadCause::Startup);
    QCOMPARE(engine->generationNumber(), 1u);
    QCOMPARE(body(*engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(record.added, QStringList{QStringLiteral("app.services.MyService")});
}

void tst_ReloadEngine::replacedPluginServesNewCode_data()
{
    QTest::addColumn<PluginFolder::Write>("how");
    QTest::newRow("linker: unlink then write") << PluginFolder::Write::Linker;
    QTest::newRow("in place, same inode") << PluginFolder::Write::InPlace;
    QTest::newRow("temporary file renamed over") << PluginFolder::Write::Rename;
}

void tst_ReloadEngine::replacedPluginServesNewCode()
{
    QFETCH(PluginFolder::Write, how);
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());

    m_folder->putFixture("greeter_v2", how);
    QTRY_COMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
    QCOMPARE(engine->generationNumber(), 2u);
    const ReloadRecord last = *engine->lastReload();
    QCOMPARE(last.cause, ReloadCause::Files);
    QCOMPARE(last.files, QStringList{m_folder->file()});
    QCOMPARE(last.changed, QStringList{QStringLiteral("app.services.MyService")});
    QVERIFY(!last.events.isEmpty());

    // And back: a third generation from the first file's bytes.
    m_folder->putFixture("greeter_v1", how);
    QTRY_COMPARE(body(*engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(engine->generationNumber(), 3u);
}

void tst_ReloadEngine::brokenPluginKeepsOldGenerationServing_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expectedError");
    QTest::newRow("constructor throws")
        << PluginFolder::read(fixtures::plugin("greeter_throws"))
        << QStringLiteral("the constructor threw: database unreachable");
    QTest::newRow("missing dependency")
        << PluginFolder::read(fixtures::plugin("greeter_missingdep"))
        << QStringLiteral("depends on app.services.Missing, which no plugin provides");
    QTest::newRow("not a Qt plugin") << PluginFolder::read(fixtures::plugin("notaplugin"))
                                     << QStringLiteral("without Qt plugin metadata");
    QTest::newRow("another application's plugin")
        << PluginFolder::read(fixtures::plugin("wrongiid"))
        << QStringLiteral("qreload loads \"org.qreload.ComponentProvider/1\"");
    QTest::newRow("not a library at all")
        << QByteArray("#!/bin/sh\necho hello\n") << QStringLiteral("not an ELF shared library");
    const QByteArray v2 = PluginFolder::read(fixtures::plugin("greeter_v2"));
    QTest::newRow("truncated to half")
        << v2.left(v2.size() / 2) << QStringLiteral("not a complete shared library");
    QTest::newRow("last bytes missing")
        << v2.left(v2.size() - 16) << QStringLiteral("not a complete shared library");
}

void tst_ReloadEngine::brokenPluginKeepsOldGenerationServing()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expectedError);
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload \\d+ failed")));
    m_folder->put(bytes, PluginFolder::Write::Linker);
    QTRY_COMPARE(count(*engine, ReloadOutcome::Failed), 1);
    const ReloadRecord failed = engine->history().last();
    QVERIFY2(failed.errorText().contains(expectedError), qPrintable(failed.errorText()));
    QVERIFY2(failed.errorText().contains(m_folder->file()), qPrintable(failed.errorText()));
    QCOMPARE(failed.generationAfter, 1u);

    // Invariant 2: the old generation is untouched and still serving.
    QCOMPARE(engine->generationNumber(), 1u);
    QCOMPARE(body(*engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(QDir(engine->shadowRoot()).entryList(QDir::Dirs | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("g1")});

    // Fixing the file is picked up as usual.
    m_folder->putFixture("greeter_v2");
    QTRY_COMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
}

void tst_ReloadEngine::startupWithBrokenPluginThenFixed()
{
    m_folder->putFixture("greeter_throws");
    auto engine = makeEngine();
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload 1 failed")));
    const ReloadRecord record = engine->start();
    QVERIFY(!record.ok());
    QVERIFY(!engine->current());
    QCOMPARE(engine->generationNumber(), 0u);

    m_folder->putFixture("greeter_v1");
    QTRY_COMPARE(body(*engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(engine->generationNumber(), 1u);
}

void tst_ReloadEngine::burstOfEventsGivesOneReload()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine(100);
    QVERIFY(engine->start().ok());

    // A linker-like burst: the new file written in many small pieces, touched, renamed.
    const QByteArray v2 = PluginFolder::read(fixtures::plugin("greeter_v2"));
    QFile::remove(m_folder->file());
    QFile out(m_folder->file());
    QVERIFY(out.open(QIODevice::WriteOnly));
    for (qsizetype at = 0; at < v2.size(); at += v2.size() / 20 + 1) {
        out.write(v2.mid(at, v2.size() / 20 + 1));
        out.flush();
        QCoreApplication::processEvents(); // let the watcher see each write
    }
    out.close();

    QTRY_VERIFY(!engine->hasPendingEvents() && engine->generationNumber() == 2);
    QCOMPARE(count(*engine, ReloadOutcome::Succeeded), 2); // startup + exactly one reload
    QCOMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
    QVERIFY(engine->lastReload()->events.size() > 1);
}

void tst_ReloadEngine::sameContentGivesNoReload()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());

    m_folder->putFixture("greeter_v1", PluginFolder::Write::Rename); // same bytes, new inode
    QTRY_COMPARE(count(*engine, ReloadOutcome::Skipped), 1);
    QVERIFY(!engine->hasPendingEvents());
    QCOMPARE(count(*engine, ReloadOutcome::Succeeded), 1);
    QCOMPARE(engine->generationNumber(), 1u);
    QVERIFY(
        engine->history().last().decision.contains(QStringLiteral("no plugin's content changed")));
}

void tst_ReloadEngine::reloadRequestedDuringReloadGivesOneFollowUp()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());

    int queued = 0;
    connect(engine.get(), &ReloadEngine::reloadStarted, this, [&] {
        if (engine->history().size() != 1)
            return;
        // Three requests while the first reload runs.
        for (int i = 0; i < 3; ++i) {
            if (engine->reloadNow().decision.contains(QStringLiteral("follow-up")))
                ++queued;
        }
    });
    QVERIFY(engine->reloadNow().ok());
    QCOMPARE(queued, 3);
    QTRY_COMPARE(engine->generationNumber(), 3u);
    QTRY_VERIFY(!engine->hasPendingEvents());
    QCOMPARE(count(*engine, ReloadOutcome::Succeeded), 3); // startup, the reload, one follow-up
}

void tst_ReloadEngine::pluginAddedAndRemoved()
{
    m_folder->putFixture("service_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("service_plugin.so"));
    m_folder->putFixture("repo_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("repo_plugin.so"));
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    const int componentsBefore = int(engine->current()->container().components().size());

    m_folder->putFixture("greeter_v1");
    QTRY_COMPARE(engine->generationNumber(), 2u);
    QCOMPARE(engine->lastReload()->added, QStringList{QStringLiteral("app.services.MyService")});
    QCOMPARE(int(engine->current()->container().components().size()), componentsBefore + 1);

    QFile::remove(m_folder->file());
    QTRY_COMPARE(engine->generationNumber(), 3u);
    QCOMPARE(engine->lastReload()->removed, QStringList{QStringLiteral("app.services.MyService")});

    // Removing the provider of an interface others need fails and keeps generation 3.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload \\d+ failed")));
    QFile::remove(m_folder->file(QStringLiteral("repo_plugin.so")));
    QTRY_COMPARE(count(*engine, ReloadOutcome::Failed), 1);
    QVERIFY2(
        engine->history().last().errorText().contains(QStringLiteral("which no plugin provides"))
            || engine->history().last().errorText().contains(QStringLiteral("no plugin provides")),
        qPrintable(engine->history().last().errorText()));
    QCOMPARE(engine->generationNumber(), 3u);
}

void tst_ReloadEngine::manualReloadRecordsEveryPhase()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    QSignalSpy finished(engine.get(), &ReloadEngine::reloadFinished);
    const ReloadRecord record = engine->reloadNow();
    QVERIFY(record.ok());
    QCOMPARE(record.cause, ReloadCause::Manual);
    QCOMPARE(finished.size(), 1);
    QStringList names;
    for (const PhaseTiming &phase : record.phases) {
        names.append(phase.name);
        QVERIFY(phase.ms >= 0);
    }
    QCOMPARE(names, (QStringList{"stage", "load", "validate", "construct", "carry", "swap",
                                 "shutdown", "unload", "cleanup"}));
    QVERIFY(record.totalMs > 0);
    QCOMPARE(record.generationBefore, 1u);
    QCOMPARE(record.generationAfter, 2u);
}

void tst_ReloadEngine::manyReloadsLeaveNoMappingOrShadowBehind()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    const QString root = engine->shadowRoot();
    const int mappingsOfOneGeneration = mappingsOf(root);
    QVERIFY(mappingsOfOneGeneration > 0);

    const QByteArray v1 = PluginFolder::read(fixtures::plugin("greeter_v1"));
    const QByteArray v2 = PluginFolder::read(fixtures::plugin("greeter_v2"));
    for (int i = 0; i < 200; ++i) {
        m_folder->put(i % 2 ? v1 : v2, PluginFolder::Write::Linker);
        const ReloadRecord record = engine->reloadNow();
        QVERIFY2(record.ok(), qPrintable(record.errorText()));
        QCOMPARE(body(*engine), i % 2 ? QStringLiteral("<h1>Hello, Version 1!</h1>")
                                      : QStringLiteral("<h1>This is Version 2!</h1>"));
    }
    QCOMPARE(engine->generationNumber(), 201u);
    // Invariants 3 and 4: only the current generation is mapped and on disk.
    QCOMPARE(mappingsOf(root), mappingsOfOneGeneration);
    QCOMPARE(mappingsOf(QStringLiteral("/g200/")), 0);
    QCOMPARE(QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("g201")});
    QCOMPARE(QDir(root + QStringLiteral("/g201")).entryList(QDir::Files),
             QStringList{QStringLiteral("greeter.so")});
}

void tst_ReloadEngine::pausedWatchingDefersChanges()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    engine->setWatching(false);
    QSignalSpy observed(engine.get(), &ReloadEngine::fileEventObserved);
    m_folder->putFixture("greeter_v2");
    // The events arrive, and are not acted on while paused.
    QTRY_VERIFY(observed.size() > 0);
    QVERIFY(!engine->hasPendingEvents());
    QCOMPARE(engine->generationNumber(), 1u);
    engine->setWatching(true);
    QTRY_COMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
}

QTEST_GUILESS_MAIN(tst_ReloadEngine)
#include "tst_reloadengine.moc"
