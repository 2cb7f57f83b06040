#include "pathfilter.h"
#include "projectconfig.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace qreload::app;

using Reason = ConfigError::Reason;

class tst_ProjectConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fullConfig();
    void defaultsAndVariables();
    void projectFolderOrFile();
    void errorsNameKeyAndLine_data();
    void errorsNameKeyAndLine();
    void allErrorsAtOnce();
    void shellCommand();
    void bundledGreeterConfigLoads();
    void bundledShopConfigBuildsOnlyTheChangedPlugin();
    void cmakeProjectNeedsNoBuildSettings();
    void cmakeProjectBuildDirectory();
    void customCommandIsNotConfigured();
    void environmentVariables();
    void unsetEnvironmentVariableNamesKeyAndVariable_data();
    void unsetEnvironmentVariableNamesKeyAndVariable();
    void buildDirOutsideACMakeProject();
    void globs_data();
    void globs();
    void buildFoldersAreNotWatched();

private:
    const ProjectConfig::Context m_context{QStringLiteral("/qb"), QStringLiteral("/qs")};
};

void tst_ProjectConfig::fullConfig()
{
    const QByteArray json = R"({
        "$schema": "qreload.schema.json",
        "plugins": ["out/plugins", "/abs/plugins"],
        "sources": "src",
        "include": ["*.cpp"],
        "exclude": ["third_party/"],
        "build": {
            "command": ["cmake", "--build", "build", "--target", "${targets}"],
            "workingDirectory": "..",
            "timeoutMs": 5000,
            "targets": { "greeter": ["src/greeter"], "shop": "src/shop" }
        },
        "quietPeriodMs": 40,
        "port": 0,
        "host": "127.0.0.2"
    })";
    QList<ConfigError> errors;
    const auto config
        = ProjectConfig::parse(json, QStringLiteral("/p/qreload.json"), m_context, &errors);
    QVERIFY2(config, qPrintable(errors.value(0).toString()));
    QCOMPARE(config->pluginDirs,
             (QStringList{QStringLiteral("/p/out/plugins"), QStringLiteral("/abs/plugins")}));
    QCOMPARE(config->sourceDirs, QStringList{QStringLiteral("/p/src")});
    QCOMPARE(config->includeGlobs, QStringList{QStringLiteral("*.cpp")});
    QCOMPARE(config->excludeGlobs, QStringList{QStringLiteral("third_party/")});
    QCOMPARE(config->buildWorkingDir, QStringLiteral("/"));
    QCOMPARE(config->buildTimeoutMs, 5000);
    QCOMPARE(config->buildTargets.value(QStringLiteral("shop")),
             QStringList{QStringLiteral("/p/src/shop")});
    QCOMPARE(config->quietPeriodMs, 40);
    QCOMPARE(config->port, 0);
    QCOMPARE(config->host, QStringLiteral("127.0.0.2"));
    QCOMPARE(
        config->buildArguments({QStringLiteral("/p/src/shop/x.cpp")}),
        (QStringList{QStringLiteral("cmake"), QStringLiteral("--build"), QStringLiteral("build"),
                     QStringLiteral("--target"), QStringLiteral("shop")}));
}

void tst_ProjectConfig::defaultsAndVariables()
{
    qputenv("QRELOAD_TEST_DIR", "/from/env");
    const QByteArray json = R"({
        "plugins": "${qreloadBuildDir}/plugins",
        "build": { "command": ["make", "-C", "${env:QRELOAD_TEST_DIR}", "${projectDir}"] }
    })";
    QList<ConfigError> errors;
    const auto config
        = ProjectConfig::parse(json, QStringLiteral("/p/qreload.json"), m_context, &errors);
    QVERIFY2(config, qPrintable(errors.value(0).toString()));
    QCOMPARE(config->pluginDirs, QStringList{QStringLiteral("/qb/plugins")});
    QCOMPARE(config->sourceDirs, QStringList{QStringLiteral("/p")}); // a build watches the project
    QCOMPARE(config->buildCommand.at(2), QStringLiteral("/from/env"));
    QCOMPARE(config->buildCommand.at(3), QStringLiteral("/p"));
    QCOMPARE(config->buildWorkingDir, QStringLiteral("/p"));
    QCOMPARE(config->buildTimeoutMs, 120000);
    QCOMPARE(config->quietPeriodMs, 100);
    QCOMPARE(config->port, 8765);
    QCOMPARE(config->host, QStringLiteral("127.0.0.1"));
    QCOMPARE(config->includeGlobs, ProjectConfig::defaultIncludeGlobs());
}

