#include "componentendpoint.h"

#include "crashhandler.h"

#include <generation.h>
#include <qreload/componentdetails.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLoggingCategory>
#include <QStringDecoder>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace qreload::app {

namespace {

using Answer = ComponentEndpoint::Answer;

constexpr char prefix[] = "/_qreload/components";
constexpr qsizetype maxNameLength = 256;

const QString usage = QStringLiteral("use GET /_qreload/components/<key> or POST "
                                     "/_qreload/components/<key>/invoke/<method>");

Answer failure(int status, const QString &reason, const QString &message, QJsonObject json = {})
{
    json.insert(QLatin1String("error"), message);
    json.insert(QLatin1String("reason"), reason);
    return {status, json};
}

Answer badRequest(const QString &message)
{
    return failure(400, QStringLiteral("bad-request"), message);
}

// A name the client sent, as messages quote it: a long one is cut.
QString quoted(const QString &name)
{
    constexpr qsizetype shown = 60;
    return QLatin1Char('"')
           + (name.size() > shown ? name.left(shown) + QStringLiteral("...") : name)
           + QLatin1Char('"');
}

struct Segment
{
    QString name;
    QString problem; //!< why the segment is not a name; empty when it is one
};

// One path segment as a component key or method name. Keys are what users type (dotted names),
// so anything that only makes sense as a path trick or a second encoding is refused up front.
Segment decodeSegment(const QByteArray &segment, const QString &what)
{
    const QString tooLong
        = QStringLiteral("the %1 is longer than %2 characters").arg(what).arg(maxNameLength);
    if (segment.size() > 3 * maxNameLength) // every character percent-encoded is 3 bytes at most
        return {{}, tooLong};
    QStringDecoder utf8(QStringDecoder::Utf8);
    const QString name = utf8.decode(QByteArray::fromPercentEncoding(segment));
    if (utf8.hasError())
        return {{}, QStringLiteral("the %1 is not valid UTF-8").arg(what)};
    if (name.isEmpty())
        return {{}, QStringLiteral("the %1 is empty").arg(what)};
    if (name.size() > maxNameLength)
        return {{}, tooLong};
    if (name == QLatin1String(".") || name == QLatin1String(".."))
        return {{}, QStringLiteral("the %1 %2 is a path step, not a name").arg(what, quoted(name))};
    for (const QChar c : name) {
        if (c == QLatin1Char('/') || c == QLatin1Char('\\'))
            return {{}, QStringLiteral("the %1 %2 contains a slash").arg(what, quoted(name))};
        if (c == QLatin1Char('%'))
            return {{},
                    QStringLiteral("the %1 %2 still contains '%' after decoding (encoded twice?)")
                        .arg(what, quoted(name))};
        if (c.category() == QChar::Other_Control)
            return {{}, QStringLiteral("the %1 contains a control character").arg(what)};
    }
    return {name, {}};
}

// The arguments of an invoke request: an empty body, or {"args": [...]}.
Segment parseArguments(const QByteArray &body, QVariantList *arguments)
{
    if (body.trimmed().isEmpty())
        return {};
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return {{},
                QStringLiteral("the body is not JSON (%1 at offset %2); send {\"args\": [...]}")
                    .arg(error.errorString())
                    .arg(error.offset)};
    if (!document.isObject())
        return {{},
                QStringLiteral("the body must be a JSON object such as {\"args\": [1, \"two\"]}")};
    const QJsonObject object = document.object();
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (it.key() != QLatin1String("args"))
            return {{},
                    QStringLiteral("unknown field %1 in the body: it takes only \"args\"")
                        .arg(quoted(it.key()))};
    }
    const QJsonValue args = object.value(QLatin1String("args"));
    if (!args.isUndefined() && !args.isArray())
        return {{}, QStringLiteral("\"args\" must be an array of the method's arguments")};
    *arguments = args.toArray().toVariantList();
    return {};
}

// Names the component whose code runs (getters, the invoked method) in the crash breadcrumbs
// while it is in scope, so a crash record says which one.
class CrashBreadcrumb
{
public:
    CrashBreadcrumb(const QString &key, const QString &call)
    {
        CrashHandler::setComponent(key, call);
    }
    ~CrashBreadcrumb() { CrashHandler::setComponent(QString(), QString()); }
    CrashBreadcrumb(const CrashBreadcrumb &) = delete;
    CrashBreadcrumb &operator=(const CrashBreadcrumb &) = delete;
};

} // namespace

bool ComponentEndpoint::handles(const QByteArray &encodedPath)
{
    return encodedPath == prefix
           || (encodedPath.startsWith(prefix)
               && encodedPath.at(qsizetype(sizeof prefix) - 1) == '/');
}

ComponentEndpoint::ComponentEndpoint(Generation *generation)
    : m_generation(generation)
{}

