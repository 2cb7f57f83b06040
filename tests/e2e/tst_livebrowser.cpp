// Live reload in a real browser (issue 12 §3): headless Chromium, driven over the DevTools
// protocol (QWebSocket), opens a page that a supervisor with a real qreload-host serves, in source
// mode with a scripted build. The test never navigates after the first load:
// - a replaced plugin changes the page's text (the injected script reloads the page);
// - a failed build makes the error overlay visible, naming the file and line (a PNG of it is
//   saved for the README);
// - the fixing build removes the overlay.
// Without chromium the test skips and says so.

#include "hostproxy.h"
#include "sourcemode.h"

#include <fixturepaths.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <unistd.h>

using namespace qreload::app;

namespace {

//! A DevTools protocol client on the browser's WebSocket, with one flattened page session.
class DevTools : public QObject
{
public:
    bool open(const QUrl &browserSocket)
    {
        connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            const QJsonObject message = QJsonDocument::fromJson(text.toUtf8()).object();
            if (message.contains(QLatin1String("id")))
                m_replies.insert(message.value(QLatin1String("id")).toInt(), message);
            else
                ++m_events[message.value(QLatin1String("method")).toString()];
        });
        m_socket.open(browserSocket);
        return QTest::qWaitFor([&] { return m_socket.state() == QAbstractSocket::ConnectedState; },
                               15000);
    }

    //! Sends a command (to the page session once attached) and waits for its reply.
    QJsonObject call(const QString &method, const QJsonObject &params = {}, bool toPage = true)
    {
        const int id = ++m_nextId;
        QJsonObject message{{QLatin1String("id"), id},
                            {QLatin1String("method"), method},
                            {QLatin1String("params"), params}};
        if (toPage && !m_session.isEmpty())
            message.insert(QLatin1String("sessionId"), m_session);
        m_socket.sendTextMessage(
            QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
        QTest::qWaitFor([&] { return m_replies.contains(id); }, 20000);
        const QJsonObject reply = m_replies.take(id);
        if (reply.contains(QLatin1String("error")))
            qWarning(
                "DevTools %s: %s", qPrintable(method),
                QJsonDocument(reply.value(QLatin1String("error")).toObject()).toJson().constData());
        return reply.value(QLatin1String("result")).toObject();
    }

    //! Opens `url` in a new tab and attaches to it.
    bool openPage(const QUrl &url)
    {
        const QString target = call(QStringLiteral("Target.createTarget"),
                                    {{QLatin1String("url"), url.toString()}}, false)
                                   .value(QLatin1String("targetId"))
                                   .toString();
        m_session
            = call(QStringLiteral("Target.attachToTarget"),
                   {{QLatin1String("targetId"), target}, {QLatin1String("flatten"), true}}, false)
                  .value(QLatin1String("sessionId"))
                  .toString();
        return !m_session.isEmpty();
    }

    //! The value of a JavaScript expression in the page (null when it threw).
    QJsonValue evaluate(const QString &expression)
    {
        return call(QStringLiteral("Runtime.evaluate"), {{QLatin1String("expression"), expression},
                                                         {QLatin1String("returnByValue"), true}})
            .value(QLatin1String("result"))
            .toObject()
            .value(QLatin1String("value"));
    }

    //! How many protocol events of `method` arrived (Page.loadEventFired: page loads).
    int eventCount(const QString &method) const { return m_events.value(method); }

    QByteArray screenshot()
    {
        return QByteArray::fromBase64(call(QStringLiteral("Page.captureScreenshot"),
                                           {{QLatin1String("format"), QStringLiteral("png")}})
                                          .value(QLatin1String("data"))
                                          .toString()
                                          .toLatin1());
    }

private:
    QWebSocket m_socket;
    int m_nextId = 0;
    QString m_session;
    QHash<int, QJsonObject> m_replies;
    QHash<QString, int> m_events;
};

QString findChromium()
{
    for (const char *name : {"chromium", "chromium-browser", "google-chrome"}) {
        const QString path = QStandardPaths::findExecutable(QString::fromLatin1(name));
        if (!path.isEmpty())
            return path;
    }
    return {};
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(path));
    file.write(bytes);
}

// The page's source as the scripted build reads it: which fixture the build "links", or a line
// the compiler rejects.
const char GoodSource[] = "// the live page\n#include \"page.h\"\nint version = %1;\n";
const char BrokenSource[]
    = "// the live page\n#include \"page.h\"\nint version = undeclaredName;\n";

} // namespace

