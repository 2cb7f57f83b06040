#include "container_p.h"

namespace qreload {

using namespace detail;

QHash<QString, CarriedState> Container::saveState(Errors *errors, const QStringList &except)
{
    ContainerLock lock(m_mutex);
    QHash<QString, CarriedState> out;
    const QSet<QString> skipped(except.cbegin(), except.cend());
    for (const auto &n : m_nodes) {
        if (n->d->stateVersion < 0 || !n->d->saveState || !n->singleton
            || skipped.contains(n->d->key))
            continue;
        QVariant value;
        aboutToCall(n.get(), PluginCall::SaveState);
        if (std::exception_ptr e = runCatching([&] { value = n->d->saveState(n->singleton); })) {
            errors->append(Error(Error::Reason::StateCarryFailed,
                                 QStringLiteral("saving state threw: %1").arg(exceptionText(e)),
                                 n->d->key, n->d->pluginFile));
            continue;
        }
        // The state outlives this generation's library, so it is carried in built-in types
        // only: an enum as its number, a gadget as a QVariantMap of its properties.
        QString why;
        std::optional<QVariant> copy = detail::builtinValue(value, detail::ValueUse::State, &why);
        if (!copy) {
            errors->append(Error(Error::Reason::StateCarryFailed,
                                 QStringLiteral("the saved state cannot be carried: it holds %1; "
                                                "carry Qt value types, enums and gadgets")
                                     .arg(why),
                                 n->d->key, n->d->pluginFile));
            continue;
        }
        out.insert(n->d->key, CarriedState{n->d->stateVersion, *copy});
    }
    return out;
}

StateCarryReport Container::restoreState(const QHash<QString, CarriedState> &state)
{
    ContainerLock lock(m_mutex);
    StateCarryReport report;
    for (auto it = state.constBegin(); it != state.constEnd(); ++it) {
        Node *n = node(it.key());
        if (!n) {
            report.dropped.append(
                QStringLiteral("%1: no component with this key in the new generation")
                    .arg(it.key()));
            continue;
        }
        if (n->d->stateVersion < 0 || !n->d->restoreState) {
            report.dropped.append(
                QStringLiteral("%1: the new version no longer carries state").arg(it.key()));
            continue;
        }
        if (n->d->stateVersion != it->version) {
            report.dropped.append(QStringLiteral("%1: state version changed from %2 to %3")
                                      .arg(it.key())
                                      .arg(it->version)
                                      .arg(n->d->stateVersion));
            continue;
        }
        if (!n->singleton) {
            // Lazy: restored when it is first created.
            m_pendingState.insert(n->d->key, *it);
            report.carried.append(n->d->key);
            continue;
        }
        aboutToCall(n, PluginCall::RestoreState);
        if (std::exception_ptr e
            = runCatching([&] { n->d->restoreState(n->singleton, it->value); })) {
            report.errors.append(
                Error(Error::Reason::StateCarryFailed,
                      QStringLiteral("restoring state threw: %1").arg(exceptionText(e)), n->d->key,
                      n->d->pluginFile));
            report.dropped.append(QStringLiteral("%1: restore failed").arg(it.key()));
            continue;
        }
        report.carried.append(n->d->key);
    }
    report.carried.sort();
    report.dropped.sort();
    return report;
}

void Container::applyPendingState(Node *n, QObject *instance)
{
    const auto it = m_pendingState.constFind(n->d->key);
    if (it == m_pendingState.constEnd())
        return;
    const CarriedState state = *it;
    m_pendingState.erase(it);
    aboutToCall(n, PluginCall::RestoreState);
    if (std::exception_ptr e = runCatching([&] { n->d->restoreState(instance, state.value); }))
        qCWarning(lcContainer).noquote()
            << Error(Error::Reason::StateCarryFailed,
                     QStringLiteral("restoring carried state on first use threw: %1")
                         .arg(exceptionText(e)),
                     n->d->key, n->d->pluginFile)
                   .toString();
}

} // namespace qreload
