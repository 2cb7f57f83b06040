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
    # The Qt headers every component includes, precompiled once per plugin: most of a rebuild.
    if(NOT QRELOAD_NO_PCH)
        target_precompile_headers(${name} PRIVATE <QObject> <QString> <qreload/plugin.h>)
    endif()
endfunction()