class tst_LiveBrowser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void replacedPluginChangesThePage();
    void reloadThatKeepsThePagesComponentSkipsTheReload();
    void failedBuildShowsTheOverlay();
    void fixRemovesTheOverlay();
    void crashShowsTheCrashWithoutReloadingThePage();

private:
    QString text()
    {
        return m_browser
            .evaluate(QStringLiteral("document.getElementById('text') ? "
                                     "document.getElementById('text').textContent : ''"))
            .toString();
    }
    //! The overlay's text when it is in the page and has a size; empty otherwise.
    QString overlayText()
    {
        return m_browser
            .evaluate(QStringLiteral(
                "(() => { const o = document.querySelector('qreload-overlay');"
                " if (!o || !o.shadowRoot) return '';"
                " const r = o.shadowRoot.querySelector('.panel').getBoundingClientRect();"
                " return r.width > 0 && r.height > 0 ? o.shadowRoot.textContent : ''; })()"))
            .toString();
    }
    void putPlugin(const char *variant);

    QTemporaryDir m_dir;
    QString m_chromium;
    QProcess m_browserProcess;
    QByteArray m_browserErrors;
    DevTools m_browser;
    std::unique_ptr<HostProxy> m_proxy;
    std::unique_ptr<SourceMode> m_sourceMode;
    QList<ReloadRecord> m_records;
};

void tst_LiveBrowser::putPlugin(const char *variant)
{
    // As a linker does: a new file, never the loaded one rewritten.
    const QString target = m_dir.filePath(QStringLiteral("plugins/livepage.so"));
    QFile source(fixtures::plugin(variant));
    QVERIFY(source.open(QIODevice::ReadOnly));
    QFile::remove(target);
    writeFile(target, source.readAll());
}

