// The service of the original hot-reload walkthrough. Edit GREETING while qreload runs, save,
// and the preview at / serves the new text: no restart.
#include <qreload/plugin.h>

#include <QDebug>
#include <QObject>

class MyService : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString greeting READ greet CONSTANT)

public:
    // --- EDIT THIS LINE WHILE QRELOAD IS RUNNING ---
    static constexpr const char *GREETING = "Hello, Version 1!";
    // -----------------------------------------------

    MyService() { qInfo().noquote() << "MyService instance CREATED (Version:" << GREETING << ")"; }

    Q_INVOKABLE QString greet() const { return QString::fromUtf8(GREETING); }
};

QRELOAD_COMPONENTS(registry)
{
    registry.add<MyService>("app.services.MyService").route("/", [](MyService &service) {
        return qreload::Response::html(
            QStringLiteral("<h1>%1</h1>").arg(service.greet().toHtmlEscaped()));
    });
}

#include "services.moc"
