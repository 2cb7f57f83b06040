// Source mode without a compiler: the "build" is a shell script that copies a prebuilt fixture
// plugin chosen by what the source file says, so every save style, cancellation, timeout and
// failure runs in milliseconds. The real compiler is exercised by tests/e2e.

#include "hostproxy.h"
#include "projectconfig.h"
#include "scriptedproject.h"
#include "sourcemode.h"

#include <fixturepaths.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/time.h>
#include <unistd.h>

using namespace qreload;
using namespace qreload::app;

namespace {

// Picks the fixture by the version the source names; "slow" hangs, "broken" fails like g++.
const char BuildScript[] = R"(#!/bin/sh
echo "build $*" >> builds.log
src=$(cat src/greeter.cpp)
case "$src" in *slow*) sleep 30 & echo $! > sleeper.pid; wait; exit 1;; esac
case "$src" in *broken*) echo "$PWD/src/greeter.cpp:3:5: error: expected ';' before '}' token"; exit 1;; esac
v=$(echo "$src" | grep -o 'v[0-9]' | head -n 1)
rm -f plugins/greeter.so
cp "@FIXTURES@/greeter_$v/greeter_$v.so" plugins/greeter.so
)";

// Plugins appear and go as src/shop.h lists them.
const char ShopScript[] = R"(#!/bin/sh
for p in repo_plugin service_plugin; do
  if grep -q "$p" src/shop.h; then cp "@FIXTURES@/$p/$p.so" plugins/$p.so.new && mv plugins/$p.so.new plugins/$p.so
  else rm -f plugins/$p.so; fi
done
)";

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(f.errorString()));
    QCOMPARE(f.write(bytes), bytes.size());
}

bool processGone(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray fields = stat.readAll();
    const qsizetype close = fields.lastIndexOf(')');
    return close > 0 && fields.mid(close + 2, 1) == "Z"; // a zombie no one has reaped yet
}

} // namespace

class tst_SourceMode : public QObject
{
    Q_OBJECT

public:
    enum class Save { InPlace, Rename, Vim, JetBrains, DeleteRecreate, SedInPlace, GitCheckout };
    Q_ENUM(Save)

private Q_SLOTS:
    void init();
    void cleanup();

    void saveStyles_data();
    void saveStyles();
    void touchGivesNoBuildAndNoReload();
    void writeStillOpenWaitsTheWholeQuietPeriod();
    void editorArtifactsGiveNoBuild();
    void staleBuildIsCancelledAsAGroup();
    void buildTimeoutKeepsServing();
    void failedBuildKeepsServingWithDiagnostics();
    void folderDeletedAndRecreatedIsWatchedAgain();
    void pluginsAddedAndRemoved();
    void onlyTargetsOfChangedFoldersAreBuilt();

private:
    void startProject(const char *script, QByteArray greeter = "// v1\n");
    QString path(const QString &relative) const { return m_dir->filePath(relative); }
    QString body() const;
    int count(ReloadOutcome outcome) const;
    //! Waits until everything the last change caused has been handled (see settle()).
    void settle();
    void save(Save how, const QByteArray &bytes);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<HostProxy> m_engine; //!< the plugins run in a qreload-host it starts
    QNetworkAccessManager m_network;
    std::unique_ptr<SourceMode> m_source;
    ProjectConfig m_config;
    int m_settles = 0;
};

void tst_SourceMode::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("src")));
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("plugins")));
    m_settles = 0;
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*"))); // expected ones are ignored
}

void tst_SourceMode::cleanup()
{
    m_source.reset();
    m_engine.reset();
    m_dir.reset();
}

void tst_SourceMode::startProject(const char *script, QByteArray greeter)
{
    QByteArray text(script);
    text.replace("@FIXTURES@", QByteArray(QRELOAD_FIXTURES_DIR));
    writeFile(path(QStringLiteral("build.sh")), text);
    writeFile(path(QStringLiteral("src/greeter.cpp")), greeter);
    writeFile(path(QStringLiteral("src/helper.h")), "// helper 1\n");
    writeFile(path(QStringLiteral("src/sentinel.cpp")), "// touched to settle\n");
    writeFile(path(QStringLiteral("src/shop.h")), "// repo_plugin service_plugin\n");
    if (QByteArray(script) == BuildScript)
        QVERIFY(QFile::copy(fixtures::plugin("greeter_v1"),
                            path(QStringLiteral("plugins/greeter.so"))));

    m_config = scriptedProject(m_dir->path());

    HostProxy::Options options;
    options.pluginDirs = m_config.pluginDirs;
    options.quietPeriodMs = m_config.quietPeriodMs;
    options.hostExecutable = QStringLiteral(QRELOAD_HOST_BINARY);
    m_engine = std::make_unique<HostProxy>(options);
    QString error;
    QVERIFY2(m_engine->listen(&error), qPrintable(error));
    m_engine->start();
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->generationNumber(), quint64(1), 10000);
    m_source = std::make_unique<SourceMode>(m_engine.get(), m_config);
    m_source->setGracePeriodMs(300);
    m_source->start(false);
}

