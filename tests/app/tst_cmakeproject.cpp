// A CMake project that configures and builds itself, without a compiler: "cmake" is a script
// that writes a CMakeCache.txt (or fails as CMake does), the build a script that copies a
// prebuilt fixture plugin into build/plugins. The real CMake runs in tst_ownproject.

#include "cmakebuildfolder.h"
#include "hostproxy.h"
#include "projectconfig.h"
#include "sourcemode.h"

#include <fixturepaths.h>

#include <QDir>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace qreload;
using namespace qreload::app;

namespace {

// Configures like CMake: the cache names the source folder; "fail" in CMakeLists.txt fails it
// with CMake's own error form.
const char FakeCMake[] = R"sh(#!/bin/sh
echo "$@" > "@DIR@/configure.args"
src=""; bld=""
while [ $# -gt 0 ]; do
  case "$1" in -S) src="$2"; shift;; -B) bld="$2"; shift;; esac
  shift
done
if grep -q modulefail "$src/CMakeLists.txt"; then
  echo "CMake Error at /opt/qreload/lib/cmake/qreload/QReloadPlugin.cmake:37 (message):"
  echo "  qreload_add_plugin(b): SOURCES is required"
  echo "Call Stack (most recent call first):"
  echo "  CMakeLists.txt:4 (qreload_add_plugin)"
  echo ""
  exit 1
fi
if grep -q fail "$src/CMakeLists.txt"; then
  echo "-- The CXX compiler identification is GNU 12.2.0"
  echo "CMake Error at CMakeLists.txt:12 (add_library):"
  echo "  Cannot find source files:"
  echo ""
  echo "    nothere.cpp"
  echo ""
  echo "Call Stack (most recent call first):"
  echo "  CMakeLists.txt:20 (include)"
  echo ""
  echo ""
  echo "-- Configuring incomplete, errors occurred!"
  exit 1
fi
mkdir -p "$bld"
printf 'CMAKE_HOME_DIRECTORY:INTERNAL=%s\n' "$src" > "$bld/CMakeCache.txt"
if [ -n "$CMAKE_NINJA" ]; then
  printf 'CMAKE_GENERATOR:INTERNAL=Ninja\nCMAKE_MAKE_PROGRAM:FILEPATH=%s\n' "@DIR@/fakeninja" >> "$bld/CMakeCache.txt"
fi
touch "$bld/build.ninja"
)sh";

// The ninja of a configured folder (FakeCMake names it in the cache with CMAKE_NINJA=1): logs how
// it was started and copies the fixture the source names into build/plugins.
const char FakeNinja[] = R"(#!/bin/sh
echo "$@" >> "@DIR@/ninja.log"
v=$(grep -o 'v[0-9]' "@DIR@/src/greeter.cpp" | head -n 1)
mkdir -p "@DIR@/build/plugins"
rm -f "@DIR@/build/plugins/greeter.so"
cp "@FIXTURES@/greeter_$v/greeter_$v.so" "@DIR@/build/plugins/greeter.so"
)";

// Copies the fixture the source names (v1, v2) into build/plugins.
const char BuildScript[] = R"(#!/bin/sh
echo build >> builds.log
v=$(grep -o 'v[0-9]' src/greeter.cpp | head -n 1)
mkdir -p build/plugins
rm -f build/plugins/greeter.so
cp "@FIXTURES@/greeter_$v/greeter_$v.so" build/plugins/greeter.so
)";

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(f.errorString()));
    QCOMPARE(f.write(bytes), bytes.size());
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class tst_CMakeProject : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void configureArguments();
    void pluginCompilerIsClangUnlessChosen();
    void nativeBuildArguments();
    void configuredNinjaFolderIsBuiltByNinjaDirectly();
    void unconfiguredProjectIsConfiguredBuiltAndServed();
    void failedConfigureIsAFailedReloadWithClickableErrors();
    void errorInACMakeModuleNamesTheProjectLine();
    void buildFolderOfAnotherSourceFolderIsNeverBuilt();
    void missingFoldersAreWarningsUntilTheyAppear();
    void brokenSymbolicLinksAreNamed();

