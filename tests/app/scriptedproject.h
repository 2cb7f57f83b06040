#pragma once

// The project source-mode tests run on: sources in <dir>/src, plugins in <dir>/plugins, built by
// `/bin/sh <dir>/build.sh` (a script the test writes) in <dir>, with a 50 ms quiet period.

#include <projectconfig.h>

#include <QDir>

inline qreload::app::ProjectConfig scriptedProject(const QString &dir)
{
    const QDir project(dir);
    qreload::app::ProjectConfig config;
    config.projectDir = dir;
    config.pluginDirs = {project.filePath(QStringLiteral("plugins"))};
    config.sourceDirs = {project.filePath(QStringLiteral("src"))};
    config.includeGlobs = qreload::app::ProjectConfig::defaultIncludeGlobs();
    config.buildCommand = {QStringLiteral("/bin/sh"), project.filePath(QStringLiteral("build.sh"))};
    config.buildWorkingDir = dir;
    config.quietPeriodMs = 50;
    return config;
}
