// A user's own project, end to end with CMake and the compiler: `qreload new` then
// `qreload --headless --port 0 <it>` configures, builds and serves it (no build settings, nothing
// configured by hand); an edit is served; a compile error keeps the old code serving. And a copy
// of examples/greeter builds its own sources, not the original's.

#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {

//! Configure and first build of a new project on a busy 2-core machine: give it time.
constexpr int FirstBuildMs = 600000;
constexpr int RebuildMs = 180000;

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool replaceInFile(const QString &path, const QByteArray &from, const QByteArray &to)
{
    QByteArray text = readFile(path);
    if (!text.contains(from))
        return false;
    text.replace(from, to);
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

} // namespace

class tst_OwnProject : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();
    void newProjectIsConfiguredBuiltServedAndReloaded();
    void copiedGreeterBuildsItsOwnSources();

private:
    bool startQreload(const QString &project);
    QString get(const QString &path);
    //! Polls `path` until its body contains `text` or `ms` pass; returns the last body.
    QString waitForBody(const QString &path, const QString &text, int ms);
    QString waitForLine(const QString &pattern, int ms);
    //! The qreload-host process the running qreload started; 0 when there is none.
    qint64 hostPid() const;

    QProcess m_qreload;
    QString m_output;
    QUrl m_url;
    QNetworkAccessManager m_network;
};

void tst_OwnProject::cleanup()
{
    if (m_qreload.state() != QProcess::NotRunning) {
        m_qreload.terminate();
        m_qreload.waitForFinished(10000);
    }
    m_output.clear();
}

bool tst_OwnProject::startQreload(const QString &project)
{
    m_qreload.setProcessChannelMode(QProcess::MergedChannels);
    m_qreload.start(QStringLiteral(QRELOAD_BINARY),
                    {QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("0"),
                     QStringLiteral("--quiet-period"), QStringLiteral("50"), project});
    if (!m_qreload.waitForStarted())
        return false;
    static const QRegularExpression url(QStringLiteral("serving (http://\\S+/)"));
    m_url = QUrl(url.match(waitForLine(url.pattern(), 20000)).captured(1));
    return m_url.isValid();
}

QString tst_OwnProject::waitForLine(const QString &pattern, int ms)
{
    const QRegularExpression re(pattern);
    QDeadlineTimer deadline(ms);
    while (!deadline.hasExpired()) {
        m_output += QString::fromUtf8(m_qreload.readAll());
        for (const QString &line : m_output.split(QLatin1Char('\n'))) {
            if (re.match(line).hasMatch())
                return line;
        }
        if (m_qreload.state() != QProcess::Running)
            break;
        m_qreload.waitForReadyRead(200);
    }
    qWarning().noquote() << "no line matched" << pattern << "in:\n" << m_output;
    return {};
}

