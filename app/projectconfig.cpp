#include "projectconfig.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <limits>

namespace qreload::app {

namespace {

const QString TargetsVariable = QStringLiteral("${targets}");

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

QString shellQuote(const QString &word)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    if (safe.match(word).hasMatch())
        return word;
    QString quoted = word;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

//! Reads one JSON document into a ProjectConfig, collecting every problem with its key and line.
class Reader
{
public:
    Reader(const QByteArray &text, QString file, const ProjectConfig::Context &context,
           QList<ConfigError> *errors)
        : m_text(text)
        , m_file(std::move(file))
        , m_context(context)
        , m_errors(errors)
    {}

    void error(ConfigError::Reason reason, const QString &key, const QString &message)
    {
        ConfigError e;
        e.reason = reason;
        e.file = m_file;
        e.key = key;
        e.line = lineOf(key);
        e.message = message;
        m_errors->append(e);
        ++m_count;
    }
    int errorCount() const { return m_count; }

    //! The line where a dotted key appears: each part is searched after the previous one.
    int lineOf(const QString &key) const
    {
        if (key.isEmpty())
            return 0;
        qsizetype from = 0;
        for (QString part : key.split(QLatin1Char('.'))) {
            part = part.section(QLatin1Char('['), 0, 0);
            const qsizetype at
                = m_text.indexOf(QByteArray('"' + part.toUtf8() + QByteArray("\"")), from);
            if (at < 0)
                break;
            from = at;
        }
        return from > 0 ? int(m_text.left(from).count('\n')) + 1 : 0;
    }

    void rejectUnknown(const QJsonObject &object, const QString &prefix, const QStringList &known)
    {
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if (!known.contains(it.key()) && it.key() != QLatin1String("$schema"))
                error(ConfigError::Reason::UnknownKey, prefix + it.key(),
                      QStringLiteral("unknown key; known keys here: %1")
                          .arg(known.join(QStringLiteral(", "))));
        }
    }

    /*!
     * ${projectDir}, ${buildDir}, ${qreloadBuildDir}, ${qreloadSourceDir}, ${env:NAME} and
     * ${env:NAME:-default}; ${targets} is kept for buildArguments().
     */
    std::optional<QString> expand(const QString &value, const QString &key)
    {
        static const QRegularExpression variable(QStringLiteral("\\$\\{([^}]*)\\}"));
        QString out;
        qsizetype last = 0;
        bool ok = true;
        for (auto it = variable.globalMatch(value); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            out += value.mid(last, m.capturedStart() - last);
            last = m.capturedEnd();
            const QString name = m.captured(1);
            if (name == QLatin1String("projectDir")) {
                out += m_projectDir;
            } else if (name == QLatin1String("buildDir")) {
                if (m_buildDir.isEmpty()) {
                    error(ConfigError::Reason::BadValue, key,
                          QStringLiteral("${buildDir} is known in a CMake project (a "
                                         "CMakeLists.txt beside qreload.json) or with "
                                         "build.directory, and here is neither"));
                    ok = false;
                }
                out += m_buildDir;
            } else if (name == QLatin1String("qreloadBuildDir")
                       && !m_context.qreloadBuildDir.isEmpty()) {
                out += m_context.qreloadBuildDir;
            } else if (name == QLatin1String("qreloadSourceDir")
                       && !m_context.qreloadSourceDir.isEmpty()) {
                out += m_context.qreloadSourceDir;
            } else if (name.startsWith(QLatin1String("env:"))) {
                std::optional<QString> v = environment(name.mid(4), key);
                ok &= v.has_value();
                out += v.value_or(QString());
            } else if (name == QLatin1String("targets")) {
                out += m.captured(0);
            } else {
                error(ConfigError::Reason::BadValue, key,
                      QStringLiteral("unknown variable ${%1}; known: ${projectDir}, ${buildDir}, "
                                     "${qreloadBuildDir}, ${qreloadSourceDir}, ${env:NAME}, "
                                     "${env:NAME:-default}, ${targets}")
                          .arg(name));
                ok = false;
            }
        }
        out += value.mid(last);
        if (!ok)
            return std::nullopt;
        return out;
    }

