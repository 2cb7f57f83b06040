#pragma once

#include <QString>
#include <QStringList>

namespace qreload::app {

/*!
 * The CMake build folder of a source-mode project: whether it is configured, for which source
 * folder, and the command that configures it the way qreload's own plugins are built.
 *
 * qreload configures a project's build folder itself when it holds no CMakeCache.txt, and never
 * builds a folder whose CMakeCache.txt belongs to another source folder (a copied project whose
 * build folder came along, or a build.directory pointing at someone else's tree): building there
 * would compile the other tree's sources and serve them as this project's.
 */
class CMakeBuildFolder
{
public:
    //! How qreload configures a project: as its own plugins were configured.
    struct Toolchain
    {
        QString cmake = QStringLiteral("cmake"); //!< the program
        QString generator;                       //!< -G; empty: CMake's default
        QString buildType;                       //!< CMAKE_BUILD_TYPE; empty: none given
        QString cxxCompiler;                     //!< CMAKE_CXX_COMPILER; empty: CMake's choice
        QString prefixPath;                      //!< CMAKE_PREFIX_PATH: where qreload's package is

        /*!
         * The running qreload's: Ninja when it is on PATH, build type Debug (whatever qreload was
         * built with: the fastest rebuilds), pluginCompiler(), and CMAKE_PREFIX_PATH=<the
         * executable's folder>/.. (an installed qreload's prefix, or the build tree that exports
         * the qreload package).
         */
        static Toolchain ofThisQreload();
        /*!
         * The C++ compiler a project's plugins are built with: the environment's
         * QRELOAD_PLUGIN_CXX when set (a name on PATH or a path; `g++` forces GCC), else Clang
         * when one is on PATH (clang++-N from 19 down to 11, else clang++: with its code-generating
         * precompiled header it compiles a plugin in about half of GCC's time), else the compiler
         * qreload was built with when this machine has it, else empty (CMake's choice). Plugins
         * and the SDK library share the C++ ABI (Itanium, libstdc++) whichever builds them.
         */
        static QString pluginCompiler();
    };

    enum class State {
        Unconfigured, //!< no CMakeCache.txt (or no folder yet): configure before building
        Configured,   //!< CMakeCache.txt of this source folder
        Foreign,      //!< CMakeCache.txt of another source folder: never build it
    };

    CMakeBuildFolder(QString sourceDir, QString buildDir);

    QString sourceDir() const { return m_sourceDir; }
    QString buildDir() const { return m_buildDir; }
    State state() const;
    //! CMAKE_HOME_DIRECTORY of the folder's CMakeCache.txt; empty when there is none.
    QString configuredSourceDir() const;
    //! For a Foreign folder: the error naming both folders and what to do.
    QString foreignError() const;
    //! `cmake -S <source> -B <build> ...` as program and arguments.
    QStringList configureArguments(const Toolchain &toolchain) const;
    /*!
     * What `cmake --build <build> [--target <t>...]` (`cmakeBuild`, program first) runs, without
     * starting CMake: `<ninja> -C <build> [<t>...]` for a folder configured with the Ninja
     * generator (CMakeCache.txt names it and its CMAKE_MAKE_PROGRAM; build.ninja exists). That is
     * exactly the command `cmake --build` would start; ninja re-runs CMake itself when a
     * CMakeLists.txt or another configure input changed (build.ninja's own rule), and follows
     * header and moc dependencies through its depfiles. Saves starting CMake (40-60 ms) on every
     * build. Empty when `cmakeBuild` has options other than --target, builds another folder, or
     * the folder is not a configured Ninja folder: then run `cmakeBuild` as it is.
     */
    QStringList nativeBuildArguments(const QStringList &cmakeBuild) const;

    //! CMAKE_HOME_DIRECTORY from a CMakeCache.txt; empty when the file or the entry is missing.
    static QString homeDirectoryOf(const QString &cacheFile);
    //! The value of `key` (e.g. CMAKE_GENERATOR) in a CMakeCache.txt; empty when missing.
    static QString cacheValue(const QString &cacheFile, const QByteArray &key);

private:
    QString m_sourceDir;
    QString m_buildDir;
};

} // namespace qreload::app
