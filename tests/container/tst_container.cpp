// The dependency-injection container of one generation, without any plugin file: validation,
// resolution, scopes, hooks, failed construction, thread safety, routes and carried state.
#include <qreload/container.h>
#include <qreload/registry.h>

#include <QRegularExpression>
#include <QTest>

#include <QtPlugin>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <thread>

using qreload::Error;
using Reason = qreload::Error::Reason;

namespace {

//! What the test components did, in order, and how many of them are alive.
struct Journal
{
    static inline QStringList events;
    static inline int live = 0;
    static void reset()
    {
        events.clear();
        live = 0;
    }
};

QStringList reasonNames(const qreload::Errors &errors)
{
    QStringList names;
    for (const Error &error : errors)
        names.append(Error::reasonName(error.reason()));
    names.sort();
    return names;
}

const Error *findError(const qreload::Errors &errors, Reason reason, const QString &component = {})
{
    for (const Error &error : errors) {
        if (error.reason() == reason && (component.isEmpty() || error.component() == component))
            return &error;
    }
    return nullptr;
}

} // namespace

class IStorage
{
public:
    virtual ~IStorage() = default;
    virtual QString name() const = 0;
};
#define IStorage_iid "org.qreload.tests.IStorage/1"
Q_DECLARE_INTERFACE(IStorage, IStorage_iid)

//! Counts itself in Journal and records construction and destruction.
class Tracked : public QObject
{
    Q_OBJECT

public:
    explicit Tracked(const QString &name)
    {
        setObjectName(name);
        ++Journal::live;
        Journal::events.append(QStringLiteral("construct ") + name);
    }
    ~Tracked() override
    {
        --Journal::live;
        Journal::events.append(QStringLiteral("destroy ") + objectName());
    }
};

class Repository : public Tracked
{
    Q_OBJECT

public:
    static inline QString failure; //!< when set, the constructor throws it
    Repository()
        : Tracked(QStringLiteral("Repository"))
    {
        if (!failure.isEmpty())
            throw std::runtime_error(failure.toStdString());
    }
};

class PriceService : public Tracked
{
    Q_OBJECT

public:
    explicit PriceService(Repository *repository)
        : Tracked(QStringLiteral("PriceService"))
        , m_repository(repository)
    {}
    Repository *m_repository;
};

class Checkout : public Tracked
{
    Q_OBJECT

public:
    explicit Checkout(PriceService *prices)
        : Tracked(QStringLiteral("Checkout"))
        , m_prices(prices)
    {}
    PriceService *m_prices;
};

class Clock : public Tracked
{
    Q_OBJECT

public:
    Clock()
        : Tracked(QStringLiteral("Clock"))
    {}
    int ticks = 0;
};

class DiskStorage : public Tracked, public IStorage
{
    Q_OBJECT
    Q_INTERFACES(IStorage)

public:
    DiskStorage()
        : Tracked(QStringLiteral("DiskStorage"))
    {}
    QString name() const override { return QStringLiteral("disk"); }
};

class CloudStorage : public Tracked, public IStorage
{
    Q_OBJECT
    Q_INTERFACES(IStorage)

public:
    CloudStorage()
        : Tracked(QStringLiteral("CloudStorage"))
    {}
    QString name() const override { return QStringLiteral("cloud"); }
};

class Backup : public Tracked
{
    Q_OBJECT

public:
    explicit Backup(IStorage *storage)
        : Tracked(QStringLiteral("Backup"))
        , m_storage(storage)
    {}
    IStorage *m_storage;
};

class Mirror : public Tracked
{
    Q_OBJECT

public:
    explicit Mirror(QList<IStorage *> storages)
        : Tracked(QStringLiteral("Mirror"))
        , m_storages(std::move(storages))
    {}
    QList<IStorage *> m_storages;
};

//! A lazy singleton that makes concurrent first lookups likely to overlap.
class SlowStart : public QObject
{
    Q_OBJECT

public:
    static inline std::atomic<int> constructions = 0;
    SlowStart()
    {
        ++constructions;
        for (int i = 0; i < 2000; ++i)
            std::this_thread::yield();
    }
};

class Counter : public QObject
{
    Q_OBJECT

public:
    int value = 0;
    QString label;
};

struct NotStreamable
{
    int x = 0;
};

class tst_Container : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        Journal::reset();
        Repository::failure.clear();
        SlowStart::constructions = 0;
        // A warning nobody expected is a failure (expected ones use QTest::ignoreMessage).
        QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
    }
    void cleanup() { QCOMPARE(Journal::live, 0); }

    // --- validation --------------------------------------------------------------------------

    void validationReportsOneProblem_data();
    void validationReportsOneProblem();
    void validationReportsEveryProblemAtOnce();
    void eachCycleIsReportedOnce();
    void validGraphValidates();

    // --- keys and interfaces -----------------------------------------------------------------

    void dottedKeyResolvesTyped();
    void interfaceResolution_data();
    void interfaceResolution();
    void allProvidersInRegistrationOrder();
    void unknownKey();

    // --- scopes ------------------------------------------------------------------------------

    void singletonIsSharedAndEager();
    void lazySingletonWaitsForFirstLookup();
    void prototypeMakesOnePerLookupAndDestroysThemAtShutdown();
    void concurrentFirstLookupsConstructOnce();

    // --- hooks and shutdown ------------------------------------------------------------------

    void onCreatedRunsAfterConstruction();
    void shutdownDestroysInReverseCreationOrder();
    void failingDestroyHookDoesNotSkipOthers();
    void shutdownIsIdempotent();
    void lookupsAfterShutdownFail();

    // --- failed construction -----------------------------------------------------------------

    void failedStartDestroysEverythingBuilt_data();
    void failedStartDestroysEverythingBuilt();
    void failedLazyLookupKeepsContainerServing();

    // --- successors (proportional reload) ----------------------------------------------------

    void successorKeepsWhatDidNotChange();

    // --- routes ------------------------------------------------------------------------------

    void serveRoutes();
    void prefixRoutes();

    // --- introspection -----------------------------------------------------------------------

    void dotShowsScopeCreationInterfacesAndEdges();

    // --- carried state -----------------------------------------------------------------------

    void stateCarriedToSuccessor();
    void stateDroppedWhenVersionChanges();
    void lazySuccessorRestoredOnFirstUse();
    void nonStreamableStateReported();
    void throwingRestoreIsReported();

    // --- construction observer ---------------------------------------------------------------
    void observerIsToldBeforeEachPluginCall();
    void observerNamesTheComponentWhoseConstructorFailed();
};

// --- validation ------------------------------------------------------------------------------

void tst_Container::validationReportsOneProblem_data()
{
    QTest::addColumn<QString>("problem");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("component");
    QTest::addColumn<QString>("pluginFile");
    QTest::addColumn<QString>("message");

    QTest::newRow("missing dependency")
        << "missing"
        << "missing-dependency"
        << "shop.OrderService"
        << "libshop.so"
        << "shop.OrderService depends on shop.Inventory, which no plugin provides";
    QTest::newRow("missing interface")
        << "missingInterface"
        << "missing-dependency"
        << "backup.Backup"
        << "libbackup.so"
        << "backup.Backup depends on interface " IStorage_iid ", which no plugin provides";
    QTest::newRow("missing qualifier")
        << "missingNamed"
        << "missing-dependency"
        << "backup.Backup"
        << "libbackup.so"
        << "backup.Backup depends on interface " IStorage_iid " named \"tape\", which no plugin "
           "provides";
    QTest::newRow("duplicate key")
        << "duplicate"
        << "duplicate-key"
        << "shop.Repository"
        << "libone.so"
        << "key shop.Repository is registered 2 times, by libone.so, libtwo.so";
    QTest::newRow("cycle") << "cycle"
                           << "cycle"
                           << "a.A"
                           << "libcycle.so"
                           << "Circular dependency detected: a.A -> b.B -> c.C -> a.A";
    QTest::newRow("self cycle") << "selfCycle"
                                << "cycle"
                                << "a.A"
                                << "libcycle.so"
                                << "Circular dependency detected: a.A -> a.A";
    QTest::newRow("cycle through an interface")
        << "interfaceCycle"
        << "cycle"
        << "backup.Backup"
        << "libbackup.so"
        << "Circular dependency detected: backup.Backup -> storage.Disk -> backup.Backup";
    QTest::newRow("ambiguous interface")
        << "ambiguous"
        << "ambiguous-interface"
        << "backup.Backup"
        << "libbackup.so"
        << "backup.Backup depends on interface " IStorage_iid ", but interface " IStorage_iid
           " is ambiguous: 2 components provide it: storage.Disk (libdisk.so), storage.Cloud "
           "(libcloud.so); mark one primary, give them qualifiers, or inject all of them";
    QTest::newRow("duplicate route")
        << "route"
        << "duplicate-route"
        << "site.Other"
        << "libtwo.so"
        << "route GET /about is served by both site.About (libone.so) and site.Other";
    QTest::newRow("empty key") << "emptyKey"
                               << "invalid-registration"
                               << ""
                               << "libone.so"
                               << "a component of class Clock was registered with an empty key";
    QTest::newRow("no factory") << "noFactory"
                                << "invalid-registration"
                                << "shop.Manual"
                                << "libone.so"
                                << "registered without a factory";
}

