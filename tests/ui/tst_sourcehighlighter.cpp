#include <sourcehighlighter.h>

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace qreload::app;

namespace {

const char *const sampleSource = "// The greeter\n"
                                 "#include <QObject>\n"
                                 "int main()\n"
                                 "{\n"
                                 "    return 42; // <answer> & \"more\"\n"
                                 "}\n";

//! Whether "#rrggbb" is a dark colour (QtGui's QColor is not linked here).
bool isDark(const QString &color)
{
    if (color.size() != 7 || !color.startsWith(QLatin1Char('#')))
        return false;
    const int r = color.mid(1, 2).toInt(nullptr, 16);
    const int g = color.mid(3, 2).toInt(nullptr, 16);
    const int b = color.mid(5, 2).toInt(nullptr, 16);
    return (std::max({r, g, b}) + std::min({r, g, b})) / 2 < 128;
}

} // namespace

class tst_SourceHighlighter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();

    void parsesSpansColoursAndEntities();
    void parsesNestedSpansAndKeepsEmptyLines();
    void rejectsOutputWithoutPre();
    void highlightsARealFileWithTheTool_data();
    void highlightsARealFileWithTheTool();
    void withoutTheToolShowsPlainTextWithANotice();
    void missingFileIsAPlainNotice();
    void onlyTheNewestRequestIsDelivered();

private:
    QString writeSample(const QString &name = QStringLiteral("sample.cpp"));
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_SourceHighlighter::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

QString tst_SourceHighlighter::writeSample(const QString &name)
{
    const QString path = m_dir->filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    file.write(sampleSource);
    return path;
}

void tst_SourceHighlighter::parsesSpansColoursAndEntities()
{
    // The form kate-syntax-highlighter writes (KF5 HtmlHighlighter).
    const QByteArray html
        = "<!DOCTYPE html>\n<html><head><title>t.cpp</title></head>"
          "<body style=\"background-color:#ffffff;color:#1f1c1b\"><pre>\n"
          "<span style=\"color:#0057ae;\">int</span> main<span style=\"color:#ca60ca;\">()</span>\n"
          "  <span style=\"color:#898887;font-style:italic;\">// hi &lt;x&gt; &amp; y</span>\n"
          "  <span style=\"font-weight:bold;\">return</span> <span "
          "style=\"color:#bf0303;background-color:#fff0f0;\">&quot;a&quot;</span>;\n"
          "</pre></body></html>\n";
    const HighlightedSource source = SourceHighlighter::parseHtml(html);
    QVERIFY(source.highlighted);
    QCOMPARE(source.background, QStringLiteral("#ffffff"));
    QCOMPARE(source.foreground, QStringLiteral("#1f1c1b"));
    QCOMPARE(source.text, QStringLiteral("int main()\n  // hi <x> & y\n  return \"a\";"));
    QCOMPARE(source.lines.size(), 3);

    const QList<HighlightedSource::Span> &first = source.lines.at(0);
    QCOMPARE(first.size(), 2);
    QCOMPARE(first.at(0).start, 0);
    QCOMPARE(first.at(0).length, 3);
    QCOMPARE(first.at(0).foreground, QStringLiteral("#0057ae"));
    QCOMPARE(first.at(1).start, 8);
    QCOMPARE(first.at(1).length, 2);

    const HighlightedSource::Span comment = source.lines.at(1).at(0);
    QCOMPARE(comment.start, 2);
    QCOMPARE(comment.length, int(QStringLiteral("// hi <x> & y").size()));
    QVERIFY(comment.italic);

    const QList<HighlightedSource::Span> &third = source.lines.at(2);
    QCOMPARE(third.size(), 2);
    QVERIFY(third.at(0).bold);
    QVERIFY(third.at(0).foreground.isEmpty());
    QCOMPARE(third.at(1).start, 9);
    QCOMPARE(third.at(1).length, 3);
    QCOMPARE(third.at(1).background, QStringLiteral("#fff0f0"));
}

void tst_SourceHighlighter::parsesNestedSpansAndKeepsEmptyLines()
{
    const QByteArray html = "<body><pre>a\n\n<span style=\"color:#111111\">b<span "
                            "style=\"font-weight:bold\">c</span>d</span>&#65;&#x42;\n</pre>";
    const HighlightedSource source = SourceHighlighter::parseHtml(html);
    QVERIFY(source.highlighted);
    QCOMPARE(source.text, QStringLiteral("a\n\nbcdAB"));
    QCOMPARE(source.lines.size(), 3);
    QVERIFY(source.lines.at(1).isEmpty());
    const QList<HighlightedSource::Span> &spans = source.lines.at(2);
    QCOMPARE(spans.size(), 3);
    QCOMPARE(spans.at(1).foreground, QStringLiteral("#111111")); // inherited
    QVERIFY(spans.at(1).bold);
    QCOMPARE(spans.at(2).start, 2);
    QVERIFY(!spans.at(2).bold);
}

