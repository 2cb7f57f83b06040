// scalebench: what a reload costs as the application grows (issue 11, part 2).
//
// Runs on the generated scale apps (bench/scaleapp.cmake): 1 plugin x 10 components, 5 x 20 (100)
// and 50 x 20 (1,000). Each plugin is a chain of inject<> dependencies; its first component
// depends on the previous plugin's IStage through named<>(). For each app, on a private copy of
// its plugin folder, a ReloadEngine in this process (watching off, so only the benchmark's calls
// reload) measures:
//   - first generation: a new engine's start(), from nothing to serving;
//   - full reload: reloadNow(Manual, ReloadScope::All), the console's "Reload all";
//   - one plugin, leaf: the last plugin's file replaced by its other revision (different bytes,
//     same components), then reloadForEvents() as the source builder calls it. Nothing depends on
//     the last plugin, so a proportional reload recreates only its components;
//   - one plugin, root: the same with the first plugin, on which every other component depends.
// Each reload is checked: it succeeded, and the replaced plugin's route answers from the
// expected revision.
// It prints p50 and p95 of the total and of every phase the engine's records time, and the
// median of how many components each reload recreated and kept. Then the generation snapshot the
// host sends the supervisor after a reload, whole and as a delta: its encode, CBOR write, read and
// decode times and size, and its trip through a HostChannel over a local socket.
//
// With --e2e, the same app served by `qreload --headless`: a replaced plugin file -> the new
// response, and POST /_qreload/reload?all=1 -> its answer.
//
// Usage: scalebench [runs=20] [--only 1x10|5x20|50x20] [--no-snapshot] [--e2e]
// Timings are of a Debug build unless built otherwise; other processes on the machine show in
// the p95 (the output starts with the load average).

#include "benchhttp.h"
#include "benchsupport.h"
#include <snapshotof.h>

#include "generationsnapshot.h"
#include "hostchannel.h"
#include "reloadengine.h"

#include <QCborValue>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLoggingCategory>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <map>
#include <optional>

using bench::readFile;
using bench::Stats;
using namespace qreload;
using namespace qreload::app;

namespace {

struct App
{
    QString name; //!< "50x20"
    int plugins = 0;
    int components = 0;
    QString dir() const { return QStringLiteral(SCALEAPP_ROOT "/") + name; }
    QString pluginFile(int index) const
    {
        return QStringLiteral("%1_p%2.so").arg(QStringLiteral("scaleapp_") + name).arg(index);
    }
};

//! Per-phase and total samples of one kind of reload, with what each reload recreated and kept.
struct Measured
{
    QStringList phaseOrder;
    std::map<QString, Stats> phases;
    Stats total;
    Stats recreated;
    Stats kept;

    void add(const ReloadRecord &record)
    {
        for (const PhaseTiming &phase : record.phases) {
            if (!phaseOrder.contains(phase.name))
                phaseOrder.append(phase.name);
            phases[phase.name].samples.append(phase.ms);
        }
        total.samples.append(record.totalMs);
        recreated.samples.append(record.recreated.size());
        kept.samples.append(record.kept.size());
    }
};

QString loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("?");
    return QString::fromLatin1(f.readAll()).section(QLatin1Char(' '), 0, 2);
}

//! Replaces a plugin file the way a linker does: unlink, then write a new file.
void linkerWrite(const QString &path, const QByteArray &bytes)
{
    QFile::remove(path);
    bench::writeFile(path, bytes);
}

void requireOk(const ReloadRecord &record, const char *what)
{
    if (!record.ok())
        qFatal("scalebench: %s failed: %s", what, qPrintable(record.errorText()));
}

//! GET /p<index> on the current generation; fatal unless it names `revision`.
void requireRevision(ReloadEngine &engine, int index, int revision)
{
    const std::shared_ptr<Generation> generation = engine.current();
    Request request;
    request.path = QStringLiteral("/p%1").arg(index);
    const Result<Response> response = generation->container().serve(request);
    const QByteArray expected = " revision " + QByteArray::number(revision);
    if (!response || !response.value().body.endsWith(expected))
        qFatal("scalebench: /p%d does not answer from revision %d: %s", index, revision,
               response ? response.value().body.constData()
                        : qPrintable(joinErrors(response.errors())));
}

//! Copies the app's plugins into `dir`/plugins; returns that folder.
QString copyApp(const App &app, const QString &dir)
{
    const QString plugins = dir + QStringLiteral("/plugins");
    QDir().mkpath(plugins);
    for (int i = 0; i < app.plugins; ++i) {
        const QString from = app.dir() + QStringLiteral("/plugins/") + app.pluginFile(i);
        if (!QFile::copy(from, plugins + QLatin1Char('/') + app.pluginFile(i)))
            qFatal("scalebench: cannot copy %s (build the scaleapps target first)",
                   qPrintable(from));
    }
    return plugins;
}

