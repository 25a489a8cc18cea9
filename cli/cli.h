/*
 * cli/cli.h - the command line front end, built on the kernel.
 */
#ifndef CZ_CLI_H
#define CZ_CLI_H

#include "../kernel/kernel.h"

/* Exit codes of the CLI (documented in docs/cli.md). */
enum {
    CZ_EXIT_OK = 0,
    CZ_EXIT_FAILED = 1,   /* the job ran and a stage failed */
    CZ_EXIT_USAGE = 2,    /* bad command line */
    CZ_EXIT_INVALID = 3,  /* the pipeline or its options are invalid */
    CZ_EXIT_MODULE = 4,   /* a module could not be found or loaded */
    CZ_EXIT_IO = 5        /* files: output folder, registry, input */
};

int cz_cli_main(int argc, char **argv);
/* Check one module file against the contract; prints a report and
 * returns the number of failed checks. */
int cz_conform(const char *path, cz_registry *reg);
void cz_progress_print(const cz_stage_event *ev, void *user);

#endif
