#include "previewpanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDesktopServices>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPushButton>
#include <QTextBrowser>
#include <QVBoxLayout>

Q_LOGGING_CATEGORY(lcPreview, "qreload.ui", QtInfoMsg)

namespace qreload::ui {

PreviewPanel::PreviewPanel(QWidget *parent)
    : QWidget(parent)
    , m_path(new QComboBox(this))
    , m_go(new QPushButton(tr("Fetch"), this))
    , m_open(new QPushButton(tr("Open in browser"), this))
    , m_auto(new QCheckBox(tr("Refresh after reload"), this))
    , m_info(new QLabel(this))
    , m_bodyView(new QTextBrowser(this))
    , m_network(new QNetworkAccessManager(this))
{
    // The preview server is on loopback: never send its requests through a proxy from the
    // environment.
    m_network->setProxy(QNetworkProxy::NoProxy);
    m_network->setTransferTimeout(10000);
    connect(m_network, &QNetworkAccessManager::finished, this, &PreviewPanel::onFinished);

    m_path->setEditable(true);
    m_path->setInsertPolicy(QComboBox::NoInsert);
    m_path->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_path->setToolTip(tr("Pick one of the generation's routes or type a path"));
    m_path->addItem(QStringLiteral("/"));
    // Picking a route, pressing Enter or leaving the edited path fetches it.
    connect(m_path, &QComboBox::activated, this, &PreviewPanel::refresh);
    connect(m_go, &QPushButton::clicked, this, &PreviewPanel::refresh);
    connect(m_open, &QPushButton::clicked, this, &PreviewPanel::openInBrowser);
    m_auto->setChecked(true);

    m_info->setTextFormat(Qt::PlainText);
    m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_info->setObjectName(QStringLiteral("previewInfo"));
    m_bodyView->setOpenLinks(false);
    m_bodyView->setObjectName(QStringLiteral("previewBody"));

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_path, 1);
    bar->addWidget(m_go);
    bar->addWidget(m_open);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(bar);
    layout->addWidget(m_auto);
    layout->addWidget(m_info);
    layout->addWidget(m_bodyView, 1);
    m_info->setText(tr("Not fetched yet"));
}

PreviewPanel::~PreviewPanel()
{
    // Destroying the box moves focus away from its editor, which would "activate" a path.
    m_path->disconnect(this);
    m_network->disconnect(this);
    if (QNetworkReply *reply = m_reply) {
        m_reply = nullptr;
        reply->abort();
    }
}

void PreviewPanel::setBaseUrl(const QUrl &url)
{
    m_base = url;
}

void PreviewPanel::setRoutes(const QStringList &paths)
{
    const QString current = path();
    QStringList items = paths;
    items.append(QStringLiteral("/_qreload/status"));
    items.removeDuplicates();
    QStringList existing;
    for (int i = 0; i < m_path->count(); ++i)
        existing.append(m_path->itemText(i));
    if (existing != items) {
        m_path->clear();
        m_path->addItems(items);
    }
    m_path->setEditText(current.isEmpty() ? items.constFirst() : current);
}

QString PreviewPanel::path() const
{
    return m_path->currentText().trimmed();
}

void PreviewPanel::setPath(const QString &path)
{
    m_path->setEditText(path);
}

QUrl PreviewPanel::currentUrl() const
{
    QString p = path();
    if (!p.startsWith(QLatin1Char('/')))
        p.prepend(QLatin1Char('/'));
    return m_base.resolved(QUrl(p));
}

bool PreviewPanel::autoRefresh() const
{
    return m_auto->isChecked();
}

void PreviewPanel::setAutoRefresh(bool on)
{
    m_auto->setChecked(on);
}

void PreviewPanel::refresh()
{
    if (!m_base.isValid() || m_base.isEmpty()) {
        m_info->setText(tr("The preview server is not running"));
        return;
    }
    if (m_reply) {
        QNetworkReply *old = m_reply;
        m_reply = nullptr;
        old->abort(); // finished() arrives for it and is ignored
    }
    QNetworkRequest request(currentUrl());
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    m_timer.start();
    m_reply = m_network->get(request);
    m_info->setText(tr("Fetching %1…").arg(currentUrl().toString()));
}

void PreviewPanel::openInBrowser()
{
    if (m_base.isValid())
        QDesktopServices::openUrl(currentUrl());
}

void PreviewPanel::onFinished(QNetworkReply *reply)
{
    reply->deleteLater();
    if (reply != m_reply)
        return; // aborted by a newer request
    m_reply = nullptr;
    m_latencyMs = m_timer.nsecsElapsed() / 1e6;
    m_status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    m_generation = reply->rawHeader("X-QReload-Generation").toULongLong();
    const QByteArray body = reply->readAll();
    const QString type = reply->header(QNetworkRequest::ContentTypeHeader).toString();

    if (m_status == 0) {
        m_body.clear();
        m_info->setText(
            tr("No response: %1 (%2 ms)").arg(reply->errorString()).arg(m_latencyMs, 0, 'f', 1));
        m_bodyView->clear();
        Q_EMIT responseShown(0, 0);
        return;
    }
    const QString reason = QString::fromUtf8(
        reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray());
    m_info->setText(tr("%1 %2 · generation %3 · %4 ms · %5")
                        .arg(m_status)
                        .arg(reason, m_generation ? QString::number(m_generation) : tr("unknown"))
                        .arg(m_latencyMs, 0, 'f', 1)
                        .arg(type.isEmpty() ? tr("no content type") : type));

    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    if (type.contains(QLatin1String("html"))) {
        m_body = QString::fromUtf8(body);
        m_bodyView->setFont(font());
        m_bodyView->setHtml(m_body);
    } else if (type.contains(QLatin1String("json"))) {
        QJsonParseError error;
        const QJsonDocument json = QJsonDocument::fromJson(body, &error);
        m_body = error.error == QJsonParseError::NoError
                     ? QString::fromUtf8(json.toJson(QJsonDocument::Indented))
                     : QString::fromUtf8(body);
        m_bodyView->setFont(fixed);
        m_bodyView->setPlainText(m_body);
    } else {
        m_body = QString::fromUtf8(body);
        m_bodyView->setFont(fixed);
        m_bodyView->setPlainText(m_body);
    }
    qCDebug(lcPreview) << reply->url() << m_status << "generation" << m_generation << m_latencyMs
                       << "ms";
    Q_EMIT responseShown(m_status, m_generation);
}

} // namespace qreload::ui
