#pragma once

#include "componentgraph.h"

#include <QSet>
#include <QString>

#include <optional>

namespace qreload::app {

/*!
 * Which plugins of the component graph are collapsed to one node, and the graph drawn from that.
 *
 * A plugin is collapsed when the user collapsed it, or, unless the user expanded it, when the
 * application is large: more than collapseThreshold() components (then the graph opens with one
 * node per plugin, and a plugin is opened where it is needed). The user's choices are kept by
 * plugin file name, so they survive reloads (a reload that brings a new plugin starts it by the
 * threshold rule). A plain value; the graph view owns one.
 */
class PluginClusters
{
public:
    //! Applications with more components than this open collapsed by plugin.
    static constexpr int DefaultCollapseThreshold = 200;

    int collapseThreshold() const { return m_threshold; }
    void setCollapseThreshold(int components) { m_threshold = components; }

    //! Whether `plugin` is drawn as one node in a graph of `componentCount` components.
    bool isCollapsed(const QString &plugin, int componentCount) const;
    //! The user collapsed (true) or expanded (false) `plugin`.
    void setCollapsed(const QString &plugin, bool collapsed);
    //! Collapse (true) or expand (false) every plugin, forgetting per-plugin choices.
    void setAllCollapsed(bool collapsed);
    //! Forgets every choice: back to the threshold rule.
    void reset();

    //! The plugins of `graph` that are collapsed.
    QSet<QString> collapsedPlugins(const ComponentGraph &graph) const;
    /*!
     * `graph` as drawn: each collapsed plugin's components replaced by one Plugin node (with the
     * tally of their states), their dependencies aggregated into one edge per pair of drawn nodes
     * (ComponentLink::count), and dependencies inside a collapsed plugin left out.
     */
    ComponentGraph apply(const ComponentGraph &graph) const;

private:
    int m_threshold = DefaultCollapseThreshold;
    std::optional<bool> m_all; //!< setAllCollapsed(): overrides the threshold rule
    QSet<QString> m_collapsed; //!< plugins the user collapsed
    QSet<QString> m_expanded;  //!< plugins the user expanded
};

} // namespace qreload::app
