/*
 * kernel/options.c - option schemas: a module declares, the kernel checks.
 *
 * A typo in an option name must be an error, not silence, so every `with:`
 * key is checked against the module's schema, every value against its type
 * and range, and every missing option gets its declared default. Modules
 * then read a complete, well-typed JSON object and never re-validate.
 *
 * Defaults are written in the descriptor as YAML text and go through the
 * same conversion and checks as user values: one code path, and a module
 * whose default is outside its own range is refused at load.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

static const char *const opt_type_names[CZ_OPT_COUNT] = {
    "none", "int", "float", "bool", "string", "enum", "list", "providers", "json"};

const char *cz_opt_type_name(cz_opt_type t)
{
    return (unsigned)t < CZ_OPT_COUNT ? opt_type_names[t] : "invalid";
}

const cz_option *cz_option_find(const cz_option *schema, const char *name)
{
    for (size_t i = 0; schema && schema[i].name; i++)
        if (!strcmp(schema[i].name, name))
            return &schema[i];
    return NULL;
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "a mapping";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "empty (null)";
    }
}

static void choices_text(const cz_option *o, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; o->choices[i] && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", o->choices[i]);
}

static int range_ok(const cz_option *o, double v, char *why, size_t n)
{
    if ((o->flags & CZ_OPT_RANGED) && (v < o->min || v > o->max)) {
        snprintf(why, n, "%g is out of range: expected %g to %g", v, o->min, o->max);
        return 0;
    }
    return 1;
}

/* URL options are checked with the value; environment-variable options in
 * cz_options_resolve (a default naming an unset variable is fine for a
 * module nobody uses). */
static int string_flags_ok(const cz_option *o, const char *s, char *why, size_t n)
{
    if (!*s)
        return 1;
    if ((o->flags & CZ_OPT_URL) && strncmp(s, "http://", 7) && strncmp(s, "https://", 8)) {
        snprintf(why, n, "'%s' is not an http:// or https:// URL", s);
        return 0;
    }
    return 1;
}

int cz_option_check(const cz_option *o, json_t **value, char *why, size_t n)
{
    json_t *v = *value;
    switch (o->type) {
    case CZ_OPT_INT:
        if (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v) &&
            fabs(json_real_value(v)) < 9e15) {
            *value = json_integer((json_int_t)json_real_value(v));
            json_decref(v);
            v = *value;
        }
        if (!json_is_integer(v))
            break;
        return range_ok(o, (double)json_integer_value(v), why, n) ? 0 : CZ_EINVAL;
    case CZ_OPT_FLOAT:
        if (!json_is_number(v))
            break;
        if (json_is_integer(v)) {
            *value = json_real((double)json_integer_value(v));
            json_decref(v);
            v = *value;
        }
        return range_ok(o, json_real_value(v), why, n) ? 0 : CZ_EINVAL;
    case CZ_OPT_BOOL:
        if (json_is_boolean(v))
            return 0;
        break;
    case CZ_OPT_STRING:
    case CZ_OPT_ENUM:
        /* An integer scalar may stand for a string ("bit_depth: 24"). */
        if (json_is_integer(v)) {
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
            *value = json_string(buf);
            json_decref(v);
            v = *value;
        }
        if (!json_is_string(v))
            break;
        if (o->type == CZ_OPT_ENUM) {
            for (size_t i = 0; o->choices[i]; i++)
                if (!strcmp(o->choices[i], json_string_value(v)))
                    return 0;
            char list[400];
            choices_text(o, list, sizeof list);
            snprintf(why, n, "'%s' is not one of: %s", json_string_value(v), list);
            return CZ_EINVAL;
        }
        return string_flags_ok(o, json_string_value(v), why, n) ? 0 : CZ_EINVAL;
    case CZ_OPT_LIST:
    case CZ_OPT_PROVIDERS: {
        if (!json_is_array(v))
            break;
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            if (!json_is_string(item)) {
                snprintf(why, n, "item %zu is %s, expected a string", i + 1, json_kind(item));
                return CZ_EINVAL;
            }
        }
        return 0;
    }
    case CZ_OPT_JSON:
        return 0;
    default:
        snprintf(why, n, "unknown option type");
        return CZ_EINVAL;
    }
    const char *want = o->type == CZ_OPT_INT ? "an integer" : o->type == CZ_OPT_FLOAT ? "a number"
                     : o->type == CZ_OPT_BOOL ? "true or false"
                     : o->type == CZ_OPT_LIST || o->type == CZ_OPT_PROVIDERS ? "a list of strings"
                                                                          : "a string";
    snprintf(why, n, "expected %s, got %s", want, json_kind(v));
    return CZ_EINVAL;
}