void tst_SourceHighlighter::rejectsOutputWithoutPre()
{
    QVERIFY(!SourceHighlighter::parseHtml("no html here").highlighted);
    QVERIFY(!SourceHighlighter::parseHtml("<pre>unterminated <span").highlighted);
}

void tst_SourceHighlighter::highlightsARealFileWithTheTool_data()
{
    QTest::addColumn<bool>("dark");
    QTest::newRow("light") << false;
    QTest::newRow("dark") << true;
}

void tst_SourceHighlighter::highlightsARealFileWithTheTool()
{
    QFETCH(bool, dark);
    if (SourceHighlighter::toolPath().isEmpty())
        QSKIP("kate-syntax-highlighter is not installed (libkf5syntaxhighlighting-tools)");
    SourceHighlighter highlighter;
    QSignalSpy finished(&highlighter, &SourceHighlighter::finished);
    const QString path = writeSample();
    const quint64 id = highlighter.highlight(path, SourceHighlighter::defaultTheme(dark));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QCOMPARE(finished.at(0).at(0).toULongLong(), id);
    const auto source = finished.at(0).at(1).value<HighlightedSource>();
    QVERIFY2(source.highlighted, qPrintable(source.notice));
    QVERIFY(source.notice.isEmpty());
    QCOMPARE(source.path, path);
    QCOMPARE(source.text + QLatin1Char('\n'), QString::fromLatin1(sampleSource));
    QCOMPARE(source.lines.size(), 6);
    QCOMPARE(isDark(source.background), dark);
    // The comment on line 1 and the number on line 5 are coloured, differently from plain text.
    QVERIFY(!source.lines.at(0).isEmpty());
    const HighlightedSource::Span comment = source.lines.at(0).constFirst();
    QCOMPARE(comment.start, 0);
    QVERIFY(!comment.foreground.isEmpty());
    QVERIFY(comment.foreground != source.foreground);
    bool numberColoured = false;
    for (const HighlightedSource::Span &span : source.lines.at(4)) {
        if (span.start == 11 && span.length == 2)
            numberColoured = !span.foreground.isEmpty() && span.foreground != comment.foreground;
    }
    QVERIFY(numberColoured);
}

void tst_SourceHighlighter::withoutTheToolShowsPlainTextWithANotice()
{
    SourceHighlighter highlighter;
    highlighter.setToolPath(QString());
    QSignalSpy finished(&highlighter, &SourceHighlighter::finished);
    const QString path = writeSample();
    highlighter.highlight(path, SourceHighlighter::defaultTheme(false));
    QTRY_COMPARE(finished.count(), 1);
    const auto source = finished.at(0).at(1).value<HighlightedSource>();
    QVERIFY(!source.highlighted);
    QVERIFY(source.notice.contains(QStringLiteral("kate-syntax-highlighter")));
    QCOMPARE(source.text + QLatin1Char('\n'), QString::fromLatin1(sampleSource));
    QVERIFY(source.lines.isEmpty());
}

void tst_SourceHighlighter::missingFileIsAPlainNotice()
{
    SourceHighlighter highlighter;
    QSignalSpy finished(&highlighter, &SourceHighlighter::finished);
    highlighter.highlight(m_dir->filePath(QStringLiteral("gone.cpp")), QString());
    QTRY_COMPARE(finished.count(), 1);
    const auto source = finished.at(0).at(1).value<HighlightedSource>();
    QVERIFY(!source.highlighted);
    QVERIFY(source.notice.contains(QStringLiteral("gone.cpp")));
    QVERIFY(source.text.isEmpty());
}

void tst_SourceHighlighter::onlyTheNewestRequestIsDelivered()
{
    SourceHighlighter highlighter;
    QSignalSpy finished(&highlighter, &SourceHighlighter::finished);
    const QString first = writeSample(QStringLiteral("first.cpp"));
    const QString second = writeSample(QStringLiteral("second.cpp"));
    highlighter.highlight(first, SourceHighlighter::defaultTheme(false));
    const quint64 newest = highlighter.highlight(second, SourceHighlighter::defaultTheme(false));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QCOMPARE(finished.at(0).at(0).toULongLong(), newest);
    QCOMPARE(finished.at(0).at(1).value<HighlightedSource>().path, second);
}

QTEST_GUILESS_MAIN(tst_SourceHighlighter)
#include "tst_sourcehighlighter.moc"
