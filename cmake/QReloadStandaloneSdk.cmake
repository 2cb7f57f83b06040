# For tools that build plugins outside this build tree with this tree's SDK (savebench and the
# end-to-end test build a standalone copy of the greeter, as a user's own project would):
#   QRELOAD_STANDALONE_SDK      a CMake file to include(): qreload::container, qreload_add_plugin
#                               and the fast-build and sanitizer settings of this tree;
#   QRELOAD_STANDALONE_GREETER  the CMakeLists.txt of a standalone greeter project using it
#                               (copy it beside a services.cpp).
include_guard(GLOBAL)

set(QRELOAD_STANDALONE_SDK "${PROJECT_BINARY_DIR}/standalone/qreload-sdk.cmake")
set(QRELOAD_STANDALONE_GREETER "${PROJECT_BINARY_DIR}/standalone/greeter/CMakeLists.txt")

file(GENERATE OUTPUT "${QRELOAD_STANDALONE_SDK}" CONTENT "
if(NOT TARGET qreload::container)
    add_library(qreload::container SHARED IMPORTED)
    set_target_properties(qreload::container PROPERTIES
        IMPORTED_LOCATION \"$<TARGET_FILE:qreload_container>\"
        INTERFACE_INCLUDE_DIRECTORIES \"${PROJECT_SOURCE_DIR}/container/include;${PROJECT_BINARY_DIR}/container/include\"
        INTERFACE_LINK_LIBRARIES Qt6::Core)
endif()
add_compile_definitions(QT_NO_KEYWORDS)
list(APPEND CMAKE_MODULE_PATH \"${PROJECT_SOURCE_DIR}/cmake\")
include(QReloadFastBuild)
set(QRELOAD_SANITIZE \"${QRELOAD_SANITIZE}\")
include(QReloadSanitize)
include(QReloadPlugin)
")

file(CONFIGURE OUTPUT "${QRELOAD_STANDALONE_GREETER}" CONTENT [[
cmake_minimum_required(VERSION 3.25)
project(greeter_copy LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(Qt6 REQUIRED COMPONENTS Core)
include("@QRELOAD_STANDALONE_SDK@")
qreload_add_plugin(greeter SOURCES services.cpp OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/plugins")
]] @ONLY)
