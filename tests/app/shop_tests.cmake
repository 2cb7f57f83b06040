# The shop example end to end (examples/shop, issue 5): a reload of one of its plugins keeps the
# visit counter and the cart; an ambiguous interface or a cycle is reported while the old
# generation serves. Included from tests/app/CMakeLists.txt, after qreload_app_test() is defined.
qreload_app_test(shop "${CMAKE_CURRENT_LIST_DIR}/tst_shop.cpp" "${CMAKE_CURRENT_LIST_DIR}/pluginfolder.h")
qreload_use_shop_fixtures(tst_shop)
