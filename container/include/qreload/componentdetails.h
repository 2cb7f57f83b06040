#pragma once

#include "qreload/container.h"

#include <QJsonObject>

namespace qreload {

/*!
 * One component as the console's inspector and the preview server show it: what the container
 * knows (ComponentInfo) and, when an instance exists, what its QMetaObject says about it.
 * Made by Container::details(), which never creates an instance to answer.
 */
class QRELOAD_CONTAINER_EXPORT ComponentDetails
{
public:
    //! A Q_PROPERTY of the instance.
    struct Property
    {
        QString name;
        QString type;   //!< the metatype name, `int`, `QString`, `QStringList`, ...
        QVariant value; //!< read when the details were taken (invalid if not readable)
        bool writable = false;
        QString notifySignal; //!< signature of the NOTIFY signal, empty if none
    };

    //! A method the meta-object system can call or connect to.
    struct Method
    {
        //! What kind of method it is.
        enum class Kind {
            Invokable, //!< declared Q_INVOKABLE
            Slot,      //!< declared in a Q_SLOTS section
            Signal,    //!< declared in a Q_SIGNALS section
        };
        Kind kind = Kind::Invokable;
        QString signature;  //!< `greet(QString)`, as QMetaMethod::methodSignature gives it
        QString returnType; //!< `void`, `QString`, ...
        QStringList parameterTypes;
        QStringList parameterNames;
    };

    ComponentInfo info;
    //! The class actually instantiated (may be a subclass of info.className).
    QString instanceClass;
    //! The instance the properties were read from exists (singleton created, or prototypes made).
    bool instantiated = false;
    //! How many prototype instances are alive (singletons: 0 or 1).
    int liveInstances = 0;
    //! Declared by the component's classes, QObject's own (objectName, deleteLater, ...) left out.
    QList<Property> properties;
    QList<Method> methods;

    static QString kindName(Method::Kind kind);
    //! The method's display form: `QString greet(QString name)`.
    static QString display(const Method &method);
    /*!
     * Fills instanceClass, properties and methods from an instance. Property getters run on the
     * calling thread, directly: components are plain QObjects without thread affinity rules of
     * their own, and the container calls this under its lock.
     */
    static void describe(const QObject *instance, ComponentDetails *details);
    //! The same from a class: properties without values when `instance` is null.
    static void describeClass(const QMetaObject *meta, const QObject *instance,
                              ComponentDetails *details);
    //! A property value or invoke() result as JSON; what JSON cannot hold is shown as text.
    static QJsonValue jsonValue(const QVariant &value);
    QJsonObject toJson() const;
};

} // namespace qreload
