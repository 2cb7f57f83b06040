// Introspection of components through their QMetaObject (Container::details) and calls of their
// invokable methods (Container::invoke), as the console's inspector and the preview server use
// them.
#include <fixturepaths.h>
#include <generation.h>
#include <qreload/componentdetails.h>
#include <qreload/registry.h>

#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <stdexcept>

using Reason = qreload::Error::Reason;

//! A value type with properties, one of them an enum.
class Dimensions
{
    Q_GADGET
    Q_PROPERTY(int width MEMBER width)
    Q_PROPERTY(QList<int> margins MEMBER margins)

public:
    int width = 80;
    QList<int> margins{1, 2};
};

//! Properties and methods of types that are not Qt's built-in ones.
class Styled : public QObject
{
    Q_OBJECT
    Q_PROPERTY(Mode mode READ mode)
    Q_PROPERTY(Options options READ options)
    Q_PROPERTY(Dimensions dimensions READ dimensions)
    Q_PROPERTY(QList<Dimensions> history READ history)
    Q_PROPERTY(QObject *helper READ helper)
    Q_PROPERTY(Styled *self READ self)

public:
    enum Mode { Plain, Fancy };
    Q_ENUM(Mode)
    enum Option { Bold = 1, Italic = 2 };
    Q_DECLARE_FLAGS(Options, Option)
    Q_FLAG(Options)

    Styled() { setObjectName(QStringLiteral("styled")); }
    Mode mode() const { return Fancy; }
    Options options() const { return Italic; }
    Dimensions dimensions() const { return {}; }
    QList<Dimensions> history() const { return {Dimensions{}, Dimensions{}}; }
    QObject *helper() const { return nullptr; }
    Styled *self() const { return const_cast<Styled *>(this); }
    Q_INVOKABLE Mode nextMode() const { return Fancy; }
    Q_INVOKABLE Options allOptions() const { return Options(Bold) | Italic; }
};

class Basket : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int count READ count WRITE setCount NOTIFY countChanged)
    Q_PROPERTY(QString owner READ owner CONSTANT)
    Q_PROPERTY(QStringList items READ items)

public:
    static inline int constructed = 0;
    Basket() { ++constructed; }

    int count() const { return m_count; }
    void setCount(int count)
    {
        if (count != m_count) {
            m_count = count;
            Q_EMIT countChanged(count);
        }
    }
    QString owner() const { return QStringLiteral("ada"); }
    QStringList items() const { return {QStringLiteral("apple"), QStringLiteral("pear")}; }

    Q_INVOKABLE int add(int amount, const QString &why = {})
    {
        Q_UNUSED(why);
        setCount(m_count + amount);
        return m_count;
    }
    Q_INVOKABLE QString describe() const { return QStringLiteral("%1 items").arg(m_count); }
    Q_INVOKABLE void fail() { throw std::runtime_error("basket is on fire"); }

public Q_SLOTS:
    void clear() { setCount(0); }

Q_SIGNALS:
    void countChanged(int count);

private Q_SLOTS:
    void secret() {}

private:
    int m_count = 0;
};

class tst_ComponentDetails : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        Basket::constructed = 0;
        QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
    }

    void detailsOfACreatedSingleton();
    void detailsNeverCreateALazyComponent();
    void detailsOfPrototypesCountLiveInstances();
    void detailsOfUnknownKey();
    void detailsToJson();
    void detailsOutliveTheLibrary();
    void valuesOfOtherTypesArriveAsBuiltInTypes();

    void invoke_data();
    void invoke();
    void invokeCreatesALazyComponent();
    void invokeAfterShutdownFails();
};

namespace {

const qreload::ComponentDetails::Property *findProperty(const qreload::ComponentDetails &details,
                                                        const QString &name)
{
    for (const auto &p : details.properties) {
        if (p.name == name)
            return &p;
    }
    return nullptr;
}

QStringList methodDisplays(const qreload::ComponentDetails &details)
{
    QStringList out;
    for (const auto &m : details.methods)
        out.append(qreload::ComponentDetails::kindName(m.kind) + QLatin1Char(' ')
                   + qreload::ComponentDetails::display(m));
    return out;
}

} // namespace

