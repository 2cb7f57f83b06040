#include "pluginfolder.h"

#include <contenthash.h>
#include <reloadengine.h>
#include <shadowstore.h>

#include <QCryptographicHash>
#include <QDirIterator>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>

#include <thread>

using namespace qreload;
using namespace qreload::app;

Q_DECLARE_METATYPE(PluginFolder::Write)

/*!
 * Counts reloadStarted and reloadFinished per reload id, to prove that every started reload
 * finishes exactly once. reloadStarted carries no id: a started reload's id is the one its first
 * phaseStarted announces.
 */
class ReloadPairing
{
public:
    explicit ReloadPairing(ReloadEngine &engine)
    {
        QObject::connect(&engine, &ReloadEngine::reloadStarted, &m_context, [this] {
            if (m_awaitingId)
                ++m_unidentified; // started again before its first phase
            m_awaitingId = true;
        });
        QObject::connect(&engine, &ReloadEngine::phaseStarted, &m_context, [this](quint64 id) {
            if (std::exchange(m_awaitingId, false))
                ++m_started[id];
        });
        QObject::connect(&engine, &ReloadEngine::reloadFinished, &m_context,
                         [this](const ReloadRecord &record) {
                             if (std::exchange(m_awaitingId, false))
                                 ++m_unidentified; // finished without a phase
                             ++m_finished[record.id];
                         });
    }

    //! Empty when each started reload finished exactly once, else what went wrong.
    QString problems() const
    {
        QStringList out;
        if (m_awaitingId || m_unidentified > 0)
            out.append(
                QStringLiteral("%1 start(s) without a phase").arg(m_unidentified + m_awaitingId));
        for (auto it = m_started.cbegin(); it != m_started.cend(); ++it) {
            if (it.value() != 1 || m_finished.value(it.key()) != 1)
                out.append(QStringLiteral("reload %1 started %2 time(s), finished %3 time(s)")
                               .arg(it.key())
                               .arg(it.value())
                               .arg(m_finished.value(it.key())));
        }
        return out.join(QStringLiteral("; "));
    }
    int started() const { return int(m_started.size()); }

private:
    QObject m_context;
    QMap<quint64, int> m_started;
    QMap<quint64, int> m_finished;
    bool m_awaitingId = false;
    int m_unidentified = 0;
};

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
    void removedPluginKeepsServing();
    void removedFolderKeepsServing();
    void removedPluginKeptWhileOthersReload();
    void brokenPluginBlocksOnlyItself_data();
    void brokenPluginBlocksOnlyItself();
    void brokenProviderKeepsOthersGraphWhole_data();
    void brokenProviderKeepsOthersGraphWhole();
    void conflictAmongGoodPluginsFailsWholeReload();
    void heldGenerationRetiresWhenReleased_data();
    void heldGenerationRetiresWhenReleased();
    void heldPastDrainTimeoutIsShutDown();
    void destroyedEngineShutsDownHeldGenerations();
    void restartedHostContinuesNumbersAndHistory();
    void restoreBuildsFirstGenerationFromLastWorkingFiles();
    void quarantinedBytesAreNotLoadedAgainAutomatically_data();
    void quarantinedBytesAreNotLoadedAgainAutomatically();
    void phasesAreAnnouncedBeforeTheyRun();
    void proportionalReloadKeepsWhatDidNotChange();
    void failedProportionalReloadLeavesEveryInstanceAsItWas();
    void changedLibraryLeavesProcessUnchangedStaysMappedOnce();
    void reloadAllRecreatesEverything();
    void proportionalReloadsLeaveNoShadowCopyBehind();
    void drainingGenerationLeavesKeptInstancesAlone();
    void callPastDrainTimeoutKeepsItsLibraryMapped();
    void everyStartedReloadFinishesOnce();

private:
    std::unique_ptr<ReloadEngine> makeEngine(int quietPeriodMs = 30, int drainTimeoutMs = 2000);
    //! Runs `change` while watching is paused, so all of it arrives as one reload.
    template<typename F>
    static void asOneChange(ReloadEngine &engine, F change);
    static QString body(ReloadEngine &engine, const QString &path = QStringLiteral("/"));
    static QString body(const std::shared_ptr<Generation> &generation,
                        const QString &path = QStringLiteral("/"));
    static int count(const ReloadEngine &engine, ReloadOutcome outcome);
    //! Puts copy `index` of the chain fixture (`links` links); `version` > 1 appends bytes, so
    //! the copy's content differs while its code stays the same.
    void putChain(int index, int links = 3, int version = 1,
                  PluginFolder::Write how = PluginFolder::Write::Linker);
    //! How often the chain fixture's hooks ran for `key` ("created" or "destroyed").
    static int hooks(const char *what, const QString &key);
    //! The current generation's singleton of every key, for comparing pointers across reloads.
    static QHash<QString, QObject *> instances(ReloadEngine &engine);

    std::unique_ptr<PluginFolder> m_folder;
    std::unique_ptr<QTemporaryDir> m_shadows;
};

void tst_ReloadEngine::init()
{
    for (const QByteArray &name : qApp->dynamicPropertyNames())
        qApp->setProperty(name.constData(), QVariant()); // the chain fixture's hook counts
    m_folder = std::make_unique<PluginFolder>();
    m_shadows = std::make_unique<QTemporaryDir>();
}

void tst_ReloadEngine::cleanup()
{
    m_folder.reset();
    m_shadows.reset();
}

std::unique_ptr<ReloadEngine> tst_ReloadEngine::makeEngine(int quietPeriodMs, int drainTimeoutMs)
{
    ReloadEngine::Options options;
    options.pluginDirs = {m_folder->path()};
    options.quietPeriodMs = quietPeriodMs;
    options.incompleteRetries = 3;
    options.shadowRoot = m_shadows->path();
    options.drainTimeoutMs = drainTimeoutMs;
    return std::make_unique<ReloadEngine>(options);
}

QString tst_ReloadEngine::body(ReloadEngine &engine, const QString &path)
{
    return body(engine.current(), path);
}

QString tst_ReloadEngine::body(const std::shared_ptr<Generation> &generation, const QString &path)
{
    if (!generation)
        return QStringLiteral("<no generation>");
    Request request;
    request.path = path;
    const Result<Response> response = generation->container().serve(request);
    if (!response)
        return QStringLiteral("<error> ") + joinErrors(response.errors());
    return QString::fromUtf8(response.value().body);
}

void tst_ReloadEngine::putChain(int index, int links, int version, PluginFolder::Write how)
{
    m_folder->put(PluginFolder::read(fixtures::plugin("chain")) + QByteArray(version - 1, '\0'),
                  how, QStringLiteral("chain-%1-%2.so").arg(index).arg(links));
}

int tst_ReloadEngine::hooks(const char *what, const QString &key)
{
    return qApp->property((QByteArray(what) + '/' + key.toUtf8()).constData()).toInt();
}

QHash<QString, QObject *> tst_ReloadEngine::instances(ReloadEngine &engine)
{
    QHash<QString, QObject *> out;
    const Container &container = engine.current()->container();
    for (const ComponentInfo &info : container.components()) {
        if (QObject *instance = container.existingInstance(info.key))
            out.insert(info.key, instance);
    }
    return out;
}

