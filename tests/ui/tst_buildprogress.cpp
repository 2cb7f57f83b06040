#include <buildprogress.h>

#include <QTest>

using namespace qreload::app;

class tst_BuildProgress : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parses_data();
    void parses();
};

void tst_BuildProgress::parses_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("done");
    QTest::addColumn<int>("total");
    QTest::addColumn<QString>("text");
    QTest::newRow("ninja") << QStringLiteral("[12/40] Building CXX object greeter.cpp.o") << 12
                           << 40 << QStringLiteral("12/40");
    QTest::newRow("ninja last") << QStringLiteral("[3/3] Linking CXX shared module greeter.so") << 3
                                << 3 << QStringLiteral("3/3");
    QTest::newRow("make") << QStringLiteral("[ 30%] Building CXX object services.cpp.o") << 30
                          << 100 << QStringLiteral("30%");
    QTest::newRow("make 100") << QStringLiteral("[100%] Built target greeter") << 100 << 100
                              << QStringLiteral("100%");
    QTest::newRow("ninja of 100") << QStringLiteral("[30/100] Building") << 30 << 100
                                  << QStringLiteral("30/100");
    QTest::newRow("indented") << QStringLiteral("  [1/2] Linking") << 1 << 2
                              << QStringLiteral("1/2");
    QTest::newRow("compiler output")
        << QStringLiteral("greeter.cpp:3:5: error: x") << -1 << -1 << QString();
    QTest::newRow("bracket text") << QStringLiteral("[warning] something") << -1 << -1 << QString();
    QTest::newRow("done beyond total") << QStringLiteral("[5/4] x") << -1 << -1 << QString();
    QTest::newRow("percent beyond 100") << QStringLiteral("[120%] x") << -1 << -1 << QString();
    QTest::newRow("empty") << QString() << -1 << -1 << QString();
}

void tst_BuildProgress::parses()
{
    QFETCH(QString, line);
    QFETCH(int, done);
    QFETCH(int, total);
    QFETCH(QString, text);
    const std::optional<BuildProgress> progress = BuildProgress::parse(line);
    QCOMPARE(progress.has_value(), done >= 0);
    if (progress) {
        QCOMPARE(progress->done, done);
        QCOMPARE(progress->total, total);
        QCOMPARE(progress->percent(), done * 100 / total);
        QCOMPARE(progress->text(), text);
    }
}

QTEST_GUILESS_MAIN(tst_BuildProgress)
#include "tst_buildprogress.moc"
