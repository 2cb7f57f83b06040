# The plugin ABI check: the dynamic symbols libqreloadcontainer exports in qreload's namespace
# (what a plugin may link against), demangled and sorted, must equal the committed list.
#   cmake -DLIBRARY=<libqreloadcontainer.so> -DLIST=<.symbols file> [-DUPDATE=ON] -P abicheck.cmake
# Only qreload's own symbols with strong or per-class (vtable, typeinfo) linkage count: the weak
# copies of std:: and Qt templates a compiler happens to emit differ between compilers and build
# types, and a plugin gets its own copies of those anyway.
foreach(var LIBRARY LIST)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "abicheck.cmake needs -D${var}=...")
    endif()
endforeach()

execute_process(COMMAND nm -D --defined-only -C "${LIBRARY}"
                OUTPUT_VARIABLE nm_output RESULT_VARIABLE nm_result ERROR_VARIABLE nm_error)
if(NOT nm_result EQUAL 0)
    message(FATAL_ERROR "nm -D failed on ${LIBRARY}: ${nm_error}")
endif()
string(REPLACE ";" "\\;" nm_output "${nm_output}")
string(REPLACE "\n" ";" nm_lines "${nm_output}")
set(symbols "")
foreach(line IN LISTS nm_lines)
    # "<address> <type> <demangled name>"
    if(NOT line MATCHES "^[0-9a-fA-F]+ ([A-Za-z]) (.*)$")
        continue()
    endif()
    set(type "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    if(NOT type MATCHES "^[TDBRV]$")
        continue()
    endif()
    if(name MATCHES "^qreload::" OR name MATCHES "^(typeinfo|typeinfo name|vtable|VTT) for qreload::")
        list(APPEND symbols "${name}")
    endif()
endforeach()
list(REMOVE_DUPLICATES symbols)
list(SORT symbols)
list(JOIN symbols "\n" actual)
string(APPEND actual "\n")

if(UPDATE)
    file(WRITE "${LIST}" "${actual}")
    message(STATUS "wrote ${LIST}")
    return()
endif()

file(READ "${LIST}" expected)
if(NOT expected STREQUAL actual)
    get_filename_component(list_name "${LIST}" NAME)
    set(actual_file "${CMAKE_CURRENT_BINARY_DIR}/${list_name}.actual")
    file(WRITE "${actual_file}" "${actual}")
    execute_process(COMMAND diff -u "${LIST}" "${actual_file}" OUTPUT_VARIABLE difference)
    message(FATAL_ERROR
        "The plugin ABI (the symbols ${LIBRARY} exports) changed:\n${difference}\n"
        "If the change is meant (and SdkVersion or the soname moves with it), update the list: "
        "cmake --build <build folder> --target qreload_container_abi_update")
endif()
message(STATUS "plugin ABI unchanged: ${LIST}")