private:
    QString path(const QString &relative) const { return m_dir->filePath(relative); }
    //! A CMake project in m_dir: src/greeter.cpp, build.sh, the fake cmake; not configured.
    void makeProject(const QByteArray &cmakeLists = "project(greeter)\n");
    void start();
    QString body() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<HostProxy> m_engine;
    QNetworkAccessManager m_network;
    std::unique_ptr<SourceMode> m_source;
    ProjectConfig m_config;
};

void tst_CMakeProject::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*"))); // expected ones are ignored
}

void tst_CMakeProject::cleanup()
{
    m_source.reset();
    m_engine.reset();
    m_dir.reset();
}

void tst_CMakeProject::makeProject(const QByteArray &cmakeLists)
{
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("src")));
    writeFile(path(QStringLiteral("CMakeLists.txt")), cmakeLists);
    writeFile(path(QStringLiteral("src/greeter.cpp")), "// v1\n");
    writeFile(path(QStringLiteral("qreload.json")),
              R"({ "sources": "src", "build": { "command": ["/bin/sh", "build.sh"],
                   "directory": "build" }, "quietPeriodMs": 50 })");
    QByteArray script(BuildScript);
    script.replace("@FIXTURES@", QByteArray(QRELOAD_FIXTURES_DIR));
    writeFile(path(QStringLiteral("build.sh")), script);
    for (const auto &[name, text] :
         {std::pair("fakecmake", FakeCMake), std::pair("fakeninja", FakeNinja)}) {
        QByteArray script(text);
        script.replace("@DIR@", QFile::encodeName(m_dir->path()));
        script.replace("@FIXTURES@", QByteArray(QRELOAD_FIXTURES_DIR));
        writeFile(path(QLatin1String(name)), script);
        QVERIFY(QFile::setPermissions(path(QLatin1String(name)),
                                      QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    }

    QList<ConfigError> errors;
    const auto config = ProjectConfig::load(m_dir->path(), {}, &errors);
    QVERIFY2(config, qPrintable(errors.value(0).toString()));
    m_config = *config;
    QVERIFY(m_config.configuresBuildDir); // build.directory given in a CMake project
}

void tst_CMakeProject::start()
{
    HostProxy::Options options;
    options.pluginDirs = m_config.pluginDirs;
    options.quietPeriodMs = m_config.quietPeriodMs;
    options.hostExecutable = QStringLiteral(QRELOAD_HOST_BINARY);
    m_engine = std::make_unique<HostProxy>(options);
    QString error;
    QVERIFY2(m_engine->listen(&error), qPrintable(error));
    m_source = std::make_unique<SourceMode>(m_engine.get(), m_config);
    CMakeBuildFolder::Toolchain toolchain;
    toolchain.cmake = path(QStringLiteral("fakecmake"));
    toolchain.generator = QStringLiteral("Ninja");
    toolchain.buildType = QStringLiteral("Debug");
    toolchain.prefixPath = QStringLiteral("/opt/qreload");
    m_source->setToolchain(toolchain);
    m_source->startWithEngine();
}

QString tst_CMakeProject::body() const
{
    // Through the preview server, as a browser would.
    auto *network = const_cast<QNetworkAccessManager *>(&m_network);
    QNetworkReply *reply = network->get(QNetworkRequest(m_engine->url()));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(5000);
    reply->deleteLater();
    // What the component served, without the live-reload client the preview adds to HTML.
    static const QRegularExpression client(
        QStringLiteral("<script src=\"/_qreload/client\\.js\"[^>]*></script>$"));
    return QString::fromUtf8(reply->readAll()).remove(client);
}

void tst_CMakeProject::configureArguments()
{
    CMakeBuildFolder::Toolchain toolchain;
    toolchain.generator = QStringLiteral("Ninja");
    toolchain.buildType = QStringLiteral("RelWithDebInfo");
    toolchain.prefixPath = QStringLiteral("/usr");
    const CMakeBuildFolder folder(QStringLiteral("/p"), QStringLiteral("/p/build"));
    QCOMPARE(
        folder.configureArguments(toolchain),
        (QStringList{QStringLiteral("cmake"), QStringLiteral("-S"), QStringLiteral("/p"),
                     QStringLiteral("-B"), QStringLiteral("/p/build"), QStringLiteral("-G"),
                     QStringLiteral("Ninja"), QStringLiteral("-DCMAKE_BUILD_TYPE=RelWithDebInfo"),
                     QStringLiteral("-DCMAKE_PREFIX_PATH=/usr")}));

    // This qreload's own: Debug (the fastest plugin rebuilds, whatever type qreload itself was
    // built with), and the prefix one above its executable's folder.
    const CMakeBuildFolder::Toolchain own = CMakeBuildFolder::Toolchain::ofThisQreload();
    QCOMPARE(own.buildType, QStringLiteral("Debug"));
    QCOMPARE(own.prefixPath,
             QDir::cleanPath(QCoreApplication::applicationDirPath() + QStringLiteral("/..")));
}

void tst_CMakeProject::pluginCompilerIsClangUnlessChosen()
{
    const QByteArray saved = qgetenv("QRELOAD_PLUGIN_CXX");
    const auto restore = qScopeGuard([&] {
        if (saved.isNull())
            qunsetenv("QRELOAD_PLUGIN_CXX");
        else
            qputenv("QRELOAD_PLUGIN_CXX", saved);
    });
    // Chosen: a name on PATH is found there; anything else is passed on as it is.
    qputenv("QRELOAD_PLUGIN_CXX", "g++");
    QCOMPARE(CMakeBuildFolder::Toolchain::pluginCompiler(),
             QStandardPaths::findExecutable(QStringLiteral("g++")));
    QCOMPARE(CMakeBuildFolder::Toolchain::ofThisQreload().cxxCompiler,
             QStandardPaths::findExecutable(QStringLiteral("g++")));
    qputenv("QRELOAD_PLUGIN_CXX", "/opt/nowhere/c++");
    QCOMPARE(CMakeBuildFolder::Toolchain::pluginCompiler(), QStringLiteral("/opt/nowhere/c++"));

    // Not chosen: the newest versioned clang++-N on PATH, whatever its number (a distribution's
    // plain clang++ may be an older default), then clang++. A PATH of fake compilers shows the
    // order: 100 beats 23 beats 9 (numbers, not text), names that are not a version are ignored.
    qunsetenv("QRELOAD_PLUGIN_CXX");
    const QByteArray savedPath = qgetenv("PATH");
    const auto restorePath = qScopeGuard([&] { qputenv("PATH", savedPath); });
    QTemporaryDir bin1;
    QTemporaryDir bin2;
    QVERIFY(bin1.isValid() && bin2.isValid());
    const auto fake = [](const QTemporaryDir &dir, const QString &name) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("#!/bin/sh\n");
        file.close();
        QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    };
    for (const char *name : {"clang++-9", "clang++-23", "clang++", "clang++-tidy"})
        fake(bin1, QString::fromLatin1(name));
    fake(bin2, QStringLiteral("clang++-100"));
    qputenv("PATH", QFile::encodeName(bin1.path() + QLatin1Char(':') + bin2.path()));
    const QString clang = bin2.filePath(QStringLiteral("clang++-100"));
    QCOMPARE(CMakeBuildFolder::Toolchain::pluginCompiler(), clang);
    const CMakeBuildFolder folder(QStringLiteral("/p"), QStringLiteral("/p/build"));
    QVERIFY(folder.configureArguments(CMakeBuildFolder::Toolchain::ofThisQreload())
                .contains(QStringLiteral("-DCMAKE_CXX_COMPILER=") + clang));
    // Without a versioned one: the plain clang++.
    qputenv("PATH", QFile::encodeName(bin1.path()));
    QVERIFY(QFile::remove(bin1.filePath(QStringLiteral("clang++-9"))));
    QVERIFY(QFile::remove(bin1.filePath(QStringLiteral("clang++-23"))));
    QCOMPARE(CMakeBuildFolder::Toolchain::pluginCompiler(),
             bin1.filePath(QStringLiteral("clang++")));
}

