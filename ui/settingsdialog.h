#pragma once

#include "consoletheme.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace qreload::app {
class ReloadEngine;
class PreviewServer;
} // namespace qreload::app

namespace qreload::ui {

/*!
 * Settings: the quiet period and the theme apply at once; the preview server's address and the
 * build command are shown read-only (they are chosen on the command line for now).
 */
class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    SettingsDialog(qreload::app::ReloadEngine *engine, qreload::app::PreviewServer *server,
                   ConsoleTheme::Mode theme, QWidget *parent = nullptr);

    int quietPeriodMs() const;
    ConsoleTheme::Mode theme() const;
    QSpinBox *quietPeriodField() const { return m_quiet; }
    QComboBox *themeField() const { return m_theme; }

    //! Applies the values: the engine's quiet period now; the caller applies the theme.
    void apply();

Q_SIGNALS:
    //! apply() ran (Apply or OK): the caller applies theme().
    void applied();

private:
    qreload::app::ReloadEngine *m_engine;
    QSpinBox *m_quiet;
    QComboBox *m_theme;
};

} // namespace qreload::ui
