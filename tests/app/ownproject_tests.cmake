# Own projects (issue 10): `qreload new`, one qreload per project, and (with the compiler) a new
# project and a copied example configured, built and served. Included from
# tests/app/CMakeLists.txt.
qreload_app_test(projectscaffold tst_projectscaffold.cpp)
add_dependencies(tst_projectscaffold qreload)
target_compile_definitions(tst_projectscaffold PRIVATE QRELOAD_BINARY="$<TARGET_FILE:qreload>")

qreload_app_test(instancelock tst_instancelock.cpp)
add_dependencies(tst_instancelock qreload qreload_host_exe)
target_compile_definitions(tst_instancelock PRIVATE QRELOAD_BINARY="$<TARGET_FILE:qreload>")

# With CMake and the compiler: configures and builds two projects from nothing.
add_executable(tst_ownproject tst_ownproject.cpp)
set_target_properties(tst_ownproject PROPERTIES AUTOMOC ON)
target_link_libraries(tst_ownproject PRIVATE Qt6::Core Qt6::Network Qt6::Test)
add_dependencies(tst_ownproject qreload qreload_host_exe qreload_container)
target_compile_definitions(tst_ownproject PRIVATE
    QRELOAD_BINARY="$<TARGET_FILE:qreload>" QRELOAD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_test(NAME app.ownproject COMMAND tst_ownproject)
set_tests_properties(app.ownproject PROPERTIES TIMEOUT 1500 LABELS compiler)
qreload_qtest_skips(app.ownproject)

qreload_app_test(projectchecks tst_projectchecks.cpp)
add_dependencies(tst_projectchecks qreload qreload_host_exe)
target_compile_definitions(tst_projectchecks PRIVATE QRELOAD_BINARY="$<TARGET_FILE:qreload>")