void tst_ProjectConfig::projectFolderOrFile()
{
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("qreload.json")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({ "plugins": "plugins" })");
    file.close();
    QList<ConfigError> errors;
    const auto fromFolder = ProjectConfig::load(dir.path(), m_context, &errors);
    QVERIFY(fromFolder);
    QCOMPARE(fromFolder->file, file.fileName());
    QCOMPARE(fromFolder->pluginDirs, QStringList{dir.filePath(QStringLiteral("plugins"))});
    QVERIFY(!fromFolder->hasBuild());
    QVERIFY(ProjectConfig::load(file.fileName(), m_context, &errors));

    const auto missing
        = ProjectConfig::load(dir.filePath(QStringLiteral("nope")), m_context, &errors);
    QVERIFY(!missing);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.first().reason, Reason::FileNotFound);
}

void tst_ProjectConfig::errorsNameKeyAndLine_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<Reason>("reason");
    QTest::addColumn<QString>("key");
    QTest::addColumn<int>("line");

    QTest::newRow("syntax") << QByteArray("{\n  \"plugins\": \"p\",\n  \"port\": 80 80\n}")
                            << Reason::Syntax << QString() << 3;
    QTest::newRow("wrong type") << QByteArray("{\n  \"plugins\": \"p\",\n  \"port\": \"8080\"\n}")
                                << Reason::WrongType << QStringLiteral("port") << 3;
    QTest::newRow("out of range") << QByteArray(
        "{\n  \"plugins\": \"p\",\n\n  \"quietPeriodMs\": -5\n}")
                                  << Reason::BadValue << QStringLiteral("quietPeriodMs") << 4;
    QTest::newRow("nested wrong type")
        << QByteArray("{\n \"plugins\": \"p\",\n \"build\": {\n  \"command\": [\"make\"],\n"
                      "  \"timeoutMs\": true\n }\n}")
        << Reason::WrongType << QStringLiteral("build.timeoutMs") << 5;
    QTest::newRow("item of a list") << QByteArray("{\n \"plugins\": [\"a\",\n  42]\n}")
                                    << Reason::WrongType << QStringLiteral("plugins[1]") << 2;
    QTest::newRow("unknown key (typo)")
        << QByteArray("{\n \"plugins\": \"p\",\n \"quietPeriod\": 5\n}") << Reason::UnknownKey
        << QStringLiteral("quietPeriod") << 3;
    QTest::newRow("missing plugins")
        << QByteArray("{}") << Reason::Missing << QStringLiteral("plugins") << 0;
    QTest::newRow("build without command")
        << QByteArray("{\n \"plugins\": \"p\",\n \"build\": { \"timeoutMs\": 5 }\n}")
        << Reason::Missing << QStringLiteral("build.command") << 3; // the object's line
    QTest::newRow("${targets} without targets")
        << QByteArray("{ \"plugins\": \"p\", \"build\": { \"command\": [\"x\", \"${targets}\"] } }")
        << Reason::Missing << QStringLiteral("build.targets") << 1;
    QTest::newRow("unknown variable") << QByteArray("{\n \"plugins\": \"${outDir}/p\"\n}")
                                      << Reason::BadValue << QStringLiteral("plugins") << 2;
    QTest::newRow("host not an address")
        << QByteArray("{ \"plugins\": \"p\", \"host\": \"example.org\" }") << Reason::BadValue
        << QStringLiteral("host") << 1;
    QTest::newRow("not an object") << QByteArray("[1, 2]") << Reason::WrongType << QString() << 0;
}