    /*!
     * `NAME` or `NAME:-default`, as a shell reads ${NAME} and ${NAME:-default}: the default
     * stands for a variable that is unset or empty. An unset variable without a default is an
     * error, not an empty string that would turn "${env:OUT}/plugins" into "/plugins".
     */
    std::optional<QString> environment(const QString &spec, const QString &key)
    {
        const qsizetype dash = spec.indexOf(QLatin1String(":-"));
        const QString name = dash < 0 ? spec : spec.left(dash);
        static const QRegularExpression valid(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
        if (!valid.match(name).hasMatch()) {
            error(ConfigError::Reason::BadValue, key,
                  QStringLiteral("${env:%1}: \"%2\" is not an environment variable name (letters, "
                                 "digits and _, not starting with a digit)")
                      .arg(spec, name));
            return std::nullopt;
        }
        const QString value = qEnvironmentVariable(qPrintable(name));
        if (dash >= 0)
            return value.isEmpty() ? spec.mid(dash + 2) : value;
        if (!qEnvironmentVariableIsSet(qPrintable(name))) {
            error(ConfigError::Reason::UnsetVariable, key,
                  QStringLiteral("environment variable %1 is not set; set it, or give a default "
                                 "as ${env:%1:-value}")
                      .arg(name));
            return std::nullopt;
        }
        return value;
    }

    QString absolute(const QString &path) const
    {
        return QDir::cleanPath(QDir(m_projectDir).absoluteFilePath(path));
    }

    std::optional<QString> string(const QJsonValue &value, const QString &key)
    {
        if (!value.isString()) {
            error(ConfigError::Reason::WrongType, key,
                  QStringLiteral("must be a string, not %1").arg(typeName(value)));
            return std::nullopt;
        }
        return expand(value.toString(), key);
    }

    std::optional<QStringList> stringList(const QJsonValue &value, const QString &key, bool paths)
    {
        if (value.isString()) { // one folder or glob may be given without brackets
            std::optional<QString> one = string(value, key);
            if (!one)
                return std::nullopt;
            return QStringList{paths ? absolute(*one) : *one};
        }
        if (!value.isArray()) {
            error(ConfigError::Reason::WrongType, key,
                  QStringLiteral("must be an array of strings, not %1").arg(typeName(value)));
            return std::nullopt;
        }
        QStringList list;
        bool ok = true;
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QString itemKey = QStringLiteral("%1[%2]").arg(key).arg(i);
            std::optional<QString> item = string(array.at(i), itemKey);
            if (!item) {
                ok = false;
                continue;
            }
            if (item->isEmpty()) {
                error(ConfigError::Reason::BadValue, itemKey, QStringLiteral("must not be empty"));
                ok = false;
                continue;
            }
            list.append(paths ? absolute(*item) : *item);
        }
        if (!ok)
            return std::nullopt;
        return list;
    }

    std::optional<int> integer(const QJsonValue &value, const QString &key, int min, int max)
    {
        const double number = value.toDouble();
        if (!value.isDouble() || number != double(qint64(number))) {
            error(ConfigError::Reason::WrongType, key,
                  QStringLiteral("must be a whole number from %1 to %2, not %3")
                      .arg(min)
                      .arg(max)
                      .arg(value.isDouble() ? QString::number(number) : typeName(value)));
            return std::nullopt;
        }
        if (number < min || number > max) {
            error(ConfigError::Reason::BadValue, key,
                  QStringLiteral("must be from %1 to %2, not %3").arg(min).arg(max).arg(number));
            return std::nullopt;
        }
        return int(number);
    }

