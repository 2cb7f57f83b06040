#pragma once

#include <QStringList>

namespace qreload::app {

/*!
 * `qreload reload [--all] [PROJECT | --url <url>] [--token <token>]`: asks a running qreload to
 * reload now (POST /_qreload/reload, with ?all=1 for Reload all) and prints the reload's line
 * as headless mode does. It finds the qreload of a project through its SessionFile; one started
 * on plugin folders only is named by --url, with --token or QRELOAD_TOKEN.
 */
class ReloadCommand
{
public:
    //! Exit codes: reloaded (or nothing to reload), the reload failed, usage, nobody answered.
    enum ExitCode { Reloaded = 0, ReloadFailed = 1, Usage = 2, NotRunning = 3 };

    //! `arguments` start with "reload". Creates its own QCoreApplication.
    static int run(const QStringList &arguments);
};

} // namespace qreload::app