QString tst_SourceMode::body() const
{
    // Through the preview server, as a browser would.
    auto *network = const_cast<QNetworkAccessManager *>(&m_network);
    QNetworkReply *reply = network->get(QNetworkRequest(m_engine->url()));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(5000);
    reply->deleteLater();
    return QString::fromUtf8(reply->readAll());
}

int tst_SourceMode::count(ReloadOutcome outcome) const
{
    return int(std::count_if(m_engine->history().cbegin(), m_engine->history().cend(),
                             [outcome](const ReloadRecord &r) { return r.outcome == outcome; }));
}

void tst_SourceMode::settle()
{
    // inotify delivers events in order: once a touch of the sentinel has been seen through its
    // quiet period, every event of the change before it has been handled too.
    QTRY_VERIFY_WITH_TIMEOUT(!m_source->isBuilding(), 10000);
    const QString sentinel = path(QStringLiteral("src/sentinel.cpp"));
    const qsizetype before = m_engine->history().size();
    QVERIFY(::utimes(QFile::encodeName(sentinel).constData(), nullptr) == 0);
    const auto sentinelSeen = [&] {
        for (qsizetype i = before; i < m_engine->history().size(); ++i) {
            for (const FileEvent &event : m_engine->history().at(i).events) {
                if (event.path == sentinel)
                    return true;
            }
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(sentinelSeen(), 10000);
    ++m_settles;
}

void tst_SourceMode::save(Save how, const QByteArray &bytes)
{
    const QString file = path(QStringLiteral("src/greeter.cpp"));
    const auto rename = [](const QString &from, const QString &to) {
        QVERIFY(::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData())
                == 0);
    };
    switch (how) {
    case Save::InPlace:
        writeFile(file, bytes);
        break;
    case Save::Rename: // VS Code's and most tools' atomic save
        writeFile(file + QStringLiteral(".tmp.1234"), bytes);
        rename(file + QStringLiteral(".tmp.1234"), file);
        break;
    case Save::Vim: // writability probe, backup by rename, write, drop the backup
        writeFile(path(QStringLiteral("src/4913")), "");
        QVERIFY(QFile::remove(path(QStringLiteral("src/4913"))));
        rename(file, file + QLatin1Char('~'));
        writeFile(file, bytes);
        QVERIFY(QFile::remove(file + QLatin1Char('~')));
        break;
    case Save::JetBrains: // "safe write"
        writeFile(file + QStringLiteral("___jb_tmp___"), bytes);
        rename(file, file + QStringLiteral("___jb_old___"));
        rename(file + QStringLiteral("___jb_tmp___"), file);
        QVERIFY(QFile::remove(file + QStringLiteral("___jb_old___")));
        break;
    case Save::DeleteRecreate:
        QVERIFY(QFile::remove(file));
        writeFile(file, bytes);
        break;
    case Save::SedInPlace: {
        const QByteArray version = bytes.trimmed().right(2);
        QCOMPARE(QProcess::execute(
                     QStringLiteral("sed"),
                     {QStringLiteral("-i"),
                      QStringLiteral("s/v[0-9]/%1/").arg(QString::fromLatin1(version)), file}),
                 0);
        break;
    }
    case Save::GitCheckout: // several files replaced at once, each unlinked and created
        QVERIFY(QFile::remove(file));
        writeFile(file, bytes);
        QVERIFY(QFile::remove(path(QStringLiteral("src/helper.h"))));
        writeFile(path(QStringLiteral("src/helper.h")), "// helper 2\n");
        break;
    }
}

void tst_SourceMode::saveStyles_data()
{
    QTest::addColumn<Save>("how");
    QTest::newRow("in-place write") << Save::InPlace;
    QTest::newRow("write temp, rename over") << Save::Rename;
    QTest::newRow("vim") << Save::Vim;
    QTest::newRow("JetBrains safe write") << Save::JetBrains;
    QTest::newRow("delete, recreate") << Save::DeleteRecreate;
    QTest::newRow("sed -i") << Save::SedInPlace;
    QTest::newRow("git checkout of two files") << Save::GitCheckout;
}

void tst_SourceMode::saveStyles()
{
    QFETCH(Save, how);
    startProject(BuildScript);
    QVERIFY(body().contains(QLatin1String("Version 1")));

    save(how, "// v2\n");
    QTRY_VERIFY_WITH_TIMEOUT(body().contains(QLatin1String("Version 2")), 10000);
    settle();
    QCOMPARE(m_source->buildCount(), 1);
    QCOMPARE(count(ReloadOutcome::Succeeded), 2); // start-up and this save
    QCOMPARE(count(ReloadOutcome::Failed), 0);
    const ReloadRecord reload = *m_engine->lastReload();
    QVERIFY(reload.build);
    QCOMPARE(reload.build->exitCode, 0);
    QVERIFY2(reload.decision.contains(QLatin1String("greeter.cpp")), qPrintable(reload.decision));
    // Every style ends with the source closed after writing or renamed into place: the build
    // starts after the short settle, not the whole quiet period, and still once.
    QVERIFY2(reload.decision.contains(
                 QStringLiteral("then quiet for %1 ms (a source was written and closed)")
                     .arg(SourceMode::WrittenSettleMs)),
             qPrintable(reload.decision));
    // The record names the edited source, whatever events the save style made (a git checkout
    // makes folder events only), in the build and as the reload's cause.
    QVERIFY2(reload.build->sources.contains(path(QStringLiteral("src/greeter.cpp"))),
             qPrintable(reload.build->sources.join(QLatin1Char(' '))));
    QCOMPARE(reload.changedNames().value(0), QStringLiteral("greeter.cpp"));
    QVERIFY(reload.toJson()
                .value(QLatin1String("build"))
                .toObject()
                .value(QLatin1String("sources"))
                .toArray()
                .contains(path(QStringLiteral("src/greeter.cpp"))));

    // And back, the same way: the watch survived the save.
    save(how, "// v1\n");
    QTRY_VERIFY_WITH_TIMEOUT(body().contains(QLatin1String("Version 1")), 10000);
    settle();
    QCOMPARE(m_source->buildCount(), 2);
    QCOMPARE(count(ReloadOutcome::Succeeded), 3);
}

void tst_SourceMode::writeStillOpenWaitsTheWholeQuietPeriod()
{
    startProject(BuildScript);
    // Written but not closed: no sign the save is complete, so the whole quiet period applies.
    QFile file(path(QStringLiteral("src/greeter.cpp")));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QVERIFY(file.write("// v2\n") == 6 && file.flush());
    QTRY_VERIFY_WITH_TIMEOUT(body().contains(QLatin1String("Version 2")), 10000);
    const ReloadRecord reload = *m_engine->lastReload();
    QVERIFY2(
        reload.decision.contains(
            QStringLiteral("then quiet for %1 ms; changed by content").arg(m_config.quietPeriodMs)),
        qPrintable(reload.decision));
    file.close(); // same bytes: no second build
    settle();
    QCOMPARE(m_source->buildCount(), 1);
}

void tst_SourceMode::touchGivesNoBuildAndNoReload()
{
    startProject(BuildScript);
    const QString file = path(QStringLiteral("src/greeter.cpp"));
    QVERIFY(::utimes(QFile::encodeName(file).constData(), nullptr) == 0);
    writeFile(file, "// v1\n"); // the same bytes again
    settle();
    QCOMPARE(m_source->buildCount(), 0);
    QCOMPARE(count(ReloadOutcome::Succeeded), 1);
    const auto skipped = std::find_if(m_engine->history().cbegin(), m_engine->history().cend(),
                                      [&](const ReloadRecord &r) {
                                          return r.outcome == ReloadOutcome::Skipped
                                                 && r.decision.contains(QLatin1String("no build"));
                                      });
    QVERIFY2(skipped != m_engine->history().cend(), "the log says why nothing was built");
}

void tst_SourceMode::editorArtifactsGiveNoBuild()
{
    startProject(BuildScript);
    writeFile(path(QStringLiteral("src/.greeter.cpp.swp")), "swap");
    writeFile(path(QStringLiteral("src/greeter.cpp~")), "backup");
    writeFile(path(QStringLiteral("src/#greeter.cpp#")), "emacs");
    writeFile(path(QStringLiteral("src/notes.txt")), "not a source");
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("src/build")));
    writeFile(path(QStringLiteral("src/build/generated.cpp")), "// in a build folder");
    settle();
    QCOMPARE(m_source->buildCount(), 0);
    QCOMPARE(count(ReloadOutcome::Succeeded), 1);
}

