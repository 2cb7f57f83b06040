#pragma once

// The shopping cart (one per shop in this example: it is a dev preview, not a real store).

#include <QMap>
#include <QString>
#include <QtPlugin>

namespace shop {

class ICart
{
public:
    virtual ~ICart() = default;
    virtual void add(const QString &sku, int quantity) = 0;
    //! sku -> quantity
    virtual QMap<QString, int> lines() const = 0;
    virtual void clear() = 0;
};

} // namespace shop

#define shop_ICart_iid "org.qreload.examples.shop.ICart/1"
Q_DECLARE_INTERFACE(shop::ICart, shop_ICart_iid)
