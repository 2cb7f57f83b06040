#include "qreload/registry.h"

namespace qreload {

Resolver::~Resolver() = default;

Registry::Registry(QString pluginFile)
    : m_pluginFile(std::move(pluginFile))
{}

Registry::~Registry() = default;

ComponentDescriptor &Registry::addDescriptor(ComponentDescriptor descriptor)
{
    descriptor.pluginFile = m_pluginFile;
    m_components.push_back(std::move(descriptor));
    return m_components.back();
}

std::deque<ComponentDescriptor> Registry::takeComponents()
{
    return std::exchange(m_components, {});
}

} // namespace qreload