namespace {

//! Registers the components that make one validation problem into `container`.
void addProblem(qreload::Container &container, const QString &problem)
{
    using namespace qreload;
    if (problem == u"missing") {
        Registry r(QStringLiteral("libshop.so"));
        r.add<Clock>(QStringLiteral("shop.OrderService"))
            .dependsOn(QStringLiteral("shop.Inventory"));
        container.add(r.takeComponents());
    } else if (problem == u"missingInterface" || problem == u"missingNamed") {
        Registry r(QStringLiteral("libbackup.so"));
        if (problem == u"missingInterface")
            r.add<Backup>(QStringLiteral("backup.Backup"), one<IStorage>());
        else
            r.add<Backup>(QStringLiteral("backup.Backup"), named<IStorage>(QStringLiteral("tape")));
        container.add(r.takeComponents());
        // A provider under another qualifier does not satisfy a named lookup.
        Registry disk(QStringLiteral("libdisk.so"));
        if (problem == u"missingNamed")
            disk.add<DiskStorage>(QStringLiteral("storage.Disk"))
                .provides<IStorage>()
                .named(QStringLiteral("fast"));
        container.add(disk.takeComponents());
    } else if (problem == u"duplicate") {
        Registry one(QStringLiteral("libone.so"));
        one.add<Repository>(QStringLiteral("shop.Repository"));
        Registry two(QStringLiteral("libtwo.so"));
        two.add<Repository>(QStringLiteral("shop.Repository"));
        container.add(one.takeComponents());
        container.add(two.takeComponents());
    } else if (problem == u"cycle") {
        // Registered out of order: the path still starts at the smallest key, reported once.
        Registry r(QStringLiteral("libcycle.so"));
        r.add<Clock>(QStringLiteral("c.C")).dependsOn(QStringLiteral("a.A"));
        r.add<Clock>(QStringLiteral("b.B")).dependsOn(QStringLiteral("c.C"));
        r.add<Clock>(QStringLiteral("a.A")).dependsOn(QStringLiteral("b.B"));
        container.add(r.takeComponents());
    } else if (problem == u"selfCycle") {
        Registry r(QStringLiteral("libcycle.so"));
        r.add<Clock>(QStringLiteral("a.A")).dependsOn(QStringLiteral("a.A"));
        container.add(r.takeComponents());
    } else if (problem == u"interfaceCycle") {
        Registry r(QStringLiteral("libbackup.so"));
        r.add<Backup>(QStringLiteral("backup.Backup"), one<IStorage>());
        r.add<DiskStorage>(QStringLiteral("storage.Disk"))
            .provides<IStorage>()
            .dependsOn(QStringLiteral("backup.Backup"));
        container.add(r.takeComponents());
    } else if (problem == u"ambiguous") {
        Registry r(QStringLiteral("libbackup.so"));
        r.add<Backup>(QStringLiteral("backup.Backup"), one<IStorage>());
        Registry disk(QStringLiteral("libdisk.so"));
        disk.add<DiskStorage>(QStringLiteral("storage.Disk")).provides<IStorage>();
        Registry cloud(QStringLiteral("libcloud.so"));
        cloud.add<CloudStorage>(QStringLiteral("storage.Cloud")).provides<IStorage>();
        container.add(r.takeComponents());
        container.add(disk.takeComponents());
        container.add(cloud.takeComponents());
    } else if (problem == u"route") {
        const auto page = [](Clock &) {
            return Response::text(QStringLiteral("about"));
        };
        Registry one(QStringLiteral("libone.so"));
        one.add<Clock>(QStringLiteral("site.About")).route(QStringLiteral("/about"), page);
        Registry two(QStringLiteral("libtwo.so"));
        two.add<Clock>(QStringLiteral("site.Other")).route(QStringLiteral("/about"), page);
        container.add(one.takeComponents());
        container.add(two.takeComponents());
    } else if (problem == u"emptyKey") {
        Registry r(QStringLiteral("libone.so"));
        r.add<Clock>(QString());
        container.add(r.takeComponents());
    } else if (problem == u"noFactory") {
        Registry r(QStringLiteral("libone.so"));
        ComponentDescriptor d;
        d.key = QStringLiteral("shop.Manual");
        r.addDescriptor(d);
        container.add(r.takeComponents());
    } else {
        QFAIL("unknown problem");
    }
}

} // namespace

void tst_Container::validationReportsOneProblem()
{
    QFETCH(QString, problem);
    QFETCH(QString, reason);
    QFETCH(QString, component);
    QFETCH(QString, pluginFile);
    QFETCH(QString, message);

    qreload::Container container;
    addProblem(container, problem);
    const qreload::Status status = container.validate();
    QCOMPARE(reasonNames(status.errors()), QStringList{reason});
    const Error &error = status.errors().first();
    QCOMPARE(error.message(), message);
    QCOMPARE(error.component(), component);
    QCOMPARE(error.pluginFile(), pluginFile);

    // start() refuses the same graph with the same errors and builds nothing.
    const qreload::Status started = container.start();
    QCOMPARE(reasonNames(started.errors()), QStringList{reason});
    QCOMPARE(Journal::live, 0);
    QVERIFY(container.creationOrder().isEmpty());
}

void tst_Container::validationReportsEveryProblemAtOnce()
{
    const QStringList problems{QStringLiteral("missing"),  QStringLiteral("duplicate"),
                               QStringLiteral("cycle"),    QStringLiteral("ambiguous"),
                               QStringLiteral("route"),    QStringLiteral("emptyKey"),
                               QStringLiteral("noFactory")};
    qreload::Container container;
    for (const QString &problem : problems)
        addProblem(container, problem);

    const qreload::Status status = container.validate();
    QVERIFY(!status.ok());
    QCOMPARE(
        reasonNames(status.errors()),
        (QStringList{QStringLiteral("ambiguous-interface"), QStringLiteral("cycle"),
                     QStringLiteral("duplicate-key"), QStringLiteral("duplicate-route"),
                     QStringLiteral("invalid-registration"), QStringLiteral("invalid-registration"),
                     QStringLiteral("missing-dependency")}));
    const QString all = qreload::joinErrors(status.errors());
    QVERIFY2(all.contains(u"shop.OrderService (libshop.so): shop.OrderService depends on "
                          u"shop.Inventory, which no plugin provides"),
             qPrintable(all));
    QVERIFY2(all.contains(u"Circular dependency detected: a.A -> b.B -> c.C -> a.A"),
             qPrintable(all));
    QVERIFY2(all.contains(u"storage.Disk (libdisk.so), storage.Cloud (libcloud.so)"),
             qPrintable(all));
    QVERIFY(!container.start().ok());
    QCOMPARE(Journal::live, 0);
}

