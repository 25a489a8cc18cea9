/*
 * kernel/pipeline.c - pipeline YAML -> a model the kernel can check.
 *
 * This file checks the shape of the document (known keys, right kinds of
 * values, unique names) and records where everything was written. It does
 * not load modules: graph.c resolves names and options, check.c the ports.
 * Every problem is collected, with its file:line:col, and parsing goes on,
 * so a user fixes a whole file in one round.
 *
 *   pipeline: NAME            seed: N
 *   stages:    - {stage, module, with} | {stage, variants: [{module, weight, with}]}
 *   providers: - {name, module, with}
 *   router:    {module, with}          storage: {module, with}
 *   inputs:    {KEY: TYPE}             what the caller puts on the bus
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

static cz_mark at(const cz_pipeline *p, const json_t *node)
{
    return cz_ytree_mark(p->tree, node);
}

static cz_mark key_at(const cz_pipeline *p, const json_t *obj, const char *key)
{
    return cz_ytree_key_mark(p->tree, obj, key);
}

static int plain_name(const char *s)
{
    return s && *s && strlen(s) <= 48 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(s);
}

/* Every key of obj must be in allowed (NULL-terminated). */
static void only_keys(const cz_pipeline *p, const json_t *obj, const char *const *allowed,
                      const char *where, cz_diags *d)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        size_t i;
        for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
            ;
        if (!allowed[i]) {
            char list[256] = "";
            size_t used = 0;
            for (size_t j = 0; allowed[j]; j++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "", allowed[j]);
            cz_diag_add(d, key_at(p, obj, key), "unknown key '%s' in %s (expected one of: %s)", key, where, list);
        }
    }
}

static const char *want_string(const cz_pipeline *p, const json_t *obj, const char *key,
                               const char *where, int required, cz_diags *d)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            cz_diag_add(d, at(p, obj), "%s needs '%s:'", where, key);
        return NULL;
    }
    if (!json_is_string(v) || !*json_string_value(v)) {
        cz_diag_add(d, at(p, v).line ? at(p, v) : key_at(p, obj, key),
                    "'%s' in %s must be a non-empty string", key, where);
        return NULL;
    }
    return json_string_value(v);
}

static int parse_use(cz_pipeline *p, const json_t *obj, cz_use *u, const char *where,
                     cz_diags *d)
{
    memset(u, 0, sizeof *u);
    u->weight = 1.0;
    const char *mod = want_string(p, obj, "module", where, 1, d);
    if (mod) {
        u->module = cz_strdup(mod);
        u->mark = at(p, json_object_get(obj, "module"));
        if (!cz_valid_module_name(mod))
            cz_diag_add(d, u->mark, "'%s' is not a module name (group.name, e.g. mixing.console)", mod);
    }
    json_t *with = json_object_get(obj, "with");
    if (with && !json_is_object(with) && !json_is_null(with)) {
        cz_diag_add(d, at(p, with).line ? at(p, with) : key_at(p, obj, "with"),
                    "'with' in %s must be a mapping of option: value", where);
        with = NULL;
    }
    u->with = json_is_object(with) ? json_incref(with) : json_object();
    u->set_by = json_object();
    return mod ? 0 : -1;
}