void tst_SourceMode::staleBuildIsCancelledAsAGroup()
{
    startProject(BuildScript);
    QSignalSpy finished(m_source.get(), &SourceMode::buildFinished);
    save(Save::InPlace, "// v2 slow\n");
    const auto sleeperPid = [this] {
        QFile pidFile(path(QStringLiteral("sleeper.pid")));
        return pidFile.open(QIODevice::ReadOnly) ? pidFile.readAll().trimmed().toLongLong() : 0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(sleeperPid() > 0, 10000);
    const qint64 sleeper = sleeperPid();
    QVERIFY(!processGone(sleeper));

    save(Save::Rename, "// v2\n"); // a newer save while the slow build runs
    QTRY_VERIFY_WITH_TIMEOUT(body().contains(QLatin1String("Version 2")), 10000);
    QTRY_VERIFY(processGone(sleeper)); // the build's child went with it, not only the shell
    settle();
    QCOMPARE(m_source->buildCount(), 2);
    QCOMPARE(finished.size(), 2);
    QVERIFY(finished.at(0).at(0).value<BuildInfo>().cancelled);
    QCOMPARE(count(ReloadOutcome::Succeeded), 2); // start-up and one reload for both saves
    QCOMPARE(count(ReloadOutcome::Failed), 0);
    QVERIFY2(m_engine->lastReload()->decision.contains(QLatin1String("cancelled")),
             qPrintable(m_engine->lastReload()->decision));
}

void tst_SourceMode::buildTimeoutKeepsServing()
{
    startProject(BuildScript);
    m_source.reset();
    m_config.buildTimeoutMs = 300;
    m_source = std::make_unique<SourceMode>(m_engine.get(), m_config);
    m_source->setGracePeriodMs(300);
    m_source->start(false);

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^build timed out")));
    save(Save::InPlace, "// v2 slow\n");
    QTRY_VERIFY_WITH_TIMEOUT(count(ReloadOutcome::Failed) == 1, 10000);
    const ReloadRecord &failed = m_engine->history().last();
    QVERIFY(failed.build);
    QVERIFY(failed.build->timedOut);
    QVERIFY2(failed.errorText().contains(QLatin1String("timed out")),
             qPrintable(failed.errorText()));
    QCOMPARE(failed.errors.size(), 1); // no diagnostics, only the build's own failure
    QCOMPARE(failed.errors.first().reason(), Error::Reason::BuildFailed);
    QCOMPARE(failed.generationAfter, failed.generationBefore);
    QVERIFY(body().contains(QLatin1String("Version 1")));
    QVERIFY(!m_engine->isHeldForBuild());
}

void tst_SourceMode::failedBuildKeepsServingWithDiagnostics()
{
    startProject(BuildScript);
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("^build failed with exit code 1")));
    save(Save::InPlace, "// v2 broken\n");
    QTRY_VERIFY_WITH_TIMEOUT(count(ReloadOutcome::Failed) == 1, 10000);
    const ReloadRecord &failed = m_engine->history().last();
    QVERIFY(failed.build);
    QCOMPARE(failed.build->exitCode, 1);
    QCOMPARE(failed.build->diagnostics.size(), 1);
    const Diagnostic &d = failed.build->diagnostics.first();
    QCOMPARE(d.file, path(QStringLiteral("src/greeter.cpp")));
    QCOMPARE(d.line, 3);
    QCOMPARE(d.column, 5);
    QCOMPARE(d.severity, Diagnostic::Severity::Error);
    // The record says what failed: the build, then each compiler error, never "none".
    QCOMPARE(failed.errors.size(), 2);
    QCOMPARE(failed.errors.at(0).reason(), Error::Reason::BuildFailed);
    QVERIFY2(
        failed.errors.at(0).message().startsWith(QLatin1String("build failed with exit code 1")),
        qPrintable(failed.errors.at(0).message()));
    QCOMPARE(failed.errors.at(1).reason(), Error::Reason::CompileError);
    QCOMPARE(failed.errors.at(1).message(),
             path(QStringLiteral("src/greeter.cpp"))
                 + QStringLiteral(":3:5: error: expected ';' before '}' token"));
    const QJsonArray errorsJson = failed.toJson().value(QLatin1String("errors")).toArray();
    QCOMPARE(errorsJson.size(), 2);
    QCOMPARE(errorsJson.at(0).toObject().value(QLatin1String("reason")).toString(),
             QStringLiteral("build-failed"));
    QCOMPARE(errorsJson.at(1).toObject().value(QLatin1String("reason")).toString(),
             QStringLiteral("compile-error"));
    QVERIFY(body().contains(QLatin1String("Version 1")));

    save(Save::InPlace, "// v2\n"); // fixed
    QTRY_VERIFY_WITH_TIMEOUT(body().contains(QLatin1String("Version 2")), 10000);
    settle();
    QCOMPARE(count(ReloadOutcome::Succeeded), 2);
}

