// Watching plugin folders: a plugin file known to be complete (closed after writing, moved into
// place) reloads after a short settle window instead of the quiet period; a file still open for
// writing, or a running ninja build, holds the reload; the QFileSystemWatcher fallback waits the
// quiet period as before. Files are written the way linkers, cp and editors write them.
#include "pluginfolder.h"

#include <folderwatcher.h>
#include <reloadengine.h>

#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <utime.h>

using namespace qreload;
using namespace qreload::app;

namespace {

//! Long enough that a reload after it never happens within a test's QTRY timeout.
constexpr int NeverMs = 60000;

int succeeded(const ReloadEngine &engine)
{
    return int(
        std::count_if(engine.history().cbegin(), engine.history().cend(),
                      [](const ReloadRecord &r) { return r.outcome == ReloadOutcome::Succeeded; }));
}

QStringList kindsOf(const QList<FileEvent> &events, const QString &path)
{
    QStringList kinds;
    for (const FileEvent &event : events) {
        if (event.path == path)
            kinds.append(event.kind);
    }
    return kinds;
}

//! Sets an environment variable for the lifetime of the object.
class ScopedEnvironment
{
public:
    ScopedEnvironment(const char *name, const QByteArray &value)
        : m_name(name)
    {
        qputenv(name, value);
    }
    ~ScopedEnvironment() { qunsetenv(m_name); }

private:
    const char *m_name;
};

} // namespace

class tst_FolderWatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void completeFileReloadsWithoutQuietPeriod_data();
    void completeFileReloadsWithoutQuietPeriod();
    void fileOpenForWritingHoldsReloadUntilClosed();
    void temporaryFileRenamedBeforeCloseWaitsForClose();
    void incompleteFileAfterCloseWaitsQuietPeriod();
    void touchGivesNoReload();
    void fallbackWithoutInotifyWaitsQuietPeriod();
    void ninjaLogOpenForWritingIsRunningBuild();
    void hardLinkIsNotAnOpenWriter();

private:
    std::unique_ptr<ReloadEngine> makeEngine(const QString &folder, int quietPeriodMs);

    std::unique_ptr<PluginFolder> m_folder;
    std::unique_ptr<QTemporaryDir> m_shadows;
};

void tst_FolderWatcher::init()
{
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
    m_folder = std::make_unique<PluginFolder>();
    m_shadows = std::make_unique<QTemporaryDir>();
}

void tst_FolderWatcher::cleanup()
{
    m_folder.reset();
    m_shadows.reset();
}

std::unique_ptr<ReloadEngine> tst_FolderWatcher::makeEngine(const QString &folder,
                                                            int quietPeriodMs)
{
    ReloadEngine::Options options; // the default settle window
    options.pluginDirs = {folder};
    options.quietPeriodMs = quietPeriodMs;
    options.shadowRoot = m_shadows->path();
    return std::make_unique<ReloadEngine>(options);
}

void tst_FolderWatcher::completeFileReloadsWithoutQuietPeriod_data()
{
    QTest::addColumn<PluginFolder::Write>("how");
    QTest::addColumn<QString>("lastKind");
    QTest::newRow("linker: unlink then write")
        << PluginFolder::Write::Linker << FolderWatcher::ClosedAfterWriting;
    QTest::newRow("cp: in place, same inode")
        << PluginFolder::Write::InPlace << FolderWatcher::ClosedAfterWriting;
    QTest::newRow("editor: temporary file renamed over")
        << PluginFolder::Write::Rename << FolderWatcher::MovedIn;
}

void tst_FolderWatcher::completeFileReloadsWithoutQuietPeriod()
{
    QFETCH(PluginFolder::Write, how);
    QFETCH(QString, lastKind);
    m_folder->putFixture("greeter_v1");
    // A quiet period no test outlives: only the settle window can make this reload.
    auto engine = makeEngine(m_folder->path(), NeverMs);
    QVERIFY(engine->start().ok());

    m_folder->putFixture("greeter_v2", how);
    QTRY_COMPARE_WITH_TIMEOUT(engine->generationNumber(), 2u, 10000);
    const ReloadRecord record = *engine->lastReload();
    QVERIFY2(record.decision.contains(QStringLiteral("greeter.so complete")),
             qPrintable(record.decision));
    QVERIFY2(record.decision.contains(QStringLiteral("settled for 15 ms")),
             qPrintable(record.decision));
    QCOMPARE(kindsOf(record.events, m_folder->file()).last(), lastKind);
    QCOMPARE(record.files, QStringList{m_folder->file()});
    // Exactly one reload: nothing is left waiting behind it.
    QVERIFY(!engine->hasPendingEvents());
    QCOMPARE(engine->history().size(), 2);
}

