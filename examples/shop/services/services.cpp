// The shop's services plugin: prices, the cart, the visit counter, payment methods and checkout.
// Every dependency on the repository is through shop::IProductRepository; this plugin does not
// link the repository plugin (see CMakeLists.txt: it only shares the include/ folder).
#include <shop/icart.h>
#include <shop/icheckout.h>
#include <shop/ipaymentmethod.h>
#include <shop/ipricing.h>
#include <shop/iproductrepository.h>
#include <shop/ivisitcounter.h>

#include <qreload/plugin.h>

#include <QLocale>
#include <QObject>
#include <QVariantMap>

namespace shop {

//! Prices with tax.
class PriceService : public QObject, public IPricing
{
    Q_OBJECT
    Q_INTERFACES(shop::IPricing)
    Q_PROPERTY(int taxPercent READ taxPercent CONSTANT)

public:
    explicit PriceService(IProductRepository *repository)
        : m_repository(repository)
    {}
#ifdef SHOP_CYCLE
    // A deliberate mistake (built as a test fixture): prices that ask the checkout, which asks
    // the prices. The reload fails with the cycle's path; the old generation keeps serving.
    PriceService(IProductRepository *repository, ICheckout *)
        : m_repository(repository)
    {}
#endif

    int priceCents(const QString &sku, int quantity) const override
    {
        const std::optional<Product> product = m_repository->find(sku);
        return product ? product->priceCents * quantity * (100 + m_taxPercent) / 100 : 0;
    }
    QString format(int cents) const override
    {
        return QStringLiteral("€%1.%2").arg(cents / 100).arg(cents % 100, 2, 10, QLatin1Char('0'));
    }
    int taxPercent() const
    {
        return m_taxPercent;
    }
    Q_INVOKABLE QString quote(const QString &sku, int quantity) const
    {
        return format(priceCents(sku, quantity));
    }

private:
    IProductRepository *m_repository;
    int m_taxPercent = 20;
};

//! The cart. Its lines survive reloads (carriesState in the registration below).
class Cart : public QObject, public ICart
{
    Q_OBJECT
    Q_INTERFACES(shop::ICart)
    Q_PROPERTY(int itemCount READ itemCount)

public:
    explicit Cart(IProductRepository *repository)
        : m_repository(repository)
    {}

    void add(const QString &sku, int quantity) override
    {
        if (m_repository->find(sku) && quantity > 0)
            m_lines[sku] += quantity;
    }
    QMap<QString, int> lines() const override { return m_lines; }
    Q_INVOKABLE void clear() override { m_lines.clear(); }
    int itemCount() const
    {
        int count = 0;
        for (int quantity : m_lines)
            count += quantity;
        return count;
    }

    QVariantMap save() const
    {
        QVariantMap state;
        for (auto it = m_lines.constBegin(); it != m_lines.constEnd(); ++it)
            state.insert(it.key(), it.value());
        return state;
    }
    void restore(const QVariantMap &state)
    {
        for (auto it = state.constBegin(); it != state.constEnd(); ++it)
            m_lines.insert(it.key(), it.value().toInt());
    }

private:
    IProductRepository *m_repository;
    QMap<QString, int> m_lines;
};

//! Counts storefront visits; the count survives reloads.
class VisitCounter : public QObject, public IVisitCounter
{
    Q_OBJECT
    Q_INTERFACES(shop::IVisitCounter)
    Q_PROPERTY(int visits READ visits WRITE setVisits)

public:
    int hit() override { return ++m_visits; }
    int visits() const override { return m_visits; }
    void setVisits(int visits) { m_visits = visits; }
    Q_INVOKABLE void reset() { m_visits = 0; }

private:
    int m_visits = 0;
};

class CardPayment : public QObject, public IPaymentMethod
{
    Q_OBJECT
    Q_INTERFACES(shop::IPaymentMethod)

public:
    QString id() const override { return QStringLiteral("card"); }
    QString label() const override { return QStringLiteral("Credit card"); }
    QString pay(int, const QString &amount) override
    {
        return QStringLiteral("%1 charged to the card ending in 4242").arg(amount);
    }
};

class InvoicePayment : public QObject, public IPaymentMethod
{
    Q_OBJECT
    Q_INTERFACES(shop::IPaymentMethod)

public:
    QString id() const override { return QStringLiteral("invoice"); }
    QString label() const override { return QStringLiteral("Invoice, due in 30 days"); }
    QString pay(int, const QString &amount) override
    {
        return QStringLiteral("invoice #%1 over %2 sent").arg(++m_number).arg(amount);
    }

private:
    int m_number = 1000;
};

//! Pays the cart. Lazy: nothing builds it until the first checkout page is opened.
class Checkout : public QObject, public ICheckout
{
    Q_OBJECT
    Q_INTERFACES(shop::ICheckout)

public:
    Checkout(ICart *cart, IPricing *pricing, QList<IPaymentMethod *> methods)
        : m_cart(cart)
        , m_pricing(pricing)
        , m_methods(std::move(methods))
    {}

