#pragma once

#include <QMap>
#include <QPlainTextEdit>

namespace qreload::ui {

/*!
 * A read-only code view: line numbers in a gutter, and markers (a coloured dot in the gutter and a
 * tinted line) on lines that have diagnostics.
 */
class CodeEditor : public QPlainTextEdit
{
    Q_OBJECT

public:
    //! Severity of a line marker; higher wins when a line has several.
    enum class Marker { Note, Warning, Error };

    explicit CodeEditor(QWidget *parent = nullptr);

    //! Markers by 1-based line number, with their message as the gutter tooltip.
    void setMarkers(const QMap<int, QPair<Marker, QString>> &markers);
    const QMap<int, QPair<Marker, QString>> &markers() const { return m_markers; }
    //! Moves the cursor to a 1-based line and centres it.
    void goToLine(int line);

    int gutterWidth() const;
    static QColor markerColor(Marker marker);

protected:
    void resizeEvent(QResizeEvent *event) override;
    bool event(QEvent *event) override;

private:
    friend class CodeEditorGutter;
    void paintGutter(QPaintEvent *event);
    void updateExtraSelections();
    QString markerTextAt(const QPoint &gutterPos) const;

    QWidget *m_gutter;
    QMap<int, QPair<Marker, QString>> m_markers;
};

} // namespace qreload::ui