void tst_FolderWatcher::fileOpenForWritingHoldsReloadUntilClosed()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine(m_folder->path(), NeverMs);
    QVERIFY(engine->start().ok());
    // A witness: an engine with the same settings on another folder, given a closed file (of
    // another plugin: one library loaded by two engines of one process would be one library).
    PluginFolder witnessFolder;
    witnessFolder.putFixture("typed_v1", PluginFolder::Write::Linker, QStringLiteral("typed.so"));
    auto witness = makeEngine(witnessFolder.path(), NeverMs);
    QVERIFY(witness->start().ok());

    // All of version 2 written, the file still open (GNU ld writing in place, a slow cp).
    QFile writing(m_folder->file());
    QVERIFY(writing.open(QIODevice::WriteOnly | QIODevice::Truncate));
    const QByteArray v2 = PluginFolder::read(fixtures::plugin("greeter_v2"));
    QCOMPARE(writing.write(v2), v2.size());
    QVERIFY(writing.flush());
    QTRY_COMPARE(engine->busyReason(), QStringLiteral("greeter.so to be closed"));
    witnessFolder.putFixture("typed_v2", PluginFolder::Write::Linker, QStringLiteral("typed.so"));
    QTRY_COMPARE_WITH_TIMEOUT(witness->generationNumber(), 2u, 10000);
    // The witness reloaded its closed file; the open one still waits.
    QCOMPARE(engine->generationNumber(), 1u);
    QVERIFY(engine->hasPendingEvents());
    QCOMPARE(engine->busyReason(), QStringLiteral("greeter.so to be closed"));

    writing.close();
    QTRY_COMPARE_WITH_TIMEOUT(engine->generationNumber(), 2u, 10000);
    const ReloadRecord record = *engine->lastReload();
    QVERIFY2(record.decision.contains(QStringLiteral("greeter.so to be closed")),
             qPrintable(record.decision));
    QCOMPARE(kindsOf(record.events, m_folder->file()),
             (QStringList{FolderWatcher::BeingWritten, FolderWatcher::ClosedAfterWriting}));
    QCOMPARE(engine->history().size(), 2);
    QVERIFY(engine->busyReason().isEmpty());
}

void tst_FolderWatcher::temporaryFileRenamedBeforeCloseWaitsForClose()
{
    // lld: write greeter.so.tmpXXXXXX, rename it over greeter.so, then close it.
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine(m_folder->path(), NeverMs);
    QVERIFY(engine->start().ok());

    QFile temporary(m_folder->file(QStringLiteral("greeter.so.tmp5a1c3e9")));
    QVERIFY(temporary.open(QIODevice::WriteOnly));
    const QByteArray v2 = PluginFolder::read(fixtures::plugin("greeter_v2"));
    QCOMPARE(temporary.write(v2), v2.size());
    QVERIFY(temporary.flush());
    QTRY_COMPARE(engine->busyReason(), QStringLiteral("greeter.so.tmp5a1c3e9 to be closed"));
    QCOMPARE(::rename(QFile::encodeName(temporary.fileName()).constData(),
                      QFile::encodeName(m_folder->file()).constData()),
             0);
    // Moved into place but still open: it is the plugin file that is being written now.
    QTRY_COMPARE(engine->busyReason(), QStringLiteral("greeter.so to be closed"));
    QCOMPARE(engine->generationNumber(), 1u);

    temporary.close();
    QTRY_COMPARE_WITH_TIMEOUT(engine->generationNumber(), 2u, 10000);
    const ReloadRecord record = *engine->lastReload();
    QCOMPARE(kindsOf(record.events, m_folder->file()),
             (QStringList{FolderWatcher::MovedIn, FolderWatcher::ClosedAfterWriting}));
    QVERIFY2(record.decision.contains(QStringLiteral("settled for")), qPrintable(record.decision));
    QCOMPARE(engine->history().size(), 2);
}

void tst_FolderWatcher::incompleteFileAfterCloseWaitsQuietPeriod()
{
    // Closed, but cut short: the ELF check refuses it, so the engine looks again after the quiet
    // period (not the settle window) and finally fails naming the file; the old code serves.
    m_folder->putFixture("greeter_v1");
    ReloadEngine::Options options;
    options.pluginDirs = {m_folder->path()};
    options.quietPeriodMs = 30;
    options.incompleteRetries = 2;
    options.shadowRoot = m_shadows->path();
    ReloadEngine engine(options);
    QVERIFY(engine.start().ok());

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("reload 2 failed")));
    const QByteArray v2 = PluginFolder::read(fixtures::plugin("greeter_v2"));
    m_folder->put(v2.left(v2.size() / 2), PluginFolder::Write::Linker);
    QTRY_COMPARE_WITH_TIMEOUT(engine.history().size(), 2, 10000);
    const ReloadRecord failed = engine.history().last();
    QCOMPARE(failed.outcome, ReloadOutcome::Failed);
    QVERIFY2(failed.errorText().contains(QStringLiteral("not a complete shared library")),
             qPrintable(failed.errorText()));
    QVERIFY2(failed.decision.contains(QStringLiteral("waited 2 more quiet period(s)")),
             qPrintable(failed.decision));
    QCOMPARE(engine.generationNumber(), 1u);

    // The rest of the file arriving reloads as usual.
    m_folder->put(v2, PluginFolder::Write::InPlace);
    QTRY_COMPARE_WITH_TIMEOUT(engine.generationNumber(), 2u, 10000);
}

