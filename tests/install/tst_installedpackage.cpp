// qreload as a user gets it from `cmake --install`: the files land where a desktop, a compiler
// and CMake look for them; find_package(qreload 0.2) accepts 0.2.x only; and from the prefix
// alone, `qreload new` then `qreload --headless` serves the new project (its plugin compiled with
// the package's reload flags), serves an edit, and keeps serving it when the next edit does not
// compile.

#include "headlessqreload.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class tst_InstalledPackage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void installsFiles_data();
    void installsFiles();
    void packageAcceptsSameMinorVersionOnly();
    void withoutAProjectSaysWhatToDo();
    void executablesNameNoBuildOrSourceTree();
    void newProjectServesEditsAndKeepsServingBrokenOnes();

private:
    QString prefixPath(const QString &relative) const { return m_prefix.filePath(relative); }
    void replaceInFile(const QString &path, const QString &from, const QString &to);

    QTemporaryDir m_prefix;
    QTemporaryDir m_work;
};

void tst_InstalledPackage::initTestCase()
{
    QVERIFY(m_prefix.isValid());
    QVERIFY(m_work.isValid());
    QByteArray output;
    QVERIFY2(runToEnd(QStringLiteral(CMAKE_COMMAND_PATH),
                      {QStringLiteral("--install"), QStringLiteral(QRELOAD_BUILD_DIR),
                       QStringLiteral("--prefix"), m_prefix.path()},
                      m_work.path(), 120000, &output),
             output.constData());
}

void tst_InstalledPackage::installsFiles_data()
{
    QTest::addColumn<QString>("path");
    const QStringList files{
        QStringLiteral("bin/qreload"),
        QStringLiteral("lib/libqreloadcontainer.so." QRELOAD_VERSION),
        // the soname: major.minor, as the package's version check
        QStringLiteral("lib/libqreloadcontainer.so." QRELOAD_SOVERSION),
        QStringLiteral("lib/libqreloadcontainer.so"),
        QStringLiteral("include/qreload/plugin.h"),
        QStringLiteral("include/qreload/registry.h"),
        QStringLiteral("include/qreload/qreload_export.h"),
        QStringLiteral("lib/cmake/qreload/qreloadConfig.cmake"),
        QStringLiteral("lib/cmake/qreload/qreloadConfigVersion.cmake"),
        QStringLiteral("lib/cmake/qreload/QReloadPlugin.cmake"),
        QStringLiteral("lib/cmake/qreload/qreload_plugin.cpp.in"),
        QStringLiteral("share/qreload/qreload.schema.json"),
        QStringLiteral("share/qreload/examples/greeter/CMakeLists.txt"),
        QStringLiteral("share/qreload/examples/greeter/services.cpp"),
        QStringLiteral("share/qreload/examples/shop/CMakeLists.txt"),
        QStringLiteral("share/applications/qreload.desktop"),
        QStringLiteral("share/icons/hicolor/scalable/apps/qreload.svg"),
    };
    for (const QString &file : files)
        QTest::newRow(qPrintable(file)) << file;
    // Every executable the build has besides qreload (the plugin host).
    for (const QString &name :
         QStringLiteral(QRELOAD_HOST_EXECUTABLES).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString file = QStringLiteral("bin/") + name;
        QTest::newRow(qPrintable(file)) << file;
    }
}

void tst_InstalledPackage::installsFiles()
{
    QFETCH(QString, path);
    QVERIFY2(QFileInfo::exists(prefixPath(path)), qPrintable(prefixPath(path)));
    // Nothing installed refers to the build tree, where an installed qreload must not look.
    if (path.startsWith(QLatin1String("lib/cmake/"))) {
        QFile file(prefixPath(path));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY2(!file.readAll().contains(QByteArrayLiteral(QRELOAD_BUILD_DIR)), qPrintable(path));
    }
}

void tst_InstalledPackage::withoutAProjectSaysWhatToDo()
{
    // An installed qreload has no bundled project to fall back to: not the build machine's
    // greeter, but a sentence saying how to get one.
    QProcess qreload;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("QRELOAD_PROJECT"));
    qreload.setProcessEnvironment(environment);
    qreload.setWorkingDirectory(m_work.path());
    qreload.start(prefixPath(QStringLiteral("bin/qreload")), {QStringLiteral("--headless")});
    QVERIFY(qreload.waitForFinished(30000));
    const QByteArray error = qreload.readAllStandardError();
    QCOMPARE(qreload.exitCode(), 2);
    QVERIFY2(error.contains("no project: run `qreload new myapp`"), error.constData());
    QVERIFY2(!error.contains(QRELOAD_SOURCE_DIR), error.constData());
}

void tst_InstalledPackage::executablesNameNoBuildOrSourceTree()
{
    // The strings compiled into the executables (their .rodata; debug info may name the build
    // folder, and a package strips it) name neither tree.
    for (const QString &name : QStringList{QStringLiteral("qreload")}
                                   + QStringLiteral(QRELOAD_HOST_EXECUTABLES)
                                         .split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString rodata = m_work.filePath(name + QStringLiteral(".rodata"));
        QByteArray output;
        QVERIFY2(runToEnd(QStringLiteral("objcopy"),
                          {QStringLiteral("--dump-section"), QStringLiteral(".rodata=") + rodata,
                           prefixPath(QStringLiteral("bin/") + name), m_work.filePath(name)},
                          m_work.path(), 60000, &output),
                 output.constData());
        QFile file(rodata);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        for (const QString &tree :
             {QStringLiteral(QRELOAD_BUILD_DIR), QStringLiteral(QRELOAD_SOURCE_DIR)}) {
            // A QStringLiteral is UTF-16; __FILE__ of asserts (UTF-8) may name the trees.
            const QByteArray utf16(reinterpret_cast<const char *>(tree.utf16()), tree.size() * 2);
            QVERIFY2(!bytes.contains(utf16), qPrintable(name + QLatin1Char(' ') + tree));
            const QByteArray examples = (tree + QStringLiteral("/examples")).toUtf8();
            QVERIFY2(!bytes.contains(examples), qPrintable(name + QLatin1Char(' ') + tree));
        }
    }
}

