// Generations built from the real fixture plugins of tests/fixtures: loading, the ways a plugin
// file can be wrong, interfaces across plugins, and unloading that really unmaps the library.
#include <fixturepaths.h>
#include <generation.h>
#include <qreload/componentdetails.h>

#include <QCryptographicHash>
#include <QFile>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using qreload::Error;
using qreload::Generation;
using qreload::PluginSource;

namespace {

QStringList reasonNames(const qreload::Errors &errors)
{
    QStringList names;
    for (const Error &error : errors)
        names.append(Error::reasonName(error.reason()));
    names.sort();
    return names;
}

QString mappedFiles()
{
    QFile maps(QStringLiteral("/proc/self/maps"));
    if (!maps.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLocal8Bit(maps.readAll());
}

qreload::Request get(const QString &path)
{
    qreload::Request request;
    request.path = path;
    return request;
}

} // namespace

class tst_Generation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void loadsAndServesGreeter();
    void brokenPlugins_data();
    void brokenPlugins();
    void missingFile();
    void truncatedLibraryIsRefused_data();
    void truncatedLibraryIsRefused();
    void checkLibraryCompleteAcceptsEveryFixture();
    void duplicateKeyAcrossPluginFiles();
    void interfaceAcrossPlugins();
    void componentsDeclaredInHeaders();
    void unloadUnmapsTheLibrary();
    void twoVersionsLoadedAtOnce();
    void pluginTypesDoNotOutliveTheirLibrary();
    void deferredDeletesRunBeforeUnload();
    void libraryThatStaysMappedIsReported();
    void observerIsToldOfLoadRegistrationAndConstruction();
    void successorSharesUnchangedLibraries();

private:
    //! Copies a fixture to a fresh private path, as the reload engine's staging does.
    PluginSource stage(const char *variant, qint64 truncateTo = -1);

    QTemporaryDir m_dir;
    int m_copies = 0;
};

void tst_Generation::initTestCase()
{
    QVERIFY(m_dir.isValid());
    for (const char *variant :
         {"greeter_v1", "greeter_v2", "greeter_throws", "greeter_missingdep", "greeter_routethrows",
          "notaplugin", "wrongiid", "repo_plugin", "service_plugin", "crash_undefined_symbol",
          "typed_v1", "typed_v2", "pinned"})
        QVERIFY2(QFile::exists(fixtures::plugin(variant)), qPrintable(fixtures::plugin(variant)));
}

void tst_Generation::init()
{
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
}

PluginSource tst_Generation::stage(const char *variant, qint64 truncateTo)
{
    const QString origin = fixtures::plugin(variant);
    const QString copy
        = m_dir.filePath(QStringLiteral("%1.%2.so").arg(QLatin1String(variant)).arg(++m_copies));
    QFile in(origin);
    if (!in.open(QIODevice::ReadOnly))
        qFatal("cannot read fixture %s", qPrintable(origin));
    QByteArray bytes = in.readAll();
    if (truncateTo >= 0)
        bytes.truncate(truncateTo);
    QFile out(copy);
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(copy));
    return {origin, copy, QCryptographicHash::hash(bytes, QCryptographicHash::Blake2b_256)};
}

