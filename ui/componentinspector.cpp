#include "componentinspector.h"

#include "hostproxy.h"

#include <qreload/componentdetails.h>

#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMetaMethod>
#include <QMetaProperty>
#include <QPointer>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace qreload::ui {

namespace {

//! A value as the host sent it: JSON made from built-in types (plugin-defined types were turned
//! into text there, before they left the generation).
QString valueText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Undefined:
        return QStringLiteral("(invalid)");
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    default:
        return value.toVariant().toString();
    }
}

} // namespace

ComponentInspector::ComponentInspector(app::HostProxy *engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_title(new QLabel(this))
    , m_tree(new QTreeWidget(this))
{
    setObjectName(QStringLiteral("componentInspector"));
    m_title->setTextFormat(Qt::PlainText);
    m_title->setWordWrap(true);
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({tr("Name"), tr("Value")});
    m_tree->setRootIsDecorated(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    auto *refresh = new QPushButton(tr("Refresh values"), this);
    connect(refresh, &QPushButton::clicked, this, &ComponentInspector::refresh);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_title);
    layout->addWidget(m_tree, 1);
    layout->addWidget(refresh);
    m_title->setText(tr("Select a component in the graph"));
}

QTreeWidgetItem *ComponentInspector::section(const QString &title)
{
    auto *item = new QTreeWidgetItem(m_tree, {title});
    QFont bold = item->font(0);
    bold.setBold(true);
    item->setFont(0, bold);
    item->setFirstColumnSpanned(true);
    item->setExpanded(true);
    return item;
}

void ComponentInspector::showComponent(const QString &key)
{
    m_key = key;
    refresh();
}

QString ComponentInspector::propertyValue(const QString &name) const
{
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem *top = m_tree->topLevelItem(i);
        if (top->data(0, Qt::UserRole).toString() != QLatin1String("properties"))
            continue;
        for (int j = 0; j < top->childCount(); ++j) {
            if (top->child(j)->text(0) == name)
                return top->child(j)->text(1);
        }
    }
    return {};
}

void ComponentInspector::refresh()
{
    m_tree->clear();
    if (m_key.isEmpty()) {
        m_title->setText(tr("Select a component in the graph"));
        return;
    }
    const app::GenerationSnapshot &generation = m_engine->generation();
    if (generation.isEmpty()) {
        m_title->setText(tr("%1: no generation is loaded").arg(m_key));
        return;
    }
    const ComponentInfo *info = generation.component(m_key);
    if (!info) {
        m_title->setText(tr("%1 is not part of generation %2").arg(m_key).arg(generation.number));
        return;
    }
    m_title->setText(tr("%1 — generation %2").arg(m_key).arg(generation.number));

    QTreeWidgetItem *general = section(tr("Component"));
    add(general, tr("Key"), info->key);
    add(general, tr("Class"), info->className);
    add(general, tr("Plugin file"), info->pluginFile);
    add(general, tr("Scope"), info->scope == Scope::Singleton ? tr("singleton") : tr("prototype"));
    add(general, tr("Creation"), info->creation == Creation::Eager ? tr("eager") : tr("lazy"));
    add(general, tr("Instance"), info->created ? tr("created") : tr("not created yet"));
    if (info->primary)
        add(general, tr("Primary"), tr("yes"));
    if (!info->qualifier.isEmpty())
        add(general, tr("Qualifier"), info->qualifier);
    if (info->stateVersion >= 0)
        add(general, tr("Carries state"), tr("version %1").arg(info->stateVersion));
    if (!info->dependencies.isEmpty()) {
        QTreeWidgetItem *deps = section(tr("Dependencies"));
        for (const Dependency &dependency : info->dependencies)
            add(deps, dependency.display(), {});
    }
    if (!info->interfaces.isEmpty()) {
        QTreeWidgetItem *interfaces = section(tr("Provides"));
        for (const QString &iid : info->interfaces)
            add(interfaces, iid, {});
    }
    if (!info->routes.isEmpty()) {
        QTreeWidgetItem *routes = section(tr("Routes"));
        for (const QString &route : info->routes)
            add(routes, route, {});
    }

    // Properties and methods live in the host: ask it (never creating the component), and show
    // the answer if this is still the component on display.
    QTreeWidgetItem *properties = section(tr("Properties"));
    properties->setData(0, Qt::UserRole, QStringLiteral("properties"));
    add(properties, tr("(asking the host…)"), {});
    const QString key = m_key;
    const quint64 number = generation.number;
    QPointer<ComponentInspector> self(this);
    m_engine->requestDetails(key, [self, key, number](const QJsonObject &answer) {
        if (self && self->m_key == key && self->m_engine->generationNumber() == number)
            self->showDetails(answer);
    });
}

void ComponentInspector::showDetails(const QJsonObject &answer)
{
    QTreeWidgetItem *properties = nullptr;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        if (m_tree->topLevelItem(i)->data(0, Qt::UserRole) == QLatin1String("properties"))
            properties = m_tree->topLevelItem(i);
    }
    if (!properties)
        return;
    qDeleteAll(properties->takeChildren());
    if (answer.contains(QLatin1String("error"))) {
        add(properties,
            tr("(details unavailable: %1)").arg(answer.value(QLatin1String("error")).toString()),
            {});
        return;
    }
    const QJsonObject details = answer.value(QLatin1String("details")).toObject();
    const bool instantiated = details.value(QLatin1String("instantiated")).toBool();
    const QJsonArray propertyList = details.value(QLatin1String("properties")).toArray();
    if (!instantiated && propertyList.isEmpty())
        add(properties, tr("(no instance yet: lazy components are created on first use)"), {});
    for (const QJsonValue &value : propertyList) {
        const QJsonObject property = value.toObject();
        auto *item = add(properties, property.value(QLatin1String("name")).toString(),
                         instantiated ? valueText(property.value(QLatin1String("value")))
                                      : tr("(not created yet)"));
        item->setToolTip(0, property.value(QLatin1String("type")).toString());
    }
    QTreeWidgetItem *methods = section(tr("Invokable methods"));
    for (const QJsonValue &value : details.value(QLatin1String("methods")).toArray()) {
        const QJsonObject method = value.toObject();
        if (method.value(QLatin1String("kind")).toString() == QLatin1String("signal"))
            continue;
        add(methods, method.value(QLatin1String("signature")).toString(),
            method.value(QLatin1String("returnType")).toString());
    }
    if (methods->childCount() == 0)
        add(methods, tr("(none)"), {});
}

QTreeWidgetItem *ComponentInspector::add(QTreeWidgetItem *parent, const QString &name,
                                         const QString &value)
{
    auto *item = new QTreeWidgetItem(parent, {name, value});
    item->setToolTip(1, value);
    return item;
}

} // namespace qreload::ui
