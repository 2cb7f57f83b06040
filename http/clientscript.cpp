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

} // namespace qreload::app
