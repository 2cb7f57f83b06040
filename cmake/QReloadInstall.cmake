# Included at the end of the top-level CMakeLists.txt, once every target exists:
#   install rules of the executables: qreload, and each executable of host/ (qreload-host);
#   qreload_runtime: what running qreload needs (the executables and the container library they
#                    link), and nothing of the test suite (quickstart.sh);
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

# Not the examples' plugins: an example is a project of its own, which qreload configures and
# builds in its own build folder (examples/greeter/build) when it runs it; building them here
# too would compile them twice before the first page is served.
add_custom_target(qreload_runtime DEPENDS ${qreload_executables})

include(QReloadPackaging)
