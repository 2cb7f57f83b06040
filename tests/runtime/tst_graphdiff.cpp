// The generation diff: added, removed, changed (plugin file changed) and rewired (dependencies or
// what they resolve to changed), from graphs written as specs and from real fixture plugins.
#include <fixturepaths.h>
#include <generation.h>
#include <qreload/graphdiff.h>

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

/*!
 * A container from specs "key|plugin file|dependencies|interfaces": dependencies are
 * comma-separated keys, or `i:<iid>` for an interface; interfaces are IIDs, `!` marks primary.
 * Nothing is constructed: the diff only reads the graph.
 */
void addSpecs(qreload::Container &container, const QStringList &specs)
{
    for (const QString &spec : specs) {
        const QStringList parts = spec.split(QLatin1Char('|'));
        qreload::ComponentDescriptor d;
        d.key = parts.value(0);
        d.className = QStringLiteral("QObject");
        d.pluginFile = parts.value(1);
        for (const QString &dep : parts.value(2).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (dep.startsWith(u"i:"))
                d.dependencies.append({qreload::Dependency::Kind::Interface, dep.mid(2), {}});
            else
                d.dependencies.append({qreload::Dependency::Kind::Component, dep, {}});
        }
        for (QString iid : parts.value(3).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (iid.endsWith(QLatin1Char('!'))) {
                d.primary = true;
                iid.chop(1);
            }
            d.interfaces.append(iid);
        }
        d.factory = [](qreload::Resolver &) {
            return new QObject;
        };
        container.add(std::move(d));
    }
}

} // namespace

class tst_GraphDiff : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { QTest::failOnWarning(QRegularExpression(QStringLiteral(".*"))); }

    void betweenContainers_data();
    void betweenContainers();
    void toJson();
    void firstGenerationAddsEverything();
    void betweenGenerationsUsesContentHashes();

private:
    qreload::PluginSource stage(const char *variant, const QString &origin);

    QTemporaryDir m_dir;
    int m_copies = 0;
};

void tst_GraphDiff::betweenContainers_data()
{
    QTest::addColumn<QStringList>("before");
    QTest::addColumn<QStringList>("after");
    QTest::addColumn<QStringList>("changedFiles");
    QTest::addColumn<QStringList>("added");
    QTest::addColumn<QStringList>("removed");
    QTest::addColumn<QStringList>("changed");
    QTest::addColumn<QStringList>("rewired");

    const QStringList shop{"shop.Repo|repo.so||org.IRepo", "shop.Prices|services.so|i:org.IRepo|",
                           "shop.Cart|services.so|shop.Prices|", "shop.Web|web.so|shop.Cart|"};

    QTest::newRow("same graph, same files") << shop << shop << QStringList{} << QStringList{}
                                            << QStringList{} << QStringList{} << QStringList{};
    QTest::newRow("one plugin file changed: exactly its components")
        << shop << shop << QStringList{"services.so"} << QStringList{} << QStringList{}
        << QStringList{"shop.Cart", "shop.Prices"} << QStringList{};
    QTest::newRow("a file nobody registers from changed")
        << shop << shop << QStringList{"other.so"} << QStringList{} << QStringList{}
        << QStringList{} << QStringList{};
    QTest::newRow("added and removed")
        << shop
        << QStringList{"shop.Repo|repo.so||org.IRepo", "shop.Prices|services.so|i:org.IRepo|",
                       "shop.Cart|services.so|shop.Prices|", "shop.Admin|web.so|shop.Cart|"}
        << QStringList{"web.so"} << QStringList{"shop.Admin"} << QStringList{"shop.Web"}
        << QStringList{} << QStringList{};
    QTest::newRow("component moved to another plugin file")
        << shop
        << QStringList{"shop.Repo|repo.so||org.IRepo", "shop.Prices|repo.so|i:org.IRepo|",
                       "shop.Cart|services.so|shop.Prices|", "shop.Web|web.so|shop.Cart|"}
        << QStringList{} << QStringList{} << QStringList{} << QStringList{"shop.Prices"}
        << QStringList{};
    QTest::newRow("declared dependency changed")
        << shop
        << QStringList{"shop.Repo|repo.so||org.IRepo", "shop.Prices|services.so|i:org.IRepo|",
                       "shop.Cart|services.so|shop.Prices|", "shop.Web|web.so|shop.Prices|"}
        << QStringList{"web.so"} << QStringList{} << QStringList{} << QStringList{"shop.Web"}
        << QStringList{"shop.Web"};
    QTest::newRow("dependency added")
        << shop
        << QStringList{"shop.Repo|repo.so||org.IRepo", "shop.Prices|services.so|i:org.IRepo|",
                       "shop.Cart|services.so|shop.Prices,shop.Repo|", "shop.Web|web.so|shop.Cart|"}
        << QStringList{} << QStringList{} << QStringList{} << QStringList{}
        << QStringList{"shop.Cart"};
    QTest::newRow("a new primary provider rewires the consumers of the interface")
        << shop
        << QStringList{"shop.Repo|repo.so||org.IRepo", "shop.Cache|cache.so||org.IRepo!",
                       "shop.Prices|services.so|i:org.IRepo|", "shop.Cart|services.so|shop.Prices|",
                       "shop.Web|web.so|shop.Cart|"}
        << QStringList{"cache.so"} << QStringList{"shop.Cache"} << QStringList{} << QStringList{}
        << QStringList{"shop.Prices"};
    QTest::newRow("everything removed")
        << shop << QStringList{} << QStringList{} << QStringList{}
        << QStringList{"shop.Cart", "shop.Prices", "shop.Repo", "shop.Web"} << QStringList{}
        << QStringList{};
}