void tst_Generation::loadsAndServesGreeter()
{
    Generation generation(1);
    QCOMPARE(generation.number(), quint64(1));
    const PluginSource source = stage("greeter_v1");
    const qreload::Status loaded = generation.load({source});
    QVERIFY2(loaded.ok(), qPrintable(qreload::joinErrors(loaded.errors())));
    QCOMPARE(generation.plugins().size(), 1);
    QVERIFY(generation.validate().ok());
    QVERIFY(generation.construct().ok());

    const QList<qreload::ComponentInfo> components = generation.container().components();
    QCOMPARE(components.size(), 1);
    QCOMPARE(components.first().key, QStringLiteral("app.services.MyService"));
    QCOMPARE(components.first().className, QStringLiteral("MyService"));
    // Errors and the console name the watched file, not the private copy.
    QCOMPARE(components.first().pluginFile, source.originPath);
    QCOMPARE(components.first().routes, QStringList{QStringLiteral("GET /")});

    const qreload::Result<qreload::Response> response
        = generation.container().serve(get(QStringLiteral("/")));
    QVERIFY2(response.ok(), qPrintable(qreload::joinErrors(response.errors())));
    QCOMPARE(response.value().body, QByteArray("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(response.value().contentType, QByteArray("text/html; charset=utf-8"));

    QObject *service = generation.container().get(QStringLiteral("app.services.MyService")).value();
    QVERIFY(service);
    QCOMPARE(service->property("greeting").toString(), QStringLiteral("Hello, Version 1!"));
    QString invoked;
    QVERIFY(QMetaObject::invokeMethod(service, "greet", Q_RETURN_ARG(QString, invoked)));
    QCOMPARE(invoked, QStringLiteral("Hello, Version 1!"));

    QVERIFY(generation.shutdown().ok());
    QVERIFY(generation.unload().ok());
}

void tst_Generation::brokenPlugins_data()
{
    QTest::addColumn<QString>("variant");
    QTest::addColumn<QString>("phase"); // where it fails: load, validate, construct or serve
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("message"); // a part of the message

    QTest::newRow("not a plugin") << "notaplugin"
                                  << "load"
                                  << "not-a-plugin"
                                  << "without Qt plugin metadata";
    QTest::newRow("wrong IID") << "wrongiid"
                               << "load"
                               << "incompatible-plugin"
                               << "IID \"org.example.Other/1\"";
    QTest::newRow("constructor throws")
        << "greeter_throws"
        << "construct"
        << "construction-failed"
        << "while creating app.services.MyService: the constructor threw: database unreachable";
    QTest::newRow("missing dependency")
        << "greeter_missingdep"
        << "validate"
        << "missing-dependency"
        << "app.services.MyService depends on app.services.Missing, which no plugin provides";
    QTest::newRow("route throws") << "greeter_routethrows"
                                  << "serve"
                                  << "route-failed"
                                  << "threw while serving GET /: template not found";
    // Lazy binding would load it and kill the process at the call ("symbol lookup error").
    QTest::newRow("undefined symbol")
        << "crash_undefined_symbol"
        << "load"
        << "undefined-symbol"
        << "undefined symbol connectToDatabase() (declared but never defined?)";
}

void tst_Generation::brokenPlugins()
{
    QFETCH(QString, variant);
    QFETCH(QString, phase);
    QFETCH(QString, reason);
    QFETCH(QString, message);

    Generation generation(2);
    const PluginSource source = stage(qPrintable(variant));
    qreload::Errors errors = generation.load({source}).errors();
    if (phase != u"load") {
        QVERIFY2(errors.isEmpty(), qPrintable(qreload::joinErrors(errors)));
        errors = generation.validate().errors();
    }
    if (phase != u"load" && phase != u"validate") {
        QVERIFY2(errors.isEmpty(), qPrintable(qreload::joinErrors(errors)));
        errors = generation.construct().errors();
    }
    if (phase == u"serve") {
        QVERIFY2(errors.isEmpty(), qPrintable(qreload::joinErrors(errors)));
        errors = generation.container().serve(get(QStringLiteral("/"))).errors();
    }
    QCOMPARE(reasonNames(errors), QStringList{reason});
    QVERIFY2(errors.first().message().contains(message), qPrintable(errors.first().message()));
    QCOMPARE(errors.first().pluginFile(), source.originPath);
    // The user knows the file their build writes, not qreload's private copy of it.
    QVERIFY2(!errors.first().toString().contains(source.loadPath),
             qPrintable(errors.first().toString()));
    if (phase == u"load")
        QVERIFY(generation.container().components().isEmpty());
    QVERIFY(generation.unload().ok());
    // A failed generation leaves nothing behind: no instance (the container is shut down) and
    // no mapping of its library.
    QVERIFY(generation.container().isShutDown());
    QVERIFY2(!mappedFiles().contains(source.loadPath), qPrintable(source.loadPath));
}

void tst_Generation::missingFile()
{
    Generation generation(3);
    const QString nowhere = m_dir.filePath(QStringLiteral("nowhere.so"));
    const qreload::Status status = generation.load({{nowhere, nowhere, {}}});
    QCOMPARE(reasonNames(status.errors()), QStringList{QStringLiteral("file-not-found")});
    QCOMPARE(status.errors().first().pluginFile(), nowhere);
}

void tst_Generation::truncatedLibraryIsRefused_data()
{
    QTest::addColumn<qint64>("size"); // negative: that many bytes short of the full file
    QTest::addColumn<bool>("fraction");

    QTest::newRow("empty") << qint64(0) << false;
    QTest::newRow("10 bytes") << qint64(10) << false;
    QTest::newRow("100 bytes") << qint64(100) << false;
    QTest::newRow("4 KiB") << qint64(4096) << false;
    QTest::newRow("half") << qint64(50) << true;
    QTest::newRow("90 percent") << qint64(90) << true;
    QTest::newRow("size - 1000") << qint64(-1000) << false;
    QTest::newRow("size - 1") << qint64(-1) << false;
}

void tst_Generation::truncatedLibraryIsRefused()
{
    QFETCH(qint64, size);
    QFETCH(bool, fraction);
    const qint64 full = QFileInfo(fixtures::plugin("greeter_v1")).size();
    QVERIFY(full > 2000);
    const qint64 cut = fraction ? full * size / 100 : size < 0 ? full + size : size;

    const PluginSource source = stage("greeter_v1", cut);
    QCOMPARE(QFileInfo(source.loadPath).size(), cut);
    QVERIFY(!qreload::checkLibraryComplete(source.loadPath).ok());

    Generation generation(4);
    const qreload::Status status = generation.load({source});
    QVERIFY(!status.ok());
    const QString reason = Error::reasonName(status.errors().first().reason());
    QVERIFY2(reason == u"incomplete-file" || reason == u"load-failed" || reason == u"not-a-plugin",
             qPrintable(reason + QStringLiteral(": ") + status.errors().first().message()));
    QCOMPARE(status.errors().first().pluginFile(), source.originPath);
    QVERIFY2(!status.errors().first().toString().contains(source.loadPath),
             qPrintable(status.errors().first().toString()));
    QVERIFY(generation.container().components().isEmpty());
    // Nothing of the cut file stays mapped.
    QVERIFY(!mappedFiles().contains(source.loadPath));
}

void tst_Generation::checkLibraryCompleteAcceptsEveryFixture()
{
    for (const char *variant : {"greeter_v1", "greeter_v2", "notaplugin", "wrongiid"}) {
        const qreload::Status status = qreload::checkLibraryComplete(fixtures::plugin(variant));
        QVERIFY2(status.ok(), qPrintable(qreload::joinErrors(status.errors())));
    }
    // A file that is not ELF at all.
    const QString text = m_dir.filePath(QStringLiteral("notes.so"));
    QFile file(text);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("just some text, no library here\n");
    file.close();
    const qreload::Status status = qreload::checkLibraryComplete(text, QStringLiteral("shown.so"));
    QCOMPARE(reasonNames(status.errors()), QStringList{QStringLiteral("not-a-plugin")});
    QCOMPARE(status.errors().first().pluginFile(), QStringLiteral("shown.so"));
}

void tst_Generation::duplicateKeyAcrossPluginFiles()
{
    Generation generation(5);
    const PluginSource v1 = stage("greeter_v1");
    const PluginSource v2 = stage("greeter_v2");
    QVERIFY(generation.load({v1, v2}).ok());
    const qreload::Status status = generation.validate();
    QCOMPARE(reasonNames(status.errors()),
             (QStringList{QStringLiteral("duplicate-key"), QStringLiteral("duplicate-route")}));
    const QString all = qreload::joinErrors(status.errors());
    QVERIFY2(
        all.contains(QStringLiteral("key app.services.MyService is registered 2 times, by %1, %2")
                         .arg(v1.originPath, v2.originPath)),
        qPrintable(all));
    QVERIFY(!generation.construct().ok());
    QVERIFY(generation.unload().ok());
}

void tst_Generation::interfaceAcrossPlugins()
{
    Generation generation(6);
    // The consumer is loaded first: the graph is resolved after every plugin registered.
    const PluginSource service = stage("service_plugin");
    const PluginSource repo = stage("repo_plugin");
    const qreload::Status loaded = generation.load({service, repo});
    QVERIFY2(loaded.ok(), qPrintable(qreload::joinErrors(loaded.errors())));
    const qreload::Status built = generation.construct();
    QVERIFY2(built.ok(), qPrintable(qreload::joinErrors(built.errors())));

    const QList<qreload::ComponentEdge> edges = generation.container().edges();
    QCOMPARE(edges.size(), 1);
    QCOMPARE(edges.first().from, QStringLiteral("shop.Catalog"));
    QCOMPARE(edges.first().to, QStringLiteral("shop.MemoryRepository"));
    QCOMPARE(
        generation.container().creationOrder(),
        (QStringList{QStringLiteral("shop.MemoryRepository"), QStringLiteral("shop.Catalog")}));

    const auto response = generation.container().serve(get(QStringLiteral("/items")));
    QVERIFY2(response.ok(), qPrintable(qreload::joinErrors(response.errors())));
    QCOMPARE(response.value().body, QByteArray("apple,pear"));
    QVERIFY(generation.unload().ok());

    // Without the provider, the consumer's plugin fails validation, naming the interface.
    Generation alone(7);
    const PluginSource lonely = stage("service_plugin");
    QVERIFY(alone.load({lonely}).ok());
    const qreload::Status status = alone.validate();
    QCOMPARE(reasonNames(status.errors()), QStringList{QStringLiteral("missing-dependency")});
    QCOMPARE(status.errors().first().message(),
             QStringLiteral("shop.Catalog depends on interface org.qreload.tests.IRepository/1, "
                            "which no plugin provides"));
    QCOMPARE(status.errors().first().pluginFile(), lonely.originPath);
}

// split_plugin declares its classes in headers (one beside clock.cpp, one listed in SOURCES):
// without moc run on them, the library would not link or load. Its registration uses every
// templated builder hook: a factory, onCreated, onDestroy, carriesState and a route that reads
// the request.
void tst_Generation::componentsDeclaredInHeaders()
{
    Generation first(20);
    QVERIFY(first.load({stage("split_plugin")}).ok());
    const qreload::Status built = first.construct();
    QVERIFY2(built.ok(), qPrintable(qreload::joinErrors(built.errors())));

    QObject *clock = first.container().get(QStringLiteral("split.Clock")).value();
    QVERIFY(clock);
    QCOMPARE(clock->metaObject()->className(), "Clock");
    QVERIFY(clock->metaObject()->indexOfSignal("ticked(int)") >= 0);
    QCOMPARE(clock->property("ticks").toInt(), 1);            // onCreated ticked once
    QCOMPARE(clock->objectName(), QStringLiteral("stamped")); // the factory used the Stamp
    QObject *stamp = first.container().get(QStringLiteral("split.Stamp")).value();
    QCOMPARE(stamp->property("label").toString(), QStringLiteral("stamped"));

    qreload::Request request = get(QStringLiteral("/tick"));
    request.query.addQueryItem(QStringLiteral("times"), QStringLiteral("2"));
    const auto response = first.container().serve(request);
    QVERIFY2(response.ok(), qPrintable(qreload::joinErrors(response.errors())));
    QCOMPARE(response.value().body, QByteArray("stamped 3"));

    // The ticks are carried into the next generation of the same plugin.
    qreload::Errors saveErrors;
    const auto state = first.container().saveState(&saveErrors);
    QVERIFY(saveErrors.isEmpty());
    Generation second(21);
    QVERIFY(second.load({stage("split_plugin")}).ok());
    QVERIFY(second.construct().ok());
    second.container().restoreState(state);
    QCOMPARE(
        second.container().get(QStringLiteral("split.Clock")).value()->property("ticks").toInt(),
        3);
    QVERIFY(first.shutdown().ok());
    QVERIFY(first.unload().ok());
    QVERIFY(second.shutdown().ok());
    QVERIFY(second.unload().ok());
}

void tst_Generation::unloadUnmapsTheLibrary()
{
    const PluginSource source = stage("greeter_v1");
    QVERIFY(!mappedFiles().contains(source.loadPath));
    {
        Generation generation(8);
        QVERIFY(generation.load({source}).ok());
        QVERIFY(generation.construct().ok());
        QVERIFY(generation.container().serve(get(QStringLiteral("/"))).ok());
        QVERIFY2(mappedFiles().contains(source.loadPath), "the copy was never mapped");

        QVERIFY(generation.shutdown().ok());
        const qreload::Status unloaded = generation.unload();
        QVERIFY2(unloaded.ok(), qPrintable(qreload::joinErrors(unloaded.errors())));
        QVERIFY2(!mappedFiles().contains(source.loadPath), qPrintable(mappedFiles()));
        // The generation refuses lookups instead of calling into unmapped code.
        QCOMPARE(generation.container()
                     .get(QStringLiteral("app.services.MyService"))
                     .errors()
                     .first()
                     .reason(),
                 Error::Reason::ShutDown);
        QVERIFY(generation.unload().ok()); // idempotent
    }

    // A generation dropped without explicit shutdown/unload cleans up in its destructor.
    const PluginSource dropped = stage("greeter_v1");
    {
        Generation generation(9);
        QVERIFY(generation.load({dropped}).ok());
        QVERIFY(generation.construct().ok());
        QVERIFY(mappedFiles().contains(dropped.loadPath));
    }
    QVERIFY(!mappedFiles().contains(dropped.loadPath));
}

void tst_Generation::twoVersionsLoadedAtOnce()
{
    // Two generations alive together, as during a swap: each serves its own code. With
    // STB_GNU_UNIQUE symbols the second copy would bind to the first and answer "Version 1".
    const PluginSource v1 = stage("greeter_v1");
    const PluginSource v2 = stage("greeter_v2");
    const PluginSource v1again = stage("greeter_v1");
    Generation first(10);
    Generation second(11);
    Generation third(12);
    QVERIFY(first.load({v1}).ok());
    QVERIFY(second.load({v2}).ok());
    QVERIFY(third.load({v1again}).ok());
    QVERIFY(first.construct().ok());
    QVERIFY(second.construct().ok());
    QVERIFY(third.construct().ok());

    const auto body = [](Generation &generation) {
        auto response = generation.container().serve(get(QStringLiteral("/")));
        return response.ok() ? response.value().body : QByteArray("error");
    };
    QCOMPARE(body(first), QByteArray("<h1>Hello, Version 1!</h1>"));
    QCOMPARE(body(second), QByteArray("<h1>This is Version 2!</h1>"));
    QCOMPARE(body(third), QByteArray("<h1>Hello, Version 1!</h1>"));
    QObject *a = first.container().get(QStringLiteral("app.services.MyService")).value();
    QObject *b = third.container().get(QStringLiteral("app.services.MyService")).value();
    // Two copies of the same file are two libraries, each with its own meta-object.
    QVERIFY(a->metaObject() != b->metaObject());

    // Unloading the first leaves the others serving their own code.
    QVERIFY(first.unload().ok());
    QVERIFY(!mappedFiles().contains(v1.loadPath));
    QCOMPARE(body(second), QByteArray("<h1>This is Version 2!</h1>"));
    QCOMPARE(body(third), QByteArray("<h1>Hello, Version 1!</h1>"));
    QVERIFY(mappedFiles().contains(v1again.loadPath));
}

namespace {

//! The property of a component's details, by name.
qreload::ComponentDetails::Property propertyOf(const qreload::ComponentDetails &details,
                                               const QString &name)
{
    for (const qreload::ComponentDetails::Property &p : details.properties) {
        if (p.name == name)
            return p;
    }
    return {};
}

//! The file whose mapping holds `address`, from /proc/self/maps ("" if none).
QString mappingOf(const void *address)
{
    const auto at = quintptr(address);
    for (const QString &line : mappedFiles().split(QLatin1Char('\n'))) {
        const QStringList fields = line.simplified().split(QLatin1Char(' '));
        const QStringList range = fields.value(0).split(QLatin1Char('-'));
        if (range.size() == 2 && at >= range[0].toULongLong(nullptr, 16)
            && at < range[1].toULongLong(nullptr, 16))
            return fields.size() >= 6 ? fields.mid(5).join(QLatin1Char(' ')) : QString();
    }
    return {};
}

//! Where Qt's metatype registry finds the type called `name`: the file holding its interface.
QString registeredIn(const char *name)
{
    const QMetaType type = QMetaType::fromName(name);
    return type.isValid() ? mappingOf(type.iface()) : QString();
}

bool isBuiltin(const QVariant &value)
{
    return value.isValid() && value.metaType().id() < QMetaType::User;
}

} // namespace

void tst_Generation::pluginTypesDoNotOutliveTheirLibrary()
{
    // Inspect, reload, inspect, carry state, reload: the typed fixture's properties, invokable
    // methods and carried state are a Q_ENUM (Palette::Mode), a Q_GADGET (Swatch) and a plugin
    // QObject pointer (Brush *). Before values were converted and the registry cleaned, the
    // third generation's inspection crashed (the registry pointed into the unloaded first).
    const char *typeNames[] = {"Palette::Mode", "Swatch", "Brush*", "QList<Swatch>"};
    const QString key = QStringLiteral("typed.Palette");
    QHash<QString, qreload::CarriedState> state;
    auto previous = std::make_unique<Generation>(20);
    PluginSource previousSource = stage("typed_v1");
    QVERIFY(previous->load({previousSource}).ok());
    QVERIFY(previous->construct().ok());

    for (int round = 0; round < 4; ++round) {
        const char *variant = round % 2 ? "typed_v1" : "typed_v2";
        // Inspect the current generation: every value arrives in a built-in type.
        qreload::Container &current = previous->container();
        const qreload::Result<qreload::ComponentDetails> details = current.details(key);
        QVERIFY(details.ok());
        const qreload::ComponentDetails::Property mode = propertyOf(details.value(), "mode");
        QCOMPARE(mode.type, QStringLiteral("Palette::Mode"));
        QCOMPARE(mode.value,
                 QVariant(round == 0 ? QStringLiteral("Light") : QStringLiteral("HighContrast")));
        const QVariantMap swatch = propertyOf(details.value(), "swatch").value.toMap();
        QCOMPARE(propertyOf(details.value(), "swatch").value.metaType().id(),
                 int(QMetaType::QVariantMap));
        QCOMPARE(swatch.value(QStringLiteral("hue")), QVariant(round == 0 ? 0 : 240));
        QVERIFY(swatch.value(QStringLiteral("name"))
                    .toString()
                    .startsWith(round == 0 ? QStringLiteral("paper") : QStringLiteral("signal")));
        const QVariantList history = propertyOf(details.value(), "history").value.toList();
        QCOMPARE(history.size(), 2);
        QCOMPARE(history.last().toMap().value(QStringLiteral("hue")),
                 QVariant(round == 0 ? 0 : 240));
        const QVariant brush = propertyOf(details.value(), "brush").value;
        QCOMPARE(brush.metaType().id(), int(QMetaType::QString));
        QVERIFY2(brush.toString().startsWith(QStringLiteral("Brush(0x"))
                     && brush.toString().endsWith(QStringLiteral(", name = \"main brush\")")),
                 qPrintable(brush.toString()));
        // The JSON of the details shows them as such.
        const QJsonObject json = details.value().toJson();
        QVERIFY(json.contains(QLatin1String("properties")));

        // Invoke results and arguments of plugin types.
        const qreload::Result<QVariant> cycled = current.invoke(key, QStringLiteral("cycle"));
        QVERIFY2(cycled.ok(), qPrintable(qreload::joinErrors(cycled.errors())));
        QCOMPARE(cycled.value(),
                 QVariant(round == 0 ? QStringLiteral("Dark") : QStringLiteral("Light")));
        const qreload::Result<QVariant> forMode
            = current.invoke(key, QStringLiteral("swatchFor"), {QVariant(2)});
        QVERIFY2(forMode.ok(), qPrintable(qreload::joinErrors(forMode.errors())));
        QCOMPARE(forMode.value().toMap().value(QStringLiteral("hue")), QVariant(240));
        // An enum argument may be given as the key that details show.
        const qreload::Result<QVariant> forKey = current.invoke(
            key, QStringLiteral("swatchFor"), {QVariant(QStringLiteral("HighContrast"))});
        QVERIFY2(forKey.ok(), qPrintable(qreload::joinErrors(forKey.errors())));
        QCOMPARE(forKey.value(), forMode.value());
        const qreload::Result<QVariant> brushResult
            = current.invoke(key, QStringLiteral("currentBrush"));
        QVERIFY(brushResult.ok());
        QVERIFY(isBuiltin(brushResult.value()));
        QVERIFY(brushResult.value().toString().startsWith(QStringLiteral("Brush(0x")));
        // Leave the palette in HighContrast for the next version.
        for (int i = 0; i < 3
                        && propertyOf(current.details(key).value(), "mode").value
                               != QVariant(QStringLiteral("HighContrast"));
             ++i)
            QVERIFY(current.invoke(key, QStringLiteral("cycle")).ok());

        // Carry state into the next version: built-in types only.
        qreload::Errors saveErrors;
        state = current.saveState(&saveErrors);
        QVERIFY2(saveErrors.isEmpty(), qPrintable(qreload::joinErrors(saveErrors)));
        const QVariantMap carried = state.value(key).value.toMap();
        QCOMPARE(carried.value(QStringLiteral("mode")), QVariant(2));
        QVERIFY(isBuiltin(carried.value(QStringLiteral("mode"))));
        QCOMPARE(carried.value(QStringLiteral("swatch")).metaType().id(),
                 int(QMetaType::QVariantMap));
        QCOMPARE(carried.value(QStringLiteral("swatch")).toMap().value(QStringLiteral("hue")),
                 QVariant(240));

        // Reading the properties registered the plugin's types (Qt 6.4 does it in
        // QMetaProperty::read): the registry points into the current library for now.
        const QString currentFile = QFileInfo(previousSource.loadPath).canonicalFilePath();
        for (const char *name : typeNames)
            QCOMPARE(registeredIn(name), currentFile);

        // Reload: the next version is built and takes the state, then the current one goes.
        auto next = std::make_unique<Generation>(21 + round);
        const PluginSource nextSource = stage(variant);
        QVERIFY(next->load({nextSource}).ok());
        QVERIFY(next->construct().ok());
        const qreload::StateCarryReport report = next->container().restoreState(state);
        QCOMPARE(report.carried, QStringList{key});
        QVERIFY(previous->shutdown().ok());
        const qreload::Status unloaded = previous->unload();
        QVERIFY2(unloaded.ok(), qPrintable(qreload::joinErrors(unloaded.errors())));
        QVERIFY(!mappedFiles().contains(previousSource.loadPath));

        // No type name resolves into the unloaded library any more.
        for (const char *name : typeNames) {
            const QString where = registeredIn(name);
            QVERIFY2(
                where.isEmpty() || where == QFileInfo(nextSource.loadPath).canonicalFilePath(),
                qPrintable(QStringLiteral("%1 resolves to %2").arg(QLatin1String(name), where)));
        }
        // The restored mode is served by the new code.
        const qreload::Result<qreload::Response> served
            = next->container().serve(get(QStringLiteral("/")));
        QVERIFY(served.ok());
        QCOMPARE(served.value().body,
                 QStringLiteral("%1 2").arg(QLatin1String(round % 2 ? "v1" : "v2")).toUtf8());
        previous = std::move(next);
        previousSource = nextSource;
    }
    QVERIFY(previous->unload().ok());
    for (const char *name : typeNames)
        QCOMPARE(registeredIn(name), QString());
}

void tst_Generation::deferredDeletesRunBeforeUnload()
{
    // The palette's destructor leaves a Brush to deleteLater(); Brush's destructor is code of
    // the library. Sent after the unload, the deferred delete would call into unmapped memory.
    qApp->setProperty("typedBrushesDeleted", 0);
    const PluginSource source = stage("typed_v1");
    Generation generation(30);
    QVERIFY(generation.load({source}).ok());
    QVERIFY(generation.construct().ok());
    QVERIFY(generation.shutdown().ok());
    QCOMPARE(qApp->property("typedBrushesDeleted").toInt(), 1); // the palette's own brush
    QVERIFY(generation.unload().ok());
    QCOMPARE(qApp->property("typedBrushesDeleted").toInt(), 2);
    QVERIFY(!mappedFiles().contains(source.loadPath));
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCOMPARE(qApp->property("typedBrushesDeleted").toInt(), 2);
}

void tst_Generation::libraryThatStaysMappedIsReported()
{
    // The component touches a thread_local with a destructor on this thread: glibc keeps the
    // library until the thread ends, so its unload does not unmap it.
    const PluginSource source = stage("pinned");
    Generation generation(40);
    QVERIFY(generation.load({source}).ok());
    QVERIFY(generation.construct().ok());
    QCOMPARE(generation.container().serve(get(QStringLiteral("/"))).value().body,
             QByteArray("pinned 1"));
    QVERIFY(generation.shutdown().ok());
    const QString message
        = QStringLiteral("%1: the library stayed in memory after it was unloaded (%2): something "
                         "keeps it loaded, such as a thread_local object with a destructor, or a "
                         "library that links it")
              .arg(source.originPath, QFileInfo(source.loadPath).canonicalFilePath());
    QTest::ignoreMessage(QtWarningMsg, qPrintable(message));
    const qreload::Status unloaded = generation.unload();
    QCOMPARE(reasonNames(unloaded.errors()), QStringList{QStringLiteral("library-still-loaded")});
    QCOMPARE(unloaded.errors().first().pluginFile(), source.originPath);
    QCOMPARE(unloaded.errors().first().toString(), message);
    QVERIFY(mappedFiles().contains(source.loadPath));
    // Reported once: a second unload has nothing left to unload.
    QVERIFY(generation.unload().ok());
}

void tst_Generation::observerIsToldOfLoadRegistrationAndConstruction()
{
    const PluginSource source = stage("greeter_v1");
    Generation generation(50);
    QStringList calls;
    generation.setConstructionObserver([&](const QString &key, qreload::PluginCall call) {
        calls.append(qreload::pluginCallName(call) + QLatin1Char(' ') + key);
    });
    QVERIFY(generation.load({source}).ok());
    QVERIFY(generation.construct().ok());
    QVERIFY(generation.unload().ok());
    QCOMPARE(calls, (QStringList{QStringLiteral("load ") + source.originPath,
                                 QStringLiteral("register ") + source.originPath,
                                 QStringLiteral("factory app.services.MyService"),
                                 QStringLiteral("destroy app.services.MyService")}));
}

void tst_Generation::successorSharesUnchangedLibraries()
{
    // Generation 1 loads the repository and the catalog; generation 2 loads a new copy of the
    // catalog only and shares generation 1's repository library, registrations and instance.
    const PluginSource repo = stage("repo_plugin");
    const PluginSource catalog = stage("service_plugin");
    auto first = std::make_unique<Generation>(1);
    QVERIFY(first->load({repo, catalog}).ok());
    QVERIFY(first->construct().ok());
    QObject *repository
        = first->container().existingInstance(QStringLiteral("shop.MemoryRepository"));
    QObject *oldCatalog = first->container().existingInstance(QStringLiteral("shop.Catalog"));

    const PluginSource newCatalog = stage("service_plugin");
    auto second = std::make_unique<Generation>(2);
    const qreload::Status loaded = second->load({repo, newCatalog}, first.get());
    QVERIFY2(loaded.ok(), qPrintable(qreload::joinErrors(loaded.errors())));
    QCOMPARE(second->sharedFiles(), QStringList{repo.loadPath});
    QVERIFY(second->validate().ok());
    QVERIFY(second->construct(first.get()).ok());
    QCOMPARE(second->container().keptKeys(), QStringList{QStringLiteral("shop.MemoryRepository")});
    QCOMPARE(second->container().constructedKeys(), QStringList{QStringLiteral("shop.Catalog")});
    QCOMPARE(second->container().existingInstance(QStringLiteral("shop.MemoryRepository")),
             repository);
    QVERIFY(second->container().existingInstance(QStringLiteral("shop.Catalog")) != oldCatalog);

    // Retiring generation 1 unloads only what no one else uses: its catalog copy.
    QVERIFY(first->shutdown().ok());
    QVERIFY(first->unload().ok());
    QCOMPARE(first->unloadedFiles(), QStringList{catalog.loadPath});
    QVERIFY(!mappedFiles().contains(catalog.loadPath));
    QVERIFY(mappedFiles().contains(repo.loadPath));
    first.reset();
    QCOMPARE(second->container().serve(get(QStringLiteral("/items"))).value().body,
             QByteArray("apple,pear"));

    // The last holder unloads the shared library too.
    QVERIFY(second->shutdown().ok());
    QVERIFY(second->unload().ok());
    QCOMPARE(second->unloadedFiles(), (QStringList{newCatalog.loadPath, repo.loadPath}));
    QVERIFY(!mappedFiles().contains(repo.loadPath));
    QVERIFY(!mappedFiles().contains(newCatalog.loadPath));
}

QTEST_GUILESS_MAIN(tst_Generation)
#include "tst_generation.moc"