void tst_Container::eachCycleIsReportedOnce()
{
    // Two cycles sharing b.B, reachable from several starting points.
    qreload::Registry r(QStringLiteral("libcycle.so"));
    r.add<Clock>(QStringLiteral("z.Entry")).dependsOn(QStringLiteral("b.B"));
    r.add<Clock>(QStringLiteral("a.A")).dependsOn(QStringLiteral("b.B"));
    r.add<Clock>(QStringLiteral("b.B"))
        .dependsOn(QStringLiteral("a.A"))
        .dependsOn(QStringLiteral("c.C"));
    r.add<Clock>(QStringLiteral("c.C")).dependsOn(QStringLiteral("b.B"));
    qreload::Container container;
    container.add(r.takeComponents());

    QStringList messages;
    for (const Error &error : container.validate().errors()) {
        QCOMPARE(error.reason(), Reason::Cycle);
        messages.append(error.message());
    }
    messages.sort();
    QCOMPARE(messages,
             (QStringList{QStringLiteral("Circular dependency detected: a.A -> b.B -> a.A"),
                          QStringLiteral("Circular dependency detected: b.B -> c.C -> b.B")}));
}

void tst_Container::validGraphValidates()
{
    using namespace qreload;
    Registry r(QStringLiteral("libshop.so"));
    r.add<Checkout>(QStringLiteral("shop.Checkout"),
                    inject<PriceService>(QStringLiteral("shop.PriceService")));
    r.add<PriceService>(QStringLiteral("shop.PriceService"),
                        inject<Repository>(QStringLiteral("shop.Repository")));
    r.add<Repository>(QStringLiteral("shop.Repository"));
    r.add<Mirror>(QStringLiteral("backup.Mirror"), all<IStorage>()); // an empty list is fine
    Container container;
    container.add(r.takeComponents());
    const Status status = container.validate();
    QVERIFY2(status.ok(), qPrintable(joinErrors(status.errors())));
    QCOMPARE(Journal::live, 0); // validation constructs nothing
    QVERIFY(container.start().ok());
    QCOMPARE(container.creationOrder(),
             (QStringList{QStringLiteral("shop.Repository"), QStringLiteral("shop.PriceService"),
                          QStringLiteral("shop.Checkout"), QStringLiteral("backup.Mirror")}));
    QVERIFY(container.shutdown().ok());
}

// --- keys and interfaces ---------------------------------------------------------------------

void tst_Container::dottedKeyResolvesTyped()
{
    using namespace qreload;
    Registry r(QStringLiteral("libgreeter.so"));
    r.add<Repository>(QStringLiteral("app.services.MyService"));
    r.add<PriceService>(QStringLiteral("app.services.Prices"),
                        inject<Repository>(QStringLiteral("app.services.MyService")));
    Container container;
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());

    Result<QObject *> service = container.get(QStringLiteral("app.services.MyService"));
    QVERIFY(service.ok());
    auto *repository = qobject_cast<Repository *>(service.value());
    QVERIFY(repository);
    auto *prices = qobject_cast<PriceService *>(
        container.get(QStringLiteral("app.services.Prices")).value());
    QVERIFY(prices);
    QCOMPARE(prices->m_repository, repository);

    const QList<ComponentInfo> infos = container.components();
    QCOMPARE(infos.first().key, QStringLiteral("app.services.MyService"));
    QCOMPARE(infos.first().className, QStringLiteral("Repository"));
    QCOMPARE(infos.first().pluginFile, QStringLiteral("libgreeter.so"));
    QCOMPARE(container.edges().size(), 1);
    QCOMPARE(container.edges().first().from, QStringLiteral("app.services.Prices"));
    QCOMPARE(container.edges().first().to, QStringLiteral("app.services.MyService"));
}

void tst_Container::interfaceResolution_data()
{
    QTest::addColumn<QStringList>("providers"); // "disk", "cloud", "disk!" (primary), "disk@hot"
    QTest::addColumn<QString>("qualifier");
    QTest::addColumn<QString>("expected"); // the storage name, or the error reason

    QTest::newRow("unique") << QStringList{"disk"} << QString() << "disk";
    QTest::newRow("primary") << QStringList{"disk", "cloud!"} << QString() << "cloud";
    QTest::newRow("ambiguous") << QStringList{"disk", "cloud"} << QString()
                               << "ambiguous-interface";
    QTest::newRow("two primaries")
        << QStringList{"disk!", "cloud!"} << QString() << "ambiguous-interface";
    QTest::newRow("qualifier") << QStringList{"disk@hot", "cloud@cold"} << "cold"
                               << "cloud";
    QTest::newRow("qualifier beats primary") << QStringList{"disk!@hot", "cloud@cold"} << "cold"
                                             << "cloud";
    QTest::newRow("unknown qualifier") << QStringList{"disk@hot"} << "cold"
                                       << "missing-dependency";
    QTest::newRow("missing") << QStringList{} << QString() << "missing-dependency";
}

void tst_Container::interfaceResolution()
{
    QFETCH(QStringList, providers);
    QFETCH(QString, qualifier);
    QFETCH(QString, expected);
    using namespace qreload;

    Container container;
    for (QString spec : providers) {
        Registry r(QStringLiteral("lib%1.so")
                       .arg(spec.section(QLatin1Char('!'), 0, 0).section(QLatin1Char('@'), 0, 0)));
        const QString name = spec.section(QLatin1Char('@'), 0, 0).remove(QLatin1Char('!'));
        const QString named = spec.section(QLatin1Char('@'), 1);
        ComponentDescriptor *d = nullptr;
        if (name == u"disk")
            d = &r.add<DiskStorage>(QStringLiteral("storage.Disk"))
                     .provides<IStorage>()
                     .descriptor();
        else
            d = &r.add<CloudStorage>(QStringLiteral("storage.Cloud"))
                     .provides<IStorage>()
                     .descriptor();
        d->primary = spec.contains(QLatin1Char('!'));
        d->qualifier = named;
        container.add(r.takeComponents());
    }
    // The same lookup as a declared dependency...
    Registry consumer(QStringLiteral("libbackup.so"));
    if (qualifier.isEmpty())
        consumer.add<Backup>(QStringLiteral("backup.Backup"), one<IStorage>());
    else
        consumer.add<Backup>(QStringLiteral("backup.Backup"), named<IStorage>(qualifier));
    container.add(consumer.takeComponents());

    const Status started = container.start();
    // ...and as a direct lookup.
    const Result<QObject *> direct = container.provider(QStringLiteral(IStorage_iid), qualifier);
    if (expected.endsWith(u"-dependency") || expected.endsWith(u"-interface")) {
        QCOMPARE(reasonNames(started.errors()), QStringList{expected});
        QCOMPARE(started.errors().first().component(), QStringLiteral("backup.Backup"));
        QVERIFY(!direct.ok());
        QVERIFY(direct.errors().first().reason() == Reason::ShutDown
                || Error::reasonName(direct.errors().first().reason()) == expected);
        if (expected == u"ambiguous-interface") {
            // Every candidate is listed with its plugin.
            const QString message = started.errors().first().message();
            QVERIFY2(message.contains(u"storage.Disk (libdisk.so")
                         && message.contains(u"storage.Cloud (libcloud.so"),
                     qPrintable(message));
        }
        return;
    }
    QVERIFY2(started.ok(), qPrintable(joinErrors(started.errors())));
    QVERIFY2(direct.ok(), qPrintable(joinErrors(direct.errors())));
    auto *storage = qobject_cast<IStorage *>(direct.value());
    QVERIFY(storage);
    QCOMPARE(storage->name(), expected);
    auto *backup = qobject_cast<Backup *>(container.get(QStringLiteral("backup.Backup")).value());
    QVERIFY(backup);
    QCOMPARE(backup->m_storage, storage);
    QVERIFY(container.shutdown().ok());
}