    std::optional<ProjectConfig> read(const QString &projectDir)
    {
        m_projectDir = projectDir;
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(m_text, &parseError);
        if (parseError.error != QJsonParseError::NoError) {
            ConfigError e;
            e.reason = ConfigError::Reason::Syntax;
            e.file = m_file;
            const QByteArray before = m_text.left(parseError.offset);
            e.line = int(before.count('\n')) + 1;
            e.column = int(parseError.offset - (before.lastIndexOf('\n') + 1)) + 1;
            e.message = QStringLiteral("not valid JSON: %1").arg(parseError.errorString());
            m_errors->append(e);
            return std::nullopt;
        }
        if (!document.isObject()) {
            error(ConfigError::Reason::WrongType, QString(),
                  QStringLiteral("the file must hold one JSON object ({ ... })"));
            return std::nullopt;
        }
        const QJsonObject root = document.object();
        rejectUnknown(root, QString(),
                      {QStringLiteral("plugins"), QStringLiteral("sources"),
                       QStringLiteral("include"), QStringLiteral("exclude"),
                       QStringLiteral("build"), QStringLiteral("quietPeriodMs"),
                       QStringLiteral("port"), QStringLiteral("host"), QStringLiteral("http"),
                       QStringLiteral("liveReload")});

        ProjectConfig config;
        config.projectDir = projectDir;
        config.includeGlobs = ProjectConfig::defaultIncludeGlobs();

        // The build folder first: every other string may name it as ${buildDir}.
        const bool cmakeProject = !m_file.isEmpty() && ProjectConfig::isCMakeProject(projectDir);
        const QJsonValue build = root.value(QLatin1String("build"));
        const bool hasDirectory
            = build.isObject() && build.toObject().contains(QLatin1String("directory"));
        if (hasDirectory) {
            if (auto v = string(build.toObject().value(QLatin1String("directory")),
                                QStringLiteral("build.directory"))) {
                if (v->isEmpty())
                    error(ConfigError::Reason::BadValue, QStringLiteral("build.directory"),
                          QStringLiteral("must not be empty"));
                else
                    config.buildDir = absolute(*v);
            }
        } else if (cmakeProject) {
            config.buildDir = absolute(QStringLiteral("build"));
        }
        m_buildDir = config.buildDir;

        if (!root.contains(QLatin1String("plugins"))) {
            if (cmakeProject)
                config.pluginDirs = {QDir(config.buildDir).filePath(QStringLiteral("plugins"))};
            else
                error(ConfigError::Reason::Missing, QStringLiteral("plugins"),
                      QStringLiteral("is required: the folders holding the plugin libraries "
                                     "(a CMake project, with a CMakeLists.txt beside qreload.json, "
                                     "defaults to build/plugins)"));
        } else if (auto v = stringList(root.value(QLatin1String("plugins")),
                                       QStringLiteral("plugins"), true))
            config.pluginDirs = *v;
        if (root.contains(QLatin1String("sources"))) {
            if (auto v
                = stringList(root.value(QLatin1String("sources")), QStringLiteral("sources"), true))
                config.sourceDirs = *v;
        }
        if (root.contains(QLatin1String("include"))) {
            if (auto v = stringList(root.value(QLatin1String("include")), QStringLiteral("include"),
                                    false))
                config.includeGlobs = *v;
        }
        if (root.contains(QLatin1String("exclude"))) {
            if (auto v = stringList(root.value(QLatin1String("exclude")), QStringLiteral("exclude"),
                                    false))
                config.excludeGlobs = *v;
        }
        if (root.contains(QLatin1String("quietPeriodMs"))) {
            if (auto v = integer(root.value(QLatin1String("quietPeriodMs")),
                                 QStringLiteral("quietPeriodMs"), 0, 60000))
                config.quietPeriodMs = *v;
        }
        if (root.contains(QLatin1String("port"))) {
            if (auto v
                = integer(root.value(QLatin1String("port")), QStringLiteral("port"), 0, 65535))
                config.port = *v;
        }
        if (root.contains(QLatin1String("host"))) {
            if (auto v = string(root.value(QLatin1String("host")), QStringLiteral("host"))) {
                if (QHostAddress(*v).isNull())
                    error(ConfigError::Reason::BadValue, QStringLiteral("host"),
                          QStringLiteral("must be an IP address such as 127.0.0.1, not \"%1\"")
                              .arg(*v));
                else
                    config.host = *v;
            }
        }
        if (root.contains(QLatin1String("http")))
            readHttp(root.value(QLatin1String("http")), config);
        if (root.contains(QLatin1String("liveReload"))) {
            const QJsonValue live = root.value(QLatin1String("liveReload"));
            if (!live.isBool())
                error(ConfigError::Reason::WrongType, QStringLiteral("liveReload"),
                      QStringLiteral("must be true or false (inject the live-reload script into "
                                     "HTML pages)"));
            else
                config.liveReload = live.toBool();
        }
        if (root.contains(QLatin1String("build")))
            readBuild(build, config, cmakeProject);
        else if (cmakeProject)
            readBuild(QJsonObject(), config, cmakeProject);
        if (!config.sourceDirs.isEmpty() && !config.hasBuild() && !build.isObject())
            error(ConfigError::Reason::Missing, QStringLiteral("build"),
                  QStringLiteral("\"sources\" are watched to run a build: add "
                                 "\"build\": { \"command\": ... }"));
        // A project with a build but no source folders watches the folder of its qreload.json.
        if (config.hasBuild() && !root.contains(QLatin1String("sources")))
            config.sourceDirs = {projectDir};
        // A build folder inside a source folder is never watched, also before its CMakeCache.txt
        // exists (PathFilter knows build folders by name or by that file).
        for (const QString &source : std::as_const(config.sourceDirs)) {
            if (!config.buildDir.isEmpty()
                && config.buildDir.startsWith(source + QLatin1Char('/'))) {
                const QString relative = config.buildDir.mid(source.size() + 1) + QLatin1Char('/');
                if (!config.excludeGlobs.contains(relative))
                    config.excludeGlobs.append(relative);
            }
        }

        if (m_count > 0)
            return std::nullopt;
        return config;
    }

