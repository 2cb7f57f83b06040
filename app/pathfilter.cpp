#include "pathfilter.h"

#include <QFileInfo>

namespace qreload::app {

PathFilter::PathFilter(const QStringList &includeGlobs, const QStringList &excludeGlobs)
    : m_include(compile(includeGlobs))
    , m_exclude(compile(excludeGlobs))
{}

QRegularExpression PathFilter::globToRegularExpression(const QString &glob)
{
    QString rx;
    int braces = 0;
    for (qsizetype i = 0; i < glob.size(); ++i) {
        const QChar c = glob.at(i);
        if (c == QLatin1Char('*')) {
            if (i + 1 < glob.size() && glob.at(i + 1) == QLatin1Char('*')) {
                ++i;
                if (i + 1 < glob.size() && glob.at(i + 1) == QLatin1Char('/')) {
                    ++i;
                    rx += QStringLiteral("(?:.*/)?"); // "**/": any number of folders, even none
                } else {
                    rx += QStringLiteral(".*");
                }
            } else {
                rx += QStringLiteral("[^/]*");
            }
        } else if (c == QLatin1Char('?')) {
            rx += QStringLiteral("[^/]");
        } else if (c == QLatin1Char('{')) {
            ++braces;
            rx += QStringLiteral("(?:");
        } else if (c == QLatin1Char('}') && braces > 0) {
            --braces;
            rx += QLatin1Char(')');
        } else if (c == QLatin1Char(',') && braces > 0) {
            rx += QLatin1Char('|');
        } else if (c == QLatin1Char('[')) {
            const qsizetype close = glob.indexOf(QLatin1Char(']'), i + 1);
            if (close < 0) {
                rx += QStringLiteral("\\[");
                continue;
            }
            QString set = glob.mid(i + 1, close - i - 1);
            if (set.startsWith(QLatin1Char('!')))
                set[0] = QLatin1Char('^');
            set.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
            rx += QLatin1Char('[') + set + QLatin1Char(']');
            i = close;
        } else {
            rx += QRegularExpression::escape(QString(c));
        }
    }
    while (braces-- > 0)
        rx += QLatin1Char(')');
    return QRegularExpression(QRegularExpression::anchoredPattern(rx));
}

QList<PathFilter::Glob> PathFilter::compile(const QStringList &globs)
{
    QList<Glob> compiled;
    for (QString glob : globs) {
        while (glob.startsWith(QLatin1String("./")))
            glob.remove(0, 2);
        if (glob.endsWith(QLatin1Char('/'))) // "third_party/": the folder and all below it
            glob += QStringLiteral("**");
        compiled.append(Glob{globToRegularExpression(glob), !glob.contains(QLatin1Char('/'))});
    }
    return compiled;
}

bool PathFilter::matchesAny(const QList<Glob> &globs, const QString &relativePath, bool folder)
{
    const QString name = relativePath.section(QLatin1Char('/'), -1);
    for (const Glob &glob : globs) {
        if (glob.byName) {
            if (glob.regex.match(name).hasMatch())
                return true;
        } else if (glob.regex.match(relativePath).hasMatch()
                   || (folder && glob.regex.match(relativePath + QLatin1Char('/')).hasMatch())) {
            return true;
        }
    }
    return false;
}

bool PathFilter::isEditorArtifact(const QString &name)
{
    static const QRegularExpression artifact(
        QStringLiteral("^(?:\\..*|#.*#|4913|.*~|.*\\.(?:swp|swo|swx|swn|tmp|bak|orig|rej|kate-swp)"
                       "|.*___jb_(?:tmp|old|bak)___)$"));
    return artifact.match(name).hasMatch();
}

bool PathFilter::acceptsFile(const QString &relativePath) const
{
    const QString name = relativePath.section(QLatin1Char('/'), -1);
    if (isEditorArtifact(name))
        return false;
    if (!m_include.isEmpty() && !matchesAny(m_include, relativePath, false))
        return false;
    return !matchesAny(m_exclude, relativePath, false);
}

bool PathFilter::acceptsFolder(const QString &relativePath, const QString &absolutePath) const
{
    if (relativePath.isEmpty())
        return true; // the source folder itself
    static const QRegularExpression buildFolder(
        QStringLiteral("^(?:\\..*|build|_build|build-.*|cmake-build-.*|node_modules)$"));
    const QString name = relativePath.section(QLatin1Char('/'), -1);
    if (buildFolder.match(name).hasMatch())
        return false;
    if (QFileInfo::exists(absolutePath + QStringLiteral("/CMakeCache.txt")))
        return false;
    return !matchesAny(m_exclude, relativePath, true);
}

} // namespace qreload::app