void tst_ProjectConfig::errorsNameKeyAndLine()
{
    QFETCH(QByteArray, json);
    QList<ConfigError> errors;
    const auto config
        = ProjectConfig::parse(json, QStringLiteral("/p/qreload.json"), m_context, &errors);
    QVERIFY(!config);
    QCOMPARE(errors.size(), 1);
    const ConfigError &e = errors.first();
    QTEST(e.reason, "reason");
    QTEST(e.key, "key");
    QTEST(e.line, "line");
    QVERIFY(e.toString().startsWith(QLatin1String("/p/qreload.json")));
    QFETCH(QString, key);
    QVERIFY2(e.toString().contains(key), qPrintable(e.toString()));
}

void tst_ProjectConfig::allErrorsAtOnce()
{
    QList<ConfigError> errors;
    const auto config = ProjectConfig::parse(
        R"({ "plugins": 1, "port": "x", "host": 2, "extra": 0 })", QString(), m_context, &errors);
    QVERIFY(!config);
    QCOMPARE(errors.size(), 4);
}

void tst_ProjectConfig::shellCommand()
{
    QList<ConfigError> errors;
    const auto config = ProjectConfig::parse(
        R"({ "plugins": "p", "build": { "command": "ninja -C b ${targets}",
             "targets": { "my target": "." } } })",
        QStringLiteral("/p/qreload.json"), m_context, &errors);
    QVERIFY(config);
    QVERIFY(config->buildThroughShell);
    QCOMPARE(config->buildArguments({}),
             (QStringList{QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                          QStringLiteral("ninja -C b 'my target'")}));
    QCOMPARE(config->buildCommandLine({}), QStringLiteral("ninja -C b 'my target'"));
}

// The bundled examples are ordinary CMake projects: no ${qreloadBuildDir}, their own build folder.
void tst_ProjectConfig::bundledGreeterConfigLoads()
{
    QList<ConfigError> errors;
    const QString greeter = QStringLiteral(QRELOAD_SOURCE_DIR "/examples/greeter");
    const auto config = ProjectConfig::load(greeter, m_context, &errors);
    QVERIFY2(config, qPrintable(errors.value(0).toString()));
    QCOMPARE(config->buildDir, greeter + QStringLiteral("/build"));
    QVERIFY(config->configuresBuildDir);
    QCOMPARE(config->pluginDirs, QStringList{greeter + QStringLiteral("/build/plugins")});
    QCOMPARE(config->sourceDirs, QStringList{greeter});
    QCOMPARE(config->buildArguments({greeter + QStringLiteral("/services.cpp")}),
             (QStringList{QStringLiteral("cmake"), QStringLiteral("--build"),
                          greeter + QStringLiteral("/build")}));
    QFile json(greeter + QStringLiteral("/qreload.json"));
    QVERIFY(json.open(QIODevice::ReadOnly));
    QVERIFY(!json.readAll().contains("qreloadBuildDir")); // a copy builds its own sources
}

void tst_ProjectConfig::bundledShopConfigBuildsOnlyTheChangedPlugin()
{
    QList<ConfigError> errors;
    const QString shop = QStringLiteral(QRELOAD_SOURCE_DIR "/examples/shop");
    const auto config = ProjectConfig::load(shop, m_context, &errors);
    QVERIFY2(config, qPrintable(errors.value(0).toString()));
    QCOMPARE(config->pluginDirs, QStringList{shop + QStringLiteral("/build/plugins")});
    const QStringList command{QStringLiteral("cmake"), QStringLiteral("--build"),
                              shop + QStringLiteral("/build"), QStringLiteral("--target")};
    QCOMPARE(config->buildArguments({shop + QStringLiteral("/web/web.cpp")}),
             command + QStringList{QStringLiteral("shop_web")});
    // A shared interface header is in no plugin's folder: all three are built.
    const QStringList all{QStringLiteral("shop_repository"), QStringLiteral("shop_services"),
                          QStringLiteral("shop_web")};
    QCOMPARE(config->buildArguments({shop + QStringLiteral("/include/shop/icart.h")}),
             command + all);
}

