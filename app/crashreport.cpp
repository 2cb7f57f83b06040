#include "crashreport.h"

#include "crasharea.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>

#include <cstring>
#include <cxxabi.h>
#include <elfutils/libdwfl.h>
#include <memory>
#include <string.h>

namespace qreload::app {

namespace {

struct Mapping
{
    quint64 start = 0;
    quint64 end = 0;
    quint64 offset = 0;
    QString path;
};

QList<Mapping> parseMaps(const QByteArray &maps)
{
    QList<Mapping> mappings;
    for (const QByteArray &line : maps.split('\n')) {
        // start-end perms offset dev inode path
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() < 6 || !fields.at(5).startsWith('/'))
            continue;
        const QList<QByteArray> range = fields.at(0).split('-');
        if (range.size() != 2)
            continue;
        Mapping m;
        m.start = range.at(0).toULongLong(nullptr, 16);
        m.end = range.at(1).toULongLong(nullptr, 16);
        m.offset = fields.at(2).toULongLong(nullptr, 16);
        m.path = QString::fromLocal8Bit(fields.mid(5).join(' '));
        mappings.append(m);
    }
    return mappings;
}

QString demangle(const char *name)
{
    if (!name)
        return {};
    int status = 0;
    std::unique_ptr<char, void (*)(void *)> demangled(
        abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
    return QString::fromLocal8Bit(status == 0 && demangled ? demangled.get() : name);
}

//! Symbolizes return addresses against the files of a dead process's memory map.
class Symbolizer
{
public:
    explicit Symbolizer(const QList<Mapping> &mappings)
    {
        static const Dwfl_Callbacks callbacks = {
            dwfl_build_id_find_elf,
            dwfl_standard_find_debuginfo,
            dwfl_offline_section_address,
            nullptr,
        };
        m_dwfl = dwfl_begin(&callbacks);
        if (!m_dwfl)
            return;
        dwfl_report_begin(m_dwfl);
        // A file's load bias is where its offset 0 is mapped.
        QHash<QString, quint64> bases;
        for (const Mapping &m : mappings) {
            if (m.offset == 0 && !bases.contains(m.path))
                bases.insert(m.path, m.start);
        }
        for (auto it = bases.constBegin(); it != bases.constEnd(); ++it) {
            if (!QFileInfo::exists(it.key()))
                continue;
            const QByteArray path = it.key().toLocal8Bit();
            dwfl_report_elf(m_dwfl, QFileInfo(it.key()).fileName().toLocal8Bit().constData(),
                            path.constData(), -1, it.value(), false);
        }
        dwfl_report_end(m_dwfl, nullptr, nullptr);
    }
    ~Symbolizer()
    {
        if (m_dwfl)
            dwfl_end(m_dwfl);
    }

    QString describe(quint64 pc, bool returnAddress, const QList<Mapping> &mappings) const
    {
        // A return address points after the call: look up the call itself.
        const quint64 lookup = returnAddress && pc > 0 ? pc - 1 : pc;
        QString where;
        for (const Mapping &m : mappings) {
            if (pc >= m.start && pc < m.end) {
                where = QFileInfo(m.path).fileName();
                break;
            }
        }
        QString function;
        QString line;
        if (Dwfl_Module *module = m_dwfl ? dwfl_addrmodule(m_dwfl, lookup) : nullptr) {
            function = demangle(dwfl_module_addrname(module, lookup));
            if (Dwfl_Line *source = dwfl_module_getsrc(module, lookup)) {
                int lineNumber = 0;
                if (const char *file
                    = dwfl_lineinfo(source, nullptr, &lineNumber, nullptr, nullptr, nullptr))
                    line = QStringLiteral(" at %1:%2")
                               .arg(QFileInfo(QString::fromLocal8Bit(file)).fileName())
                               .arg(lineNumber);
            }
        }
        if (function.isEmpty())
            function = QStringLiteral("0x%1").arg(pc, 0, 16);
        return function + line + (where.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(where));
    }

private:
    Dwfl *m_dwfl = nullptr;
};

QString fixedText(const char *text, size_t size)
{
    return QString::fromUtf8(text, qsizetype(strnlen(text, size)));
}

//! Frames of the crash machinery itself: the handler, libc's abort()/raise(), exit handlers.
bool isMachinery(const QString &frame)
{
    static const char *const names[] = {"qreload::app::(anonymous namespace)::",
                                        "__GI_raise",
                                        "raise ",
                                        "__pthread_kill",
                                        "pthread_kill",
                                        "__GI_abort",
                                        "abort ",
                                        "__run_exit_handlers",
                                        "__restore_rt"};
    for (const char *name : names) {
        if (frame.startsWith(QLatin1String(name)))
            return true;
    }
    return false;
}

} // namespace

QString CrashReport::signalName(int signal)
{
    if (const char *name = ::sigabbrev_np(signal))
        return QStringLiteral("SIG") + QString::fromLatin1(name);
    return QStringLiteral("signal %1").arg(signal);
}

std::optional<CrashReport> CrashReport::read(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() < qint64(sizeof(CrashArea)))
        return std::nullopt;
    const QByteArray bytes = file.readAll();
    auto area = std::make_unique<CrashArea>();
    std::memcpy(area.get(), bytes.constData(), sizeof(CrashArea));
    if (std::memcmp(area->magic, CrashArea::MagicValue, sizeof(area->magic)) != 0)
        return std::nullopt;

    CrashReport report;
    report.recordId = area->recordId;
    report.phase = fixedText(area->phase, sizeof(area->phase));
    report.component = fixedText(area->component, sizeof(area->component));
    report.call = fixedText(area->call, sizeof(area->call));
    report.request = fixedText(area->request, sizeof(area->request));
    report.signal = area->signal;
    const int count = qBound(0, area->frameCount, CrashArea::MaxFrames);
    if (count == 0)
        return report;
    const QList<Mapping> mappings = parseMaps(QByteArray(
        area->maps, qsizetype(qMin<std::uint32_t>(area->mapsLength, sizeof(area->maps)))));
    const Symbolizer symbolizer(mappings);
    QStringList frames;
    for (int i = 0; i < count; ++i)
        frames.append(symbolizer.describe(area->frames[i], i > 0 || area->signal == 0, mappings));
    // Drop the handler's and libc's frames above the code that crashed.
    qsizetype first = 0;
    while (first < frames.size() - 1 && isMachinery(frames.at(first)))
        ++first;
    // std::function and std::invoke plumbing between the frames says nothing about the crash.
    static const QRegularExpression plumbing(QStringLiteral(
        R"(^(\S+ )?std::(__invoke|_Function_handler|enable_if|function<|__detail::__variant))"));
    for (qsizetype i = first; i < frames.size(); ++i) {
        if (plumbing.match(frames.at(i)).hasMatch())
            continue;
        QString frame = frames.at(i);
        if (frame.size() > 300)
            frame = frame.left(297) + QStringLiteral("...");
        report.backtrace.append(QStringLiteral("#%1 %2").arg(i - first).arg(frame));
    }
    return report;
}

} // namespace qreload::app
