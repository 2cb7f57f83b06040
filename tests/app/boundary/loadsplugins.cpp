// The supervisor cannot load plugins: the loader is the runtime's (host only), and a program that
// links qreload::app finds neither its header nor its library (app.boundary.loadsplugins).
#include <generation.h> // expect: generation.h: No such file or directory

int main()
{
    return 0;
}
