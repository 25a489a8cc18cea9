/*
 * tests/harness.h - run one module as a black box (in the spirit of
 * GStreamer's GstHarness): load it through the real loader, validate its
 * options through the real schema code, give it a bus, run it, look at
 * what it wrote. Linked into every unit test binary.
 */
#ifndef CZ_TEST_HARNESS_H
#define CZ_TEST_HARNESS_H

#include <cadenza/cadenza.h>

typedef struct czh czh;

/* Path of a built module: "$BUILD/modules/<name>.so" (BUILD defaults to
 * "build"). Returns a static buffer per call site use; copy if needed. */
const char *czh_module_path(const char *name);

/* Path of a built test module: "$BUILD/tests/modules/<name>.so". */
const char *czh_test_module_path(const char *name);

/* Load the module at `path`, validate `options_json` (a JSON object text,
 * NULL or "" for defaults) against its schema and call init. On failure
 * returns NULL and fills err (load, option or init error). */
czh *czh_new(const char *path, const char *options_json, cz_error *err);

/* The bus the module will run on; put its inputs here before czh_run. */
cz_bus *czh_bus(czh *h);

/* Give the job an output folder (files appear there after czh_run
 * succeeds, as with `cadenza run --out`). */
void czh_set_out(czh *h, const char *dir);

/* Run the stage once with this seed (stage name = the module's group, e.g.
 * "ideation"). Returns the module's status. Can be called repeatedly; the
 * bus keeps its values between runs. */
int czh_run(czh *h, uint64_t seed, cz_error *err);

/* The loaded descriptor. */
const cz_module_desc *czh_desc(const czh *h);

void czh_free(czh *h);

/* Run a Check suite (forking per test, Check's default) and return the
 * process exit status: 0 when every test passed. Takes the suite. */
#include <check.h>
int czh_run_suite(Suite *s);

/* Convenience: read a whole file into a NUL-terminated buffer (free()). */
char *czh_slurp(const char *path, size_t *len);

#endif
