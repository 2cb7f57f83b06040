// A copy of examples/greeter placed anywhere is a project of its own: configured against the
// qreload package of this build tree (CMAKE_PREFIX_PATH=<build folder>, the export() package),
// it builds the copy's sources into the copy's build folder, and `qreload <copy>` serves and
// rebuilds the copy, never the greeter of qreload's own tree.

#include "headlessqreload.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

class tst_ExampleCopy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void copyBuildsAndServesItsOwnSources();

private:
    void replaceInFile(const QString &path, const QString &from, const QString &to);
};

void tst_ExampleCopy::copyBuildsAndServesItsOwnSources()
{
    QTemporaryDir work;
    QVERIFY(work.isValid());
    const QString copy = work.filePath(QStringLiteral("greeter-copy"));
    QVERIFY(QDir().mkpath(copy));
    const QDir example(QStringLiteral(QRELOAD_SOURCE_DIR "/examples/greeter"));
    // The project's files, not a build folder someone configured inside the example.
    for (const QString &name : example.entryList(QDir::Files))
        QVERIFY(QFile::copy(example.filePath(name), copy + QLatin1Char('/') + name));
    const QString source = copy + QStringLiteral("/services.cpp");
    replaceInFile(source, QStringLiteral("Hello, Version 1!"),
                  QStringLiteral("Hello from the copy!"));

    const QString treePlugin
        = QStringLiteral(QRELOAD_BUILD_DIR "/examples/greeter/plugins/greeter.so");
    const QDateTime treePluginTime = QFileInfo(treePlugin).lastModified();

    QByteArray output;
    QVERIFY2(
        runToEnd(QStringLiteral(CMAKE_COMMAND_PATH),
                 {QStringLiteral("-S"), copy, QStringLiteral("-B"), copy + QStringLiteral("/build"),
                  QStringLiteral("-G"), QStringLiteral("Ninja"),
                  QStringLiteral("-DCMAKE_PREFIX_PATH=" QRELOAD_BUILD_DIR)},
                 copy, 300000, &output),
        output.constData());
    QVERIFY2(runToEnd(QStringLiteral(CMAKE_COMMAND_PATH),
                      {QStringLiteral("--build"), copy + QStringLiteral("/build")}, copy, 600000,
                      &output),
             output.constData());
    QVERIFY2(QFileInfo::exists(copy + QStringLiteral("/build/plugins/greeter.so")),
             output.constData());

    HeadlessQReload running;
    running.start(QStringLiteral(QRELOAD_BINARY), {copy}, copy);
    QVERIFY(running.process().waitForStarted());
    QTRY_VERIFY2_WITH_TIMEOUT(
        running.get(QStringLiteral("/")).contains(QLatin1String("Hello from the copy!")),
        running.output().constData(), 300000);

    replaceInFile(source, QStringLiteral("Hello from the copy!"),
                  QStringLiteral("The copy, edited!"));
    QTRY_VERIFY2_WITH_TIMEOUT(
        running.get(QStringLiteral("/")).contains(QLatin1String("The copy, edited!")),
        running.output().constData(), 300000);
    // qreload's own greeter was neither built nor touched.
    QCOMPARE(QFileInfo(treePlugin).lastModified(), treePluginTime);
}

void tst_ExampleCopy::replaceInFile(const QString &path, const QString &from, const QString &to)
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

QTEST_GUILESS_MAIN(tst_ExampleCopy)
#include "tst_examplecopy.moc"