ReloadEngine::Options engineOptions(const QString &plugins, const QString &shadows)
{
    ReloadEngine::Options options;
    options.pluginDirs = {plugins};
    options.shadowRoot = shadows;
    return options;
}

struct AppResult
{
    App app;
    Measured first;
    Measured all;
    Measured leaf;
    Measured root;
    bool hasRoot = false;
};

/*!
 * One-plugin reloads of plugin `index`: its file alternates between the two revisions, each
 * replacement followed by the reload the watcher (or the source builder) would run.
 */
void measureOnePlugin(ReloadEngine &engine, const App &app, const QString &plugins, int index,
                      int runs, Measured &out)
{
    const QString file = plugins + QLatin1Char('/') + app.pluginFile(index);
    const QByteArray revisions[2]
        = {readFile(app.dir() + QStringLiteral("/plugins/") + app.pluginFile(index)),
           readFile(app.dir() + QStringLiteral("/variants/") + app.pluginFile(index))};
    if (revisions[0] == revisions[1])
        qFatal("scalebench: the two revisions of %s have the same bytes", qPrintable(file));
    int revision = 1;
    for (int run = 0; run <= runs; ++run) {
        revision = run % 2 == 0 ? 2 : 1;
        linkerWrite(file, revisions[revision - 1]);
        const ReloadRecord record = engine.reloadForEvents(
            {FileEvent{QDateTime::currentDateTime(), file, QStringLiteral("file changed")}},
            QStringLiteral("scalebench replaced %1").arg(app.pluginFile(index)));
        requireOk(record, "one-plugin reload");
        requireRevision(engine, index, revision);
        QCoreApplication::processEvents();
        if (run > 0) // the first one warms the caches of the variant's file
            out.add(record);
    }
    // Leave the app as it was, for the next measurement.
    if (revision == 1)
        return;
    linkerWrite(file, revisions[0]);
    requireOk(engine.reloadForEvents(
                  {FileEvent{QDateTime::currentDateTime(), file, QStringLiteral("file changed")}},
                  QStringLiteral("scalebench restored the plugin")),
              "restoring reload");
}

AppResult measureApp(const App &app, int runs)
{
    AppResult result{app, {}, {}, {}, {}, app.plugins > 1};
    QTemporaryDir work(QDir::tempPath() + QStringLiteral("/scalebench-XXXXXX"));
    const QString plugins = copyApp(app, work.path());
    const QString shadows = work.path() + QStringLiteral("/shadow");
    const int expected = app.plugins * app.components;

    // First generation: a new engine each time (one unmeasured run first: page cache, Qt).
    for (int run = 0; run <= runs; ++run) {
        ReloadEngine engine(engineOptions(plugins, shadows));
        engine.setWatching(false);
        const ReloadRecord record = engine.start();
        requireOk(record, "first generation");
        if (engine.current()->container().components().size() != expected)
            qFatal("scalebench: %s has %lld components, not %d", qPrintable(app.name),
                   qlonglong(engine.current()->container().components().size()), expected);
        if (run > 0)
            result.first.add(record);
    }

    ReloadEngine engine(engineOptions(plugins, shadows));
    engine.setWatching(false);
    requireOk(engine.start(), "first generation");
    for (int run = 0; run <= runs; ++run) {
        const ReloadRecord record = engine.reloadNow(ReloadCause::Manual, ReloadScope::All);
        requireOk(record, "full reload");
        QCoreApplication::processEvents();
        if (run > 0)
            result.all.add(record);
    }
    measureOnePlugin(engine, app, plugins, app.plugins - 1, runs, result.leaf);
    if (result.hasRoot)
        measureOnePlugin(engine, app, plugins, 0, runs, result.root);
    return result;
}

QString cell(const Stats &stats)
{
    return QStringLiteral("%1 %2")
        .arg(stats.median(), 7, 'f', 1)
        .arg(stats.quantile(0.95), 7, 'f', 1);
}

