#pragma once

#include <cstdint>

namespace qreload::app {

/*!
 * The host's black box: a small file the host maps shared and the supervisor reads after the host
 * died. The host writes breadcrumbs into it as it works (the reload phase, the component being
 * created, the request being served), and its fatal-signal handler adds the signal, the raw
 * return addresses of the crashing thread and a copy of /proc/self/maps. Plain bytes in a fixed
 * layout: the handler may only do async-signal-safe work, and the supervisor must read it even
 * when the host was killed without warning. Symbolization happens in the supervisor.
 */
struct CrashArea
{
    static constexpr char MagicValue[8] = {'Q', 'R', 'C', 'R', 'A', 'S', 'H', '1'};
    static constexpr int MaxFrames = 64;

    char magic[8];
    std::uint64_t recordId; //!< the reload running now (0: none)
    char phase[32];         //!< its phase
    char component[256];    //!< the component (or plugin file) whose code runs ("" : none)
    char call[32];          //!< which of its code: factory, after-construct, destroy, load, ...
    char request[512];      //!< the request being served ("GET /path"; "" : none)
    std::int32_t signal;    //!< the fatal signal (0: none)
    std::int32_t frameCount;
    std::uint64_t frames[MaxFrames]; //!< return addresses, innermost first
    std::uint32_t mapsLength;
    char maps[512 * 1024]; //!< /proc/self/maps at the time of the crash
};

} // namespace qreload::app
