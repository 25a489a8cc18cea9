/*
 * kernel/graph.c - a pipeline with its modules resolved and instantiated.
 *
 * Building a graph is where names become code: each `module:` is resolved
 * through the registry, its kind checked against where it is used, its
 * `with:` block resolved against its option schema, and (for running, not
 * for `validate`) its init called. Problems are collected, not returned at
 * the first one. Instances belong to the graph: one graph serves any number
 * of jobs, and two graphs (A/B, a reload) hold separate instances.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

struct cz_env {
    cz_registry *reg;
};

cz_env *cz_env_new(cz_registry *reg)
{
    cz_env *e = calloc(1, sizeof *e);
    if (e)
        e->reg = reg;
    return e;
}

void cz_env_free(cz_env *e)
{
    free(e);
}

int cz_instance_init(cz_instance *in, cz_env *env, cz_error *err)
{
    cz_init args = {.size = sizeof args, .instance = in->label, .options = in->options, .env = env};
    if (!in->mod->desc.init)
        return 0;
    cz_error sub = {0};
    int rc = in->mod->desc.init(&args, &in->inst, &sub);
    if (rc) {
        in->inst = NULL; /* a failed init cleaned up itself: no fini */
        return cz_err(err, rc < 0 ? rc : CZ_EINTERNAL, "%s (%s): init failed: %s", in->label,
                      in->mod->desc.name, sub.msg[0] ? sub.msg : cz_strerror(rc));
    }
    return 0;
}

static void instance_free(cz_instance *in)
{
    if (in->mod && in->inst && in->mod->desc.fini)
        in->mod->desc.fini(in->inst);
    cz_module_unref(in->mod);
    json_decref(in->options);
    free(in->label);
    memset(in, 0, sizeof *in);
}

/* Resolve one use: module of the expected kind, options validated. */
static int resolve(cz_graph *g, const cz_use *u, cz_kind want, const char *label,
                   cz_instance *in, cz_diags *d)
{
    cz_error err = {0};
    memset(in, 0, sizeof *in);
    in->label = cz_strdup(label);
    in->weight = u->weight;
    if (cz_registry_load(g->reg, u->module, &in->mod, &err)) {
        cz_diag_add(d, u->mark, "%s", err.msg);
        return -1;
    }
    if (in->mod->desc.kind != want) {
        cz_diag_add(d, u->mark, "module %s is a %s module; '%s' needs a %s module", u->module,
                    cz_kind_name(in->mod->desc.kind), label, cz_kind_name(want));
        return -1;
    }
    cz_use_ctx ctx = {g->pipe, u};
    in->options = cz_options_resolve(&in->mod->desc, u->with, cz_use_option_mark, &ctx, d);
    return in->options ? 0 : -1;
}

/* Options of type `providers` must name declared providers. */
static void check_provider_refs(const cz_graph *g, const cz_instance *in, const cz_use *u,
                                cz_diags *d)
{
    const cz_option *o = in->mod->desc.options;
    for (size_t i = 0; o && o[i].name; i++) {
        if (o[i].type != CZ_OPT_PROVIDERS)
            continue;
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(in->options, o[i].name), k, v) {
            const char *name = json_string_value(v);
            size_t p;
            for (p = 0; p < g->pipe->n_providers && strcmp(g->pipe->providers[p].name, name); p++)
                ;
            if (p == g->pipe->n_providers) {
                cz_use_ctx ctx = {g->pipe, u};
                cz_diag_add(d, cz_use_option_mark(&ctx, o[i].name, 1),
                            "option '%s' of %s names provider '%s', which the pipeline does not declare under 'providers:'",
                            o[i].name, in->mod->desc.name, name);
            }
        }
    }
}

