#include "generation.h"

#include "qreload/plugin.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMetaMethod>
#include <QMetaProperty>
#include <QMutex>
#include <QPluginLoader>
#include <QRegularExpression>
#include <QSet>
#include <QtEndian>

#include <cxxabi.h>
#include <link.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>

// The container library keeps its category to itself (hidden); the loader logs under the same name.
Q_LOGGING_CATEGORY(lcContainer, "qreload.container", QtWarningMsg)

namespace qreload {

namespace {

template<typename T>
T readField(const QByteArray &data, qsizetype offset, bool bigEndian)
{
    T value;
    std::memcpy(&value, data.constData() + offset, sizeof(T));
    return bigEndian ? qFromBigEndian(value) : qFromLittleEndian(value);
}

/*!
 * The dynamic loader's refusal of `source`, as users should read it. Every symbol is bound at
 * load (RTLD_NOW), so a function that was declared but never defined fails here, naming the
 * symbol demangled (`connectToDatabase()`, not `_Z17connectToDatabasev`). The loader's text names
 * the private shadow copy; the user knows the file their build writes, so that is what we name.
 */
Error loadError(const PluginSource &source, QString loaderText)
{
    loaderText.replace(source.loadPath, source.originPath);
    // glibc: "<file>: undefined symbol: <name>" or "... undefined symbol: <name>, version <v>";
    // Qt wraps it in parentheses.
    static const QRegularExpression undefinedSymbol(
        QStringLiteral("undefined symbol: ([^\\s,)]+)(?:, version ([^\\s)]+))?"));
    const QRegularExpressionMatch match = undefinedSymbol.match(loaderText);
    if (!match.hasMatch())
        return Error(Error::Reason::LoadFailed, loaderText, {}, source.originPath);
    const QByteArray mangled = match.captured(1).toLatin1();
    int status = -1;
    const std::unique_ptr<char, decltype(&std::free)> demangled(
        abi::__cxa_demangle(mangled.constData(), nullptr, nullptr, &status), &std::free);
    // A C name (or anything else that is not a mangled C++ name) is shown as it is.
    QString name = status == 0 && demangled ? QString::fromUtf8(demangled.get())
                                            : QString::fromLatin1(mangled);
    if (!match.captured(2).isEmpty())
        name += QStringLiteral(" (version %1)").arg(match.captured(2));
    return Error(Error::Reason::UndefinedSymbol,
                 QStringLiteral("undefined symbol %1 (declared but never defined?)").arg(name), {},
                 source.originPath);
}

QByteArray processMaps()
{
    QFile maps(QStringLiteral("/proc/self/maps"));
    return maps.open(QIODevice::ReadOnly) ? maps.readAll() : QByteArray();
}

struct AddressRange
{
    quintptr begin = 0;
    quintptr end = 0;
};

/*!
 * The loadable segments of the library the dynamic loader lists under one of `names` (the names
 * it was opened by); empty when it lists none (it left). dl_iterate_phdr walks the loader's own
 * list: a few microseconds, where reading /proc/self/maps costs ~100.
 */
QList<AddressRange> loadedSegments(const QList<QByteArray> &names)
{
    struct Search
    {
        const QList<QByteArray> *names;
        QList<AddressRange> segments;
    } search{&names, {}};
    dl_iterate_phdr(
        [](dl_phdr_info *info, size_t, void *data) -> int {
            auto *search = static_cast<Search *>(data);
            if (!info->dlpi_name || !search->names->contains(QByteArray(info->dlpi_name)))
                return 0;
            for (int i = 0; i < info->dlpi_phnum; ++i) {
                const ElfW(Phdr) &segment = info->dlpi_phdr[i];
                if (segment.p_type == PT_LOAD)
                    search->segments.append(
                        {quintptr(info->dlpi_addr + segment.p_vaddr),
                         quintptr(info->dlpi_addr + segment.p_vaddr + segment.p_memsz)});
            }
            return 1;
        },
        &search);
    return search.segments;
}

bool isMapped(const QByteArray &maps, const QString &path)
{
    const QByteArray name = QFile::encodeName(path);
    for (const QByteArray &line : maps.split('\n')) {
        if (line.endsWith(name) || line.endsWith(name + " (deleted)"))
            return true;
    }
    return false;
}

// Every generation alive in the process, to keep Qt's metatype registry right when one unloads.
QMutex g_liveMutex;
QList<Generation *> g_live;

// Qt's registry of custom types has no way to list it; ids are handed out in order from
// QMetaType::User + 1, and only unregistering leaves holes (which the next registration fills
// first). A scan goes past the highest id ever seen and then stops after a run of free ids.
std::atomic<int> g_highestCustomTypeSeen{QMetaType::User};
constexpr int freeIdsEndingTheScan = 256;

//! Ids of registered custom types whose QMetaTypeInterface lies in `ranges` (a library's data).
QList<int> typesRegisteredFrom(const QList<AddressRange> &ranges)
{
    QList<int> out;
    if (ranges.isEmpty())
        return out;
    int highest = g_highestCustomTypeSeen.load(std::memory_order_relaxed);
    int freeRun = 0;
    for (int id = QMetaType::User + 1; id <= highest || freeRun < freeIdsEndingTheScan; ++id) {
        // isRegistered() first: QMetaType(id) warns about an id that is not in use.
        if (!QMetaType::isRegistered(id)) {
            ++freeRun;
            continue;
        }
        freeRun = 0;
        highest = std::max(highest, id);
        const auto address = quintptr(QMetaType(id).iface());
        for (const AddressRange &range : ranges) {
            if (address >= range.begin && address < range.end) {
                out.append(id);
                break;
            }
        }
    }
    int seen = g_highestCustomTypeSeen.load(std::memory_order_relaxed);
    while (seen < highest
           && !g_highestCustomTypeSeen.compare_exchange_weak(seen, highest,
                                                             std::memory_order_relaxed)) {
    }
    return out;
}

/*!
 * Removes custom types from Qt's registry by id, without touching their interfaces (which may
 * be unmapped by now). QMetaType::unregisterMetaType() (public, undocumented in 6.4) reads the
 * id from the interface it is given, frees that registry slot and every name aliasing it, and
 * resets the given interface's id: handing it a stand-in that carries only the id does exactly
 * the registry part.
 */
void forgetRegisteredTypes(const QList<int> &ids)
{
    for (int id : ids) {
        QtPrivate::QMetaTypeInterface standIn{};
        standIn.typeId.storeRelaxed(id);
        QMetaType::unregisterMetaType(QMetaType(&standIn));
    }
}

/*!
 * Qt registers a type once per name: registering a second interface under a name already
 * registered gives it the first one's id (an alias) instead of a registry slot of its own. So
 * when version 1 registered Palette::Mode first and version 2's Palette::Mode was registered
 * during the reload, forgetting version 1's id would leave version 2's interface with an id whose
 * slot is free, and which the next new type will get. These are the interfaces reachable from
 * `meta` (its properties', methods' and gadgets' types) whose id is one of `ids`; resetting their
 * id to 0 afterwards makes them register again, under ids of their own, when next used.
 *
 * Must run before the ids are forgotten: QMetaMethod::returnMetaType() and parameterMetaType()
 * look the type up (QMetaType::id()), which registers a type whose id is 0.
 */
void collectAliases(const QMetaObject *meta, const QSet<int> &ids,
                    QSet<const QtPrivate::QMetaTypeInterface *> *out, int depth = 0)
{
    const auto check = [&](QMetaType type) {
        const QtPrivate::QMetaTypeInterface *iface = type.iface();
        if (!iface)
            return;
        if (ids.contains(iface->typeId.loadRelaxed()))
            out->insert(iface);
        // A gadget's own properties may be of types of the plugin too.
        if ((type.flags() & (QMetaType::IsGadget | QMetaType::PointerToGadget)) && depth < 2)
            if (const QMetaObject *gadget = type.metaObject(); gadget && gadget != meta)
                collectAliases(gadget, ids, out, depth + 1);
    };
    for (; meta && meta != &QObject::staticMetaObject; meta = meta->superClass()) {
        for (int i = meta->propertyOffset(); i < meta->propertyCount(); ++i)
            check(meta->property(i).metaType());
        for (int i = meta->methodOffset(); i < meta->methodCount(); ++i) {
            const QMetaMethod method = meta->method(i);
            check(method.returnMetaType());
            for (int p = 0; p < method.parameterCount(); ++p)
                check(method.parameterMetaType(p));
        }
    }
}

} // namespace

Status checkLibraryComplete(const QString &path, const QString &displayPath)
{
    const QString shown = displayPath.isEmpty() ? path : displayPath;
    const auto incomplete = [&](const QString &why) {
        return Error(Error::Reason::IncompleteFile,
                     QStringLiteral("not a complete shared library: %1").arg(why), {}, shown);
    };
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(Error::Reason::FileNotFound,
                     QStringLiteral("cannot read the file: %1").arg(file.errorString()), {}, shown);
    const qint64 size = file.size();
    const QByteArray header = file.read(64);
    // A file being created is empty, then a prefix of the ELF magic: still being written.
    static const QByteArray magic("\x7f"
                                  "ELF");
    if (size == 0)
        return incomplete(QStringLiteral("the file is empty"));
    if (!header.startsWith(magic.left(header.size())) || !header.startsWith(magic))
        return header.size() < magic.size() && magic.startsWith(header)
                   ? incomplete(QStringLiteral("the ELF header is cut short (%1 bytes)").arg(size))
                   : Error(Error::Reason::NotAPlugin, QStringLiteral("not an ELF shared library"),
                           {}, shown);
    if (header.size() < 16)
        return incomplete(QStringLiteral("the ELF header is cut short (%1 bytes)").arg(size));
    const bool is64 = header.at(4) == 2;
    const bool bigEndian = header.at(5) == 2;
    if (header.size() < (is64 ? 64 : 52))
        return incomplete(QStringLiteral("the ELF header is cut short (%1 bytes)").arg(size));
    const quint16 type = readField<quint16>(header, 16, bigEndian);
    if (type != 3 /* ET_DYN */)
        return Error(Error::Reason::NotAPlugin,
                     QStringLiteral("an ELF file, but not a shared library (type %1)").arg(type),
                     {}, shown);
    const quint64 phoff = is64 ? readField<quint64>(header, 32, bigEndian)
                               : readField<quint32>(header, 28, bigEndian);
    const quint64 shoff = is64 ? readField<quint64>(header, 40, bigEndian)
                               : readField<quint32>(header, 32, bigEndian);
    const quint16 phentsize = readField<quint16>(header, is64 ? 54 : 42, bigEndian);
    const quint16 phnum = readField<quint16>(header, is64 ? 56 : 44, bigEndian);
    const quint16 shentsize = readField<quint16>(header, is64 ? 58 : 46, bigEndian);
    const quint16 shnum = readField<quint16>(header, is64 ? 60 : 48, bigEndian);
    if (phoff + quint64(phentsize) * phnum > quint64(size))
        return incomplete(QStringLiteral("program headers end past the end of the file"));
    if (shoff == 0 || shnum == 0)
        return incomplete(QStringLiteral("no section header table yet"));
    const quint64 shend = shoff + quint64(shentsize) * shnum;
    if (shend > quint64(size))
        return incomplete(QStringLiteral("section headers end at byte %1 of a %2-byte file")
                              .arg(shend)
                              .arg(size));
    // Every section with file contents must lie inside the file.
    if (!file.seek(qint64(shoff)))
        return incomplete(QStringLiteral("cannot seek to the section headers"));
    const QByteArray sections = file.read(qint64(shentsize) * shnum);
    for (quint16 i = 0; i < shnum; ++i) {
        const qsizetype at = qsizetype(i) * shentsize;
        const quint32 shType = readField<quint32>(sections, at + 4, bigEndian);
        if (shType == 8 /* SHT_NOBITS */ || shType == 0)
            continue;
        const quint64 offset = is64 ? readField<quint64>(sections, at + 24, bigEndian)
                                    : readField<quint32>(sections, at + 16, bigEndian);
        const quint64 length = is64 ? readField<quint64>(sections, at + 32, bigEndian)
                                    : readField<quint32>(sections, at + 20, bigEndian);
        if (offset + length > quint64(size))
            return incomplete(QStringLiteral("section %1 ends at byte %2 of a %3-byte file")
                                  .arg(i)
                                  .arg(offset + length)
                                  .arg(size));
    }
    return {};
}

Generation::Generation(quint64 number)
    : m_number(number)
    , m_createdAt(QDateTime::currentDateTime())
{
    QMutexLocker lock(&g_liveMutex);
    g_live.append(this);
}

Generation::~Generation()
{
    for (const Error &error : shutdown().errors())
        qCWarning(lcContainer).noquote() << error.toString();
    for (const Error &error : unload().errors())
        qCWarning(lcContainer).noquote() << error.toString();
    QMutexLocker lock(&g_liveMutex);
    g_live.removeOne(this);
}

void Generation::setConstructionObserver(ConstructionObserver observer)
{
    m_observer = observer;
    m_container.setConstructionObserver(std::move(observer));
}

/*!
 * One loaded plugin library and its registrations, shared by the generations that use it. The
 * descriptors hold the library's code (factories, hooks, routes): the last holder clears them,
 * then unloads the library.
 */
struct Generation::Library
{
    std::unique_ptr<QPluginLoader> loader;
    PluginSource source;
    std::vector<std::shared_ptr<ComponentDescriptor>> descriptors;
    std::atomic<int> holders{1};
};

Status Generation::load(const QList<PluginSource> &plugins, const Generation *previous)
{
    Errors errors;
    QHash<QString, std::shared_ptr<Library>> reusable;
    if (previous) {
        for (const std::shared_ptr<Library> &library : previous->m_libraries)
            reusable.insert(library->source.loadPath, library);
    }
    for (const PluginSource &source : plugins) {
        m_plugins.append(source);
        const QString shown = source.originPath;
        if (const std::shared_ptr<Library> library = reusable.value(source.loadPath)) {
            // The same bytes, already loaded and registered: shared, not loaded again.
            library->holders.fetch_add(1);
            m_libraries.push_back(library);
            m_sharedFiles.append(source.loadPath);
            for (const std::shared_ptr<ComponentDescriptor> &descriptor : library->descriptors)
                m_container.add(descriptor);
            continue;
        }
        if (Status complete = checkLibraryComplete(source.loadPath, shown); !complete) {
            errors.append(complete.errors());
            continue;
        }
        // The default PreventUnloadHint would keep every generation's library mapped forever.
        // Every symbol is bound now (RTLD_NOW): with lazy binding, a function declared but never
        // defined loads fine and kills the process at its first call ("symbol lookup error").
        // The hints are set before the file name, and that order matters: a QPluginLoader made
        // with a file name has PreventUnloadHint, and from Qt 6.5 on setLoadHints() afterwards
        // adds to the hints instead of replacing them, so the library would be opened
        // RTLD_NODELETE (Qt 6.4 replaced them). setFileName() takes the hints already set.
        // See http/qtcompat.h, "Plugin load hints".
        auto loader = std::make_unique<QPluginLoader>();
        loader->setLoadHints(QLibrary::ResolveAllSymbolsHint);
        loader->setFileName(source.loadPath);
        const QJsonObject meta = loader->metaData();
        if (meta.isEmpty()) {
            errors.append(
                Error(Error::Reason::NotAPlugin,
                      QStringLiteral("a shared library without Qt plugin metadata (was it "
                                     "built with qreload_add_plugin?)"),
                      {}, shown));
            continue;
        }
        const QString iid = meta.value(QLatin1String("IID")).toString();
        if (iid != QLatin1String(QRELOAD_PROVIDER_IID)) {
            errors.append(Error(Error::Reason::IncompatiblePlugin,
                                QStringLiteral("a Qt plugin with IID \"%1\"; qreload loads \"%2\" "
                                               "(rebuild it with this qreload's SDK)")
                                    .arg(iid, QLatin1String(QRELOAD_PROVIDER_IID)),
                                {}, shown));
            continue;
        }
        if (m_observer)
            m_observer(shown, PluginCall::Load);
        if (!loader->load()) {
            errors.append(loadError(source, loader->errorString()));
            continue;
        }
        if (m_observer)
            m_observer(shown, PluginCall::Register);
        auto *provider = qobject_cast<ComponentProvider *>(loader->instance());
        if (!provider) {
            errors.append(Error(Error::Reason::IncompatiblePlugin,
                                QStringLiteral("the plugin's root object does not implement %1")
                                    .arg(QLatin1String(QRELOAD_PROVIDER_IID)),
                                {}, shown));
            // Its code ran (static initialisers, the root object): unloaded like any other.
            unloadLibrary(*loader, &errors);
            continue;
        }
        Registry registry(shown);
        try {
            provider->registerComponents(registry);
        } catch (const std::exception &e) {
            errors.append(Error(Error::Reason::RegistrationFailed,
                                QStringLiteral("the registration function threw: %1")
                                    .arg(QString::fromUtf8(e.what())),
                                {}, shown));
        } catch (...) {
            errors.append(Error(Error::Reason::RegistrationFailed,
                                QStringLiteral("the registration function threw"), {}, shown));
        }
        auto library = std::make_shared<Library>();
        library->loader = std::move(loader);
        library->source = source;
        for (ComponentDescriptor &descriptor : registry.takeComponents()) {
            library->descriptors.push_back(Container::shared(std::move(descriptor)));
            m_container.add(library->descriptors.back());
        }
        m_libraries.push_back(std::move(library));
    }
    return errors;
}

Status Generation::unload()
{
    // Instances and descriptors hold plugin code: they must be gone before the library is.
    Errors errors = m_container.shutdown().errors();
    if (m_libraries.empty())
        return errors;
    // Let go of every library; the ones no other generation holds are unloaded here.
    std::vector<std::shared_ptr<Library>> unloading;
    for (auto it = m_libraries.rbegin(); it != m_libraries.rend(); ++it) {
        if ((*it)->holders.fetch_sub(1) == 1)
            unloading.push_back(*it);
    }
    m_libraries.clear();
    if (unloading.empty())
        return errors;
    // Objects of this generation given to deleteLater() (by a destructor or hook just now, or
    // earlier) are deleted while their destructors' code is still mapped. This sends every
    // deferred delete of the calling thread: deleteLater() promises no more than "once control
    // is back in the event loop", and one reload is such a point.
    if (QCoreApplication::instance())
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);

