#pragma once

// Turns the cart into an order.

#include <QStringList>
#include <QtPlugin>

namespace shop {

class ICheckout
{
public:
    virtual ~ICheckout() = default;
    //! Ids of the payment methods on offer.
    virtual QStringList paymentMethods() const = 0;
    //! Pays the cart with `method` and empties it; returns the receipt text, or an error text.
    virtual QString checkout(const QString &method) = 0;
};

} // namespace shop

#define shop_ICheckout_iid "org.qreload.examples.shop.ICheckout/1"
Q_DECLARE_INTERFACE(shop::ICheckout, shop_ICheckout_iid)