template<typename F>
void tst_ReloadEngine::asOneChange(ReloadEngine &engine, F change)
{
    engine.setWatching(false);
    change();
    engine.setWatching(true);
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
    const ReloadPairing pairing(*engine);
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
    QTRY_COMPARE(QDir(engine->shadowRoot()).entryList(QDir::Dirs | QDir::NoDotAndDotDot),
                 QStringList{QStringLiteral("g1")});

    // Fixing the file is picked up as usual.
    m_folder->putFixture("greeter_v2");
    QTRY_COMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
    // Every reload that started (a file still incomplete is retried before one starts) finished
    // exactly once: none is left "reloading".
    QTRY_VERIFY(!engine->hasPendingEvents() && !engine->isReloading());
    QCOMPARE(pairing.problems(), QString());
    QCOMPARE(pairing.started(), 3); // startup, the failure, the fix
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

    // A removed file keeps serving until a manual reload drops it.
    QFile::remove(m_folder->file());
    QTRY_COMPARE(count(*engine, ReloadOutcome::Skipped), 1);
    QCOMPARE(engine->generationNumber(), 2u);
    QCOMPARE(body(*engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));
    const ReloadRecord manual = engine->reloadNow();
    QVERIFY2(manual.ok(), qPrintable(manual.errorText()));
    QCOMPARE(engine->generationNumber(), 3u);
    QCOMPARE(manual.removed, QStringList{QStringLiteral("app.services.MyService")});

    // Dropping the provider of an interface others need fails and keeps generation 3.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload \\d+ failed")));
    QFile::remove(m_folder->file(QStringLiteral("repo_plugin.so")));
    QTRY_COMPARE(count(*engine, ReloadOutcome::Skipped), 2);
    QCOMPARE(engine->reloadNow().outcome, ReloadOutcome::Failed);
    QVERIFY2(
        engine->history().last().errorText().contains(QStringLiteral("which no plugin provides")),
        qPrintable(engine->history().last().errorText()));
    QCOMPARE(engine->generationNumber(), 3u);
    QCOMPARE(body(*engine, QStringLiteral("/items")), QStringLiteral("apple,pear"));
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
    double timed = 0;
    for (const PhaseTiming &phase : record.phases) {
        names.append(phase.name);
        // Timed, each one: a phase that was never lapped would read 0.
        QVERIFY2(phase.ms > 0, qPrintable(phase.name));
        timed += phase.ms;
    }
    QCOMPARE(names, (QStringList{"stage", "load", "validate", "construct", "carry", "swap",
                                 "shutdown", "unload", "cleanup"}));
    // The phases are consecutive stretches of the reload: together they fit in its total, and
    // no phase is counted twice.
    QVERIFY2(
        timed <= record.totalMs,
        qPrintable(QStringLiteral("phases %1 ms, total %2 ms").arg(timed).arg(record.totalMs)));
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
    QTRY_COMPARE(QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot),
                 QStringList{QStringLiteral("g201")});
    QTRY_COMPARE(QDir(root + QStringLiteral("/g201")).entryList(QDir::Files),
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

void tst_ReloadEngine::removedPluginKeepsServing()
{
    m_folder->putFixture("greeter_v1");
    m_folder->putFixture("split_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("split_plugin.so"));
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    QVERIFY(body(*engine, QStringLiteral("/tick")).startsWith(QStringLiteral("stamped ")));

    QVERIFY(QFile::remove(m_folder->file(QStringLiteral("split_plugin.so"))));
    QTRY_COMPARE(count(*engine, ReloadOutcome::Skipped), 1);
    const ReloadRecord skipped = engine->history().last();
    QVERIFY2(skipped.decision.endsWith(QStringLiteral("; split_plugin.so removed; generation 1 "
                                                      "keeps serving its 2 components (Reload to "
                                                      "drop them)")),
             qPrintable(skipped.decision));
    QCOMPARE(skipped.files, QStringList{m_folder->file(QStringLiteral("split_plugin.so"))});
    QVERIFY(skipped.errors.isEmpty());
    // Nothing was lost: the same generation serves both plugins' routes.
    QCOMPARE(engine->generationNumber(), 1u);
    QCOMPARE(int(engine->current()->container().components().size()), 3);
    QVERIFY(body(*engine, QStringLiteral("/tick")).startsWith(QStringLiteral("stamped ")));
    QCOMPARE(body(*engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));

    // The file comes back while the greeter changes: a reload as usual.
    asOneChange(*engine, [&] {
        m_folder->putFixture("split_plugin", PluginFolder::Write::Linker,
                             QStringLiteral("split_plugin.so"));
        m_folder->putFixture("greeter_v2");
    });
    QTRY_COMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
    QCOMPARE(engine->generationNumber(), 2u);
    QVERIFY(!engine->lastReload()->decision.contains(QStringLiteral("removed")));

    // Removed again, then a manual reload drops its components.
    QVERIFY(QFile::remove(m_folder->file(QStringLiteral("split_plugin.so"))));
    QTRY_VERIFY(!engine->hasPendingEvents()
                && engine->history().last().outcome == ReloadOutcome::Skipped);
    QVERIFY2(engine->history().last().decision.contains(
                 QStringLiteral("split_plugin.so removed; generation 2 keeps serving its 2 "
                                "components (Reload to drop them)")),
             qPrintable(engine->history().last().decision));
    const ReloadRecord manual = engine->reloadNow();
    QVERIFY2(manual.ok(), qPrintable(manual.errorText()));
    QCOMPARE(manual.removed,
             (QStringList{QStringLiteral("split.Clock"), QStringLiteral("split.Stamp")}));
    QVERIFY(body(*engine, QStringLiteral("/tick")).startsWith(QStringLiteral("<error>")));
    QCOMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
}

void tst_ReloadEngine::removedFolderKeepsServing()
{
    m_folder->putFixture("greeter_v1");
    m_folder->putFixture("repo_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("repo_plugin.so"));
    m_folder->putFixture("service_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("service_plugin.so"));
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());

    // A clean rebuild: `rm -rf plugins`, then the same files copied back.
    QVERIFY(QDir(m_folder->path()).removeRecursively());
    const auto allKept = [&] {
        const ReloadRecord &last = engine->history().last();
        for (const char *name : {"greeter.so", "repo_plugin.so", "service_plugin.so"}) {
            if (!last.decision.contains(
                    QStringLiteral("%1 removed; generation 1 keeps serving its 1 component "
                                   "(Reload to drop them)")
                        .arg(QLatin1String(name))))
                return false;
        }
        return last.outcome == ReloadOutcome::Skipped;
    };
    QTRY_VERIFY2(allKept(), qPrintable(engine->history().last().decision));
    QCOMPARE(body(*engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(body(*engine, QStringLiteral("/items")), QStringLiteral("apple,pear"));

    QVERIFY(QDir().mkpath(m_folder->path()));
    m_folder->putFixture("repo_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("repo_plugin.so"));
    m_folder->putFixture("service_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("service_plugin.so"));
    m_folder->putFixture("greeter_v1");
    QTRY_VERIFY(!engine->hasPendingEvents()
                && engine->history().last().decision.contains(
                    QStringLiteral("no plugin's content changed")));
    // No generation without them was ever made.
    QCOMPARE(engine->generationNumber(), 1u);
    QCOMPARE(count(*engine, ReloadOutcome::Succeeded), 1);
    QCOMPARE(count(*engine, ReloadOutcome::Failed), 0);

    // And the folder is watched again.
    m_folder->putFixture("greeter_v2");
    QTRY_COMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
    QCOMPARE(body(*engine, QStringLiteral("/items")), QStringLiteral("apple,pear"));
}

void tst_ReloadEngine::removedPluginKeptWhileOthersReload()
{
    m_folder->putFixture("greeter_v1");
    m_folder->putFixture("repo_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("repo_plugin.so"));
    m_folder->putFixture("service_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("service_plugin.so"));
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());

    asOneChange(*engine, [&] {
        QVERIFY(QFile::remove(m_folder->file(QStringLiteral("repo_plugin.so"))));
        m_folder->putFixture("greeter_v2");
    });
    QTRY_COMPARE(engine->generationNumber(), 2u);
    const ReloadRecord record = *engine->lastReload();
    QVERIFY2(record.ok() && record.errors.isEmpty(), qPrintable(record.errorText()));
    QVERIFY2(record.decision.endsWith(QStringLiteral("; repo_plugin.so removed; generation 2 keeps "
                                                     "serving its 1 component (Reload to drop "
                                                     "them)")),
             qPrintable(record.decision));
    QCOMPARE(record.changed, QStringList{QStringLiteral("app.services.MyService")});
    QVERIFY(record.removed.isEmpty());
    QCOMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
    // The catalog still finds the removed plugin's repository: its old code answers.
    QCOMPARE(body(*engine, QStringLiteral("/items")), QStringLiteral("apple,pear"));
    // Only the new bytes were copied: the other two libraries serve on from generation 1's
    // copies, which generation 2 shares.
    QTRY_COMPARE(QDir(engine->shadowRoot() + QStringLiteral("/g2")).entryList(QDir::Files),
                 QStringList{QStringLiteral("greeter.so")});
    QTRY_COMPARE(
        QDir(engine->shadowRoot() + QStringLiteral("/g1")).entryList(QDir::Files),
        (QStringList{QStringLiteral("repo_plugin.so"), QStringLiteral("service_plugin.so")}));
}

void tst_ReloadEngine::brokenPluginBlocksOnlyItself_data()
{
    // Every way a file can be broken on its own (a constructor that throws is not one:
    // construction runs the whole graph, and fails the whole reload as tested above).
    brokenPluginKeepsOldGenerationServing_data();
}

void tst_ReloadEngine::brokenPluginBlocksOnlyItself()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expectedError);
    const bool throwsInConstructor = expectedError.contains(QStringLiteral("constructor threw"));
    m_folder->putFixture("greeter_v1");
    m_folder->putFixture("repo_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("repo_plugin.so"));
    m_folder->putFixture("service_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("service_plugin.so"));
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());

    // The greeter breaks while another plugin is added: the other change still reloads.
    asOneChange(*engine, [&] {
        m_folder->put(bytes, PluginFolder::Write::Linker);
        m_folder->putFixture("split_plugin", PluginFolder::Write::Linker,
                             QStringLiteral("split_plugin.so"));
    });
    if (throwsInConstructor) {
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload 2 failed")));
        QTRY_COMPARE(count(*engine, ReloadOutcome::Failed), 1);
        QVERIFY2(engine->history().last().errorText().contains(expectedError),
                 qPrintable(engine->history().last().errorText()));
        QCOMPARE(engine->generationNumber(), 1u);
        QCOMPARE(body(*engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));
        QCOMPARE(body(*engine, QStringLiteral("/items")), QStringLiteral("apple,pear"));
        return;
    }
    QTRY_COMPARE(engine->generationNumber(), 2u);
    const ReloadRecord record = *engine->lastReload();
    QVERIFY(record.ok());
    QCOMPARE(record.errors.size(), 1);
    QCOMPARE(record.errors.first().pluginFile(), m_folder->file());
    QVERIFY2(record.errorText().contains(expectedError), qPrintable(record.errorText()));
    QVERIFY2(record.decision.endsWith(QStringLiteral("; greeter.so was not loaded (see errors); "
                                                     "generation 2 keeps serving its previous "
                                                     "version")),
             qPrintable(record.decision));
    QCOMPARE(record.added,
             (QStringList{QStringLiteral("split.Clock"), QStringLiteral("split.Stamp")}));
    QVERIFY(record.removed.isEmpty());
    // Nothing lost, the greeter's old code answers, the new plugin serves.
    QCOMPARE(body(*engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(body(*engine, QStringLiteral("/items")), QStringLiteral("apple,pear"));
    QVERIFY(body(*engine, QStringLiteral("/tick")).startsWith(QStringLiteral("stamped ")));

    // Fixing the file is picked up as usual.
    m_folder->putFixture("greeter_v2");
    QTRY_COMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
    QVERIFY(engine->lastReload()->errors.isEmpty());
}

void tst_ReloadEngine::brokenProviderKeepsOthersGraphWhole_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expectedError");
    QTest::addColumn<bool>("loads"); //!< read and hashed (fails when loaded), or not even staged
    QTest::newRow("not a Qt plugin") << PluginFolder::read(fixtures::plugin("notaplugin"))
                                     << QStringLiteral("without Qt plugin metadata") << true;
    QTest::newRow("another application's plugin")
        << PluginFolder::read(fixtures::plugin("wrongiid")) << QStringLiteral("IID") << true;
    QTest::newRow("empty file") << QByteArray() << QStringLiteral("the file is empty") << false;
}

void tst_ReloadEngine::brokenProviderKeepsOthersGraphWhole()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expectedError);
    m_folder->putFixture("greeter_v1");
    m_folder->putFixture("repo_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("repo_plugin.so"));
    m_folder->putFixture("service_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("service_plugin.so"));
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());

    // Only repo_plugin provides the catalog's IRepository; losing it would fail validation.
    asOneChange(*engine, [&] {
        m_folder->put(bytes, PluginFolder::Write::Linker, QStringLiteral("repo_plugin.so"));
        m_folder->putFixture("greeter_v2");
    });
    QTRY_COMPARE(engine->generationNumber(), 2u);
    const ReloadRecord record = *engine->lastReload();
    QVERIFY(record.ok());
    QCOMPARE(record.errors.size(), 1);
    QCOMPARE(record.errors.first().pluginFile(), m_folder->file(QStringLiteral("repo_plugin.so")));
    QVERIFY2(record.errorText().contains(expectedError), qPrintable(record.errorText()));
    QCOMPARE(record.changed, QStringList{QStringLiteral("app.services.MyService")});
    QCOMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
    QCOMPARE(body(*engine, QStringLiteral("/items")), QStringLiteral("apple,pear"));

    // The same bytes again: a library that failed to load is not retried; a file that could
    // not be read is looked at again, and fails again without touching generation 2.
    QFETCH(bool, loads);
    if (!loads)
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload 3 failed")));
    m_folder->put(bytes, PluginFolder::Write::Rename, QStringLiteral("repo_plugin.so"));
    QTRY_COMPARE(engine->history().size(), 3);
    QCOMPARE(engine->history().last().outcome,
             loads ? ReloadOutcome::Skipped : ReloadOutcome::Failed);
    if (loads)
        QVERIFY(engine->history().last().decision.contains(QStringLiteral("same content")));
    else
        QCOMPARE(engine->history().last().errors.first().pluginFile(),
                 m_folder->file(QStringLiteral("repo_plugin.so")));
    QCOMPARE(engine->generationNumber(), 2u);
    QCOMPARE(body(*engine, QStringLiteral("/items")), QStringLiteral("apple,pear"));

    // A manual reload tries the file again, reports it again, and keeps its previous version.
    const ReloadRecord manual = engine->reloadNow();
    QVERIFY(manual.ok());
    QVERIFY2(manual.errorText().contains(expectedError), qPrintable(manual.errorText()));
    QCOMPARE(body(*engine, QStringLiteral("/items")), QStringLiteral("apple,pear"));
}

void tst_ReloadEngine::conflictAmongGoodPluginsFailsWholeReload()
{
    m_folder->putFixture("greeter_v1");
    m_folder->putFixture("repo_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("repo_plugin.so"));
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());

    // Each file is fine on its own; together they register the same key and route twice. Which
    // one to leave out is not qreload's to guess: the whole reload fails.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload \\d+ failed")));
    asOneChange(*engine, [&] {
        m_folder->putFixture("greeter_v2", PluginFolder::Write::Linker,
                             QStringLiteral("greeter2.so"));
        m_folder->putFixture("service_plugin", PluginFolder::Write::Linker,
                             QStringLiteral("service_plugin.so"));
    });
    QTRY_COMPARE(count(*engine, ReloadOutcome::Failed), 1);
    const ReloadRecord failed = engine->history().last();
    QVERIFY2(failed.errorText().contains(QStringLiteral("is registered 2 times")),
             qPrintable(failed.errorText()));
    QCOMPARE(engine->generationNumber(), 1u);
    QCOMPARE(body(*engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));
    QVERIFY(body(*engine, QStringLiteral("/items")).startsWith(QStringLiteral("<error>")));
    QTRY_COMPARE(QDir(engine->shadowRoot()).entryList(QDir::Dirs | QDir::NoDotAndDotDot),
                 QStringList{QStringLiteral("g1")});
}

void tst_ReloadEngine::heldGenerationRetiresWhenReleased_data()
{
    QTest::addColumn<bool>("onAnotherThread");
    QTest::newRow("released on the engine's thread") << false;
    QTest::newRow("released on another thread") << true;
}

void tst_ReloadEngine::heldGenerationRetiresWhenReleased()
{
    QFETCH(bool, onAnotherThread);
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    QSignalSpy retired(engine.get(), &ReloadEngine::generationRetired);

    // An in-flight request holds generation 1 while generation 2 replaces it.
    std::shared_ptr<Generation> held = engine->current();
    m_folder->putFixture("greeter_v2");
    const ReloadRecord record = engine->reloadNow();
    QVERIFY2(record.ok(), qPrintable(record.errorText()));
    QVERIFY2(record.decision.contains(QStringLiteral("generation 1 is still in use")),
             qPrintable(record.decision));
    // The reload did not wait for it, and did not shut it down under the request.
    QCOMPARE(engine->retiringGenerations(), 1);
    QVERIFY(!held->container().isShutDown());
    QCOMPARE(body(held), QStringLiteral("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
    QVERIFY(mappingsOf(QStringLiteral("/g1/")) > 0);
    QVERIFY(retired.isEmpty());

    // A third generation, built anew, while 1 is still held: 2 retires at once, 1 keeps waiting.
    QVERIFY(engine->reloadNow(ReloadCause::Manual, ReloadScope::All).ok());
    QCOMPARE(retired.size(), 1);
    QCOMPARE(retired.first(), (QVariantList{quint64(2), false}));
    QCOMPARE(engine->retiringGenerations(), 1);

    // The request finishes: generation 1 is shut down, unloaded and deleted (invariants 3, 4),
    // and its phases are announced under the reload that replaced it.
    QSignalSpy phases(engine.get(), &ReloadEngine::phaseStarted);
    if (onAnotherThread) {
        std::thread request([held = std::move(held)]() mutable { held.reset(); });
        request.join();
    } else {
        held.reset();
    }
    QTRY_COMPARE(engine->retiringGenerations(), 0);
    QCOMPARE(retired.size(), 2);
    QCOMPARE(retired.last(), (QVariantList{quint64(1), false}));
    QCOMPARE(phases.size(), 3);
    QCOMPARE(phases.at(0), (QVariantList{record.id, QStringLiteral("shutdown")}));
    QCOMPARE(phases.at(1), (QVariantList{record.id, QStringLiteral("unload")}));
    QCOMPARE(phases.at(2), (QVariantList{record.id, QStringLiteral("cleanup")}));
    QCOMPARE(mappingsOf(QStringLiteral("/g1/")), 0);
    QCOMPARE(mappingsOf(QStringLiteral("/g2/")), 0);
    QTRY_COMPARE(QDir(engine->shadowRoot()).entryList(QDir::Dirs | QDir::NoDotAndDotDot),
                 QStringList{QStringLiteral("g3")});
    QCOMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
}

void tst_ReloadEngine::heldPastDrainTimeoutIsShutDown()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine(30, 50);
    QVERIFY(engine->start().ok());
    QSignalSpy retired(engine.get(), &ReloadEngine::generationRetired);

    std::shared_ptr<Generation> held = engine->current();
    m_folder->putFixture("greeter_v2");
    QVERIFY(engine->reloadNow().ok());
    QCOMPARE(engine->retiringGenerations(), 1);

    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral(
                             "generation 1 still in use after 50 ms; shutting it down anyway")));
    QTRY_COMPARE(retired.size(), 1);
    QCOMPARE(retired.first(), (QVariantList{quint64(1), true}));
    QCOMPARE(engine->retiringGenerations(), 0);
    // Shut down and unloaded under its holder, which now gets a clear error instead of old code.
    QVERIFY(held->container().isShutDown());
    QVERIFY2(body(held).contains(QStringLiteral("shut down")), qPrintable(body(held)));
    QCOMPARE(mappingsOf(QStringLiteral("/g1/")), 0);
    QTRY_COMPARE(QDir(engine->shadowRoot()).entryList(QDir::Dirs | QDir::NoDotAndDotDot),
                 QStringList{QStringLiteral("g2")});

    // Letting go afterwards frees it, and retires nothing twice.
    held.reset();
    QCoreApplication::processEvents();
    QCOMPARE(retired.size(), 1);
    QCOMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
}

void tst_ReloadEngine::destroyedEngineShutsDownHeldGenerations()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    const QString root = engine->shadowRoot();
    std::shared_ptr<Generation> first = engine->current();
    QVERIFY(engine->reloadNow().ok());
    std::shared_ptr<Generation> second = engine->current();
    QCOMPARE(engine->retiringGenerations(), 1);

    // The destructor does not wait: everything is shut down and unloaded, held or not.
    engine.reset();
    QVERIFY(first->container().isShutDown());
    QVERIFY(second->container().isShutDown());
    QCOMPARE(mappingsOf(root), 0);
    QCOMPARE(QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot), QStringList());
    // The holders free what they hold, without the engine.
    first.reset();
    std::thread([second = std::move(second)]() mutable { second.reset(); }).join();
}

void tst_ReloadEngine::restartedHostContinuesNumbersAndHistory()
{
    m_folder->putFixture("greeter_v1");
    ReloadEngine::Options options;
    options.pluginDirs = {m_folder->path()};
    options.quietPeriodMs = 30;
    options.shadowRoot = m_shadows->path();
    options.firstGeneration = 7;
    options.firstRecordId = 40;
    ReloadEngine engine(options);
    ReloadRecord earlier;
    earlier.id = 39;
    earlier.cause = ReloadCause::Files;
    earlier.outcome = ReloadOutcome::Succeeded;
    earlier.generationBefore = 5;
    earlier.generationAfter = 6;
    engine.seedHistory({earlier});

    const ReloadRecord first = engine.start();
    QVERIFY2(first.ok(), qPrintable(first.errorText()));
    QCOMPARE(first.id, 40u);
    QCOMPARE(engine.generationNumber(), 7u);
    QVERIFY(QDir(engine.shadowRoot() + QStringLiteral("/g7")).exists());
    const ReloadRecord second = engine.reloadNow();
    QCOMPARE(second.id, 41u);
    QCOMPARE(second.generationBefore, 7u);
    QCOMPARE(engine.generationNumber(), 8u);
    // The earlier host's record comes first, as /_qreload/log shows it.
    QCOMPARE(engine.history().size(), 3);
    QCOMPARE(engine.history().first().id, 39u);
    QCOMPARE(engine.history().first().generationAfter, 6u);
    QCOMPARE(engine.history().last().id, 41u);
}

void tst_ReloadEngine::restoreBuildsFirstGenerationFromLastWorkingFiles()
{
    // The folder holds the bytes that crashed the last host; its shadow copy of the last
    // greeter that worked (version 2) is what the new host starts on.
    m_folder->putFixture("greeter_throws");
    m_folder->putFixture("repo_plugin", PluginFolder::Write::Linker,
                         QStringLiteral("repo_plugin.so"));
    QTemporaryDir dead;
    QVERIFY(QDir().mkpath(dead.filePath(QStringLiteral("g4"))));
    const QString lastGood = dead.filePath(QStringLiteral("g4/greeter.so"));
    QVERIFY(QFile::copy(fixtures::plugin("greeter_v2"), lastGood));
    const QString lastGoodRepo = dead.filePath(QStringLiteral("g4/repo_plugin.so"));
    QVERIFY(QFile::copy(fixtures::plugin("repo_plugin"), lastGoodRepo));

    ReloadEngine::Options options;
    options.pluginDirs = {m_folder->path()};
    options.quietPeriodMs = 30;
    options.shadowRoot = m_shadows->path();
    options.firstGeneration = 5;
    options.restore = {{m_folder->file(), lastGood},
                       {m_folder->file(QStringLiteral("repo_plugin.so")), lastGoodRepo}};
    options.startDecision = QStringLiteral("restarted after a crash on the last plugins that "
                                           "worked");
    ReloadEngine engine(options);
    const ReloadRecord first = engine.start();
    QVERIFY2(first.ok(), qPrintable(first.errorText()));
    QCOMPARE(first.decision, options.startDecision);
    QCOMPARE(first.files,
             (QStringList{m_folder->file(), m_folder->file(QStringLiteral("repo_plugin.so"))}));
    QCOMPARE(engine.generationNumber(), 5u);
    QCOMPARE(body(engine), QStringLiteral("<h1>This is Version 2!</h1>"));

    // Records, status and hashes speak of the watched files; the bytes were staged into this
    // engine's own shadow store, and the dead host's copies are left as they were.
    const QList<PluginSource> plugins = engine.currentPlugins();
    QCOMPARE(plugins.size(), 2);
    QCOMPARE(plugins.first().originPath, m_folder->file());
    QCOMPARE(plugins.first().loadPath, engine.shadowRoot() + QStringLiteral("/g5/greeter.so"));
    QCOMPARE(plugins.first().contentHash, ShadowStore::snapshot(lastGood).value().contentHash);
    QCOMPARE(engine.current()->container().components().first().pluginFile, m_folder->file());
    QVERIFY(QFile::exists(lastGood));

    // Later reloads read the folder again.
    m_folder->putFixture("greeter_v1");
    QTRY_COMPARE(body(engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(engine.lastReload()->files, QStringList{m_folder->file()});
}

void tst_ReloadEngine::quarantinedBytesAreNotLoadedAgainAutomatically_data()
{
    QTest::addColumn<bool>("manual");
    QTest::newRow("cleared by new bytes") << false;
    QTest::newRow("cleared by a manual reload") << true;
}

void tst_ReloadEngine::quarantinedBytesAreNotLoadedAgainAutomatically()
{
    QFETCH(bool, manual);
    // greeter_throws stands for bytes that crashed the last host (it only throws, safely). They
    // are still in the folder; the new host starts on the dead host's copy of version 1.
    const QByteArray crashed = PluginFolder::read(fixtures::plugin("greeter_throws"));
    m_folder->put(crashed, PluginFolder::Write::Linker);
    QTemporaryDir dead;
    const QString lastGood = dead.filePath(QStringLiteral("greeter.so"));
    QVERIFY(QFile::copy(fixtures::plugin("greeter_v1"), lastGood));
    ReloadEngine::Options options;
    options.pluginDirs = {m_folder->path()};
    options.quietPeriodMs = 30;
    options.shadowRoot = m_shadows->path();
    options.restore = {{m_folder->file(), lastGood}};
    options.quarantine.insert(m_folder->file(), qreload::protocol::contentHash(crashed));
    ReloadEngine engine(options);
    QVERIFY(engine.start().ok());
    QCOMPARE(body(engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));

    // A watched change to exactly those bytes is skipped, and says why.
    m_folder->put(crashed, PluginFolder::Write::Rename);
    QTRY_COMPARE(count(engine, ReloadOutcome::Skipped), 1);
    const ReloadRecord skipped = engine.history().last();
    QVERIFY2(skipped.decision.contains(QStringLiteral(
                 "; greeter.so not loaded: these bytes crashed the last host, and are loaded "
                 "again only when the file changes or on a manual reload (generation 1 keeps "
                 "serving its previous version)")),
             qPrintable(skipped.decision));
    QCOMPARE(skipped.files, QStringList{m_folder->file()});
    QVERIFY(skipped.errors.isEmpty());
    QCOMPARE(engine.generationNumber(), 1u);
    QCOMPARE(body(engine), QStringLiteral("<h1>Hello, Version 1!</h1>"));

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload \\d+ failed")));
    if (manual) {
        // The user asks for the files as they are: the bytes are tried (and fail safely here).
        const ReloadRecord tried = engine.reloadNow();
        QCOMPARE(tried.outcome, ReloadOutcome::Failed);
        QVERIFY2(tried.errorText().contains(QStringLiteral("database unreachable")),
                 qPrintable(tried.errorText()));
    } else {
        // New bytes clear it; the crashed bytes coming back later are tried like any others.
        m_folder->putFixture("greeter_v2");
        QTRY_COMPARE(body(engine), QStringLiteral("<h1>This is Version 2!</h1>"));
        m_folder->put(crashed, PluginFolder::Write::Linker);
        QTRY_COMPARE(count(engine, ReloadOutcome::Failed), 1);
        QVERIFY2(
            engine.history().last().errorText().contains(QStringLiteral("database unreachable")),
            qPrintable(engine.history().last().errorText()));
    }
    QCOMPARE(body(engine), manual ? QStringLiteral("<h1>Hello, Version 1!</h1>")
                                  : QStringLiteral("<h1>This is Version 2!</h1>"));
}

void tst_ReloadEngine::phasesAreAnnouncedBeforeTheyRun()
{
    m_folder->putFixture("greeter_v1");
    QStringList seen; // "started" and the phases, in the order they were announced
    quint64 announcedId = 0;
    auto engine = makeEngine();
    connect(engine.get(), &ReloadEngine::reloadStarted, this,
            [&] { seen.append(QStringLiteral("started")); });
    connect(engine.get(), &ReloadEngine::phaseStarted, this,
            [&](quint64 recordId, const QString &phase) {
                announcedId = recordId;
                // Announced before it runs: no timing of it exists yet in the record.
                seen.append(phase);
            });
    const ReloadRecord first = engine->start();
    QVERIFY(first.ok());
    QCOMPARE(seen,
             (QStringList{"started", "stage", "stage", "load", "validate", "construct", "swap"}));
    QCOMPARE(announcedId, first.id);

    seen.clear();
    const ReloadRecord record = engine->reloadNow();
    QVERIFY(record.ok());
    QCOMPARE(announcedId, record.id);
    QCOMPARE(seen, (QStringList{"started", "stage", "stage", "load", "validate", "construct",
                                "carry", "swap", "shutdown", "unload", "cleanup"}));
    QStringList timed;
    for (const PhaseTiming &phase : record.phases)
        timed.append(phase.name);
    seen.removeDuplicates();
    seen.removeFirst();
    QCOMPARE(timed, seen);
}

namespace {

QStringList keys(const QString &chain, const QStringList &names)
{
    QStringList out;
    for (const QString &name : names)
        out.append(chain + QLatin1Char('.') + name);
    return out;
}

} // namespace

void tst_ReloadEngine::proportionalReloadKeepsWhatDidNotChange()
{
    // chain0 <- chain1 <- chain2, each a plugin of three links (and a lazy component, and a
    // holder of a prototype): changing chain1 recreates chain1 and, through named<IStage>, the
    // chain2 links that depend on it; everything else runs on as the very same instances.
    for (int index = 0; index < 3; ++index)
        putChain(index);
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    QVERIFY(engine->current()->container().get(QStringLiteral("chain0.lazy")));
    QVERIFY(engine->current()->container().get(QStringLiteral("chain2.lazy")));
    // A prototype instance made for a lookup, not for a component: it dies with generation 1.
    QVERIFY(engine->current()->container().get(QStringLiteral("chain0.piece")));
    QCOMPARE(engine->current()->container().liveInstances(QStringLiteral("chain0.piece")), 2);
    QCOMPARE(body(*engine, QStringLiteral("/chain2")),
             QStringLiteral("chain0.link0 <- chain0.link1 <- chain0.link2 <- chain1.link0 <- "
                            "chain1.link1 <- chain1.link2 <- chain2.link0 <- chain2.link1 <- "
                            "chain2.link2"));
    QCOMPARE(body(*engine, QStringLiteral("/chain0")),
             QStringLiteral("chain0.link0 <- chain0.link1 <- chain0.link2"));
    const QHash<QString, QObject *> before = instances(*engine);
    QCOMPARE(before.size(), 3 * 4 + 2); // links and holders, two lazy ones used

    putChain(1, 3, 2); // new bytes of chain1, as a linker writes them
    QTRY_COMPARE(engine->generationNumber(), 2u);
    const ReloadRecord record = *engine->lastReload();
    QVERIFY2(record.ok() && record.errors.isEmpty(), qPrintable(record.errorText()));
    QCOMPARE(record.scope, ReloadScope::Changed);
    QCOMPARE(record.files, QStringList{m_folder->file(QStringLiteral("chain-1-3.so"))});
    const QStringList kept
        = keys(QStringLiteral("chain0"),
               {QStringLiteral("holder"), QStringLiteral("lazy"), QStringLiteral("link0"),
                QStringLiteral("link1"), QStringLiteral("link2"), QStringLiteral("piece")})
          + keys(QStringLiteral("chain2"), {QStringLiteral("holder"), QStringLiteral("piece")});
    QCOMPARE(record.kept, kept);
    const QStringList recreated
        = keys(QStringLiteral("chain1"),
               {QStringLiteral("holder"), QStringLiteral("link0"), QStringLiteral("link1"),
                QStringLiteral("link2"), QStringLiteral("piece")})
          + keys(QStringLiteral("chain2"),
                 {QStringLiteral("link0"), QStringLiteral("link1"), QStringLiteral("link2")});
    QCOMPARE(record.recreated, recreated);
    QCOMPARE(record.changed,
             keys(QStringLiteral("chain1"),
                  {QStringLiteral("holder"), QStringLiteral("lazy"), QStringLiteral("link0"),
                   QStringLiteral("link1"), QStringLiteral("link2"), QStringLiteral("piece")}));

    // Kept: the same objects, whose hooks did not run again (nor their before-destroy hooks
    // when generation 1 was retired).
    const QHash<QString, QObject *> after = instances(*engine);
    for (const QString &key : kept) {
        if (key.endsWith(QLatin1String(".piece")))
            continue; // a prototype: no singleton to compare
        QVERIFY2(after.value(key) == before.value(key), qPrintable(key));
        QCOMPARE(hooks("created", key), 1);
        QCOMPARE(hooks("destroyed", key), 0);
    }
    // The prototype instance a kept holder was given lives on with it; the one made for a
    // lookup was destroyed with generation 1.
    QCOMPARE(engine->current()->container().liveInstances(QStringLiteral("chain0.piece")), 1);
    QCOMPARE(hooks("destroyed", QStringLiteral("chain0.piece")), 1);
    QCOMPARE(engine->current()
                 ->container()
                 .invoke(QStringLiteral("chain2.holder"), QStringLiteral("piece"))
                 .value()
                 .toString(),
             QStringLiteral("Piece"));
    // Recreated: new objects; the old ones were destroyed with generation 1, hooks and all.
    for (const QString &key : recreated) {
        if (key.endsWith(QLatin1String(".piece")))
            continue;
        QVERIFY2(after.value(key) && after.value(key) != before.value(key), qPrintable(key));
        QCOMPARE(hooks("created", key), 2);
        QCOMPARE(hooks("destroyed", key), 1);
    }
    // A lazy component that depends on a recreated one is recreated on its next use.
    QVERIFY(!after.contains(QStringLiteral("chain2.lazy")));
    QCOMPARE(hooks("destroyed", QStringLiteral("chain2.lazy")), 1);
    QObject *lazy = engine->current()->container().get(QStringLiteral("chain2.lazy")).value();
    QVERIFY(lazy != before.value(QStringLiteral("chain2.lazy")));
    // State: a recreated component gets its predecessor's; a kept one simply keeps its own.
    QCOMPARE(record.carriedState, QStringList{QStringLiteral("chain1.link2")}
                                      + QStringList{QStringLiteral("chain2.link2")});
    QCOMPARE(after.value(QStringLiteral("chain2.link2"))->property("hits").toInt(), 1);
    QCOMPARE(after.value(QStringLiteral("chain0.link2"))->property("hits").toInt(), 1);
    QCOMPARE(body(*engine, QStringLiteral("/chain2")).count(QStringLiteral(" <- ")), 8);
    QCOMPARE(after.value(QStringLiteral("chain2.link2"))->property("hits").toInt(), 2);

    // A file written again with the bytes it has: nothing to reload.
    putChain(0);
    QTRY_COMPARE(count(*engine, ReloadOutcome::Skipped), 1);
    QCOMPARE(engine->generationNumber(), 2u);
}

void tst_ReloadEngine::failedProportionalReloadLeavesEveryInstanceAsItWas()
{
    for (int index = 0; index < 3; ++index)
        putChain(index);
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    const QHash<QString, QObject *> before = instances(*engine);

    // chain1 changes and a new plugin's constructor throws: construction fails, after it kept
    // chain0 and built chain1 and chain2 anew.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(
                                           "reload 2 failed: .*the constructor threw")));
    asOneChange(*engine, [&] {
        putChain(1, 3, 2);
        m_folder->putFixture("greeter_throws");
    });
    QTRY_COMPARE(count(*engine, ReloadOutcome::Failed), 1);
    const ReloadRecord record = *engine->lastReload();
    QVERIFY2(record.errorText().contains(QStringLiteral("constructor threw")),
             qPrintable(record.errorText()));
    QCOMPARE(engine->generationNumber(), 1u);
    QVERIFY(record.kept.isEmpty());
    QVERIFY(record.recreated.isEmpty());
    // Everything of generation 1 is as it was: the same objects, no hook ran on them. What the
    // candidate built is gone again.
    QCOMPARE(instances(*engine), before);
    for (auto it = before.cbegin(); it != before.cend(); ++it) {
        const bool rebuilt = it.key().startsWith(QLatin1String("chain1."))
                             || it.key().startsWith(QLatin1String("chain2.link"));
        QCOMPARE(hooks("created", it.key()), rebuilt ? 2 : 1);
        QCOMPARE(hooks("destroyed", it.key()), rebuilt ? 1 : 0);
    }
    QCOMPARE(body(*engine, QStringLiteral("/chain2")).count(QStringLiteral(" <- ")), 8);
    // The candidate's copy of chain1 left the process and the disk; generation 1's stay.
    QCOMPARE(mappingsOf(m_shadows->path() + QStringLiteral("/g2/")), 0);
    QVERIFY(!QDir(m_shadows->path() + QStringLiteral("/g2")).exists());
    QVERIFY(mappingsOf(m_shadows->path() + QStringLiteral("/g1/chain-1-3.so")) > 0);
}

void tst_ReloadEngine::changedLibraryLeavesProcessUnchangedStaysMappedOnce()
{
    for (int index = 0; index < 3; ++index)
        putChain(index);
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    const QString root = m_shadows->path();
    for (int version = 2; version <= 4; ++version) {
        putChain(1, 3, version);
        QTRY_COMPARE(engine->generationNumber(), quint64(version));
        QVERIFY(engine->lastReload()->ok());
    }
    // chain1's copies of generations 1 to 3 were unloaded with the generation they served;
    // chain0 and chain2 are still generation 1's copies, mapped once each.
    for (int generation = 1; generation <= 3; ++generation)
        QCOMPARE(mappingsOf(root + QStringLiteral("/g%1/chain-1-3.so").arg(generation)), 0);
    QVERIFY(mappingsOf(root + QStringLiteral("/g4/chain-1-3.so")) > 0);
    for (const QString &name : {QStringLiteral("chain-0-3.so"), QStringLiteral("chain-2-3.so")}) {
        QVERIFY(mappingsOf(root + QStringLiteral("/g1/") + name) > 0);
        QCOMPARE(mappingsOf(QLatin1Char('/') + name),
                 mappingsOf(root + QStringLiteral("/g1/") + name));
    }
    QStringList loaded;
    for (const PluginSource &source : engine->currentPlugins())
        loaded.append(source.loadPath.mid(root.size()));
    QCOMPARE(loaded,
             (QStringList{QStringLiteral("/g1/chain-0-3.so"), QStringLiteral("/g4/chain-1-3.so"),
                          QStringLiteral("/g1/chain-2-3.so")}));
}

void tst_ReloadEngine::reloadAllRecreatesEverything()
{
    for (int index = 0; index < 2; ++index)
        putChain(index);
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    const QHash<QString, QObject *> before = instances(*engine);
    const QString root = m_shadows->path();

    // A plain manual reload with nothing changed makes a new generation that keeps everything.
    ReloadRecord record = engine->reloadNow();
    QVERIFY2(record.ok(), qPrintable(record.errorText()));
    QCOMPARE(record.scope, ReloadScope::Changed);
    QVERIFY(record.recreated.isEmpty());
    QCOMPARE(record.kept.size(), 2 * 5);
    QCOMPARE(instances(*engine), before);
    QVERIFY(!QDir(root + QStringLiteral("/g2")).exists()); // nothing new to copy

    // Reload all: every library loaded anew, every instance built anew.
    record = engine->reloadNow(ReloadCause::Manual, ReloadScope::All);
    QVERIFY2(record.ok(), qPrintable(record.errorText()));
    QCOMPARE(record.scope, ReloadScope::All);
    QVERIFY(record.kept.isEmpty());
    QCOMPARE(record.recreated.size(), 2 * 5); // links, holders, pieces (lazy ones wait)
    const QHash<QString, QObject *> after = instances(*engine);
    for (const QString &key : before.keys()) {
        QVERIFY2(after.value(key) != before.value(key), qPrintable(key));
        QCOMPARE(hooks("destroyed", key), 1);
    }
    QTRY_COMPARE(QDir(root + QStringLiteral("/g3")).entryList(QDir::Files),
                 (QStringList{QStringLiteral("chain-0-3.so"), QStringLiteral("chain-1-3.so")}));
    QCOMPARE(mappingsOf(root + QStringLiteral("/g1/")), 0);
    QTRY_COMPARE(QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot),
                 QStringList{QStringLiteral("g3")});
}

void tst_ReloadEngine::proportionalReloadsLeaveNoShadowCopyBehind()
{
    for (int index = 0; index < 4; ++index)
        putChain(index, 2);
    auto engine = makeEngine();
    QVERIFY(engine->start().ok());
    const QString root = m_shadows->path();
    // Each reload changes one plugin, another one each time, and sometimes reloads all.
    for (int round = 1; round <= 24; ++round) {
        putChain(round % 4, 2, 1 + round);
        const ReloadRecord record = engine->reloadNow(
            ReloadCause::Manual, round % 8 == 0 ? ReloadScope::All : ReloadScope::Changed);
        QVERIFY2(record.ok(), qPrintable(record.errorText()));
    }
    // One copy per plugin on disk (deleted on the shadow store's thread) and in memory, and no
    // empty folder.
    const auto files = [&] {
        int count = 0;
        for (QDirIterator it(root, QDir::Files, QDirIterator::Subdirectories); it.hasNext();
             it.next())
            ++count;
        return count;
    };
    QTRY_COMPARE(files(), 4);
    const auto emptyFolders = [&] {
        QStringList empty;
        for (const QString &folder : QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            if (QDir(root + QLatin1Char('/') + folder).isEmpty())
                empty.append(folder);
        }
        return empty;
    };
    QTRY_COMPARE(emptyFolders(), QStringList());
    for (const PluginSource &source : engine->currentPlugins()) {
        QVERIFY(QFile::exists(source.loadPath));
        QVERIFY(mappingsOf(source.loadPath) > 0);
    }
    QCOMPARE(mappingsOf(QStringLiteral("/chain-")), [&] {
        int mapped = 0;
        for (const PluginSource &source : engine->currentPlugins())
            mapped += mappingsOf(source.loadPath);
        return mapped;
    }());
}

void tst_ReloadEngine::drainingGenerationLeavesKeptInstancesAlone()
{
    for (int index = 0; index < 2; ++index)
        putChain(index);
    auto engine = makeEngine(30, 50);
    QVERIFY(engine->start().ok());
    const QHash<QString, QObject *> before = instances(*engine);

    // A request holds generation 1 while chain1 changes; generation 2 keeps chain0's instances.
    std::shared_ptr<Generation> held = engine->current();
    putChain(1, 3, 2);
    QVERIFY(engine->reloadNow().ok());
    QCOMPARE(engine->retiringGenerations(), 1);
    QCOMPARE(instances(*engine).value(QStringLiteral("chain0.link2")),
             before.value(QStringLiteral("chain0.link2")));

    // The drain times out: generation 1 is shut down and unloaded under its holder, but what
    // generation 2 kept is neither destroyed nor has its before-destroy hook run, and its
    // library stays mapped.
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral(
                             "generation 1 still in use after 50 ms; shutting it down anyway")));
    QSignalSpy retired(engine.get(), &ReloadEngine::generationRetired);
    QTRY_COMPARE(retired.size(), 1);
    QVERIFY(held->container().isShutDown());
    for (const QString &key :
         keys(QStringLiteral("chain0"), {QStringLiteral("link0"), QStringLiteral("link1"),
                                         QStringLiteral("link2"), QStringLiteral("holder")})) {
        QCOMPARE(hooks("destroyed", key), 0);
        QCOMPARE(instances(*engine).value(key), before.value(key));
    }
    QCOMPARE(hooks("destroyed", QStringLiteral("chain1.link0")), 1);
    QVERIFY(mappingsOf(m_shadows->path() + QStringLiteral("/g1/chain-0-3.so")) > 0);
    QCOMPARE(mappingsOf(m_shadows->path() + QStringLiteral("/g1/chain-1-3.so")), 0);
    QCOMPARE(body(*engine, QStringLiteral("/chain1")).count(QStringLiteral(" <- ")), 5);

    // The holder lets go: nothing is destroyed twice; generation 2 serves on.
    held.reset();
    QCoreApplication::processEvents();
    QCOMPARE(hooks("destroyed", QStringLiteral("chain0.link0")), 0);
    QCOMPARE(hooks("destroyed", QStringLiteral("chain1.link0")), 1);
    QCOMPARE(body(*engine, QStringLiteral("/chain0")).count(QStringLiteral(" <- ")), 2);
    // Retiring generation 2 at last destroys the kept instances, once.
    engine.reset();
    QCOMPARE(hooks("destroyed", QStringLiteral("chain0.link0")), 1);
    QCOMPARE(hooks("destroyed", QStringLiteral("chain1.link0")), 2);
}

