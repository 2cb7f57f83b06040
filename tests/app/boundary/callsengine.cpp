// The supervisor cannot call the reload engine: qreload::app carries neither the host's headers
// nor its library. This program, linked with qreload::app only, must not build (app.boundary).
#include <reloadengine.h> // expect: reloadengine.h: No such file or directory

int main()
{
    return 0;
}