    //! "http": the preview server's limits (see ConnectionLimits).
    void readHttp(const QJsonValue &value, ProjectConfig &config)
    {
        if (!value.isObject()) {
            error(ConfigError::Reason::WrongType, QStringLiteral("http"),
                  QStringLiteral("must be an object such as {\"maxBodyBytes\": 1048576}, not %1")
                      .arg(typeName(value)));
            return;
        }
        const QJsonObject http = value.toObject();
        rejectUnknown(http, QStringLiteral("http."),
                      {QStringLiteral("maxBodyBytes"), QStringLiteral("idleTimeoutMs"),
                       QStringLiteral("maxConnections")});
        if (http.contains(QLatin1String("maxBodyBytes"))) {
            if (auto v
                = integer(http.value(QLatin1String("maxBodyBytes")),
                          QStringLiteral("http.maxBodyBytes"), 0, std::numeric_limits<int>::max()))
                config.httpLimits.maxBodyBytes = *v;
        }
        if (http.contains(QLatin1String("idleTimeoutMs"))) {
            if (auto v = integer(http.value(QLatin1String("idleTimeoutMs")),
                                 QStringLiteral("http.idleTimeoutMs"), 1, 86400000))
                config.httpLimits.idleTimeoutMs = *v;
        }
        if (http.contains(QLatin1String("maxConnections"))) {
            if (auto v = integer(http.value(QLatin1String("maxConnections")),
                                 QStringLiteral("http.maxConnections"), 1, 100000))
                config.httpLimits.maxConnections = *v;
        }
    }