static void parse_stage(cz_pipeline *p, const json_t *item, size_t idx, cz_diags *d)
{
    static const char *const keys[] = {"stage", "module", "with", "variants", NULL};
    static const char *const vkeys[] = {"module", "weight", "with", NULL};
    char where[64];
    snprintf(where, sizeof where, "stage %zu", idx + 1);
    if (!json_is_object(item)) {
        cz_diag_add(d, at(p, item), "%s must be a mapping with 'stage:' and 'module:' (or 'variants:')", where);
        return;
    }
    only_keys(p, item, keys, where, d);
    cz_stage_def *s = &p->stages[p->n_stages];
    memset(s, 0, sizeof *s);
    const char *name = want_string(p, item, "stage", where, 1, d);
    if (!name)
        return;
    s->mark = key_at(p, item, "stage");
    if (!plain_name(name)) {
        cz_diag_add(d, at(p, json_object_get(item, "stage")),
                    "stage name '%s' must be lower-case letters, digits, '_' or '-'", name);
        return;
    }
    for (size_t i = 0; i < p->n_stages; i++)
        if (!strcmp(p->stages[i].name, name)) {
            cz_diag_add(d, s->mark, "stage '%s' appears twice (first at line %d)", name, p->stages[i].mark.line);
            return;
        }
    json_t *variants = json_object_get(item, "variants");
    if (variants && json_object_get(item, "module")) {
        cz_diag_add(d, key_at(p, item, "variants"), "stage '%s' has both 'module:' and 'variants:'; use one", name);
        return;
    }
    if (variants) {
        if (json_object_get(item, "with"))
            cz_diag_add(d, key_at(p, item, "with"), "stage '%s': put 'with:' inside each variant", name);
        if (!json_is_array(variants) || json_array_size(variants) < 1) {
            cz_diag_add(d, at(p, variants).line ? at(p, variants) : key_at(p, item, "variants"),
                        "'variants' of stage '%s' must be a non-empty list of {module, weight, with}", name);
            return;
        }
        size_t nv = json_array_size(variants);
        s->variants = calloc(nv, sizeof *s->variants);
        s->is_ab = 1;
        size_t i;
        json_t *v;
        json_array_foreach(variants, i, v) {
            char vw[96];
            snprintf(vw, sizeof vw, "variant %zu of stage '%s'", i + 1, name);
            if (!json_is_object(v)) {
                cz_diag_add(d, at(p, v), "%s must be a mapping {module, weight, with}", vw);
                continue;
            }
            only_keys(p, v, vkeys, vw, d);
            cz_use *u = &s->variants[s->n_variants];
            if (parse_use(p, v, u, vw, d)) {
                json_decref(u->with);
                json_decref(u->set_by);
                free(u->module);
                continue;
            }
            s->n_variants++;
            json_t *w = json_object_get(v, "weight");
            if (w) {
                u->weight_mark = at(p, w).line ? at(p, w) : key_at(p, v, "weight");
                if (!json_is_number(w) || json_number_value(w) <= 0 || json_number_value(w) > 1e6)
                    cz_diag_add(d, u->weight_mark, "weight of %s must be a number above 0 (up to 1e6)", vw);
                else
                    u->weight = json_number_value(w);
            }
        }
    } else {
        s->variants = calloc(1, sizeof *s->variants);
        if (!s->variants || parse_use(p, item, &s->variants[0], where, d)) {
            if (s->variants) {
                json_decref(s->variants[0].with);
                json_decref(s->variants[0].set_by);
            }
            free(s->variants);
            s->variants = NULL;
            return;
        }
        s->n_variants = 1;
    }
    if (!s->n_variants) {
        free(s->variants);
        s->variants = NULL;
        return;
    }
    s->name = cz_strdup(name);
    p->n_stages++;
}

static void parse_provider(cz_pipeline *p, const json_t *item, size_t idx, cz_diags *d)
{
    static const char *const keys[] = {"name", "module", "with", NULL};
    char where[64];
    snprintf(where, sizeof where, "provider %zu", idx + 1);
    if (!json_is_object(item)) {
        cz_diag_add(d, at(p, item), "%s must be a mapping {name, module, with}", where);
        return;
    }
    only_keys(p, item, keys, where, d);
    const char *name = want_string(p, item, "name", where, 1, d);
    cz_provider_def *pr = &p->providers[p->n_providers];
    memset(pr, 0, sizeof *pr);
    if (!name)
        return;
    pr->mark = at(p, json_object_get(item, "name"));
    if (!plain_name(name)) {
        cz_diag_add(d, pr->mark, "provider name '%s' must be lower-case letters, digits, '_' or '-'", name);
        return;
    }
    for (size_t i = 0; i < p->n_providers; i++)
        if (!strcmp(p->providers[i].name, name)) {
            cz_diag_add(d, pr->mark, "provider '%s' declared twice", name);
            return;
        }
    if (parse_use(p, item, &pr->use, where, d)) {
        json_decref(pr->use.with);
        json_decref(pr->use.set_by);
        return;
    }
    pr->name = cz_strdup(name);
    p->n_providers++;
}

