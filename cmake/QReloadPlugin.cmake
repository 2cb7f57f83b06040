# qreload_add_plugin(<name> SOURCES <files>... [LIBRARIES <targets>...] [OUTPUT_DIRECTORY <dir>])
#
# OUTPUT_DIRECTORY defaults to <top build folder>/plugins, the folder a qreload project without
# "plugins" in its qreload.json loads from (build/plugins).
# Builds a reloadable qreload component plugin: a MODULE library whose generated provider class
# calls the author's QRELOAD_COMPONENTS function. Compile flags that make unloading work:
#   -fno-gnu-unique      moc output would otherwise pin the first copy loaded, for good (GCC
#                        only: clang emits no GNU unique symbols and rejects the flag);
#   hidden visibility    each copy binds its own symbols, never an older generation's.
# And what makes a rebuild after one save fast (the compiler is most of save-to-serve time):
#   one precompiled header of the Qt and qreload headers, shared by every plugin of the build;
#   moc run directly per file instead of AUTOMOC (whose scan step costs ~0.3 s per build), and
#   only when its output could change (qreload_moc_check.cpp: not for a save that changes only
#   literals in code moc never reads), its output rewritten only when it changed (restat);
#   debug information as QRELOAD_PLUGIN_DEBUG_INFO says (default: lines, file:line in crash
#   records for a few per cent of the compile);
#   lld as the linker when it is installed (QReloadFastBuild.cmake; -DQRELOAD_NO_LLD=ON: not).
#
# moc: every C++ source gets <basename>.moc (include it after a class with Q_OBJECT declared in
# the .cpp, as usual with Qt); every header in SOURCES, and a header beside a source with the same
# base name, gets its moc code compiled in one extra translation unit.
#
# find_package(qreload) includes this file from the installed package (lib/cmake/qreload/) or a
# build tree's; qreload's own build includes it from cmake/.
include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/QReloadFastBuild.cmake")
# moc's dependency files name absolute paths, which ninja takes as they are: no
# `cmake -E cmake_transform_depfile` after each moc step (a CMake start-up per save). Functions
# defined below keep this setting (include() gives this file its own policy scope).
if(POLICY CMP0116)
    cmake_policy(SET CMP0116 OLD)
endif()

# A global property, not a variable: the guard above skips this file in a second directory that
# finds the package, and the function must still find its template there.
set_property(GLOBAL PROPERTY QRELOAD_PLUGIN_TEMPLATE
    "${CMAKE_CURRENT_LIST_DIR}/qreload_plugin.cpp.in")
set_property(GLOBAL PROPERTY QRELOAD_MOC_CHECK_SOURCE
    "${CMAKE_CURRENT_LIST_DIR}/qreload_moc_check.cpp")
# lines by default: a crash record then names file:line in the user's own code, for a few per cent
# of the compile (docs/benchmarks.md, "Line tables in plugins").
set(QRELOAD_PLUGIN_DEBUG_INFO "lines" CACHE STRING
    "Debug information in qreload plugins: lines (the default; -gline-tables-only with Clang, -g1 \
with GCC: file and line in backtraces), none (-g0) or full (-g: everything a debugger can show)")
set_property(CACHE QRELOAD_PLUGIN_DEBUG_INFO PROPERTY STRINGS none lines full)
# With Clang, a MODULE library (a plugin) is linked through GCC's driver when GCC is installed:
# the objects and the link are the same (lld, libstdc++), but Debian's clang++ driver, linked
# against LLVM's shared libraries, takes 33-80 ms longer per link (measured at load 2 and 9).
# -DQRELOAD_CLANG_LINK_DRIVER=ON keeps clang++ as the link driver.
option(QRELOAD_CLANG_LINK_DRIVER "Link Clang-compiled plugins with the clang++ driver" OFF)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND NOT QRELOAD_CLANG_LINK_DRIVER
   AND CMAKE_CXX_CREATE_SHARED_MODULE MATCHES "^<CMAKE_CXX_COMPILER> ")
    find_program(QRELOAD_GXX_DRIVER NAMES g++)
    if(QRELOAD_GXX_DRIVER)
        string(REPLACE "<CMAKE_CXX_COMPILER>" "${QRELOAD_GXX_DRIVER}"
               CMAKE_CXX_CREATE_SHARED_MODULE "${CMAKE_CXX_CREATE_SHARED_MODULE}")
    endif()
