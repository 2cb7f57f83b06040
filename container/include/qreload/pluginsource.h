#pragma once

#include <QByteArray>
#include <QString>

namespace qreload {

/*!
 * A plugin file to load: where it is watched, and the private copy actually loaded. A plain value
 * the host's loader takes and the supervisor receives (in generation snapshots) alike; header
 * only, so it adds nothing to the plugin ABI.
 */
struct PluginSource
{
    QString originPath;     //!< the file the user's build writes and qreload watches
    QString loadPath;       //!< the per-generation shadow copy that is dlopen'ed
    QByteArray contentHash; //!< tells the file's bytes at staging time apart (128 bits)
};

} // namespace qreload
