// The walkthrough, end to end: `qreload --headless` in source mode on a copy of the greeter,
// with the real compiler. Edit GREETING -> "/" serves it; a compile error -> the old text keeps
// being served and the status has the diagnostic; fix it -> the new text is served.

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

const char ProjectConfig[] = R"({
  "plugins": "build/plugins",
  "sources": ".",
  "build": { "command": ["cmake", "--build", "build", "--target", "greeter"], "timeoutMs": 240000 },
  "quietPeriodMs": 50,
  "port": 0
})";

} // namespace

class tst_GreeterE2E : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void editGreeting();
    void compileErrorKeepsServing();
    void fixServesNewText();

private:
    QString get(const QString &path);
    void edit(const QString &from, const QString &to);
    //! The JSON reload records qreload printed so far.
    QList<QJsonObject> records();
    int count(const QString &outcome);

    QTemporaryDir m_dir;
    QProcess m_qreload;
    QByteArray m_stdout;
    QString m_url;
    QNetworkAccessManager m_network;
};

void tst_GreeterE2E::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QFile source(QStringLiteral(GREETER_SOURCE));
    QVERIFY(source.open(QIODevice::ReadOnly));
    QFile copy(m_dir.filePath(QStringLiteral("services.cpp")));
    QVERIFY(copy.open(QIODevice::WriteOnly));
    copy.write(source.readAll());
    copy.close();
    QVERIFY(QFile::copy(QStringLiteral(QRELOAD_GREETER_PROJECT),
                        m_dir.filePath(QStringLiteral("CMakeLists.txt"))));
    QFile config(m_dir.filePath(QStringLiteral("qreload.json")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(ProjectConfig);
    config.close();

    // Configure and build once, as a user would before starting qreload.
    QProcess configure;
    configure.setProcessChannelMode(QProcess::MergedChannels);
    configure.start(QStringLiteral(CMAKE_COMMAND_PATH),
                    {QStringLiteral("-S"), m_dir.path(), QStringLiteral("-B"),
                     m_dir.filePath(QStringLiteral("build")), QStringLiteral("-G"),
                     QStringLiteral("Ninja"), QStringLiteral("-DCMAKE_BUILD_TYPE=Debug")});
    QVERIFY(configure.waitForFinished(300000));
    QVERIFY2(configure.exitCode() == 0, configure.readAll().constData());

    m_qreload.setProcessChannelMode(QProcess::SeparateChannels);
    m_qreload.setWorkingDirectory(m_dir.path());
    connect(&m_qreload, &QProcess::readyReadStandardOutput, this,
            [this] { m_stdout += m_qreload.readAllStandardOutput(); });
    m_qreload.start(QStringLiteral(QRELOAD_BINARY),
                    {QStringLiteral("--headless"), QStringLiteral("--log-format"),
                     QStringLiteral("json"), m_dir.path()});
    QVERIFY(m_qreload.waitForStarted());
    static const QRegularExpression serving(QStringLiteral("serving (http://[^/ ]+)/"));
    QTRY_VERIFY_WITH_TIMEOUT(serving.match(QString::fromUtf8(m_stdout)).hasMatch(), 30000);
    m_url = serving.match(QString::fromUtf8(m_stdout)).captured(1);
    // The start-up build compiles the plugin, then it is served.
    QTRY_VERIFY_WITH_TIMEOUT(get(QStringLiteral("/")).contains(QLatin1String("Hello, Version 1!")),
                             300000);
    // One record: with no plugin built yet, the first generation is made by the start-up build.
    QTRY_VERIFY_WITH_TIMEOUT(count(QStringLiteral("ok")) == 1, 300000);
}

void tst_GreeterE2E::cleanupTestCase()
{
    if (m_qreload.state() != QProcess::NotRunning) {
        m_qreload.terminate();
        QVERIFY(m_qreload.waitForFinished(10000));
        QCOMPARE(m_qreload.exitCode(), 0);
    }
}

QString tst_GreeterE2E::get(const QString &path)
{
    QNetworkReply *reply = m_network.get(QNetworkRequest(QUrl(m_url + path)));
    QEventLoop loop;
    connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QString body = QString::fromUtf8(reply->readAll());
    reply->deleteLater();
    return body;
}

void tst_GreeterE2E::edit(const QString &from, const QString &to)
{
    QFile file(m_dir.filePath(QStringLiteral("services.cpp")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QString text = QString::fromUtf8(file.readAll());
    file.close();
    QVERIFY2(text.contains(from), qPrintable(from));
    text.replace(from, to);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate)); // an in-place write
    file.write(text.toUtf8());
}

QList<QJsonObject> tst_GreeterE2E::records()
{
    QList<QJsonObject> list;
    for (const QByteArray &line : m_stdout.split('\n')) {
        if (line.startsWith('{'))
            list.append(QJsonDocument::fromJson(line).object());
    }
    return list;
}

int tst_GreeterE2E::count(const QString &outcome)
{
    int n = 0;
    for (const QJsonObject &record : records())
        n += record.value(QLatin1String("outcome")).toString() == outcome;
    return n;
}

void tst_GreeterE2E::editGreeting()
{
    const int succeeded = count(QStringLiteral("ok"));
    edit(QStringLiteral("Hello, Version 1!"), QStringLiteral("Hello from the e2e test!"));
    QTRY_VERIFY_WITH_TIMEOUT(
        get(QStringLiteral("/")).contains(QLatin1String("Hello from the e2e test!")), 120000);
    QCOMPARE(count(QStringLiteral("ok")), succeeded + 1);
    const QJsonObject last = records().last();
    QCOMPARE(last.value(QLatin1String("build")).toObject().value(QLatin1String("exitCode")), 0);
}

void tst_GreeterE2E::compileErrorKeepsServing()
{
    const QString broken = QStringLiteral("return QString::fromUtf8(GREETING) + undeclaredName;");
    QFile file(m_dir.filePath(QStringLiteral("services.cpp")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'));
    file.close();
    int expectedLine = 0;
    for (int i = 0; i < lines.size() && !expectedLine; ++i)
        expectedLine
            = lines.at(i).contains(QLatin1String("Q_INVOKABLE QString greet()")) ? i + 1 : 0;
    QVERIFY(expectedLine > 0);

    edit(QStringLiteral("return QString::fromUtf8(GREETING);"), broken);
    QTRY_VERIFY_WITH_TIMEOUT(count(QStringLiteral("failed")) == 1, 120000);
    QVERIFY(get(QStringLiteral("/")).contains(QLatin1String("Hello from the e2e test!")));

    const QJsonObject status
        = QJsonDocument::fromJson(get(QStringLiteral("/_qreload/status")).toUtf8()).object();
    const QJsonObject build = status.value(QLatin1String("lastReload"))
                                  .toObject()
                                  .value(QLatin1String("build"))
                                  .toObject();
    QVERIFY(build.value(QLatin1String("exitCode")).toInt() != 0);
    const QJsonArray diagnostics = build.value(QLatin1String("diagnostics")).toArray();
    QVERIFY2(!diagnostics.isEmpty(), qPrintable(build.value(QLatin1String("output")).toString()));
    const QJsonObject first = diagnostics.first().toObject();
    QCOMPARE(first.value(QLatin1String("file")).toString(),
             m_dir.filePath(QStringLiteral("services.cpp")));
    QCOMPARE(first.value(QLatin1String("line")).toInt(), expectedLine);
    QCOMPARE(first.value(QLatin1String("severity")).toString(), QStringLiteral("error"));
    QVERIFY(
        first.value(QLatin1String("message")).toString().contains(QLatin1String("undeclaredName")));
}

void tst_GreeterE2E::fixServesNewText()
{
    edit(QStringLiteral("return QString::fromUtf8(GREETING) + undeclaredName;"),
         QStringLiteral("return QString::fromUtf8(GREETING);"));
    edit(QStringLiteral("Hello from the e2e test!"), QStringLiteral("Fixed and served!"));
    QTRY_VERIFY_WITH_TIMEOUT(get(QStringLiteral("/")).contains(QLatin1String("Fixed and served!")),
                             120000);
}

QTEST_GUILESS_MAIN(tst_GreeterE2E)
#include "tst_greeter_e2e.moc"
