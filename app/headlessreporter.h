#pragma once

#include "reloadrecord.h"

#include <QObject>

#include <cstdio>

namespace qreload::app {

class HostProxy;

/*!
 * Writes one line per reload to a stream (stdout in `qreload --headless`): cause, outcome,
 * total and per-phase milliseconds, and the error. In JSON mode each line is the full record.
 */
class HeadlessReporter : public QObject
{
    Q_OBJECT

public:
    enum class Format { Text, Json };

    HeadlessReporter(HostProxy *engine, Format format, FILE *out = stdout,
                     QObject *parent = nullptr);

    //! The text line for a record (without the trailing newline).
    static QString textLine(const ReloadRecord &record);
    void report(const ReloadRecord &record);

private:
    Format m_format;
    FILE *m_out;
};

} // namespace qreload::app
