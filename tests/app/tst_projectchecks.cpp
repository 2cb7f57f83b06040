// Project checks as a user meets them on the command line: the real executable, its output and
// its status JSON.

#include <fixturepaths.h>

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(f.errorString()));
    QCOMPARE(f.write(bytes), bytes.size());
}

} // namespace

class tst_ProjectChecks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void missingFolderIsAWarningUntilItAppears();
    void buildFolderOfAnotherTreeIsRefused();
    void unsetEnvironmentVariableIsAnError();

private:
    QJsonObject status(const QUrl &url);
    QNetworkAccessManager m_network;
};

QJsonObject tst_ProjectChecks::status(const QUrl &url)
{
    QNetworkReply *reply
        = m_network.get(QNetworkRequest(url.resolved(QUrl(QStringLiteral("/_qreload/status")))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(5000);
    reply->deleteLater();
    return QJsonDocument::fromJson(reply->readAll()).object();
}

void tst_ProjectChecks::missingFolderIsAWarningUntilItAppears()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("src")));
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("plugins")));
    QVERIFY(QFile::copy(fixtures::plugin("greeter_v1"),
                        dir.filePath(QStringLiteral("plugins/greeter.so"))));
    writeFile(dir.filePath(QStringLiteral("src/a.cpp")), "// a\n");
    writeFile(dir.filePath(QStringLiteral("qreload.json")),
              R"({ "plugins": "plugins", "sources": ["src", "generated"],
                   "build": { "command": "true" }, "port": 0 })");
    QProcess qreload;
    qreload.setProcessChannelMode(QProcess::MergedChannels);
    qreload.start(QStringLiteral(QRELOAD_BINARY), {QStringLiteral("--headless"), dir.path()});
    QVERIFY(qreload.waitForStarted());
    const QString warning
        = QStringLiteral("source folder %1 does not exist; qreload watches for it")
              .arg(dir.filePath(QStringLiteral("generated")));
    QString output;
    QDeadlineTimer deadline(20000);
    static const QRegularExpression serving(QStringLiteral("serving (http://\\S+/)"));
    while ((!output.contains(warning) || !serving.match(output).hasMatch())
           && !deadline.hasExpired()) {
        qreload.waitForReadyRead(100);
        output += QString::fromUtf8(qreload.readAll());
    }
    QVERIFY2(output.contains(warning), qPrintable(output)); // headless output
    const QUrl url(serving.match(output).captured(1));
    QTRY_VERIFY_WITH_TIMEOUT(
        status(url).value(QLatin1String("warnings")).toArray().contains(QJsonValue(warning)),
        10000);

    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("generated")));
    QTRY_VERIFY_WITH_TIMEOUT(status(url).value(QLatin1String("warnings")).toArray().isEmpty(),
                             10000);
    qreload.terminate();
    QVERIFY(qreload.waitForFinished(10000));
}

void tst_ProjectChecks::buildFolderOfAnotherTreeIsRefused()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("CMakeLists.txt")), "project(x)\n");
    writeFile(dir.filePath(QStringLiteral("qreload.json")), "{}");
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("build")));
    writeFile(dir.filePath(QStringLiteral("build/CMakeCache.txt")),
              "CMAKE_HOME_DIRECTORY:INTERNAL=/home/someone/original\n");
    QProcess qreload;
    qreload.start(
        QStringLiteral(QRELOAD_BINARY),
        {QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("0"), dir.path()});
    QVERIFY(qreload.waitForFinished(20000));
    QCOMPARE(qreload.exitCode(), 2);
    const QString error = QString::fromUtf8(qreload.readAllStandardError());
    QVERIFY2(error.contains(QStringLiteral("build folder %1 belongs to another source folder, "
                                           "/home/someone/original")
                                .arg(dir.filePath(QStringLiteral("build")))),
             qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("not to this project's %1").arg(dir.path())),
             qPrintable(error));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("build/build.ninja")))); // nothing ran
}

void tst_ProjectChecks::unsetEnvironmentVariableIsAnError()
{
    QTemporaryDir dir;
    writeFile(dir.filePath(QStringLiteral("qreload.json")),
              "{\n  \"plugins\": \"${env:QRELOAD_NO_SUCH_VARIABLE}/plugins\"\n}\n");
    QProcess qreload;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("QRELOAD_NO_SUCH_VARIABLE"));
    qreload.setProcessEnvironment(environment);
    qreload.start(QStringLiteral(QRELOAD_BINARY), {QStringLiteral("--headless"), dir.path()});
    QVERIFY(qreload.waitForFinished(20000));
    QCOMPARE(qreload.exitCode(), 2);
    QCOMPARE(QString::fromUtf8(qreload.readAllStandardError()),
             QStringLiteral("qreload: %1:2: plugins: environment variable QRELOAD_NO_SUCH_VARIABLE "
                            "is not set; set it, or give a default as "
                            "${env:QRELOAD_NO_SUCH_VARIABLE:-value}\n")
                 .arg(dir.filePath(QStringLiteral("qreload.json"))));
}

QTEST_GUILESS_MAIN(tst_ProjectChecks)
#include "tst_projectchecks.moc"