endif()
option(QRELOAD_PCH_CODEGEN
       "With Clang 11 or newer: generate the precompiled header's code once, not in every plugin"
       ON)

function(qreload_add_plugin name)
    cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
    if(NOT ARG_SOURCES)
        message(FATAL_ERROR "qreload_add_plugin(${name}): SOURCES is required")
    endif()
    set(QRELOAD_PLUGIN_NAME "${name}")
    string(MAKE_C_IDENTIFIER "${name}" QRELOAD_PLUGIN_IDENTIFIER)
    set(generated "${CMAKE_CURRENT_BINARY_DIR}/${name}_qreloadplugin.cpp")
    get_property(template GLOBAL PROPERTY QRELOAD_PLUGIN_TEMPLATE)
    configure_file("${template}" "${generated}" @ONLY)

    add_library(${name} MODULE ${ARG_SOURCES} "${generated}")
    target_link_libraries(${name} PRIVATE qreload::container ${ARG_LIBRARIES})
    _qreload_plugin_flags(${name})
    set_target_properties(${name} PROPERTIES PREFIX "")
    if(NOT ARG_OUTPUT_DIRECTORY)
        set(ARG_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/plugins")
    endif()
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
    _qreload_plugin_moc(${name} ${ARG_SOURCES} "${generated}")
    # The Qt headers every component includes, precompiled once and shared by every plugin of
    # the build: without it, parsing them is most of a plugin's rebuild.
    if(NOT QRELOAD_NO_PCH)
        _qreload_plugin_pch()
        target_precompile_headers(${name} REUSE_FROM qreload_plugin_pch)
        _qreload_link_pch_code(${name})
    endif()
endfunction()

# The flags of a plugin, also given to the precompiled header (GCC uses a PCH only for
# compiles with the same flags).
function(_qreload_plugin_flags target)
    target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique>)
    if(QRELOAD_LLD AND NOT QRELOAD_NO_LLD)
        target_link_options(${target} PRIVATE -fuse-ld=lld)
    endif()
    if(QRELOAD_PLUGIN_DEBUG_INFO STREQUAL "none")
        target_compile_options(${target} PRIVATE -g0)
    elseif(QRELOAD_PLUGIN_DEBUG_INFO STREQUAL "lines")
        # Line tables only: what the crash report's symbolizer reads, none of the type and
        # variable information that makes -g cost a third of a compile.
        target_compile_options(${target} PRIVATE
            $<IF:$<CXX_COMPILER_ID:Clang>,-gline-tables-only,-g1>)
    elseif(QRELOAD_PLUGIN_DEBUG_INFO STREQUAL "full")
        target_compile_options(${target} PRIVATE -g)
    else()
        message(FATAL_ERROR "QRELOAD_PLUGIN_DEBUG_INFO is \"${QRELOAD_PLUGIN_DEBUG_INFO}\"; "
                            "use none, lines or full")
    endif()
    set_target_properties(${target} PROPERTIES
        AUTOMOC OFF
        POSITION_INDEPENDENT_CODE ON
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON)
endfunction()

