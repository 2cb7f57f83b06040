#include "projectscaffold.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>

#include <cstdio>

namespace qreload::app {

namespace {

// --- The templates of `qreload new`. @NAME@ is the project's name. ---

constexpr const char *CMakeListsTemplate = R"(cmake_minimum_required(VERSION 3.25)
project(@NAME@ LANGUAGES CXX)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)

# qreload's plugin SDK: qreload::container and qreload_add_plugin(). When qreload configures
# this project it points CMAKE_PREFIX_PATH at itself; elsewhere pass
# -DCMAKE_PREFIX_PATH=<where qreload is installed>.
find_package(qreload 0.2 REQUIRED)

# A reloadable component plugin, written to build/plugins, where qreload loads it from.
# Another plugin is one more line: qreload_add_plugin(other SOURCES other.cpp)
qreload_add_plugin(@NAME@ SOURCES @NAME@.cpp)
)";

constexpr const char *SourceTemplate
    = R"(// The component of @NAME@. Run `qreload .` in this folder, open the URL it prints, then edit
// greeting() below and save: the page serves the new text, without a restart.
#include <qreload/plugin.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>

class Greeter : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString greeting READ greeting CONSTANT)

public:
    Q_INVOKABLE QString greeting() const { return QStringLiteral("Hello from @NAME@"); }
};

QRELOAD_COMPONENTS(registry)
{
    registry.add<Greeter>("@NAME@.Greeter")
        .route("/",
               [](Greeter &greeter) {
                   return qreload::Response::html(
                       QStringLiteral("<!DOCTYPE html>\n<title>@NAME@</title>\n<h1>%1</h1>\n"
                                      "<p>Edit @NAME@.cpp and save; this page follows.</p>\n")
                           .arg(greeter.greeting().toHtmlEscaped()));
               })
        // GET /api/hello?name=Ada answers {"greeting": "Hello from @NAME@", "name": "Ada"}
        .route("/api/hello", [](Greeter &greeter, const qreload::Request &request) {
            const QString name = request.query.queryItemValue(QStringLiteral("name"));
            return qreload::Response::json(QJsonDocument(QJsonObject{
                {QStringLiteral("greeting"), greeter.greeting()},
                {QStringLiteral("name"), name.isEmpty() ? QStringLiteral("world") : name},
            }));
        });
}

#include "@NAME@.moc"
)";

constexpr const char *ConfigTemplate = R"({
  "port": 8765,
  "quietPeriodMs": 100
}
)";

constexpr const char *GitIgnoreTemplate = R"(/build/
.qreload.lock
.qreload.session
)";

constexpr const char *ReadmeTemplate = R"(# @NAME@

A service built from reloadable qreload component plugins.

    qreload .                          # configure, build and serve; the console opens
    qreload --headless --port 0 .      # the same without a window; prints the URL

Then edit `@NAME@.cpp` and save: qreload rebuilds the plugin and the running server answers
with the new code. A build error is shown with its file and line, and the previous version
keeps serving until the code compiles again.

- `GET /` answers an HTML page (`qreload::Response::html`).
- `GET /api/hello?name=Ada` answers JSON (`qreload::Response::json`).

qreload configures `build/` itself (Ninja when installed; Debug; Clang when installed, which
rebuilds a plugin about twice as fast as GCC: `QRELOAD_PLUGIN_CXX=g++ qreload .` before the first
run picks GCC) and loads the plugins from `build/plugins`. To add a plugin, write `other.cpp` with its own `QRELOAD_COMPONENTS` and add
`qreload_add_plugin(other SOURCES other.cpp)` to CMakeLists.txt. qreload.json holds the preview
port and the quiet period.
)";

QByteArray fill(const char *text, const QString &name)
{
    return QByteArray(text).replace("@NAME@", name.toUtf8());
}

