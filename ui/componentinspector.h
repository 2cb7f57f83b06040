#pragma once

#include <QJsonObject>
#include <QWidget>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace qreload::app {
class HostProxy;
}

namespace qreload::ui {

/*!
 * Shows one component of the current generation: key, class, plugin file, scope and state,
 * dependencies, interfaces and routes, the live values of its Q_PROPERTYs and its invokable
 * methods (read through QMetaObject from the existing instance; nothing is created for it).
 * The generation is looked up on each refresh and never held, so it cannot delay a swap.
 */
class ComponentInspector : public QWidget
{
    Q_OBJECT

public:
    explicit ComponentInspector(qreload::app::HostProxy *engine, QWidget *parent = nullptr);

    QString key() const { return m_key; }
    QTreeWidget *tree() const { return m_tree; }
    //! The value shown for a property (empty if not shown).
    QString propertyValue(const QString &name) const;

public Q_SLOTS:
    void showComponent(const QString &key);
    //! Re-reads the component from the current generation (after a reload, or on demand).
    void refresh();

private:
    QTreeWidgetItem *section(const QString &title);
    static QTreeWidgetItem *add(QTreeWidgetItem *parent, const QString &name, const QString &value);
    void showDetails(const QJsonObject &answer);

    qreload::app::HostProxy *m_engine;
    QString m_key;
    QLabel *m_title;
    QTreeWidget *m_tree;
};

} // namespace qreload::ui