namespace {

//! A folder with a CMakeLists.txt and a qreload.json holding `json`.
QString writeProject(const QTemporaryDir &dir, const QByteArray &json)
{
    QFile lists(dir.filePath(QStringLiteral("CMakeLists.txt")));
    if (!lists.open(QIODevice::WriteOnly))
        return {};
    lists.write("project(x)\n");
    QFile config(dir.filePath(QStringLiteral("qreload.json")));
    if (!config.open(QIODevice::WriteOnly))
        return {};
    config.write(json);
    return config.fileName();
}

} // namespace

void tst_ProjectConfig::cmakeProjectNeedsNoBuildSettings()
{
    QTemporaryDir dir;
    const QString file = writeProject(dir, "{}");
    QList<ConfigError> errors;
    const auto config = ProjectConfig::load(file, m_context, &errors);
    QVERIFY2(config, qPrintable(errors.value(0).toString()));
    const QString build = dir.filePath(QStringLiteral("build"));
    QCOMPARE(config->buildDir, build);
    QVERIFY(config->configuresBuildDir);
    QCOMPARE(config->pluginDirs, QStringList{build + QStringLiteral("/plugins")});
    QCOMPARE(config->sourceDirs, QStringList{dir.path()});
    QCOMPARE(config->buildCommand,
             (QStringList{QStringLiteral("cmake"), QStringLiteral("--build"), build}));
    QCOMPARE(config->buildWorkingDir, dir.path());

    // Without a CMakeLists.txt the same file is not a project: it names no plugins.
    QVERIFY(QFile::remove(dir.filePath(QStringLiteral("CMakeLists.txt"))));
    errors.clear();
    QVERIFY(!ProjectConfig::load(file, m_context, &errors));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.first().reason, Reason::Missing);
    QCOMPARE(errors.first().key, QStringLiteral("plugins"));
}

void tst_ProjectConfig::cmakeProjectBuildDirectory()
{
    QTemporaryDir dir;
    const QString file = writeProject(dir, R"({
        "build": { "directory": "out/debug", "targets": { "a": "a", "b": "b" } },
        "sources": ["."],
        "exclude": ["docs/"]
    })");
    QList<ConfigError> errors;
    const auto config = ProjectConfig::load(file, m_context, &errors);
    QVERIFY2(config, qPrintable(errors.value(0).toString()));
    const QString build = dir.filePath(QStringLiteral("out/debug"));
    QCOMPARE(config->buildDir, build);
    QVERIFY(config->configuresBuildDir);
    QCOMPARE(config->pluginDirs, QStringList{build + QStringLiteral("/plugins")});
    QCOMPARE(config->buildArguments({dir.filePath(QStringLiteral("b/x.cpp"))}),
             (QStringList{QStringLiteral("cmake"), QStringLiteral("--build"), build,
                          QStringLiteral("--target"), QStringLiteral("b")}));
    // A build folder with an unusual name is still never watched as sources.
    QCOMPARE(config->excludeGlobs,
             (QStringList{QStringLiteral("docs/"), QStringLiteral("out/debug/")}));
    QVERIFY(!PathFilter(config->includeGlobs, config->excludeGlobs)
                 .acceptsFolder(QStringLiteral("out/debug"), build));

    // ${buildDir} names it anywhere.
    QTemporaryDir other;
    const QString otherFile = writeProject(
        other, R"({ "plugins": "${buildDir}/lib", "build": { "directory": "/tmp/qb" } })");
    const auto named = ProjectConfig::load(otherFile, m_context, &errors);
    QVERIFY2(named, qPrintable(errors.value(0).toString()));
    QCOMPARE(named->pluginDirs, QStringList{QStringLiteral("/tmp/qb/lib")});
}