void tst_ComponentDetails::detailsOfACreatedSingleton()
{
    qreload::Container container;
    qreload::Registry r(QStringLiteral("libshop.so"));
    r.add<Basket>(QStringLiteral("shop.Basket"));
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    qobject_cast<Basket *>(container.get(QStringLiteral("shop.Basket")).value())->setCount(3);

    const qreload::Result<qreload::ComponentDetails> result
        = container.details(QStringLiteral("shop.Basket"));
    QVERIFY2(result.ok(), qPrintable(qreload::joinErrors(result.errors())));
    const qreload::ComponentDetails &details = result.value();
    QCOMPARE(details.info.key, QStringLiteral("shop.Basket"));
    QCOMPARE(details.info.pluginFile, QStringLiteral("libshop.so"));
    QVERIFY(details.instantiated);
    QCOMPARE(details.liveInstances, 1);
    QCOMPARE(details.instanceClass, QStringLiteral("Basket"));

    // The component's own properties, with current values; QObject's objectName is left out.
    QStringList names;
    for (const auto &p : details.properties)
        names.append(p.name);
    QCOMPARE(names, (QStringList{"count", "owner", "items"}));
    QCOMPARE(findProperty(details, QStringLiteral("count"))->type, QStringLiteral("int"));
    QCOMPARE(findProperty(details, QStringLiteral("count"))->value, QVariant(3));
    QVERIFY(findProperty(details, QStringLiteral("count"))->writable);
    QCOMPARE(findProperty(details, QStringLiteral("count"))->notifySignal,
             QStringLiteral("countChanged(int)"));
    QCOMPARE(findProperty(details, QStringLiteral("owner"))->value,
             QVariant(QStringLiteral("ada")));
    QVERIFY(!findProperty(details, QStringLiteral("owner"))->writable);
    QCOMPARE(findProperty(details, QStringLiteral("items"))->value.toStringList(),
             (QStringList{"apple", "pear"}));

    // Public and protected methods in declaration order (moc: signals, slots, then invokables);
    // the private slot and QObject's own methods are not offered.
    QCOMPARE(
        methodDisplays(details),
        (QStringList{"signal void countChanged(int count)", "slot void clear()",
                     "invokable int add(int amount, QString why)", "invokable int add(int amount)",
                     "invokable QString describe()", "invokable void fail()"}));
    QVERIFY(container.shutdown().ok());
}

void tst_ComponentDetails::detailsNeverCreateALazyComponent()
{
    qreload::Container container;
    qreload::Registry r;
    r.add<Basket>(QStringLiteral("shop.Basket")).lazy();
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());

    const auto details = container.details(QStringLiteral("shop.Basket"));
    QVERIFY(details.ok());
    QVERIFY(!details.value().instantiated);
    QVERIFY(!details.value().info.created);
    QCOMPARE(details.value().info.creation, qreload::Creation::Lazy);
    QCOMPARE(details.value().info.className, QStringLiteral("Basket"));
    // Its class's properties (without values) and methods, from the class alone.
    QVERIFY(!details.value().properties.isEmpty());
    for (const qreload::ComponentDetails::Property &property : details.value().properties)
        QVERIFY2(!property.value.isValid(), qPrintable(property.name));
    QVERIFY(!details.value().methods.isEmpty());
    QCOMPARE(Basket::constructed, 0);
    QVERIFY(container.existingInstance(QStringLiteral("shop.Basket")) == nullptr);

    QVERIFY(container.get(QStringLiteral("shop.Basket")).ok());
    QVERIFY(container.details(QStringLiteral("shop.Basket")).value().instantiated);
    QCOMPARE(Basket::constructed, 1);
}

void tst_ComponentDetails::detailsOfPrototypesCountLiveInstances()
{
    qreload::Container container;
    qreload::Registry r;
    r.add<Basket>(QStringLiteral("shop.Basket")).prototype();
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    QCOMPARE(container.details(QStringLiteral("shop.Basket")).value().liveInstances, 0);

    auto *first = qobject_cast<Basket *>(container.get(QStringLiteral("shop.Basket")).value());
    auto *second = qobject_cast<Basket *>(container.get(QStringLiteral("shop.Basket")).value());
    QVERIFY(first && second && first != second);
    second->setCount(9);
    const qreload::ComponentDetails details
        = container.details(QStringLiteral("shop.Basket")).value();
    QCOMPARE(details.info.scope, qreload::Scope::Prototype);
    QVERIFY(details.instantiated);
    QCOMPARE(details.liveInstances, 2);
    QCOMPARE(findProperty(details, QStringLiteral("count"))->value,
             QVariant(9)); // the newest instance
}

void tst_ComponentDetails::detailsOfUnknownKey()
{
    qreload::Container container;
    const auto details = container.details(QStringLiteral("shop.Nothing"));
    QVERIFY(!details.ok());
    QCOMPARE(details.errors().first().reason(), Reason::UnknownComponent);
    QCOMPARE(details.errors().first().message(),
             QStringLiteral("no component has the key shop.Nothing"));
}