void tst_Container::allProvidersInRegistrationOrder()
{
    using namespace qreload;
    // Lookups of ambiguous and missing interfaces on a started container (not as dependencies).
    {
        Registry r(QStringLiteral("libstorage.so"));
        r.add<DiskStorage>(QStringLiteral("storage.Disk")).provides<IStorage>();
        r.add<CloudStorage>(QStringLiteral("storage.Cloud")).provides<IStorage>();
        r.add<Mirror>(QStringLiteral("backup.Mirror"), all<IStorage>());
        Container container;
        container.add(r.takeComponents());
        QVERIFY(container.start().ok());
        auto *mirror
            = qobject_cast<Mirror *>(container.get(QStringLiteral("backup.Mirror")).value());
        QVERIFY(mirror);
        QCOMPARE(mirror->m_storages.size(), 2);
        QCOMPARE(mirror->m_storages.at(0)->name(), QStringLiteral("disk"));
        QCOMPARE(mirror->m_storages.at(1)->name(), QStringLiteral("cloud"));

        const Result<QList<QObject *>> list = container.providers(QStringLiteral(IStorage_iid));
        QVERIFY(list.ok());
        QCOMPARE(list.value().size(), 2);
        QCOMPARE(qobject_cast<IStorage *>(list.value().at(1)), mirror->m_storages.at(1));

        const Result<QObject *> one = container.provider(QStringLiteral(IStorage_iid));
        QCOMPARE(reasonNames(one.errors()), QStringList{QStringLiteral("ambiguous-interface")});
        QVERIFY(container.shutdown().ok());
    }
    {
        Container empty;
        QVERIFY(empty.start().ok());
        const Result<QList<QObject *>> none = empty.providers(QStringLiteral(IStorage_iid));
        QVERIFY(none.ok());
        QVERIFY(none.value().isEmpty());
        const Result<QObject *> missing = empty.provider(QStringLiteral(IStorage_iid));
        QCOMPARE(reasonNames(missing.errors()), QStringList{QStringLiteral("missing-dependency")});
        QCOMPARE(missing.errors().first().message(),
                 QStringLiteral("no plugin provides interface " IStorage_iid));
    }
}

void tst_Container::unknownKey()
{
    qreload::Container container;
    QVERIFY(container.start().ok());
    const qreload::Result<QObject *> result = container.get(QStringLiteral("app.services.Nope"));
    QVERIFY(!result.ok());
    QCOMPARE(result.errors().first().reason(), Reason::UnknownComponent);
    QVERIFY(result.errors().first().message().contains(u"app.services.Nope"));
}

// --- scopes ----------------------------------------------------------------------------------

void tst_Container::singletonIsSharedAndEager()
{
    qreload::Registry r;
    r.add<Clock>(QStringLiteral("app.Clock"));
    qreload::Container container;
    container.add(r.takeComponents());
    QVERIFY(container.existingInstance(QStringLiteral("app.Clock")) == nullptr);
    QVERIFY(container.start().ok());
    // Eager: built by start(), before anyone asks.
    QObject *existing = container.existingInstance(QStringLiteral("app.Clock"));
    QVERIFY(existing);
    QCOMPARE(Journal::live, 1);
    QVERIFY(container.components().first().created);
    QCOMPARE(container.get(QStringLiteral("app.Clock")).value(), existing);
    QCOMPARE(container.get(QStringLiteral("app.Clock")).value(), existing);
    QCOMPARE(Journal::live, 1);
    QCOMPARE(container.creationOrder(), QStringList{QStringLiteral("app.Clock")});
    QVERIFY(container.shutdown().ok());
    QCOMPARE(Journal::live, 0);
}

void tst_Container::lazySingletonWaitsForFirstLookup()
{
    qreload::Registry r;
    r.add<Clock>(QStringLiteral("app.Clock")).lazy();
    qreload::Container container;
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    QCOMPARE(Journal::live, 0);
    QVERIFY(!container.components().first().created);
    QCOMPARE(container.components().first().creation, qreload::Creation::Lazy);
    QVERIFY(container.existingInstance(QStringLiteral("app.Clock")) == nullptr);

    QObject *clock = container.get(QStringLiteral("app.Clock")).value();
    QVERIFY(clock);
    QCOMPARE(Journal::live, 1);
    QVERIFY(container.components().first().created);
    QCOMPARE(container.existingInstance(QStringLiteral("app.Clock")), clock);
    QCOMPARE(container.get(QStringLiteral("app.Clock")).value(), clock);
    QVERIFY(container.shutdown().ok());
}

void tst_Container::prototypeMakesOnePerLookupAndDestroysThemAtShutdown()
{
    qreload::Registry r;
    r.add<Clock>(QStringLiteral("app.Clock")).prototype().onDestroy([](Clock &clock) {
        Journal::events.append(QStringLiteral("onDestroy ") + clock.objectName());
    });
    qreload::Container container;
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    QCOMPARE(Journal::live, 0); // a prototype is never made eagerly
    QVERIFY(!container.components().first().created);

    QObject *first = container.get(QStringLiteral("app.Clock")).value();
    QObject *second = container.get(QStringLiteral("app.Clock")).value();
    QVERIFY(first && second);
    QVERIFY(first != second);
    QCOMPARE(Journal::live, 2);
    QVERIFY(container.components().first().created);
    QCOMPARE(container.components().first().scope, qreload::Scope::Prototype);
    QVERIFY(container.existingInstance(QStringLiteral("app.Clock")) == nullptr);

    QVERIFY(container.shutdown().ok());
    QCOMPARE(Journal::live, 0);
    QCOMPARE(Journal::events.count(QStringLiteral("onDestroy Clock")), 2);
}

void tst_Container::concurrentFirstLookupsConstructOnce()
{
    qreload::Registry r;
    r.add<SlowStart>(QStringLiteral("app.Slow")).lazy();
    qreload::Container container;
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    QCOMPARE(SlowStart::constructions.load(), 0);

    constexpr int threads = 16;
    std::latch ready(threads);
    std::vector<QObject *> seen(threads, nullptr);
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
        workers.emplace_back([&, i] {
            ready.arrive_and_wait(); // all threads ask at the same moment
            qreload::Result<QObject *> got = container.get(QStringLiteral("app.Slow"));
            seen[i] = got.ok() ? got.value() : nullptr;
        });
    }
    for (std::thread &worker : workers)
        worker.join();

    QCOMPARE(SlowStart::constructions.load(), 1);
    QVERIFY(seen.front());
    for (QObject *object : seen)
        QCOMPARE(object, seen.front());
    QVERIFY(container.shutdown().ok());
}

// --- hooks and shutdown ----------------------------------------------------------------------

namespace {

//! Checkout -> PriceService -> Repository plus an unrelated Clock, each with both hooks.
void addShop(qreload::Container &container, bool failingPriceHook = false)
{
    using namespace qreload;
    Registry r(QStringLiteral("libshop.so"));
    const auto created = [](QObject &o) {
        Journal::events.append(QStringLiteral("onCreated ") + o.objectName());
    };
    const auto destroying = [](QObject &o) {
        Journal::events.append(QStringLiteral("onDestroy ") + o.objectName());
    };
    r.add<Clock>(QStringLiteral("shop.Clock")).onCreated(created).onDestroy(destroying);
    r.add<Checkout>(QStringLiteral("shop.Checkout"),
                    inject<PriceService>(QStringLiteral("shop.PriceService")))
        .onCreated(created)
        .onDestroy(destroying);
    r.add<PriceService>(QStringLiteral("shop.PriceService"),
                        inject<Repository>(QStringLiteral("shop.Repository")))
        .onCreated(created)
        .onDestroy([=](PriceService &o) {
            destroying(o);
            if (failingPriceHook)
                throw std::runtime_error("flush failed");
        });
    r.add<Repository>(QStringLiteral("shop.Repository")).onCreated(created).onDestroy(destroying);
    container.add(r.takeComponents());
}

} // namespace