    void readBuild(const QJsonValue &value, ProjectConfig &config, bool cmakeProject)
    {
        if (!value.isObject()) {
            error(ConfigError::Reason::WrongType, QStringLiteral("build"),
                  QStringLiteral("must be an object with a \"command\", not %1")
                      .arg(typeName(value)));
            return;
        }
        const QJsonObject build = value.toObject();
        rejectUnknown(build, QStringLiteral("build."),
                      {QStringLiteral("command"), QStringLiteral("directory"),
                       QStringLiteral("workingDirectory"), QStringLiteral("timeoutMs"),
                       QStringLiteral("targets")});
        const QJsonValue command = build.value(QLatin1String("command"));
        if (command.isUndefined() && cmakeProject) {
            // The CMake project's own build; `--target ${targets}` when targets are mapped.
            config.buildCommand
                = {QStringLiteral("cmake"), QStringLiteral("--build"), config.buildDir};
            if (build.contains(QLatin1String("targets")))
                config.buildCommand << QStringLiteral("--target") << TargetsVariable;
            config.configuresBuildDir = !config.buildDir.isEmpty();
        } else if (command.isUndefined()) {
            error(ConfigError::Reason::Missing, QStringLiteral("build.command"),
                  QStringLiteral("is required: the program and arguments that build the "
                                 "plugins, e.g. [\"cmake\", \"--build\", \"build\"] (a CMake "
                                 "project, with a CMakeLists.txt beside qreload.json, needs "
                                 "none)"));
        } else if (command.isString()) {
            if (auto v = string(command, QStringLiteral("build.command"))) {
                if (v->trimmed().isEmpty())
                    error(ConfigError::Reason::BadValue, QStringLiteral("build.command"),
                          QStringLiteral("must not be empty"));
                config.buildCommand = {*v};
                config.buildThroughShell = true;
            }
        } else if (auto v = stringList(command, QStringLiteral("build.command"), false)) {
            if (v->isEmpty())
                error(ConfigError::Reason::BadValue, QStringLiteral("build.command"),
                      QStringLiteral("must name at least the program to run"));
            config.buildCommand = *v;
        }
        if (cmakeProject && build.contains(QLatin1String("directory")))
            config.configuresBuildDir = !config.buildDir.isEmpty();

        config.buildWorkingDir = config.projectDir;
        if (build.contains(QLatin1String("workingDirectory"))) {
            if (auto v = string(build.value(QLatin1String("workingDirectory")),
                                QStringLiteral("build.workingDirectory")))
                config.buildWorkingDir = absolute(*v);
        }
        if (build.contains(QLatin1String("timeoutMs"))) {
            if (auto v = integer(build.value(QLatin1String("timeoutMs")),
                                 QStringLiteral("build.timeoutMs"), 1, 24 * 3600 * 1000))
                config.buildTimeoutMs = *v;
        }
        if (build.contains(QLatin1String("targets"))) {
            const QJsonValue targets = build.value(QLatin1String("targets"));
            if (!targets.isObject()) {
                error(ConfigError::Reason::WrongType, QStringLiteral("build.targets"),
                      QStringLiteral("must be an object mapping each target to its source "
                                     "folders, not %1")
                          .arg(typeName(targets)));
            } else {
                const QJsonObject map = targets.toObject();
                for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
                    if (auto folders
                        = stringList(it.value(), QStringLiteral("build.targets.") + it.key(), true))
                        config.buildTargets.insert(it.key(), *folders);
                }
            }
        }
        const bool usesTargets
            = std::any_of(config.buildCommand.cbegin(), config.buildCommand.cend(),
                          [](const QString &arg) { return arg.contains(TargetsVariable); });
        if (usesTargets && config.buildTargets.isEmpty()
            && !build.value(QLatin1String("targets")).isObject())
            error(ConfigError::Reason::Missing, QStringLiteral("build.targets"),
                  QStringLiteral("build.command uses ${targets}: map each target to its "
                                 "source folders, e.g. \"targets\": { \"greeter\": [\".\"] }"));
    }

private:
    const QByteArray &m_text;
    QString m_file;
    ProjectConfig::Context m_context;
    QList<ConfigError> *m_errors;
    QString m_projectDir;
    QString m_buildDir;
    int m_count = 0;
};

} // namespace

QString ConfigError::toString() const
{
    QString where = file;
    if (line > 0)
        where += QStringLiteral(":%1").arg(line);
    if (column > 0)
        where += QStringLiteral(":%1").arg(column);
    QString text = where.isEmpty() ? QString() : where + QStringLiteral(": ");
    if (!key.isEmpty())
        text += key + QStringLiteral(": ");
    return text + message;
}