static cz_use *parse_single(cz_pipeline *p, const json_t *root, const char *key, cz_diags *d)
{
    static const char *const keys[] = {"module", "with", NULL};
    json_t *v = json_object_get(root, key);
    if (!v)
        return NULL;
    if (!json_is_object(v)) {
        cz_diag_add(d, at(p, v).line ? at(p, v) : key_at(p, root, key), "'%s' must be a mapping {module, with}", key);
        return NULL;
    }
    only_keys(p, v, keys, key, d);
    cz_use *u = calloc(1, sizeof *u);
    if (u && parse_use(p, v, u, key, d)) {
        json_decref(u->with);
        json_decref(u->set_by);
        free(u);
        u = NULL;
    }
    return u;
}

cz_pipeline *cz_pipeline_load(const char *path, cz_diags *d)
{
    static const char *const top[] = {"pipeline", "description", "seed", "stages", "providers",
                                      "router", "storage", "inputs", NULL};
    cz_ytree *t = cz_ytree_load(path, d);
    if (!t)
        return NULL;
    cz_pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        cz_ytree_free(t);
        return NULL;
    }
    p->tree = t;
    p->file = cz_strdup(path);
    json_t *root = cz_ytree_root(t);
    if (!json_is_object(root)) {
        cz_diag_add(d, at(p, root), "a pipeline must be a mapping with 'pipeline:' and 'stages:'");
        return p;
    }
    only_keys(p, root, top, "the pipeline", d);
    const char *name = want_string(p, root, "pipeline", "the pipeline", 1, d);
    p->name = cz_strdup(name ? name : "unnamed");
    json_t *seed = json_object_get(root, "seed");
    if (seed) {
        if (!json_is_integer(seed) || json_integer_value(seed) < 0)
            cz_diag_add(d, at(p, seed).line ? at(p, seed) : key_at(p, root, "seed"),
                        "'seed' must be a whole number >= 0");
        else
            p->seed = (uint64_t)json_integer_value(seed);
    }
    json_t *desc = json_object_get(root, "description");
    if (desc && !json_is_string(desc))
        cz_diag_add(d, key_at(p, root, "description"), "'description' must be a string");
    json_t *stages = json_object_get(root, "stages");
    if (!stages) {
        cz_diag_add(d, at(p, root), "the pipeline needs 'stages:', a list of {stage, module}");
    } else if (!json_is_array(stages) || !json_array_size(stages)) {
        cz_diag_add(d, at(p, stages).line ? at(p, stages) : key_at(p, root, "stages"),
                    "'stages' must be a non-empty list of {stage, module}");
    } else {
        p->stages = calloc(json_array_size(stages), sizeof *p->stages);
        size_t i;
        json_t *item;
        json_array_foreach(stages, i, item)
            parse_stage(p, item, i, d);
    }
    json_t *providers = json_object_get(root, "providers");
    if (providers) {
        if (!json_is_array(providers)) {
            cz_diag_add(d, key_at(p, root, "providers"), "'providers' must be a list of {name, module, with}");
        } else {
            p->providers = calloc(json_array_size(providers) + 1, sizeof *p->providers);
            size_t i;
            json_t *item;
            json_array_foreach(providers, i, item)
                parse_provider(p, item, i, d);
        }
    }
    json_t *inputs = json_object_get(root, "inputs");
    p->inputs = json_object();
    if (inputs && !json_is_object(inputs)) {
        cz_diag_add(d, key_at(p, root, "inputs"), "'inputs' must be a mapping of bus key: type");
    } else if (inputs) {
        const char *key;
        json_t *type;
        json_object_foreach(inputs, key, type) {
            if (!json_is_string(type) || cz_type_parse(json_string_value(type)) == CZ_TYPE_NONE)
                cz_diag_add(d, key_at(p, inputs, key),
                            "input '%s' needs a type: int, float, bool, string, json, score, audio or blob", key);
            else
                json_object_set(p->inputs, key, type);
        }
    }
    p->router = parse_single(p, root, "router", d);
    p->storage = parse_single(p, root, "storage", d);
    return p;
}

