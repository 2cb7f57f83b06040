// Registrations that must not compile. Never built by default: the container.compile_fail test
// builds this file and checks that the compiler reports every `expect:` line below, which proves
// each mistake is caught at compile time with a message that says what to do.
#include <qreload/registry.h>

#include <QObject>

class NotAQObject
{
public:
    NotAQObject() = default;
};

class PlainInterface // no Q_DECLARE_INTERFACE
{
public:
    virtual ~PlainInterface() = default;
};

class IDeclared
{
public:
    virtual ~IDeclared() = default;
};
Q_DECLARE_INTERFACE(IDeclared, "org.qreload.tests.IDeclared/1")

class Service : public QObject
{
    Q_OBJECT

public:
    Service();
    explicit Service(int size); // takes no injectable argument
};

void componentIsNotAQObject(qreload::Registry &registry)
{
    // expect: a component must derive from QObject (with Q_OBJECT)
    registry.add<NotAQObject>(QStringLiteral("app.NotAQObject"));
}

void injectedComponentIsNotAQObject()
{
    // expect: inject<D>(key) injects a component, and D is not a QObject
    qreload::inject<NotAQObject>(QStringLiteral("app.NotAQObject"));
}

void injectedInterfaceIsNotDeclared()
{
    // expect: one<I>() injects an interface, and I has no Q_DECLARE_INTERFACE
    qreload::one<PlainInterface>();
    // expect: named<I>(qualifier) injects an interface, and I has no Q_DECLARE_INTERFACE
    qreload::named<PlainInterface>(QStringLiteral("main"));
    // expect: all<I>() injects every provider of an interface, and I has no Q_DECLARE_INTERFACE
    qreload::all<PlainInterface>();
}

void injectionsMatchNoConstructor(qreload::Registry &registry)
{
    // expect: the component has no constructor taking the injected arguments
    registry.add<Service>(QStringLiteral("app.Service"), qreload::one<IDeclared>());
}

void providesAnInterfaceItDoesNotImplement(qreload::Registry &registry)
{
    // expect: the component does not derive from the interface it claims to provide
    registry.add<Service>(QStringLiteral("app.Service2")).provides<IDeclared>();
    // expect: provides<I>() needs an interface declared with Q_DECLARE_INTERFACE
    registry.add<Service>(QStringLiteral("app.Service3")).provides<PlainInterface>();
}

void builderCallablesWithTheWrongShape(qreload::Registry &registry)
{
    // expect: a route handler is called as handler(T &) or handler(T &, const qreload::Request &)
    registry.add<Service>(QStringLiteral("app.Service4")).route(QStringLiteral("/"), [](int) {
        return qreload::Response::text(QStringLiteral("?"));
    });
    // expect: a factory is called as make(qreload::Resolver &) and returns T *
    registry.add<Service>(QStringLiteral("app.Service5")).factory([](qreload::Resolver &) {
        return 42;
    });
    // expect: carriesState's restore is called as restore(T &, const QVariant &)
    registry.add<Service>(QStringLiteral("app.Service6"))
        .carriesState(
            1, [](Service &) { return QVariant(1); }, [](Service &) {});
}
