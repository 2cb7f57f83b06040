# Link with lld when it is installed: linking a plugin is a large share of a rebuild.
include_guard(GLOBAL)
find_program(QRELOAD_LLD NAMES ld.lld)
if(QRELOAD_LLD AND NOT QRELOAD_NO_LLD)
    add_link_options(-fuse-ld=lld)
endif()
