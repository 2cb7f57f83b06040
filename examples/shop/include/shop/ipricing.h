#pragma once

// Prices with tax, and how money is written.

#include <QString>
#include <QtPlugin>

namespace shop {

class IPricing
{
public:
    virtual ~IPricing() = default;
    //! The price of `quantity` items of `sku`, tax included; 0 for an unknown product.
    virtual int priceCents(const QString &sku, int quantity = 1) const = 0;
    //! "€12.50"
    virtual QString format(int cents) const = 0;
};

} // namespace shop

#define shop_IPricing_iid "org.qreload.examples.shop.IPricing/1"
Q_DECLARE_INTERFACE(shop::IPricing, shop_IPricing_iid)
