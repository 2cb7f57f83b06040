# The shop example end to end (examples/shop, issue 5): a reload of one of its plugins keeps the
# visit counter and the cart; an ambiguous interface or a cycle is reported while the old
# generation serves. Included from tests/app/CMakeLists.txt, after qreload_app_test() is defined.
qreload_app_test(shop "${CMAKE_CURRENT_LIST_DIR}/tst_shop.cpp" "${CMAKE_CURRENT_LIST_DIR}/pluginfolder.h")
qreload_use_shop_fixtures(tst_shop)
# A build relinking three of the shop's plugins reloads once: the test reruns their real link
# commands (read from this build's ninja manifest) under ninja, so it needs the Ninja generator.
target_compile_definitions(tst_shop PRIVATE
    "QRELOAD_BUILD_DIR=\"${CMAKE_BINARY_DIR}\""
    "QRELOAD_NINJA=\"$<$<STREQUAL:${CMAKE_GENERATOR},Ninja>:${CMAKE_MAKE_PROGRAM}>\"")
