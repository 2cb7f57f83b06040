#include "diagnosticparser.h"

#include <QDir>
#include <QRegularExpression>

namespace qreload::app {

namespace {

bool sameDiagnostic(const Diagnostic &a, const Diagnostic &b)
{
    return a.file == b.file && a.line == b.line && a.column == b.column && a.severity == b.severity
           && a.message == b.message;
}

} // namespace

DiagnosticParser::DiagnosticParser(QString workingDirectory)
    : m_workingDirectory(std::move(workingDirectory))
{}

QString DiagnosticParser::absolute(const QString &file) const
{
    if (file.isEmpty() || QDir::isAbsolutePath(file) || m_workingDirectory.isEmpty())
        return file;
    return QDir::cleanPath(QDir(m_workingDirectory).absoluteFilePath(file));
}

void DiagnosticParser::append(Diagnostic diagnostic)
{
    const bool isNote = diagnostic.severity == Diagnostic::Severity::Note;
    if (isNote && m_lastWasDuplicate)
        return; // the notes of a duplicate error are duplicates too
    if (!isNote) {
        for (const Diagnostic &seen : m_diagnostics) {
            if (sameDiagnostic(seen, diagnostic)) {
                m_lastWasDuplicate = true;
                m_includeChain.clear();
                return;
            }
        }
    }
    m_lastWasDuplicate = false;
    m_diagnostics.append(diagnostic);
    if (!isNote) {
        // The include chain printed before an error explains it: it follows as notes.
        for (Diagnostic &frame : m_includeChain)
            m_diagnostics.append(frame);
        m_includeChain.clear();
    }
}

void DiagnosticParser::flushCMake()
{
    if (m_cmake) {
        m_cmake->message = m_cmake->message.trimmed();
        append(*std::exchange(m_cmake, std::nullopt));
    }
}

void DiagnosticParser::addLine(QString line)
{
    static const QRegularExpression ansi(QStringLiteral("\x1b\\[[0-9;]*[A-Za-z]"));
    static const QRegularExpression compiler(QStringLiteral(
        "^(.+?):(\\d+):(?:(\\d+):)?\\s*(fatal error|error|warning|note|remark):\\s*(.*)$"));
    static const QRegularExpression included(
        QStringLiteral("^(?:In file included from|\\s+from)\\s+(.+?):(\\d+)(?::(\\d+))?[:,]$"));
    static const QRegularExpression required(
        QStringLiteral("^(.+?):(\\d+):(\\d+):\\s+(required from .*|required by .*|"
                       "in (?:constexpr )?expansion of .*|in instantiation of .*)$"));
    static const QRegularExpression linker(
        QStringLiteral("^(?:ld\\.lld|ld\\.gold|ld\\.bfd|/\\S*/"
                       "ld(?:\\.\\w+)?|ld|mold):\\s*(?:(error|warning):\\s*)?"
                       "(.*)$"));
    // "CMake Error at CMakeLists.txt:12 (add_library):" (configure time, with a line),
    // "CMake Error in CMakeLists.txt:" (generate time, a file only), "CMake Error: ..." (none).
    static const QRegularExpression cmake(QStringLiteral(
        "^CMake (Error|Warning)(?: \\(dev\\))? (?:at (.+?):(\\d+) ?(?:\\((.*)\\))?|in (.+?)):$"));
    static const QRegularExpression cmakeBare(
        QStringLiteral("^CMake (Error|Warning)(?: \\(dev\\))?: (.+)$"));
    static const QRegularExpression cmakeFrame(QStringLiteral("^\\s+(.+?):(\\d+) \\((.*)\\)$"));

    line.remove(ansi);
    if (line.endsWith(QLatin1Char('\r')))
        line.chop(1);

    if (m_cmake) {
        // CMake's message is indented and may have several paragraphs; it ends at the first
        // line that is not indented.
        if (line.startsWith(QLatin1Char(' ')) || line.isEmpty()) {
            if (!line.trimmed().isEmpty())
                m_cmake->message += line.trimmed() + QLatin1Char(' ');
            return;
        }
        flushCMake();
        if (line == QLatin1String("Call Stack (most recent call first):")) {
            m_cmakeCallStack = true;
            return;
        }
    }
    if (m_cmakeCallStack) {
        // The frames lead to the user's own CMakeLists.txt when the error is in a module.
        if (const QRegularExpressionMatch m = cmakeFrame.match(line); m.hasMatch()) {
            Diagnostic frame;
            frame.file = absolute(m.captured(1));
            frame.line = m.captured(2).toInt();
            frame.severity = Diagnostic::Severity::Note;
            frame.message = QStringLiteral("called from here (%1)").arg(m.captured(3));
            append(frame);
            return;
        }
        if (line.trimmed().isEmpty())
            return;
        m_cmakeCallStack = false;
    }

    if (const QRegularExpressionMatch m = included.match(line); m.hasMatch()) {
        Diagnostic frame;
        frame.file = absolute(m.captured(1));
        frame.line = m.captured(2).toInt();
        frame.column = m.captured(3).toInt();
        frame.severity = Diagnostic::Severity::Note;
        frame.message = QStringLiteral("in file included from here");
        m_includeChain.append(frame);
        return;
    }
    if (const QRegularExpressionMatch m = compiler.match(line); m.hasMatch()) {
        Diagnostic d;
        d.file = absolute(m.captured(1));
        d.line = m.captured(2).toInt();
        d.column = m.captured(3).toInt();
        const QString severity = m.captured(4);
        d.severity = severity.endsWith(QLatin1String("error")) ? Diagnostic::Severity::Error
                     : severity == QLatin1String("warning")    ? Diagnostic::Severity::Warning
                                                               : Diagnostic::Severity::Note;
        d.message = m.captured(5);
        append(d);
        return;
    }
    if (const QRegularExpressionMatch m = required.match(line); m.hasMatch()) {
        Diagnostic d;
        d.file = absolute(m.captured(1));
        d.line = m.captured(2).toInt();
        d.column = m.captured(3).toInt();
        d.severity = Diagnostic::Severity::Note;
        d.message = m.captured(4);
        append(d);
        return;
    }
    if (const QRegularExpressionMatch m = cmake.match(line); m.hasMatch()) {
        Diagnostic d;
        d.file = absolute(m.captured(2).isEmpty() ? m.captured(5) : m.captured(2));
        d.line = m.captured(3).toInt();
        d.severity = m.captured(1) == QLatin1String("Error") ? Diagnostic::Severity::Error
                                                             : Diagnostic::Severity::Warning;
        m_cmake = d;
        return;
    }
    if (const QRegularExpressionMatch m = cmakeBare.match(line); m.hasMatch()) {
        Diagnostic d;
        d.severity = m.captured(1) == QLatin1String("Error") ? Diagnostic::Severity::Error
                                                             : Diagnostic::Severity::Warning;
        d.message = m.captured(2).trimmed();
        append(d);
        return;
    }
    if (const QRegularExpressionMatch m = linker.match(line); m.hasMatch()) {
        Diagnostic d;
        d.severity = m.captured(1) == QLatin1String("warning") ? Diagnostic::Severity::Warning
                                                               : Diagnostic::Severity::Error;
        d.message = m.captured(2);
        if (d.message.isEmpty())
            return;
        append(d);
        return;
    }
    if (line.startsWith(QLatin1String(">>> ")) && !m_diagnostics.isEmpty()
        && m_diagnostics.last().file.isEmpty()) {
        // lld's "referenced by" lines belong to the error above them.
        m_diagnostics.last().message += QLatin1Char(' ') + line.mid(4).trimmed();
    }
}

QList<Diagnostic> DiagnosticParser::parse(const QString &output, const QString &workingDirectory)
{
    DiagnosticParser parser(workingDirectory);
    for (const QString &line : output.split(QLatin1Char('\n')))
        parser.addLine(line);
    parser.flushCMake();
    return parser.diagnostics();
}

} // namespace qreload::app