void tst_SourceMode::folderDeletedAndRecreatedIsWatchedAgain()
{
    startProject(BuildScript);
    const QString src = path(QStringLiteral("src"));
    QVERIFY(QDir(src).removeRecursively());
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("src")));
    writeFile(path(QStringLiteral("src/greeter.cpp")), "// v2\n");
    writeFile(path(QStringLiteral("src/helper.h")), "// helper 1\n");
    writeFile(path(QStringLiteral("src/sentinel.cpp")), "// touched to settle\n");
    writeFile(path(QStringLiteral("src/shop.h")), "// repo_plugin service_plugin\n");
    QTRY_VERIFY_WITH_TIMEOUT(body().contains(QLatin1String("Version 2")), 10000);
    settle();
    const int builds = m_source->buildCount();

    save(Save::InPlace, "// v1\n"); // in the recreated folder
    QTRY_VERIFY_WITH_TIMEOUT(body().contains(QLatin1String("Version 1")), 10000);
    settle();
    QCOMPARE(m_source->buildCount(), builds + 1);
}

void tst_SourceMode::pluginsAddedAndRemoved()
{
    startProject(ShopScript);
    writeFile(path(QStringLiteral("src/shop.h")), "// service_plugin repo_plugin, v2\n");
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->generation().components.size() == 2, 10000);
    settle();
    const quint64 serving = m_engine->generationNumber();
    const auto lastDecision = [this] {
        return m_engine->history().isEmpty() ? QString() : m_engine->history().last().decision;
    };

    // The repository's plugin goes: its component keeps serving from its copy until a Reload.
    writeFile(path(QStringLiteral("src/shop.h")), "// service_plugin only\n");
    QTRY_VERIFY_WITH_TIMEOUT(lastDecision().contains(QLatin1String("repo_plugin.so removed")),
                             10000);
    QVERIFY2(lastDecision().contains(QLatin1String("(Reload to drop them)")),
             qPrintable(lastDecision()));
    QCOMPARE(m_engine->generation().components.size(), 2);
    // Reload drops it: the catalog then misses its dependency, so that reload fails.
    const qsizetype before = m_engine->history().size();
    m_engine->reloadNow();
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->history().size() > before, 10000);
    QCOMPARE(m_engine->history().last().outcome, ReloadOutcome::Failed);
    QVERIFY2(
        m_engine->history().last().errorText().contains(QLatin1String("which no plugin provides")),
        qPrintable(m_engine->history().last().errorText()));
    QVERIFY(m_engine->generationNumber() >= serving);
    QCOMPARE(m_engine->generation().components.size(), 2);

    // Both go, and Reload: an empty, valid generation.
    writeFile(path(QStringLiteral("src/shop.h")), "// none\n");
    QTRY_VERIFY_WITH_TIMEOUT(lastDecision().contains(QLatin1String("service_plugin.so removed")),
                             10000);
    m_engine->reloadNow();
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->generation().components.isEmpty(), 10000);
    QCOMPARE(m_engine->history().last().removed.size(), 2);
}

