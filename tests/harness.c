/*
 * tests/harness.c - run one module as a black box through the real kernel
 * (loader, option schema, runner, output staging). See harness.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/kernel.h"
#include "harness.h"

struct czh {
    cz_graph *g;
    cz_registry *reg;
    cz_bus *bus;
    char *out;
};

static const char *build_dir(void)
{
    const char *b = getenv("BUILD");
    return b && *b ? b : "build";
}

const char *czh_module_path(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 512, "%s/modules/%s.so", build_dir(), name);
    return p;
}

const char *czh_test_module_path(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 512, "%s/tests/modules/%s.so", build_dir(), name);
    return p;
}

czh *czh_new(const char *path, const char *options_json, cz_error *err)
{
    czh *h = calloc(1, sizeof *h);
    cz_module *mod = NULL;
    if (!h) {
        cz_err(err, CZ_ENOMEM, "out of memory");
        return NULL;
    }
    if (cz_module_load(path, &mod, err)) {
        free(h);
        return NULL;
    }
    json_t *given = NULL;
    if (options_json && *options_json) {
        json_error_t je;
        given = json_loads(options_json, 0, &je);
        if (!given) {
            cz_err(err, CZ_EINVAL, "harness: options are not JSON: %s", je.text);
            cz_module_unref(mod);
            free(h);
            return NULL;
        }
    }
    /* dsp modules opened by the module resolve through the build's registry. */
    const char *reg_path = getenv("CADENZA_REGISTRY");
    char def[600];
    snprintf(def, sizeof def, "%s/registry/index.json", build_dir());
    if (!reg_path || !*reg_path)
        reg_path = !strcmp(build_dir(), "build") ? "registry/index.json" : def;
    cz_error ignore = {0};
    cz_registry_open(reg_path, &h->reg, &ignore);

    h->g = cz_graph_single(mod, given, h->reg, err);
    json_decref(given);
    if (!h->g) {
        czh_free(h);
        return NULL;
    }
    h->bus = cz_bus_new();
    return h;
}

cz_bus *czh_bus(czh *h)
{
    return h->bus;
}

void czh_set_out(czh *h, const char *dir)
{
    free(h->out);
    h->out = dir ? cz_strdup(dir) : NULL;
}

const cz_module_desc *czh_desc(const czh *h)
{
    return &h->g->stages[0].variants[0].mod->desc;
}

int czh_run(czh *h, uint64_t seed, cz_error *err)
{
    cz_job_params p = {.seed = seed, .has_seed = 1, .bus = h->bus, .keep_all = 1, .out_dir = h->out};
    cz_job_result res;
    int rc = cz_job_run(h->g, &p, &res);
    if (rc && err)
        *err = res.err;
    cz_job_result_free(&res);
    return rc;
}

void czh_free(czh *h)
{
    if (!h)
        return;
    cz_graph_free(h->g);
    cz_registry_free(h->reg);
    cz_bus_free(h->bus);
    free(h->out);
    free(h);
}

char *czh_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

int czh_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
