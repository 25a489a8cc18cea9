/*
 * cli/main.c - the cadenza executable.
 */
#include "cli.h"

int main(int argc, char **argv)
{
    return cz_cli_main(argc, argv);
}