void tst_CMakeProject::nativeBuildArguments()
{
    makeProject();
    const QString build = path(QStringLiteral("build"));
    const CMakeBuildFolder folder(m_dir->path(), build);
    const QStringList cmakeBuild{QStringLiteral("cmake"), QStringLiteral("--build"), build};
    QVERIFY(folder.nativeBuildArguments(cmakeBuild).isEmpty()); // not configured

    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("build")));
    const QByteArray home = "CMAKE_HOME_DIRECTORY:INTERNAL=" + QFile::encodeName(m_dir->path());
    const QByteArray ninja
        = "CMAKE_MAKE_PROGRAM:FILEPATH=" + QFile::encodeName(path(QStringLiteral("fakeninja")));
    writeFile(path(QStringLiteral("build/CMakeCache.txt")),
              home + "\nCMAKE_GENERATOR:INTERNAL=Unix Makefiles\n" + ninja + "\n");
    writeFile(path(QStringLiteral("build/build.ninja")), "");
    QVERIFY(folder.nativeBuildArguments(cmakeBuild).isEmpty()); // CMake runs make

    writeFile(path(QStringLiteral("build/CMakeCache.txt")),
              home + "\nCMAKE_GENERATOR:INTERNAL=Ninja\n" + ninja + "\n");
    const QString fakeNinja = path(QStringLiteral("fakeninja"));
    QCOMPARE(folder.nativeBuildArguments(cmakeBuild),
             (QStringList{fakeNinja, QStringLiteral("-C"), build}));
    QCOMPARE(folder.nativeBuildArguments(cmakeBuild
                                         + QStringList{QStringLiteral("--target"),
                                                       QStringLiteral("a"), QStringLiteral("b")}),
             (QStringList{fakeNinja, QStringLiteral("-C"), build, QStringLiteral("a"),
                          QStringLiteral("b")}));
    QCOMPARE(folder.nativeBuildArguments({QStringLiteral("/usr/bin/cmake"),
                                          QStringLiteral("--build"), build + QLatin1Char('/'),
                                          QStringLiteral("-t"), QStringLiteral("a")}),
             (QStringList{fakeNinja, QStringLiteral("-C"), build, QStringLiteral("a")}));
    // Options only CMake knows what to do with, another folder, another program: CMake's job.
    QVERIFY(folder
                .nativeBuildArguments(
                    cmakeBuild + QStringList{QStringLiteral("--config"), QStringLiteral("Debug")})
                .isEmpty());
    QVERIFY(folder
                .nativeBuildArguments(cmakeBuild
                                      + QStringList{QStringLiteral("-j"), QStringLiteral("2")})
                .isEmpty());
    QVERIFY(folder
                .nativeBuildArguments({QStringLiteral("cmake"), QStringLiteral("--build"),
                                       path(QStringLiteral("other"))})
                .isEmpty());
    QVERIFY(folder.nativeBuildArguments({QStringLiteral("make"), QStringLiteral("--build"), build})
                .isEmpty());
    // A folder whose build.ninja is missing (an interrupted configure): CMake regenerates it.
    QVERIFY(QFile::remove(path(QStringLiteral("build/build.ninja"))));
    QVERIFY(folder.nativeBuildArguments(cmakeBuild).isEmpty());
}

