#include "qreload/component.h"

namespace qreload {

QString Dependency::display() const
{
    switch (kind) {
    case Kind::Component:
        return target;
    case Kind::Interface:
        return QStringLiteral("interface %1").arg(target);
    case Kind::InterfaceList:
        return QStringLiteral("all of interface %1").arg(target);
    case Kind::NamedInterface:
        return QStringLiteral("interface %1 named \"%2\"").arg(target, qualifier);
    }
    return target;
}

QString Dependency::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Component:
        return QStringLiteral("component");
    case Kind::Interface:
        return QStringLiteral("interface");
    case Kind::InterfaceList:
        return QStringLiteral("all");
    case Kind::NamedInterface:
        return QStringLiteral("named");
    }
    return {};
}

ComponentDescriptor::ComponentDescriptor() = default;
ComponentDescriptor::~ComponentDescriptor() = default;
ComponentDescriptor::ComponentDescriptor(const ComponentDescriptor &other) = default;
ComponentDescriptor::ComponentDescriptor(ComponentDescriptor &&other) noexcept = default;
ComponentDescriptor &ComponentDescriptor::operator=(const ComponentDescriptor &other) = default;
ComponentDescriptor &ComponentDescriptor::operator=(ComponentDescriptor &&other) noexcept = default;

void ComponentDescriptor::addDependency(const Dependency &dependency)
{
    dependencies.append(dependency);
}

void ComponentDescriptor::addInterface(const char *iid)
{
    interfaces.append(QString::fromLatin1(iid));
}

void ComponentDescriptor::addRoute(const QByteArray &method, const QString &path,
                                   RouteHandler handler)
{
    routes.append(Route{method, path, std::move(handler)});
}

Response Response::html(const QString &html, int status)
{
    return {status, "text/html; charset=utf-8", html.toUtf8()};
}

Response Response::text(const QString &text, int status)
{
    return {status, "text/plain; charset=utf-8", text.toUtf8()};
}

Response Response::json(const QJsonDocument &json, int status)
{
    return {status, "application/json", json.toJson(QJsonDocument::Compact)};
}

} // namespace qreload
