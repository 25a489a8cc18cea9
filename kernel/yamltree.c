/*
 * kernel/yamltree.c - YAML documents as JSON values that remember where
 * they came from.
 *
 * Modules see options as JSON (jansson), so YAML is converted once here.
 * Every error a user sees must point at file:line:col, so the conversion
 * keeps a side table from each json_t node (and each mapping key) to its
 * libyaml mark. Scalars follow the YAML 1.2 core schema: plain true/false,
 * null/~, integers and floats are typed; quoted scalars are always strings
 * (so `"1"` stays a string, and "no" is never false).
 *
 * Hostile input: aliases can expand exponentially (billion laughs), so the
 * number of converted nodes and the nesting depth are capped.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "kernel.h"

#define MAX_NODES 100000
#define MAX_DEPTH 64

typedef struct mark_rec {
    const void *node;
    char *key; /* NULL: the node's own mark */
    int line, col;
} mark_rec;

struct cz_ytree {
    char *file;
    json_t *root;
    mark_rec *marks;
    size_t n, cap;
    size_t converted;
};

static void remember(cz_ytree *t, const void *node, const char *key, yaml_mark_t m)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        mark_rec *nm = realloc(t->marks, nc * sizeof *nm);
        if (!nm)
            return;
        t->marks = nm;
        t->cap = nc;
    }
    t->marks[t->n++] = (mark_rec){node, key ? cz_strdup(key) : NULL,
                                  (int)m.line + 1, (int)m.column + 1};
}

/* Plain scalars: YAML 1.2 core schema. */
static json_t *plain_scalar(const char *s, size_t len)
{
    if (!len || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return json_null();
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return json_true();
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return json_false();
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s != ' ' && end != s && !*end && !errno && strspn(s, "+-0123456789") == len)
        return json_integer(v);
    errno = 0;
    double d = strtod(s, &end);
    if (end != s && !*end && !errno && isfinite(d) && strspn(s, "+-0123456789.eE") == len)
        return json_real(d);
    return json_stringn(s, len);
}

static json_t *convert(cz_ytree *t, yaml_document_t *doc, yaml_node_t *n,
                       int depth, cz_diags *d)
{
    yaml_mark_t m = n->start_mark;
    cz_mark cm = {t->file, (int)m.line + 1, (int)m.column + 1};
    if (depth > MAX_DEPTH) {
        cz_diag_add(d, cm, "nesting deeper than %d levels", MAX_DEPTH);
        return NULL;
    }
    if (++t->converted > MAX_NODES) {
        if (t->converted == MAX_NODES + 1)
            cz_diag_add(d, cm, "document expands to more than %d values (alias bomb?)", MAX_NODES);
        return NULL;
    }
    json_t *out = NULL;
    switch (n->type) {
    case YAML_SCALAR_NODE: {
        const char *s = (const char *)n->data.scalar.value;
        size_t len = n->data.scalar.length;
        if (strlen(s) != len) {
            cz_diag_add(d, cm, "NUL byte inside a scalar");
            return NULL;
        }
        out = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? plain_scalar(s, len)
                                                              : json_stringn(s, len);
        if (!out)
            cz_diag_add(d, cm, "scalar is not valid UTF-8");
        break;
    }
    case YAML_SEQUENCE_NODE:
        out = json_array();
        for (yaml_node_item_t *it = n->data.sequence.items.start;
             out && it < n->data.sequence.items.top; it++) {
            json_t *v = convert(t, doc, yaml_document_get_node(doc, *it), depth + 1, d);
            if (!v) {
                json_decref(out);
                return NULL;
            }
            json_array_append_new(out, v);
        }
        break;
    case YAML_MAPPING_NODE:
        out = json_object();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
             out && p < n->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            yaml_mark_t km = k->start_mark;
            cz_mark kcm = {t->file, (int)km.line + 1, (int)km.column + 1};
            if (k->type != YAML_SCALAR_NODE) {
                cz_diag_add(d, kcm, "mapping keys must be plain strings");
                json_decref(out);
                return NULL;
            }
            const char *key = (const char *)k->data.scalar.value;
            if (json_object_get(out, key)) {
                cz_diag_add(d, kcm, "duplicate key '%s'", key);
                json_decref(out);
                return NULL;
            }
            json_t *v = convert(t, doc, yaml_document_get_node(doc, p->value), depth + 1, d);
            if (!v || json_object_set_new(out, key, v)) {
                if (v)
                    cz_diag_add(d, kcm, "key is not valid UTF-8");
                json_decref(out);
                return NULL;
            }
            remember(t, out, key, km);
        }
        break;
    default:
        cz_diag_add(d, cm, "empty YAML node");
        return NULL;
    }
    if (out)
        remember(t, out, NULL, m);
    return out;
}

static cz_ytree *load(yaml_parser_t *parser, const char *file, cz_diags *d)
{
    cz_ytree *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->file = cz_strdup(file);
    yaml_document_t doc;
    if (!yaml_parser_load(parser, &doc)) {
        cz_mark m = {t->file, (int)parser->problem_mark.line + 1,
                     (int)parser->problem_mark.column + 1};
        cz_diag_add(d, m, "YAML syntax error: %s%s%s", parser->problem ? parser->problem : "unknown",
                    parser->context ? " " : "", parser->context ? parser->context : "");
        cz_ytree_free(t);
        return NULL;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        cz_diag_add(d, (cz_mark){t->file, 1, 1}, "the file is empty: expected a mapping with 'pipeline:' and 'stages:'");
    } else {
        t->root = convert(t, &doc, root, 0, d);
    }
    yaml_document_delete(&doc);
    if (!t->root) {
        cz_ytree_free(t);
        return NULL;
    }
    return t;
}

cz_ytree *cz_ytree_load(const char *path, cz_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cz_diag_add(d, (cz_mark){path, 0, 0}, "cannot open: %s", strerror(errno));
        return NULL;
    }
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    cz_ytree *t = load(&parser, path, d);
    yaml_parser_delete(&parser);
    fclose(f);
    return t;
}

json_t *cz_yaml_scalar_or_flow(const char *text, char *why, size_t why_size)
{
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    cz_diags d = {0};
    cz_ytree *t = load(&parser, "value", &d);
    yaml_parser_delete(&parser);
    json_t *out = NULL;
    if (t) {
        out = json_incref(t->root);
        cz_ytree_free(t);
    } else if (why) {
        snprintf(why, why_size, "%s", d.n ? d.msgs[0] : "empty value");
    }
    cz_diag_free(&d);
    return out;
}

json_t *cz_ytree_root(const cz_ytree *t)
{
    return t ? t->root : NULL;
}

const char *cz_ytree_file(const cz_ytree *t)
{
    return t ? t->file : NULL;
}

cz_mark cz_ytree_mark(const cz_ytree *t, const json_t *node)
{
    for (size_t i = 0; t && i < t->n; i++)
        if (t->marks[i].node == node && !t->marks[i].key)
            return (cz_mark){t->file, t->marks[i].line, t->marks[i].col};
    return (cz_mark){t ? t->file : NULL, 0, 0};
}

cz_mark cz_ytree_key_mark(const cz_ytree *t, const json_t *obj, const char *key)
{
    for (size_t i = 0; t && i < t->n; i++)
        if (t->marks[i].node == obj && t->marks[i].key && !strcmp(t->marks[i].key, key))
            return (cz_mark){t->file, t->marks[i].line, t->marks[i].col};
    return cz_ytree_mark(t, obj);
}

void cz_ytree_free(cz_ytree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->marks[i].key);
    free(t->marks);
    json_decref(t->root);
    free(t->file);
    free(t);
}