void tst_FolderWatcher::touchGivesNoReload()
{
    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine(m_folder->path(), 30);
    QVERIFY(engine->start().ok());
    QStringList observed;
    connect(engine.get(), &ReloadEngine::fileEventObserved, this,
            [&](const FileEvent &event) { observed.append(event.kind); });

    QCOMPARE(::utime(QFile::encodeName(m_folder->file()).constData(), nullptr), 0);
    QTRY_VERIFY(!observed.isEmpty());
    QCOMPARE(observed, QStringList{FolderWatcher::AttributesChanged});
    QTRY_COMPARE_WITH_TIMEOUT(engine->history().size(), 2, 10000);
    QCOMPARE(engine->history().last().outcome, ReloadOutcome::Skipped);
    QVERIFY(
        engine->history().last().decision.contains(QStringLiteral("no plugin's content changed")));
    QCOMPARE(succeeded(*engine), 1);
    QCOMPARE(engine->generationNumber(), 1u);
}

void tst_FolderWatcher::fallbackWithoutInotifyWaitsQuietPeriod()
{
    const ScopedEnvironment noInotify("QRELOAD_NO_INOTIFY", "1");
    FolderWatcher watcher({QStringLiteral("*.so")});
    watcher.setFolders({m_folder->path()});
    QCOMPARE(watcher.backend(), FolderWatcher::Backend::FileSystemWatcher);

    m_folder->putFixture("greeter_v1");
    auto engine = makeEngine(m_folder->path(), 30);
    QVERIFY(engine->start().ok());
    m_folder->putFixture("greeter_v2", PluginFolder::Write::Rename);
    QTRY_COMPARE_WITH_TIMEOUT(engine->generationNumber(), 2u, 10000);
    const ReloadRecord record = *engine->lastReload();
    // Without close and rename events nothing is known to be complete: the quiet period decides.
    QVERIFY2(record.decision.contains(QStringLiteral("then quiet for 30 ms")),
             qPrintable(record.decision));
    QVERIFY(engine->busyReason().isEmpty());
    QTRY_VERIFY(!engine->hasPendingEvents());
    QCOMPARE(succeeded(*engine), 2);
}

void tst_FolderWatcher::ninjaLogOpenForWritingIsRunningBuild()
{
    // ninja opens .ninja_log for appending when its first command finishes and closes it when
    // the build ends; a plugin folder inside the build folder waits for that.
    QTemporaryDir build;
    QFile manifest(build.filePath(QStringLiteral("build.ninja")));
    QVERIFY(manifest.open(QIODevice::WriteOnly));
    manifest.close();
    QVERIFY(QDir(build.path()).mkpath(QStringLiteral("plugins")));
    FolderWatcher watcher({QStringLiteral("*.so")});
    watcher.setFolders({build.filePath(QStringLiteral("plugins"))});
    QCOMPARE(watcher.backend(), FolderWatcher::Backend::Inotify);
    QVERIFY(watcher.busyReason().isEmpty());
    QSignalSpy ended(&watcher, &FolderWatcher::busyEnded);

    QFile log(build.filePath(QStringLiteral(".ninja_log")));
    QVERIFY(log.open(QIODevice::Append));
    QVERIFY(log.write("# ninja log v5\n0\t90\t0\tplugins/a.so\t1a2b3c\n") > 0);
    QVERIFY(log.flush());
    QTRY_COMPARE(watcher.busyReason(),
                 QStringLiteral("the ninja build in %1 to finish").arg(build.path()));
    QVERIFY(log.write("0\t95\t0\tplugins/b.so\t4d5e6f\n") > 0);
    QVERIFY(log.flush());
    log.close();
    QTRY_COMPARE(ended.size(), 1);
    QVERIFY(watcher.busyReason().isEmpty());
}

void tst_FolderWatcher::hardLinkIsNotAnOpenWriter()
{
    // `ln` creates a name without opening anything: no close will come to end a wait.
    FolderWatcher watcher({QStringLiteral("*.so")});
    watcher.setFolders({m_folder->path()});
    QList<FileEvent> events;
    connect(&watcher, &FolderWatcher::changed, this,
            [&](const FileEvent &event) { events.append(event); });
    m_folder->putFixture("greeter_v1", PluginFolder::Write::Linker, QStringLiteral("greeter.bin"));
    QCOMPARE(::link(QFile::encodeName(m_folder->file(QStringLiteral("greeter.bin"))).constData(),
                    QFile::encodeName(m_folder->file()).constData()),
             0);
    QTRY_COMPARE(kindsOf(events, m_folder->file()), QStringList{FolderWatcher::Created});
    QVERIFY(watcher.openWriters().isEmpty());
    QVERIFY(watcher.busyReason().isEmpty());
    // Not known complete either: the quiet period decides, and staging checks the bytes.
    QVERIFY(!watcher.completes(events));
}

QTEST_GUILESS_MAIN(tst_FolderWatcher)
#include "tst_folderwatcher.moc"
