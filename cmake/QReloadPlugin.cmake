# qreload_add_plugin(<name> SOURCES <files>... [LIBRARIES <targets>...] [OUTPUT_DIRECTORY <dir>])
#
# Builds a reloadable qreload component plugin: a MODULE library whose generated provider class
# calls the author's QRELOAD_COMPONENTS function. Compile flags that make unloading work:
#   -fno-gnu-unique      moc output would otherwise pin the first copy loaded, for good;
#   hidden visibility    each copy binds its own symbols, never an older generation's.
include_guard(GLOBAL)

set(QRELOAD_PLUGIN_TEMPLATE "${CMAKE_CURRENT_LIST_DIR}/qreload_plugin.cpp.in")

function(qreload_add_plugin name)
    cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
    if(NOT ARG_SOURCES)
        message(FATAL_ERROR "qreload_add_plugin(${name}): SOURCES is required")
    endif()
    set(QRELOAD_PLUGIN_NAME "${name}")
    string(MAKE_C_IDENTIFIER "${name}" QRELOAD_PLUGIN_IDENTIFIER)
    set(generated "${CMAKE_CURRENT_BINARY_DIR}/${name}_qreloadplugin.cpp")
    configure_file("${QRELOAD_PLUGIN_TEMPLATE}" "${generated}" @ONLY)

    add_library(${name} MODULE ${ARG_SOURCES} "${generated}")
    target_link_libraries(${name} PRIVATE qreload::container ${ARG_LIBRARIES})
    target_compile_options(${name} PRIVATE -fno-gnu-unique)
    set_target_properties(${name} PROPERTIES
        AUTOMOC ON
        PREFIX ""
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON)
    if(ARG_OUTPUT_DIRECTORY)
        set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
    endif()
    # The Qt headers every component includes, precompiled once and shared by every plugin of
    # the build: without it, parsing them is most of a plugin's rebuild.
    if(NOT QRELOAD_NO_PCH)
        _qreload_plugin_pch()
        target_precompile_headers(${name} REUSE_FROM qreload_plugin_pch)
    endif()
endfunction()

# One precompiled header for all plugins. It is compiled with exactly the flags
# qreload_add_plugin gives a plugin, which is what lets GCC accept it for each of them.
function(_qreload_plugin_pch)
    if(TARGET qreload_plugin_pch)
        return()
    endif()
    set(carrier "${CMAKE_BINARY_DIR}/qreload_plugin_pch.cpp")
    file(WRITE "${carrier}" "// Carries the precompiled header shared by qreload plugins.\n")
    add_library(qreload_plugin_pch OBJECT "${carrier}")
    target_link_libraries(qreload_plugin_pch PRIVATE qreload::container)
    target_compile_options(qreload_plugin_pch PRIVATE -fno-gnu-unique)
    set_target_properties(qreload_plugin_pch PROPERTIES
        POSITION_INDEPENDENT_CODE ON
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON)
    target_precompile_headers(qreload_plugin_pch PRIVATE <QObject> <QString> <qreload/plugin.h>)
endfunction()