void tst_LiveBrowser::initTestCase()
{
    m_chromium = findChromium();
    if (m_chromium.isEmpty())
        QSKIP("chromium is not installed: the live-reload browser test did NOT run (install it "
              "with scripts/install-deps.sh test, or apt install chromium)");
    QVERIFY(m_dir.isValid());
    QDir project(m_dir.path());
    QVERIFY(project.mkpath(QStringLiteral("src")) && project.mkpath(QStringLiteral("plugins")));
    putPlugin("livepage_v1");
    writeFile(m_dir.filePath(QStringLiteral("src/page.cpp")),
              QByteArray(GoodSource).replace("%1", "1"));
    // The build: a compiler's error line for a broken source, else the fixture it names "linked"
    // into the plugin folder (a new file, as ld writes it).
    writeFile(m_dir.filePath(QStringLiteral("build.sh")),
              QStringLiteral("src=\"%1/src/page.cpp\"\n"
                             "if grep -q undeclaredName \"$src\"; then\n"
                             "  echo \"$src:3:15: error: 'undeclaredName' was not declared in "
                             "this scope\" >&2\n"
                             "  exit 1\n"
                             "fi\n"
                             "v=$(sed -n 's/^int version = \\([0-9]*\\);$/\\1/p' \"$src\")\n"
                             "rm -f \"%1/plugins/livepage.so\"\n"
                             "cp \"%2/livepage_v$v/livepage_v$v%3\" \"%1/plugins/livepage.so\"\n")
                  .arg(m_dir.path(), QStringLiteral(QRELOAD_FIXTURES_DIR),
                       QStringLiteral(QRELOAD_FIXTURE_SUFFIX))
                  .toUtf8());

    ProjectConfig config;
    config.projectDir = m_dir.path();
    config.pluginDirs = {project.filePath(QStringLiteral("plugins"))};
    config.sourceDirs = {project.filePath(QStringLiteral("src"))};
    config.includeGlobs = ProjectConfig::defaultIncludeGlobs();
    config.buildCommand = {QStringLiteral("/bin/sh"), project.filePath(QStringLiteral("build.sh"))};
    config.buildWorkingDir = m_dir.path();
    config.quietPeriodMs = 50;

    HostProxy::Options options;
    options.pluginDirs = config.pluginDirs;
    options.quietPeriodMs = 50;
    options.hostExecutable = QStringLiteral(QRELOAD_HOST_BINARY);
    options.liveReload = true; // as qreload's main sets it from qreload.json by default
    m_proxy = std::make_unique<HostProxy>(options);
    QString error;
    QVERIFY2(m_proxy->listen(&error), qPrintable(error));
    connect(m_proxy.get(), &HostProxy::reloadFinished, this,
            [this](const ReloadRecord &r) { m_records.append(r); });
    m_sourceMode = std::make_unique<SourceMode>(m_proxy.get(), config);
    // As qreload's main wires them: builds reach the pages' event stream.
    connect(m_sourceMode.get(), &SourceMode::buildStarted, m_proxy.get(),
            &HostProxy::publishBuildStarted);
    connect(m_sourceMode.get(), &SourceMode::buildFinished, m_proxy.get(),
            &HostProxy::publishBuildFinished);
    m_proxy->start();
    m_sourceMode->start(false);
    QTRY_VERIFY_WITH_TIMEOUT(!m_records.isEmpty() && m_records.last().ok(), 20000);

    // Headless Chromium with its own profile; the DevTools port it picked is on stderr.
    QStringList arguments{QStringLiteral("--headless=new"),
                          QStringLiteral("--remote-debugging-port=0"),
                          QStringLiteral("--user-data-dir=")
                              + m_dir.filePath(QStringLiteral("profile")),
                          QStringLiteral("--no-first-run"),
                          QStringLiteral("--no-default-browser-check"),
                          QStringLiteral("--disable-gpu"),
                          QStringLiteral("--window-size=1100,720"),
                          QStringLiteral("about:blank")};
    if (::geteuid() == 0)
        arguments.prepend(QStringLiteral("--no-sandbox")); // Chromium refuses root otherwise
    connect(&m_browserProcess, &QProcess::readyReadStandardError, this,
            [this] { m_browserErrors += m_browserProcess.readAllStandardError(); });
    m_browserProcess.start(m_chromium, arguments);
    QVERIFY2(m_browserProcess.waitForStarted(10000), qPrintable(m_browserProcess.errorString()));
    static const QRegularExpression listening(QStringLiteral("DevTools listening on (ws://\\S+)"));
    QTRY_VERIFY2_WITH_TIMEOUT(listening.match(QString::fromUtf8(m_browserErrors)).hasMatch(),
                              m_browserErrors.constData(), 20000);
    QVERIFY(m_browser.open(QUrl(listening.match(QString::fromUtf8(m_browserErrors)).captured(1))));

    QVERIFY(m_browser.openPage(m_proxy->url().resolved(QUrl(QStringLiteral("/page")))));
    m_browser.call(QStringLiteral("Page.enable")); // counts page loads from here on
    QTRY_COMPARE_WITH_TIMEOUT(text(), QStringLiteral("Live page, version 1"), 15000);
    // The injected script runs and its stream is open.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_browser
            .evaluate(QStringLiteral("!!(window.__qreloadLive && window.__qreloadLive.connected)"))
            .toBool(),
        15000);
}

void tst_LiveBrowser::cleanupTestCase()
{
    if (m_browserProcess.state() != QProcess::NotRunning) {
        m_browserProcess.terminate();
        if (!m_browserProcess.waitForFinished(5000))
            m_browserProcess.kill();
        m_browserProcess.waitForFinished(5000);
    }
    m_sourceMode.reset();
    m_proxy.reset();
}

void tst_LiveBrowser::replacedPluginChangesThePage()
{
    // A marker in the page's JavaScript state: gone once the page has reloaded.
    m_browser.evaluate(QStringLiteral("window.__testMarker = 1"));
    putPlugin("livepage_v2");
    QTRY_COMPARE_WITH_TIMEOUT(text(), QStringLiteral("Live page, version 2"), 20000);
    QVERIFY(m_browser.evaluate(QStringLiteral("window.__testMarker === undefined")).toBool());
    QTRY_VERIFY_WITH_TIMEOUT(
        m_browser
            .evaluate(QStringLiteral("!!(window.__qreloadLive && window.__qreloadLive.connected)"))
            .toBool(),
        15000);
}