void tst_InstalledPackage::packageAcceptsSameMinorVersionOnly()
{
    const QString probe = m_work.filePath(QStringLiteral("probe"));
    QVERIFY(QDir().mkpath(probe));
    QFile lists(probe + QStringLiteral("/CMakeLists.txt"));
    QVERIFY(lists.open(QIODevice::WriteOnly));
    lists.write(R"(cmake_minimum_required(VERSION 3.25)
project(probe LANGUAGES CXX)
foreach(version 0.1 0.3 1.0 0.2 0.2.0)
    find_package(qreload ${version} QUIET)
    if(qreload_FOUND AND TARGET qreload::container AND COMMAND qreload_add_plugin)
        message(STATUS "probe: ${version} found ${qreload_VERSION} in ${qreload_DIR}")
    else()
        message(STATUS "probe: ${version} not found")
    endif()
endforeach()
)");
    lists.close();
    QByteArray output;
    QVERIFY2(runToEnd(QStringLiteral(CMAKE_COMMAND_PATH),
                      {QStringLiteral("-S"), probe, QStringLiteral("-B"),
                       probe + QStringLiteral("/build"),
                       QStringLiteral("-DCMAKE_PREFIX_PATH=") + m_prefix.path()},
                      probe, 120000, &output),
             output.constData());
    const QString found = QStringLiteral(" found " QRELOAD_VERSION " in ")
                          + prefixPath(QStringLiteral("lib/cmake/qreload"));
    for (const char *line :
         {"probe: 0.1 not found", "probe: 0.3 not found", "probe: 1.0 not found"})
        QVERIFY2(output.contains(line), output.constData());
    QVERIFY2(output.contains(("probe: 0.2" + found).toUtf8()), output.constData());
    QVERIFY2(output.contains(("probe: 0.2.0" + found).toUtf8()), output.constData());
}

void tst_InstalledPackage::newProjectServesEditsAndKeepsServingBrokenOnes()
{
    const QString qreload = prefixPath(QStringLiteral("bin/qreload"));
    const QString project = m_work.filePath(QStringLiteral("myapp"));
    QByteArray output;
    QVERIFY2(runToEnd(qreload, {QStringLiteral("new"), project}, m_work.path(), 30000, &output),
             output.constData());
    const QString source = project + QStringLiteral("/myapp.cpp");
    QVERIFY2(QFileInfo::exists(source), output.constData());

    // Configures build/ against the prefix (CMAKE_PREFIX_PATH=<bin>/..), builds, serves.
    HeadlessQReload running;
    running.start(qreload, {project}, m_work.path());
    QVERIFY(running.process().waitForStarted());
    QTRY_VERIFY2_WITH_TIMEOUT(
        running.get(QStringLiteral("/")).contains(QLatin1String("Hello from myapp")),
        running.output().constData(), 600000);
    // The user's plugin is compiled with the package's reload flags and its precompiled header.
    QVERIFY2(QFileInfo::exists(project + QStringLiteral("/build/plugins/myapp.so")),
             running.output().constData());
    QVERIFY2(runToEnd(QStringLiteral(CMAKE_COMMAND_PATH),
                      {QStringLiteral("--build"), project + QStringLiteral("/build"),
                       QStringLiteral("--"), QStringLiteral("-t"), QStringLiteral("commands"),
                       QStringLiteral("myapp")},
                      project, 60000, &output),
             output.constData());
    QByteArray compile;
    for (const QByteArray &line : output.split('\n'))
        compile = line.contains("myapp.cpp.o -c") ? line : compile;
    QVERIFY2(!compile.isEmpty(), output.constData());
    for (const char *flag : {"-fvisibility=hidden", "cmake_pch.hxx"})
        QVERIFY2(compile.contains(flag), compile.constData());
    // GCC needs -fno-gnu-unique for the library to unload; Clang (picked when installed) emits
    // no GNU unique symbols and does not know the flag.
    if (!compile.contains("clang"))
        QVERIFY2(compile.contains("-fno-gnu-unique"), compile.constData());

    replaceInFile(source, QStringLiteral("Hello from myapp"),
                  QStringLiteral("Hello from the installed qreload"));
    QTRY_VERIFY2_WITH_TIMEOUT(running.get(QStringLiteral("/"))
                                  .contains(QLatin1String("Hello from the installed qreload")),
                              running.output().constData(), 300000);

    const int failed = running.failedBuilds();
    replaceInFile(source, QStringLiteral("Hello from the installed qreload\")"),
                  QStringLiteral("Hello from a broken edit\") + undeclaredName"));
    QTRY_VERIFY2_WITH_TIMEOUT(running.failedBuilds() == failed + 1, running.output().constData(),
                              300000);
    QVERIFY(running.get(QStringLiteral("/"))
                .contains(QLatin1String("Hello from the installed qreload")));
}

void tst_InstalledPackage::replaceInFile(const QString &path, const QString &from,
                                         const QString &to)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QString text = QString::fromUtf8(file.readAll());
    file.close();
    QVERIFY2(text.contains(from), qPrintable(from));
    text.replace(from, to);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate)); // an in-place write
    file.write(text.toUtf8());
}

QTEST_GUILESS_MAIN(tst_InstalledPackage)
#include "tst_installedpackage.moc"