void tst_GraphDiff::betweenContainers()
{
    QFETCH(QStringList, before);
    QFETCH(QStringList, after);
    QFETCH(QStringList, changedFiles);

    qreload::Container older;
    addSpecs(older, before);
    qreload::Container newer;
    addSpecs(newer, after);
    const qreload::GraphDiff diff = qreload::GraphDiff::between(
        older, newer, QSet<QString>(changedFiles.begin(), changedFiles.end()));
    QTEST(diff.added, "added");
    QTEST(diff.removed, "removed");
    QTEST(diff.changed, "changed");
    QTEST(diff.rewired, "rewired");
    QCOMPARE(diff.isEmpty(), diff.added.isEmpty() && diff.removed.isEmpty()
                                 && diff.changed.isEmpty() && diff.rewired.isEmpty());
    // Nothing was constructed to compute it.
    for (const qreload::ComponentInfo &info : newer.components())
        QVERIFY(!info.created);
}

void tst_GraphDiff::toJson()
{
    qreload::GraphDiff diff;
    QVERIFY(diff.isEmpty());
    diff.changed = QStringList{QStringLiteral("shop.Cart")};
    diff.rewired = QStringList{QStringLiteral("shop.Web")};
    QVERIFY(!diff.isEmpty());
    const QJsonObject json = diff.toJson();
    QCOMPARE(json.value(QLatin1String("changed")).toArray(), QJsonArray{"shop.Cart"});
    QCOMPARE(json.value(QLatin1String("rewired")).toArray(), QJsonArray{"shop.Web"});
    QCOMPARE(json.value(QLatin1String("added")).toArray(), QJsonArray{});
    QCOMPARE(json.value(QLatin1String("removed")).toArray(), QJsonArray{});
}

qreload::PluginSource tst_GraphDiff::stage(const char *variant, const QString &origin)
{
    QFile in(fixtures::plugin(variant));
    if (!in.open(QIODevice::ReadOnly))
        qFatal("cannot read fixture %s", variant);
    const QByteArray bytes = in.readAll();
    const QString copy = m_dir.filePath(QStringLiteral("copy%1.so").arg(++m_copies));
    QFile out(copy);
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(copy));
    return {origin, copy, QCryptographicHash::hash(bytes, QCryptographicHash::Blake2b_256)};
}

void tst_GraphDiff::firstGenerationAddsEverything()
{
    qreload::Generation first(1);
    QVERIFY(first
                .load({stage("repo_plugin", QStringLiteral("/plugins/repo.so")),
                       stage("service_plugin", QStringLiteral("/plugins/service.so"))})
                .ok());
    const qreload::GraphDiff diff = qreload::Generation::graphDiff(nullptr, first);
    QCOMPARE(diff.added, (QStringList{"shop.Catalog", "shop.MemoryRepository"}));
    QVERIFY(diff.removed.isEmpty() && diff.changed.isEmpty() && diff.rewired.isEmpty());
}

void tst_GraphDiff::betweenGenerationsUsesContentHashes()
{
    // Two plugin files; the second generation rebuilds only the greeter's, as a user's edit does.
    const QString greeter = QStringLiteral("/plugins/greeter.so");
    const QString repo = QStringLiteral("/plugins/repo.so");
    qreload::Generation first(1);
    QVERIFY(first.load({stage("greeter_v1", greeter), stage("repo_plugin", repo)}).ok());
    qreload::Generation second(2);
    QVERIFY(second.load({stage("greeter_v2", greeter), stage("repo_plugin", repo)}).ok());
    qreload::Generation third(3);
    QVERIFY(third.load({stage("greeter_v2", greeter), stage("repo_plugin", repo)}).ok());

    const qreload::GraphDiff edited = qreload::Generation::graphDiff(&first, second);
    QCOMPARE(edited.changed, QStringList{QStringLiteral("app.services.MyService")});
    QVERIFY(edited.added.isEmpty() && edited.removed.isEmpty() && edited.rewired.isEmpty());

    // Same bytes again (a touch, a rebuild that produced an identical library): nothing changed.
    QVERIFY(qreload::Generation::graphDiff(&second, third).isEmpty());
}

QTEST_GUILESS_MAIN(tst_GraphDiff)
#include "tst_graphdiff.moc"
