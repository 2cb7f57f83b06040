#include "cmakebuildfolder.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

namespace qreload::app {

namespace {

//! Symbolic links and `..` resolved, so /tmp/x and /private/tmp/x (or a linked home) compare equal.
QString canonical(const QString &path)
{
    const QString resolved = QFileInfo(path).canonicalFilePath();
    return resolved.isEmpty() ? QDir::cleanPath(path) : resolved;
}

} // namespace

CMakeBuildFolder::Toolchain CMakeBuildFolder::Toolchain::ofThisQreload()
{
    Toolchain toolchain;
    if (!QStandardPaths::findExecutable(QStringLiteral("ninja")).isEmpty())
        toolchain.generator = QStringLiteral("Ninja");
    // Debug, not qreload's own build type: a plugin is rebuilt on every save, and Debug compiles
    // fastest (with qreload_add_plugin's default of no debug information). A project configured
    // by hand keeps its own CMAKE_BUILD_TYPE.
    toolchain.buildType = QStringLiteral("Debug");
    toolchain.cxxCompiler = pluginCompiler();
    if (QCoreApplication::instance())
        toolchain.prefixPath
            = QDir::cleanPath(QCoreApplication::applicationDirPath() + QStringLiteral("/.."));
    return toolchain;
}

QString CMakeBuildFolder::Toolchain::pluginCompiler()
{
    const QString chosen = qEnvironmentVariable("QRELOAD_PLUGIN_CXX").trimmed();
    if (!chosen.isEmpty()) {
        // As given when it is not on PATH: CMake then names what is wrong with it.
        const QString found = chosen.contains(QLatin1Char('/'))
                                  ? QString()
                                  : QStandardPaths::findExecutable(chosen);
        return found.isEmpty() ? chosen : found;
    }
    // The newest versioned one first, whatever its number: a distribution's plain clang++ may be
    // an older default (Debian 12: clang++ is 14 when a newer clang-N is installed too).
    int newest = -1;
    QString newestPath;
    const QStringList pathDirs
        = qEnvironmentVariable("PATH").split(QLatin1Char(':'), Qt::SkipEmptyParts);
    for (const QString &dir : pathDirs) {
        const QFileInfoList candidates = QDir(dir).entryInfoList({QStringLiteral("clang++-*")},
                                                                 QDir::Files | QDir::Executable);
        for (const QFileInfo &candidate : candidates) {
            bool isNumber = false;
            const int version = candidate.fileName().mid(8).toInt(&isNumber);
            if (isNumber && version > newest) {
                newest = version;
                newestPath = candidate.absoluteFilePath();
            }
        }
    }
    if (!newestPath.isEmpty())
        return newestPath;
    const QString plain = QStandardPaths::findExecutable(QStringLiteral("clang++"));
    if (!plain.isEmpty())
        return plain;
#ifdef QRELOAD_CXX_COMPILER
    // The compiler the SDK library was built with, when this machine has it (an installed
    // package's /usr/bin/c++ is there; a build tree's ccache wrapper may not be).
    if (QFileInfo(QStringLiteral(QRELOAD_CXX_COMPILER)).isExecutable())
        return QStringLiteral(QRELOAD_CXX_COMPILER);
#endif
    return {};
}

CMakeBuildFolder::CMakeBuildFolder(QString sourceDir, QString buildDir)
    : m_sourceDir(QDir::cleanPath(sourceDir))
    , m_buildDir(QDir::cleanPath(buildDir))
{}

QString CMakeBuildFolder::homeDirectoryOf(const QString &cacheFile)
{
    return cacheValue(cacheFile, "CMAKE_HOME_DIRECTORY");
}

QString CMakeBuildFolder::cacheValue(const QString &cacheFile, const QByteArray &key)
{
    QFile file(cacheFile);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    const QByteArray prefix = key + ':';
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (!line.startsWith(prefix))
            continue;
        const qsizetype equals = line.indexOf('=');
        if (equals > 0)
            return QString::fromLocal8Bit(line.mid(equals + 1));
    }
    return {};
}

QString CMakeBuildFolder::configuredSourceDir() const
{
    return homeDirectoryOf(QDir(m_buildDir).filePath(QStringLiteral("CMakeCache.txt")));
}

CMakeBuildFolder::State CMakeBuildFolder::state() const
{
    const QString home = configuredSourceDir();
    if (home.isEmpty())
        return State::Unconfigured;
    return canonical(home) == canonical(m_sourceDir) ? State::Configured : State::Foreign;
}

QString CMakeBuildFolder::foreignError() const
{
    return QStringLiteral("build folder %1 belongs to another source folder, %2 (its "
                          "CMakeCache.txt says so), not to this project's %3; qreload never "
                          "builds another project's tree: delete %1, or name another folder "
                          "in build.directory")
        .arg(QDir::toNativeSeparators(m_buildDir), QDir::toNativeSeparators(configuredSourceDir()),
             QDir::toNativeSeparators(m_sourceDir));
}

QStringList CMakeBuildFolder::configureArguments(const Toolchain &toolchain) const
{
    QStringList arguments{toolchain.cmake, QStringLiteral("-S"), m_sourceDir, QStringLiteral("-B"),
                          m_buildDir};
    if (!toolchain.generator.isEmpty())
        arguments << QStringLiteral("-G") << toolchain.generator;
    if (!toolchain.buildType.isEmpty())
        arguments << QStringLiteral("-DCMAKE_BUILD_TYPE=") + toolchain.buildType;
    if (!toolchain.cxxCompiler.isEmpty())
        arguments << QStringLiteral("-DCMAKE_CXX_COMPILER=") + toolchain.cxxCompiler;
    if (!toolchain.prefixPath.isEmpty())
        arguments << QStringLiteral("-DCMAKE_PREFIX_PATH=") + toolchain.prefixPath;
    return arguments;
}

QStringList CMakeBuildFolder::nativeBuildArguments(const QStringList &cmakeBuild) const
{
    if (cmakeBuild.size() < 3 || QFileInfo(cmakeBuild.at(0)).fileName() != QLatin1String("cmake")
        || cmakeBuild.at(1) != QLatin1String("--build")
        || QDir::cleanPath(cmakeBuild.at(2)) != m_buildDir)
        return {};
    QStringList targets;
    for (qsizetype i = 3; i < cmakeBuild.size(); ++i) {
        const QString &argument = cmakeBuild.at(i);
        if (argument == QLatin1String("--target") || argument == QLatin1String("-t")) {
            // --target takes one or more targets, up to the next option.
            for (++i; i < cmakeBuild.size() && !cmakeBuild.at(i).startsWith(QLatin1Char('-')); ++i)
                targets.append(cmakeBuild.at(i));
            --i;
            continue;
        }
        return {}; // --config, -j, --clean-first, --verbose, -- <native options>: CMake's job
    }
    const QDir build(m_buildDir);
    const QString cache = build.filePath(QStringLiteral("CMakeCache.txt"));
    if (state() != State::Configured
        || cacheValue(cache, "CMAKE_GENERATOR") != QLatin1String("Ninja")
        || !QFileInfo(build.filePath(QStringLiteral("build.ninja"))).isFile())
        return {};
    const QString ninja = cacheValue(cache, "CMAKE_MAKE_PROGRAM");
    if (ninja.isEmpty() || !QFileInfo(ninja).isExecutable())
        return {};
    return QStringList{ninja, QStringLiteral("-C"), m_buildDir} + targets;
}

} // namespace qreload::app
