/*
 * kernel/check.c - the static port check, before anything runs.
 *
 * A pipeline is a chain of stages that meet on the bus. Whether they fit
 * is decidable from the descriptors alone: every required read must be
 * written by an earlier stage (or by the job itself) with the same type,
 * and the variants of an A/B stage must be interchangeable (same reads,
 * same writes), or a job's success would depend on its bucket. Found here,
 * a mismatch costs a second; found at stage six, a song.
 */
#include <string.h>

#include "kernel.h"

typedef struct producer {
    const char *key;
    cz_type type;
    char by[80];    /* "stage 'mixing'", or "the job" */
} producer;

#define MAX_KEYS 512

static const producer *find(const producer *p, size_t n, const char *key)
{
    for (size_t i = n; i-- > 0;)
        if (!strcmp(p[i].key, key))
            return &p[i];
    return NULL;
}

static int same_ports(const cz_port *a, const cz_port *b)
{
    size_t na = 0, nb = 0;
    while (a && a[na].key)
        na++;
    while (b && b[nb].key)
        nb++;
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++) {
        size_t j;
        for (j = 0; j < nb; j++)
            if (!strcmp(a[i].key, b[j].key) && a[i].type == b[j].type &&
                (a[i].flags & CZ_PORT_REQUIRED) == (b[j].flags & CZ_PORT_REQUIRED))
                break;
        if (j == nb)
            return 0;
    }
    return 1;
}

/* Can the router reach a provider offering capability? The router's
 * CZ_OPT_PROVIDERS option limits whom it may use (empty: all declared). */
static int reachable(const cz_graph *g, const char *capability)
{
    const json_t *allowed = NULL;
    const cz_option *o = g->router->mod->desc.options;
    for (size_t i = 0; o && o[i].name; i++)
        if (o[i].type == CZ_OPT_PROVIDERS)
            allowed = json_object_get(g->router->options, o[i].name);
    for (size_t p = 0; p < g->n_providers; p++) {
        if (!g->providers[p].mod)
            continue;
        int listed = !json_array_size(allowed);
        size_t k;
        json_t *name;
        json_array_foreach(allowed, k, name)
            listed |= !strcmp(json_string_value(name), g->providers[p].label);
        const cz_provider_vtable *vt = g->providers[p].mod->desc.vtable;
        for (size_t c = 0; listed && vt->capabilities && vt->capabilities[c]; c++)
            if (!strcmp(vt->capabilities[c], capability))
                return 1;
    }
    return 0;
}

static void check_requests(const cz_graph *g, const cz_graph_stage *s, cz_diags *d)
{
    const char *const *req = s->variants[0].mod->desc.requests;
    for (size_t i = 0; g->router && g->router->mod && req && req[i]; i++) {
        char cap[64];
        size_t n = strlen(req[i]);
        int optional = n && req[i][n - 1] == '?';
        snprintf(cap, sizeof cap, "%.*s", (int)(optional ? n - 1 : n), req[i]);
        if (reachable(g, cap))
            continue;
        if (optional)
            cz_log(CZ_LOG_WARN, g->pipe->file, "stage '%s' (%s) may ask for '%s', but the router can reach no "
                   "provider offering it: the stage will do without", s->def->name,
                   s->variants[0].mod->desc.name, cap);
        else
            cz_diag_add(d, g->pipe->router->mark,
                        "stage '%s' (%s) asks for '%s', but the router can reach no provider offering it",
                        s->def->name, s->variants[0].mod->desc.name, cap);
    }
}

