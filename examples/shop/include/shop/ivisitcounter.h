#pragma once

// Counts visits of the storefront. Its count survives reloads (see services.cpp).

#include <QtPlugin>

namespace shop {

class IVisitCounter
{
public:
    virtual ~IVisitCounter() = default;
    //! Counts one visit and returns the new count.
    virtual int hit() = 0;
    virtual int visits() const = 0;
};

} // namespace shop

#define shop_IVisitCounter_iid "org.qreload.examples.shop.IVisitCounter/1"
Q_DECLARE_INTERFACE(shop::IVisitCounter, shop_IVisitCounter_iid)
