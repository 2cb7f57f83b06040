# Live reload (issue 12 §1-§2): the event journal and stream, injection, the standby stream, the
# open endpoint and the liveReload switches, through a supervisor with a real qreload-host.
qreload_app_test(livereload tst_livereload.cpp pluginfolder.h sseclient.h)
add_dependencies(tst_livereload qreload_host_exe qreload)
target_compile_definitions(tst_livereload PRIVATE
    QRELOAD_HOST_BINARY="$<TARGET_FILE:qreload_host_exe>"
    QRELOAD_BINARY="$<TARGET_FILE:qreload>")
target_link_libraries(tst_livereload PRIVATE Qt6::Network)