QTEST_GUILESS_MAIN(tst_ReloadEngine)
void tst_ReloadEngine::callPastDrainTimeoutKeepsItsLibraryMapped()
{
    m_folder->putFixture("nestedloop");
    auto engine = makeEngine(30, 50);
    QVERIFY(engine->start().ok());
    QSignalSpy retired(engine.get(), &ReloadEngine::generationRetired);
    QSignalSpy overran(engine.get(), &ReloadEngine::drainOverrun);
    qApp->setProperty("nestedloop/release", false);

    // While the route waits in its nested event loop (as one waiting for a QNetworkReply does),
    // a reload replaces its generation and the drain timeout passes.
    bool checked = false;
    QTimer::singleShot(0, this, [&] {
        // The route is let go whatever fails here.
        const auto release = qScopeGuard([] { qApp->setProperty("nestedloop/release", true); });
        QVERIFY(qApp->property("nestedloop/running").toBool());
        m_folder->putFixture("greeter_v2");
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral(
                                 "generation 1 is past its drain timeout \\(50 ms\\): a call into "
                                 "it has run for \\d+ ms; it is shut down and unloaded when its "
                                 "calls return")));
        QVERIFY(engine->reloadNow().ok());
        QCOMPARE(engine->generationNumber(), 2u);
        QCOMPARE(engine->retiringGenerations(), 1);
        // The timeout came and went: the overrun is reported, nothing is shut down or unloaded
        // under the running call.
        QTRY_COMPARE(overran.size(), 1);
        QCOMPARE(overran.first().at(0).value<quint64>(), 1u);
        QVERIFY(overran.first().at(1).toLongLong() > 0);
        QCOMPARE(retired.size(), 0);
        QCOMPARE(engine->retiringGenerations(), 1);
        QVERIFY(mappingsOf(QStringLiteral("/g1/")) > 0);
        QCOMPARE(body(*engine), QStringLiteral("<h1>This is Version 2!</h1>"));
        checked = true;
    });
    std::shared_ptr<Generation> held = engine->current(); // as the preview server holds it
    const QString answer = body(held);
    held.reset();
    QVERIFY(checked);
    QCOMPARE(answer, QStringLiteral("returned after 1 nested loop"));

    // The call returned and its holder let go: now it is retired, and its library unloaded.
    QTRY_COMPARE(retired.size(), 1);
    QCOMPARE(retired.first(), (QVariantList{quint64(1), false}));
    QCOMPARE(overran.size(), 1);
    QCOMPARE(engine->retiringGenerations(), 0);
    QCOMPARE(mappingsOf(QStringLiteral("/g1/")), 0);
    QTRY_COMPARE(QDir(engine->shadowRoot()).entryList(QDir::Dirs | QDir::NoDotAndDotDot),
                 QStringList{QStringLiteral("g2")});
}

