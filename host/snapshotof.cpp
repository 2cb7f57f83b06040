#include "snapshotof.h"

namespace qreload::app {

GenerationSnapshot snapshotOf(const Generation &generation)
{
    GenerationSnapshot s;
    s.number = generation.number();
    s.components = generation.container().components();
    s.edges = generation.container().edges();
    s.plugins = generation.plugins();
    return s;
}

} // namespace qreload::app
