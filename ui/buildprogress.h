#pragma once

#include <QString>
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
    int total = 0;           //!< 100 for make's percentages
    bool percentage = false; //!< make's `[ n%]`: no step counts, only a percentage

    int percent() const { return total > 0 ? done * 100 / total : 0; }
    //! As a status bar shows it: "12/40" for ninja, "30%" for make.
    QString text() const;
    //! The progress a line of build output announces, if any.
    static std::optional<BuildProgress> parse(QStringView line);
};

} // namespace qreload::app