ComponentEndpoint::Answer ComponentEndpoint::answer(const QByteArray &method,
                                                    const QByteArray &encodedPath,
                                                    const QByteArray &body, bool authorized) const
{
    const QByteArray rest = encodedPath.mid(qsizetype(sizeof prefix) - 1); // "" or "/..."
    const QList<QByteArray> segments
        = rest.size() > 1 ? rest.mid(1).split('/') : QList<QByteArray>{};
    const bool isDetails = segments.size() == 1;
    const bool isInvoke = segments.size() == 3 && segments.at(1) == "invoke";
    if (!isDetails && !isInvoke)
        return failure(404, QStringLiteral("not-found"),
                       QStringLiteral("no component endpoint at %1: %2")
                           .arg(quoted(QString::fromUtf8(encodedPath)), usage));
    if (isDetails && method != "GET")
        return failure(405, QStringLiteral("method-not-allowed"),
                       QStringLiteral("use GET to read a component's details"));
    if (isInvoke && method != "POST")
        return failure(405, QStringLiteral("method-not-allowed"),
                       QStringLiteral("use POST to invoke a method"));
    if (isInvoke && !authorized)
        return failure(403, QStringLiteral("forbidden"),
                       QStringLiteral("a valid X-QReload-Token header is required to invoke a "
                                      "method"));
    const Segment key = decodeSegment(segments.first(), QStringLiteral("component key"));
    if (!key.problem.isEmpty())
        return badRequest(key.problem);
    if (!m_generation)
        return failure(503, QStringLiteral("no-generation"),
                       QStringLiteral("no generation is loaded yet"));
    if (isDetails)
        return details(key.name);
    const Segment name = decodeSegment(segments.at(2), QStringLiteral("method"));
    if (!name.problem.isEmpty())
        return badRequest(name.problem);
    return invoke(key.name, name.name, body);
}

ComponentEndpoint::Answer ComponentEndpoint::details(const QString &key) const
{
    const CrashBreadcrumb breadcrumb(key, QStringLiteral("details"));
    const Result<ComponentDetails> found = m_generation->container().details(key);
    if (!found)
        return unknownComponent(key);
    QJsonObject json = found.value().toJson();
    json.insert(QLatin1String("generation"), qint64(m_generation->number()));
    return {200, json};
}

ComponentEndpoint::Answer ComponentEndpoint::invoke(const QString &key, const QString &method,
                                                    const QByteArray &body) const
{
    QVariantList arguments;
    const Segment parsed = parseArguments(body, &arguments);
    if (!parsed.problem.isEmpty())
        return badRequest(parsed.problem);

    Container &container = m_generation->container();
    if (!container.contains(key))
        return unknownComponent(key);
    const int before = container.liveInstances(key);
    const Result<QVariant> result = [&] {
        const CrashBreadcrumb breadcrumb(key, QStringLiteral("invoke"));
        return container.invoke(key, method, arguments);
    }();
    // Counted, not guessed: a lazy singleton made now, or one more prototype instance.
    const bool created = container.liveInstances(key) > before;

    QJsonObject json{{QLatin1String("key"), key},
                     {QLatin1String("method"), method},
                     {QLatin1String("generation"), qint64(m_generation->number())},
                     {QLatin1String("createdByThisCall"), created}};
    if (result) {
        const QVariant &value = result.value();
        json.insert(QLatin1String("result"), ComponentDetails::jsonValue(value));
        if (value.isValid())
            json.insert(QLatin1String("resultType"), QString::fromLatin1(value.typeName()));
        return {200, json};
    }

    const Error &error = result.errors().first();
    int status = 500;
    switch (error.reason()) {
    case Error::Reason::MethodNotFound: {
        status = 404;
        QJsonArray callable;
        if (const Result<ComponentDetails> after = container.details(key)) {
            for (const ComponentDetails::Method &m : after.value().methods) {
                if (m.kind != ComponentDetails::Method::Kind::Signal)
                    callable.append(ComponentDetails::display(m));
            }
        }
        json.insert(QLatin1String("methods"), callable);
        break;
    }
    case Error::Reason::BadArguments:
        status = 422;
        break;
    default: // the method threw, or a lazy component's construction failed: the server's side
        qCWarning(lcHttp).noquote()
            << "invoking" << method << "of" << key << "failed:" << joinErrors(result.errors());
        break;
    }
    return failure(status, Error::reasonName(error.reason()), joinErrors(result.errors()), json);
}

ComponentEndpoint::Answer ComponentEndpoint::unknownComponent(const QString &key) const
{
    QStringList keys;
    for (const ComponentInfo &c : m_generation->container().components())
        keys.append(c.key);
    keys.sort();
    return failure(404, Error::reasonName(Error::Reason::UnknownComponent),
                   QStringLiteral("generation %1 has no component %2")
                       .arg(m_generation->number())
                       .arg(quoted(key)),
                   {{QLatin1String("key"), key},
                    {QLatin1String("generation"), qint64(m_generation->number())},
                    {QLatin1String("components"), QJsonArray::fromStringList(keys)}});
}

} // namespace qreload::app
