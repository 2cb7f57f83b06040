# Runs linkcheck.cmake on the fixture, whose markdown holds broken links on purpose, and checks
# that it fails and reports exactly those, each by file and line: a checker that passes
# everything, or blames a good link, fails this test.
#
#   cmake -DCHECKER=<linkcheck.cmake> -DFIXTURE=<folder> -P expectbroken.cmake
cmake_minimum_required(VERSION 3.25)

execute_process(
    COMMAND "${CMAKE_COMMAND}" -DROOT=${FIXTURE} -P "${CHECKER}"
    RESULT_VARIABLE result
    OUTPUT_VARIABLE out
    ERROR_VARIABLE out)
message("${out}")

if(result EQUAL 0)
    message(FATAL_ERROR "the link check passed a fixture with broken links")
endif()

set(expected
    "README.md:13: broken link: docs/missing.md (no such file)"
    "README.md:14: broken link: images/none.png (no such file)"
    "README.md:15: broken link: docs/other.md#no-such-section (docs/other.md has no heading #no-such-section)"
    "README.md:16: broken link: #repeated-2 (README.md has no heading #repeated-2)"
    "README.md:24: broken link: docs/gone.md (no such file)"
    "docs/other.md:6: broken link: ../README.md#nowhere (README.md has no heading #nowhere)")
set(missing "")
foreach(line IN LISTS expected)
    string(FIND "${out}" "${line}" at)
    if(at EQUAL -1)
        string(APPEND missing "\n  ${line}")
    endif()
endforeach()
string(REGEX MATCHALL "broken link:" reported "${out}")
list(LENGTH reported count)
list(LENGTH expected wanted)
if(missing OR NOT count EQUAL wanted)
    message(FATAL_ERROR "expected ${wanted} broken links, got ${count}; not reported:${missing}")
endif()
message("the link check reported the fixture's ${wanted} broken links and nothing else")