json_t *cz_option_default(const cz_option *o, char *why, size_t n)
{
    json_t *v;
    if (o->def) {
        v = cz_yaml_scalar_or_flow(o->def, why, n);
        if (!v)
            return NULL;
    } else {
        switch (o->type) {
        case CZ_OPT_INT: v = json_integer(0); break;
        case CZ_OPT_FLOAT: v = json_real(0); break;
        case CZ_OPT_BOOL: v = json_false(); break;
        case CZ_OPT_STRING: v = json_string(""); break;
        case CZ_OPT_LIST:
        case CZ_OPT_PROVIDERS: v = json_array(); break;
        case CZ_OPT_ENUM: v = json_string(o->choices ? o->choices[0] : ""); break;
        default: v = json_null(); break;
        }
    }
    if (o->type == CZ_OPT_STRING && json_is_null(v)) {
        json_decref(v);
        v = json_string("");
    }
    if (cz_option_check(o, &v, why, n)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* Edit distance, for "did you mean". Short names only. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

static void unknown_option(const cz_module_desc *desc, const char *key, cz_mark m,
                           cz_diags *d)
{
    const cz_option *o = desc->options;
    const char *best = NULL;
    size_t bd = 3;
    char known[600] = "";
    size_t used = 0;
    for (size_t i = 0; o && o[i].name; i++) {
        size_t dist = distance(key, o[i].name);
        if (dist < bd) {
            bd = dist;
            best = o[i].name;
        }
        if (used < sizeof known)
            used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", o[i].name);
    }
    if (best)
        cz_diag_add(d, m, "unknown option '%s' for module %s: did you mean '%s'?", key, desc->name, best);
    else
        cz_diag_add(d, m, "unknown option '%s' for module %s (its options: %s)", key, desc->name,
                    used ? known : "none");
}

json_t *cz_options_resolve(const cz_module_desc *desc, const json_t *given,
                           cz_mark_fn where, const void *ctx, cz_diags *d)
{
    json_t *out = json_object();
    size_t before = d->n;
    const char *key;
    json_t *value;
    if (given && !json_is_object(given)) {
        cz_diag_add(d, where ? where(ctx, NULL, 0) : (cz_mark){0},
                    "'with' must be a mapping of option: value for module %s", desc->name);
        json_decref(out);
        return NULL;
    }
    json_object_foreach((json_t *)given, key, value) {
        const cz_option *o = cz_option_find(desc->options, key);
        cz_mark km = where ? where(ctx, key, 0) : (cz_mark){0};
        if (!o) {
            unknown_option(desc, key, km, d);
            continue;
        }
        if (json_is_null(value)) {
            cz_diag_add(d, km, "option '%s' of %s has no value (remove it to use the default)", key,
                        desc->name);
            continue;
        }
        json_t *v = json_deep_copy(value);
        char why[512];
        if (cz_option_check(o, &v, why, sizeof why)) {
            cz_mark vm = where ? where(ctx, key, 1) : (cz_mark){0};
            cz_diag_add(d, vm.line ? vm : km, "option '%s' of %s: %s", key, desc->name, why);
            json_decref(v);
            continue;
        }
        json_object_set_new(out, key, v);
    }
    for (size_t i = 0; desc->options && desc->options[i].name; i++) {
        const cz_option *o = &desc->options[i];
        if (json_object_get(out, o->name))
            continue;
        char why[512];
        json_t *v = cz_option_default(o, why, sizeof why);
        if (!v) {
            cz_diag_add(d, (cz_mark){0}, "module %s: default of option '%s': %s", desc->name, o->name, why);
            continue;
        }
        json_object_set_new(out, o->name, v);
    }
    /* Keys come from the environment at run time; an unset one is caught
     * now, by name (never printing a value). */
    for (size_t i = 0; desc->options && desc->options[i].name; i++) {
        const cz_option *o = &desc->options[i];
        const char *var = json_string_value(json_object_get(out, o->name));
        if (!(o->flags & CZ_OPT_ENV) || !var || !*var)
            continue;
        cz_mark m = where ? where(ctx, json_object_get(given, o->name) ? o->name : NULL, 0) : (cz_mark){0};
        if (strspn(var, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != strlen(var) ||
            (*var >= '0' && *var <= '9'))
            /* Someone pasted the key itself: say so without repeating it. */
            cz_diag_add(d, m, "option '%s' of %s must name an environment variable (letters, digits, '_'), "
                        "not hold the key itself; export the key and name its variable here", o->name, desc->name);
        else if (!getenv(var))
            cz_diag_add(d, m, "option '%s' of %s: environment variable %s is not set", o->name, desc->name, var);
    }
    if (d->n > before) {
        json_decref(out);
        return NULL;
    }
    return out;
}
