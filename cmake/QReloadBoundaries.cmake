# The process boundary, kept by the build (docs/architecture.md): the supervisor (qreload_app and
# the qreload executable) links the protocol and http libraries and never the host or the
# runtime, which load and run plugin code.
#
# qreload_forbid_links(<target> FORBIDS <target>... [BECAUSE <text>]) checks, once every target
# is defined (at the end of the top-level configure), that nothing <target> links, directly or
# through another library, is one of the forbidden targets; else configuring fails, naming the
# chain of links that reaches it.

function(_qreload_resolve_target name out)
    if(TARGET "${name}")
        get_target_property(aliased "${name}" ALIASED_TARGET)
        if(aliased)
            set(name "${aliased}")
        endif()
    endif()
    set(${out} "${name}" PARENT_SCOPE)
endfunction()

function(_qreload_check_links target forbidden because)
    _qreload_resolve_target("${target}" target)
    set(resolved_forbidden "")
    foreach(f IN LISTS forbidden)
        _qreload_resolve_target("${f}" f)
        list(APPEND resolved_forbidden "${f}")
    endforeach()
    # Breadth-first over what links what, remembering through which target each was reached.
    set(queue "${target}")
    set(seen "${target}")
    set(via_${target} "${target}")
    while(queue)
        list(POP_FRONT queue current)
        if(NOT TARGET "${current}")
            continue()
        endif()
        get_target_property(type "${current}" TYPE)
        set(links "")
        if(NOT type STREQUAL "INTERFACE_LIBRARY")
            get_target_property(direct "${current}" LINK_LIBRARIES)
            if(direct)
                list(APPEND links ${direct})
            endif()
        endif()
        get_target_property(interface "${current}" INTERFACE_LINK_LIBRARIES)
        if(interface)
            list(APPEND links ${interface})
        endif()
        foreach(link IN LISTS links)
            # $<LINK_ONLY:x> and similar wrappers: the target inside
            string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" link "${link}")
            _qreload_resolve_target("${link}" link)
            if(link IN_LIST seen)
                continue()
            endif()
            list(APPEND seen "${link}")
            set(via_${link} "${via_${current}} -> ${link}")
            if(link IN_LIST resolved_forbidden)
                message(FATAL_ERROR "${via_${link}}: ${target} must not link ${link}. ${because}")
            endif()
            list(APPEND queue "${link}")
        endforeach()
    endwhile()
endfunction()

function(qreload_forbid_links target)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "BECAUSE" "FORBIDS")
    cmake_language(EVAL CODE "
        cmake_language(DEFER DIRECTORY [[${CMAKE_SOURCE_DIR}]]
                       CALL _qreload_check_links [[${target}]] [[${arg_FORBIDS}]] [[${arg_BECAUSE}]])")
endfunction()
