# cmake -DBUILD_DIR=<dir> -DTARGET=<target> -DSOURCE=<file> -P check.cmake
#
# Builds TARGET (a tiny program that links qreload::app, the supervisor, and reaches into the
# host or the runtime), which must fail, and checks that the build output names what it could not
# reach: each `// expect: <text>` line of SOURCE gives one text, any one of which must appear
# (compilers and linkers word it differently).
file(STRINGS "${SOURCE}" lines REGEX "// expect: ")
if(NOT lines)
    message(FATAL_ERROR "${SOURCE} announces no expected message")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}"
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(result EQUAL 0)
    message(FATAL_ERROR "${TARGET} built: the supervisor (qreload::app) reached the host or the "
                        "runtime, which it must never link (docs/architecture.md)")
endif()
foreach(line IN LISTS lines)
    string(REGEX REPLACE ".*// expect: " "" expected "${line}")
    string(STRIP "${expected}" expected)
    string(FIND "${output}" "${expected}" at)
    if(NOT at EQUAL -1)
        message(STATUS "${TARGET} does not build, as it must not: ${expected}")
        return()
    endif()
endforeach()
message(FATAL_ERROR "${TARGET} failed for another reason than the boundary:\n${output}")
