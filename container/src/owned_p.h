#pragma once

// Strings and values that come from plugin code may point into the library's read-only data
// (QStringLiteral, u""_s, a QVariant holding either). Everything the container keeps or hands
// out beyond a call is deep-copied with these, so it stays valid after the library is unloaded.

#include <QAssociativeIterable>
#include <QByteArray>
#include <QDataStream>
#include <QDebug>
#include <QIODevice>
#include <QMetaEnum>
#include <QMetaProperty>
#include <QObject>
#include <QSequentialIterable>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <limits>
#include <optional>

namespace qreload::detail {

inline QString own(const QString &s)
{
    return s.isNull() ? QString() : QString(s.unicode(), s.size());
}

inline QByteArray own(const QByteArray &b)
{
    return QByteArray(b.constData(), b.size());
}

inline QStringList own(const QStringList &list)
{
    QStringList out;
    out.reserve(list.size());
    for (const QString &s : list)
        out.append(own(s));
    return out;
}

//! Round-trips a value through QDataStream so the copy owns all its data; nullopt if the type
//! cannot be streamed.
inline std::optional<QVariant> deepCopy(const QVariant &value)
{
    QByteArray bytes;
    {
        QDataStream out(&bytes, QIODevice::WriteOnly);
        out << value;
        if (out.status() != QDataStream::Ok)
            return std::nullopt;
    }
    QDataStream in(bytes);
    QVariant copy;
    in >> copy;
    if (in.status() != QDataStream::Ok)
        return std::nullopt;
    return copy;
}

/*!
 * What a value that leaves a generation is for: shown to the user (the inspector, details and
 * invoke results), or carried into the next generation as state.
 */
enum class ValueUse {
    Display, //!< anything becomes a built-in value or, failing that, text
    State,   //!< must stay a value the next version can read back; some types are refused
};

/*
 * Values of plugin-defined types never leave the generation that made them.
 *
 * A QVariant holds a pointer to its type's QMetaTypeInterface, and for a type the plugin defines
 * (a Q_ENUM, a Q_GADGET, a `Foo *`, and even Qt templates the plugin instantiates, such as
 * QList<int>: plugins are built with hidden visibility, so each has its own copy) that interface
 * is data of the plugin's library. A QVariant kept past the unload would call into unmapped
 * memory when it is copied, compared or destroyed. So every value that leaves the generation is
 * converted here into Qt's built-in types, whose interfaces live in QtCore: an enum becomes its
 * key (display) or its number (state), a gadget a QVariantMap of its properties, a QObject
 * pointer text (display only), a container of such values a QVariantList or QVariantMap.
 *
 * That does not keep the types out of Qt's global metatype registry, and cannot: on Qt 6.4.2,
 * QMetaProperty::read() itself registers the property's type (it compares the type with
 * QMetaType::fromType<QVariant>(), and operator== calls QMetaType::id() on both), as do
 * QVariant::userType(), canConvert(), convert() and QDataStream; a plugin may also register its
 * types itself. Merely reading a property of type Palette::Mode makes
 * QMetaType::fromName("Palette::Mode") answer, with a pointer into the plugin. Those
 * registrations are removed when the library is unloaded (Generation::unload()).
 */

inline bool isBuiltinType(QMetaType type)
{
    // The field, not QMetaType::id(): id() would register a plugin's type to answer.
    const QtPrivate::QMetaTypeInterface *iface = type.iface();
    const int id = iface ? iface->typeId.loadRelaxed() : 0;
    return id > QMetaType::UnknownType && id < QMetaType::User;
}

inline QString objectText(const QObject *object)
{
    if (!object)
        return QStringLiteral("nullptr");
    QString text = QStringLiteral("%1(0x%2")
                       .arg(QString::fromLatin1(object->metaObject()->className()))
                       .arg(quintptr(object), 0, 16);
    if (const QString name = object->objectName(); !name.isEmpty())
        text += QStringLiteral(", name = \"%1\"").arg(own(name));
    return text + QLatin1Char(')');
}

//! An enum value of any underlying size, read without registering the type.
inline qlonglong enumNumber(QMetaType type, const void *data)
{
    const bool isUnsigned = type.flags() & QMetaType::IsUnsignedEnumeration;
    switch (type.sizeOf()) {
    case 1:
        return isUnsigned ? qlonglong(*static_cast<const quint8 *>(data))
                          : qlonglong(*static_cast<const qint8 *>(data));
    case 2:
        return isUnsigned ? qlonglong(*static_cast<const quint16 *>(data))
                          : qlonglong(*static_cast<const qint16 *>(data));
    case 4:
        return isUnsigned ? qlonglong(*static_cast<const quint32 *>(data))
                          : qlonglong(*static_cast<const qint32 *>(data));
    default:
        return *static_cast<const qlonglong *>(data);
    }
}

//! The key (or `A|B` keys of a Q_FLAG) of a Q_ENUM value; its number when it has no key.
inline QString enumText(QMetaType type, qlonglong number)
{
    if (const QMetaObject *scope = type.metaObject()) {
        // `Palette::Mode`, or `QFlags<Style::Option>` for a Q_FLAG (whose enumerator is named
        // Options, with enumName Option).
        QByteArray name = type.name();
        if (name.startsWith("QFlags<") && name.endsWith('>'))
            name = name.mid(7, name.size() - 8);
        const qsizetype colons = name.lastIndexOf("::");
        const QByteArray enumName = colons < 0 ? name : name.mid(colons + 2);
        for (int i = 0; i < scope->enumeratorCount(); ++i) {
            const QMetaEnum metaEnum = scope->enumerator(i);
            if (enumName != metaEnum.name() && enumName != metaEnum.enumName())
                continue;
            const QByteArray key = metaEnum.isFlag() ? metaEnum.valueToKeys(int(number))
                                                     : QByteArray(metaEnum.valueToKey(int(number)));
            if (!key.isEmpty())
                return QString::fromLatin1(key);
            break;
        }
    }
    return QString::number(number);
}

//! What QDebug prints for a value, or `<TypeName>` when the type has no debug operator.
inline QString debugText(QMetaType type, const void *data)
{
    QString text;
    {
        QDebug debug(&text);
        debug.nospace().noquote();
        if (!type.debugStream(debug, data))
            text.clear();
    }
    return text.isEmpty() ? QStringLiteral("<%1>").arg(QString::fromLatin1(type.name())) : text;
}

/*!
 * `value` in Qt's built-in types only, deep-copied so it owns all its data; nullopt (with the
 * reason in `why`) when a value for `use` cannot be made. Display never fails for a valid value.
 */
inline std::optional<QVariant> builtinValue(const QVariant &value, ValueUse use, QString *why)
{
    if (!value.isValid())
        return QVariant();
    const QMetaType type = value.metaType();
    const void *data = value.constData();
    const QString typeName = QString::fromLatin1(type.name());
    const auto refuse = [&](const QString &reason) -> std::optional<QVariant> {
        if (use == ValueUse::Display)
            return QVariant(debugText(type, data));
        if (why)
            *why = QStringLiteral("%1 (%2)").arg(reason, typeName);
        return std::nullopt;
    };
    const auto convertList = [&](auto &&elements) -> std::optional<QVariant> {
        QVariantList out;
        for (const QVariant &element : elements) {
            std::optional<QVariant> converted = builtinValue(element, use, why);
            if (!converted)
                return std::nullopt;
            out.append(*converted);
        }
        return QVariant(out);
    };
    const auto convertMap = [&](const auto &map) -> std::optional<QVariant> {
        QVariantMap out;
        for (auto it = map.begin(); it != map.end(); ++it) {
            std::optional<QVariant> converted = builtinValue(it.value(), use, why);
            if (!converted)
                return std::nullopt;
            out.insert(own(it.key()), *converted);
        }
        return QVariant(out);
    };

    if (type.flags() & QMetaType::PointerToQObject) {
        // Also QObject * itself (built in): the object dies with its generation.
        if (use == ValueUse::Display)
            return QVariant(objectText(*static_cast<QObject *const *>(data)));
        return refuse(QStringLiteral("a pointer to an object, which dies with its generation"));
    }
    if (isBuiltinType(type)) {
        switch (type.id()) {
        case QMetaType::QVariantList:
            return convertList(*static_cast<const QVariantList *>(data));
        case QMetaType::QVariantMap:
            return convertMap(*static_cast<const QVariantMap *>(data));
        case QMetaType::QVariantHash:
            return convertMap(*static_cast<const QVariantHash *>(data));
        default:
            if (std::optional<QVariant> copy = deepCopy(value))
                return copy;
            return refuse(QStringLiteral("a value that does not stream"));
        }
    }
    if (type.flags() & QMetaType::IsEnumeration) {
        const qlonglong number = enumNumber(type, data);
        if (use == ValueUse::Display)
            return QVariant(enumText(type, number));
        return number >= std::numeric_limits<int>::min()
                       && number <= std::numeric_limits<int>::max()
                   ? QVariant(int(number))
                   : QVariant(number);
    }
    if (type.flags() & (QMetaType::IsGadget | QMetaType::PointerToGadget)) {
        const void *gadget = data;
        if (type.flags() & QMetaType::PointerToGadget) {
            gadget = *static_cast<const void *const *>(data);
            if (!gadget)
                return refuse(QStringLiteral("a null pointer"));
        }
        const QMetaObject *meta = type.metaObject();
        if (!meta)
            return refuse(QStringLiteral("a gadget without a meta-object"));
        QVariantMap out;
        for (int i = 0; i < meta->propertyCount(); ++i) {
            const QMetaProperty property = meta->property(i);
            std::optional<QVariant> converted
                = builtinValue(property.readOnGadget(gadget), use, why);
            if (!converted)
                return std::nullopt;
            out.insert(QString::fromLatin1(property.name()), *converted);
        }
        return QVariant(out);
    }
    // A container the plugin instantiated (QList<Swatch>, QList<int>, QHash<QString, Mode>):
    // through Qt's iterable views, element by element.
    if (value.canConvert<QSequentialIterable>())
        return convertList(value.value<QSequentialIterable>());
    if (value.canConvert<QAssociativeIterable>()) {
        const QAssociativeIterable iterable = value.value<QAssociativeIterable>();
        QVariantMap out;
        for (auto it = iterable.begin(); it != iterable.end(); ++it) {
            std::optional<QVariant> converted = builtinValue(it.value(), use, why);
            if (!converted)
                return std::nullopt;
            std::optional<QVariant> key = builtinValue(it.key(), ValueUse::Display, nullptr);
            out.insert(key ? key->toString() : QString(), *converted);
        }
        return QVariant(out);
    }
    return refuse(QStringLiteral("a type that is neither one of Qt's built-in types, an enum nor "
                                 "a gadget"));
}

//! A deep copy for display, in built-in types only (see builtinValue()).
inline QVariant ownedForDisplay(const QVariant &value)
{
    return builtinValue(value, ValueUse::Display, nullptr).value_or(QVariant());
}

} // namespace qreload::detail
