/* A shared object with no entry symbol: not a module. */
#include <cadenza/cadenza.h>

CZ_EXPORT int cadenza_module_v0 = 1;
