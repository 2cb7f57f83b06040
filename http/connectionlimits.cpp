#include "connectionlimits.h"

namespace qreload::app {

QString ConnectionLimits::validate() const
{
    if (maxBodyBytes < 0)
        return QStringLiteral("the request body limit must be 0 bytes or more, not %1")
            .arg(maxBodyBytes);
    if (idleTimeoutMs < 1)
        return QStringLiteral("the idle connection timeout must be 1 ms or more, not %1")
            .arg(idleTimeoutMs);
    if (maxConnections < 1)
        return QStringLiteral("the connection limit must be 1 or more, not %1").arg(maxConnections);
    return {};
}

QJsonObject ConnectionLimits::toJson() const
{
    return {{QLatin1String("maxBodyBytes"), maxBodyBytes},
            {QLatin1String("idleTimeoutMs"), idleTimeoutMs},
            {QLatin1String("maxConnections"), maxConnections}};
}

QString ConnectionLimits::sizeText(qint64 bytes)
{
    const auto exact = [bytes](qint64 unit, const char *name) {
        return QStringLiteral("%1 %2 (%3 bytes)")
            .arg(bytes / unit)
            .arg(QLatin1String(name))
            .arg(bytes);
    };
    if (bytes >= (1 << 20) && bytes % (1 << 20) == 0)
        return exact(1 << 20, "MiB");
    if (bytes >= 1024 && bytes % 1024 == 0)
        return exact(1024, "KiB");
    return QStringLiteral("%1 bytes").arg(bytes);
}

} // namespace qreload::app
