#pragma once

// Where products come from. Provided by the repository plugin, used by the services and web
// plugins, which find the provider at run time by this IID: none of them links another.

#include <shop/product.h>

#include <QList>
#include <QtPlugin>

#include <optional>

namespace shop {

class IProductRepository
{
public:
    virtual ~IProductRepository() = default;
    virtual QList<Product> products() const = 0;
    virtual std::optional<Product> find(const QString &sku) const = 0;
};

} // namespace shop

#define shop_IProductRepository_iid "org.qreload.examples.shop.IProductRepository/1"
Q_DECLARE_INTERFACE(shop::IProductRepository, shop_IProductRepository_iid)