cz_mark cz_use_option_mark(const void *vctx, const char *option, int value)
{
    const cz_use_ctx *c = vctx;
    if (option) {
        json_t *set = json_object_get(c->use->set_by, option);
        if (set)
            return (cz_mark){json_string_value(set), 0, 0};
        json_t *v = json_object_get(c->use->with, option);
        if (value && v && !json_is_boolean(v) && !json_is_null(v)) {
            cz_mark m = cz_ytree_mark(c->pipe->tree, v);
            if (m.line)
                return m;
        }
        if (v)
            return cz_ytree_key_mark(c->pipe->tree, c->use->with, option);
    }
    return c->use->mark;
}

static int set_on(cz_use *u, const char *option, json_t *value, const char *text)
{
    json_object_set(u->with, option, value);
    json_object_set_new(u->set_by, option, json_string(text));
    return 0;
}

int cz_pipeline_set(cz_pipeline *p, const char *assignment, cz_diags *d)
{
    char label[600];
    snprintf(label, sizeof label, "--set %s", assignment);
    cz_mark m = {NULL, 0, 0};
    const char *eq = strchr(assignment, '=');
    const char *dot = eq ? memrchr(assignment, '.', (size_t)(eq - assignment)) : NULL;
    if (!eq || !dot || dot == assignment || dot + 1 == eq) {
        cz_diag_add(d, m, "%s: expected TARGET.OPTION=VALUE (TARGET: a stage, router, storage or providers.NAME)", label);
        return CZ_EINVAL;
    }
    char target[256], option[128];
    snprintf(target, sizeof target, "%.*s", (int)(dot - assignment), assignment);
    snprintf(option, sizeof option, "%.*s", (int)(eq - dot - 1), dot + 1);
    char why[300];
    json_t *value = cz_yaml_scalar_or_flow(eq + 1, why, sizeof why);
    if (!value) {
        if (!eq[1])
            value = json_string("");
        else {
            cz_diag_add(d, m, "%s: the value is not valid YAML: %s", label, why);
            return CZ_EINVAL;
        }
    }
    /* The label must outlive the pipeline: keep it in set_by (a json
     * string), and marks borrow from there. */
    int found = 0;
    for (size_t i = 0; i < p->n_stages; i++)
        if (!strcmp(p->stages[i].name, target)) {
            for (size_t v = 0; v < p->stages[i].n_variants; v++)
                set_on(&p->stages[i].variants[v], option, value, label);
            found = 1;
        }
    if (!strcmp(target, "router") && p->router)
        found = !set_on(p->router, option, value, label);
    if (!strcmp(target, "storage") && p->storage)
        found = !set_on(p->storage, option, value, label);
    const char *pname = !strncmp(target, "providers.", 10) ? target + 10 : target;
    for (size_t i = 0; i < p->n_providers; i++)
        if (!strcmp(p->providers[i].name, pname))
            found = !set_on(&p->providers[i].use, option, value, label);
    json_decref(value);
    if (!found) {
        char names[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < p->n_stages && used < sizeof names; i++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", p->stages[i].name);
        cz_diag_add(d, m, "%s: this pipeline has no stage, router, storage or provider called '%s' (stages: %s)",
                    label, target, names);
        return CZ_ENOTFOUND;
    }
    return 0;
}

static void use_free(cz_use *u)
{
    free(u->module);
    json_decref(u->with);
    json_decref(u->set_by);
}

void cz_pipeline_free(cz_pipeline *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_stages; i++) {
        for (size_t v = 0; v < p->stages[i].n_variants; v++)
            use_free(&p->stages[i].variants[v]);
        free(p->stages[i].variants);
        free(p->stages[i].name);
    }
    free(p->stages);
    for (size_t i = 0; i < p->n_providers; i++) {
        use_free(&p->providers[i].use);
        free(p->providers[i].name);
    }
    free(p->providers);
    if (p->router)
        use_free(p->router);
    if (p->storage)
        use_free(p->storage);
    free(p->router);
    free(p->storage);
    json_decref(p->inputs);
    free(p->name);
    free(p->file);
    cz_ytree_free(p->tree);
    free(p);
}