    QList<UnloadedLibrary> unloaded;
    for (const std::shared_ptr<Library> &library : unloading) {
        // Its registrations hold its code; every container using them is shut down by now.
        for (const std::shared_ptr<ComponentDescriptor> &descriptor : library->descriptors) {
            descriptor->factory = nullptr;
            descriptor->afterConstruct = nullptr;
            descriptor->beforeDestroy = nullptr;
            descriptor->saveState = nullptr;
            descriptor->restoreState = nullptr;
            descriptor->metaObject = nullptr;
            for (Route &route : descriptor->routes)
                route.handler = nullptr;
        }
        if (std::optional<UnloadedLibrary> gone = unloadLibrary(*library->loader, &errors))
            unloaded.append(*gone);
        m_unloadedFiles.append(library->source.loadPath);
    }

    // Invariant 3: unloaded libraries leave the address space. Something that still holds one
    // (a thread_local with a destructor on a live thread, a library linking it) keeps its code
    // and data mapped until the process exits: worth a warning, since each reload adds a copy.
    // The loader's list says whether it left; /proc/self/maps confirms what stayed.
    QByteArray maps;
    for (const UnloadedLibrary &library : std::as_const(unloaded)) {
        if (loadedSegments(library.names).isEmpty())
            continue;
        if (maps.isEmpty())
            maps = processMaps();
        if (!isMapped(maps, library.shownPath))
            continue;
        const Error error(Error::Reason::LibraryStillLoaded,
                          QStringLiteral("the library stayed in memory after it was unloaded "
                                         "(%1): something keeps it loaded, such as a thread_local "
                                         "object with a destructor, or a library that links it")
                              .arg(library.shownPath),
                          {}, originOf(library.path));
        qCWarning(lcContainer).noquote() << error.toString();
        errors.append(error);
    }
    return errors;
}

