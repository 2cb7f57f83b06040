# Source mode (issue 3): config, globs, diagnostics, and the watch -> build -> reload loop with a
# scripted build (no compiler; tests/e2e runs the real one). Included from tests/app/CMakeLists.txt.
qreload_app_test(projectconfig tst_projectconfig.cpp)
target_compile_definitions(tst_projectconfig PRIVATE QRELOAD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
qreload_app_test(diagnosticparser tst_diagnosticparser.cpp)
qreload_app_test(sourcemode tst_sourcemode.cpp)
# Own projects (issue 10): a CMake project configured by qreload (scripted cmake), warnings.
qreload_app_test(cmakeproject tst_cmakeproject.cpp)
target_compile_definitions(tst_cmakeproject PRIVATE QRELOAD_TEST_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
add_dependencies(tst_cmakeproject qreload_host_exe)
target_compile_definitions(tst_cmakeproject PRIVATE
    QRELOAD_HOST_BINARY="$<TARGET_FILE:qreload_host_exe>")
# Source mode drives a HostProxy, whose plugins run in qreload-host.
add_dependencies(tst_sourcemode qreload_host_exe)
target_compile_definitions(tst_sourcemode PRIVATE
    QRELOAD_HOST_BINARY="$<TARGET_FILE:qreload_host_exe>")
