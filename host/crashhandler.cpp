#include "crashhandler.h"

#include "crasharea.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <ucontext.h>
#include <unistd.h>

namespace qreload::app {

namespace {

CrashArea *g_area = nullptr;
std::atomic<int> g_requestFd{-1};
std::atomic<bool> g_normalExit{false};
// The 502 answer for the request being served, prepared outside the handler (which may not
// allocate): its head without Content-Length, and its page up to the signal's name.
char g_replyHead[512];
std::atomic<size_t> g_replyHeadLength{0};
char g_replyBody[2048];
std::atomic<size_t> g_replyBodyLength{0};
constexpr char g_replyEnd[] = "</b>. qreload restarts it on the current plugins; the console's "
                              "reload log shows the backtrace.</p>\n";

constexpr int FatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP};

void copyText(char *to, size_t size, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    const size_t n = std::min(size - 1, size_t(utf8.size()));
    std::memcpy(to, utf8.constData(), n);
    to[n] = '\0';
}

void writeAll(int fd, const char *data, size_t length)
{
    while (length > 0) {
        const ssize_t n = ::write(fd, data, length);
        if (n <= 0)
            return;
        data += n;
        length -= size_t(n);
    }
}

void captureFrames(void *faultPc)
{
    void *frames[CrashArea::MaxFrames + 8];
    const int count = ::backtrace(frames, CrashArea::MaxFrames + 8);
    int first = 0;
    // Start at the faulting instruction: the frames before it are this handler and the kernel's
    // signal trampoline.
    if (faultPc) {
        for (int i = 0; i < count; ++i) {
            if (frames[i] == faultPc) {
                first = i;
                break;
            }
        }
    }
    int n = 0;
    for (int i = first; i < count && n < CrashArea::MaxFrames; ++i)
        g_area->frames[n++] = reinterpret_cast<std::uint64_t>(frames[i]);
    g_area->frameCount = n;
}

void captureMaps()
{
    const int fd = ::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    size_t length = 0;
    while (length < sizeof(g_area->maps)) {
        const ssize_t n = ::read(fd, g_area->maps + length, sizeof(g_area->maps) - length);
        if (n <= 0)
            break;
        length += size_t(n);
    }
    ::close(fd);
    g_area->mapsLength = std::uint32_t(length);
}

// Finishes the prepared 502 for the request being served, if any, naming `what` + `detail`
// (async-signal-safe: writes and arithmetic only). The page has a Content-Length, so a client
// knows it has all of it however the dying process's connection ends.
void answerRequest(const char *what, const char *detail)
{
    const int fd = g_requestFd.exchange(-1);
    if (fd < 0)
        return;
    const size_t whatLength = std::strlen(what);
    const size_t detailLength = std::strlen(detail);
    size_t bodyLength
        = g_replyBodyLength.load() + whatLength + detailLength + sizeof(g_replyEnd) - 1;
    char digits[24];
    size_t n = sizeof(digits);
    do {
        digits[--n] = char('0' + bodyLength % 10);
        bodyLength /= 10;
    } while (bodyLength > 0 && n > 0);
    writeAll(fd, g_replyHead, g_replyHeadLength.load());
    writeAll(fd, "Content-Length: ", 16);
    writeAll(fd, digits + n, sizeof(digits) - n);
    writeAll(fd, "\r\n\r\n", 4);
    writeAll(fd, g_replyBody, g_replyBodyLength.load());
    writeAll(fd, what, whatLength);
    writeAll(fd, detail, detailLength);
    writeAll(fd, g_replyEnd, sizeof(g_replyEnd) - 1);
    ::shutdown(fd, SHUT_RDWR);
}

// Where the unwinder goes back to when it faults (a smashed stack): the handler then ends with
// the frames it has, the 502 already sent and the maps already saved.
sigjmp_buf g_unwindGuard;

void onFaultWhileUnwinding(int)
{
    ::siglongjmp(g_unwindGuard, 1);
}

// Unwinds the crashing thread's stack into the area, surviving a fault in the unwinder.
void captureFramesGuarded(void *faultPc)
{
    // The faulting instruction first: if the unwinder gets no further, the record still names it.
    if (faultPc) {
        g_area->frames[0] = reinterpret_cast<std::uint64_t>(faultPc);
        g_area->frameCount = 1;
    }
    struct sigaction guard
    {
    };
    guard.sa_handler = onFaultWhileUnwinding;
    guard.sa_flags = SA_ONSTACK | SA_NODEFER;
    sigemptyset(&guard.sa_mask);
    struct sigaction oldSegv
    {
    };
    struct sigaction oldBus
    {
    };
    ::sigaction(SIGSEGV, &guard, &oldSegv);
    ::sigaction(SIGBUS, &guard, &oldBus);
    sigset_t faults;
    sigemptyset(&faults);
    sigaddset(&faults, SIGSEGV);
    sigaddset(&faults, SIGBUS);
    sigset_t saved;
    ::pthread_sigmask(SIG_SETMASK, nullptr, &saved);
    // The handler's signal is blocked while it runs: a fault in the unwinder would kill the
    // process at once, so unblock the two the unwinder can cause.
    if (sigsetjmp(g_unwindGuard, 1) == 0) {
        ::pthread_sigmask(SIG_UNBLOCK, &faults, nullptr);
        captureFrames(faultPc);
    }
    ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    ::sigaction(SIGSEGV, &oldSegv, nullptr);
    ::sigaction(SIGBUS, &oldBus, nullptr);
}

void onFatalSignal(int signal, siginfo_t *, void *context)
{
    // Cheapest and most certain first: the client's answer and the memory map never depend on
    // the crashed thread's stack; unwinding that stack does, and may fault.
    if (g_area)
        g_area->signal = signal;
    const char *name = ::sigabbrev_np(signal);
    answerRequest("SIG", name ? name : "");
    if (g_area) {
        captureMaps();
        void *pc = nullptr;
#if defined(__x86_64__)
        if (context)
            pc = reinterpret_cast<void *>(
                static_cast<ucontext_t *>(context)->uc_mcontext.gregs[REG_RIP]);
#endif
        captureFramesGuarded(pc);
    }
    // SA_RESETHAND restored the default action: raising again ends the process with this signal
    // once the handler returns, so the supervisor sees it in the exit status.
    ::raise(signal);
}

void onExit()
{
    if (!g_area || g_normalExit.load())
        return;
    // exit() from a route handler: the request still gets its 502 instead of a dropped
    // connection (the exit code is not known here; the supervisor's record has it).
    answerRequest("exit()", "");
    captureMaps();
    captureFramesGuarded(nullptr);
}

// Mapped, not a thread_local array: a guard page below it turns a handler that outgrows it
// into a clean fault, and pages never touched cost nothing.
struct AlternateStack
{
    static constexpr size_t Size = 128 * 1024;
    const size_t page = size_t(::sysconf(_SC_PAGESIZE));
    void *mapping = MAP_FAILED;

