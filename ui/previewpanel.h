#pragma once

#include <QElapsedTimer>
#include <QPointer>
#include <QUrl>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QNetworkAccessManager;
class QNetworkReply;
class QPushButton;
class QTextBrowser;

namespace qreload::ui {

/*!
 * Shows what an endpoint of the preview server answers: status, the generation that served it
 * (from the X-QReload-Generation header), latency, and the body (HTML rendered, JSON pretty,
 * anything else as text). Requests are asynchronous; a new request aborts the previous one.
 */
class PreviewPanel : public QWidget
{
    Q_OBJECT

public:
    explicit PreviewPanel(QWidget *parent = nullptr);
    ~PreviewPanel() override;

    void setBaseUrl(const QUrl &url);
    QUrl baseUrl() const { return m_base; }
    //! The paths offered in the endpoint box (the current generation's GET routes).
    void setRoutes(const QStringList &paths);
    QString path() const;
    void setPath(const QString &path);
    //! The URL the current path resolves to.
    QUrl currentUrl() const;

    //! Refresh after each successful reload.
    bool autoRefresh() const;
    void setAutoRefresh(bool on);

    int lastStatus() const { return m_status; }
    //! The generation that served the last response (0 when unknown).
    quint64 lastGeneration() const { return m_generation; }
    double lastLatencyMs() const { return m_latencyMs; }
    QString lastBody() const { return m_body; }
    bool isLoading() const { return !m_reply.isNull(); }
    QTextBrowser *bodyView() const { return m_bodyView; }

public Q_SLOTS:
    void refresh();
    void openInBrowser();

Q_SIGNALS:
    //! A response (or a network error, status 0) is shown.
    void responseShown(int status, quint64 generation);

private:
    void onFinished(QNetworkReply *reply);

    QUrl m_base;
    QComboBox *m_path;
    QPushButton *m_go;
    QPushButton *m_open;
    QCheckBox *m_auto;
    QLabel *m_info;
    QTextBrowser *m_bodyView;
    QNetworkAccessManager *m_network;
    QPointer<QNetworkReply> m_reply;
    QElapsedTimer m_timer;
    int m_status = 0;
    quint64 m_generation = 0;
    double m_latencyMs = 0;
    QString m_body;
};

} // namespace qreload::ui