void tst_Container::onCreatedRunsAfterConstruction()
{
    qreload::Registry r;
    bool sawDependency = false;
    r.add<PriceService>(QStringLiteral("shop.PriceService"),
                        qreload::inject<Repository>(QStringLiteral("shop.Repository")))
        .onCreated([&](PriceService &prices) {
            // The object is complete: its constructor ran and stored its dependency.
            sawDependency = prices.m_repository != nullptr;
            Journal::events.append(QStringLiteral("onCreated PriceService"));
        });
    r.add<Repository>(QStringLiteral("shop.Repository"));
    qreload::Container container;
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    QVERIFY(sawDependency);
    QCOMPARE(Journal::events, (QStringList{QStringLiteral("construct Repository"),
                                           QStringLiteral("construct PriceService"),
                                           QStringLiteral("onCreated PriceService")}));
    QVERIFY(container.shutdown().ok());
}

void tst_Container::shutdownDestroysInReverseCreationOrder()
{
    qreload::Container container;
    addShop(container);
    QVERIFY(container.start().ok());
    QCOMPARE(container.creationOrder(),
             (QStringList{QStringLiteral("shop.Clock"), QStringLiteral("shop.Repository"),
                          QStringLiteral("shop.PriceService"), QStringLiteral("shop.Checkout")}));
    Journal::events.clear();
    QVERIFY(container.shutdown().ok());
    QVERIFY(container.isShutDown());
    QCOMPARE(Journal::events,
             (QStringList{
                 QStringLiteral("onDestroy Checkout"), QStringLiteral("destroy Checkout"),
                 QStringLiteral("onDestroy PriceService"), QStringLiteral("destroy PriceService"),
                 QStringLiteral("onDestroy Repository"), QStringLiteral("destroy Repository"),
                 QStringLiteral("onDestroy Clock"), QStringLiteral("destroy Clock")}));
    QVERIFY(container.creationOrder().isEmpty());
}

void tst_Container::failingDestroyHookDoesNotSkipOthers()
{
    qreload::Container container;
    addShop(container, /*failingPriceHook=*/true);
    QVERIFY(container.start().ok());
    Journal::events.clear();

    const qreload::Status status = container.shutdown();
    QCOMPARE(reasonNames(status.errors()), QStringList{QStringLiteral("hook-failed")});
    const Error &error = status.errors().first();
    QCOMPARE(error.component(), QStringLiteral("shop.PriceService"));
    QCOMPARE(error.pluginFile(), QStringLiteral("libshop.so"));
    QVERIFY2(error.message().contains(u"flush failed"), qPrintable(error.message()));
    // Every hook ran, every instance is gone, and the failing one was still destroyed.
    QCOMPARE(Journal::events.filter(QStringLiteral("onDestroy")).size(), 4);
    QCOMPARE(Journal::events.filter(QStringLiteral("destroy ")).size(), 4);
    QVERIFY(Journal::events.contains(QStringLiteral("destroy PriceService")));
    QCOMPARE(Journal::live, 0);
}

void tst_Container::shutdownIsIdempotent()
{
    qreload::Container container;
    addShop(container, /*failingPriceHook=*/true);
    QVERIFY(container.start().ok());
    QCOMPARE(container.shutdown().errors().size(), 1);
    const QStringList afterFirst = Journal::events;
    const qreload::Status second = container.shutdown();
    QVERIFY(second.ok());
    QCOMPARE(Journal::events, afterFirst); // nothing destroyed twice, no hook ran again
    QVERIFY(container.isShutDown());
    // start() after shutdown refuses to build a dead generation again.
    QCOMPARE(reasonNames(container.start().errors()), QStringList{QStringLiteral("shut-down")});
    QCOMPARE(Journal::events, afterFirst);
}

void tst_Container::lookupsAfterShutdownFail()
{
    using namespace qreload;
    Container container;
    addShop(container);
    Registry r;
    r.add<DiskStorage>(QStringLiteral("storage.Disk"))
        .provides<IStorage>()
        .route(QStringLiteral("/disk"),
               [](DiskStorage &) { return Response::text(QStringLiteral("up")); });
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    QVERIFY(container.get(QStringLiteral("shop.Checkout")).ok());
    QVERIFY(container.shutdown().ok());

    const Result<QObject *> byKey = container.get(QStringLiteral("shop.Checkout"));
    QVERIFY(!byKey.ok());
    QCOMPARE(byKey.errors().first().reason(), Reason::ShutDown);
    QVERIFY(byKey.errors().first().message().contains(u"shut down"));
    QCOMPARE(container.provider(QStringLiteral(IStorage_iid)).errors().first().reason(),
             Reason::ShutDown);
    QCOMPARE(container.providers(QStringLiteral(IStorage_iid)).errors().first().reason(),
             Reason::ShutDown);
    qreload::Request request;
    request.path = QStringLiteral("/disk");
    QCOMPARE(container.serve(request).errors().first().reason(), Reason::ShutDown);
    QVERIFY(container.existingInstance(QStringLiteral("shop.Checkout")) == nullptr);
    QCOMPARE(Journal::live, 0); // and no lookup built a new one
}

// --- failed construction ---------------------------------------------------------------------

void tst_Container::failedStartDestroysEverythingBuilt_data()
{
    QTest::addColumn<QString>("failure");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("message");

    QTest::newRow("constructor throws")
        << "constructor"
        << "construction-failed"
        << "while creating shop.Checkout -> shop.PriceService -> shop.Repository: the constructor "
           "threw: connection refused";
    QTest::newRow("onCreated throws")
        << "hook"
        << "construction-failed"
        << "while creating shop.Checkout -> shop.PriceService -> shop.Repository: the "
           "after-construct hook threw: schema too old";
    QTest::newRow("factory returns null")
        << "null"
        << "construction-failed"
        << "while creating shop.Checkout -> shop.PriceService -> shop.Repository: the factory "
           "returned null";
    QTest::newRow("undeclared lookup")
        << "undeclared"
        << "undeclared-dependency"
        << "while creating shop.Checkout -> shop.PriceService -> shop.Repository: the factory "
           "looked up shop.Clock, which the component does not declare as a dependency";
}

void tst_Container::failedStartDestroysEverythingBuilt()
{
    QFETCH(QString, failure);
    QFETCH(QString, reason);
    QFETCH(QString, message);
    using namespace qreload;

    Container container;
    Registry r(QStringLiteral("libshop.so"));
    r.add<Clock>(QStringLiteral("shop.Clock")).onDestroy([](Clock &) {
        Journal::events.append(QStringLiteral("onDestroy Clock"));
    });
    r.add<Checkout>(QStringLiteral("shop.Checkout"),
                    inject<PriceService>(QStringLiteral("shop.PriceService")));
    r.add<PriceService>(QStringLiteral("shop.PriceService"),
                        inject<Repository>(QStringLiteral("shop.Repository")));
    auto repository = r.add<Repository>(QStringLiteral("shop.Repository"));
    if (failure == u"constructor") {
        Repository::failure = QStringLiteral("connection refused");
    } else if (failure == u"hook") {
        repository.onCreated([](Repository &) { throw std::runtime_error("schema too old"); });
    } else if (failure == u"null") {
        repository.factory([](Resolver &) -> Repository * { return nullptr; });
    } else if (failure == u"undeclared") {
        repository.factory([](Resolver &resolver) {
            resolver.get<Clock>(QStringLiteral("shop.Clock"));
            return new Repository;
        });
    }
    container.add(r.takeComponents());
    QVERIFY(container.validate().ok()); // the graph is fine: only construction fails

    const Status started = container.start();
    QCOMPARE(reasonNames(started.errors()), QStringList{reason});
    const Error &error = started.errors().first();
    QCOMPARE(error.message(), message);
    QCOMPARE(error.component(), QStringLiteral("shop.Repository"));
    QCOMPARE(error.pluginFile(), QStringLiteral("libshop.so"));

    // The Clock built before the failure is gone, with its hook run; nothing else is alive.
    QCOMPARE(Journal::live, 0);
    QVERIFY(Journal::events.contains(QStringLiteral("construct Clock")));
    QVERIFY(Journal::events.contains(QStringLiteral("onDestroy Clock")));
    QVERIFY(Journal::events.contains(QStringLiteral("destroy Clock")));
    QVERIFY(container.isShutDown());
    QCOMPARE(container.get(QStringLiteral("shop.Clock")).errors().first().reason(),
             Reason::ShutDown);
    QCOMPARE(Journal::live, 0);
}

