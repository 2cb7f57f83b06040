#include "container_p.h"

namespace qreload {

using namespace detail;

Status Container::validate() const
{
    ContainerLock lock(m_mutex);
    if (m_valid)
        return {};
    Errors errors;

    // Duplicates were noted as they were added; their files are gathered only when there are.
    QHash<QString, QStringList> filesByKey;
    if (!m_duplicateKeys.isEmpty()) {
        for (const auto &n : m_nodes) {
            if (m_duplicateKeys.contains(n->d->key))
                filesByKey[n->d->key].append(n->d->pluginFile);
        }
    }
    QSet<QString> reportedDuplicates;
    for (const auto &n : m_nodes) {
        const ComponentDescriptor &d = *n->d;
        if (d.key.isEmpty()) {
            errors.append(Error(Error::Reason::InvalidRegistration,
                                QStringLiteral("a component of class %1 was registered with an "
                                               "empty key")
                                    .arg(d.className),
                                {}, d.pluginFile));
            continue;
        }
        if (!d.factory)
            errors.append(Error(Error::Reason::InvalidRegistration,
                                QStringLiteral("registered without a factory"), d.key,
                                d.pluginFile));
        if (m_duplicateKeys.isEmpty() || !m_duplicateKeys.contains(d.key))
            continue;
        const QStringList &files = filesByKey.value(d.key);
        if (files.size() > 1 && !reportedDuplicates.contains(d.key)) {
            reportedDuplicates.insert(d.key);
            errors.append(Error(Error::Reason::DuplicateKey,
                                QStringLiteral("key %1 is registered %2 times, by %3")
                                    .arg(d.key)
                                    .arg(files.size())
                                    .arg(files.join(QStringLiteral(", "))),
                                d.key, d.pluginFile));
        }
    }

    // Dependencies that cannot be satisfied (what can be is resolved once, for later).
    for (const auto &n : m_nodes) {
        const ComponentDescriptor &d = *n->d;
        if (!n->first)
            continue;
        const QList<Node *> &resolved = targets(n.get());
        if (resolved.size() == d.dependencies.size()
            && std::none_of(
                d.dependencies.cbegin(), d.dependencies.cend(),
                [](const Dependency &dep) { return dep.kind == Dependency::Kind::InterfaceList; }))
            continue; // each resolved to one provider
        for (const Dependency &dep : d.dependencies) {
            switch (dep.kind) {
            case Dependency::Kind::Component:
                if (!m_byKey.contains(dep.target))
                    errors.append(Error(Error::Reason::MissingDependency,
                                        QStringLiteral("%1 depends on %2, which no plugin provides")
                                            .arg(d.key, dep.target),
                                        d.key, d.pluginFile));
                break;
            case Dependency::Kind::Interface:
            case Dependency::Kind::NamedInterface: {
                const Result<Node *> provider = resolveInterface(dep.target, dep.qualifier);
                if (!provider) {
                    // Same form as a missing key: "X depends on <what>, which no plugin provides".
                    const Error &e = provider.errors().first();
                    const QString message
                        = e.reason() == Error::Reason::MissingDependency
                              ? QStringLiteral("%1 depends on %2, which no plugin provides")
                                    .arg(d.key, dep.display())
                              : QStringLiteral("%1 depends on %2, but %3")
                                    .arg(d.key, dep.display(), e.message());
                    errors.append(Error(e.reason(), message, d.key, d.pluginFile));
                }
                break;
            }
            case Dependency::Kind::InterfaceList:
                break;
            }
        }
    }

    // Two components serving the same route (noted as they were added).
    for (const auto &[owner, other] : m_routeClashes) {
        const Node *first = owner.node;
        const Node *n = other.node;
        errors.append(
            Error(Error::Reason::DuplicateRoute,
                  QStringLiteral("route %1 is served by both %2 (%3) and %4")
                      .arg(routeId(*other.route), first->d->key, first->d->pluginFile, n->d->key),
                  n->d->key, n->d->pluginFile));
    }

    // Cycles, each reported once with its path: a depth-first walk over the resolved providers.
    std::vector<int> state(m_nodes.size(), 0); // 0 unvisited, 1 on the stack, 2 done
    QList<const Node *> stack;
    QSet<QString> reportedCycles;
    const auto visit = [&](const auto &self, const Node *n) -> void {
        state[n->index] = 1;
        stack.append(n);
        for (const Node *next : targets(n)) {
            const int s = state[next->index];
            if (s == 0) {
                self(self, next);
            } else if (s == 1) {
                QStringList cycle;
                for (qsizetype i = stack.lastIndexOf(next); i < stack.size(); ++i)
                    cycle.append(stack.at(i)->d->key);
                // Canonical rotation: start at the smallest key so each cycle is reported once.
                const auto smallest = std::min_element(cycle.begin(), cycle.end());
                std::rotate(cycle.begin(), smallest, cycle.end());
                const QString id = cycle.join(QLatin1Char('\n'));
                if (!reportedCycles.contains(id)) {
                    reportedCycles.insert(id);
                    const Node *first = node(cycle.first());
                    errors.append(Error(Error::Reason::Cycle,
                                        QStringLiteral("Circular dependency detected: %1 -> %2")
                                            .arg(cycle.join(QStringLiteral(" -> ")), cycle.first()),
                                        cycle.first(), first ? first->d->pluginFile : QString()));
                }
            }
        }
        stack.removeLast();
        state[n->index] = 2;
    };
    for (const auto &n : m_nodes) {
        // Only the first registration of a key takes part in the graph (the others are
        // duplicates, reported above).
        if (n->first && state[n->index] == 0)
            visit(visit, n.get());
    }

    m_valid = errors.isEmpty();
    return errors;
}

QList<ComponentInfo> Container::components() const
{
    ContainerLock lock(m_mutex);
    QList<ComponentInfo> out;
    for (const auto &n : m_nodes) {
        const ComponentDescriptor &d = *n->d;
        ComponentInfo info;
        info.key = d.key;
        info.className = d.className;
        info.pluginFile = d.pluginFile;
        info.interfaces = d.interfaces;
        info.dependencies = d.dependencies;
        info.scope = d.scope;
        info.creation = d.creation;
        info.primary = d.primary;
        info.qualifier = d.qualifier;
        info.created = n->instancesMade > 0 && (d.scope == Scope::Prototype || n->singleton);
        for (const Route &route : d.routes)
            info.routes.append(routeId(route));
        info.stateVersion = d.stateVersion;
        out.append(info);
    }
    return out;
}

QList<ComponentEdge> Container::edges() const
{
    ContainerLock lock(m_mutex);
    QList<ComponentEdge> out;
    for (const auto &n : m_nodes) {
        if (!n->first)
            continue;
        const QList<Node *> &to = targets(n.get());
        for (qsizetype i = 0; i < to.size(); ++i)
            out.append(
                {n->d->key, to.at(i)->d->key, n->d->dependencies.at(n->targetDependency.at(i))});
    }
    return out;
}

void Container::compare(const Container &before, const Container &after,
                        const QSet<QString> &changedPluginFiles, GraphDiff *diff)
{
    ContainerLock afterLock(after.m_mutex);
    ContainerLock beforeLock(before.m_mutex);
    const auto wiringText = [](const Container &c, const Node *n) {
        // As the users read it, order aside: the declarations and what each resolved to.
        QStringList out;
        for (const Dependency &dep : n->d->dependencies)
            out.append(QStringLiteral("declares ") + dep.display());
        const QList<Node *> &to = c.targets(n);
        for (qsizetype i = 0; i < to.size(); ++i)
            out.append(n->d->dependencies.at(n->targetDependency.at(i)).display()
                       + QStringLiteral(" -> ") + to.at(i)->d->key);
        out.sort();
        return out;
    };
    QSet<const Node *> seen;
    for (const auto &n : after.m_nodes) {
        if (!n->first)
            continue;
        const Node *previous = before.node(n->d->key);
        if (!previous) {
            diff->added.append(n->d->key);
            continue;
        }
        seen.insert(previous);
        if (previous->d->pluginFile != n->d->pluginFile
            || changedPluginFiles.contains(n->d->pluginFile))
            diff->changed.append(n->d->key);
        // Same declarations and the same providers' keys in the same order: not rewired. Else
        // the text decides (a list of providers in another order is the same wiring).
        const QList<Node *> &now = after.targets(n.get());
        const QList<Node *> &then = before.targets(previous);
        bool same = (previous->d == n->d || previous->d->dependencies == n->d->dependencies)
                    && now.size() == then.size();
        for (qsizetype i = 0; same && i < now.size(); ++i)
            same = now.at(i)->d->key == then.at(i)->d->key;
        if (!same && wiringText(before, previous) != wiringText(after, n.get()))
            diff->rewired.append(n->d->key);
    }
    for (const auto &n : before.m_nodes) {
        if (n->first && !seen.contains(n.get()))
            diff->removed.append(n->d->key);
    }
    diff->added.sort();
    diff->removed.sort();
    diff->changed.sort();
    diff->rewired.sort();
}

} // namespace qreload
