#pragma once

#include <qreload/container.h>
#include <qreload/pluginsource.h>

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
    //! generation, components and plugins, as /_qreload/status shows them.
    QJsonObject statusJson() const;
    QCborMap toCbor() const;
    static GenerationSnapshot fromCbor(const QCborMap &map);

    /*!
     * What turns `base` into this snapshot, for the host to send after a reload instead of the
     * whole snapshot: the components and outgoing edges that differ (by value) from base's, the
     * key order when it changed, and the plugin files. A one-plugin reload of a 1,000-component
     * app sends 20 components, not 1,000 (a full snapshot of those is 320 KB of CBOR and about
     * 40 ms of encoding and decoding on both sides; see scalebench).
     */
    QCborMap deltaCbor(const GenerationSnapshot &base) const;
    /*!
     * Applies a deltaCbor() made against this snapshot. Returns false, and leaves the snapshot
     * as it was, when the delta was made against another generation (the caller then asks for
     * a whole snapshot).
     */
    bool applyDeltaCbor(const QCborMap &delta);
    //! True for a map made by deltaCbor(), false for one made by toCbor().
    static bool isDelta(const QCborMap &map);

    bool operator==(const GenerationSnapshot &other) const;
};

} // namespace qreload::app
