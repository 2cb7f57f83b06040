# The Debian package: `cpack -G DEB` in a configured and built folder makes
# qreload_<version>_<arch>.deb of what `cmake --install` installs, into /usr. Its Depends are
# the shared libraries' packages (dpkg-shlibdeps) and what qreload_add_plugin() needs to build a
# user's plugin: the Qt 6 development files (moc among them), a C++ compiler, CMake and Ninja.
include_guard(GLOBAL)

set(CPACK_PACKAGE_NAME qreload)
set(CPACK_PACKAGE_VENDOR "qreload")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION "qreload hot-reloads C++/Qt component plugins into a running \
process: save a change, the plugin is rebuilt and a new dependency-injection generation serves \
the next request; if it fails, the old one keeps serving. Includes the console, the container \
SDK and its CMake package (find_package(qreload), qreload_add_plugin()).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
if(NOT CPACK_GENERATOR)
    set(CPACK_GENERATOR DEB)
endif()

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
if(NOT CPACK_DEBIAN_PACKAGE_MAINTAINER)
    set(CPACK_DEBIAN_PACKAGE_MAINTAINER "qreload maintainers <maintainers@qreload.invalid>")
endif()
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libqreloadcontainer is in the package itself: dpkg-shlibdeps finds it here, not in another
# package's shlibs file.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${PROJECT_BINARY_DIR}/container")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-base-dev (>= 6.4), g++ | c++-compiler, cmake (>= 3.25), \
ninja-build")
# What makes saves fast on the platform the package is built on: lld links plugins faster, and
# the newest clang-N there compiles them about twice as fast as g++ (qreload picks the newest
# clang++-N on PATH for a project's plugins). Recommends are installed by apt by default.
set(qreload_recommends lld)
file(GLOB qreload_clangs LIST_DIRECTORIES false /usr/bin/clang++-*)
set(qreload_newest_clang 0)
foreach(clang IN LISTS qreload_clangs)
    string(REGEX MATCH "[0-9]+$" version "${clang}")
    if(version AND version GREATER qreload_newest_clang)
        set(qreload_newest_clang ${version})
    endif()
endforeach()
if(qreload_newest_clang GREATER 0)
    list(PREPEND qreload_recommends "clang-${qreload_newest_clang} | clang")
else()
    list(PREPEND qreload_recommends clang)
endif()
list(JOIN qreload_recommends ", " CPACK_DEBIAN_PACKAGE_RECOMMENDS)
# Where the console links KF6 SyntaxHighlighting, dpkg-shlibdeps puts it in Depends; elsewhere
# the KF5 command-line highlighter colours the source view when it is installed.
find_package(KF6SyntaxHighlighting QUIET)
if(NOT KF6SyntaxHighlighting_FOUND)
    set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libkf5syntaxhighlighting-tools")
endif()

include(CPack)
