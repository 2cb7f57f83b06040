# qreload's CMake package: find_package(qreload 0.2) gives qreload::container and
# qreload_add_plugin(), from an install (cmake --install: <prefix>/lib/cmake/qreload/) or straight
# from this build tree (<build>/qreloadConfig.cmake, through export()). qreload configures a
# project's build folder with CMAKE_PREFIX_PATH=<folder of the running qreload>/.., which is the
# install prefix for an installed qreload and this build folder for <build>/bin/qreload: both
# layouts are found with exactly that.
#
# Also the install rules of the SDK: library, headers, package files, JSON schema, examples.
# The executables are installed by QReloadInstall.cmake (included after app/ and host/).
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(QRELOAD_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/qreload")

install(TARGETS qreload_container EXPORT qreloadTargets
    LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    FILE_SET HEADERS DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT qreloadTargets NAMESPACE qreload:: DESTINATION "${QRELOAD_INSTALL_CMAKEDIR}")
export(EXPORT qreloadTargets NAMESPACE qreload::
    FILE "${PROJECT_BINARY_DIR}/qreloadTargets.cmake")

# 0.x: a minor release may change the SDK (as semantic versioning allows before 1.0), and the
# library's soname changes with it; a patch release does not. So find_package(qreload 0.2)
# accepts 0.2.x only, neither 0.1 nor 0.3.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/qreloadConfigVersion.cmake"
    VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMinorVersion)

# Build tree: the plugin functions from this source tree.
set(QRELOAD_PACKAGE_KIND "build tree ${PROJECT_BINARY_DIR}")
set(QRELOAD_PACKAGE_MODULE_DIR "${PROJECT_SOURCE_DIR}/cmake")
configure_file("${CMAKE_CURRENT_LIST_DIR}/qreloadConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/qreloadConfig.cmake" @ONLY)
# Install: the plugin functions beside the config file.
set(QRELOAD_PACKAGE_KIND "installed")
set(QRELOAD_PACKAGE_MODULE_DIR "\${CMAKE_CURRENT_LIST_DIR}")
configure_file("${CMAKE_CURRENT_LIST_DIR}/qreloadConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/package/qreloadConfig.cmake" @ONLY)
install(FILES
    "${PROJECT_BINARY_DIR}/package/qreloadConfig.cmake"
    "${PROJECT_BINARY_DIR}/qreloadConfigVersion.cmake"
    "${CMAKE_CURRENT_LIST_DIR}/QReloadPlugin.cmake"
    "${CMAKE_CURRENT_LIST_DIR}/QReloadFastBuild.cmake"
    "${CMAKE_CURRENT_LIST_DIR}/qreload_plugin.cpp.in"
    "${CMAKE_CURRENT_LIST_DIR}/qreload_moc_check.cpp"
    DESTINATION "${QRELOAD_INSTALL_CMAKEDIR}")

# What a project's author reads: the qreload.json schema and the examples (ordinary projects
# using find_package(qreload)), never a build folder configured inside them.
install(FILES "${PROJECT_SOURCE_DIR}/app/qreload.schema.json"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/qreload")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/examples/greeter" "${PROJECT_SOURCE_DIR}/examples/shop"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/qreload/examples"
    REGEX "/build[^/]*$" EXCLUDE
    REGEX "/\\.qreload[^/]*$" EXCLUDE)
