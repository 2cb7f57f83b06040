#include "qreload/generation.h"

#include "qreload/plugin.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPluginLoader>
#include <QRegularExpression>
#include <QtEndian>

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcContainer)

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
{}

Generation::~Generation()
{
    for (const Error &error : shutdown().errors())
        qCWarning(lcContainer).noquote() << error.toString();
    for (const Error &error : unload().errors())
        qCWarning(lcContainer).noquote() << error.toString();
}

Status Generation::load(const QList<PluginSource> &plugins)
{
    Errors errors;
    for (const PluginSource &source : plugins) {
        m_plugins.append(source);
        const QString shown = source.originPath;
        if (Status complete = checkLibraryComplete(source.loadPath, shown); !complete) {
            errors.append(complete.errors());
            continue;
        }
        auto loader = std::make_unique<QPluginLoader>(source.loadPath);
        // The default PreventUnloadHint would keep every generation's library mapped forever.
        // Every symbol is bound now (RTLD_NOW): with lazy binding, a function declared but never
        // defined loads fine and kills the process at its first call ("symbol lookup error").
        loader->setLoadHints(QLibrary::ResolveAllSymbolsHint);
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
        if (!loader->load()) {
            errors.append(loadError(source, loader->errorString()));
            continue;
        }
        auto *provider = qobject_cast<ComponentProvider *>(loader->instance());
        if (!provider) {
            errors.append(Error(Error::Reason::IncompatiblePlugin,
                                QStringLiteral("the plugin's root object does not implement %1")
                                    .arg(QLatin1String(QRELOAD_PROVIDER_IID)),
                                {}, shown));
            loader->unload();
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
        m_container.add(registry.takeComponents());
        m_loaders.push_back(std::move(loader));
    }
    return errors;
}

Status Generation::unload()
{
    // Instances and descriptors hold plugin code: they must be gone before the library is.
    Errors errors = m_container.shutdown().errors();
    for (auto it = m_loaders.rbegin(); it != m_loaders.rend(); ++it) {
        QPluginLoader &loader = **it;
        if (loader.isLoaded() && !loader.unload())
            errors.append(Error(Error::Reason::LoadFailed,
                                QStringLiteral("could not unload: %1").arg(loader.errorString()),
                                {}, loader.fileName()));
    }
    m_loaders.clear();
    return errors;
}

} // namespace qreload
