// The generation snapshot the host sends the supervisor after each reload: whole, or as a delta
// of the one sent before, which must rebuild exactly the same snapshot and carry only what
// changed.

#include <generationsnapshot.h>

#include <QCborArray>
#include <QCborValue>
#include <QTest>

using namespace qreload;
using namespace qreload::app;

namespace {

/*!
 * A snapshot shaped like a scale app: `plugins` plugins of `components` components, each a chain,
 * the first of each depending on the previous plugin's last through a named interface.
 */
GenerationSnapshot chainApp(quint64 number, int plugins, int components)
{
    GenerationSnapshot s;
    s.number = number;
    for (int p = 0; p < plugins; ++p) {
        const QString file = QStringLiteral("/app/plugins/p%1.so").arg(p);
        s.plugins.append(PluginSource{file, QStringLiteral("/shadow/%1/p%2.so").arg(number).arg(p),
                                      QByteArray::number(p)});
        for (int c = 0; c < components; ++c) {
            ComponentInfo info;
            info.key = QStringLiteral("p%1.c%2").arg(p).arg(c);
            info.className = QStringLiteral("scale_p%1::C%2").arg(p).arg(c);
            info.pluginFile = file;
            info.created = true;
            Dependency dependency;
            if (c > 0) {
                dependency = {
                    Dependency::Kind::Component, QStringLiteral("p%1.c%2").arg(p).arg(c - 1), {}};
            } else if (p > 0) {
                dependency = {Dependency::Kind::NamedInterface, QStringLiteral("scale.IStage"),
                              QStringLiteral("p%1").arg(p - 1)};
            }
            if (!dependency.target.isEmpty()) {
                info.dependencies.append(dependency);
                s.edges.append(
                    ComponentEdge{info.key,
                                  c > 0 ? dependency.target
                                        : QStringLiteral("p%1.c%2").arg(p - 1).arg(components - 1),
                                  dependency});
            }
            if (c == components - 1) {
                info.interfaces = {QStringLiteral("scale.IStage")};
                info.qualifier = QStringLiteral("p%1").arg(p);
                info.routes = {QStringLiteral("GET /p%1").arg(p)};
            }
            s.components.append(info);
        }
    }
    return s;
}

//! The delta as the supervisor receives it: through CBOR bytes.
QCborMap overTheWire(const QCborMap &map)
{
    return QCborValue::fromCbor(QCborValue(map).toCbor()).toMap();
}

qsizetype sentComponents(const QCborMap &delta)
{
    return delta.value(QStringLiteral("components")).toArray().size();
}

} // namespace

class tst_GenerationSnapshot : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wholeSnapshotRoundTrips();
    void deltaOfOneChangedPluginCarriesOnlyItsComponents();
    void deltaOfAnUnchangedGraphCarriesNoComponents();
    void deltaAddsRemovesAndRewires();
    void deltaForAnotherBaseIsRefused();
};

void tst_GenerationSnapshot::wholeSnapshotRoundTrips()
{
    const GenerationSnapshot app = chainApp(3, 5, 20);
    const GenerationSnapshot back = GenerationSnapshot::fromCbor(overTheWire(app.toCbor()));
    QVERIFY(back == app);
    QVERIFY(!GenerationSnapshot::isDelta(app.toCbor()));
}

