/*
 * cli/single_graph.c - a one-stage graph around a loaded module.
 */
#include <stdlib.h>
#include <string.h>

#include "../kernel/kernel.h"

/* A graph of one stage running `mod` (which it takes over), for tools that
 * exercise a module alone: `cadenza conform` and the test harness. Built
 * by hand rather than from YAML because the module may be any .so, in a
 * registry or not. */
cz_graph *cz_graph_single(cz_module *mod, const json_t *given, cz_registry *reg, cz_error *err)
{
    cz_pipeline *p = calloc(1, sizeof *p);
    cz_graph *g = calloc(1, sizeof *g);
    if (!p || !g) {
        free(p);
        free(g);
        cz_module_unref(mod);
        cz_err(err, CZ_ENOMEM, "out of memory");
        return NULL;
    }
    const char *dot = strchr(mod->desc.name, '.');
    p->name = cz_strdup("single");
    p->stages = calloc(1, sizeof *p->stages);
    p->n_stages = 1;
    p->stages[0].name = cz_strfmt("%.*s", (int)(dot - mod->desc.name), mod->desc.name);
    p->stages[0].variants = calloc(1, sizeof(cz_use));
    p->stages[0].n_variants = 1;
    cz_use *u = p->stages[0].variants;
    u->module = cz_strdup(mod->desc.name);
    u->with = given ? json_deep_copy(given) : json_object();
    u->set_by = json_object();
    u->weight = 1;
    g->pipe = p;
    g->reg = reg;
    g->env = cz_env_new(reg);
    g->stages = calloc(1, sizeof *g->stages);
    g->n_stages = 1;
    g->stages[0].def = &p->stages[0];
    g->stages[0].variants = calloc(1, sizeof(cz_instance));
    g->stages[0].n_variants = 1;
    cz_instance *in = g->stages[0].variants;
    in->mod = mod;
    in->label = cz_strdup(p->stages[0].name);
    in->weight = 1;
    cz_diags d = {0};
    in->options = cz_options_resolve(&mod->desc, given, NULL, NULL, &d);
    int rc = in->options ? cz_instance_init(in, g->env, err) : cz_err(err, CZ_EINVAL, "%s", cz_diag_first(&d));
    cz_diag_free(&d);
    if (rc) {
        cz_graph_free(g);
        return NULL;
    }
    g->instantiated = 1;
    return g;
}
