#pragma once

#include "reloadrecord.h"

#include <qreload/container.h>

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace qreload::app {

//! A collapsed plugin's tally of its components' states (all zero for a component).
struct MemberTally
{
    int components = 0;
    int added = 0;
    int changed = 0;
    int recreated = 0; //!< recreated without a change of their own (dependents of a change)
    int kept = 0;
    int removed = 0;
    int failed = 0;
};

/*!
 * One box of the graph as the console draws it: a component (what the container says, plus what
 * the last reload did), or a collapsed plugin standing for all of its components.
 */
struct ComponentNode
{
    enum class Kind {
        Component, //!< one component of the generation
        Plugin,    //!< a collapsed plugin: its components drawn as one node (see PluginClusters)
    };

    Kind kind = Kind::Component;
    QString key; //!< the component key; a plugin node's is ComponentGraph::pluginNodeKey()
    QString className;
    QString pluginFile;
    QStringList interfaces;
    QStringList dependencies; //!< Dependency::display() of each declared dependency
    QStringList routes;       //!< "GET /path"
    Scope scope = Scope::Singleton;
    Creation creation = Creation::Eager;
    bool created = false;   //!< an instance exists (lazy components may not have one yet)
    bool added = false;     //!< new in the last successful reload
    bool changed = false;   //!< its plugin file changed in the last successful reload
    bool removed = false;   //!< gone since the last reload; shown faded until the next one
    bool failed = false;    //!< named by an error of the last (failed) reload
    bool recreated = false; //!< constructed anew by the last reload (ReloadRecord::recreated)
    bool kept = false;      //!< its very instance survived the last reload (ReloadRecord::kept)
    QString failure;        //!< that error's text
    MemberTally members;    //!< a plugin node: its components and their states

    bool isPlugin() const { return kind == Kind::Plugin; }
    //! The plugin this node belongs to (its file name, "libshop.so"); empty if unknown.
    QString plugin() const;

    //! A one-word state for badges and tests: removed, failed, created, lazy, not created.
    QString stateName() const;
};

//! A dependency edge; `to` is the component the dependency resolved to.
struct ComponentLink
{
    QString from;
    QString to;
    QString label;        //!< the dependency as declared (interface or key)
    bool removed = false; //!< belongs to a removed component
    int count = 1;        //!< how many dependencies it stands for (edges of collapsed plugins)
};

/*!
 * A snapshot of one generation's component graph, annotated with the last reload's effects.
 * A plain value: taken on the main thread from the container, then laid out and drawn anywhere.
 */
struct ComponentGraph
{
    quint64 generation = 0;
    QList<ComponentNode> nodes;
    QList<ComponentLink> links;

    /*!
     * The graph of `container` (generation `number`). When `last` is given, nodes are marked
     * added/changed from it when it succeeded, failed from its errors when it failed, and the
     * components it removed are kept from `previous` as removed nodes.
     */
    static ComponentGraph snapshot(const Container &container, quint64 number,
                                   const ReloadRecord *last = nullptr,
                                   const ComponentGraph *previous = nullptr);
    //! The same from what the host reported of a generation (GenerationSnapshot).
    static ComponentGraph snapshot(const QList<ComponentInfo> &components,
                                   const QList<ComponentEdge> &edges, quint64 number,
                                   const ReloadRecord *last = nullptr,
                                   const ComponentGraph *previous = nullptr);

    int indexOf(const QString &key) const;
    //! The key of the node standing for a collapsed `plugin` ("plugin:libshop.so").
    static QString pluginNodeKey(const QString &plugin);
    //! The plugins of the components, in the order they first appear.
    QStringList plugins() const;
    //! True when the graph is drawn in one cluster per plugin (components of two plugins or more).
    bool hasClusters() const;
    const ComponentNode *node(const QString &key) const;
    bool isEmpty() const { return nodes.isEmpty(); }
    /*!
     * Graphviz DOT with the state as node colours (for export). When hasClusters(), the
     * components of each plugin are a `subgraph cluster_<n>` labelled with the plugin's file.
     */
    QString toDot() const;
};

} // namespace qreload::app

Q_DECLARE_METATYPE(qreload::app::ComponentGraph)