void tst_ProjectConfig::customCommandIsNotConfigured()
{
    QTemporaryDir dir;
    const QString file
        = writeProject(dir, R"({ "build": { "command": ["make", "-C", "${buildDir}"] } })");
    QList<ConfigError> errors;
    const auto config = ProjectConfig::load(file, m_context, &errors);
    QVERIFY2(config, qPrintable(errors.value(0).toString()));
    QVERIFY(!config->configuresBuildDir); // a tree qreload does not know how to configure
    QCOMPARE(config->buildCommand.at(2), dir.filePath(QStringLiteral("build")));
    QCOMPARE(config->pluginDirs, QStringList{dir.filePath(QStringLiteral("build/plugins"))});
}

void tst_ProjectConfig::environmentVariables()
{
    qputenv("QRELOAD_TEST_SET", "/from/env");
    qputenv("QRELOAD_TEST_EMPTY", "");
    qunsetenv("QRELOAD_TEST_UNSET");
    const QByteArray json = R"({
        "plugins": ["${env:QRELOAD_TEST_SET:-/default}", "${env:QRELOAD_TEST_UNSET:-/default}",
                    "${env:QRELOAD_TEST_EMPTY:-/empty}", "/x${env:QRELOAD_TEST_EMPTY}/y",
                    "${env:QRELOAD_TEST_UNSET:-}/z"]
    })";
    QList<ConfigError> errors;
    const auto config
        = ProjectConfig::parse(json, QStringLiteral("/p/qreload.json"), m_context, &errors);
    QVERIFY2(config, qPrintable(errors.value(0).toString()));
    QCOMPARE(config->pluginDirs,
             (QStringList{QStringLiteral("/from/env"), QStringLiteral("/default"),
                          QStringLiteral("/empty"), QStringLiteral("/x/y"), QStringLiteral("/z")}));
}

void tst_ProjectConfig::unsetEnvironmentVariableNamesKeyAndVariable_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<Reason>("reason");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("text");
    QTest::newRow("plugins") << QByteArray("{\n \"plugins\": \"${env:QRELOAD_TEST_UNSET}/p\"\n}")
                             << Reason::UnsetVariable << QStringLiteral("plugins")
                             << QStringLiteral("QRELOAD_TEST_UNSET is not set");
    QTest::newRow("build command item")
        << QByteArray("{ \"plugins\": \"p\",\n \"build\": { \"command\": [\"make\", "
                      "\"${env:QRELOAD_TEST_UNSET}\"] } }")
        << Reason::UnsetVariable << QStringLiteral("build.command[1]")
        << QStringLiteral("${env:QRELOAD_TEST_UNSET:-value}");
    QTest::newRow("bad name") << QByteArray("{ \"plugins\": \"${env:1X}\" }") << Reason::BadValue
                              << QStringLiteral("plugins")
                              << QStringLiteral("not an environment variable name");
}

void tst_ProjectConfig::unsetEnvironmentVariableNamesKeyAndVariable()
{
    QFETCH(QByteArray, json);
    qunsetenv("QRELOAD_TEST_UNSET");
    QList<ConfigError> errors;
    QVERIFY(!ProjectConfig::parse(json, QStringLiteral("/p/qreload.json"), m_context, &errors));
    QCOMPARE(errors.size(), 1);
    QTEST(errors.first().reason, "reason");
    QTEST(errors.first().key, "key");
    QFETCH(QString, text);
    const QString message = errors.first().toString();
    QVERIFY2(message.contains(text), qPrintable(message));
    QFETCH(QString, key);
    QVERIFY2(message.startsWith(QStringLiteral("/p/qreload.json")), qPrintable(message));
    QVERIFY2(message.contains(key + QStringLiteral(": ")), qPrintable(message));
}