void tst_ComponentDetails::detailsToJson()
{
    qreload::Container container;
    qreload::Registry r(QStringLiteral("libshop.so"));
    r.add<Basket>(QStringLiteral("shop.Basket"));
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());

    const QJsonObject json = container.details(QStringLiteral("shop.Basket")).value().toJson();
    QCOMPARE(json.value(QLatin1String("key")).toString(), QStringLiteral("shop.Basket"));
    QCOMPARE(json.value(QLatin1String("scope")).toString(), QStringLiteral("singleton"));
    QCOMPARE(json.value(QLatin1String("creation")).toString(), QStringLiteral("eager"));
    QCOMPARE(json.value(QLatin1String("instantiated")).toBool(), true);
    const QJsonArray properties = json.value(QLatin1String("properties")).toArray();
    QCOMPARE(properties.size(), 3);
    QCOMPARE(properties.at(0).toObject().value(QLatin1String("value")).toInt(), 0);
    QCOMPARE(properties.at(2).toObject().value(QLatin1String("value")).toArray(),
             (QJsonArray{"apple", "pear"}));
    const QJsonArray methods = json.value(QLatin1String("methods")).toArray();
    QCOMPARE(methods.at(2).toObject().value(QLatin1String("display")).toString(),
             QStringLiteral("int add(int amount, QString why)"));
    QCOMPARE(methods.at(2).toObject().value(QLatin1String("kind")).toString(),
             QStringLiteral("invokable"));
}

void tst_ComponentDetails::detailsOutliveTheLibrary()
{
    // The greeter's `greeting` property comes from a string literal inside the plugin: the
    // details must own a copy, since the console keeps them after the generation is gone.
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("greeter.so"));
    QVERIFY(QFile::copy(fixtures::plugin("greeter_v1"), copy));
    std::optional<qreload::ComponentDetails> kept;
    {
        qreload::Generation generation(1);
        QVERIFY(generation.load({{fixtures::plugin("greeter_v1"), copy, {}}}).ok());
        QVERIFY(generation.construct().ok());
        kept = generation.container().details(QStringLiteral("app.services.MyService")).value();
        QVERIFY(generation.shutdown().ok());
        QVERIFY(generation.unload().ok());
    }
    const auto *greeting = findProperty(*kept, QStringLiteral("greeting"));
    QVERIFY(greeting);
    QCOMPARE(greeting->value.toString(), QStringLiteral("Hello, Version 1!"));
    QCOMPARE(kept->instanceClass, QStringLiteral("MyService"));
}

void tst_ComponentDetails::invoke_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QVariantList>("arguments");
    QTest::addColumn<QVariant>("result");
    QTest::addColumn<int>("countAfter"); // -1: the call must fail
    QTest::addColumn<QString>("error");

    QTest::newRow("by name") << "add" << QVariantList{2} << QVariant(7) << 7 << QString();
    QTest::newRow("overload by argument count")
        << "add" << QVariantList{2, QStringLiteral("gift")} << QVariant(7) << 7 << QString();
    QTest::newRow("by signature") << "add(int)" << QVariantList{1} << QVariant(6) << 6 << QString();
    QTest::newRow("arguments are converted")
        << "add" << QVariantList{QStringLiteral("10")} << QVariant(15) << 15 << QString();
    QTest::newRow("const method") << "describe" << QVariantList{}
                                  << QVariant(QStringLiteral("5 items")) << 5 << QString();
    QTest::newRow("public slot, void") << "clear" << QVariantList{} << QVariant() << 0 << QString();
    QTest::newRow("unconvertible argument")
        << "add" << QVariantList{QVariant::fromValue(QVariantMap{{"a", 1}})} << QVariant() << -1
        << "bad-arguments: add(int): argument 1 (QVariantMap) does not convert to int";
    QTest::newRow("wrong argument count")
        << "describe" << QVariantList{1} << QVariant() << -1
        << "method-not-found: Basket has no public invokable method or slot describe taking 1 "
           "argument(s)";
    QTest::newRow("unknown method") << "explode" << QVariantList{} << QVariant() << -1
                                    << "method-not-found: Basket has no public invokable method "
                                       "or slot explode taking 0 argument(s)";
    QTest::newRow("private slot") << "secret" << QVariantList{} << QVariant() << -1
                                  << "method-not-found: Basket has no public invokable method or "
                                     "slot secret taking 0 argument(s)";
    QTest::newRow("signals are not invoked")
        << "countChanged" << QVariantList{1} << QVariant() << -1
        << "method-not-found: Basket has no public invokable method or slot countChanged taking "
           "1 argument(s)";
    QTest::newRow("method throws") << "fail" << QVariantList{} << QVariant() << -1
                                   << "invocation-failed: fail() threw: basket is on fire";
}

