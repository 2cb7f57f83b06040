#pragma once

#include "reloadrecord.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace qreload::app {

/*!
 * Turns compiler and build-tool output into Diagnostic entries: g++ and clang
 * (`file:line:col: error|warning|note|fatal error: message`), their "In file included from"
 * chains, template backtraces ("required from here"), lld and ld errors, and CMake's
 * `CMake Error at CMakeLists.txt:12 (add_library):` (its indented message, all paragraphs, and
 * its call stack as notes), `CMake Error in file:` and `CMake Error: message`.
 *
 * The list is flat and in output order: the notes of an error or warning follow it, and the
 * include chain that led to one becomes notes after it ("in file included from here").
 * Relative file names are made absolute against the build's working folder; colour escape
 * sequences are ignored; an error printed twice (a header compiled by two sources) is kept once.
 */
class DiagnosticParser
{
public:
    explicit DiagnosticParser(QString workingDirectory = {});

    //! Feeds one line of output (without its newline).
    void addLine(QString line);
    QList<Diagnostic> diagnostics() const { return m_diagnostics; }

    //! Parses a whole output at once.
    static QList<Diagnostic> parse(const QString &output, const QString &workingDirectory = {});

private:
    QString absolute(const QString &file) const;
    void append(Diagnostic diagnostic);
    void flushCMake();

    QString m_workingDirectory;
    QList<Diagnostic> m_diagnostics;
    QList<Diagnostic> m_includeChain;  //!< "In file included from" frames awaiting their error
    std::optional<Diagnostic> m_cmake; //!< a "CMake Error at" collecting its indented message
    bool m_cmakeCallStack = false;     //!< reading the "Call Stack" frames after one
    bool m_lastWasDuplicate = false;
};

} // namespace qreload::app