void tst_CMakeProject::configuredNinjaFolderIsBuiltByNinjaDirectly()
{
    makeProject();
    // The default build of a CMake project: `cmake --build build`.
    writeFile(path(QStringLiteral("qreload.json")), R"({ "sources": "src", "quietPeriodMs": 50 })");
    QList<ConfigError> errors;
    const auto config = ProjectConfig::load(m_dir->path(), {}, &errors);
    QVERIFY2(config, qPrintable(errors.value(0).toString()));
    m_config = *config;
    QCOMPARE(m_config.buildCommand, (QStringList{QStringLiteral("cmake"), QStringLiteral("--build"),
                                                 path(QStringLiteral("build"))}));

    qputenv("CMAKE_NINJA", "1");
    const auto unset = qScopeGuard([] { qunsetenv("CMAKE_NINJA"); });
    start();
    // Configured by "cmake", then built by the ninja its cache names; CMake itself never builds
    // (the real cmake --build would fail on this fake folder).
    QTRY_COMPARE_WITH_TIMEOUT(body(), QStringLiteral("<h1>Hello, Version 1!</h1>"), 10000);
    const QString ninjaCall = QStringLiteral("-C %1\n").arg(path(QStringLiteral("build")));
    QCOMPARE(QString::fromUtf8(readFile(path(QStringLiteral("ninja.log")))), ninjaCall);

    writeFile(path(QStringLiteral("src/greeter.cpp")), "// v2\n");
    QTRY_COMPARE_WITH_TIMEOUT(body(), QStringLiteral("<h1>This is Version 2!</h1>"), 10000);
    QCOMPARE(QString::fromUtf8(readFile(path(QStringLiteral("ninja.log")))), ninjaCall + ninjaCall);
    const ReloadRecord reload = *m_engine->lastReload();
    QVERIFY(reload.build);
    QCOMPARE(reload.build->command,
             QStringLiteral("%1 -C %2")
                 .arg(path(QStringLiteral("fakeninja")), path(QStringLiteral("build"))));
}

