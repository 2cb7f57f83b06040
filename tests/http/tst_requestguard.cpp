// The checks the preview server and the standby server both make, written once: a Host header
// that names this server (any case, with or without a port), a same-origin POST, and a token
// compared in constant time.

#include <requestguard.h>

#include <QHostInfo>
#include <QTest>

using namespace qreload::app;

class tst_RequestGuard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void hostAllowed_data();
    void hostAllowed();
    void ownNameWhenListeningOnAllAddresses();
    void sameOrigin_data();
    void sameOrigin();
    void token_data();
    void token();
    void sessionTokenFromTheEnvironment();
};

void tst_RequestGuard::hostAllowed_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QString>("listening");
    QTest::addColumn<bool>("allowed");
    const QString loopback = QStringLiteral("127.0.0.1");
    QTest::newRow("127.0.0.1:port") << QByteArray("127.0.0.1:8765") << loopback << true;
    QTest::newRow("localhost") << QByteArray("localhost") << loopback << true;
    // Host names are case-insensitive: the standby server used to refuse this one.
    QTest::newRow("LOCALHOST:port") << QByteArray("LOCALHOST:8765") << loopback << true;
    QTest::newRow("[::1]:port") << QByteArray("[::1]:8765") << loopback << true;
    QTest::newRow("rebinding name") << QByteArray("evil.example:8765") << loopback << false;
    QTest::newRow("empty") << QByteArray() << loopback << false;
    QTest::newRow("LAN address, loopback server")
        << QByteArray("192.0.2.7:8765") << loopback << false;
    QTest::newRow("the listening address")
        << QByteArray("192.0.2.7:8765") << QStringLiteral("192.0.2.7") << true;
    QTest::newRow("another name, LAN server")
        << QByteArray("evil.example") << QStringLiteral("192.0.2.7") << false;
}

void tst_RequestGuard::hostAllowed()
{
    QFETCH(QByteArray, host);
    QFETCH(QString, listening);
    QFETCH(bool, allowed);
    QCOMPARE(RequestGuard::hostAllowed(host, QHostAddress(listening)), allowed);
}

void tst_RequestGuard::ownNameWhenListeningOnAllAddresses()
{
    // --host 0.0.0.0 was a choice to be reached from other machines, by this machine's name too
    // (the standby server used to refuse it while the host accepted it).
    const QByteArray name = QHostInfo::localHostName().toUpper().toUtf8() + ":8765";
    QVERIFY(RequestGuard::hostAllowed(name, QHostAddress(QHostAddress::AnyIPv4)));
    QVERIFY(!RequestGuard::hostAllowed(name, QHostAddress(QHostAddress::LocalHost)));
}

void tst_RequestGuard::sameOrigin_data()
{
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<QByteArray>("fetchSite");
    QTest::addColumn<bool>("same");
    QTest::newRow("same origin") << QByteArray("http://127.0.0.1:8765") << QByteArray() << true;
    QTest::newRow("same, fetch site says so")
        << QByteArray("http://127.0.0.1:8765") << QByteArray("same-origin") << true;
    QTest::newRow("cross-site") << QByteArray("http://127.0.0.1:8765") << QByteArray("cross-site")
                                << false;
    QTest::newRow("other origin") << QByteArray("http://evil.example") << QByteArray() << false;
    QTest::newRow("no origin") << QByteArray() << QByteArray() << false;
}

void tst_RequestGuard::sameOrigin()
{
    QFETCH(QByteArray, origin);
    QFETCH(QByteArray, fetchSite);
    QFETCH(bool, same);
    QCOMPARE(RequestGuard::isSameOrigin(origin, fetchSite, "127.0.0.1:8765"), same);
}

void tst_RequestGuard::token_data()
{
    QTest::addColumn<QByteArray>("given");
    QTest::addColumn<bool>("matches");
    QTest::newRow("the token") << QByteArray("0123456789abcdef0123") << true;
    QTest::newRow("a prefix") << QByteArray("0123456789abcdef") << false;
    QTest::newRow("longer") << QByteArray("0123456789abcdef01234") << false;
    QTest::newRow("one byte off") << QByteArray("0123456789abcdef0124") << false;
    QTest::newRow("empty") << QByteArray() << false;
}

void tst_RequestGuard::token()
{
    QFETCH(QByteArray, given);
    QFETCH(bool, matches);
    QCOMPARE(RequestGuard::tokenMatches(given, QStringLiteral("0123456789abcdef0123")), matches);
    // No token set: nothing matches, not even an empty header.
    QVERIFY(!RequestGuard::tokenMatches(given, QString()));
}

void tst_RequestGuard::sessionTokenFromTheEnvironment()
{
    qputenv("QRELOAD_TOKEN", "a-token-of-twenty-chars");
    QCOMPARE(RequestGuard::makeSessionToken(), QStringLiteral("a-token-of-twenty-chars"));
    qputenv("QRELOAD_TOKEN", "short");
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("shorter than 16")));
    const QString random = RequestGuard::makeSessionToken();
    QCOMPARE(random.size(), 32);
    qunsetenv("QRELOAD_TOKEN");
}

QTEST_GUILESS_MAIN(tst_RequestGuard)
#include "tst_requestguard.moc"