void printTable(const char *title, const QList<AppResult> &results, Measured AppResult::*which,
                bool onlyWithRoot = false)
{
    QList<const AppResult *> shown;
    for (const AppResult &r : results) {
        if (!onlyWithRoot || r.hasRoot)
            shown.append(&r);
    }
    if (shown.isEmpty())
        return;
    QStringList phases;
    for (const AppResult *r : shown) {
        for (const QString &phase : (r->*which).phaseOrder) {
            if (!phases.contains(phase))
                phases.append(phase);
        }
    }
    std::printf("\n%s (ms)\n", title);
    QString header = QStringLiteral("%1").arg(QString(), -16);
    QString sub = QStringLiteral("%1").arg(QString(), -16);
    for (const AppResult *r : shown) {
        header += QStringLiteral(" | %1").arg(
            QStringLiteral("%1 components").arg(r->app.plugins * r->app.components), -15);
        sub += QStringLiteral(" | %1 %2")
                   .arg(QStringLiteral("p50"), 7)
                   .arg(QStringLiteral("p95"), 7);
    }
    std::printf("%s\n%s\n", qPrintable(header), qPrintable(sub));
    const auto row = [&](const QString &name, const std::function<QString(const Measured &)> &f) {
        QString line = QStringLiteral("%1").arg(name, -16);
        for (const AppResult *r : shown)
            line += QStringLiteral(" | %1").arg(f(r->*which), 15);
        std::printf("%s\n", qPrintable(line));
    };
    row(QStringLiteral("total"), [](const Measured &m) { return cell(m.total); });
    for (const QString &phase : phases) {
        row(QStringLiteral("  ") + phase, [&](const Measured &m) {
            const auto it = m.phases.find(phase);
            return it == m.phases.end() ? QStringLiteral("-") : cell(it->second);
        });
    }
    row(QStringLiteral("recreated/kept"), [](const Measured &m) {
        return QStringLiteral("%1 / %2").arg(m.recreated.median()).arg(m.kept.median());
    });
}

// --- the generation snapshot (host -> supervisor after each reload) ---

//! Sends `message` from one HostChannel to another over a local socket; ms until it arrived.
double channelTrip(HostChannel &from, HostChannel &to, const QCborMap &message)
{
    QEventLoop loop;
    QElapsedTimer timer;
    double ms = -1;
    const QMetaObject::Connection c
        = QObject::connect(&to, &HostChannel::received, &loop, [&](const QCborMap &) {
              ms = timer.nsecsElapsed() / 1e6;
              loop.quit();
          });
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    timer.start();
    from.send(message);
    from.flush();
    loop.exec();
    QObject::disconnect(c);
    if (ms < 0)
        qFatal("scalebench: the snapshot did not arrive over the channel");
    return ms;
}

/*!
 * The snapshot's trip from host to supervisor after a one-plugin (leaf) reload: sent whole (as
 * before 087e552), and as the delta of the previous generation's snapshot the host sends now.
 * Columns: taking it from the generation, encoding (toCbor or deltaCbor), writing CBOR bytes,
 * reading them, decoding (fromCbor or applyDeltaCbor), and the message's trip through a
 * HostChannel over a local socket (write, transfer, read).
 */
