#pragma once

// A product of the shop. Header-only and shared by every shop plugin through include/; plugins
// exchange it by value through the interfaces, never by linking each other.

#include <QString>

namespace shop {

struct Product
{
    QString sku;  //!< stable identifier, used in URLs (`/cart/add?sku=tea`)
    QString name; //!< what the page shows
    int priceCents = 0;
};

} // namespace shop