    AlternateStack()
    {
        mapping = ::mmap(nullptr, Size + page, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (mapping == MAP_FAILED)
            return;
        ::mprotect(mapping, page, PROT_NONE);
        stack_t stack{};
        stack.ss_sp = static_cast<char *>(mapping) + page;
        stack.ss_size = Size;
        ::sigaltstack(&stack, nullptr);
    }
    // Also on pthread_exit() and cancellation: both unwind through this frame.
    ~AlternateStack()
    {
        if (mapping == MAP_FAILED)
            return;
        stack_t off{};
        off.ss_flags = SS_DISABLE;
        ::sigaltstack(&off, nullptr);
        ::munmap(mapping, Size + page);
    }
};

} // namespace

bool CrashHandler::install(const QString &areaPath, QString *error)
{
    const QByteArray path = areaPath.toLocal8Bit();
    const int fd = ::open(path.constData(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::ftruncate(fd, sizeof(CrashArea)) != 0) {
        if (error)
            *error = QStringLiteral("cannot create %1: %2")
                         .arg(areaPath, QString::fromLocal8Bit(std::strerror(errno)));
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    void *mapped = ::mmap(nullptr, sizeof(CrashArea), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (mapped == MAP_FAILED) {
        if (error)
            *error = QStringLiteral("cannot map %1: %2")
                         .arg(areaPath, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    g_area = static_cast<CrashArea *>(mapped);
    std::memcpy(g_area->magic, CrashArea::MagicValue, sizeof(g_area->magic));

    // backtrace() loads libgcc's unwinder on first use: do that now, not in the handler.
    void *warmUp[4];
    ::backtrace(warmUp, 4);

    // The handler must run even when the stack is exhausted (unbounded recursion).
    static char alternateStack[256 * 1024];
    stack_t stack{};
    stack.ss_sp = alternateStack;
    stack.ss_size = sizeof(alternateStack);
    ::sigaltstack(&stack, nullptr);

    struct sigaction action
    {
    };
    action.sa_sigaction = onFatalSignal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (int signal : FatalSignals)
        ::sigaction(signal, &action, nullptr);
    std::atexit(onExit);
    return true;
}

void CrashHandler::setPhase(quint64 recordId, const QString &phase)
{
    if (!g_area)
        return;
    g_area->recordId = recordId;
    copyText(g_area->phase, sizeof(g_area->phase), phase);
    // The component belongs to the phase that named it: a crash in a later phase (unload,
    // cleanup) must not be blamed on the last component an earlier one destroyed.
    g_area->component[0] = '\0';
    g_area->call[0] = '\0';
}

void CrashHandler::setComponent(const QString &key, const QString &call)
{
    if (!g_area)
        return;
    copyText(g_area->component, sizeof(g_area->component), key);
    copyText(g_area->call, sizeof(g_area->call), call);
}

void CrashHandler::setRequest(qintptr fd, const QString &request)
{
    if (g_area)
        copyText(g_area->request, sizeof(g_area->request), request);
    static const QByteArray head = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html; "
                                   "charset=utf-8\r\nCache-Control: no-store\r\nConnection: "
                                   "close\r\n";
    const QByteArray body
        = "<!doctype html>\n<title>502 · qreload: the plugin host crashed</title>\n"
          "<h1>502 · the plugin host crashed</h1>\n<p>While serving <code>"
          + request.toHtmlEscaped().toUtf8().left(1024) + "</code> the plugin code got <b>";
    g_requestFd.store(-1);
    std::memcpy(g_replyHead, head.constData(), size_t(head.size()));
    g_replyHeadLength.store(size_t(head.size()));
    std::memcpy(g_replyBody, body.constData(), size_t(body.size()));
    g_replyBodyLength.store(size_t(body.size()));
    g_requestFd.store(int(fd));
}

void CrashHandler::clearRequest()
{
    g_requestFd.store(-1);
    if (g_area)
        g_area->request[0] = '\0';
}

void CrashHandler::markNormalExit()
{
    g_normalExit.store(true);
}

void *CrashHandler::runWithAlternateStack(void *(*start)(void *), void *argument)
{
    const AlternateStack stack;
    return start(argument);
}

CrashArea *CrashHandler::area()
{
    return g_area;
}

} // namespace qreload::app