void tst_ReloadEngine::everyStartedReloadFinishesOnce()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine();
    const ReloadPairing pairing(*engine);
    QVERIFY(engine->start().ok());

    // No change: watched (skipped at stage) and by the build (skipped without a plan).
    m_folder->putFixture("greeter_v1", PluginFolder::Write::Rename);
    QTRY_COMPARE(count(*engine, ReloadOutcome::Skipped), 1);
    QCOMPARE(engine->reloadForEvents({}, QStringLiteral("built")).outcome, ReloadOutcome::Skipped);
    // Success, manual and watched; a request during a reload becomes one follow-up.
    QVERIFY(engine->reloadNow().ok());
    int queued = 0;
    connect(engine.get(), &ReloadEngine::reloadStarted, this, [&] {
        if (queued == 0 && engine->reloadNow().decision.contains(QStringLiteral("follow-up")))
            ++queued;
    });
    m_folder->putFixture("greeter_v2");
    QTRY_COMPARE(engine->generationNumber(), 4u);
    QCOMPARE(queued, 1);
    // Failures: constructor throws, validation, load; the same bytes again are not retried.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload \\d+ failed")));
    m_folder->putFixture("greeter_throws");
    QTRY_COMPARE(count(*engine, ReloadOutcome::Failed), 1);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload \\d+ failed")));
    m_folder->putFixture("greeter_missingdep");
    QTRY_COMPARE(count(*engine, ReloadOutcome::Failed), 2);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload \\d+ failed")));
    m_folder->putFixture("wrongiid");
    QTRY_COMPARE(count(*engine, ReloadOutcome::Failed), 3);
    QCOMPARE(engine->reloadForEvents({}, QStringLiteral("built")).outcome, ReloadOutcome::Skipped);
    // (A file still being written: brokenPluginKeepsOldGenerationServing's truncated rows.)
    QTRY_VERIFY(!engine->hasPendingEvents() && !engine->isReloading());

    QCOMPARE(pairing.problems(), QString());
    QCOMPARE(pairing.started(), engine->history().size());
}

#include "tst_reloadengine.moc"