void tst_Container::failedLazyLookupKeepsContainerServing()
{
    using namespace qreload;
    Registry r(QStringLiteral("libshop.so"));
    r.add<Clock>(QStringLiteral("shop.Clock"));
    r.add<PriceService>(QStringLiteral("shop.PriceService"),
                        inject<Repository>(QStringLiteral("shop.Repository")))
        .lazy();
    r.add<Repository>(QStringLiteral("shop.Repository")).lazy();
    Container container;
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    Repository::failure = QStringLiteral("disk full");
    const Result<QObject *> prices = container.get(QStringLiteral("shop.PriceService"));
    QCOMPARE(reasonNames(prices.errors()), QStringList{QStringLiteral("construction-failed")});
    QCOMPARE(prices.errors().first().message(),
             QStringLiteral("while creating shop.PriceService -> shop.Repository: the "
                            "constructor threw: disk full"));
    // A lazy failure is an error for that lookup, not the end of the generation.
    QVERIFY(!container.isShutDown());
    QVERIFY(container.get(QStringLiteral("shop.Clock")).ok());
    Repository::failure.clear();
    QVERIFY(container.get(QStringLiteral("shop.PriceService")).ok());
    QVERIFY(container.shutdown().ok());
}

// --- routes ----------------------------------------------------------------------------------