# Runs moc on each source and header of plugin `target` as its own build step, with the target's
# include paths and definitions and the compiler's predefined macros (as AUTOMOC would), and a
# dependency file so an included header's change re-runs it.
function(_qreload_plugin_moc target)
    set(out "${CMAKE_CURRENT_BINARY_DIR}/${target}_moc")
    file(MAKE_DIRECTORY "${out}")
    # The compiler finds "x.moc" through -iquote, which moc does not see: moc follows includes
    # for its dependency file, and would list its own output as its input.
    target_compile_options(${target} PRIVATE "SHELL:-iquote \"${out}\"")
    _qreload_moc_predefs(predefs)
    set(includes "$<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>")
    set(defines "$<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>")
    set(moc_flags "$<$<BOOL:${includes}>:-I$<JOIN:${includes},$<SEMICOLON>-I>>"
                  "$<$<BOOL:${defines}>:-D$<JOIN:${defines},$<SEMICOLON>-D>>"
                  --include "${predefs}")

    set(headers)
    set(seen_names)
    foreach(file IN LISTS ARGN)
        get_filename_component(path "${file}" ABSOLUTE)
        get_filename_component(base "${path}" NAME_WE)
        get_filename_component(ext "${path}" LAST_EXT)
        if(ext MATCHES "^\\.(h|hh|hpp|hxx|h\\+\\+)$")
            list(APPEND headers "${path}")
            continue()
        endif()
        if(NOT ext MATCHES "^\\.(cpp|cc|cxx|c\\+\\+|C)$")
            continue()
        endif()
        if(base IN_LIST seen_names)
            message(FATAL_ERROR "qreload_add_plugin(${target}): two sources are named ${base}.*; "
                                "each needs its own ${base}.moc, so rename one")
        endif()
        list(APPEND seen_names "${base}")
        # A header beside the source with the same base name is moc'ed too, as AUTOMOC does.
        get_filename_component(dir "${path}" DIRECTORY)
        foreach(sibling_ext h hpp hh hxx)
            if(EXISTS "${dir}/${base}.${sibling_ext}")
                list(APPEND headers "${dir}/${base}.${sibling_ext}")
            endif()
        endforeach()
        set(moc_file "${out}/${base}.moc")
        _qreload_moc_command("${path}" "${moc_file}" "${moc_flags}")
        # A source of the target, not compiled: its step runs before the target's compiles, and
        # after the first build the compiler's dependency file ties x.cpp's object to it. (Not
        # OBJECT_DEPENDS on x.cpp: that property is per folder, shared by every target using
        # x.cpp.)
        target_sources(${target} PRIVATE "${moc_file}")
        set_source_files_properties("${moc_file}" PROPERTIES HEADER_FILE_ONLY ON)
    endforeach()

    list(REMOVE_DUPLICATES headers)
    if(NOT headers)
        return()
    endif()
    set(mocs_cpp "${out}/${target}_mocs.cpp")
    set(mocs_content "// moc output of ${target}'s headers, generated by qreload_add_plugin.\n")
    set(index 0)
    foreach(header IN LISTS headers)
        get_filename_component(base "${header}" NAME_WE)
        set(moc_file "${out}/moc_${index}_${base}.cpp")
        math(EXPR index "${index} + 1")
        _qreload_moc_command("${header}" "${moc_file}" "${moc_flags}")
        string(APPEND mocs_content "#include \"${moc_file}\"\n")
        target_sources(${target} PRIVATE "${moc_file}")
        set_source_files_properties("${moc_file}" PROPERTIES HEADER_FILE_ONLY ON)
    endforeach()
    file(CONFIGURE OUTPUT "${mocs_cpp}" CONTENT "${mocs_content}")
    target_sources(${target} PRIVATE "${mocs_cpp}")
endfunction()

# One moc build step: `input` to `output`, re-run when `input` or a header it includes changes.
function(_qreload_moc_command input output flags)
    get_filename_component(name "${input}" NAME)
    # The rule names the output as ninja does (relative to the top build folder), since the
    # dependency file is read as moc writes it (CMP0116 above).
    file(RELATIVE_PATH rule "${CMAKE_BINARY_DIR}" "${output}")
    _qreload_moc_check_tool(check)
    add_custom_command(OUTPUT "${output}"
        COMMAND "${check}" $<TARGET_FILE:Qt6::moc> --no-notes ${flags} --output-dep-file
                --dep-file-path "${output}.d" --dep-file-rule-name "${rule}"
                "${input}" -o "${output}"
        DEPENDS "${input}" Qt6::moc "${check}"
        DEPFILE "${output}.d"
        COMMENT "moc ${name}"
        COMMAND_EXPAND_LISTS VERBATIM)
endfunction()

# qreload_moc_check (qreload_moc_check.cpp: moc only when its output could change), built once
# per build folder at configure time, so every moc step of the first build can use it.
function(_qreload_moc_check_tool out_var)
    set(tool "${CMAKE_BINARY_DIR}/qreload_moc_check")
    get_property(source GLOBAL PROPERTY QRELOAD_MOC_CHECK_SOURCE)
    if(NOT EXISTS "${tool}" OR "${source}" IS_NEWER_THAN "${tool}")
        execute_process(
            COMMAND "${CMAKE_CXX_COMPILER}" -std=c++17 -O1 "${source}" -o "${tool}"
            RESULT_VARIABLE result
            ERROR_VARIABLE errors)
        if(NOT result EQUAL 0)
            message(FATAL_ERROR "qreload_add_plugin: cannot build ${tool} from ${source}:\n"
                                "${errors}")
        endif()
    endif()
    set(${out_var} "${tool}" PARENT_SCOPE)
