#pragma once

// One way to pay. Several plugins may provide it; checkout offers all of them.

#include <QString>
#include <QtPlugin>

namespace shop {

class IPaymentMethod
{
public:
    virtual ~IPaymentMethod() = default;
    virtual QString id() const = 0;    //!< "card", as in `/checkout?method=card`
    virtual QString label() const = 0; //!< "Credit card"
    //! Pays and returns the line the receipt shows.
    virtual QString pay(int cents, const QString &amount) = 0;
};

} // namespace shop

#define shop_IPaymentMethod_iid "org.qreload.examples.shop.IPaymentMethod/1"
Q_DECLARE_INTERFACE(shop::IPaymentMethod, shop_IPaymentMethod_iid)
