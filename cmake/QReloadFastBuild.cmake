# lld links a plugin in a fraction of GNU ld's time, and linking is a large share of a rebuild.
# QRELOAD_LLD is where it is (empty when not installed); -DQRELOAD_NO_LLD=ON leaves it unused.
# qreload_add_plugin() links each plugin with it; qreload's own build links everything with it,
# while a project using the package keeps its own linker for its other targets.
include_guard(GLOBAL)
find_program(QRELOAD_LLD NAMES ld.lld)
