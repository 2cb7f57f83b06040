# The console's models and helpers in app/ (issue 4). Included from tests/ui/CMakeLists.txt, so
# qreload_console_test() is defined; the executables build from this folder's sources.
set(console_app_tests "${CMAKE_CURRENT_LIST_DIR}")
qreload_console_test(app.reloadlogmodel GUILESS "${console_app_tests}/tst_reloadlogmodel.cpp")
qreload_console_test(app.componentgraphlayout GUILESS
    "${console_app_tests}/tst_componentgraphlayout.cpp")
qreload_console_test(app.sourcehighlighter GUILESS "${console_app_tests}/tst_sourcehighlighter.cpp")
# Layout and highlighting run on the thread pool (scripts/sanitize.sh thread runs these).
set_tests_properties(app.componentgraphlayout app.sourcehighlighter PROPERTIES LABELS threads)
