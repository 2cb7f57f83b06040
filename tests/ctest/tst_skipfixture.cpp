// A Qt Test that passes one function and skips another: the fixture of the test ctest.skipshown,
// which checks that ctest reports such a test as skipped, not as passed. Not a test of its own.
#include <QTest>

class tst_SkipFixture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void passes() { QVERIFY(true); }
    void skips() { QSKIP("the fixture's reason for skipping"); }
};

QTEST_GUILESS_MAIN(tst_SkipFixture)
#include "tst_skipfixture.moc"
