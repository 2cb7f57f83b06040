// What the typed registration API writes into component descriptors.
#include <qreload/registry.h>

#include <QTest>

#include <QtPlugin>

class IStorage
{
public:
    virtual ~IStorage() = default;
};
#define IStorage_iid "org.qreload.tests.IStorage/1"
Q_DECLARE_INTERFACE(IStorage, IStorage_iid)

class Disk : public QObject, public IStorage
{
    Q_OBJECT
    Q_INTERFACES(IStorage)
};

class Index : public QObject
{
    Q_OBJECT
};

class Search : public QObject
{
    Q_OBJECT

public:
    Search(Index *index, IStorage *storage, IStorage *cold, QList<IStorage *> all)
        : m_index(index)
        , m_storage(storage)
        , m_cold(cold)
        , m_all(std::move(all))
    {}

    Index *m_index;
    IStorage *m_storage;
    IStorage *m_cold;
    QList<IStorage *> m_all;
};

class tst_Registry : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { QTest::failOnWarning(QRegularExpression(QStringLiteral(".*"))); }

    void dottedKeyKeepsClassAndPlugin()
    {
        qreload::Registry registry(QStringLiteral("/plugins/libgreeter.so"));
        registry.add<Index>(QStringLiteral("app.services.MyService"));
        QCOMPARE(registry.components().size(), size_t(1));
        const qreload::ComponentDescriptor &d = registry.components().front();
        QCOMPARE(d.key, QStringLiteral("app.services.MyService"));
        QCOMPARE(d.className, QStringLiteral("Index"));
        QCOMPARE(d.pluginFile, QStringLiteral("/plugins/libgreeter.so"));
        QCOMPARE(d.scope, qreload::Scope::Singleton);
        QCOMPARE(d.creation, qreload::Creation::Eager);
        QVERIFY(d.dependencies.isEmpty());
        QVERIFY(d.factory);
        QVERIFY(!d.afterConstruct);
        QVERIFY(!d.beforeDestroy);
        QCOMPARE(d.stateVersion, -1);
    }

    void injectionsDeclareDependenciesInConstructorOrder()
    {
        using qreload::Dependency;
        qreload::Registry registry;
        registry.add<Search>(
            QStringLiteral("search.Search"), qreload::inject<Index>(QStringLiteral("search.Index")),
            qreload::one<IStorage>(), qreload::named<IStorage>(QStringLiteral("cold")),
            qreload::all<IStorage>());
        const QList<Dependency> deps = registry.components().front().dependencies;
        const QString iid = QStringLiteral(IStorage_iid);
        const QList<Dependency> expected{
            {Dependency::Kind::Component, QStringLiteral("search.Index"), {}},
            {Dependency::Kind::Interface, iid, {}},
            {Dependency::Kind::NamedInterface, iid, QStringLiteral("cold")},
            {Dependency::Kind::InterfaceList, iid, {}},
        };
        QCOMPARE(deps.size(), expected.size());
        for (qsizetype i = 0; i < deps.size(); ++i)
            QVERIFY2(deps.at(i) == expected.at(i), qPrintable(deps.at(i).display()));
        QCOMPARE(deps.at(0).display(), QStringLiteral("search.Index"));
        QCOMPARE(deps.at(1).display(), QStringLiteral("interface " IStorage_iid));
        QCOMPARE(deps.at(2).display(), QStringLiteral("interface " IStorage_iid " named \"cold\""));
        QCOMPARE(deps.at(3).display(), QStringLiteral("all of interface " IStorage_iid));
    }

    void builderSettings()
    {
        qreload::Registry registry;
        int created = 0;
        int destroyed = 0;
        registry.add<Disk>(QStringLiteral("storage.Disk"))
            .provides<IStorage>()
            .primary()
            .named(QStringLiteral("hot"))
            .lazy()
            .dependsOn(QStringLiteral("storage.Config"))
            .onCreated([&](Disk &) { ++created; })
            .onDestroy([&](Disk &) { ++destroyed; })
            .route(QStringLiteral("/disk"),
                   [](Disk &) { return qreload::Response::text(QStringLiteral("disk")); })
            .carriesState(
                3, [](Disk &) { return QVariant(5); }, [](Disk &, const QVariant &) {});
        registry.add<Index>(QStringLiteral("search.Index")).prototype();

        const qreload::ComponentDescriptor &disk = registry.components().at(0);
        QCOMPARE(disk.interfaces, QStringList{QStringLiteral(IStorage_iid)});
        QVERIFY(disk.primary);
        QCOMPARE(disk.qualifier, QStringLiteral("hot"));
        QCOMPARE(disk.creation, qreload::Creation::Lazy);
        QCOMPARE(disk.scope, qreload::Scope::Singleton);
        QCOMPARE(disk.dependencies.size(), 1);
        QCOMPARE(disk.dependencies.first().target, QStringLiteral("storage.Config"));
        QCOMPARE(disk.routes.size(), 1);
        QCOMPARE(disk.routes.first().method, QByteArray("GET"));
        QCOMPARE(disk.routes.first().path, QStringLiteral("/disk"));
        QCOMPARE(disk.stateVersion, 3);

        Disk instance;
        disk.afterConstruct(&instance);
        disk.beforeDestroy(&instance);
        QCOMPARE(created, 1);
        QCOMPARE(destroyed, 1);
        QCOMPARE(disk.routes.first().handler(&instance, {}).body, QByteArray("disk"));
        QCOMPARE(disk.saveState(&instance), QVariant(5));

        const qreload::ComponentDescriptor &index = registry.components().at(1);
        QCOMPARE(index.scope, qreload::Scope::Prototype);
        QCOMPARE(index.creation, qreload::Creation::Lazy);
    }

    void factoryReplacesConstructor()
    {
        qreload::Registry registry;
        Index *made = nullptr;
        registry.add<Index>(QStringLiteral("search.Index")).factory([&](qreload::Resolver &) {
            made = new Index;
            made->setObjectName(QStringLiteral("from factory"));
            return made;
        });
        std::deque<qreload::ComponentDescriptor> taken = registry.takeComponents();
        QVERIFY(registry.components().empty());
        QCOMPARE(taken.size(), size_t(1));

        struct NoLookups : qreload::Resolver
        {
            QObject *component(const QString &) override { return nullptr; }
            QObject *provider(const char *, const QString &) override { return nullptr; }
            QList<QObject *> providers(const char *) override { return {}; }
        } resolver;
        std::unique_ptr<QObject> object(taken.front().factory(resolver));
        QCOMPARE(object.get(), made);
        QCOMPARE(object->objectName(), QStringLiteral("from factory"));
    }
};

QTEST_GUILESS_MAIN(tst_Registry)
#include "tst_registry.moc"