    QStringList paymentMethods() const override
    {
        QStringList ids;
        for (IPaymentMethod *method : m_methods)
            ids.append(method->id());
        return ids;
    }
    Q_INVOKABLE QString checkout(const QString &methodId) override
    {
        const QMap<QString, int> lines = m_cart->lines();
        if (lines.isEmpty())
            return QStringLiteral("The cart is empty.");
        int total = 0;
        for (auto it = lines.constBegin(); it != lines.constEnd(); ++it)
            total += m_pricing->priceCents(it.key(), it.value());
        for (IPaymentMethod *method : m_methods) {
            if (method->id() == methodId) {
                m_cart->clear();
                return method->pay(total, m_pricing->format(total));
            }
        }
        return QStringLiteral("Unknown payment method \"%1\".").arg(methodId);
    }

private:
    ICart *m_cart;
    IPricing *m_pricing;
    QList<IPaymentMethod *> m_methods;
};

} // namespace shop

QRELOAD_COMPONENTS(registry)
{
    using namespace shop;
    using qreload::all;
    using qreload::one;

#ifdef SHOP_CYCLE
    registry.add<PriceService>("shop.PriceService", one<IProductRepository>(), one<ICheckout>())
        .provides<IPricing>();
#else
    registry.add<PriceService>("shop.PriceService", one<IProductRepository>()).provides<IPricing>();
#endif

    // State carried across reloads: bump the version when the saved form changes, and the old
    // state is dropped (with a line in the reload log) instead of being misread.
    registry.add<Cart>("shop.Cart", one<IProductRepository>())
        .provides<ICart>()
        .carriesState(
            1, [](Cart &cart) { return QVariant(cart.save()); },
            [](Cart &cart, const QVariant &state) { cart.restore(state.toMap()); });
    registry.add<VisitCounter>("shop.VisitCounter")
        .provides<IVisitCounter>()
        .carriesState(
            1, [](VisitCounter &counter) { return QVariant(counter.visits()); },
            [](VisitCounter &counter, const QVariant &state) { counter.setVisits(state.toInt()); });

    // Two providers of one interface: `card` is primary for one<IPaymentMethod>(), both are
    // reachable by qualifier (named<IPaymentMethod>("invoice")) and as a list (all<>()).
    registry.add<CardPayment>("shop.payment.Card")
        .provides<IPaymentMethod>()
        .named("card")
        .primary();
    registry.add<InvoicePayment>("shop.payment.Invoice")
        .provides<IPaymentMethod>()
        .named("invoice");

    registry.add<Checkout>("shop.Checkout", one<ICart>(), one<IPricing>(), all<IPaymentMethod>())
        .provides<ICheckout>()
        .lazy();
}

#include "services.moc"
