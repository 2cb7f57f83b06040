#pragma once

#include <connectionlimits.h>

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace qreload::app {

//! One problem in a qreload.json, naming the key (dotted path) and, where known, the line.
struct ConfigError
{
    enum class Reason {
        FileNotFound,  //!< the config file (or the project folder's qreload.json) does not exist
        Unreadable,    //!< the file exists but cannot be read
        Syntax,        //!< the file is not valid JSON; line and column say where
        WrongType,     //!< a key holds a value of the wrong JSON type
        BadValue,      //!< the type is right but the value is out of range or malformed
        UnknownKey,    //!< a key qreload does not know (usually a typo)
        Missing,       //!< a key that another key needs is absent
        UnsetVariable, //!< ${env:NAME} names an environment variable that is not set
    };

    Reason reason = Reason::BadValue;
    QString file;
    QString key; //!< dotted path: "build.timeoutMs", "plugins[1]"; empty for file-level errors
    int line = 0;
    int column = 0;
    QString message;

    //! "path/qreload.json:12: build.timeoutMs: must be ..." — the form editors make clickable.
    QString toString() const;
};

/*!
 * A project as qreload.json describes it: plugin folders, source folders and their globs, the
 * build command, timings and the preview server address. Every path is absolute once loaded;
 * relative paths in the file are relative to the folder that holds it.
 *
 * String values may use ${projectDir}, ${buildDir}, ${qreloadBuildDir}, ${qreloadSourceDir},
 * ${env:NAME} (an error when NAME is not set) and ${env:NAME:-default} (the default when NAME is
 * unset or empty); the build command may also use ${targets}, replaced when a build runs by the
 * targets whose source folders changed (see buildArguments()).
 *
 * A CMake project (a CMakeLists.txt beside qreload.json) needs no build settings: its build
 * folder is `build` (build.directory), configured by qreload when it has no CMakeCache.txt, its
 * build command `cmake --build ${buildDir}` (with `--target ${targets}` when build.targets is
 * given), its plugins `${buildDir}/plugins` (where qreload_add_plugin writes them) and its
 * sources the project folder.
 */
class ProjectConfig
{
public:
    //! Where the ${qreload...} variables point: the build and source trees qreload was built from.
    struct Context
    {
        QString qreloadBuildDir;
        QString qreloadSourceDir;
    };

    //! The file name looked for in a project folder.
    static QString fileName() { return QStringLiteral("qreload.json"); }

    /*!
     * Reads a config file, or a project folder's qreload.json. Either the config or every problem
     * found (never both, never a partial config).
     */
    static std::optional<ProjectConfig> load(const QString &fileOrFolder, const Context &context,
                                             QList<ConfigError> *errors);
    //! As load(), from bytes; `file` names the source in errors and anchors relative paths.
    static std::optional<ProjectConfig> parse(const QByteArray &json, const QString &file,
                                              const Context &context, QList<ConfigError> *errors);

    QString file;       //!< the qreload.json this came from (empty when built by hand)
    QString projectDir; //!< the folder holding it

    QStringList pluginDirs;
    QStringList sourceDirs;
    QStringList includeGlobs; //!< files in source folders that start a build
    QStringList excludeGlobs; //!< in addition to the built-in ignores (see PathFilter)

    //! The CMake build folder (${buildDir}): build.directory, or <project>/build in a CMake
    //! project; empty otherwise.
    QString buildDir;
    /*!
     * qreload configures buildDir from projectDir when it holds no CMakeCache.txt: true in a CMake
     * project whose build command is the default one or whose build.directory is given (a custom
     * command without build.directory builds a tree qreload knows nothing about).
     */
    bool configuresBuildDir = false;

    QStringList buildCommand;       //!< argv; empty: no build (watch plugin folders only)
    bool buildThroughShell = false; //!< the file gave a string: run it with /bin/sh -c
    QString buildWorkingDir;
    int buildTimeoutMs = 120000;
    //! target -> source folders (absolute); empty when the command does not use ${targets}
    QHash<QString, QStringList> buildTargets;

    int quietPeriodMs = 100;
    int port = 8765;
    QString host = QStringLiteral("127.0.0.1");
    //! The preview server's HTTP limits ("http": {"maxBodyBytes", "idleTimeoutMs",
    //! "maxConnections"}).
    ConnectionLimits httpLimits;
    //! HTML pages of component routes get the live-reload script ("liveReload", default true).
    bool liveReload = true;

    bool hasBuild() const { return !buildCommand.isEmpty(); }
    /*!
     * The program and arguments for a build after these files changed: ${targets} becomes the
     * targets whose folders hold a changed file, or every target when a changed file is in no
     * target's folder (a shared header, say).
     */
    QStringList buildArguments(const QStringList &changedFiles) const;
    //! The targets buildArguments() would pick, sorted.
    QStringList targetsFor(const QStringList &changedFiles) const;
    //! The command as a user would type it (for the log).
    QString buildCommandLine(const QStringList &changedFiles) const;

    //! The folder holds a CMakeLists.txt: a CMake project, with build defaults.
    static bool isCMakeProject(const QString &projectDir);

    //! The default include globs: C and C++ sources and headers, CMake and Qt build inputs.
    static QStringList defaultIncludeGlobs();
};

} // namespace qreload::app