cz_graph *cz_graph_build(cz_pipeline *p, cz_registry *reg, int inst,
                         const cz_bus *inputs, cz_diags *d)
{
    cz_graph *g = calloc(1, sizeof *g);
    if (!g) {
        cz_pipeline_free(p);
        return NULL;
    }
    g->pipe = p;
    g->reg = reg;
    g->env = cz_env_new(reg);
    size_t before = d->n;
    g->stages = calloc(p->n_stages + 1, sizeof *g->stages);
    g->n_stages = p->n_stages;
    for (size_t i = 0; i < p->n_stages; i++) {
        cz_graph_stage *s = &g->stages[i];
        s->def = &p->stages[i];
        s->variants = calloc(s->def->n_variants, sizeof *s->variants);
        s->n_variants = s->def->n_variants;
        for (size_t v = 0; v < s->n_variants; v++)
            resolve(g, &s->def->variants[v], CZ_KIND_STAGE, s->def->name, &s->variants[v], d);
    }
    g->providers = calloc(p->n_providers + 1, sizeof *g->providers);
    g->n_providers = p->n_providers;
    for (size_t i = 0; i < p->n_providers; i++)
        resolve(g, &p->providers[i].use, CZ_KIND_PROVIDER, p->providers[i].name, &g->providers[i], d);
    if (p->router) {
        g->router = calloc(1, sizeof *g->router);
        if (!resolve(g, p->router, CZ_KIND_ROUTER, "router", g->router, d))
            check_provider_refs(g, g->router, p->router, d);
    }
    cz_graph_check_ports(g, inputs, d);
    if (d->n == before && inst) {
        cz_error err = {0};
        for (size_t i = 0; i < g->n_providers && !err.code; i++)
            cz_instance_init(&g->providers[i], g->env, &err);
        if (g->router && !err.code)
            cz_instance_init(g->router, g->env, &err);
        for (size_t i = 0; i < g->n_stages && !err.code; i++)
            for (size_t v = 0; v < g->stages[i].n_variants && !err.code; v++)
                cz_instance_init(&g->stages[i].variants[v], g->env, &err);
        if (err.code)
            cz_diag_add(d, (cz_mark){p->file, 0, 0}, "%s", err.msg);
        else
            g->instantiated = 1;
    }
    if (d->n > before) {
        cz_graph_free(g);
        return NULL;
    }
    return g;
}

void cz_graph_free(cz_graph *g)
{
    if (!g)
        return;
    /* Stages first, then router, then providers: the reverse of init. */
    for (size_t i = 0; i < g->n_stages; i++) {
        for (size_t v = 0; v < g->stages[i].n_variants; v++)
            instance_free(&g->stages[i].variants[v]);
        free(g->stages[i].variants);
    }
    free(g->stages);
    if (g->router)
        instance_free(g->router);
    free(g->router);
    for (size_t i = 0; i < g->n_providers; i++)
        instance_free(&g->providers[i]);
    free(g->providers);
    cz_env_free(g->env);
    cz_pipeline_free(g->pipe);
    free(g);
}

/* ---- dsp blocks opened by modules (dsp.h) ------------------------------- */

struct cz_dsp {
    cz_instance in;
    const cz_dsp_vtable *vt;
};

int cz_dsp_open_module(cz_env *env, cz_module *mod, const json_t *options, cz_dsp **out,
                       cz_error *err)
{
    *out = NULL;
    cz_dsp *dsp = calloc(1, sizeof *dsp);
    if (!dsp) {
        cz_module_unref(mod);
        return cz_err(err, CZ_ENOMEM, "out of memory");
    }
    dsp->in.mod = mod;
    const char *name = mod->desc.name;
    int rc = 0;
    if (mod->desc.kind != CZ_KIND_DSP)
        rc = cz_err(err, CZ_EINVAL, "module %s is a %s module, not a dsp module", name,
                    cz_kind_name(mod->desc.kind));
    if (!rc) {
        cz_diags d = {0};
        dsp->in.options = cz_options_resolve(&mod->desc, options, NULL, NULL, &d);
        if (!dsp->in.options)
            rc = cz_err(err, CZ_EINVAL, "dsp module %s: %s", name, cz_diag_first(&d));
        cz_diag_free(&d);
    }
    if (!rc) {
        dsp->vt = mod->desc.vtable;
        if (dsp->vt->version < 1 || dsp->vt->size < sizeof *dsp->vt)
            rc = cz_err(err, CZ_EABI, "dsp module %s: method table version %u is too old", name, dsp->vt->version);
    }
    if (!rc) {
        dsp->in.label = cz_strdup(name);
        rc = cz_instance_init(&dsp->in, env, err);
    }
    if (rc) {
        instance_free(&dsp->in);
        free(dsp);
        return rc;
    }
    *out = dsp;
    return 0;
}

int cz_dsp_open(cz_env *env, const char *name, const json_t *options, cz_dsp **out,
                cz_error *err)
{
    *out = NULL;
    if (!env || !name)
        return cz_err(err, CZ_EINVAL, "cz_dsp_open: no environment or name");
    if (!env->reg)
        return cz_err(err, CZ_ENOTFOUND, "cannot open dsp module %s: no module registry is loaded", name);
    cz_module *mod;
    int rc = cz_registry_load(env->reg, name, &mod, err);
    return rc ? rc : cz_dsp_open_module(env, mod, options, out, err);
}

int cz_dsp_process(cz_dsp *dsp, float *samples, uint64_t frames, uint32_t channels,
                   uint32_t rate, cz_error *err)
{
    if (!dsp)
        return cz_err(err, CZ_EINVAL, "cz_dsp_process: no dsp");
    return dsp->vt->process(dsp->in.inst, samples, frames, channels, rate, err);
}

void cz_dsp_close(cz_dsp *dsp)
{
    if (!dsp)
        return;
    instance_free(&dsp->in);
    free(dsp);
}
