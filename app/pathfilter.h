#pragma once

#include <QList>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace qreload::app {

/*!
 * Decides which files under a source folder can start a build, and which folders are not worth
 * watching, from include and exclude globs.
 *
 * Globs: `*` and `?` stay within one path segment, `**` crosses segments, `{a,b}` is either,
 * `[abc]` is a character class. A glob without `/` matches a file's (or folder's) name anywhere; a
 * glob with `/` matches the path relative to the source folder.
 *
 * Always ignored, before any glob: hidden files and folders, build folders (`build`, `build-*`,
 * `cmake-build-*`, and any folder holding a CMakeCache.txt), and editor temp, backup and swap
 * files (`*~`, `*.swp`, `#*#`, vim's `4913` probe, JetBrains' `*___jb_tmp___`, ...).
 */
class PathFilter
{
public:
    PathFilter() = default;
    PathFilter(const QStringList &includeGlobs, const QStringList &excludeGlobs);

    //! A file (path relative to its source folder) that can start a build.
    bool acceptsFile(const QString &relativePath) const;
    //! A folder (path relative to its source folder, absolute path for the CMakeCache check)
    //! whose contents are watched.
    bool acceptsFolder(const QString &relativePath, const QString &absolutePath) const;

    //! One glob as an anchored regular expression over a relative path or a name.
    static QRegularExpression globToRegularExpression(const QString &glob);
    //! Editor temp, backup and swap files (by name).
    static bool isEditorArtifact(const QString &name);

private:
    struct Glob
    {
        QRegularExpression regex;
        bool byName = false; //!< no '/' in the glob: match the last path segment
    };
    static QList<Glob> compile(const QStringList &globs);
    static bool matchesAny(const QList<Glob> &globs, const QString &relativePath, bool folder);

    QList<Glob> m_include;
    QList<Glob> m_exclude;
};

} // namespace qreload::app