const QStringList &reservedNames()
{
    // CMake's own targets, qreload's, and names find_package(qreload) sets variables for.
    static const QStringList names{
        QStringLiteral("all"),
        QStringLiteral("clean"),
        QStringLiteral("help"),
        QStringLiteral("install"),
        QStringLiteral("package"),
        QStringLiteral("package_source"),
        QStringLiteral("test"),
        QStringLiteral("edit_cache"),
        QStringLiteral("rebuild_cache"),
        QStringLiteral("list_install_components"),
        QStringLiteral("qreload"),
        QStringLiteral("qreload_plugin_pch"),
        QStringLiteral("qreload_container"),
        QStringLiteral("Qt6"),
    };
    return names;
}

const QStringList &cppKeywords()
{
    static const QStringList keywords
        = QStringLiteral(
              "alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t "
              "char16_t char32_t class compl concept const consteval constexpr constinit "
              "const_cast "
              "continue co_await co_return co_yield decltype default delete do double dynamic_cast "
              "else enum explicit export extern false float for friend goto if inline int long "
              "mutable namespace new noexcept not not_eq nullptr operator or or_eq private "
              "protected "
              "public register reinterpret_cast requires return short signed sizeof static "
              "static_assert static_cast struct switch template this thread_local throw true try "
              "typedef typeid typename union unsigned using virtual void volatile wchar_t while "
              "xor "
              "xor_eq")
              .split(QLatin1Char(' '));
    return keywords;
}

//! The folder holds nothing but (perhaps) a .git: `git init x && qreload new x` works.
bool isEmptyFolder(const QString &dir, QStringList *entries)
{
    *entries = QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::System
                                   | QDir::NoDotAndDotDot);
    entries->removeAll(QStringLiteral(".git"));
    return entries->isEmpty();
}

} // namespace

QString ProjectScaffold::defaultName(const QString &dir)
{
    return QFileInfo(QDir::cleanPath(QDir(dir).absolutePath())).fileName();
}

QString ProjectScaffold::nameProblem(const QString &name)
{
    static const QRegularExpression identifier(QStringLiteral("^[A-Za-z][A-Za-z0-9_]*$"));
    if (name.isEmpty())
        return QStringLiteral("the project name is empty; give one with --name");
    if (name.size() > 64)
        return QStringLiteral("the project name \"%1\" is longer than 64 characters").arg(name);
    if (!identifier.match(name).hasMatch()) {
        QString suggestion = name;
        suggestion.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_]")),
                           QStringLiteral("_"));
        if (!suggestion.isEmpty() && !suggestion.at(0).isLetter())
            suggestion.prepend(QStringLiteral("app_"));
        return QStringLiteral("the project name \"%1\" is not an identifier: it names the plugin "
                              "target, its source file and the component key, so it must start "
                              "with a letter and hold only letters, digits and _ (try --name %2)")
            .arg(name, suggestion);
    }
    if (cppKeywords().contains(name))
        return QStringLiteral("the project name \"%1\" is a C++ keyword; choose another with "
                              "--name")
            .arg(name);
    if (reservedNames().contains(name, Qt::CaseInsensitive))
        return QStringLiteral("the project name \"%1\" is taken by CMake, Qt or qreload itself "
                              "(reserved: %2); choose another with --name")
            .arg(name, reservedNames().join(QStringLiteral(", ")));
    return {};
}

QList<std::pair<QString, QByteArray>> ProjectScaffold::files(const QString &name)
{
    return {
        {QStringLiteral("CMakeLists.txt"), fill(CMakeListsTemplate, name)},
        {name + QStringLiteral(".cpp"), fill(SourceTemplate, name)},
        {QStringLiteral("qreload.json"), fill(ConfigTemplate, name)},
        {QStringLiteral(".gitignore"), fill(GitIgnoreTemplate, name)},
        {QStringLiteral("README.md"), fill(ReadmeTemplate, name)},
    };
}