QString tst_OwnProject::get(const QString &path)
{
    QNetworkReply *reply = m_network.get(QNetworkRequest(m_url.resolved(QUrl(path))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(10000);
    reply->deleteLater();
    return QString::fromUtf8(reply->readAll());
}

QString tst_OwnProject::waitForBody(const QString &path, const QString &text, int ms)
{
    QString body;
    QDeadlineTimer deadline(ms);
    while (!deadline.hasExpired()) {
        body = get(path);
        if (body.contains(text))
            return body;
        m_output += QString::fromUtf8(m_qreload.readAll()); // keep the pipe drained
        QTest::qWait(250); // polls the condition, as QTRY_VERIFY does
    }
    qWarning().noquote() << "never served" << text << "; qreload said:\n" << m_output;
    return body;
}

void tst_OwnProject::newProjectIsConfiguredBuiltServedAndReloaded()
{
    QTemporaryDir parent;
    const QString project = parent.filePath(QStringLiteral("myapp"));
    QProcess scaffold;
    scaffold.start(QStringLiteral(QRELOAD_BINARY), {QStringLiteral("new"), project});
    QVERIFY(scaffold.waitForFinished(10000));
    QCOMPARE(scaffold.exitCode(), 0);

    // Command two: configured (it has no build folder), built and served.
    QVERIFY(!QFileInfo::exists(project + QStringLiteral("/build")));
    QVERIFY(startQreload(project));
    QVERIFY(waitForBody(QStringLiteral("/"), QStringLiteral("Hello from myapp"), FirstBuildMs)
                .contains(QStringLiteral("Hello from myapp")));
    // No failed or empty generation before it: the first generation is the built one.
    QVERIFY2(!m_output.contains(QStringLiteral("keeps serving")), qPrintable(m_output));
    QVERIFY(waitForLine(QStringLiteral("reload #1 \\(startup myapp.so\\): ok, generation 1"), 10000)
                .size());

    const QJsonObject hello
        = QJsonDocument::fromJson(get(QStringLiteral("/api/hello?name=Ada")).toUtf8()).object();
    QCOMPARE(hello.value(QLatin1String("greeting")).toString(), QStringLiteral("Hello from myapp"));
    QCOMPARE(hello.value(QLatin1String("name")).toString(), QStringLiteral("Ada"));

    // The compiler qreload picked for the project: QRELOAD_PLUGIN_CXX when set, else Clang when
    // this machine has one (its code-generating precompiled header compiles a plugin fastest).
    const QString cache
        = QString::fromUtf8(readFile(project + QStringLiteral("/build/CMakeCache.txt")));
    const QString compiler = QRegularExpression(QStringLiteral("^CMAKE_CXX_COMPILER:\\w+=(.*)$"),
                                                QRegularExpression::MultilineOption)
                                 .match(cache)
                                 .captured(1);
    const QString chosen = qEnvironmentVariable("QRELOAD_PLUGIN_CXX");
    if (!chosen.isEmpty())
        QVERIFY2(compiler == chosen || compiler == QStandardPaths::findExecutable(chosen),
                 qPrintable(compiler));
    else if (!QStandardPaths::findExecutable(QStringLiteral("clang++")).isEmpty())
        QVERIFY2(QFileInfo(compiler).fileName().startsWith(QLatin1String("clang++")),
                 qPrintable(compiler));

    // A save that changes only a string: moc's output stays as it was (not even rewritten), the
    // build is ninja's own command (no CMake started), and the new text is served.
    const QString mocOutput = project + QStringLiteral("/build/myapp_moc/myapp.moc");
    const QDateTime mocWritten = QFileInfo(mocOutput).lastModified();
    QVERIFY(mocWritten.isValid());
    const QString source = project + QStringLiteral("/myapp.cpp");
    QVERIFY(replaceInFile(source, "Hello from myapp", "Howdy from myapp"));
    QVERIFY(waitForBody(QStringLiteral("/"), QStringLiteral("Howdy from myapp"), RebuildMs)
                .contains(QStringLiteral("Howdy from myapp")));
    QCOMPARE(QFileInfo(mocOutput).lastModified(), mocWritten);
    const QString ninjaBuild
        = waitForLine(QStringLiteral("build: \\S*ninja -C \\S*/myapp/build$"), 1000);
    QVERIFY2(!ninjaBuild.isEmpty(), qPrintable(m_output));

    // Broken: the compiler's error names the file; the last good code keeps serving.
    QVERIFY(replaceInFile(source, "return QStringLiteral(\"Howdy from myapp\");",
                          "return QStringLiteral(\"Broken from myapp\")"));
    const QString failed = waitForLine(QStringLiteral("build FAILED"), RebuildMs);
    QVERIFY2(failed.contains(source + QLatin1Char(':')), qPrintable(failed));
    QVERIFY2(failed.contains(QStringLiteral("generation 2 keeps serving")), qPrintable(failed));
    QVERIFY(get(QStringLiteral("/")).contains(QStringLiteral("Howdy from myapp")));

    // Fixed by text from a header: a change of only that header rebuilds the plugin too.
    const QString header = project + QStringLiteral("/greeting.h");
    QFile headerFile(header);
    QVERIFY(headerFile.open(QIODevice::WriteOnly));
    headerFile.write("#pragma once\ninline const char *greetingText() { return \"Hi from the "
                     "header\"; }\n");
    headerFile.close();
    QVERIFY(replaceInFile(source, "#include <qreload/plugin.h>",
                          "#include \"greeting.h\"\n#include <qreload/plugin.h>"));
    QVERIFY(replaceInFile(source, "return QStringLiteral(\"Broken from myapp\")",
                          "return QString::fromUtf8(greetingText());"));
    QVERIFY(waitForBody(QStringLiteral("/"), QStringLiteral("Hi from the header"), RebuildMs)
                .contains(QStringLiteral("Hi from the header")));
    QVERIFY(replaceInFile(header, "Hi from the header", "Hi again from the header"));
    QVERIFY(waitForBody(QStringLiteral("/"), QStringLiteral("Hi again from the header"), RebuildMs)
                .contains(QStringLiteral("Hi again from the header")));

    // A new source file and plugin: CMakeLists.txt changed, so ninja re-runs CMake itself.
    QFile other(project + QStringLiteral("/other.cpp"));
    QVERIFY(other.open(QIODevice::WriteOnly));
    other.write(
        "#include <qreload/plugin.h>\n#include <QObject>\n"
        "class Other : public QObject\n{\n    Q_OBJECT\n};\n"
        "QRELOAD_COMPONENTS(registry)\n{\n"
        "    registry.add<Other>(\"other.Other\").route(\"/other\", [](Other &) {\n"
        "        return qreload::Response::text(QStringLiteral(\"from the other plugin\"));\n"
        "    });\n}\n#include \"other.moc\"\n");
    other.close();
    QFile lists(project + QStringLiteral("/CMakeLists.txt"));
    QVERIFY(lists.open(QIODevice::Append));
    lists.write("qreload_add_plugin(other SOURCES other.cpp)\n");
    lists.close();
    QVERIFY(
        waitForBody(QStringLiteral("/other"), QStringLiteral("from the other plugin"), RebuildMs)
            .contains(QStringLiteral("from the other plugin")));
    QVERIFY(get(QStringLiteral("/")).contains(QStringLiteral("Hi again from the header")));

    // The unload invariant with the compiler the project uses (Clang emits no GNU unique
    // symbols, GCC is told -fno-gnu-unique): after the reloads of myapp.so above, the host maps one
    // copy of it, the current one.
    const qint64 host = hostPid();
    QVERIFY(host > 0);
    const auto myappCopies = [host] {
        QSet<QString> copies;
        const QString maps
            = QString::fromLocal8Bit(readFile(QStringLiteral("/proc/%1/maps").arg(host)));
        for (const QString &line : maps.split(QLatin1Char('\n'))) {
            const QString file = line.section(QLatin1Char(' '), -1);
            if (file.contains(QLatin1String("myapp")) && file.endsWith(QLatin1String(".so")))
                copies.insert(file);
        }
        return copies.size();
    };
    QTRY_COMPARE_WITH_TIMEOUT(myappCopies(), 1, 10000);
}

qint64 tst_OwnProject::hostPid() const
{
    // qreload-host is a child of qreload.
    const qint64 qreload = m_qreload.processId();
    const QByteArray children
        = readFile(QStringLiteral("/proc/%1/task/%1/children").arg(qreload)).trimmed();
    for (const QByteArray &child : children.split(' ')) {
        if (readFile(QStringLiteral("/proc/%1/comm").arg(QString::fromLatin1(child))).trimmed()
            == "qreload-host")
            return child.toLongLong();
    }
    return 0;
}

void tst_OwnProject::copiedGreeterBuildsItsOwnSources()
{
    QTemporaryDir parent;
    const QString copy = parent.filePath(QStringLiteral("greeter-copy"));
    QVERIFY(QDir().mkpath(copy));
    for (const char *file : {"CMakeLists.txt", "services.cpp", "qreload.json"}) {
        QVERIFY(QFile::copy(QStringLiteral(QRELOAD_SOURCE_DIR "/examples/greeter/")
                                + QLatin1String(file),
                            copy + QLatin1Char('/') + QLatin1String(file)));
        QFile::setPermissions(copy + QLatin1Char('/') + QLatin1String(file),
                              QFile::ReadOwner | QFile::WriteOwner);
    }
    QVERIFY(startQreload(copy));
    QVERIFY(waitForBody(QStringLiteral("/"), QStringLiteral("Hello, Version 1!"), FirstBuildMs)
                .contains(QStringLiteral("Hello, Version 1!")));
    // Its own build folder, configured from the copy.
    QVERIFY(readFile(copy + QStringLiteral("/build/CMakeCache.txt"))
                .contains("CMAKE_HOME_DIRECTORY:INTERNAL=" + QFile::encodeName(copy)));

    QVERIFY(replaceInFile(copy + QStringLiteral("/services.cpp"), "Hello, Version 1!",
                          "Hello from the copy!"));
    QVERIFY(waitForBody(QStringLiteral("/"), QStringLiteral("Hello from the copy!"), RebuildMs)
                .contains(QStringLiteral("Hello from the copy!")));
}

QTEST_GUILESS_MAIN(tst_OwnProject)
#include "tst_ownproject.moc"