void measureSnapshot(const App &app, int runs)
{
    QTemporaryDir work(QDir::tempPath() + QStringLiteral("/scalebench-XXXXXX"));
    const QString plugins = copyApp(app, work.path());
    ReloadEngine engine(engineOptions(plugins, work.path() + QStringLiteral("/shadow")));
    engine.setWatching(false);
    requireOk(engine.start(), "first generation");
    const GenerationSnapshot before = snapshotOf(*engine.current());
    const int leaf = app.plugins - 1;
    const QString file = plugins + QLatin1Char('/') + app.pluginFile(leaf);
    linkerWrite(file, readFile(app.dir() + QStringLiteral("/variants/") + app.pluginFile(leaf)));
    requireOk(engine.reloadForEvents(
                  {FileEvent{QDateTime::currentDateTime(), file, QStringLiteral("file changed")}},
                  QStringLiteral("scalebench replaced the last plugin")),
              "one-plugin reload");
    const std::shared_ptr<Generation> generation = engine.current();

    QLocalServer server;
    if (!server.listen(work.path() + QStringLiteral("/channel")))
        qFatal("scalebench: cannot listen on a local socket: %s", qPrintable(server.errorString()));
    auto *client = new QLocalSocket;
    client->connectToServer(server.fullServerName());
    if (!client->waitForConnected(5000) || !server.waitForNewConnection(5000))
        qFatal("scalebench: cannot connect the local socket");
    HostChannel host(client);
    HostChannel supervisor(server.nextPendingConnection());

    for (const bool delta : {false, true}) {
        Stats take, encode, write, read, decode, trip;
        qsizetype bytes = 0;
        for (int run = 0; run <= runs; ++run) {
            QElapsedTimer timer;
            timer.start();
            const GenerationSnapshot snapshot = snapshotOf(*generation);
            const double takeMs = timer.nsecsElapsed() / 1e6;
            timer.restart();
            const QCborMap map = delta ? snapshot.deltaCbor(before) : snapshot.toCbor();
            const double encodeMs = timer.nsecsElapsed() / 1e6;
            timer.restart();
            const QByteArray cbor = QCborValue(map).toCbor();
            const double writeMs = timer.nsecsElapsed() / 1e6;
            timer.restart();
            const QCborMap parsed = QCborValue::fromCbor(cbor).toMap();
            const double readMs = timer.nsecsElapsed() / 1e6;
            GenerationSnapshot back = delta ? before : GenerationSnapshot{};
            timer.restart();
            const bool applied = delta ? back.applyDeltaCbor(parsed) : true;
            if (!delta)
                back = GenerationSnapshot::fromCbor(parsed);
            const double decodeMs = timer.nsecsElapsed() / 1e6;
            if (!applied || !(back == snapshot))
                qFatal("scalebench: the supervisor's snapshot differs from the host's");
            const double tripMs = channelTrip(
                host, supervisor,
                QCborMap{{QStringLiteral("type"), HostProtocol::Generation},
                         {delta ? QStringLiteral("delta") : QStringLiteral("snapshot"), map}});
            bytes = cbor.size();
            if (run == 0)
                continue;
            take.samples.append(takeMs);
            encode.samples.append(encodeMs);
            write.samples.append(writeMs);
            read.samples.append(readMs);
            decode.samples.append(decodeMs);
            trip.samples.append(tripMs);
        }
        std::printf("%-16s | %-5s | %7.1f | %s | %s | %s | %s | %s | %s\n",
                    qPrintable(QStringLiteral("%1 components").arg(app.plugins * app.components)),
                    delta ? "delta" : "whole", bytes / 1024.0, qPrintable(cell(take)),
                    qPrintable(cell(encode)), qPrintable(cell(write)), qPrintable(cell(read)),
                    qPrintable(cell(decode)), qPrintable(cell(trip)));
    }
}

// --- end to end, through a real qreload and its host process ---

//! One blocking HTTP request; returns the body, or an empty array when nothing answered in time.
QByteArray request(quint16 port, const QByteArray &method, const QByteArray &target,
                   const QByteArray &token = {})
{
    return bench::httpRequest(port, method, target, token);
}

/*!
 * The same app served by `qreload --headless` (supervisor and qreload-host): the last plugin's
 * file replaced as a linker does -> the first GET /p<last> that answers from the new revision
 * (watching, settle or quiet period, the reload in the host, all included); and
 * POST /_qreload/reload?all=1 -> its answer (the whole Reload all, as a script sees it).
 */
