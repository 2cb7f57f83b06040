#include "diagnosticparser.h"

#include <QTest>

using namespace qreload::app;

using Severity = Diagnostic::Severity;

class tst_DiagnosticParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void compilerLines_data();
    void compilerLines();
    void notesFollowTheirError();
    void includeChainBecomesNotes();
    void relativePathsAreResolved();
    void duplicatesAreKeptOnce();
    void linkerAndCMakeErrors();
    void noiseGivesNothing();
    void cmakeConfigureErrors();
};

void tst_DiagnosticParser::compilerLines_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("lineNumber");
    QTest::addColumn<int>("column");
    QTest::addColumn<Severity>("severity");
    QTest::addColumn<QString>("message");

    QTest::newRow("g++ error") << "/p/services.cpp:14:50: error: expected ';' before '}' token"
                               << "/p/services.cpp" << 14 << 50 << Severity::Error
                               << "expected ';' before '}' token";
    QTest::newRow("g++ warning with flag")
        << "/p/a.cpp:3:9: warning: unused variable 'x' [-Wunused-variable]"
        << "/p/a.cpp" << 3 << 9 << Severity::Warning << "unused variable 'x' [-Wunused-variable]";
    QTest::newRow("fatal error") << "/p/a.cpp:1:10: fatal error: nope.h: No such file or directory"
                                 << "/p/a.cpp" << 1 << 10 << Severity::Error
                                 << "nope.h: No such file or directory";
    QTest::newRow("no column") << "/p/a.cpp:7: error: something"
                               << "/p/a.cpp" << 7 << 0 << Severity::Error << "something";
    QTest::newRow("clang colours")
        << "\x1b[1m/p/a.cpp:2:3: \x1b[0;1;31merror: \x1b[0m\x1b[1muse of undeclared identifier "
           "'y'\x1b[0m"
        << "/p/a.cpp" << 2 << 3 << Severity::Error << "use of undeclared identifier 'y'";
}

void tst_DiagnosticParser::compilerLines()
{
    QFETCH(QString, line);
    const QList<Diagnostic> diagnostics = DiagnosticParser::parse(line);
    QCOMPARE(diagnostics.size(), 1);
    const Diagnostic &d = diagnostics.first();
    QTEST(d.file, "file");
    QTEST(d.line, "lineNumber");
    QTEST(d.column, "column");
    QTEST(d.severity, "severity");
    QTEST(d.message, "message");
}

void tst_DiagnosticParser::notesFollowTheirError()
{
    const QString output
        = QStringLiteral("/p/a.cpp: In function 'int main()':\n"
                         "/p/a.cpp:5:8: error: no matching function for call to 'f(int)'\n"
                         "    5 |     f(1);\n"
                         "      |     ~^~~\n"
                         "/p/a.h:2:6: note: candidate: 'void f()'\n"
                         "/p/a.h:2:6: note:   candidate expects 0 arguments, 1 provided\n"
                         "/p/b.cpp:1:1: warning: something else\n");
    const QList<Diagnostic> d = DiagnosticParser::parse(output);
    QCOMPARE(d.size(), 4);
    QCOMPARE(d.at(0).severity, Severity::Error);
    QCOMPARE(d.at(1).severity, Severity::Note);
    QCOMPARE(d.at(1).file, QStringLiteral("/p/a.h"));
    QCOMPARE(d.at(2).severity, Severity::Note);
    QCOMPARE(d.at(3).severity, Severity::Warning);
}

void tst_DiagnosticParser::includeChainBecomesNotes()
{
    const QString output = QStringLiteral("In file included from /p/b.h:4,\n"
                                          "                 from /p/a.cpp:2:\n"
                                          "/p/c.h:9:1: error: 'foo' does not name a type\n");
    const QList<Diagnostic> d = DiagnosticParser::parse(output);
    QCOMPARE(d.size(), 3);
    QCOMPARE(d.at(0).file, QStringLiteral("/p/c.h"));
    QCOMPARE(d.at(0).line, 9);
    QCOMPARE(d.at(1).severity, Severity::Note);
    QCOMPARE(d.at(1).file, QStringLiteral("/p/b.h"));
    QCOMPARE(d.at(1).line, 4);
    QCOMPARE(d.at(2).file, QStringLiteral("/p/a.cpp"));
    QCOMPARE(d.at(2).line, 2);
    QVERIFY(d.at(2).message.contains(QLatin1String("included from")));
}

void tst_DiagnosticParser::relativePathsAreResolved()
{
    const QList<Diagnostic> d
        = DiagnosticParser::parse(QStringLiteral("src/a.cpp:3:4: error: x"), QStringLiteral("/w"));
    QCOMPARE(d.value(0).file, QStringLiteral("/w/src/a.cpp"));
}

void tst_DiagnosticParser::duplicatesAreKeptOnce()
{
    const QString twice = QStringLiteral("/p/h.h:1:1: error: e\n/p/h.h:1:1: note: n\n");
    QCOMPARE(DiagnosticParser::parse(twice + twice).size(), 2);
}

