#pragma once

#include "crashreport.h"
#include "reloadrecord.h"

#include <QHash>

#include <optional>

namespace qreload::app {

/*!
 * What a dead host's exit means, and how the supervisor says it: the signal or exit code, where
 * it died (a reload phase and the component whose code ran, a request, or neither), whether the
 * crash blames the new plugin bytes (a crash during a reload, before the swap: roll back to the
 * last plugins that worked and quarantine the new bytes) or the replaced generation's code
 * (after the swap), and the record and its wording. Pure: HostProxy owns the process and acts
 * on the verdict.
 */
class CrashClassifier
{
public:
    //! The verdict on one dead host.
    struct Verdict
    {
        CrashInfo crash; //!< signal or exit code, phase, component, request, backtrace, stderr
        QString call;    //!< the component's code that ran (factory, destroy, load, ...)
        bool duringReload = false;
        //! The crash came after the swap (the replaced generation's shutdown, unload, cleanup):
        //! the new files are not to blame.
        bool afterSwap = false;

        //! Restart on the last plugins that worked, quarantining the bytes that crashed it.
        bool rollBack() const { return duringReload && !afterSwap; }
        //! " while creating app.Greeter (phase construct)", " while serving GET /", ...
        QString where() const;
    };

    /*!
     * `report`: what the crash area says (nullopt: none was left); `crashExit`: QProcess saw a
     * crash (then `exitCode` is the signal); `reloading`: the host had said a reload started
     * and not that it finished.
     */
    static Verdict classify(const std::optional<CrashReport> &report, int exitCode, bool crashExit,
                            bool reloading, const QStringList &stderrTail);

    //! Why the supervisor restarts (or not): the Verdict's crash.restart sentence.
    static QString restartText(const Verdict &verdict, const QString &crashLoop,
                               bool hasGoodPlugins, quint64 generation);

    /*!
     * The Crashed record of `verdict`: `quarantined` are the plugin files whose new bytes are
     * not loaded again until they change; `generation` serves on (or served last).
     */
    static ReloadRecord record(const Verdict &verdict, quint64 id, ReloadCause reloadCause,
                               quint64 generation, const QHash<QString, QByteArray> &quarantined);
};

} // namespace qreload::app
