#pragma once

//! The header a plugin author includes: the registry API and the registration macro.

#include "qreload/registry.h"

#include <QtPlugin>

namespace qreload {

//! Bumped whenever ComponentDescriptor, Registry or this interface change incompatibly.
inline constexpr int SdkVersion = 1;

/*!
 * The interface of every qreload plugin. qreload_add_plugin() generates the class implementing
 * it; authors only write the QRELOAD_COMPONENTS function.
 */
class ComponentProvider
{
public:
    virtual ~ComponentProvider() = default;
    virtual void registerComponents(Registry &registry) = 0;
};

} // namespace qreload

#define QRELOAD_PROVIDER_IID "org.qreload.ComponentProvider/1"
Q_DECLARE_INTERFACE(qreload::ComponentProvider, QRELOAD_PROVIDER_IID)

/*!
 * Defines the plugin's registration function:
 *
 *     QRELOAD_COMPONENTS(registry)
 *     {
 *         registry.add<MyService>("app.services.MyService");
 *     }
 */
#define QRELOAD_COMPONENTS(registry) void qreloadRegisterComponents(::qreload::Registry &registry)
