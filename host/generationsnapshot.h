#pragma once

#include <qreload/container.h>
#include <qreload/generation.h>

#include <QCborMap>
#include <QJsonObject>

namespace qreload::app {

/*!
 * What the supervisor and the console know of a generation that runs in the host: its
 * components, their resolved edges and its plugin files. A plain value, taken in
 * the host after a reload and sent over the host channel; nothing in it points into plugin code.
 */
struct GenerationSnapshot
{
    quint64 number = 0; //!< 0: no generation
    QList<ComponentInfo> components;
    QList<ComponentEdge> edges;
    QList<PluginSource> plugins;

    bool isEmpty() const { return number == 0; }
    const ComponentInfo *component(const QString &key) const;
    static GenerationSnapshot of(const Generation &generation);
    //! generation, components and plugins, as /_qreload/status shows them.
    QJsonObject statusJson() const;
    QCborMap toCbor() const;
    static GenerationSnapshot fromCbor(const QCborMap &map);
};

} // namespace qreload::app
