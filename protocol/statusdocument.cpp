#include "statusdocument.h"

#include <QJsonArray>

namespace qreload::app {

QJsonObject StatusDocument::toJson() const
{
    QJsonObject o = generation.statusJson();
    o.insert(QLatin1String("url"), url);
    o.insert(QLatin1String("watching"), watching);
    o.insert(QLatin1String("quietPeriodMs"), quietPeriodMs);
    o.insert(QLatin1String("pluginDirs"), QJsonArray::fromStringList(pluginDirs));
    if (!shadowFolder.isEmpty())
        o.insert(QLatin1String("shadowFolder"), shadowFolder);
    o.insert(QLatin1String("serving"), serving);
    o.insert(QLatin1String("lastReload"),
             lastReload ? QJsonValue(lastReload->toJson()) : QJsonValue(QJsonValue::Null));
    o.insert(QLatin1String("reloads"), reloads);
    for (auto it = supervisor.constBegin(); it != supervisor.constEnd(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

} // namespace qreload::app