void tst_SourceMode::onlyTargetsOfChangedFoldersAreBuilt()
{
    ProjectConfig config;
    config.buildCommand = {QStringLiteral("cmake"), QStringLiteral("--build"), QStringLiteral("b"),
                           QStringLiteral("--target"), QStringLiteral("${targets}")};
    config.buildTargets.insert(QStringLiteral("greeter"), {QStringLiteral("/p/greeter")});
    config.buildTargets.insert(QStringLiteral("shop"), {QStringLiteral("/p/shop")});
    QCOMPARE(config.buildArguments({QStringLiteral("/p/shop/a.cpp")}).mid(4),
             QStringList{QStringLiteral("shop")});
    QCOMPARE(
        config.buildArguments({QStringLiteral("/p/shop/a.cpp"), QStringLiteral("/p/greeter/b.h")})
            .mid(4),
        (QStringList{QStringLiteral("greeter"), QStringLiteral("shop")}));
    // A file in no target's folder (a shared header) builds them all.
    QCOMPARE(config.buildArguments({QStringLiteral("/p/common.h")}).mid(4),
             (QStringList{QStringLiteral("greeter"), QStringLiteral("shop")}));
    QCOMPARE(config.buildArguments({QStringLiteral("/p/shopping/x.cpp")}).mid(4).size(), 2);
}

QTEST_GUILESS_MAIN(tst_SourceMode)
#include "tst_sourcemode.moc"