void tst_CMakeProject::unconfiguredProjectIsConfiguredBuiltAndServed()
{
    makeProject();
    start();
    // Nothing is built yet: no empty generation 1 pretends to serve while it configures.
    QVERIFY(m_source->isEngineStartDeferred());
    QCOMPARE(m_engine->generationNumber(), quint64(0));
    QTRY_COMPARE_WITH_TIMEOUT(body(), QStringLiteral("<h1>Hello, Version 1!</h1>"), 10000);
    QCOMPARE(m_engine->generationNumber(), quint64(1));
    QCOMPARE(m_engine->history().size(), 1);
    QCOMPARE(m_engine->history().first().cause, ReloadCause::Startup);

    const QString args = QString::fromUtf8(readFile(path(QStringLiteral("configure.args"))));
    QVERIFY2(args.startsWith(QStringLiteral("-S %1 -B %2 -G Ninja -DCMAKE_BUILD_TYPE=Debug")
                                 .arg(m_dir->path(), path(QStringLiteral("build")))),
             qPrintable(args));
    QVERIFY2(args.contains(QStringLiteral("-DCMAKE_PREFIX_PATH=/opt/qreload")), qPrintable(args));
    QCOMPARE(CMakeBuildFolder(m_dir->path(), path(QStringLiteral("build"))).state(),
             CMakeBuildFolder::State::Configured);

    // Configured now: an edit builds (no second configure) and reloads.
    QVERIFY(QFile::remove(path(QStringLiteral("configure.args"))));
    writeFile(path(QStringLiteral("src/greeter.cpp")), "// v2\n");
    QTRY_COMPARE_WITH_TIMEOUT(body(), QStringLiteral("<h1>This is Version 2!</h1>"), 10000);
    QVERIFY(!QFile::exists(path(QStringLiteral("configure.args"))));
    QCOMPARE(readFile(path(QStringLiteral("builds.log"))), QByteArray("build\nbuild\n"));
}