void tst_GenerationSnapshot::deltaOfOneChangedPluginCarriesOnlyItsComponents()
{
    // A one-plugin reload of a 1,000-component app: the last plugin's 20 components have new
    // instances (in the snapshot: a new shadow copy, a new content hash); 980 are as they were.
    const GenerationSnapshot before = chainApp(7, 50, 20);
    GenerationSnapshot after = chainApp(8, 50, 20);
    after.plugins.last().contentHash = "new bytes";
    for (qsizetype i = after.components.size() - 20; i < after.components.size(); ++i)
        after.components[i].className += QStringLiteral("_v2");

    const QCborMap delta = after.deltaCbor(before);
    QVERIFY(GenerationSnapshot::isDelta(delta));
    QCOMPARE(sentComponents(delta), 20);
    QVERIFY(!delta.contains(QStringLiteral("keys"))); // same components, same order
    QVERIFY(delta.value(QStringLiteral("edges")).toArray().isEmpty());
    // A few kilobytes instead of the whole app (the whole one is over 100 KB here).
    QVERIFY2(QCborValue(delta).toCbor().size() * 10 < QCborValue(after.toCbor()).toCbor().size(),
             qPrintable(QString::number(QCborValue(delta).toCbor().size())));

    GenerationSnapshot supervisor = GenerationSnapshot::fromCbor(overTheWire(before.toCbor()));
    QVERIFY(supervisor.applyDeltaCbor(overTheWire(delta)));
    QVERIFY(supervisor == after);
}

void tst_GenerationSnapshot::deltaOfAnUnchangedGraphCarriesNoComponents()
{
    // Reload all of the same files: new instances, the same graph.
    const GenerationSnapshot before = chainApp(1, 5, 20);
    const GenerationSnapshot after = chainApp(2, 5, 20);
    const QCborMap delta = after.deltaCbor(before);
    QCOMPARE(sentComponents(delta), 0);
    GenerationSnapshot supervisor = before;
    QVERIFY(supervisor.applyDeltaCbor(overTheWire(delta)));
    QVERIFY(supervisor == after);
    QCOMPARE(supervisor.number, 2u);
}

void tst_GenerationSnapshot::deltaAddsRemovesAndRewires()
{
    const GenerationSnapshot before = chainApp(4, 3, 4);
    GenerationSnapshot after = chainApp(5, 3, 4);
    // p1.c2 goes; p1.c3 now depends on p1.c1 (rewired, its edge differs); a new p9.c0 arrives
    // first; p0.c0 was created lazily since.
    after.components.removeAt(6);
    for (ComponentEdge &e : after.edges) {
        if (e.from == QLatin1String("p1.c3")) {
            e.to = QStringLiteral("p1.c1");
            e.dependency.target = e.to;
        }
    }
    after.edges.removeIf([](const ComponentEdge &e) { return e.from == QLatin1String("p1.c2"); });
    after.components[6].dependencies.first().target = QStringLiteral("p1.c1");
    ComponentInfo added;
    added.key = QStringLiteral("p9.c0");
    added.className = QStringLiteral("Added");
    added.dependencies = {{Dependency::Kind::Component, QStringLiteral("p0.c3"), {}}};
    after.components.prepend(added);
    after.edges.prepend(
        ComponentEdge{added.key, QStringLiteral("p0.c3"), added.dependencies.first()});
    after.components[1].created = false;

    const QCborMap delta = after.deltaCbor(before);
    QVERIFY(delta.contains(QStringLiteral("keys")));
    QCOMPARE(sentComponents(delta), 3);                                 // p9.c0, p0.c0 and p1.c3
    QCOMPARE(delta.value(QStringLiteral("edges")).toArray().size(), 2); // p9.c0 and p1.c3
    GenerationSnapshot supervisor = before;
    QVERIFY(supervisor.applyDeltaCbor(overTheWire(delta)));
    QVERIFY(supervisor == after);
    QVERIFY(!supervisor.component(QStringLiteral("p1.c2")));
    QCOMPARE(supervisor.components.first().key, QStringLiteral("p9.c0"));
}

void tst_GenerationSnapshot::deltaForAnotherBaseIsRefused()
{
    const GenerationSnapshot first = chainApp(1, 2, 3);
    const GenerationSnapshot second = chainApp(2, 2, 3);
    const GenerationSnapshot third = chainApp(3, 2, 3);
    GenerationSnapshot supervisor = first;
    // A delta of 2 -> 3 does not apply to 1: refused, and 1 is left as it was.
    QVERIFY(!supervisor.applyDeltaCbor(third.deltaCbor(second)));
    QVERIFY(supervisor == first);
}

QTEST_GUILESS_MAIN(tst_GenerationSnapshot)
#include "tst_generationsnapshot.moc"
