#include "reloadcommand.h"

#include "headlessreporter.h"
#include "reloadrecord.h"
#include "sessionfile.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <QUrlQuery>

#include <cstdio>

namespace qreload::app {

namespace {

const char UsageText[]
    = "usage: qreload reload [--all] [PROJECT | --url <url>] [--token <token>]\n"
      "  Asks the qreload running on PROJECT (a folder holding qreload.json, or the file;\n"
      "  default: the current folder) to reload now, and prints the reload as headless mode does.\n"
      "  --all            Reload all: every plugin and component rebuilt from scratch (default:\n"
      "                   the plugins whose files changed and the components that depend on them)\n"
      "  --url <url>      the preview server of a qreload started on plugin folders (--plugins)\n"
      "  --token <token>  its session token (default: $QRELOAD_TOKEN)\n"
      "  Exit code: 0 reloaded (or nothing changed), 1 the reload failed and the current\n"
      "  generation keeps serving, 2 bad arguments or a refused token, 3 no qreload answered.\n";

int usageError(const QString &message)
{
    std::fprintf(stderr, "qreload reload: %s\n%s", qPrintable(message), UsageText);
    return ReloadCommand::Usage;
}

} // namespace

int ReloadCommand::run(const QStringList &arguments)
{
    bool all = false;
    QString project;
    QString url;
    QString token;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        const auto value = [&](QString *out) {
            if (argument.contains(QLatin1Char('='))) {
                *out = argument.section(QLatin1Char('='), 1);
                return true;
            }
            if (i + 1 >= arguments.size())
                return false;
            *out = arguments.at(++i);
            return true;
        };
        if (argument == QLatin1String("-h") || argument == QLatin1String("--help")) {
            std::fputs(UsageText, stdout);
            return Reloaded;
        } else if (argument == QLatin1String("--all")) {
            all = true;
        } else if (argument == QLatin1String("--url")
                   || argument.startsWith(QLatin1String("--url="))) {
            if (!value(&url))
                return usageError(QStringLiteral("--url needs a value"));
        } else if (argument == QLatin1String("--token")
                   || argument.startsWith(QLatin1String("--token="))) {
            if (!value(&token))
                return usageError(QStringLiteral("--token needs a value"));
        } else if (argument.startsWith(QLatin1Char('-'))) {
            return usageError(QStringLiteral("unknown option %1").arg(argument));
        } else if (!project.isEmpty()) {
            return usageError(
                QStringLiteral("one project at a time, not %1 and %2").arg(project, argument));
        } else {
            project = argument;
        }
    }
    if (!project.isEmpty() && !url.isEmpty())
        return usageError(QStringLiteral("give a project or --url, not both"));

    int argc = 1;
    char name[] = "qreload";
    char *argv[] = {name, nullptr};
    QCoreApplication app(argc, argv);

    if (url.isEmpty()) {
        QString dir = project.isEmpty() ? QDir::currentPath() : project;
        if (QFileInfo(dir).isFile())
            dir = QFileInfo(dir).absolutePath();
        QString error;
        const std::optional<SessionFile::Session> session = SessionFile::read(dir, &error);
        if (!session) {
            std::fprintf(stderr, "qreload reload: %s\n", qPrintable(error));
            return NotRunning;
        }
        url = session->url.toString();
        if (token.isEmpty())
            token = session->token;
    }
    if (token.isEmpty())
        token = qEnvironmentVariable("QRELOAD_TOKEN");
    if (token.isEmpty())
        return usageError(QStringLiteral("no session token: give --token or set QRELOAD_TOKEN "
                                         "(headless qreload prints it at start)"));

    QUrl target = QUrl::fromUserInput(url).resolved(QUrl(QStringLiteral("/_qreload/reload")));
    if (all)
        target.setQuery(QStringLiteral("all=1"));
    QNetworkRequest request(target);
    request.setRawHeader("X-QReload-Token", token.toUtf8());
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("text/plain"));
    QNetworkAccessManager network;
    QNetworkReply *reply = network.post(request, QByteArray());
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    // A reload is a transaction of milliseconds to seconds; a build is not part of it.
    QTimer::singleShot(120000, &loop, [reply] { reply->abort(); });
    loop.exec();

    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    if (status == 0) {
        std::fprintf(stderr, "qreload reload: no qreload answers at %s: %s\n",
                     qPrintable(target.toString()), qPrintable(reply->errorString()));
        return NotRunning;
    }
    if (status == 403) {
        std::fprintf(stderr, "qreload reload: the session token was refused\n");
        return Usage;
    }
    const QJsonObject json = QJsonDocument::fromJson(body).object();
    if (json.value(QLatin1String("restarting")).toBool()) {
        // The standby server of a supervisor whose host crashed too often: a new host builds
        // everything from the current plugins, which is a Reload all.
        std::printf("the plugin host was stopped after repeated crashes; a new host starts on "
                    "the current plugins (watch the log for how it goes)\n");
        return Reloaded;
    }
    if (json.isEmpty()) {
        std::fprintf(stderr, "qreload reload: %s answered %d: %s\n", qPrintable(target.toString()),
                     status, body.trimmed().constData());
        return ReloadFailed;
    }
    const ReloadRecord record = ReloadRecord::fromJson(json);
    std::printf("%s\n", qPrintable(HeadlessReporter::textLine(record)));
    return record.outcome == ReloadOutcome::Failed || record.outcome == ReloadOutcome::Crashed
               ? ReloadFailed
               : Reloaded;
}

} // namespace qreload::app
