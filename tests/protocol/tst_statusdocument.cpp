// /_qreload/status is built in one place (StatusDocument) by the host and by the supervisor.

#include <statusdocument.h>

#include <QJsonArray>
#include <QTest>

using namespace qreload;
using namespace qreload::app;

class tst_StatusDocument : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void carriesEveryField();
    void noHostNoShadowFolderNoLastReload();
};

void tst_StatusDocument::carriesEveryField()
{
    StatusDocument document;
    document.generation.number = 4;
    ComponentInfo info;
    info.key = QStringLiteral("app.A");
    document.generation.components.append(info);
    document.url = QStringLiteral("http://127.0.0.1:1/");
    document.watching = false;
    document.quietPeriodMs = 50;
    document.pluginDirs = {QStringLiteral("/p")};
    document.shadowFolder = QStringLiteral("/tmp/s");
    document.serving = true;
    ReloadRecord last;
    last.id = 3;
    document.lastReload = last;
    document.reloads = 3;
    document.supervisor = QJsonObject{{QLatin1String("warnings"), QJsonArray{QLatin1String("w")}}};

    const QJsonObject o = document.toJson();
    QCOMPARE(o.value(QLatin1String("generation")).toInteger(), 4);
    QCOMPARE(o.value(QLatin1String("components")).toArray().size(), 1);
    QCOMPARE(o.value(QLatin1String("url")).toString(), document.url);
    QCOMPARE(o.value(QLatin1String("watching")).toBool(), false);
    QCOMPARE(o.value(QLatin1String("quietPeriodMs")).toInt(), 50);
    QCOMPARE(o.value(QLatin1String("pluginDirs")).toArray().size(), 1);
    QCOMPARE(o.value(QLatin1String("shadowFolder")).toString(), document.shadowFolder);
    QCOMPARE(o.value(QLatin1String("serving")).toBool(), true);
    QCOMPARE(o.value(QLatin1String("lastReload")).toObject().value(QLatin1String("id")).toInteger(),
             3);
    QCOMPARE(o.value(QLatin1String("reloads")).toInteger(), 3);
    QCOMPARE(o.value(QLatin1String("warnings")).toArray().first().toString(), QStringLiteral("w"));
}

void tst_StatusDocument::noHostNoShadowFolderNoLastReload()
{
    const QJsonObject o = StatusDocument{}.toJson();
    QVERIFY(!o.contains(QLatin1String("shadowFolder")));
    QVERIFY(o.value(QLatin1String("lastReload")).isNull());
    QCOMPARE(o.value(QLatin1String("serving")).toBool(), false);
    QCOMPARE(o.value(QLatin1String("generation")).toInteger(), 0);
}

QTEST_GUILESS_MAIN(tst_StatusDocument)
#include "tst_statusdocument.moc"
