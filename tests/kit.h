/*
 * tests/kit.h - small helpers shared by the kernel's unit tests.
 */
#ifndef CZ_TEST_KIT_H
#define CZ_TEST_KIT_H

#include <stddef.h>

/* A new empty folder under $TMPDIR (removed by kit_rm). */
char *kit_tmpdir(void);
/* Write text to path (folders must exist); aborts on failure. */
void kit_write(const char *path, const char *text);
/* Build a registry index in a new temp folder from the named test modules
 * (copies of $BUILD/tests/modules/NAME.so); returns the index path. */
char *kit_registry(const char *const *names);
/* kit_registry, opened: the registry and the index path (for kit_close). */
struct cz_registry;
struct cz_registry *kit_open_registry(const char *const *names, char **index_path);
/* Free the registry and remove the folder kit_registry made. */
void kit_close_registry(struct cz_registry *reg, char *index_path);
/* rm -rf */
void kit_rm(const char *path);

#endif
