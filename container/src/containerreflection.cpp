#include "container_p.h"

namespace qreload {

using namespace detail;

QList<const QMetaObject *> Container::metaObjects() const
{
    ContainerLock lock(m_mutex);
    QList<const QMetaObject *> out;
    QSet<const QMetaObject *> seen;
    const auto add = [&](const QMetaObject *meta) {
        if (meta && !seen.contains(meta)) {
            seen.insert(meta);
            out.append(meta);
        }
    };
    for (const auto &n : m_nodes)
        add(n->d->metaObject);
    for (const Created &created : m_created)
        add(created.instance->object->metaObject());
    return out;
}

Result<ComponentDetails> Container::details(const QString &key) const
{
    ContainerLock lock(m_mutex);
    const Node *n = node(key);
    if (!n)
        return unknownComponentError(key);
    ComponentDetails details;
    for (const ComponentInfo &info : components()) {
        if (info.key == key) {
            details.info = info;
            break;
        }
    }
    const QObject *instance = n->singleton;
    for (const Created &created : m_created) {
        if (created.node == n) {
            ++details.liveInstances;
            if (n->d->scope == Scope::Prototype)
                instance = created.instance->object; // the newest
        }
    }
    if (!instance) {
        // Not created yet: what its class offers, when the class is known exactly.
        if (n->d->metaObject)
            ComponentDetails::describeClass(n->d->metaObject, nullptr, &details);
        return details;
    }
    details.instantiated = true;
    // Property values come back in built-in types only (see builtinValue()).
    ComponentDetails::describe(instance, &details);
    return details;
}

namespace {

// The public methods and slots `method` can mean, best match first.
QList<QMetaMethod> invocationCandidates(const QMetaObject *meta, const QString &method,
                                        qsizetype argumentCount)
{
    QList<QMetaMethod> out;
    const bool bySignature = method.contains(QLatin1Char('('));
    const QByteArray wanted
        = bySignature ? QMetaObject::normalizedSignature(method.toLatin1()) : method.toLatin1();
    for (int i = QObject::staticMetaObject.methodCount(); i < meta->methodCount(); ++i) {
        const QMetaMethod m = meta->method(i);
        if (m.access() != QMetaMethod::Public
            || (m.methodType() != QMetaMethod::Method && m.methodType() != QMetaMethod::Slot))
            continue;
        if (bySignature ? m.methodSignature() == wanted
                        : m.name() == wanted && m.parameterCount() == argumentCount)
            out.append(m);
    }
    return out;
}

Error noSuchMethod(const ComponentDescriptor &d, const QMetaObject *meta, const QString &method,
                   qsizetype argumentCount)
{
    return Error(Error::Reason::MethodNotFound,
                 QStringLiteral("%1 has no public invokable method or slot %2 taking %3 "
                                "argument(s)")
                     .arg(QString::fromLatin1(meta->className()), method)
                     .arg(argumentCount),
                 d.key, d.pluginFile);
}

} // namespace

Result<QVariant> Container::invoke(const QString &key, const QString &method,
                                   const QVariantList &arguments)
{
    std::optional<CallInFlight> call;
    QObject *instance = nullptr;
    const Node *owner = nullptr;
    {
        ContainerLock lock(m_mutex);
        if (m_shutDown)
            return shutDownError(key);
        Node *n = node(key);
        if (!n)
            return unknownComponentError(key);
        // A method the class does not have is not worth creating a lazy component for.
        if (n->d->metaObject
            && invocationCandidates(n->d->metaObject, method, arguments.size()).isEmpty())
            return noSuchMethod(*n->d, n->d->metaObject, method, arguments.size());
        QStringList path;
        Result<QObject *> made = instantiate(n, path);
        if (!made)
            return made.errors();
        instance = made.value();
        owner = n;
        // The method runs outside the lock and may spin a nested event loop (see serve()).
        call.emplace(*this);
    }
    const auto failure = [&](Error::Reason reason, const QString &message) {
        return Error(reason, message, owner->d->key, owner->d->pluginFile);
    };
    constexpr qsizetype maxArguments = 10; // what QMetaMethod::invoke takes
    const QList<QMetaMethod> candidates
        = invocationCandidates(instance->metaObject(), method, arguments.size());
    if (candidates.isEmpty())
        return noSuchMethod(*owner->d, instance->metaObject(), method, arguments.size());
    QStringList conversionProblems;
    for (const QMetaMethod &m : candidates) {
        if (m.parameterCount() != arguments.size() || m.parameterCount() > maxArguments) {
            conversionProblems.append(QStringLiteral("%1 takes %2 argument(s)")
                                          .arg(QString::fromLatin1(m.methodSignature()))
                                          .arg(m.parameterCount()));
            continue;
        }
        QVariantList converted = arguments;
        QString problem;
        for (qsizetype i = 0; i < converted.size() && problem.isEmpty(); ++i) {
            const QMetaType type = m.parameterMetaType(int(i));
            if (converted[i].metaType() != type && !converted[i].convert(type))
                problem = QStringLiteral("argument %1 (%2) does not convert to %3")
                              .arg(i + 1)
                              .arg(QString::fromLatin1(arguments.at(i).typeName()),
                                   QString::fromLatin1(type.name()));
        }
        if (!problem.isEmpty()) {
            conversionProblems.append(QString::fromLatin1(m.methodSignature())
                                      + QStringLiteral(": ") + problem);
            continue;
        }
        QGenericArgument args[maxArguments];
        for (qsizetype i = 0; i < converted.size(); ++i)
            args[i]
                = QGenericArgument(m.parameterMetaType(int(i)).name(), converted[i].constData());
        QVariant result;
        QGenericReturnArgument returned;
        if (m.returnMetaType().isValid() && m.returnMetaType().id() != QMetaType::Void) {
            result = QVariant(m.returnMetaType());
            returned = QGenericReturnArgument(m.typeName(), result.data());
        }
        bool invoked = false;
        if (std::exception_ptr e = runCatching([&] {
                invoked
                    = m.invoke(instance, Qt::DirectConnection, returned, args[0], args[1], args[2],
                               args[3], args[4], args[5], args[6], args[7], args[8], args[9]);
            }))
            return failure(Error::Reason::InvocationFailed,
                           QStringLiteral("%1 threw: %2")
                               .arg(QString::fromLatin1(m.methodSignature()), exceptionText(e)));
        if (!invoked)
            return failure(Error::Reason::InvocationFailed,
                           QStringLiteral("the meta-object system could not call %1")
                               .arg(QString::fromLatin1(m.methodSignature())));
        return detail::ownedForDisplay(result);
    }
    return failure(Error::Reason::BadArguments, conversionProblems.join(QStringLiteral("; ")));
}

} // namespace qreload
