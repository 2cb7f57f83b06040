# QRELOAD_SANITIZE: build the whole tree with sanitizers (scripts/sanitize.sh runs them).
#   address,undefined   AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
#   address | undefined one of them alone
#   thread              ThreadSanitizer (cannot be combined with address)
#
# The flags are directory-wide compile and link options of the top-level directory, so every
# target of the tree gets them: libraries, executables, tests, and the plugins and fixture
# plugins qreload_add_plugin builds (and their shared precompiled header, which GCC only uses
# for compiles with the same flags). Every sanitizer stops at its first report
# (-fno-sanitize-recover=all), so a report fails the test that made it.
#
# Every test registered in the tree runs with the sanitizers' options and the suppression files
# of tests/sanitize (see tests/sanitize/CMakeLists.txt).
include_guard(GLOBAL)

set(QRELOAD_SANITIZE "" CACHE STRING
    "Sanitizers for the whole build: address,undefined or thread (empty: none)")
set_property(CACHE QRELOAD_SANITIZE PROPERTY STRINGS "" "address,undefined" "thread")

set(QRELOAD_SANITIZERS "")
if(QRELOAD_SANITIZE)
    string(REPLACE "," ";" _qreload_sanitizers "${QRELOAD_SANITIZE}")
    foreach(sanitizer IN LISTS _qreload_sanitizers)
        string(STRIP "${sanitizer}" sanitizer)
        if(NOT sanitizer MATCHES "^(address|undefined|thread)$")
            message(FATAL_ERROR "QRELOAD_SANITIZE is \"${QRELOAD_SANITIZE}\": \"${sanitizer}\" "
                                "is not a sanitizer qreload builds with; use address,undefined "
                                "or thread")
        endif()
        list(APPEND QRELOAD_SANITIZERS "${sanitizer}")
    endforeach()
    list(REMOVE_DUPLICATES QRELOAD_SANITIZERS)
    if("thread" IN_LIST QRELOAD_SANITIZERS AND "address" IN_LIST QRELOAD_SANITIZERS)
        message(FATAL_ERROR "QRELOAD_SANITIZE is \"${QRELOAD_SANITIZE}\": thread and address "
                            "cannot be combined in one build; use address,undefined or thread")
    endif()
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        message(FATAL_ERROR "QRELOAD_SANITIZE needs GCC or Clang, not ${CMAKE_CXX_COMPILER_ID}")
    endif()
    list(JOIN QRELOAD_SANITIZERS "," _qreload_sanitize_list)
    set(_qreload_sanitize_flags "-fsanitize=${_qreload_sanitize_list}" -fno-omit-frame-pointer
                                -fno-sanitize-recover=all)
    add_compile_options(${_qreload_sanitize_flags})
    add_link_options("-fsanitize=${_qreload_sanitize_list}")
    message(STATUS "qreload: sanitizers ${_qreload_sanitize_list}")

    # tests/sanitize (added last by tests/CMakeLists.txt) gives every test registered before it
    # the sanitizers' options; a test registered after it would run without them.
    cmake_language(DEFER DIRECTORY "${PROJECT_SOURCE_DIR}" CALL _qreload_sanitize_check_tests)
endif()

function(_qreload_sanitize_check_tests)
    if(NOT BUILD_TESTING)
        return()
    endif()
    _qreload_collect_tests("${PROJECT_SOURCE_DIR}" all_tests)
    list(REMOVE_ITEM all_tests ${QRELOAD_SANITIZED_TESTS})
    if(all_tests)
        message(FATAL_ERROR "Tests registered after tests/sanitize would run without the "
                            "sanitizers' options: ${all_tests}. Register them before it.")
    endif()
endfunction()

# The names of the tests registered in folder `dir` and its sub-folders, so far.
function(_qreload_collect_tests dir out_var)
    get_property(tests DIRECTORY "${dir}" PROPERTY TESTS)
    get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
    foreach(subdir IN LISTS subdirs)
        _qreload_collect_tests("${subdir}" sub_tests)
        list(APPEND tests ${sub_tests})
    endforeach()
    set(${out_var} ${tests} PARENT_SCOPE)
endfunction()
