// The shop's web plugin: pages and a small JSON API, served through the preview server by
// component routes. Everything it needs from the other plugins comes through interfaces.
//
// Try a reload: change SHOP_HEADLINE below (or anything else in this file), rebuild the
// shop_web target, and reload the page. The visit counter and the cart keep their values.
#include <shop/icart.h>
#include <shop/icheckout.h>
#include <shop/ipricing.h>
#include <shop/iproductrepository.h>
#include <shop/ivisitcounter.h>

#include <qreload/plugin.h>

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>

#ifndef SHOP_HEADLINE
#define SHOP_HEADLINE "The qreload shop"
#endif

namespace shop {

using qreload::Request;
using qreload::Response;

/*!
 * The frame of one page. A prototype: each page component gets its own, holding that page's
 * title and navigation state, so no page can change another's.
 */
class HtmlPage : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString title READ title WRITE setTitle)

public:
    QString title() const { return m_title; }
    void setTitle(const QString &title) { m_title = title; }

    Q_INVOKABLE QString render(const QString &body) const
    {
        return QStringLiteral("<!doctype html><html><head><meta charset=\"utf-8\"><title>%1 · %2"
                              "</title></head><body><nav><a href=\"/\">Products</a> · "
                              "<a href=\"/cart\">Cart</a> · <a href=\"/checkout\">Checkout</a>"
                              "</nav><h1>%2</h1><h2>%1</h2>%3</body></html>")
            .arg(m_title.toHtmlEscaped(), QStringLiteral(SHOP_HEADLINE), body);
    }

private:
    QString m_title;
};

//! The product list, which counts its visits.
class Storefront : public QObject
{
    Q_OBJECT

public:
    Storefront(IProductRepository *repository, IPricing *pricing, IVisitCounter *visits,
               HtmlPage *page)
        : m_repository(repository)
        , m_pricing(pricing)
        , m_visits(visits)
        , m_page(page)
    {
        m_page->setTitle(QStringLiteral("Products"));
    }

    Response home()
    {
        const int visits = m_visits->hit();
        QString rows;
        for (const Product &product : m_repository->products()) {
            rows += QStringLiteral("<li>%1 — %2 <form method=\"post\" action=\"/cart/add?sku=%3\" "
                                   "style=\"display:inline\"><button>Add to cart</button></form>"
                                   "</li>")
                        .arg(product.name.toHtmlEscaped(),
                             m_pricing->format(m_pricing->priceCents(product.sku)), product.sku);
        }
        return Response::html(m_page->render(
            QStringLiteral("<ul>%1</ul><p id=\"visits\">Visits: %2</p>").arg(rows).arg(visits)));
    }

    Response products() const
    {
        QJsonArray list;
        for (const Product &product : m_repository->products()) {
            list.append(
                QJsonObject{{QLatin1String("sku"), product.sku},
                            {QLatin1String("name"), product.name},
                            {QLatin1String("priceCents"), m_pricing->priceCents(product.sku)}});
        }
        return Response::json(QJsonDocument(list));
    }

    Response visits() const
    {
        return Response::json(QJsonDocument(QJsonObject{
            {QLatin1String("visits"), m_visits->visits()},
            {QLatin1String("headline"), QStringLiteral(SHOP_HEADLINE)},
        }));
    }

private:
    IProductRepository *m_repository;
    IPricing *m_pricing;
    IVisitCounter *m_visits;
    HtmlPage *m_page;
};

//! The cart page and its API.
class CartPage : public QObject
{
    Q_OBJECT

public:
    CartPage(ICart *cart, IPricing *pricing, HtmlPage *page)
        : m_cart(cart)
        , m_pricing(pricing)
        , m_page(page)
    {
        m_page->setTitle(QStringLiteral("Your cart"));
    }