void tst_Container::serveRoutes()
{
    using namespace qreload;
    Registry r(QStringLiteral("libgreeter.so"));
    r.add<Clock>(QStringLiteral("app.services.MyService"))
        .lazy()
        .route(QStringLiteral("/"),
               [](Clock &clock) {
                   ++clock.ticks;
                   return Response::html(QStringLiteral("<h1>Hello, Version 1!</h1>"));
               })
        .route(QStringLiteral("/fail"),
               [](Clock &) -> Response { throw std::runtime_error("template missing"); })
        .route(
            QStringLiteral("/echo"),
            [](Clock &, const Request &request) {
                return Response::text(QString::fromUtf8(request.body), 201);
            },
            "POST");
    Container container;
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    QCOMPARE(container.components().first().routes,
             (QStringList{QStringLiteral("GET /"), QStringLiteral("GET /fail"),
                          QStringLiteral("POST /echo")}));
    QCOMPARE(Journal::live, 0);

    Request request;
    request.path = QStringLiteral("/");
    Result<Response> found = container.serve(request);
    QVERIFY2(found.ok(), qPrintable(joinErrors(found.errors())));
    QCOMPARE(found.value().status, 200);
    QCOMPARE(found.value().contentType, QByteArray("text/html; charset=utf-8"));
    QCOMPARE(found.value().body, QByteArray("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(Journal::live, 1); // the lazy owner was created for the request
    auto *clock = qobject_cast<Clock *>(
        container.existingInstance(QStringLiteral("app.services.MyService")));
    QCOMPARE(clock->ticks, 1);

    request.method = "HEAD";
    QVERIFY(container.serve(request).ok());

    request.method = "POST";
    request.path = QStringLiteral("/echo");
    request.body = "ping";
    found = container.serve(request);
    QVERIFY(found.ok());
    QCOMPARE(found.value().status, 201);
    QCOMPARE(found.value().body, QByteArray("ping"));

    request.method = "GET"; // /echo only answers POST
    const Result<Response> wrongMethod = container.serve(request);
    QCOMPARE(reasonNames(wrongMethod.errors()), QStringList{QStringLiteral("route-not-found")});

    request.path = QStringLiteral("/nowhere");
    const Result<Response> missing = container.serve(request);
    QCOMPARE(reasonNames(missing.errors()), QStringList{QStringLiteral("route-not-found")});
    QVERIFY(missing.errors().first().message().contains(u"/nowhere"));

    request.path = QStringLiteral("/fail");
    const Result<Response> failed = container.serve(request);
    QCOMPARE(reasonNames(failed.errors()), QStringList{QStringLiteral("route-failed")});
    QCOMPARE(failed.errors().first().component(), QStringLiteral("app.services.MyService"));
    QCOMPARE(failed.errors().first().pluginFile(), QStringLiteral("libgreeter.so"));
    QCOMPARE(failed.errors().first().message(),
             QStringLiteral("app.services.MyService threw while serving GET /fail: template "
                            "missing"));
    // A failing handler does not break the component or the other routes.
    request.path = QStringLiteral("/");
    QVERIFY(container.serve(request).ok());
    QCOMPARE(clock->ticks, 3);
    QVERIFY(container.shutdown().ok());
}

void tst_Container::prefixRoutes()
{
    using namespace qreload;
    const auto answer = [](const QString &who) {
        return [who](Clock &, const Request &request) {
            return Response::text(who + QLatin1Char(' ') + request.path);
        };
    };
    Registry r(QStringLiteral("libapi.so"));
    r.add<Clock>(QStringLiteral("api.Any"))
        .route(QStringLiteral("/api/*"), answer(QStringLiteral("any")));
    r.add<Clock>(QStringLiteral("api.Health"))
        .route(QStringLiteral("/api/health"), answer(QStringLiteral("health")));
    r.add<Clock>(QStringLiteral("api.Admin"))
        .route(QStringLiteral("/api/admin/*"), answer(QStringLiteral("admin")));
    Container container;
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());

    const auto serve = [&](const QString &path) -> QString {
        Request request;
        request.path = path;
        Result<Response> response = container.serve(request);
        return response.ok() ? QString::fromUtf8(response.value().body)
                             : Error::reasonName(response.errors().first().reason());
    };
    QCOMPARE(serve(QStringLiteral("/api/users")), QStringLiteral("any /api/users"));
    QCOMPARE(serve(QStringLiteral("/api/users/7")), QStringLiteral("any /api/users/7"));
    QCOMPARE(serve(QStringLiteral("/api/")), QStringLiteral("any /api/"));
    // An exact route wins over a prefix, whatever the registration order.
    QCOMPARE(serve(QStringLiteral("/api/health")), QStringLiteral("health /api/health"));
    // The most specific prefix wins, whatever the registration order.
    QCOMPARE(serve(QStringLiteral("/api/admin/users")), QStringLiteral("admin /api/admin/users"));
    QCOMPARE(serve(QStringLiteral("/api/administrator")), QStringLiteral("any /api/administrator"));
    QCOMPARE(serve(QStringLiteral("/apix")), QStringLiteral("route-not-found"));
    QCOMPARE(serve(QStringLiteral("/")), QStringLiteral("route-not-found"));
    // routeOwner() names the very component serve() calls (the live-reload tag of a page says
    // which component answered it), and creates nothing.
    const QHash<QString, QString> keyOf{{QStringLiteral("any"), QStringLiteral("api.Any")},
                                        {QStringLiteral("health"), QStringLiteral("api.Health")},
                                        {QStringLiteral("admin"), QStringLiteral("api.Admin")}};
    for (const QString &path :
         {QStringLiteral("/api/users"), QStringLiteral("/api/"), QStringLiteral("/api/health"),
          QStringLiteral("/api/admin/users"), QStringLiteral("/api/admin/*"),
          QStringLiteral("/api/administrator"), QStringLiteral("/apix")}) {
        const QString answered = keyOf.value(serve(path).section(QLatin1Char(' '), 0, 0));
        QCOMPARE(container.routeOwner("GET", path), answered);
        QCOMPARE(container.routeOwner("HEAD", path), answered);
        QCOMPARE(container.routeOwner("POST", path), QString());
    }
    QVERIFY(container.shutdown().ok());
}

// --- carried state ---------------------------------------------------------------------------

namespace {

void addCounter(qreload::Container &container, int version, bool lazy = false)
{
    qreload::Registry r(QStringLiteral("libcounter.so"));
    auto builder = r.add<Counter>(QStringLiteral("app.Counter"))
                       .carriesState(
                           version,
                           [](Counter &c) {
                               return QVariant(QStringList{QString::number(c.value), c.label});
                           },
                           [](Counter &c, const QVariant &state) {
                               const QStringList saved = state.toStringList();
                               c.value = saved.value(0).toInt();
                               c.label = saved.value(1);
                           });
    if (lazy)
        builder.lazy();
    container.add(r.takeComponents());
}

Counter *counter(qreload::Container &container)
{
    return qobject_cast<Counter *>(container.get(QStringLiteral("app.Counter")).value());
}

} // namespace

void tst_Container::stateCarriedToSuccessor()
{
    QHash<QString, qreload::CarriedState> saved;
    {
        qreload::Container old;
        addCounter(old, 1);
        QVERIFY(old.start().ok());
        QCOMPARE(old.components().first().stateVersion, 1);
        counter(old)->value = 7;
        counter(old)->label = QStringLiteral("seven");
        qreload::Errors errors;
        saved = old.saveState(&errors);
        QVERIFY(errors.isEmpty());
        QVERIFY(old.shutdown().ok()); // the saved state must not depend on the old instances
    }
    QCOMPARE(saved.size(), 1);
    QCOMPARE(saved.value(QStringLiteral("app.Counter")).version, 1);

    qreload::Container successor;
    addCounter(successor, 1);
    QVERIFY(successor.start().ok());
    const qreload::StateCarryReport report = successor.restoreState(saved);
    QCOMPARE(report.carried, QStringList{QStringLiteral("app.Counter")});
    QVERIFY(report.dropped.isEmpty());
    QVERIFY(report.errors.isEmpty());
    QCOMPARE(counter(successor)->value, 7);
    QCOMPARE(counter(successor)->label, QStringLiteral("seven"));
}

void tst_Container::stateDroppedWhenVersionChanges()
{
    qreload::Container old;
    addCounter(old, 1);
    QVERIFY(old.start().ok());
    counter(old)->value = 7;
    qreload::Errors errors;
    const auto saved = old.saveState(&errors);

    qreload::Container successor;
    addCounter(successor, 2);
    QVERIFY(successor.start().ok());
    const qreload::StateCarryReport report = successor.restoreState(saved);
    QVERIFY(report.carried.isEmpty());
    QCOMPARE(report.dropped,
             QStringList{QStringLiteral("app.Counter: state version changed from 1 to 2")});
    QCOMPARE(counter(successor)->value, 0);

    // And a successor without the component at all.
    qreload::Container unrelated;
    QVERIFY(unrelated.start().ok());
    const qreload::StateCarryReport gone = unrelated.restoreState(saved);
    QCOMPARE(gone.dropped, QStringList{QStringLiteral(
                               "app.Counter: no component with this key in the new generation")});
}

void tst_Container::lazySuccessorRestoredOnFirstUse()
{
    qreload::Container old;
    addCounter(old, 1);
    QVERIFY(old.start().ok());
    counter(old)->value = 42;
    qreload::Errors errors;
    const auto saved = old.saveState(&errors);

    qreload::Container successor;
    addCounter(successor, 1, /*lazy=*/true);
    QVERIFY(successor.start().ok());
    const qreload::StateCarryReport report = successor.restoreState(saved);
    QCOMPARE(report.carried, QStringList{QStringLiteral("app.Counter")});
    QVERIFY(successor.existingInstance(QStringLiteral("app.Counter")) == nullptr);
    QCOMPARE(counter(successor)->value, 42);
}

void tst_Container::nonStreamableStateReported()
{
    qreload::Registry r(QStringLiteral("libcounter.so"));
    r.add<Counter>(QStringLiteral("app.Counter"))
        .carriesState(
            1, [](Counter &) { return QVariant::fromValue(NotStreamable{3}); },
            [](Counter &, const QVariant &) {});
    qreload::Container old;
    old.add(r.takeComponents());
    QVERIFY(old.start().ok());

    // Refused by its type, without streaming it (Qt would warn "unable to save type").
    qreload::Errors errors;
    const auto saved = old.saveState(&errors);
    QVERIFY(saved.isEmpty());
    QCOMPARE(reasonNames(errors), QStringList{QStringLiteral("state-carry-failed")});
    QCOMPARE(errors.first().component(), QStringLiteral("app.Counter"));
    QCOMPARE(errors.first().pluginFile(), QStringLiteral("libcounter.so"));
    QVERIFY2(errors.first().message().contains(u"NotStreamable"),
             qPrintable(errors.first().message()));
}

void tst_Container::throwingRestoreIsReported()
{
    qreload::Container old;
    addCounter(old, 1);
    QVERIFY(old.start().ok());
    qreload::Errors errors;
    const auto saved = old.saveState(&errors);
    QVERIFY(errors.isEmpty());

    qreload::Registry r(QStringLiteral("libcounter.so"));
    r.add<Counter>(QStringLiteral("app.Counter"))
        .carriesState(
            1, [](Counter &) { return QVariant(); },
            [](Counter &, const QVariant &) { throw std::runtime_error("bad format"); });
    qreload::Container successor;
    successor.add(r.takeComponents());
    QVERIFY(successor.start().ok());
    const qreload::StateCarryReport report = successor.restoreState(saved);
    QVERIFY(report.carried.isEmpty());
    QCOMPARE(report.dropped, QStringList{QStringLiteral("app.Counter: restore failed")});
    QCOMPARE(reasonNames(report.errors), QStringList{QStringLiteral("state-carry-failed")});
    QVERIFY(report.errors.first().message().contains(u"bad format"));
    // The component itself still serves.
    QVERIFY(counter(successor));
}

// --- introspection ---------------------------------------------------------------------------

void tst_Container::dotShowsScopeCreationInterfacesAndEdges()
{
    using namespace qreload;
    Container container;
    Registry r(QStringLiteral("libbackup.so"));
    r.add<DiskStorage>(QStringLiteral("storage.Disk")).provides<IStorage>();
    r.add<Backup>(QStringLiteral("backup.Backup"), one<IStorage>()).lazy();
    r.add<Clock>(QStringLiteral("app.Clock")).prototype();
    container.add(r.takeComponents());
    addCounter(container, 3);
    QVERIFY(container.start().ok());

    const QString dot = container.toDot();
    QVERIFY2(dot.startsWith(u"digraph components {"), qPrintable(dot));
    const QStringList expected{
        R"(  "storage.Disk" [label="storage.Disk\nDiskStorage\nsingleton\nprovides )" IStorage_iid
        R"(", tooltip="libbackup.so"];)",
        R"(  "backup.Backup" [label="backup.Backup\nBackup\nsingleton, lazy, not yet created", )"
        R"(tooltip="libbackup.so", style=dashed];)",
        R"(  "app.Clock" [label="app.Clock\nClock\nprototype, not yet created", )"
        R"(tooltip="libbackup.so", style=dashed];)",
        R"(  "app.Counter" [label="app.Counter\nCounter\nsingleton\ncarries state v3", )"
        R"(tooltip="libcounter.so"];)",
        R"(  "backup.Backup" -> "storage.Disk" [style=dashed, label="interface )" IStorage_iid
        R"("];)",
    };
    for (const QString &line : expected)
        QVERIFY2(dot.contains(line + QLatin1Char('\n')),
                 qPrintable(line + QStringLiteral("\nnot in\n") + dot));

    // Once the lazy component is used, it is drawn as created.
    QVERIFY(container.get(QStringLiteral("backup.Backup")).ok());
    QVERIFY(container.toDot().contains(
        R"(  "backup.Backup" [label="backup.Backup\nBackup\nsingleton, lazy", )"
        R"(tooltip="libbackup.so"];)"));
    QVERIFY(container.shutdown().ok());
}

// --- construction observer -------------------------------------------------------------------

namespace {

//! Records each observed call in the Journal, so its order against the calls themselves shows.
qreload::ConstructionObserver journalObserver()
{
    return [](const QString &key, qreload::PluginCall call) {
        Journal::events.append(QStringLiteral("about to %1 %2")
                                   .arg(qreload::pluginCallName(call), key.section(u'.', -1)));
    };
}

} // namespace