void tst_ComponentDetails::invoke()
{
    QFETCH(QString, method);
    QFETCH(QVariantList, arguments);
    QFETCH(QVariant, result);
    QFETCH(int, countAfter);
    QFETCH(QString, error);

    qreload::Container container;
    qreload::Registry r(QStringLiteral("libshop.so"));
    r.add<Basket>(QStringLiteral("shop.Basket"));
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    auto *basket = qobject_cast<Basket *>(container.get(QStringLiteral("shop.Basket")).value());
    basket->setCount(5);

    const qreload::Result<QVariant> called
        = container.invoke(QStringLiteral("shop.Basket"), method, arguments);
    if (countAfter < 0) {
        QVERIFY(!called.ok());
        const qreload::Error &e = called.errors().first();
        QCOMPARE(qreload::Error::reasonName(e.reason()) + QStringLiteral(": ") + e.message(),
                 error);
        QCOMPARE(e.component(), QStringLiteral("shop.Basket"));
        QCOMPARE(e.pluginFile(), QStringLiteral("libshop.so"));
        QCOMPARE(basket->count(), 5);
        return;
    }
    QVERIFY2(called.ok(), qPrintable(qreload::joinErrors(called.errors())));
    QCOMPARE(called.value(), result);
    QCOMPARE(basket->count(), countAfter);
}

void tst_ComponentDetails::invokeCreatesALazyComponent()
{
    qreload::Container container;
    qreload::Registry r;
    r.add<Basket>(QStringLiteral("shop.Basket")).lazy();
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    QCOMPARE(Basket::constructed, 0);
    QCOMPARE(container.invoke(QStringLiteral("shop.Basket"), QStringLiteral("add"), {4}).value(),
             QVariant(4));
    QCOMPARE(Basket::constructed, 1);
    QCOMPARE(container.invoke(QStringLiteral("shop.Nothing"), QStringLiteral("add"), {4})
                 .errors()
                 .first()
                 .reason(),
             Reason::UnknownComponent);
}

void tst_ComponentDetails::invokeAfterShutdownFails()
{
    qreload::Container container;
    qreload::Registry r;
    r.add<Basket>(QStringLiteral("shop.Basket"));
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    QVERIFY(container.shutdown().ok());
    QCOMPARE(Basket::constructed, 1);
    QCOMPARE(container.invoke(QStringLiteral("shop.Basket"), QStringLiteral("describe"))
                 .errors()
                 .first()
                 .reason(),
             Reason::ShutDown);
    QCOMPARE(Basket::constructed, 1);
}

void tst_ComponentDetails::valuesOfOtherTypesArriveAsBuiltInTypes()
{
    // What the rules of Container::details() and invoke() make of values that are not of Qt's
    // built-in types (in a plugin, their types are data of the library).
    qreload::Registry r(QStringLiteral("libstyled.so"));
    r.add<Styled>(QStringLiteral("ui.Styled"));
    qreload::Container container;
    container.add(r.takeComponents());
    QVERIFY(container.start().ok());
    const qreload::Result<qreload::ComponentDetails> details
        = container.details(QStringLiteral("ui.Styled"));
    QVERIFY(details.ok());
    QVariantMap values;
    for (const qreload::ComponentDetails::Property &p : details.value().properties) {
        QVERIFY2(p.value.metaType().id() < QMetaType::User, qPrintable(p.name));
        values.insert(p.name, p.value);
    }
    QCOMPARE(values.value(QStringLiteral("mode")), QVariant(QStringLiteral("Fancy")));
    QCOMPARE(values.value(QStringLiteral("options")), QVariant(QStringLiteral("Italic")));
    const QVariantMap dimensions = values.value(QStringLiteral("dimensions")).toMap();
    QCOMPARE(dimensions.value(QStringLiteral("width")), QVariant(80));
    QCOMPARE(dimensions.value(QStringLiteral("margins")), QVariant(QVariantList{1, 2}));
    const QVariantList history = values.value(QStringLiteral("history")).toList();
    QCOMPARE(history.size(), 2);
    QCOMPARE(history.first().toMap().value(QStringLiteral("width")), QVariant(80));
    QCOMPARE(values.value(QStringLiteral("helper")), QVariant(QStringLiteral("nullptr")));
    QVERIFY2(
        values.value(QStringLiteral("self")).toString().startsWith(QStringLiteral("Styled(0x")),
        qPrintable(values.value(QStringLiteral("self")).toString()));
    QVERIFY(values.value(QStringLiteral("self"))
                .toString()
                .endsWith(QStringLiteral(", name = \"styled\")")));
    QCOMPARE(container.invoke(QStringLiteral("ui.Styled"), QStringLiteral("nextMode")).value(),
             QVariant(QStringLiteral("Fancy")));
    QCOMPARE(container.invoke(QStringLiteral("ui.Styled"), QStringLiteral("allOptions")).value(),
             QVariant(QStringLiteral("Bold|Italic")));
    QVERIFY(container.shutdown().ok());
}

QTEST_GUILESS_MAIN(tst_ComponentDetails)
#include "tst_componentdetails.moc"
