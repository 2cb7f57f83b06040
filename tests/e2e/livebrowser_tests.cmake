# Live reload in a real browser (issue 12 §3): headless Chromium driven over the DevTools protocol
# (QWebSocket). Skips with a message when chromium is not installed.
find_package(Qt6 6.4 REQUIRED COMPONENTS WebSockets)
add_executable(tst_livebrowser tst_livebrowser.cpp)
set_target_properties(tst_livebrowser PROPERTIES AUTOMOC ON)
target_link_libraries(tst_livebrowser PRIVATE qreload::app Qt6::Network Qt6::WebSockets Qt6::Test)
qreload_use_fixtures(tst_livebrowser)
add_dependencies(tst_livebrowser qreload_host_exe)
target_compile_definitions(tst_livebrowser PRIVATE
    QRELOAD_HOST_BINARY="$<TARGET_FILE:qreload_host_exe>"
    QRELOAD_SCREENSHOT_DIR="${CMAKE_CURRENT_BINARY_DIR}/screenshots")
add_test(NAME e2e.livebrowser COMMAND tst_livebrowser)
set_tests_properties(e2e.livebrowser PROPERTIES TIMEOUT 120 LABELS browser)
qreload_qtest_skips(e2e.livebrowser)
# Without chromium on PATH the test must say SKIP and why, not pass silently.
add_test(NAME e2e.livebrowser.nochromium COMMAND tst_livebrowser)
set_tests_properties(e2e.livebrowser.nochromium PROPERTIES TIMEOUT 30 LABELS browser
    ENVIRONMENT "PATH=/nonexistent"
    PASS_REGULAR_EXPRESSION "SKIP   : tst_LiveBrowser::initTestCase\\(\\) chromium is not installed")
