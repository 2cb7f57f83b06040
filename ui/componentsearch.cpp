#include "componentsearch.h"

#include <algorithm>
#include <array>

namespace qreload::app {

QStringList ComponentSearch::matches(const ComponentGraph &graph, const QString &text)
{
    const QString needle = text.trimmed();
    if (needle.isEmpty())
        return {};
    enum Rank { ExactKey, KeyPrefix, KeyContains, ClassName, Interface, RankCount };
    std::array<QStringList, RankCount> ranked;
    for (const ComponentNode &node : graph.nodes) {
        if (node.isPlugin())
            continue;
        if (node.key.compare(needle, Qt::CaseInsensitive) == 0)
            ranked[ExactKey].append(node.key);
        else if (node.key.startsWith(needle, Qt::CaseInsensitive))
            ranked[KeyPrefix].append(node.key);
        else if (node.key.contains(needle, Qt::CaseInsensitive))
            ranked[KeyContains].append(node.key);
        else if (node.className.contains(needle, Qt::CaseInsensitive))
            ranked[ClassName].append(node.key);
        else if (std::any_of(
                     node.interfaces.cbegin(), node.interfaces.cend(),
                     [&](const QString &iid) { return iid.contains(needle, Qt::CaseInsensitive); }))
            ranked[Interface].append(node.key);
    }
    QStringList all;
    for (const QStringList &list : ranked)
        all += list;
    return all;
}

} // namespace qreload::app