void tst_CMakeProject::failedConfigureIsAFailedReloadWithClickableErrors()
{
    makeProject("project(greeter)\n# fail\n");
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("^build failed with exit code 1")));
    start();
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->history().size(), 1, 10000);
    const ReloadRecord record = m_engine->history().first();
    QCOMPARE(record.outcome, ReloadOutcome::Failed);
    QVERIFY(record.buildFailed());
    QVERIFY2(record.build->command.contains(QStringLiteral("-B")),
             qPrintable(record.build->command));
    // Generation 0: nothing is loaded, and the record says so rather than "keeps serving".
    QCOMPARE(record.generationBefore, quint64(0));
    QCOMPARE(m_engine->generationNumber(), quint64(0));
    QCOMPARE(record.errors.first().reason(), Error::Reason::BuildFailed);
    QVERIFY2(record.errors.first().message().contains(QStringLiteral("configure of ")),
             qPrintable(record.errors.first().message()));
    QVERIFY2(record.errors.first().message().contains(QStringLiteral("nothing is loaded yet")),
             qPrintable(record.errors.first().message()));

    // CMake's error is a diagnostic like a compiler's: file, line, the whole message.
    const QString lists = path(QStringLiteral("CMakeLists.txt"));
    QCOMPARE(record.build->diagnostics.size(), 2);
    const Diagnostic &error = record.build->diagnostics.at(0);
    QCOMPARE(error.file, lists);
    QCOMPARE(error.line, 12);
    QCOMPARE(error.severity, Diagnostic::Severity::Error);
    QCOMPARE(error.message, QStringLiteral("Cannot find source files: nothere.cpp"));
    QCOMPARE(record.build->diagnostics.at(1).severity, Diagnostic::Severity::Note);
    QCOMPARE(record.build->diagnostics.at(1).line, 20);
    QCOMPARE(record.errors.at(1).reason(), Error::Reason::CompileError);
    QCOMPARE(record.errors.at(1).message(),
             lists + QStringLiteral(":12: error: Cannot find source files: nothere.cpp"));
    QCOMPARE(record.errors.size(), 2);
    QVERIFY(!QFile::exists(path(QStringLiteral("builds.log")))); // no build after it

    // Fixed: the next save configures, builds, and the first generation serves.
    writeFile(path(QStringLiteral("CMakeLists.txt")), "project(greeter)\n");
    writeFile(path(QStringLiteral("src/greeter.cpp")), "// v2\n");
    QTRY_COMPARE_WITH_TIMEOUT(body(), QStringLiteral("<h1>This is Version 2!</h1>"), 10000);
    QCOMPARE(m_engine->generationNumber(), quint64(1));
}

void tst_CMakeProject::errorInACMakeModuleNamesTheProjectLine()
{
    makeProject("project(greeter)\n# modulefail\n");
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("^build failed with exit code 1")));
    start();
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->history().size(), 1, 10000);
    const ReloadRecord record = m_engine->history().first();
    QCOMPARE(record.errors.size(), 2);
    QCOMPARE(record.errors.at(1).message(),
             QStringLiteral("/opt/qreload/lib/cmake/qreload/QReloadPlugin.cmake:37: error: "
                            "qreload_add_plugin(b): SOURCES is required (called from %1:4)")
                 .arg(path(QStringLiteral("CMakeLists.txt"))));
}

