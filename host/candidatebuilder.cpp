#include "candidatebuilder.h"

#include "phaseclock.h"
#include "reloadplanner.h"
#include "shadowstore.h"

#include <qreload/graphdiff.h>

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcReload)

namespace qreload::app {

CandidateBuilder::CandidateBuilder(ReloadRecord &record, PhaseClock &clock, ShadowStore &shadows,
                                   ReloadPlanner &planner, Generation *current, quint64 number,
                                   ConstructionObserver observer)
    : m_record(record)
    , m_clock(clock)
    , m_shadows(shadows)
    , m_planner(planner)
    , m_current(current)
    , m_number(number)
    , m_observer(std::move(observer))
{}

CandidateBuilder::~CandidateBuilder() = default;

CandidateBuilder::Outcome CandidateBuilder::build()
{
    if (const Outcome loaded = loadAndValidate(); loaded != Outcome::Built)
        return loaded;
    return construct();
}

void CandidateBuilder::dismantle()
{
    if (!m_candidate)
        return;
    for (const Error &e : m_candidate->shutdown().errors())
        m_record.errors.append(e);
    for (const Error &e : m_candidate->unload().errors())
        m_record.errors.append(e);
    m_candidate.reset();
}

CandidateBuilder::Outcome CandidateBuilder::fail(const Errors &errors)
{
    m_record.errors.append(errors);
    m_clock.enter(QStringLiteral("cleanup"));
    dismantle();
    m_shadows.remove(m_number);
    m_clock.lap(QStringLiteral("cleanup"));
    return Outcome::Failed;
}

CandidateBuilder::Outcome CandidateBuilder::loadAndValidate()
{
    const bool proportional = m_planner.proportional();
    for (;;) {
        m_clock.enter(QStringLiteral("stage"));
        // Only new bytes are copied; a reused library stays where it was loaded from.
        QList<PluginSnapshot> newBytes;
        for (const PlannedPlugin &planned : m_planner.planned()) {
            if (!planned.reuse)
                newBytes.append(planned.snapshot);
        }
        Result<QList<PluginSource>> staged = m_shadows.stage(m_number, newBytes);
        m_clock.lap(QStringLiteral("stage"));
        if (!staged)
            return fail(staged.errors());
        QList<PluginSource> sources;
        qsizetype next = 0;
        for (const PlannedPlugin &planned : m_planner.planned())
            sources.append(planned.reuse ? *planned.reuse : staged.value().at(next++));
        m_candidate = std::make_unique<Generation>(m_number);
        if (m_observer)
            m_candidate->setConstructionObserver(m_observer);

        m_clock.enter(QStringLiteral("load"));
        Status loaded = m_candidate->load(sources, proportional ? m_current : nullptr);
        m_clock.lap(QStringLiteral("load"));
        if (!loaded) {
            // A file that does not load (not a plugin, wrong IID, the loader refuses it, its
            // registration throws) is broken on its own.
            if (!m_planner.takeOut(loaded.errors(), [](const Error &) { return true; }))
                return fail(loaded.errors());
        } else {
            m_clock.enter(QStringLiteral("validate"));
            const Status valid = m_candidate->validate();
            m_clock.lap(QStringLiteral("validate"));
            if (valid)
                return Outcome::Built;
            // A component's own declarations (its key, its factory, what it depends on) are its
            // file's; cycles, duplicates and ambiguities belong to several files at once.
            if (!m_planner.takeOut(valid.errors(), [](const Error &e) {
                    return e.reason() == Error::Reason::InvalidRegistration
                           || e.reason() == Error::Reason::MissingDependency;
                }))
                return fail(valid.errors());
        }
        // The culprits are out of the plan (their previous versions stand in): build again.
        dismantle();
        if (m_planner.nothingToSwap()) {
            m_clock.enter(QStringLiteral("cleanup"));
            m_shadows.remove(m_number);
            m_clock.lap(QStringLiteral("cleanup"));
            return Outcome::NothingNew;
        }
    }
}

CandidateBuilder::Outcome CandidateBuilder::construct()
{
    const bool proportional = m_planner.proportional();
    // construct: a proportional reload keeps the current generation's instances of every
    // component whose library is reused and whose dependencies are all kept; the rest is built.
    m_clock.enter(QStringLiteral("construct"));
    if (Status built = m_candidate->construct(proportional ? m_current : nullptr); !built) {
        m_clock.lap(QStringLiteral("construct"));
        return fail(built.errors());
    }
    m_clock.lap(QStringLiteral("construct"));
    m_record.kept = m_candidate->container().keptKeys();
    m_record.recreated = m_candidate->container().constructedKeys();

    if (m_current) {
        // A kept instance carries its state on by itself: only the others hand theirs over.
        m_clock.enter(QStringLiteral("carry"));
        Errors saveErrors;
        const auto state = m_current->container().saveState(&saveErrors, m_record.kept);
        const StateCarryReport report = m_candidate->container().restoreState(state);
        m_record.carriedState = report.carried;
        m_record.droppedState = report.dropped;
        m_record.errors.append(saveErrors);
        m_record.errors.append(report.errors);
        for (const QString &dropped : report.dropped)
            qCInfo(lcReload) << "state dropped:" << dropped;
        m_clock.lap(QStringLiteral("carry"));
    }

    // Which components came, went, came from a changed plugin file, or were wired differently.
    const GraphDiff diff = Generation::graphDiff(m_current, *m_candidate);
    m_record.added = diff.added;
    m_record.removed = diff.removed;
    m_record.changed = diff.changed;
    m_record.rewired = diff.rewired;
    return Outcome::Built;
}

} // namespace qreload::app
