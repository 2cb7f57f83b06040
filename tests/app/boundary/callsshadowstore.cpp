// Declaring a host function by hand does not help either: the supervisor's link has no host
// library, so the call is an undefined symbol (app.boundary.link).

namespace qreload::app {
class ShadowStore
{
public:
    static void removeStale();
};
} // namespace qreload::app

int main()
{
    qreload::app::ShadowStore::removeStale();
    return 0;
}
// expect: undefined reference to `qreload::app::ShadowStore::removeStale()'
// expect: undefined symbol: qreload::app::ShadowStore::removeStale()