void tst_ProjectConfig::buildDirOutsideACMakeProject()
{
    QList<ConfigError> errors;
    QVERIFY(!ProjectConfig::parse(R"({ "plugins": "${buildDir}/p" })",
                                  QStringLiteral("/nonexistent/qreload.json"), m_context, &errors));
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.first().message.contains(QStringLiteral("build.directory")),
             qPrintable(errors.first().message));
}

void tst_ProjectConfig::globs_data()
{
    QTest::addColumn<QStringList>("include");
    QTest::addColumn<QStringList>("exclude");
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("accepted");

    const QStringList defaults = ProjectConfig::defaultIncludeGlobs();
    QTest::newRow("cpp") << defaults << QStringList() << "a/b/services.cpp" << true;
    QTest::newRow("header") << defaults << QStringList() << "x.hpp" << true;
    QTest::newRow("CMakeLists") << defaults << QStringList() << "sub/CMakeLists.txt" << true;
    QTest::newRow("text") << defaults << QStringList() << "notes.txt" << false;
    QTest::newRow("vim swap") << defaults << QStringList() << ".services.cpp.swp" << false;
    QTest::newRow("emacs lock") << defaults << QStringList() << ".#services.cpp" << false;
    QTest::newRow("backup") << defaults << QStringList() << "services.cpp~" << false;
    QTest::newRow("jetbrains") << defaults << QStringList() << "services.cpp___jb_tmp___" << false;
    QTest::newRow("vim probe") << QStringList{QStringLiteral("*")} << QStringList() << "4913"
                               << false;
    QTest::newRow("excluded by name")
        << defaults << QStringList{QStringLiteral("*_test.cpp")} << "a/x_test.cpp" << false;
    QTest::newRow("excluded folder") << defaults << QStringList{QStringLiteral("third_party/")}
                                     << "third_party/z/a.cpp" << false;
    QTest::newRow("excluded folder, other")
        << defaults << QStringList{QStringLiteral("third_party/")} << "src/third_party.cpp" << true;
    QTest::newRow("double star") << QStringList{QStringLiteral("src/**/*.cpp")} << QStringList()
                                 << "src/a.cpp" << true;
    QTest::newRow("double star deep")
        << QStringList{QStringLiteral("src/**/*.cpp")} << QStringList() << "src/a/b/c.cpp" << true;
    QTest::newRow("double star elsewhere")
        << QStringList{QStringLiteral("src/**/*.cpp")} << QStringList() << "lib/a.cpp" << false;
    QTest::newRow("character class")
        << QStringList{QStringLiteral("v[0-9].cpp")} << QStringList() << "v2.cpp" << true;
}

void tst_ProjectConfig::globs()
{
    QFETCH(QStringList, include);
    QFETCH(QStringList, exclude);
    QFETCH(QString, file);
    QTEST(PathFilter(include, exclude).acceptsFile(file), "accepted");
}

void tst_ProjectConfig::buildFoldersAreNotWatched()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("out")));
    QFile cache(dir.filePath(QStringLiteral("out/CMakeCache.txt")));
    QVERIFY(cache.open(QIODevice::WriteOnly));
    const PathFilter filter({}, {QStringLiteral("generated")});
    QVERIFY(!filter.acceptsFolder(QStringLiteral("out"), dir.filePath(QStringLiteral("out"))));
    QVERIFY(!filter.acceptsFolder(QStringLiteral("build"), dir.filePath(QStringLiteral("build"))));
    QVERIFY(!filter.acceptsFolder(QStringLiteral("cmake-build-debug"), QString()));
    QVERIFY(!filter.acceptsFolder(QStringLiteral(".git"), QString()));
    QVERIFY(!filter.acceptsFolder(QStringLiteral("a/generated"), QString()));
    QVERIFY(filter.acceptsFolder(QStringLiteral("src"), dir.filePath(QStringLiteral("src"))));
}

QTEST_GUILESS_MAIN(tst_ProjectConfig)
#include "tst_projectconfig.moc"
