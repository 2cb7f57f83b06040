#pragma once

#include "consoletheme.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace qreload::app {
class HostProxy;
class SourceMode;
} // namespace qreload::app

namespace qreload::ui {

/*!
 * Settings. Applied without a restart: the quiet period (plugin folders and, in source mode,
 * sources), the build command (from the next build on) and the theme. The preview server's
 * address and the plugin folders are shown read-only: they are fixed for the process's lifetime.
 * An invalid value is named under the form and disables OK and Apply.
 */
class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    //! `sourceMode` may be null (plugin folders only): the build command is then read-only.
    SettingsDialog(qreload::app::HostProxy *engine, qreload::app::SourceMode *sourceMode,
                   ConsoleTheme::Mode theme, QWidget *parent = nullptr);

    int quietPeriodMs() const;
    ConsoleTheme::Mode theme() const;
    QSpinBox *quietPeriodField() const { return m_quiet; }
    QComboBox *themeField() const { return m_theme; }
    QLineEdit *buildCommandField() const { return m_build; }
    //! Why the values cannot be applied (shown under the form); empty when they can.
    QString problem() const;

    /*!
     * Applies the values: quiet period and build command now; the caller applies the theme.
     * Does nothing and returns false while problem() names one.
     */
    bool apply();

Q_SIGNALS:
    //! apply() ran (Apply or OK): the caller applies theme().
    void applied();

private:
    void validate();

    qreload::app::HostProxy *m_engine;
    qreload::app::SourceMode *m_sourceMode;
    QSpinBox *m_quiet;
    QComboBox *m_theme;
    QLineEdit *m_build = nullptr;
    QLabel *m_problem;
    QPushButton *m_ok = nullptr;
    QPushButton *m_apply = nullptr;
};

} // namespace qreload::ui