void tst_Container::observerIsToldBeforeEachPluginCall()
{
    qreload::Container container;
    addShop(container);
    container.setConstructionObserver(journalObserver());
    QVERIFY(container.start().ok());
    QCOMPARE(
        Journal::events,
        (QStringList{
            QStringLiteral("about to factory Clock"), QStringLiteral("construct Clock"),
            QStringLiteral("about to after-construct Clock"), QStringLiteral("onCreated Clock"),
            QStringLiteral("about to factory Repository"), QStringLiteral("construct Repository"),
            QStringLiteral("about to after-construct Repository"),
            QStringLiteral("onCreated Repository"), QStringLiteral("about to factory PriceService"),
            QStringLiteral("construct PriceService"),
            QStringLiteral("about to after-construct PriceService"),
            QStringLiteral("onCreated PriceService"), QStringLiteral("about to factory Checkout"),
            QStringLiteral("construct Checkout"),
            QStringLiteral("about to after-construct Checkout"),
            QStringLiteral("onCreated Checkout")}));
    Journal::events.clear();
    QVERIFY(container.shutdown().ok());
    QCOMPARE(Journal::events.mid(0, 3), (QStringList{QStringLiteral("about to destroy Checkout"),
                                                     QStringLiteral("onDestroy Checkout"),
                                                     QStringLiteral("destroy Checkout")}));
    QCOMPARE(Journal::events.size(), 12);

    // Carried state: the save and restore functions are plugin code as well.
    qreload::Container old;
    addCounter(old, 1);
    qreload::Container successor;
    addCounter(successor, 1);
    old.setConstructionObserver(journalObserver());
    successor.setConstructionObserver(journalObserver());
    QVERIFY(old.start().ok());
    QVERIFY(successor.start().ok());
    Journal::events.clear();
    qreload::Errors errors;
    QCOMPARE(successor.restoreState(old.saveState(&errors)).carried,
             QStringList{QStringLiteral("app.Counter")});
    QCOMPARE(Journal::events, (QStringList{QStringLiteral("about to save-state Counter"),
                                           QStringLiteral("about to restore-state Counter")}));

    // Unset again: nothing is told.
    Journal::events.clear();
    old.setConstructionObserver({});
    QVERIFY(old.shutdown().ok());
    QVERIFY(Journal::events.isEmpty());
}

void tst_Container::observerNamesTheComponentWhoseConstructorFailed()
{
    // What a crash handler would read: the last component the observer was told about is the
    // one whose constructor was running.
    Repository::failure = QStringLiteral("database unreachable");
    qreload::Container container;
    addShop(container);
    QString lastKey;
    qreload::PluginCall lastCall = qreload::PluginCall::Load;
    container.setConstructionObserver([&](const QString &key, qreload::PluginCall call) {
        if (call != qreload::PluginCall::Destroy) {
            lastKey = key;
            lastCall = call;
        }
    });
    const qreload::Status started = container.start();
    QVERIFY(!started.ok());
    QCOMPARE(lastKey, QStringLiteral("shop.Repository"));
    QCOMPARE(lastCall, qreload::PluginCall::Factory);
    QCOMPARE(started.errors().first().component(), lastKey);
}

void tst_Container::successorKeepsWhatDidNotChange()
{
    using qreload::Container;
    using Descriptors = std::vector<std::shared_ptr<qreload::ComponentDescriptor>>;
    // What a plugin library registered once, shared by every container that uses it.
    const auto registered = [](const auto &build) {
        qreload::Registry registry(QStringLiteral("plugin.so"));
        build(registry);
        Descriptors out;
        for (qreload::ComponentDescriptor &d : registry.takeComponents())
            out.push_back(Container::shared(std::move(d)));
        return out;
    };
    const auto add = [](Container &container, const Descriptors &descriptors) {
        for (const auto &descriptor : descriptors)
            container.add(descriptor);
    };
    const Descriptors disk = registered([](qreload::Registry &r) {
        r.add<DiskStorage>(QStringLiteral("disk")).provides<IStorage>();
    });
    const Descriptors services = registered([](qreload::Registry &r) {
        r.add<Backup>(QStringLiteral("backup"), qreload::one<IStorage>())
            .onCreated([](Backup &) { Journal::events.append(QStringLiteral("created backup")); })
            .onDestroy(
                [](Backup &) { Journal::events.append(QStringLiteral("destroying backup")); });
        r.add<Repository>(QStringLiteral("repo"));
        r.add<PriceService>(QStringLiteral("prices"),
                            qreload::inject<Repository>(QStringLiteral("repo")));
    });
    const Descriptors cloud = registered([](qreload::Registry &r) {
        r.add<CloudStorage>(QStringLiteral("cloud")).provides<IStorage>().primary();
    });

    Container first;
    add(first, disk);
    add(first, services);
    QVERIFY(first.start());
    QObject *backup = first.existingInstance(QStringLiteral("backup"));

    // The same registrations: every instance is kept, no factory or hook runs, and the
    // predecessor's shutdown only lets go of them.
    Container second;
    add(second, disk);
    add(second, services);
    Journal::events.clear();
    QVERIFY(second.start(&first));
    QCOMPARE(second.keptKeys(), (QStringList{QStringLiteral("backup"), QStringLiteral("disk"),
                                             QStringLiteral("prices"), QStringLiteral("repo")}));
    QVERIFY(second.constructedKeys().isEmpty());
    QCOMPARE(second.existingInstance(QStringLiteral("backup")), backup);
    QVERIFY(first.shutdown());
    QVERIFY2(Journal::events.isEmpty(), qPrintable(Journal::events.join(QLatin1String(", "))));
    QCOMPARE(Journal::live, 4);
    QCOMPARE(second.get(QStringLiteral("backup")).value(), backup);

    // A new primary provider of IStorage: backup is wired to another provider, so it is built
    // anew; the others, whose dependencies did not change, are kept.
    Container third;
    add(third, disk);
    add(third, services);
    add(third, cloud);
    QVERIFY(third.start(&second));
    QCOMPARE(third.keptKeys(), (QStringList{QStringLiteral("disk"), QStringLiteral("prices"),
                                            QStringLiteral("repo")}));
    QCOMPARE(third.constructedKeys(),
             (QStringList{QStringLiteral("backup"), QStringLiteral("cloud")}));
    auto *rewired = qobject_cast<Backup *>(third.existingInstance(QStringLiteral("backup")));
    QVERIFY(rewired && rewired != backup);
    QCOMPARE(rewired->m_storage->name(), QStringLiteral("cloud"));
    QCOMPARE(third.existingInstance(QStringLiteral("repo")),
             second.existingInstance(QStringLiteral("repo")));
    Journal::events.clear();
    QVERIFY(second.shutdown()); // destroys what only it held: the replaced backup
    QCOMPARE(Journal::events,
             (QStringList{QStringLiteral("destroying backup"), QStringLiteral("destroy Backup")}));

    // A successor that fails leaves the kept instances as they were; what it built is gone.
    const Descriptors broken
        = registered([](qreload::Registry &r) { r.add<Repository>(QStringLiteral("broken")); });
    Container fourth;
    add(fourth, disk);
    add(fourth, services);
    add(fourth, cloud);
    add(fourth, broken);
    Repository::failure = QStringLiteral("no database");
    Journal::events.clear();
    const qreload::Status started = fourth.start(&third);
    QVERIFY(!started);
    QVERIFY(findError(started.errors(), Reason::ConstructionFailed, QStringLiteral("broken")));
    QCOMPARE(Journal::events, (QStringList{QStringLiteral("construct Repository"),
                                           QStringLiteral("destroy Repository")}));
    QCOMPARE(Journal::live, 5);
    QCOMPARE(third.get(QStringLiteral("backup")).value(), rewired);
    Repository::failure.clear();
    QVERIFY(third.shutdown());
    QCOMPARE(Journal::live, 0);
}

QTEST_GUILESS_MAIN(tst_Container)
#include "tst_container.moc"
