#include "componentinspector.h"

#include "reloadengine.h"

#include <qreload/componentdetails.h>

#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QMetaMethod>
#include <QMetaProperty>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace qreload::ui {

namespace {

QString valueText(const QVariant &value)
{
    if (!value.isValid())
        return QStringLiteral("(invalid)");
    if (value.canConvert<QString>() && value.metaType().id() != QMetaType::QVariantList
        && value.metaType().id() != QMetaType::QVariantMap)
        return value.toString();
    const QJsonDocument json = QJsonDocument::fromVariant(value);
    if (!json.isNull())
        return QString::fromUtf8(json.toJson(QJsonDocument::Compact));
    if (value.metaType().flags() & QMetaType::PointerToQObject) {
        const QObject *object = value.value<QObject *>();
        return object ? QStringLiteral("%1(%2)").arg(
                   QString::fromLatin1(object->metaObject()->className()), object->objectName())
                      : QStringLiteral("null");
    }
    return QStringLiteral("(%1)").arg(QString::fromLatin1(value.typeName()));
}

} // namespace

ComponentInspector::ComponentInspector(app::ReloadEngine *engine, QWidget *parent)
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
    // Held only for this function: an inspector must not keep an old generation alive.
    const std::shared_ptr<Generation> generation = m_engine->current();
    if (!generation) {
        m_title->setText(tr("%1: no generation is loaded").arg(m_key));
        return;
    }
    const Container &container = generation->container();
    std::optional<ComponentInfo> info;
    for (const ComponentInfo &candidate : container.components()) {
        if (candidate.key == m_key) {
            info = candidate;
            break;
        }
    }
    if (!info) {
        m_title->setText(
            tr("%1 is not part of generation %2").arg(m_key).arg(generation->number()));
        return;
    }
    m_title->setText(tr("%1 — generation %2").arg(m_key).arg(generation->number()));

    QTreeWidgetItem *general = section(tr("Component"));
    const auto add = [](QTreeWidgetItem *parent, const QString &name, const QString &value) {
        auto *item = new QTreeWidgetItem(parent, {name, value});
        item->setToolTip(1, value);
        return item;
    };
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

    QObject *instance = container.existingInstance(m_key);
    if (!instance) {
        // Lazy and not used yet: what its class offers, without creating it.
        const Result<ComponentDetails> details = container.details(m_key);
        QTreeWidgetItem *properties = section(tr("Properties"));
        properties->setData(0, Qt::UserRole, QStringLiteral("properties"));
        if (!details || details.value().properties.isEmpty()) {
            add(properties, tr("(no instance yet: lazy components are created on first use)"), {});
        }
        if (!details)
            return;
        for (const ComponentDetails::Property &property : details.value().properties)
            add(properties, property.name, tr("(not created yet)"))->setToolTip(0, property.type);
        QTreeWidgetItem *methods = section(tr("Invokable methods"));
        for (const ComponentDetails::Method &method : details.value().methods) {
            if (method.kind != ComponentDetails::Method::Kind::Signal)
                add(methods, method.signature, method.returnType);
        }
        if (methods->childCount() == 0)
            add(methods, tr("(none)"), {});
        return;
    }
    const QMetaObject *meta = instance->metaObject();
    QTreeWidgetItem *properties = section(tr("Properties"));
    properties->setData(0, Qt::UserRole, QStringLiteral("properties"));
    for (int i = QObject::staticMetaObject.propertyCount(); i < meta->propertyCount(); ++i) {
        const QMetaProperty property = meta->property(i);
        auto *item = add(properties, QString::fromLatin1(property.name()),
                         valueText(property.read(instance)));
        item->setToolTip(0, QString::fromLatin1(property.typeName()));
    }
    for (const QByteArray &name : instance->dynamicPropertyNames())
        add(properties, QString::fromUtf8(name), valueText(instance->property(name)));
    if (!instance->objectName().isEmpty())
        add(properties, QStringLiteral("objectName"), instance->objectName());

    QTreeWidgetItem *methods = section(tr("Invokable methods"));
    for (int i = QObject::staticMetaObject.methodCount(); i < meta->methodCount(); ++i) {
        const QMetaMethod method = meta->method(i);
        if (method.methodType() != QMetaMethod::Method && method.methodType() != QMetaMethod::Slot)
            continue;
        if (method.access() != QMetaMethod::Public)
            continue;
        add(methods, QString::fromLatin1(method.methodSignature()),
            QString::fromLatin1(method.typeName()));
    }
    if (methods->childCount() == 0)
        add(methods, tr("(none)"), {});
}

} // namespace qreload::ui
