// `qreload new`: the files it writes, the names and folders it refuses, and the command line.

#include "projectconfig.h"
#include "projectscaffold.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace qreload::app;

using Reason = ProjectScaffold::Error::Reason;

class tst_ProjectScaffold : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writesAProjectQreloadCanRun();
    void names_data();
    void names();
    void refusesAFolderThatHoldsFiles();
    void commandLine_data();
    void commandLine();
    void commandLineCreates();
    void mainHelpNamesNew();
};

namespace {

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

void tst_ProjectScaffold::writesAProjectQreloadCanRun()
{
    QTemporaryDir parent;
    const QString dir = parent.filePath(QStringLiteral("myapp"));
    ProjectScaffold::Error error;
    const auto written = ProjectScaffold::create(dir, QStringLiteral("myapp"), &error);
    QVERIFY2(written, qPrintable(error.message));
    QCOMPARE(*written, (QStringList{QStringLiteral("CMakeLists.txt"), QStringLiteral("myapp.cpp"),
                                    QStringLiteral("qreload.json"), QStringLiteral(".gitignore"),
                                    QStringLiteral("README.md")}));

    const QByteArray lists = readFile(dir + QStringLiteral("/CMakeLists.txt"));
    QVERIFY(lists.contains("find_package(qreload 0.2 REQUIRED)"));
    QVERIFY(lists.contains("qreload_add_plugin(myapp SOURCES myapp.cpp)"));
    QVERIFY(lists.contains("project(myapp LANGUAGES CXX)"));
    const QByteArray source = readFile(dir + QStringLiteral("/myapp.cpp"));
    QVERIFY(source.contains("Hello from myapp"));
    QVERIFY(source.contains(".route(\"/\""));
    QVERIFY(source.contains("qreload::Response::html("));
    QVERIFY(source.contains(".route(\"/api/hello\""));
    QVERIFY(source.contains("qreload::Response::json("));
    QVERIFY(source.contains("#include \"myapp.moc\""));
    QVERIFY(!source.contains("@NAME@"));
    QVERIFY(readFile(dir + QStringLiteral("/.gitignore")).contains("/build/"));
    QVERIFY(readFile(dir + QStringLiteral("/README.md")).startsWith("# myapp\n"));

    // Its qreload.json needs no build settings: it is a CMake project qreload configures.
    QList<ConfigError> errors;
    const auto config = ProjectConfig::load(dir, {}, &errors);
    QVERIFY2(config, qPrintable(errors.value(0).toString()));
    QVERIFY(config->configuresBuildDir);
    QCOMPARE(config->pluginDirs, QStringList{dir + QStringLiteral("/build/plugins")});
    QCOMPARE(config->sourceDirs, QStringList{dir});
}

void tst_ProjectScaffold::names_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("problem"); // empty: accepted
    QTest::newRow("plain") << "myapp"
                           << "";
    QTest::newRow("underscores, digits") << "my_app2"
                                         << "";
    QTest::newRow("dash") << "my-app"
                          << "try --name my_app";
    QTest::newRow("space") << "my app"
                           << "must start with a letter";
    QTest::newRow("digit first") << "2app"
                                 << "try --name app_2app";
    QTest::newRow("empty") << ""
                           << "empty";
    QTest::newRow("keyword") << "class"
                             << "C++ keyword";
    QTest::newRow("CMake target") << "test"
                                  << "taken by CMake";
    QTest::newRow("qreload itself") << "qreload"
                                    << "taken by CMake, Qt or qreload";
    QTest::newRow("too long") << QString(65, QLatin1Char('a')) << "longer than 64";
}

void tst_ProjectScaffold::names()
{
    QFETCH(QString, name);
    QFETCH(QString, problem);
    const QString found = ProjectScaffold::nameProblem(name);
    if (problem.isEmpty())
        QVERIFY2(found.isEmpty(), qPrintable(found));
    else
        QVERIFY2(found.contains(problem), qPrintable(found));
}

