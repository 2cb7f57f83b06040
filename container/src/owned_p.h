#pragma once

// Strings and values that come from plugin code may point into the library's read-only data
// (QStringLiteral, u""_s, a QVariant holding either). Everything the container keeps or hands
// out beyond a call is deep-copied with these, so it stays valid after the library is unloaded.

#include <QByteArray>
#include <QDataStream>
#include <QIODevice>
#include <QString>
#include <QStringList>
#include <QVariant>

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

//! A deep copy for display: the value itself when it streams, else its text, else invalid.
inline QVariant ownedForDisplay(const QVariant &value)
{
    if (!value.isValid())
        return {};
    if (std::optional<QVariant> copy = deepCopy(value))
        return *copy;
    if (value.canConvert<QString>())
        return own(value.toString());
    return {};
}

} // namespace qreload::detail