void tst_CMakeProject::buildFolderOfAnotherSourceFolderIsNeverBuilt()
{
    makeProject();
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("build")));
    writeFile(path(QStringLiteral("build/CMakeCache.txt")),
              "# This is the CMakeCache file.\n"
              "CMAKE_HOME_DIRECTORY:INTERNAL=/home/someone/greeter\n");
    const QString problem = SourceMode::buildFolderProblem(m_config);
    QVERIFY2(problem.contains(path(QStringLiteral("build"))), qPrintable(problem));
    QVERIFY2(problem.contains(QStringLiteral("/home/someone/greeter")), qPrintable(problem));
    QVERIFY2(problem.contains(m_dir->path() + QStringLiteral(";"))
                 || problem.contains(m_dir->path()),
             qPrintable(problem));

    QTest::ignoreMessage(QtWarningMsg, qPrintable(problem));
    start();
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->history().size(), 1, 10000);
    const ReloadRecord record = m_engine->history().first();
    QCOMPARE(record.outcome, ReloadOutcome::Failed);
    QVERIFY2(record.errorText().contains(QStringLiteral("/home/someone/greeter")),
             qPrintable(record.errorText()));
    QVERIFY(!QFile::exists(path(QStringLiteral("builds.log"))));     // never built
    QVERIFY(!QFile::exists(path(QStringLiteral("configure.args")))); // nor reconfigured
    QCOMPARE(m_engine->generationNumber(), quint64(0));
}

void tst_CMakeProject::missingFoldersAreWarningsUntilTheyAppear()
{
    makeProject();
    // The build writes no plugins where the project looks for them, and a source folder is
    // missing.
    m_config.pluginDirs = {path(QStringLiteral("build/lib"))};
    m_config.sourceDirs.append(path(QStringLiteral("generated")));
    const QString missingSource = QStringLiteral("source folder %1 does not exist; qreload "
                                                 "watches for it")
                                      .arg(path(QStringLiteral("generated")));
    const QString missingPlugins = QStringLiteral("plugin folder %1 does not exist after the "
                                                  "build; does the build write its plugins there?")
                                       .arg(path(QStringLiteral("build/lib")));
    QTest::ignoreMessage(QtWarningMsg, qPrintable(missingSource));
    QTest::ignoreMessage(QtWarningMsg, qPrintable(missingPlugins));
    start();
    QCOMPARE(m_source->warnings(), QStringList{missingSource}); // plugins: not built yet
    QTRY_COMPARE_WITH_TIMEOUT(m_source->warnings(), (QStringList{missingSource, missingPlugins}),
                              10000);

    QTest::ignoreMessage(QtInfoMsg, qPrintable(QStringLiteral("resolved: ") + missingSource));
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("generated")));
    QTRY_COMPARE_WITH_TIMEOUT(m_source->warnings(), QStringList{missingPlugins}, 10000);
    QTest::ignoreMessage(QtInfoMsg, qPrintable(QStringLiteral("resolved: ") + missingPlugins));
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("build/lib")));
    writeFile(path(QStringLiteral("src/greeter.cpp")), "// v2\n"); // a build looks again
    QTRY_VERIFY_WITH_TIMEOUT(m_source->warnings().isEmpty(), 10000);
}

void tst_CMakeProject::brokenSymbolicLinksAreNamed()
{
    makeProject();
    const QString link = path(QStringLiteral("src/moved.cpp"));
    QVERIFY(QFile::link(path(QStringLiteral("src/gone.cpp")), link));
    const QString logged
        = QStringLiteral("broken symbolic link in a watched source folder: %1 -> %2 (no such file)")
              .arg(link, path(QStringLiteral("src/gone.cpp")));
    QTest::ignoreMessage(QtWarningMsg, qPrintable(logged));
    start();
    QTRY_COMPARE_WITH_TIMEOUT(body(), QStringLiteral("<h1>Hello, Version 1!</h1>"), 10000);
    QCOMPARE(m_source->warnings(),
             QStringList{QStringLiteral("broken symbolic link in source folder: %1 -> %2")
                             .arg(link, path(QStringLiteral("src/gone.cpp")))});
    // Fixed by removing it: the warning goes.
    QVERIFY(QFile::remove(link));
    QTRY_VERIFY_WITH_TIMEOUT(m_source->warnings().isEmpty(), 10000);
}

QTEST_GUILESS_MAIN(tst_CMakeProject)
#include "tst_cmakeproject.moc"
