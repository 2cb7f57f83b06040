#pragma once

#include "generationsnapshot.h"

#include <generation.h>

namespace qreload::app {

//! The snapshot of a generation that runs here, as the supervisor and /_qreload/status see it.
GenerationSnapshot snapshotOf(const Generation &generation);

} // namespace qreload::app
