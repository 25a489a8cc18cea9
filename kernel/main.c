/*
 * kernel/main.c - the cadenza executable.
 */
#include "kernel.h"

int main(int argc, char **argv)
{
    return cz_cli_main(argc, argv);
}