void measureEndToEnd(const App &app, int runs)
{
    QTemporaryDir work(QDir::tempPath() + QStringLiteral("/scalebench-XXXXXX"));
    const QString plugins = copyApp(app, work.path());
    QProcess qreload;
    qreload.setProcessChannelMode(QProcess::SeparateChannels);
    qreload.start(QStringLiteral(QRELOAD_BINARY),
                  {QStringLiteral("--headless"), QStringLiteral("--plugins"), plugins,
                   QStringLiteral("--port"), QStringLiteral("0")});
    if (!qreload.waitForStarted())
        qFatal("scalebench: cannot start %s", QRELOAD_BINARY);
    static const QRegularExpression serving(QStringLiteral("serving http://127.0.0.1:(\\d+)/"));
    static const QRegularExpression tokenLine(QStringLiteral("token (\\S+) "));
    static const QRegularExpression firstRecord(QStringLiteral("reload #1 .*: ok"));
    QString output;
    quint16 port = 0;
    QByteArray token;
    while (!firstRecord.match(output).hasMatch() && qreload.waitForReadyRead(30000)) {
        output += QString::fromUtf8(qreload.readAllStandardOutput());
        if (const QRegularExpressionMatch m = serving.match(output); m.hasMatch())
            port = quint16(m.captured(1).toUInt());
        if (const QRegularExpressionMatch m = tokenLine.match(output); m.hasMatch())
            token = m.captured(1).toLatin1();
    }
    if (port == 0 || token.isEmpty() || !firstRecord.match(output).hasMatch())
        qFatal("scalebench: qreload did not serve %s:\n%s", qPrintable(app.name),
               qPrintable(output));

    const int leaf = app.plugins - 1;
    const QString file = plugins + QLatin1Char('/') + app.pluginFile(leaf);
    const QByteArray revisions[2]
        = {readFile(app.dir() + QStringLiteral("/plugins/") + app.pluginFile(leaf)),
           readFile(app.dir() + QStringLiteral("/variants/") + app.pluginFile(leaf))};
    const QByteArray path = "/p" + QByteArray::number(leaf);
    Stats replaced, all;
    for (int run = 0; run <= runs; ++run) {
        const int revision = run % 2 == 0 ? 2 : 1;
        const QByteArray expected = " revision " + QByteArray::number(revision);
        QElapsedTimer timer;
        timer.start();
        linkerWrite(file, revisions[revision - 1]);
        while (!request(port, "GET", path).endsWith(expected)) {
            if (timer.elapsed() > 10000)
                qFatal("scalebench: %s never answered from revision %d", path.constData(),
                       revision);
        }
        if (run > 0)
            replaced.samples.append(timer.nsecsElapsed() / 1e6);
    }
    for (int run = 0; run <= runs; ++run) {
        QElapsedTimer timer;
        timer.start();
        const QByteArray answer = request(port, "POST", "/_qreload/reload?all=1", token);
        const double ms = timer.nsecsElapsed() / 1e6;
        if (!answer.contains("\"scope\": \"all\"") || !answer.contains("\"ok\": true"))
            qFatal("scalebench: Reload all answered %s", answer.left(400).constData());
        if (run > 0)
            all.samples.append(ms);
    }
    qreload.terminate();
    qreload.waitForFinished(10000);
    std::printf("%-16s | %s | %s\n",
                qPrintable(QStringLiteral("%1 components").arg(app.plugins * app.components)),
                qPrintable(cell(replaced)), qPrintable(cell(all)));
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    int runs = 20;
    QString only;
    bool snapshot = true;
    bool endToEnd = false;
    for (qsizetype i = 0; i < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--only") && i + 1 < args.size())
            only = args.at(++i);
        else if (args.at(i) == QLatin1String("--no-snapshot"))
            snapshot = false;
        else if (args.at(i) == QLatin1String("--e2e"))
            endToEnd = true;
        else if (bool ok = false; (runs = args.at(i).toInt(&ok)), !ok || runs < 1)
            qFatal("usage: scalebench [runs=20] [--only 1x10|5x20|50x20] [--no-snapshot] [--e2e]");
    }
    // The engine's info lines about each reload are not what this prints.
    QLoggingCategory::setFilterRules(QStringLiteral("qreload.*.info=false"));

    const QList<App> apps{{QStringLiteral("1x10"), 1, 10},
                          {QStringLiteral("5x20"), 5, 20},
                          {QStringLiteral("50x20"), 50, 20}};
    std::printf("scalebench: %d runs per row, %s build, load average %s\n", runs,
                QRELOAD_BUILD_TYPE, qPrintable(loadAverage()));
    std::printf("apps: N plugins x M components (chain of inject<> in each plugin, named<IStage> "
                "to the previous plugin), under %s\n",
                SCALEAPP_ROOT);
    QList<AppResult> results;
    for (const App &a : apps) {
        if (!only.isEmpty() && a.name != only)
            continue;
        std::fprintf(stderr, "measuring %s ...\n", qPrintable(a.name));
        results.append(measureApp(a, runs));
    }
    printTable("first generation (new engine, start())", results, &AppResult::first);
    printTable("full reload (Reload all: ReloadScope::All)", results, &AppResult::all);
    printTable("one plugin, leaf (last plugin's file replaced; nothing depends on it)", results,
               &AppResult::leaf);
    printTable("one plugin, root (first plugin's file replaced; every other plugin depends on it)",
               results, &AppResult::root, true);

    if (snapshot) {
        std::printf(
            "\ngeneration snapshot, host -> supervisor after a one-plugin (leaf) reload (ms, p50 "
            "p95)\n");
        std::printf("%-16s | %-5s | %7s | %15s | %15s | %15s | %15s | %15s | %15s\n", "", "sent",
                    "KiB", "of(generation)", "encode", "CBOR write", "CBOR read", "decode",
                    "channel trip");
        for (const App &a : apps) {
            if (!only.isEmpty() && a.name != only)
                continue;
            measureSnapshot(a, runs);
        }
    }
    if (endToEnd) {
        std::printf("\nend to end, qreload --headless with its host process (ms, p50 p95)\n");
        std::printf("%-16s | %15s | %15s\n", "", "file -> response", "POST ?all=1");
        for (const App &a : apps) {
            if (!only.isEmpty() && a.name != only)
                continue;
            measureEndToEnd(a, runs);
        }
    }
    return 0;
}
