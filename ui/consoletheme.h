#pragma once

#include <QPalette>
#include <QString>

namespace qreload::ui {

//! The console's colour theme: the desktop's palette, or a fixed light or dark one.
class ConsoleTheme
{
public:
    enum class Mode {
        System, //!< follow the desktop's palette
        Light,  //!< Fusion with a light palette
        Dark,   //!< Fusion with a dark palette
    };

    static QString name(Mode mode);
    static Mode fromName(const QString &name);
    //! Applies the theme application-wide (palette, and the Fusion style for Light and Dark).
    static void apply(Mode mode);
    static bool isDark(const QPalette &palette);
    static QPalette darkPalette();
    static QPalette lightPalette();
};

} // namespace qreload::ui
