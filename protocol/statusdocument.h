#pragma once

#include "generationsnapshot.h"
#include "reloadrecord.h"

#include <QJsonObject>
#include <QStringList>

#include <optional>

namespace qreload::app {

/*!
 * The document of `GET /_qreload/status`, built in one place for whoever answers it: the host
 * while it serves, the supervisor's standby server (and its own status view) while none does.
 * Each side fills in what it knows; the generation's part comes from its snapshot.
 */
struct StatusDocument
{
    GenerationSnapshot generation; //!< generation, components, plugins
    QString url;
    bool watching = true;
    int quietPeriodMs = 0;
    QStringList pluginDirs;
    QString shadowFolder; //!< the host's staging folder; left out when empty (no host)
    bool serving = false; //!< a host serves the plugins' routes
    std::optional<ReloadRecord> lastReload;
    qint64 reloads = 0;
    //! The supervisor's fields (host state, warnings), added last.
    QJsonObject supervisor;

    QJsonObject toJson() const;
};

} // namespace qreload::app
