# cmake -DBUILD_DIR=<dir> -DTARGET=<target> -DSOURCE=<file> -P check.cmake
#
# Builds TARGET, which must fail, and checks that the compiler output contains every message
# announced by a `// expect: <text>` line of SOURCE, and no other error: each mistake reads as one
# sentence, not as a cascade.
file(STRINGS "${SOURCE}" lines REGEX "// expect: ")
if(NOT lines)
    message(FATAL_ERROR "${SOURCE} announces no expected message")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}"
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(result EQUAL 0)
    message(FATAL_ERROR "${TARGET} compiled, but every registration in it is a mistake")
endif()
set(missing)
foreach(line IN LISTS lines)
    string(REGEX REPLACE ".*// expect: " "" expected "${line}")
    string(STRIP "${expected}" expected)
    string(FIND "${output}" "${expected}" at)
    if(at EQUAL -1)
        list(APPEND missing "${expected}")
    endif()
endforeach()
if(missing)
    list(JOIN missing "\n  " text)
    message(FATAL_ERROR "the compiler did not report:\n  ${text}\n--- compiler output ---\n${output}")
endif()
list(LENGTH lines count)
string(REGEX MATCHALL "error: " errors "${output}")
list(LENGTH errors errorCount)
if(NOT errorCount EQUAL count)
    message(FATAL_ERROR "expected ${count} errors, the compiler reported ${errorCount}:\n${output}")
endif()
message(STATUS "all ${count} mistakes were compile errors with the expected message")
