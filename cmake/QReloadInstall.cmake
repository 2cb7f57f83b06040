# Included at the end of the top-level CMakeLists.txt, once every target exists:
#   install rules of the executables: qreload, and each executable of host/ (qreload-host);
#   qreload_runtime: what running qreload needs, and nothing of the test suite (quickstart.sh);
#   CPack: `cpack -G DEB` in the build folder makes qreload_<version>_<arch>.deb.
# The SDK's install rules and the CMake package are in QReloadPackage.cmake; the .desktop file
# and the icon are installed by ui/CMakeLists.txt.
include_guard(GLOBAL)
include(GNUInstallDirs)

set(qreload_executables qreload)
get_property(host_targets DIRECTORY "${PROJECT_SOURCE_DIR}/host" PROPERTY BUILDSYSTEM_TARGETS)
foreach(target IN LISTS host_targets)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
        list(APPEND qreload_executables ${target})
    endif()
endforeach()
# Relative, so an install works from any prefix (and from a .deb's /usr).
set_target_properties(${qreload_executables} PROPERTIES
    INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
install(TARGETS ${qreload_executables} RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

set(qreload_runtime_targets ${qreload_executables})
foreach(example greeter shop)
    if(TARGET ${example})
        list(APPEND qreload_runtime_targets ${example})
    endif()
endforeach()
add_custom_target(qreload_runtime DEPENDS ${qreload_runtime_targets})

include(QReloadPackaging)