    Response show() const
    {
        QString rows;
        int total = 0;
        const QMap<QString, int> lines = m_cart->lines();
        for (auto it = lines.constBegin(); it != lines.constEnd(); ++it) {
            const int cents = m_pricing->priceCents(it.key(), it.value());
            total += cents;
            rows += QStringLiteral("<li>%1 × %2: %3</li>")
                        .arg(it.value())
                        .arg(it.key().toHtmlEscaped(), m_pricing->format(cents));
        }
        if (rows.isEmpty())
            rows = QStringLiteral("<li>empty</li>");
        return Response::html(m_page->render(
            QStringLiteral("<ul>%1</ul><p>Total: %2</p>").arg(rows, m_pricing->format(total))));
    }

    Response add(const Request &request)
    {
        const QString sku = request.query.queryItemValue(QStringLiteral("sku"));
        const int quantity = request.query.hasQueryItem(QStringLiteral("quantity"))
                                 ? request.query.queryItemValue(QStringLiteral("quantity")).toInt()
                                 : 1;
        m_cart->add(sku, quantity);
        return show();
    }

    Response json() const
    {
        QJsonObject lines;
        const QMap<QString, int> cart = m_cart->lines();
        for (auto it = cart.constBegin(); it != cart.constEnd(); ++it)
            lines.insert(it.key(), it.value());
        return Response::json(QJsonDocument(lines));
    }

private:
    ICart *m_cart;
    IPricing *m_pricing;
    HtmlPage *m_page;
};

//! The checkout page. Lazy, like the checkout service it uses: both are built on first visit.
class CheckoutPage : public QObject
{
    Q_OBJECT

public:
    CheckoutPage(ICheckout *checkout, HtmlPage *page)
        : m_checkout(checkout)
        , m_page(page)
    {
        m_page->setTitle(QStringLiteral("Checkout"));
    }

    Response show() const
    {
        QString buttons;
        for (const QString &method : m_checkout->paymentMethods()) {
            buttons += QStringLiteral("<form method=\"post\" action=\"/checkout?method=%1\">"
                                      "<button>Pay by %1</button></form>")
                           .arg(method.toHtmlEscaped());
        }
        return Response::html(m_page->render(buttons));
    }

    Response pay(const Request &request)
    {
        const QString receipt
            = m_checkout->checkout(request.query.queryItemValue(QStringLiteral("method")));
        return Response::html(
            m_page->render(QStringLiteral("<p>%1</p>").arg(receipt.toHtmlEscaped())));
    }

private:
    ICheckout *m_checkout;
    HtmlPage *m_page;
};

} // namespace shop

QRELOAD_COMPONENTS(registry)
{
    using namespace shop;
    using qreload::inject;
    using qreload::one;

    registry.add<HtmlPage>("shop.web.HtmlPage").prototype();

    registry
        .add<Storefront>("shop.web.Storefront", one<IProductRepository>(), one<IPricing>(),
                         one<IVisitCounter>(), inject<HtmlPage>("shop.web.HtmlPage"))
        .route("/", [](Storefront &page) { return page.home(); })
        .route("/api/products", [](Storefront &page) { return page.products(); })
        .route("/api/visits", [](Storefront &page) { return page.visits(); });

    registry
        .add<CartPage>("shop.web.CartPage", one<ICart>(), one<IPricing>(),
                       inject<HtmlPage>("shop.web.HtmlPage"))
        .route("/cart", [](CartPage &page) { return page.show(); })
        .route("/api/cart", [](CartPage &page) { return page.json(); })
        .route(
            "/cart/add", [](CartPage &page, const Request &request) { return page.add(request); },
            "POST");

    registry
        .add<CheckoutPage>("shop.web.CheckoutPage", one<ICheckout>(),
                           inject<HtmlPage>("shop.web.HtmlPage"))
        .lazy()
        .route("/checkout", [](CheckoutPage &page) { return page.show(); })
        .route(
            "/checkout",
            [](CheckoutPage &page, const Request &request) { return page.pay(request); }, "POST");
}

#include "web.moc"
