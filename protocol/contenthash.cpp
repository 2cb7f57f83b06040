#include "contenthash.h"

#include <xxhash.h>

#include <QFile>

namespace qreload::protocol {

QByteArray contentHash(const QByteArray &bytes)
{
    const XXH128_hash_t hash = XXH3_128bits(bytes.constData(), size_t(bytes.size()));
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, hash);
    return QByteArray(reinterpret_cast<const char *>(canonical.digest), sizeof(canonical.digest));
}

std::optional<QByteArray> fileContentHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return contentHash(file.readAll());
}

} // namespace qreload::protocol
