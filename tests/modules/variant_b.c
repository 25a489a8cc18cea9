#define VARIANT "b"
#include "variant_a.c"
