# ctest.skipshown: runs the skip fixture under a ctest of its own, registered with the same
# SKIP_REGULAR_EXPRESSION as every Qt Test of the suite, and fails unless ctest reports it as
# skipped (with the fixture's reason in its output). Without the expression ctest says Passed.
#   cmake -DFIXTURE=<tst_skipfixture> -DSKIPPED=<expression> -DWORK=<dir> -P skipshown.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
file(WRITE "${WORK}/CTestTestfile.cmake"
    "add_test(skipfixture \"${FIXTURE}\")\n"
    "set_tests_properties(skipfixture PROPERTIES SKIP_REGULAR_EXPRESSION \"${SKIPPED}\")\n")
execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" --output-on-failure -V
    WORKING_DIRECTORY "${WORK}" OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE status)
if(NOT output MATCHES "skipfixture \\.+\\*+Skipped")
    message(FATAL_ERROR "ctest did not report the skipping Qt Test as skipped:\n${output}")
endif()
if(NOT output MATCHES "the fixture's reason for skipping")
    message(FATAL_ERROR "the skip's reason is not in ctest's output:\n${output}")
endif()
message(STATUS "ctest reports a Qt Test with a QSKIP as skipped, with its reason")
