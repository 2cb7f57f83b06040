// SourceHighlighter with whichever backend this build chose (KSyntaxHighlighting in process where
// CMake found KF6 SyntaxHighlighting, its command-line tool otherwise): the same assertions hold
// for both, and the view over it marks diagnostics the same way.
#include <codeeditor.h>
#include <sourcehighlighter.h>
#include <sourceview.h>
#include <toolhighlighter.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>
#include <QTimer>

#include <optional>

using namespace qreload::app;
using qreload::ui::CodeEditor;
using qreload::ui::SourceView;

namespace {

const char *const sampleSource = "// The greeter\n"
                                 "#include <QObject>\n"
                                 "int main()\n"
                                 "{\n"
                                 "    return 42; // <answer> & \"more\"\n"
                                 "}\n";

bool isDark(const QString &color)
{
    return QColor(color).isValid() && QColor(color).lightness() < 128;
}

//! The span covering `column`, or none (plain text).
std::optional<HighlightedSource::Span> spanAt(const QList<HighlightedSource::Span> &line,
                                              int column)
{
    for (const HighlightedSource::Span &span : line) {
        if (span.start <= column && column < span.start + span.length)
            return span;
    }
    return std::nullopt;
}

//! The colour the editor draws at `word` on 1-based `line`, or invalid when it is plain.
QColor editorColourAt(CodeEditor *editor, int line, const QString &word)
{
    const QTextBlock block = editor->document()->findBlockByNumber(line - 1);
    const int at = block.text().indexOf(word);
    if (at < 0)
        return {};
    for (const QTextLayout::FormatRange &range : block.layout()->formats()) {
        if (range.start <= at && at < range.start + range.length
            && range.format.hasProperty(QTextFormat::ForegroundBrush))
            return range.format.foreground().color();
    }
    return {};
}

} // namespace

class tst_SourceHighlighter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void parsesSpansColoursAndEntities();
    void parsesNestedSpansAndKeepsEmptyLines();
    void rejectsOutputWithoutPre();
    void usesTheBackendThisBuildChose();
#ifdef QRELOAD_KF6_SYNTAX
    // Only where the library is built in: a skipped function would show the whole test as
    // skipped in ctest on every platform without it.
    void highlightsInProcessWithoutStartingATool();
#endif
    void highlightsARealFile_data();
    void highlightsARealFile();
    void lightAndDarkThemesDiffer();
    void unknownFileTypeIsPlainWithANotice();
    void aLargeFileDoesNotBlock();
    void withoutTheToolShowsPlainTextWithANotice();
    void missingFileIsAPlainNotice();
    void onlyTheNewestRequestIsDelivered();
    void viewMarksDiagnosticsOverHighlightedText();
    void viewFollowsAPaletteChange();

private:
    QString writeSample(const QString &name = QStringLiteral("sample.cpp"));
    static void skipWithoutHighlighter();
    std::unique_ptr<QTemporaryDir> m_dir;
    QByteArray m_path;
};

void tst_SourceHighlighter::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = qgetenv("PATH");
}

void tst_SourceHighlighter::cleanup()
{
    qputenv("PATH", m_path);
}

void tst_SourceHighlighter::skipWithoutHighlighter()
{
    if (SourceHighlighter::defaultBackend() == SourceHighlighter::Backend::Plain)
        QSKIP("no highlighter: KF6 SyntaxHighlighting not built in, kate-syntax-highlighter not "
              "installed (libkf5syntaxhighlighting-tools)");
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
    const HighlightedSource source = ToolHighlighter::parseHtml(html);
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
    const HighlightedSource source = ToolHighlighter::parseHtml(html);
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
    QVERIFY(!ToolHighlighter::parseHtml("no html here").highlighted);
    QVERIFY(!ToolHighlighter::parseHtml("<pre>unterminated <span").highlighted);
}

void tst_SourceHighlighter::usesTheBackendThisBuildChose()
{
    SourceHighlighter highlighter;
#ifdef QRELOAD_KF6_SYNTAX
    QCOMPARE(SourceHighlighter::defaultBackend(), SourceHighlighter::Backend::InProcess);
    QCOMPARE(highlighter.backend(), SourceHighlighter::Backend::InProcess);
#else
    const auto expected = SourceHighlighter::toolPath().isEmpty()
                              ? SourceHighlighter::Backend::Plain
                              : SourceHighlighter::Backend::Tool;
    QCOMPARE(SourceHighlighter::defaultBackend(), expected);
    QCOMPARE(highlighter.backend(), expected);
#endif
    // The tool runs as a child QProcess, which is how the in-process test below sees there is none.
    highlighter.setToolPath(QStringLiteral("/bin/true"));
    QCOMPARE(highlighter.backend(), SourceHighlighter::Backend::Tool);
    highlighter.highlight(writeSample(), SourceHighlighter::defaultTheme(false));
    QCOMPARE(highlighter.findChildren<QProcess *>().size(), 1);
    highlighter.setToolPath(QString());
    QCOMPARE(highlighter.backend(), SourceHighlighter::Backend::Plain);
}

