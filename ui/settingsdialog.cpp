#include "settingsdialog.h"

#include "hostproxy.h"
#include "sourcemode.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace qreload::ui {

SettingsDialog::SettingsDialog(app::HostProxy *engine, app::SourceMode *sourceMode,
                               ConsoleTheme::Mode theme, QWidget *parent)
    : QDialog(parent)
    , m_engine(engine)
    , m_sourceMode(sourceMode)
    , m_quiet(new QSpinBox(this))
    , m_theme(new QComboBox(this))
    , m_problem(new QLabel(this))
{
    setWindowTitle(tr("qreload settings"));
    m_quiet->setRange(0, 60000);
    m_quiet->setSingleStep(25);
    m_quiet->setSuffix(tr(" ms"));
    m_quiet->setValue(engine->quietPeriodMs());
    m_quiet->setToolTip(
        tr("How long the plugin folders (and, in source mode, the sources) must "
           "be quiet after the last file event before a reload (or build) starts. "
           "Editors and linkers write a file in several steps over up to ~100 ms."));
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
                 readOnly(engine->host().toString(), restart + tr(" (--host)")));
    form->addRow(tr("Preview port:"),
                 readOnly(QString::number(engine->port()), restart + tr(" (--port)")));
    if (sourceMode) {
        m_build = new QLineEdit(sourceMode->buildCommandTemplate(), this);
        m_build->setObjectName(QStringLiteral("buildCommand"));
        m_build->setToolTip(tr("Run by /bin/sh -c in %1 when watched sources change; "
                               "${targets} becomes the targets whose sources changed. Applies "
                               "from the next build on.")
                                .arg(sourceMode->config().buildWorkingDir));
        form->addRow(tr("&Build command:"), m_build);
        connect(m_build, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    } else {
        form->addRow(tr("Build command:"),
                     readOnly(tr("(none: plugin files are watched directly)"),
                              tr("Source mode is chosen when qreload starts (a project's "
                                 "qreload.json, or --build-command).")));
    }
    m_problem->setObjectName(QStringLiteral("settingsProblem"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #d32f2f;"));
    m_problem->hide();

    auto *buttons = new QDialogButtonBox(
        QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::Apply, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_apply = buttons->button(QDialogButtonBox::Apply);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (apply())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this,
            &SettingsDialog::apply);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
    validate();
}

int SettingsDialog::quietPeriodMs() const
{
    return m_quiet->value();
}

ConsoleTheme::Mode SettingsDialog::theme() const
{
    return ConsoleTheme::Mode(m_theme->currentData().toInt());
}

QString SettingsDialog::problem() const
{
    if (m_sourceMode && m_build)
        return m_sourceMode->buildCommandProblem(m_build->text());
    return {};
}

void SettingsDialog::validate()
{
    const QString text = problem();
    m_problem->setText(text);
    m_problem->setVisible(!text.isEmpty());
    m_ok->setEnabled(text.isEmpty());
    m_apply->setEnabled(text.isEmpty());
}

bool SettingsDialog::apply()
{
    if (!problem().isEmpty())
        return false;
    if (m_engine->quietPeriodMs() != m_quiet->value())
        m_engine->setQuietPeriodMs(m_quiet->value());
    if (m_sourceMode) {
        m_sourceMode->setQuietPeriodMs(m_quiet->value());
        if (m_build)
            m_sourceMode->setBuildCommand(m_build->text());
    }
    Q_EMIT applied();
    return true;
}

} // namespace qreload::ui