std::optional<Generation::UnloadedLibrary> Generation::unloadLibrary(QPluginLoader &loader,
                                                                     Errors *errors)
{
    if (!loader.isLoaded())
        return std::nullopt;
    const QString path = loader.fileName();
    // The loader lists the library by the name it was opened with; /proc/self/maps shows the
    // resolved path.
    const QString resolved = QFileInfo(path).canonicalFilePath();
    const QList<QByteArray> names{QFile::encodeName(path), QFile::encodeName(resolved)};
    // Its types leave Qt's registry before it is unloaded: a type left there would point into
    // unmapped memory, and looking up any of their names (QMetaType::fromName, or registering
    // the next version's type of the same name, perhaps on another thread) would read it.
    const QList<AddressRange> segments = loadedSegments(names);
    const QList<int> types = typesRegisteredFrom(segments);
    if (!types.isEmpty()) {
        const QSet<int> ids(types.cbegin(), types.cend());
        QSet<const QtPrivate::QMetaTypeInterface *> aliases;
        {
            QMutexLocker lock(&g_liveMutex);
            for (Generation *other : std::as_const(g_live)) {
                if (other == this)
                    continue;
                for (const QMetaObject *meta : other->m_container.metaObjects())
                    collectAliases(meta, ids, &aliases);
            }
        }
        forgetRegisteredTypes(types);
        for (const QtPrivate::QMetaTypeInterface *alias : std::as_const(aliases))
            const_cast<QtPrivate::QMetaTypeInterface *>(alias)->typeId.storeRelease(0);
    }
    if (!loader.unload()) {
        errors->append(Error(Error::Reason::LoadFailed,
                             QStringLiteral("could not unload: %1").arg(loader.errorString()), {},
                             originOf(path)));
        return std::nullopt;
    }
    // The library's own destructors ran plugin code while it unloaded (Qt's registerConverter()
    // leaves a static guard there that unregisters the converter, looking its types up); a type
    // they registered again is found by address alone: the interfaces are unmapped now, and
    // forgetting by id does not read them.
    forgetRegisteredTypes(typesRegisteredFrom(segments));
    return UnloadedLibrary{path, resolved.isEmpty() ? path : resolved, names};
}

QString Generation::originOf(const QString &loadPath) const
{
    for (const PluginSource &source : m_plugins) {
        if (source.loadPath == loadPath
            || QFileInfo(source.loadPath).canonicalFilePath() == loadPath)
            return source.originPath;
    }
    return loadPath;
}

GraphDiff Generation::graphDiff(const Generation *before, const Generation &after)
{
    if (!before)
        return GraphDiff::between(Container(), after.container(), {});
    QHash<QString, QByteArray> oldHashes;
    for (const PluginSource &source : before->plugins())
        oldHashes.insert(source.originPath, source.contentHash);
    QSet<QString> changedFiles;
    for (const PluginSource &source : after.plugins()) {
        const auto it = oldHashes.constFind(source.originPath);
        if (it == oldHashes.constEnd() || *it != source.contentHash || source.contentHash.isEmpty())
            changedFiles.insert(source.originPath);
    }
    return GraphDiff::between(before->container(), after.container(), changedFiles);
}

} // namespace qreload
