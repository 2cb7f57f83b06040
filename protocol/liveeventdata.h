#pragma once

#include "reloadrecord.h"

#include <QJsonObject>
#include <QString>

namespace qreload::app {

/*!
 * The JSON payloads of the live-reload events (see EventJournal), made in the supervisor, which
 * alone knows builds and crashes and can read the sources.
 *
 * Every event that the page shows as an overlay (a failed build, a failed reload, a crash)
 * carries the same fields for it: `title`, `problems` (each `message`, `severity`, `file`,
 * `line`, `column` and, when the source can be read, a `frame` of the lines around it),
 * `serving` (the generation that still serves) and `record` (the reload record to open in the
 * console), so the client renders them all one way.
 */
namespace LiveEventData {

//! How many source lines a code frame shows before and after the diagnostic's line.
constexpr int FrameContext = 3;
//! At most this many problems per event (a build can report hundreds).
constexpr int MaxProblems = 10;

/*!
 * `{startLine, lines}` for the lines of `file` around `line` (1-based), or an empty object when
 * the file cannot be read, the line is not in it, or the file is not text. Long lines are cut.
 */
QJsonObject codeFrame(const QString &file, int line, int context = FrameContext);

QJsonObject buildStarted(const QString &commandLine, const QStringList &changedFiles);
//! A finished build: ok, exit code, its diagnostics as problems; `serving` still serves.
QJsonObject buildFinished(const BuildInfo &build, quint64 serving);
/*!
 * A reload record (not a crash): outcome, generations, what changed, added, removed, was
 * recreated and kept; for a failure its errors (and its build's diagnostics) as problems.
 * `startup` says why a host's first generation was made ("first", "crash", "hand"); empty for
 * every other record.
 */
QJsonObject reload(const ReloadRecord &record, const QString &startup = {});
//! A crash record: what killed the host, where, its first frames and what the supervisor did.
QJsonObject hostCrashed(const ReloadRecord &record);
//! A new host serves `generation` (`reason`: after a crash, or by hand).
QJsonObject hostRestarted(qint64 pid, quint64 generation, const QString &reason, bool byHand);

} // namespace LiveEventData

} // namespace qreload::app