#ifdef QRELOAD_KF6_SYNTAX
void tst_SourceHighlighter::highlightsInProcessWithoutStartingATool()
{
    // No tool can be found, let alone started: PATH is an empty folder.
    QTemporaryDir empty;
    QVERIFY(empty.isValid());
    qputenv("PATH", QFile::encodeName(empty.path()));
    QVERIFY(SourceHighlighter::toolPath().isEmpty());

    SourceHighlighter highlighter;
    QCOMPARE(highlighter.backend(), SourceHighlighter::Backend::InProcess);
    QSignalSpy finished(&highlighter, &SourceHighlighter::finished);
    const quint64 id = highlighter.highlight(writeSample(), SourceHighlighter::defaultTheme(false));
    QVERIFY(highlighter.findChildren<QProcess *>().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QCOMPARE(finished.at(0).at(0).toULongLong(), id);
    const auto source = finished.at(0).at(1).value<HighlightedSource>();
    QVERIFY2(source.highlighted, qPrintable(source.notice));
    const auto comment = spanAt(source.lines.at(0), 0);
    QVERIFY(comment && !comment->foreground.isEmpty());
    QVERIFY(highlighter.findChildren<QProcess *>().isEmpty());
}
#endif

void tst_SourceHighlighter::highlightsARealFile_data()
{
    QTest::addColumn<bool>("dark");
    QTest::newRow("light") << false;
    QTest::newRow("dark") << true;
}

void tst_SourceHighlighter::highlightsARealFile()
{
    QFETCH(bool, dark);
    skipWithoutHighlighter();
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
    QCOMPARE(source.theme, SourceHighlighter::defaultTheme(dark));
    QCOMPARE(source.text + QLatin1Char('\n'), QString::fromLatin1(sampleSource));
    QCOMPARE(source.lines.size(), 6);
    QCOMPARE(isDark(source.background), dark);
    QCOMPARE(isDark(source.foreground), !dark);

    // The comment (line 1), the type "int" (line 3) and the number (line 5) are coloured, each
    // differently from plain text; the keyword "return" (line 5) is styled.
    const auto comment = spanAt(source.lines.at(0), 0);
    QVERIFY(comment);
    QVERIFY(!comment->foreground.isEmpty());
    QVERIFY(comment->foreground != source.foreground);
    const auto type = spanAt(source.lines.at(2), 0);
    QVERIFY(type && !type->foreground.isEmpty());
    QVERIFY(type->foreground != source.foreground);
    const auto number = spanAt(source.lines.at(4), 11);
    QVERIFY(number);
    QCOMPARE(number->start, 11);
    QCOMPARE(number->length, 2);
    QVERIFY(!number->foreground.isEmpty());
    QVERIFY(number->foreground != comment->foreground);
    const auto keyword = spanAt(source.lines.at(4), 4);
    QVERIFY(keyword);
    QVERIFY(keyword->bold || !keyword->foreground.isEmpty());
    // Plain text between them has no span.
    QVERIFY(!spanAt(source.lines.at(2), 4)); // "main"
}

void tst_SourceHighlighter::lightAndDarkThemesDiffer()
{
    skipWithoutHighlighter();
    SourceHighlighter highlighter;
    QSignalSpy finished(&highlighter, &SourceHighlighter::finished);
    const QString path = writeSample();
    highlighter.highlight(path, SourceHighlighter::defaultTheme(false));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    highlighter.highlight(path, SourceHighlighter::defaultTheme(true));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 20000);
    const auto light = finished.at(0).at(1).value<HighlightedSource>();
    const auto dark = finished.at(1).at(1).value<HighlightedSource>();
    QVERIFY(light.highlighted && dark.highlighted);
    QCOMPARE(light.text, dark.text);
    QVERIFY(light.background != dark.background);
    QVERIFY(light.foreground != dark.foreground);
    const auto lightComment = spanAt(light.lines.at(0), 0);
    const auto darkComment = spanAt(dark.lines.at(0), 0);
    QVERIFY(lightComment && darkComment);
    QVERIFY(lightComment->foreground != darkComment->foreground);
}

void tst_SourceHighlighter::unknownFileTypeIsPlainWithANotice()
{
    skipWithoutHighlighter();
    SourceHighlighter highlighter;
    QSignalSpy finished(&highlighter, &SourceHighlighter::finished);
    highlighter.highlight(writeSample(QStringLiteral("notes.unknownext")),
                          SourceHighlighter::defaultTheme(false));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    const auto source = finished.at(0).at(1).value<HighlightedSource>();
    QVERIFY(!source.highlighted);
    QVERIFY(!source.notice.isEmpty());
    QCOMPARE(source.text + QLatin1Char('\n'), QString::fromLatin1(sampleSource));
}