void tst_DiagnosticParser::linkerAndCMakeErrors()
{
    const QString output
        = QStringLiteral("ld.lld: error: undefined symbol: foo()\n"
                         ">>> referenced by a.cpp:3\n"
                         "collect2: error: ld returned 1 exit status\n"
                         "CMake Error at examples/greeter/CMakeLists.txt:3 (qreload_add_plugin):\n"
                         "  qreload_add_plugin(greeter): SOURCES is required\n"
                         "\n"
                         "-- Configuring incomplete, errors occurred!\n");
    const QList<Diagnostic> d = DiagnosticParser::parse(output, QStringLiteral("/src"));
    QCOMPARE(d.size(), 2);
    QCOMPARE(d.at(0).severity, Severity::Error);
    QVERIFY(d.at(0).message.contains(QLatin1String("undefined symbol: foo()")));
    QVERIFY(d.at(0).message.contains(QLatin1String("referenced by a.cpp:3")));
    QCOMPARE(d.at(1).file, QStringLiteral("/src/examples/greeter/CMakeLists.txt"));
    QCOMPARE(d.at(1).line, 3);
    QVERIFY(d.at(1).message.contains(QLatin1String("SOURCES is required")));
}

void tst_DiagnosticParser::noiseGivesNothing()
{
    const QString output = QStringLiteral(
        "[1/3] Automatic MOC for target greeter\n"
        "[2/3] Building CXX object examples/greeter/CMakeFiles/greeter.dir/services.cpp.o\n"
        "FAILED: examples/greeter/CMakeFiles/greeter.dir/services.cpp.o\n"
        "ninja: build stopped: subcommand failed.\n"
        "http://example.org:80: not a diagnostic\n");
    QCOMPARE(DiagnosticParser::parse(output).size(), 0);
}

// What a failed configure prints, as qreload shows it: each error at its CMakeLists.txt line, with
// its whole (multi-paragraph) message, the call stack leading to it as notes.
void tst_DiagnosticParser::cmakeConfigureErrors()
{
    const QString output = QStringLiteral(
        "-- The CXX compiler identification is GNU 12.2.0\n"
        "CMake Error at CMakeLists.txt:3 (find_package):\n"
        "  By not providing \"Findqreload.cmake\" in CMAKE_MODULE_PATH this project has\n"
        "  asked CMake to find a package configuration file provided by \"qreload\".\n"
        "\n"
        "  Could not find a package configuration file provided by \"qreload\"\n"
        "  (requested version 0.2).\n"
        "\n"
        "\n"
        "CMake Error at /opt/qreload/lib/cmake/qreload/QReloadPlugin.cmake:31 (message):\n"
        "  qreload_add_plugin(app): SOURCES is required\n"
        "Call Stack (most recent call first):\n"
        "  CMakeLists.txt:12 (qreload_add_plugin)\n"
        "\n"
        "\n"
        "CMake Error in CMakeLists.txt:\n"
        "  No SOURCES given to target: app\n"
        "\n"
        "CMake Error: The source directory \"/p/x\" does not exist.\n"
        "-- Configuring incomplete, errors occurred!\n");
    const QList<Diagnostic> d = DiagnosticParser::parse(output, QStringLiteral("/p"));
    QCOMPARE(d.size(), 5);
    QCOMPARE(d.at(0).file, QStringLiteral("/p/CMakeLists.txt"));
    QCOMPARE(d.at(0).line, 3);
    QCOMPARE(d.at(0).severity, Severity::Error);
    QVERIFY2(d.at(0).message.startsWith(QLatin1String("By not providing \"Findqreload.cmake\"")),
             qPrintable(d.at(0).message));
    QVERIFY2(d.at(0).message.endsWith(QLatin1String("(requested version 0.2).")),
             qPrintable(d.at(0).message)); // the second paragraph too
    QCOMPARE(d.at(1).file, QStringLiteral("/opt/qreload/lib/cmake/qreload/QReloadPlugin.cmake"));
    QCOMPARE(d.at(1).line, 31);
    QCOMPARE(d.at(1).message, QStringLiteral("qreload_add_plugin(app): SOURCES is required"));
    // The user's own line that led there.
    QCOMPARE(d.at(2).severity, Severity::Note);
    QCOMPARE(d.at(2).file, QStringLiteral("/p/CMakeLists.txt"));
    QCOMPARE(d.at(2).line, 12);
    QCOMPARE(d.at(2).message, QStringLiteral("called from here (qreload_add_plugin)"));
    QCOMPARE(d.at(3).file, QStringLiteral("/p/CMakeLists.txt"));
    QCOMPARE(d.at(3).line, 0);
    QCOMPARE(d.at(3).message, QStringLiteral("No SOURCES given to target: app"));
    QCOMPARE(d.at(4).file, QString());
    QCOMPARE(d.at(4).message, QStringLiteral("The source directory \"/p/x\" does not exist."));
}

QTEST_GUILESS_MAIN(tst_DiagnosticParser)
#include "tst_diagnosticparser.moc"