std::optional<QStringList> ProjectScaffold::create(const QString &dir, const QString &name,
                                                   Error *error)
{
    const QString path = QDir::cleanPath(QDir(dir).absolutePath());
    const auto failed = [error](Error::Reason reason, const QString &message) {
        if (error)
            *error = Error{reason, message};
        return std::nullopt;
    };
    const QFileInfo info(path);
    if (info.exists() && !info.isDir())
        return failed(
            Error::Reason::NotAFolder,
            QStringLiteral("%1 is a file, not a folder; name a new or empty folder").arg(path));
    if (info.isDir()) {
        QStringList entries;
        if (!isEmptyFolder(path, &entries)) {
            entries.sort();
            return failed(
                Error::Reason::FolderNotEmpty,
                QStringLiteral("%1 is not empty (it holds %2); qreload new writes only "
                               "into a new or empty folder, so nothing is overwritten")
                    .arg(path, entries.size() > 3
                                   ? entries.mid(0, 3).join(QStringLiteral(", "))
                                         + QStringLiteral(" and %1 more").arg(entries.size() - 3)
                                   : entries.join(QStringLiteral(", "))));
        }
    }
    if (const QString problem = nameProblem(name); !problem.isEmpty())
        return failed(Error::Reason::BadName, problem);
    if (!info.isDir() && !QDir().mkpath(path)) {
        return failed(Error::Reason::CannotWrite,
                      QStringLiteral("cannot create the folder %1").arg(path));
    }

    QStringList written;
    for (const auto &[relative, content] : files(name)) {
        QSaveFile file(QDir(path).filePath(relative));
        if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size()
            || !file.commit())
            return failed(
                Error::Reason::CannotWrite,
                QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
        written.append(relative);
    }
    return written;
}

int ProjectScaffold::run(const QStringList &arguments)
{
    static const char *usage
        = "usage: qreload new <dir> [--name <name>]\n"
          "  Creates a qreload project in <dir> (a new or empty folder): CMakeLists.txt with\n"
          "  find_package(qreload) and qreload_add_plugin(), one component serving HTML at /\n"
          "  and JSON at /api/hello, qreload.json, .gitignore and README.md.\n"
          "  --name <name>  the project, plugin target and source name (default: the folder's\n"
          "                 name; letters, digits and _, starting with a letter)\n"
          "  Then run it:   qreload <dir>\n";
    QString dir;
    QString name;
    bool nameGiven = false;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == QLatin1String("-h") || argument == QLatin1String("--help")) {
            std::fputs(usage, stdout);
            return 0;
        }
        if (argument == QLatin1String("--name") || argument.startsWith(QLatin1String("--name="))) {
            if (argument.contains(QLatin1Char('='))) {
                name = argument.section(QLatin1Char('='), 1);
            } else if (i + 1 < arguments.size()) {
                name = arguments.at(++i);
            } else {
                std::fprintf(stderr, "qreload new: --name needs a value\n%s", usage);
                return 2;
            }
            nameGiven = true;
            continue;
        }
        if (argument.startsWith(QLatin1Char('-'))) {
            std::fprintf(stderr, "qreload new: unknown option %s\n%s", qPrintable(argument), usage);
            return 2;
        }
        if (!dir.isEmpty()) {
            std::fprintf(stderr, "qreload new: one folder at a time, not %s and %s\n%s",
                         qPrintable(dir), qPrintable(argument), usage);
            return 2;
        }
        dir = argument;
    }
    if (dir.isEmpty()) {
        std::fprintf(stderr, "qreload new: name the folder to create\n%s", usage);
        return 2;
    }
    if (!nameGiven)
        name = defaultName(dir);

    Error error;
    const std::optional<QStringList> written = create(dir, name, &error);
    if (!written) {
        std::fprintf(stderr, "qreload new: %s\n", qPrintable(error.message));
        return 2;
    }
    const QString path = QDir::cleanPath(QDir(dir).absolutePath());
    std::printf("created project %s in %s:\n", qPrintable(name), qPrintable(path));
    for (const QString &file : *written)
        std::printf("  %s\n", qPrintable(file));
    std::printf("run it (configures, builds and serves; edits reload):\n  qreload %s\n",
                qPrintable(dir));
    std::fflush(stdout);
    return 0;
}

} // namespace qreload::app