void tst_SourceHighlighter::aLargeFileDoesNotBlock()
{
    skipWithoutHighlighter();
    // About 1 MB of C++ (under maxHighlightBytes): highlighting it takes far longer than handing
    // the request off, and the caller's event loop keeps running meanwhile.
    QByteArray large;
    while (large.size() < 1024 * 1024)
        large += sampleSource;
    const int lineCount = int(large.count('\n'));
    const QString path = m_dir->filePath(QStringLiteral("large.cpp"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(large);
    file.close();

    SourceHighlighter highlighter;
    QSignalSpy finished(&highlighter, &SourceHighlighter::finished);
    int ticks = 0;
    int ticksBeforeResult = -1;
    QTimer ticker;
    ticker.setInterval(0);
    connect(&ticker, &QTimer::timeout, this, [&] { ++ticks; });
    connect(&highlighter, &SourceHighlighter::finished, this, [&] { ticksBeforeResult = ticks; });
    ticker.start();

    QElapsedTimer clock;
    clock.start();
    highlighter.highlight(path, SourceHighlighter::defaultTheme(false));
    const qint64 callNs = clock.nsecsElapsed();
    QCOMPARE(finished.count(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    const qint64 totalNs = clock.nsecsElapsed();

    const auto source = finished.at(0).at(1).value<HighlightedSource>();
    QVERIFY2(source.highlighted, qPrintable(source.notice));
    QCOMPARE(source.lines.size(), lineCount);
    QVERIFY(!source.lines.constLast().isEmpty() || !source.lines.at(lineCount - 2).isEmpty());
    // The work ran elsewhere: the call took a small part of the whole, and timers fired.
    QVERIFY2(callNs * 10 < totalNs,
             qPrintable(
                 QStringLiteral("the call took %1 of %2 ms").arg(callNs / 1e6).arg(totalNs / 1e6)));
    QVERIFY2(ticksBeforeResult > 1, qPrintable(QString::number(ticksBeforeResult)));
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

void tst_SourceHighlighter::viewMarksDiagnosticsOverHighlightedText()
{
    skipWithoutHighlighter();
    SourceView view;
    view.resize(640, 400);
    view.show();
    QSignalSpy loaded(&view, &SourceView::loaded);
    view.showFile(writeSample(), 5,
                  {{5, {CodeEditor::Marker::Error, QStringLiteral("expected ';'")}},
                   {3, {CodeEditor::Marker::Warning, QStringLiteral("unused")}}});
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
    QVERIFY2(view.source().highlighted, qPrintable(view.source().notice));
    QVERIFY(view.notice().isEmpty());

    CodeEditor *editor = view.editor();
    QCOMPARE(editor->textCursor().blockNumber() + 1, 5);
    QCOMPARE(editor->markers().size(), 2);
    QCOMPARE(editor->markers().value(5).first, CodeEditor::Marker::Error);
    QCOMPARE(editor->markers().value(3).first, CodeEditor::Marker::Warning);
    // The marked lines are tinted as whole lines, over their highlighting.
    QList<int> tinted;
    for (const QTextEdit::ExtraSelection &selection : editor->extraSelections())
        tinted.append(selection.cursor.blockNumber() + 1);
    std::sort(tinted.begin(), tinted.end());
    QCOMPARE(tinted, (QList<int>{3, 5}));

    const QColor plain = editor->palette().color(QPalette::Text);
    QCOMPARE(editor->palette().color(QPalette::Base), QColor(view.source().background));
    const QColor comment = editorColourAt(editor, 1, QStringLiteral("//"));
    const QColor number = editorColourAt(editor, 5, QStringLiteral("42"));
    const QColor type = editorColourAt(editor, 3, QStringLiteral("int"));
    QVERIFY(comment.isValid() && comment != plain);
    QVERIFY(number.isValid() && number != plain && number != comment);
    QVERIFY(type.isValid() && type != plain);
    QVERIFY(!editorColourAt(editor, 3, QStringLiteral("main")).isValid());
}

void tst_SourceHighlighter::viewFollowsAPaletteChange()
{
    skipWithoutHighlighter();
    SourceView view;
    QPalette light = view.palette();
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, Qt::black);
    view.setPalette(light);
    view.show();
    QSignalSpy loaded(&view, &SourceView::loaded);
    view.showFile(writeSample());
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 20000);
    QCOMPARE(view.source().theme, SourceHighlighter::defaultTheme(false));
    QVERIFY(!isDark(view.editor()->palette().color(QPalette::Base).name()));
    const QColor lightComment = editorColourAt(view.editor(), 1, QStringLiteral("//"));

    QPalette dark = light;
    dark.setColor(QPalette::Base, QColor(0x20, 0x20, 0x20));
    dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    view.setPalette(dark);
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, 20000);
    QVERIFY2(view.source().highlighted, qPrintable(view.source().notice));
    QCOMPARE(view.source().theme, SourceHighlighter::defaultTheme(true));
    QVERIFY(isDark(view.editor()->palette().color(QPalette::Base).name()));
    const QColor darkComment = editorColourAt(view.editor(), 1, QStringLiteral("//"));
    QVERIFY(darkComment.isValid() && darkComment != lightComment);
}

QTEST_MAIN(tst_SourceHighlighter)
#include "tst_sourcehighlighter.moc"
