#include "reloadplanner.h"

#include <QFileInfo>

#include <thread>
#include <vector>

namespace qreload::app {

namespace {

//! How many components of `generation` came from the plugin file `origin`.
int componentCount(const Generation &generation, const QString &origin)
{
    const QList<ComponentInfo> components = generation.container().components();
    return int(std::count_if(components.cbegin(), components.cend(),
                             [&](const ComponentInfo &c) { return c.pluginFile == origin; }));
}

} // namespace

ReloadPlanner::ReloadPlanner(ReloadRecord &record, const Generation *current,
                             const QHash<QString, QByteArray> &currentHashes)
    : m_record(record)
    , m_current(current)
    , m_currentHashes(currentHashes)
    , m_proportional(record.scope == ReloadScope::Changed && current)
{}

void ReloadPlanner::read(const QStringList &files, const QHash<QString, QString> &readFrom,
                         const QHash<QString, QByteArray> &loadedStamps)
{
    m_files = files;
    m_readFrom = readFrom;
    // A file no event names whose stat() stamp is the one read into the current generation
    // still has those bytes: not read or hashed again (Reload all copies its current shadow
    // copy, which has them, for its new library).
    QSet<QString> named;
    for (const FileEvent &event : std::as_const(m_record.events)) {
        if (!event.isFolder())
            named.insert(event.path);
    }
    QList<std::pair<QString, QString>> toRead; // origin, the file to read it from
    for (const QString &path : std::as_const(m_files)) {
        const QString readPath = m_readFrom.value(path, path);
        const QByteArray stamp = ShadowStore::stamp(readPath);
        if (m_current && !stamp.isEmpty() && !named.contains(path)
            && loadedStamps.value(path) == stamp && m_currentHashes.contains(path)) {
            m_hashes.insert(path, m_currentHashes.value(path));
            m_stamps.insert(path, stamp);
            m_untouched.insert(path);
            continue;
        }
        toRead.append({path, readPath});
        m_stamps.insert(path, stamp);
    }
    // Reading and hashing is most of a first generation's or a large change's stage: the files
    // are read on two threads (the engine's and one more) when there are several.
    std::vector<std::optional<Result<PluginSnapshot>>> read(size_t(toRead.size()));
    const auto readRange = [&](qsizetype from, qsizetype to) {
        for (qsizetype i = from; i < to; ++i)
            read[size_t(i)] = ShadowStore::snapshot(toRead.at(i).second, toRead.at(i).first);
    };
    if (toRead.size() >= 4) {
        const qsizetype half = toRead.size() / 2;
        std::thread other(readRange, half, toRead.size());
        readRange(0, half);
        other.join();
    } else {
        readRange(0, toRead.size());
    }
    for (qsizetype i = 0; i < toRead.size(); ++i) {
        const QString &path = toRead.at(i).first;
        Result<PluginSnapshot> &snapshot = *read[size_t(i)];
        if (!snapshot) {
            m_incomplete |= snapshot.errors().first().reason() == Error::Reason::IncompleteFile;
            m_unusable.insert(path, snapshot.errors());
            m_stamps.remove(path);
            continue;
        }
        m_hashes.insert(path, snapshot.value().contentHash);
        m_fresh.insert(path, snapshot.takeValue());
    }
    for (auto it = m_hashes.constBegin(); it != m_hashes.constEnd(); ++it) {
        if (m_currentHashes.value(it.key()) != it.value())
            m_record.files.append(it.key());
    }
    for (auto it = m_currentHashes.constBegin(); it != m_currentHashes.constEnd(); ++it) {
        if (!m_hashes.contains(it.key()) && !m_record.files.contains(it.key()))
            m_record.files.append(it.key());
    }
    m_record.files.sort();
}

Errors ReloadPlanner::readErrors() const
{
    Errors errors;
    for (const Errors &each : std::as_const(m_unusable))
        errors.append(each);
    return errors;
}

bool ReloadPlanner::keepPrevious(const QString &origin)
{
    const auto it = m_previous.constFind(origin);
    if (it == m_previous.constEnd())
        return false;
    m_fromDisk.remove(origin);
    m_changed.remove(origin);
    if (m_proportional) {
        m_plan.insert(origin, PlannedPlugin{{}, *it});
        return true;
    }
    Result<PluginSnapshot> kept = ShadowStore::snapshot(it->loadPath, origin);
    if (!kept) {
        m_record.errors.append(kept.errors());
        return false;
    }
    m_plan.insert(origin, PlannedPlugin{kept.takeValue(), std::nullopt});
    return true;
}

void ReloadPlanner::plan(QHash<QString, QByteArray> &quarantine)
{
    // A file that went away (on a watched change) or that cannot be used keeps the version the
    // current generation loaded; every other file is loaded as it is now. A proportional reload
    // (scope Changed) reuses the current generation's library wherever those are the bytes it
    // loaded; Reload all loads every file anew, a kept version read back from its shadow copy.
    if (m_current) {
        for (const PluginSource &source : m_current->plugins())
            m_previous.insert(source.originPath, source);
    }
    const QSet<QString> onDisk(m_files.cbegin(), m_files.cend());
    for (auto it = m_previous.constBegin(); it != m_previous.constEnd(); ++it) {
        if (onDisk.contains(it.key()) || m_record.cause == ReloadCause::Manual)
            continue; // a manual reload drops the components of removed files
        if (keepPrevious(it.key()))
            m_removedFiles.append({it.key(), componentCount(*m_current, it.key())});
    }
    for (const QString &origin : std::as_const(m_files)) {
        if (const auto bad = m_unusable.constFind(origin); bad != m_unusable.constEnd()) {
            m_record.errors.append(*bad);
            if (keepPrevious(origin))
                m_heldBroken.append(origin);
            continue;
        }
        if (m_untouched.contains(origin) && m_previous.contains(origin)) {
            // Not written since the current generation loaded it: its library serves on, or
            // (Reload all) a copy of its shadow copy is loaded anew.
            const PluginSource &loaded = m_previous[origin];
            if (m_proportional)
                m_plan.insert(origin, PlannedPlugin{{}, loaded});
            else
                m_plan.insert(
                    origin,
                    PlannedPlugin{PluginSnapshot{origin, {}, loaded.contentHash, loaded.loadPath},
                                  std::nullopt});
            m_fromDisk.insert(origin);
            continue;
        }
        const PluginSnapshot &snapshot = m_fresh[origin];
        // A restored file is the bytes that worked, never the quarantined ones.
        if (const auto q = quarantine.constFind(origin);
            !m_readFrom.contains(origin) && q != quarantine.constEnd()) {
            if (*q == snapshot.contentHash) {
                // The bytes that crashed the last host: never loaded again automatically.
                m_quarantined.append({origin, keepPrevious(origin)});
                continue;
            }
            quarantine.erase(q); // new bytes: they get their chance
        }
        const bool same = m_currentHashes.value(origin) == snapshot.contentHash;
        if (m_proportional && same && m_previous.contains(origin))
            m_plan.insert(origin, PlannedPlugin{{}, m_previous.value(origin)}); // same bytes
        else
            m_plan.insert(origin, PlannedPlugin{snapshot, std::nullopt});
        m_fromDisk.insert(origin);
        if (!same)
            m_changed.insert(origin);
    }
    m_fresh.clear();
}

QHash<QString, QByteArray> ReloadPlanner::plannedHashes() const
{
    QHash<QString, QByteArray> planned;
    for (auto it = m_plan.constBegin(); it != m_plan.constEnd(); ++it)
        planned.insert(it.key(), it.value().hash());
    return planned;
}

bool ReloadPlanner::nothingToSwap() const
{
    if (m_record.cause == ReloadCause::Manual && m_current)
        return false; // a manual reload rebuilds even what did not change
    if (m_current)
        return plannedHashes() == m_currentHashes;
    return m_plan.isEmpty() && (!m_record.errors.isEmpty() || !m_quarantined.isEmpty());
}

bool ReloadPlanner::takeOut(const Errors &errors, bool (*pinned)(const Error &))
{
    QSet<QString> culprits;
    for (const Error &e : errors) {
        if (!pinned(e) || !m_changed.contains(e.pluginFile()))
            return false;
        culprits.insert(e.pluginFile());
    }
    m_record.errors.append(errors);
    for (const QString &origin : std::as_const(culprits)) {
        m_plan.remove(origin);
        m_changed.remove(origin);
        m_fromDisk.remove(origin);
        if (keepPrevious(origin))
            m_heldBroken.append(origin);
    }
    return true;
}

QHash<QString, QByteArray> ReloadPlanner::loadedStamps() const
{
    QHash<QString, QByteArray> stamps;
    for (const QString &origin : std::as_const(m_fromDisk)) {
        if (m_plan.contains(origin) && !m_stamps.value(origin).isEmpty())
            stamps.insert(origin, m_stamps.value(origin));
    }
    return stamps;
}

void ReloadPlanner::noteHeldBack(quint64 serving) const
{
    for (const auto &[origin, components] : std::as_const(m_removedFiles)) {
        m_record.decision += QStringLiteral("; %1 removed; generation %2 keeps serving its %3 "
                                            "component%4 (Reload to drop them)")
                                 .arg(QFileInfo(origin).fileName())
                                 .arg(serving)
                                 .arg(components)
                                 .arg(components == 1 ? QString() : QStringLiteral("s"));
    }
    for (const QString &origin : std::as_const(m_heldBroken))
        m_record.decision += QStringLiteral("; %1 was not loaded (see errors); generation %2 "
                                            "keeps serving its previous version")
                                 .arg(QFileInfo(origin).fileName())
                                 .arg(serving);
    for (const auto &[origin, kept] : std::as_const(m_quarantined)) {
        m_record.decision += QStringLiteral("; %1 not loaded: these bytes crashed the last "
                                            "host, and are loaded again only when the file "
                                            "changes or on a manual reload")
                                 .arg(QFileInfo(origin).fileName());
        if (kept)
            m_record.decision += QStringLiteral(" (generation %1 keeps serving its previous "
                                                "version)")
                                     .arg(serving);
    }
}

} // namespace qreload::app