void tst_LiveBrowser::reloadThatKeepsThePagesComponentSkipsTheReload()
{
    // Another plugin appears: a reload that recreates nothing of live.Page (its very instance is
    // kept), so the page has nothing new to show and stays as it is.
    const int loads = m_browser.eventCount(QStringLiteral("Page.loadEventFired"));
    const qsizetype before = m_records.size();
    QFile source(fixtures::plugin("inspectable"));
    QVERIFY(source.open(QIODevice::ReadOnly));
    writeFile(m_dir.filePath(QStringLiteral("plugins/other.so")), source.readAll());
    QTRY_VERIFY_WITH_TIMEOUT(m_records.size() > before && m_records.last().ok(), 20000);
    const ReloadRecord &record = m_records.last();
    QVERIFY2(record.kept.contains(QLatin1String("live.Page")), qPrintable(record.kept.join(' ')));
    // The client took the event in (its generation moved on) without reloading.
    QTRY_COMPARE_WITH_TIMEOUT(
        m_browser.evaluate(QStringLiteral("window.__qreloadLive.page.generation")).toInteger(),
        qint64(record.generationAfter), 10000);
    QCOMPARE(m_browser.eventCount(QStringLiteral("Page.loadEventFired")), loads);
    QCOMPARE(text(), QStringLiteral("Live page, version 2"));
}

void tst_LiveBrowser::failedBuildShowsTheOverlay()
{
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("build failed with exit code 1")));
    writeFile(m_dir.filePath(QStringLiteral("src/page.cpp")), BrokenSource);
    QTRY_VERIFY_WITH_TIMEOUT(!overlayText().isEmpty(), 20000);
    const QString overlay = overlayText();
    const QString where = m_dir.filePath(QStringLiteral("src/page.cpp")) + QStringLiteral(":3:15");
    QVERIFY2(overlay.contains(where), qPrintable(overlay));
    QVERIFY2(overlay.contains(QLatin1String("'undeclaredName' was not declared")),
             qPrintable(overlay));
    QVERIFY2(overlay.contains(QLatin1String("int version = undeclaredName;")), qPrintable(overlay));
    QVERIFY2(
        overlay.contains(
            QStringLiteral("generation %1, which still serves").arg(m_proxy->generationNumber())),
        qPrintable(overlay));
    QVERIFY(overlay.contains(QLatin1String("Open in qreload")));
    // The old page is still there under it.
    QCOMPARE(text(), QStringLiteral("Live page, version 2"));

    const QByteArray png = m_browser.screenshot();
    QVERIFY(png.startsWith("\x89PNG"));
    const QString shot = QStringLiteral(QRELOAD_SCREENSHOT_DIR "/overlay.png");
    QDir().mkpath(QFileInfo(shot).absolutePath());
    writeFile(shot, png);
    qInfo("overlay screenshot: %s", qPrintable(shot));
}

void tst_LiveBrowser::fixRemovesTheOverlay()
{
    const int loads = m_browser.eventCount(QStringLiteral("Page.loadEventFired"));
    writeFile(m_dir.filePath(QStringLiteral("src/page.cpp")),
              QByteArray(GoodSource).replace("%1", "1"));
    // The build links version 1 again: the page reloads to it, without the overlay.
    QTRY_COMPARE_WITH_TIMEOUT(text(), QStringLiteral("Live page, version 1"), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(overlayText().isEmpty(), 10000);
    QCOMPARE(
        m_browser.evaluate(QStringLiteral("document.querySelectorAll('qreload-overlay').length"))
            .toInt(),
        0);
    QCOMPARE(m_browser.eventCount(QStringLiteral("Page.loadEventFired")), loads + 1); // one reload
}

void tst_LiveBrowser::crashShowsTheCrashWithoutReloadingThePage()
{
    const int loads = m_browser.eventCount(QStringLiteral("Page.loadEventFired"));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("died of SIGSEGV")));
    putPlugin("crash_null_ctor"); // a greeter whose constructor dereferences null
    QTRY_VERIFY_WITH_TIMEOUT(
        overlayText().contains(QLatin1String("The plugin host crashed (SIGSEGV)")), 20000);
    QVERIFY2(overlayText().contains(QLatin1String("First frames of the crashing thread")),
             qPrintable(overlayText()));
    // The stream dropped with the host; the page reconnected to the new one, which says it serves.
    QTRY_VERIFY_WITH_TIMEOUT(overlayText().contains(QLatin1String("A new host serves generation")),
                             20000);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_browser
            .evaluate(QStringLiteral("!!(window.__qreloadLive && window.__qreloadLive.connected)"))
            .toBool(),
        15000);
    // The restarted host serves the code that worked: the page stays as it was, not reloaded.
    QCOMPARE(text(), QStringLiteral("Live page, version 1"));
    QCOMPARE(m_browser.eventCount(QStringLiteral("Page.loadEventFired")), loads);
}

QTEST_GUILESS_MAIN(tst_LiveBrowser)
#include "tst_livebrowser.moc"
