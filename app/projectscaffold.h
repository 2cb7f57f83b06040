#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace qreload::app {

/*!
 * `qreload new <dir> [--name <name>]`: writes a project that `qreload <dir>` configures, builds
 * and serves — a CMakeLists.txt using find_package(qreload) and qreload_add_plugin(), one
 * component answering an HTML page at / and JSON at /api/hello, a qreload.json without build
 * settings, a .gitignore and a short README.
 *
 * The templates live here, in one place. A folder that holds anything (but a .git) is refused,
 * so nothing of the user's is ever overwritten.
 */
class ProjectScaffold
{
public:
    //! Why a project was not created.
    struct Error
    {
        enum class Reason {
            BadName,        //!< the name is not a C++ and CMake identifier qreload can use
            FolderNotEmpty, //!< the folder exists and holds files
            NotAFolder,     //!< the path exists and is a file
            CannotWrite,    //!< a folder or file could not be created
            Usage,          //!< the command line is wrong
        };
        Reason reason = Reason::Usage;
        QString message;
    };

    //! Why `name` cannot name a project (and so its plugin target and source); empty when it can.
    static QString nameProblem(const QString &name);
    //! The name a folder gives by default: its last path component.
    static QString defaultName(const QString &dir);
    /*!
     * Creates the project in `dir` (made when missing). Returns the files written, relative to
     * `dir`, or the error; on an error nothing of the user's was touched.
     */
    static std::optional<QStringList> create(const QString &dir, const QString &name, Error *error);
    /*!
     * The `new` subcommand: `arguments` start with "new". Prints what it did (stdout) or the
     * error (stderr) and returns the exit code: 0, or 2 for any error.
     */
    static int run(const QStringList &arguments);
    //! The text and content of each file of a project called `name`, by relative path.
    static QList<std::pair<QString, QByteArray>> files(const QString &name);
};

} // namespace qreload::app
