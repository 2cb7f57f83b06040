// The shop's repository plugin: products kept in memory, provided as shop::IProductRepository.
// The services and web plugins use the interface without linking this plugin.
#include <shop/iproductrepository.h>

#include <qreload/plugin.h>

#include <QObject>

namespace shop {

class InMemoryProductRepository : public QObject, public IProductRepository
{
    Q_OBJECT
    Q_INTERFACES(shop::IProductRepository)
    Q_PROPERTY(int productCount READ productCount CONSTANT)

public:
    InMemoryProductRepository()
        : m_products{{QStringLiteral("tea"), QStringLiteral("Green tea, 100 g"), 450},
                     {QStringLiteral("mug"), QStringLiteral("Enamel mug"), 1200},
                     {QStringLiteral("kettle"), QStringLiteral("Stovetop kettle"), 3490}}
    {}

    QList<Product> products() const override { return m_products; }
    std::optional<Product> find(const QString &sku) const override
    {
        for (const Product &product : m_products) {
            if (product.sku == sku)
                return product;
        }
        return std::nullopt;
    }
    int productCount() const { return int(m_products.size()); }
    Q_INVOKABLE QStringList skus() const
    {
        QStringList out;
        for (const Product &product : m_products)
            out.append(product.sku);
        return out;
    }

private:
    QList<Product> m_products;
};

#ifdef SHOP_AMBIGUOUS
// A deliberate mistake (built as a test fixture): a second provider of the interface, neither
// of them primary. The reload fails and lists both candidates; the old generation keeps serving.
class SeasonalProductRepository : public InMemoryProductRepository
{
    Q_OBJECT
};
#endif

} // namespace shop

QRELOAD_COMPONENTS(registry)
{
    using namespace shop;
    registry.add<InMemoryProductRepository>("shop.ProductRepository")
        .provides<IProductRepository>();
#ifdef SHOP_AMBIGUOUS
    registry.add<SeasonalProductRepository>("shop.SeasonalProductRepository")
        .provides<IProductRepository>();
#endif
}

#include "repository.moc"
