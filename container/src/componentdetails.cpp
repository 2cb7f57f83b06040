#include "qreload/componentdetails.h"

#include "owned_p.h"

#include <QJsonArray>
#include <QMetaMethod>
#include <QMetaProperty>

namespace qreload {

namespace {

QString scopeName(Scope scope)
{
    switch (scope) {
    case Scope::Singleton:
        return QStringLiteral("singleton");
    case Scope::Prototype:
        return QStringLiteral("prototype");
    }
    return {};
}

QString creationName(Creation creation)
{
    switch (creation) {
    case Creation::Eager:
        return QStringLiteral("eager");
    case Creation::Lazy:
        return QStringLiteral("lazy");
    }
    return {};
}

QStringList latin1List(const QList<QByteArray> &list)
{
    QStringList out;
    out.reserve(list.size());
    for (const QByteArray &item : list)
        out.append(QString::fromLatin1(item));
    return out;
}

} // namespace

QString ComponentDetails::kindName(Method::Kind kind)
{
    switch (kind) {
    case Method::Kind::Invokable:
        return QStringLiteral("invokable");
    case Method::Kind::Slot:
        return QStringLiteral("slot");
    case Method::Kind::Signal:
        return QStringLiteral("signal");
    }
    return {};
}

QString ComponentDetails::display(const Method &method)
{
    QStringList parameters;
    for (qsizetype i = 0; i < method.parameterTypes.size(); ++i) {
        const QString name = method.parameterNames.value(i);
        parameters.append(name.isEmpty() ? method.parameterTypes.at(i)
                                         : method.parameterTypes.at(i) + QLatin1Char(' ') + name);
    }
    const QString name = method.signature.section(QLatin1Char('('), 0, 0);
    return QStringLiteral("%1 %2(%3)")
        .arg(method.returnType, name, parameters.join(QStringLiteral(", ")));
}

void ComponentDetails::describe(const QObject *instance, ComponentDetails *details)
{
    describeClass(instance->metaObject(), instance, details);
}

void ComponentDetails::describeClass(const QMetaObject *meta, const QObject *instance,
                                     ComponentDetails *details)
{
    details->instanceClass = QString::fromLatin1(meta->className());
    details->properties.clear();
    details->methods.clear();
    for (int i = QObject::staticMetaObject.propertyCount(); i < meta->propertyCount(); ++i) {
        const QMetaProperty p = meta->property(i);
        Property property;
        property.name = QString::fromLatin1(p.name());
        property.type = QString::fromLatin1(p.typeName());
        // Converted at once: a value of a plugin-defined type must not outlive the plugin.
        if (instance && p.isReadable())
            property.value = detail::ownedForDisplay(p.read(instance));
        property.writable = p.isWritable();
        if (p.hasNotifySignal())
            property.notifySignal = QString::fromLatin1(p.notifySignal().methodSignature());
        details->properties.append(property);
    }
    for (int i = QObject::staticMetaObject.methodCount(); i < meta->methodCount(); ++i) {
        const QMetaMethod m = meta->method(i);
        if (m.access() == QMetaMethod::Private && m.methodType() != QMetaMethod::Signal)
            continue;
        Method method;
        switch (m.methodType()) {
        case QMetaMethod::Signal:
            method.kind = Method::Kind::Signal;
            break;
        case QMetaMethod::Slot:
            method.kind = Method::Kind::Slot;
            break;
        case QMetaMethod::Method:
            method.kind = Method::Kind::Invokable;
            break;
        case QMetaMethod::Constructor:
            continue;
        }
        method.signature = QString::fromLatin1(m.methodSignature());
        method.returnType = QString::fromLatin1(m.typeName());
        method.parameterTypes = latin1List(m.parameterTypes());
        method.parameterNames = latin1List(m.parameterNames());
        details->methods.append(method);
    }
}

QJsonValue ComponentDetails::jsonValue(const QVariant &value)
{
    if (!value.isValid())
        return QJsonValue::Null;
    const QJsonValue json = QJsonValue::fromVariant(value);
    if (!json.isNull() || value.isNull())
        return json;
    if (value.canConvert<QString>())
        return value.toString();
    return QStringLiteral("<%1>").arg(QString::fromLatin1(value.typeName()));
}

QJsonObject ComponentDetails::toJson() const
{
    QJsonArray dependencies;
    for (const Dependency &dep : info.dependencies) {
        QJsonObject d{{QLatin1String("kind"), Dependency::kindName(dep.kind)},
                      {QLatin1String("target"), dep.target}};
        if (!dep.qualifier.isEmpty())
            d.insert(QLatin1String("qualifier"), dep.qualifier);
        dependencies.append(d);
    }
    QJsonArray propertyList;
    for (const Property &p : properties) {
        QJsonObject o{{QLatin1String("name"), p.name},
                      {QLatin1String("type"), p.type},
                      {QLatin1String("value"), jsonValue(p.value)},
                      {QLatin1String("writable"), p.writable}};
        if (!p.notifySignal.isEmpty())
            o.insert(QLatin1String("notify"), p.notifySignal);
        propertyList.append(o);
    }
    QJsonArray methodList;
    for (const Method &m : methods) {
        methodList.append(QJsonObject{
            {QLatin1String("kind"), kindName(m.kind)},
            {QLatin1String("signature"), m.signature},
            {QLatin1String("returnType"), m.returnType},
            {QLatin1String("parameterTypes"), QJsonArray::fromStringList(m.parameterTypes)},
            {QLatin1String("parameterNames"), QJsonArray::fromStringList(m.parameterNames)},
            {QLatin1String("display"), display(m)},
        });
    }
    return {
        {QLatin1String("key"), info.key},
        {QLatin1String("className"), info.className},
        {QLatin1String("instanceClass"), instanceClass},
        {QLatin1String("pluginFile"), info.pluginFile},
        {QLatin1String("interfaces"), QJsonArray::fromStringList(info.interfaces)},
        {QLatin1String("dependencies"), dependencies},
        {QLatin1String("scope"), scopeName(info.scope)},
        {QLatin1String("creation"), creationName(info.creation)},
        {QLatin1String("primary"), info.primary},
        {QLatin1String("qualifier"), info.qualifier},
        {QLatin1String("created"), info.created},
        {QLatin1String("instantiated"), instantiated},
        {QLatin1String("liveInstances"), liveInstances},
        {QLatin1String("routes"), QJsonArray::fromStringList(info.routes)},
        {QLatin1String("stateVersion"), info.stateVersion},
        {QLatin1String("properties"), propertyList},
        {QLatin1String("methods"), methodList},
    };
}

} // namespace qreload
