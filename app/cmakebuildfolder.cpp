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
#ifdef QRELOAD_BUILD_TYPE
    toolchain.buildType = QStringLiteral(QRELOAD_BUILD_TYPE);
#endif
#ifdef QRELOAD_CXX_COMPILER
    // The compiler the SDK library was built with, when this machine has it (an installed
    // package's /usr/bin/c++ is there; a build tree's ccache wrapper may not be).
    if (QFileInfo(QStringLiteral(QRELOAD_CXX_COMPILER)).isExecutable())
        toolchain.cxxCompiler = QStringLiteral(QRELOAD_CXX_COMPILER);
#endif
    if (QCoreApplication::instance())
        toolchain.prefixPath
            = QDir::cleanPath(QCoreApplication::applicationDirPath() + QStringLiteral("/.."));
    return toolchain;
}

CMakeBuildFolder::CMakeBuildFolder(QString sourceDir, QString buildDir)
    : m_sourceDir(QDir::cleanPath(sourceDir))
    , m_buildDir(QDir::cleanPath(buildDir))
{}

QString CMakeBuildFolder::homeDirectoryOf(const QString &cacheFile)
{
    QFile file(cacheFile);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    static const QByteArray key = "CMAKE_HOME_DIRECTORY:";
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (!line.startsWith(key))
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

} // namespace qreload::app