void cz_graph_check_ports(const cz_graph *g, const cz_bus *inputs, cz_diags *d)
{
    producer p[MAX_KEYS];
    size_t n = 0;
    static const producer job[] = {{"prompt", CZ_TYPE_STRING, "the job"},
                                   {"seed", CZ_TYPE_INT, "the job"},
                                   {"job.key", CZ_TYPE_STRING, "the job"},
                                   {"job.pipeline", CZ_TYPE_STRING, "the job"},
                                   {"job.stages", CZ_TYPE_JSON, "the job"}};
    for (size_t i = 0; i < sizeof job / sizeof *job; i++)
        p[n++] = job[i];
    if (g->router)
        p[n++] = (producer){"router.attempts", CZ_TYPE_JSON, "the router"};
    /* (a producer's `by` is copied, so names need not outlive the check) */
    for (size_t i = 0; inputs && i < cz_bus_count(inputs) && n < MAX_KEYS; i++) {
        const char *k = cz_bus_key_at(inputs, i);
        p[n++] = (producer){k, cz_bus_type(inputs, k), "the job's inputs"};
    }
    const char *ikey;
    json_t *itype;
    json_object_foreach(g->pipe->inputs, ikey, itype) {
        if (n < MAX_KEYS)
            p[n++] = (producer){ikey, cz_type_parse(json_string_value(itype)), "the pipeline's inputs"};
        cz_type given = inputs ? cz_bus_type(inputs, ikey) : CZ_TYPE_NONE;
        if (inputs && given != cz_type_parse(json_string_value(itype)))
            cz_diag_add(d, cz_ytree_key_mark(g->pipe->tree, json_object_get(cz_ytree_root(g->pipe->tree), "inputs"), ikey),
                        "the pipeline needs input '%s' (%s) from its caller, which %s", ikey,
                        json_string_value(itype), given == CZ_TYPE_NONE ? "did not give it" : "gave another type");
    }
    for (size_t si = 0; si < g->n_stages; si++) {
        const cz_graph_stage *s = &g->stages[si];
        int unresolved = 0;
        for (size_t v = 0; v < s->n_variants; v++)
            unresolved |= !s->variants[v].mod;
        if (unresolved)
            break; /* its writes are unknown: checking later reads would only guess */
        const cz_module_desc *first = &s->variants[0].mod->desc;
        check_requests(g, s, d);
        for (size_t v = 1; v < s->n_variants; v++) {
            const cz_module_desc *dv = &s->variants[v].mod->desc;
            if (!same_ports(first->reads, dv->reads) || !same_ports(first->writes, dv->writes))
                cz_diag_add(d, s->def->variants[v].mark,
                            "variant %s of stage '%s' does not have the same ports as %s (variants must be interchangeable; compare `cadenza inspect` of both)",
                            dv->name, s->def->name, first->name);
        }
        if (s->def->is_ab && n < MAX_KEYS)
            {
            p[n] = (producer){"ab.*", CZ_TYPE_JSON, ""};
            snprintf(p[n++].by, sizeof p[0].by, "stage '%s'", s->def->name);
        }
        for (size_t i = 0; first->reads && first->reads[i].key; i++) {
            const cz_port *r = &first->reads[i];
            const producer *w = find(p, n, r->key);
            if (!w && !strncmp(r->key, "ab.", 3))
                w = find(p, n, "ab.*");
            if (!w) {
                if (r->flags & CZ_PORT_REQUIRED)
                    cz_diag_add(d, s->def->variants[0].mark,
                                "stage '%s' (%s) reads '%s' (%s), but no earlier stage writes it",
                                s->def->name, first->name, r->key, cz_type_name(r->type));
            } else if (w->type != r->type) {
                cz_diag_add(d, s->def->variants[0].mark,
                            "stage '%s' (%s) reads '%s' as %s, but %s writes it as %s",
                            s->def->name, first->name, r->key, cz_type_name(r->type), w->by,
                            cz_type_name(w->type));
            }
        }
        for (size_t i = 0; first->writes && first->writes[i].key && n < MAX_KEYS; i++) {
            p[n] = (producer){first->writes[i].key, first->writes[i].type, ""};
            snprintf(p[n++].by, sizeof p[0].by, "stage '%s'", s->def->name);
        }
    }
}
