#include "buildprogress.h"

namespace qreload::app {

std::optional<BuildProgress> BuildProgress::parse(QStringView line)
{
    line = line.trimmed();
    if (!line.startsWith(u'['))
        return std::nullopt;
    const qsizetype close = line.indexOf(u']');
    if (close < 2)
        return std::nullopt;
    const QStringView inner = line.mid(1, close - 1).trimmed();
    bool ok = false;
    if (inner.endsWith(u'%')) {
        const int percent = inner.chopped(1).trimmed().toInt(&ok);
        if (!ok || percent < 0 || percent > 100)
            return std::nullopt;
        return BuildProgress{percent, 100, true};
    }
    const qsizetype slash = inner.indexOf(u'/');
    if (slash < 1)
        return std::nullopt;
    const int done = inner.left(slash).toInt(&ok);
    if (!ok)
        return std::nullopt;
    const int total = inner.mid(slash + 1).toInt(&ok);
    if (!ok || total <= 0 || done < 0 || done > total)
        return std::nullopt;
    return BuildProgress{done, total};
}

QString BuildProgress::text() const
{
    return percentage ? QStringLiteral("%1%").arg(done)
                      : QStringLiteral("%1/%2").arg(done).arg(total);
}

} // namespace qreload::app