void tst_ProjectScaffold::refusesAFolderThatHoldsFiles()
{
    QTemporaryDir dir;
    QFile mine(dir.filePath(QStringLiteral("notes.txt")));
    QVERIFY(mine.open(QIODevice::WriteOnly));
    mine.write("mine");
    mine.close();
    ProjectScaffold::Error error;
    QVERIFY(!ProjectScaffold::create(dir.path(), QStringLiteral("app"), &error));
    QCOMPARE(error.reason, Reason::FolderNotEmpty);
    QVERIFY2(error.message.contains(dir.path()), qPrintable(error.message));
    QVERIFY2(error.message.contains(QStringLiteral("notes.txt")), qPrintable(error.message));
    QCOMPARE(readFile(mine.fileName()), QByteArray("mine"));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("CMakeLists.txt"))));

    // A file where the folder should be.
    QVERIFY(!ProjectScaffold::create(mine.fileName(), QStringLiteral("app"), &error));
    QCOMPARE(error.reason, Reason::NotAFolder);

    // A folder holding only .git (git init first) is empty enough.
    QTemporaryDir repository;
    QVERIFY(QDir(repository.path()).mkpath(QStringLiteral(".git")));
    QVERIFY2(ProjectScaffold::create(repository.path(), QStringLiteral("app"), &error),
             qPrintable(error.message));
}

void tst_ProjectScaffold::commandLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("stderrText");
    QTest::newRow("no folder") << QStringList{"new"} << 2 << "name the folder to create";
    QTest::newRow("bad name") << QStringList{"new", "@dir@/x", "--name", "my-app"} << 2
                              << "qreload new: the project name \"my-app\" is not an identifier";
    QTest::newRow("folder name is not a name")
        << QStringList{"new", "@dir@/my-app"} << 2 << "(try --name my_app)";
    QTest::newRow("not empty") << QStringList{"new", "@dir@"} << 2
                               << "qreload new: @dir@ is not empty (it holds keep.txt)";
    QTest::newRow("unknown option")
        << QStringList{"new", "@dir@/x", "--frobnicate"} << 2 << "unknown option --frobnicate";
    QTest::newRow("help") << QStringList{"new", "--help"} << 0 << "";
}

void tst_ProjectScaffold::commandLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, stderrText);
    QTemporaryDir dir;
    QFile keep(dir.filePath(QStringLiteral("keep.txt")));
    QVERIFY(keep.open(QIODevice::WriteOnly));
    keep.close();
    arguments.replaceInStrings(QStringLiteral("@dir@"), dir.path());
    stderrText.replace(QStringLiteral("@dir@"), dir.path());
    QProcess qreload;
    qreload.start(QStringLiteral(QRELOAD_BINARY), arguments);
    QVERIFY(qreload.waitForFinished(10000));
    QCOMPARE(qreload.exitStatus(), QProcess::NormalExit);
    QCOMPARE(qreload.exitCode(), exitCode);
    const QString error = QString::fromUtf8(qreload.readAllStandardError());
    QVERIFY2(error.contains(stderrText), qPrintable(error));
    if (exitCode == 0)
        QVERIFY(qreload.readAllStandardOutput().contains("usage: qreload new <dir>"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("keep.txt")}); // nothing written on an error
}

void tst_ProjectScaffold::commandLineCreates()
{
    QTemporaryDir parent;
    QProcess qreload;
    qreload.setWorkingDirectory(parent.path());
    qreload.start(QStringLiteral(QRELOAD_BINARY), {QStringLiteral("new"), QStringLiteral("shop2")});
    QVERIFY(qreload.waitForFinished(10000));
    QCOMPARE(qreload.exitCode(), 0);
    const QString output = QString::fromUtf8(qreload.readAllStandardOutput());
    QVERIFY2(output.contains(QStringLiteral("created project shop2 in %1/shop2")
                                 .arg(QDir(parent.path()).canonicalPath()))
                 || output.contains(
                     QStringLiteral("created project shop2 in %1/shop2").arg(parent.path())),
             qPrintable(output));
    QVERIFY2(output.contains(QStringLiteral("qreload shop2")), qPrintable(output));
    QVERIFY(
        readFile(parent.filePath(QStringLiteral("shop2/shop2.cpp"))).contains("Hello from shop2"));
}

void tst_ProjectScaffold::mainHelpNamesNew()
{
    QProcess qreload;
    qreload.start(QStringLiteral(QRELOAD_BINARY), {QStringLiteral("--help")});
    QVERIFY(qreload.waitForFinished(10000));
    QVERIFY(qreload.readAllStandardOutput().contains("qreload new <dir> [--name <name>]"));
}

QTEST_GUILESS_MAIN(tst_ProjectScaffold)
#include "tst_projectscaffold.moc"
