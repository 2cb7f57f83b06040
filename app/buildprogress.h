#pragma once

#include <QStringView>

#include <optional>

namespace qreload::app {

/*!
 * Progress of a build as its output shows it: ninja's `[12/40] Building CXX ...` and make's
 * `[ 30%] Building CXX ...`.
 */
struct BuildProgress
{
    int done = 0;
    int total = 0; //!< 100 for make's percentages

    int percent() const { return total > 0 ? done * 100 / total : 0; }
    //! The progress a line of build output announces, if any.
    static std::optional<BuildProgress> parse(QStringView line);
};

} // namespace qreload::app
