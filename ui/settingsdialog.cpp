#include "settingsdialog.h"

#include "previewserver.h"
#include "reloadengine.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace qreload::ui {

SettingsDialog::SettingsDialog(app::ReloadEngine *engine, app::PreviewServer *server,
                               ConsoleTheme::Mode theme, QWidget *parent)
    : QDialog(parent)
    , m_engine(engine)
    , m_quiet(new QSpinBox(this))
    , m_theme(new QComboBox(this))
{
    setWindowTitle(tr("qreload settings"));
    m_quiet->setRange(0, 60000);
    m_quiet->setSingleStep(25);
    m_quiet->setSuffix(tr(" ms"));
    m_quiet->setValue(engine->quietPeriodMs());
    m_quiet->setToolTip(tr("How long the plugin folders must be quiet after the last file event "
                           "before a reload starts. Editors and linkers write a file in several "
                           "steps over up to ~100 ms."));
    m_theme->addItem(tr("System"), int(ConsoleTheme::Mode::System));
    m_theme->addItem(tr("Light"), int(ConsoleTheme::Mode::Light));
    m_theme->addItem(tr("Dark"), int(ConsoleTheme::Mode::Dark));
    m_theme->setCurrentIndex(m_theme->findData(int(theme)));

    auto *form = new QFormLayout;
    form->addRow(tr("&Quiet period:"), m_quiet);
    form->addRow(tr("&Theme:"), m_theme);
    const auto readOnly = [this](const QString &text, const QString &tip) {
        auto *field = new QLineEdit(text, this);
        field->setReadOnly(true);
        field->setToolTip(tip);
        return field;
    };
    const QString restart = tr("Set on the command line; takes effect when qreload restarts.");
    form->addRow(tr("Plugin folders:"),
                 readOnly(engine->pluginDirs().join(QStringLiteral("; ")), restart));
    form->addRow(tr("Preview host:"),
                 readOnly(server ? server->host().toString() : tr("(not running)"),
                          restart + tr(" (--host)")));
    form->addRow(tr("Preview port:"),
                 readOnly(server ? QString::number(server->port()) : tr("(not running)"),
                          restart + tr(" (--port)")));
    form->addRow(tr("Build command:"),
                 readOnly(tr("(none: plugin files are watched directly)"), restart));

    auto *buttons = new QDialogButtonBox(
        QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::Apply, this);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        apply();
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this,
            &SettingsDialog::apply);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

int SettingsDialog::quietPeriodMs() const
{
    return m_quiet->value();
}

ConsoleTheme::Mode SettingsDialog::theme() const
{
    return ConsoleTheme::Mode(m_theme->currentData().toInt());
}

void SettingsDialog::apply()
{
    if (m_engine->quietPeriodMs() != m_quiet->value())
        m_engine->setQuietPeriodMs(m_quiet->value());
    Q_EMIT applied();
}

} // namespace qreload::ui