std::optional<ProjectConfig> ProjectConfig::load(const QString &fileOrFolder,
                                                 const Context &context, QList<ConfigError> *errors)
{
    QString path = QFileInfo(fileOrFolder).absoluteFilePath();
    if (QFileInfo(path).isDir())
        path = QDir(path).filePath(fileName());
    path = QDir::cleanPath(path);
    QFile file(path);
    if (!file.exists()) {
        ConfigError e;
        e.reason = ConfigError::Reason::FileNotFound;
        e.file = path;
        e.message = QStringLiteral("no such file (a project folder needs a %1)").arg(fileName());
        errors->append(e);
        return std::nullopt;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        ConfigError e;
        e.reason = ConfigError::Reason::Unreadable;
        e.file = path;
        e.message = file.errorString();
        errors->append(e);
        return std::nullopt;
    }
    return parse(file.readAll(), path, context, errors);
}

std::optional<ProjectConfig> ProjectConfig::parse(const QByteArray &json, const QString &file,
                                                  const Context &context,
                                                  QList<ConfigError> *errors)
{
    const QString projectDir
        = file.isEmpty() ? QDir::currentPath() : QFileInfo(file).absolutePath();
    Reader reader(json, file, context, errors);
    std::optional<ProjectConfig> config = reader.read(projectDir);
    if (config)
        config->file = file;
    return config;
}

QStringList ProjectConfig::targetsFor(const QStringList &changedFiles) const
{
    QSet<QString> picked;
    bool unmapped = changedFiles.isEmpty();
    for (const QString &file : changedFiles) {
        bool mapped = false;
        for (auto it = buildTargets.constBegin(); it != buildTargets.constEnd(); ++it) {
            for (const QString &folder : it.value()) {
                if (file == folder || file.startsWith(folder + QLatin1Char('/'))) {
                    picked.insert(it.key());
                    mapped = true;
                }
            }
        }
        unmapped |= !mapped;
    }
    QStringList targets = unmapped ? buildTargets.keys() : picked.values();
    targets.sort();
    return targets;
}

QStringList ProjectConfig::buildArguments(const QStringList &changedFiles) const
{
    const QStringList targets = targetsFor(changedFiles);
    QStringList args;
    for (const QString &arg : buildCommand) {
        if (buildThroughShell) {
            QStringList quoted;
            for (const QString &t : targets)
                quoted.append(shellQuote(t));
            args.append(QString(arg).replace(TargetsVariable, quoted.join(QLatin1Char(' '))));
        } else if (arg == TargetsVariable) {
            args.append(targets); // one argument per target
        } else {
            args.append(QString(arg).replace(TargetsVariable, targets.join(QLatin1Char(' '))));
        }
    }
    if (buildThroughShell)
        return {QStringLiteral("/bin/sh"), QStringLiteral("-c"), args.value(0)};
    return args;
}

QString ProjectConfig::buildCommandLine(const QStringList &changedFiles) const
{
    const QStringList args = buildArguments(changedFiles);
    if (buildThroughShell)
        return args.value(2);
    QStringList quoted;
    for (const QString &arg : args)
        quoted.append(shellQuote(arg));
    return quoted.join(QLatin1Char(' '));
}

bool ProjectConfig::isCMakeProject(const QString &projectDir)
{
    return QFileInfo(QDir(projectDir).filePath(QStringLiteral("CMakeLists.txt"))).isFile();
}

QStringList ProjectConfig::defaultIncludeGlobs()
{
    return {QStringLiteral("*.{c,cc,cpp,cxx,c++,C}"),
            QStringLiteral("*.{h,hh,hpp,hxx,h++,inl,ipp,tpp}"), QStringLiteral("CMakeLists.txt"),
            QStringLiteral("*.cmake"), QStringLiteral("*.{qrc,ui}")};
}

} // namespace qreload::app
