#include "clientscript.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

namespace qreload::app {

namespace {

QByteArray resource(const QString &name)
{
    QFile file(QStringLiteral(":/qreload/livereload/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("qreload: the live-reload resource %s is missing from this build", qPrintable(name));
    return file.readAll();
}

QByteArray attribute(const QString &value)
{
    return value.toHtmlEscaped().toUtf8();
}

} // namespace

const QByteArray &ClientScript::script()
{
    static const QByteArray text = [] {
        QByteArray js = resource(QStringLiteral("client.js"));
        // The CSS goes in as a JSON string literal (valid JavaScript), so the script is one
        // request and the overlay is styled from its first paint.
        const QByteArray css
            = QJsonDocument(QJsonArray{QString::fromUtf8(resource(QStringLiteral("overlay.css")))})
                  .toJson(QJsonDocument::Compact);
        js.replace("/*QRELOAD_OVERLAY_CSS*/\"\"", css.mid(1, css.size() - 2));
        return js;
    }();
    return text;
}

bool ClientScript::isHtml(const QByteArray &contentType)
{
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArray type
        = (semicolon < 0 ? contentType : contentType.left(semicolon)).trimmed().toLower();
    return type == "text/html";
}

QByteArray ClientScript::tag(const Page &page)
{
    return "<script src=\"" + path().toLatin1() + "\" data-generation=\""
           + QByteArray::number(page.generation) + "\" data-last-event-id=\""
           + QByteArray::number(page.lastEventId) + "\" data-session=\"" + attribute(page.session)
           + "\" data-component=\"" + attribute(page.component) + "\"></script>";
}

QByteArray ClientScript::inject(const QByteArray &html, const QByteArray &tag)
{
    const QByteArray lower = html.toLower();
    qsizetype at = lower.lastIndexOf("</body");
    if (at < 0)
        at = lower.lastIndexOf("</html");
    if (at < 0)
        return html + tag;
    QByteArray out;
    out.reserve(html.size() + tag.size());
    out.append(html.constData(), at);
    out.append(tag);
    out.append(html.constData() + at, html.size() - at);
    return out;
}

QList<ClientScript::RouteEntry> ClientScript::routeTable(const QList<ComponentInfo> &components)
{
    QList<RouteEntry> table;
    for (const ComponentInfo &c : components) {
        for (const QString &route : c.routes) {
            const qsizetype space = route.indexOf(QLatin1Char(' '));
            if (space > 0)
                table.append({route.left(space).toLatin1(), route.mid(space + 1), c.key});
        }
    }
    return table;
}

QString ClientScript::routeOwner(const QList<RouteEntry> &routes, const QByteArray &method,
                                 const QString &path)
{
    const QByteArray m = method == "HEAD" ? QByteArray("GET") : method;
    const RouteEntry *best = nullptr;
    for (const RouteEntry &r : routes) {
        if (r.method != m)
            continue;
        if (r.path == path)
            return r.key;
        if (r.path.endsWith(QLatin1Char('*')) && path.startsWith(QStringView(r.path).chopped(1))
            && (!best || r.path.size() > best->path.size()))
            best = &r;
    }
    return best ? best->key : QString();
}

} // namespace qreload::app