endfunction()

# The C++ compiler's predefined macros, for moc to evaluate #if like the compiler does.
function(_qreload_moc_predefs out_var)
    set(predefs "${CMAKE_BINARY_DIR}/qreload_moc_predefs.h")
    if(NOT EXISTS "${predefs}")
        execute_process(
            COMMAND "${CMAKE_CXX_COMPILER}" -std=gnu++20 -dM -E -x c++ /dev/null
            OUTPUT_FILE "${predefs}"
            RESULT_VARIABLE result)
        if(NOT result EQUAL 0)
            file(WRITE "${predefs}" "")
        endif()
    endif()
    set(${out_var} "${predefs}" PARENT_SCOPE)
endfunction()

# One precompiled header for all plugins. It is compiled with exactly the flags
# qreload_add_plugin gives a plugin, which is what lets GCC accept it for each of them.
#
# With Clang (11 or newer) the header's code is generated once as well: CMake already builds the
# PCH with -fpch-instantiate-templates (templates the headers use are instantiated inside the
# PCH, not again in every source), and -fmodules-codegen (what the driver's -fpch-codegen turns
# into) makes the PCH own the code of its inline functions and instantiations. That code is
# compiled once into qreload_plugin_pch_code.o and linked into every plugin, so a plugin's
# compile only parses and generates its own code. -DQRELOAD_PCH_CODEGEN=OFF: not.
function(_qreload_plugin_pch)
    if(TARGET qreload_plugin_pch)
        return()
    endif()
    set(carrier "${CMAKE_BINARY_DIR}/qreload_plugin_pch.cpp")
    file(WRITE "${carrier}" "// Carries the precompiled header shared by qreload plugins.\n")
    add_library(qreload_plugin_pch OBJECT "${carrier}")
    target_link_libraries(qreload_plugin_pch PRIVATE qreload::container)
    _qreload_plugin_flags(qreload_plugin_pch)
    target_precompile_headers(qreload_plugin_pch PRIVATE <QObject> <QString> <qreload/plugin.h>)
    if(NOT QRELOAD_PCH_CODEGEN OR NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang"
       OR CMAKE_CXX_COMPILER_VERSION VERSION_LESS 11)
        return()
    endif()
    target_compile_options(qreload_plugin_pch PRIVATE "SHELL:-Xclang -fmodules-codegen")
    # Where CMake writes the PCH of an OBJECT library (Ninja and Makefiles generators alike).
    set(pch "${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/qreload_plugin_pch.dir/cmake_pch.hxx.pch")
    set(code "${CMAKE_CURRENT_BINARY_DIR}/qreload_plugin_pch_code.o")
    add_custom_command(OUTPUT "${code}"
        COMMAND "${CMAKE_CXX_COMPILER}" -fPIC -ffunction-sections -fdata-sections
                $<$<NOT:$<CONFIG:Debug>>:-O2> -c "${pch}" -o "${code}"
        DEPENDS qreload_plugin_pch "${pch}"
        COMMENT "Generating the precompiled header's code, once for all plugins"
        VERBATIM)
    add_custom_target(qreload_plugin_pch_code DEPENDS "${code}")
    set_property(GLOBAL PROPERTY QRELOAD_PLUGIN_PCH_CODE "${code}")
endfunction()

# Links the PCH's code (see _qreload_plugin_pch) into `target`, when there is one.
function(_qreload_link_pch_code target)
    get_property(code GLOBAL PROPERTY QRELOAD_PLUGIN_PCH_CODE)
    if(NOT code)
        return()
    endif()
    add_dependencies(${target} qreload_plugin_pch_code)
    target_link_libraries(${target} PRIVATE "${code}")
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${code}")
    # Only what the plugin uses of it (one function per section): a smaller library to stage.
    target_link_options(${target} PRIVATE "LINKER:--gc-sections")
endfunction()
