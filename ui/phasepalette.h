#pragma once

#include <QColor>
#include <QString>
#include <QStringList>

namespace qreload::ui {

//! Stable colours for reload phases, shared by the log's timing bars and the timing chart.
class PhasePalette
{
public:
    //! The phases of the reload transaction in the order they run.
    static QStringList knownPhases();
    //! A colour per phase name; unknown names get a stable colour from their hash.
    static QColor color(const QString &phase);
};

} // namespace qreload::ui
