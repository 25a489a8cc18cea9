/*
 * kernel/bus.c - the typed context bus.
 *
 * Entries live in an array in first-put order (so enumeration by index is
 * stable and serialisation is deterministic) with an open-addressing hash
 * index over it, so a get is one hash and usually one string compare.
 * Values are tagged unions; big ones (json, score, audio) hold a reference,
 * which is what lets a checkpoint or an A/B branch share them for free.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

typedef struct entry {
    char *key;
    uint64_t hash;
    cz_type type;
    union {
        int64_t i;
        double f;
        int b;
        char *s;
        json_t *j;
        cz_score *score;
        cz_audio *audio;
        struct {
            void *data;
            size_t n;
            char *mime;
        } blob;
    } v;
    uint32_t writer; /* index into cz_bus.writers: lineage */
    uint64_t seq;
} entry;

/* Writers are interned: a job has a handful, and a put should not copy
 * three strings to remember who made it. */
typedef struct writer {
    char *stage, *module, *version;
} writer;

struct cz_bus {
    entry *e;
    size_t n, cap;
    uint32_t *index; /* slot -> entry index + 1; 0 = empty */
    size_t slots;    /* power of two, > 2 * n */
    uint64_t seq;
    writer *writers;
    uint32_t n_writers, cur_writer;
};

static const char *const type_names[CZ_TYPE_COUNT] = {
    "none", "int", "float", "bool", "string", "json", "score", "audio", "blob"};

const char *cz_type_name(cz_type t)
{
    return (unsigned)t < CZ_TYPE_COUNT ? type_names[t] : "invalid";
}

cz_type cz_type_parse(const char *name)
{
    for (int t = 1; name && t < CZ_TYPE_COUNT; t++)
        if (!strcmp(name, type_names[t]))
            return (cz_type)t;
    return CZ_TYPE_NONE;
}

cz_bus *cz_bus_new(void)
{
    cz_bus *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->slots = 64;
    b->index = calloc(b->slots, sizeof *b->index);
    if (!b->index) {
        free(b);
        return NULL;
    }
    cz_bus_set_writer(b, "", "", "");
    if (!b->n_writers) {
        cz_bus_free(b);
        return NULL;
    }
    return b;
}

static void value_release(entry *e)
{
    switch (e->type) {
    case CZ_TYPE_STRING: free(e->v.s); break;
    case CZ_TYPE_JSON: json_decref(e->v.j); break;
    case CZ_TYPE_SCORE: cz_score_unref(e->v.score); break;
    case CZ_TYPE_AUDIO: cz_audio_unref(e->v.audio); break;
    case CZ_TYPE_BLOB:
        free(e->v.blob.data);
        free(e->v.blob.mime);
        break;
    default: break;
    }
    e->type = CZ_TYPE_NONE;
}

static void entry_free(entry *e)
{
    value_release(e);
    free(e->key);
}

void cz_bus_free(cz_bus *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        entry_free(&b->e[i]);
    free(b->e);
    free(b->index);
    for (uint32_t i = 0; i < b->n_writers; i++) {
        free(b->writers[i].stage);
        free(b->writers[i].module);
        free(b->writers[i].version);
    }
    free(b->writers);
    free(b);
}

void cz_bus_set_writer(cz_bus *b, const char *stage, const char *module,
                       const char *version)
{
    stage = stage ? stage : "";
    module = module ? module : "";
    version = version ? version : "";
    for (uint32_t i = 0; i < b->n_writers; i++) {
        const writer *w = &b->writers[i];
        if (!strcmp(w->stage, stage) && !strcmp(w->module, module) && !strcmp(w->version, version)) {
            b->cur_writer = i;
            return;
        }
    }
    writer *nw = realloc(b->writers, (b->n_writers + 1) * sizeof *nw);
    if (!nw)
        return; /* keep the previous writer: lineage degrades, puts still work */
    b->writers = nw;
    writer w = {cz_strdup(stage), cz_strdup(module), cz_strdup(version)};
    if (!w.stage || !w.module || !w.version) {
        free(w.stage);
        free(w.module);
        free(w.version);
        return;
    }
    b->writers[b->n_writers] = w;
    b->cur_writer = b->n_writers++;
}

static size_t find_slot(const cz_bus *b, const char *key, uint64_t h)
{
    size_t mask = b->slots - 1;
    for (size_t s = h & mask;; s = (s + 1) & mask) {
        uint32_t ix = b->index[s];
        if (!ix)
            return s;
        const entry *e = &b->e[ix - 1];
        if (e->hash == h && !strcmp(e->key, key))
            return s;
    }
}

static void reindex(cz_bus *b)
{
    memset(b->index, 0, b->slots * sizeof *b->index);
    for (size_t i = 0; i < b->n; i++)
        b->index[find_slot(b, b->e[i].key, b->e[i].hash)] = (uint32_t)i + 1;
}

static entry *lookup(const cz_bus *b, const char *key)
{
    if (!b || !key)
        return NULL;
    uint32_t ix = b->index[find_slot(b, key, cz_hash_str(0, key))];
    return ix ? &b->e[ix - 1] : NULL;
}

/* The entry to overwrite for key, creating it when new. */
static entry *slot_for_put(cz_bus *b, const char *key)
{
    if (!b || !key || !*key)
        return NULL;
    entry *e = lookup(b, key);
    if (e) {
        value_release(e);
    } else {
        if (2 * (b->n + 1) > b->slots) {
            uint32_t *ni = calloc(b->slots * 2, sizeof *ni);
            if (!ni)
                return NULL;
            free(b->index);
            b->index = ni;
            b->slots *= 2;
            reindex(b);
        }
        if (b->n == b->cap) {
            size_t nc = b->cap ? b->cap * 2 : 16;
            entry *ne = realloc(b->e, nc * sizeof *ne);
            if (!ne)
                return NULL;
            b->e = ne;
            b->cap = nc;
        }
        char *k = cz_strdup(key);
        if (!k)
            return NULL;
        e = &b->e[b->n];
        memset(e, 0, sizeof *e);
        e->key = k;
        e->hash = cz_hash_str(0, key);
        b->index[find_slot(b, key, e->hash)] = (uint32_t)++b->n;
    }
    e->writer = b->cur_writer;
    e->seq = ++b->seq;
    return e;
}

int cz_bus_put_int(cz_bus *b, const char *key, int64_t v)
{
    entry *e = slot_for_put(b, key);
    if (!e)
        return key && *key ? CZ_ENOMEM : CZ_EINVAL;
    e->type = CZ_TYPE_INT;
    e->v.i = v;
    return 0;
}

int cz_bus_put_float(cz_bus *b, const char *key, double v)
{
    entry *e = slot_for_put(b, key);
    if (!e)
        return key && *key ? CZ_ENOMEM : CZ_EINVAL;
    e->type = CZ_TYPE_FLOAT;
    e->v.f = v;
    return 0;
}

int cz_bus_put_bool(cz_bus *b, const char *key, int v)
{
    entry *e = slot_for_put(b, key);
    if (!e)
        return key && *key ? CZ_ENOMEM : CZ_EINVAL;
    e->type = CZ_TYPE_BOOL;
    e->v.b = v ? 1 : 0;
    return 0;
}

int cz_bus_put_string(cz_bus *b, const char *key, const char *v)
{
    if (!v)
        return CZ_EINVAL;
    char *copy = cz_strdup(v);
    if (!copy)
        return CZ_ENOMEM;
    entry *e = slot_for_put(b, key);
    if (!e) {
        free(copy);
        return key && *key ? CZ_ENOMEM : CZ_EINVAL;
    }
    e->type = CZ_TYPE_STRING;
    e->v.s = copy;
    return 0;
}

/* The reference-taking puts release the value on failure (see bus.h). */
#define PUT_REF(fn, T, tag, field, unref)                  \
    int fn(cz_bus *b, const char *key, T *v)               \
    {                                                      \
        if (!v)                                            \
            return CZ_EINVAL;                              \
        entry *e = slot_for_put(b, key);                   \
        if (!e) {                                          \
            unref(v);                                      \
            return key && *key ? CZ_ENOMEM : CZ_EINVAL;    \
        }                                                  \
        e->type = tag;                                     \
        e->v.field = v;                                    \
        return 0;                                          \
    }
PUT_REF(cz_bus_put_json, json_t, CZ_TYPE_JSON, j, json_decref)
PUT_REF(cz_bus_put_score, cz_score, CZ_TYPE_SCORE, score, cz_score_unref)
PUT_REF(cz_bus_put_audio, cz_audio, CZ_TYPE_AUDIO, audio, cz_audio_unref)

int cz_bus_put_blob(cz_bus *b, const char *key, const void *data, size_t n,
                    const char *mime)
{
    if (!data && n)
        return CZ_EINVAL;
    void *copy = malloc(n ? n : 1);
    char *m = cz_strdup(mime ? mime : "application/octet-stream");
    if (!copy || !m) {
        free(copy);
        free(m);
        return CZ_ENOMEM;
    }
    if (n)
        memcpy(copy, data, n);
    entry *e = slot_for_put(b, key);
    if (!e) {
        free(copy);
        free(m);
        return key && *key ? CZ_ENOMEM : CZ_EINVAL;
    }
    e->type = CZ_TYPE_BLOB;
    e->v.blob.data = copy;
    e->v.blob.n = n;
    e->v.blob.mime = m;
    return 0;
}

static const entry *get(const cz_bus *b, const char *key, cz_type t, int *rc)
{
    const entry *e = lookup(b, key);
    *rc = !e ? CZ_ENOTFOUND : e->type != t ? CZ_ETYPE : 0;
    return *rc ? NULL : e;
}

#define GET_SCALAR(fn, T, tag, expr)                                \
    int fn(const cz_bus *b, const char *key, T *out)                \
    {                                                               \
        int rc;                                                     \
        const entry *e = get(b, key, tag, &rc);                     \
        if (e && out)                                               \
            *out = expr;                                            \
        return rc;                                                  \
    }
GET_SCALAR(cz_bus_get_int, int64_t, CZ_TYPE_INT, e->v.i)
GET_SCALAR(cz_bus_get_bool, int, CZ_TYPE_BOOL, e->v.b)
GET_SCALAR(cz_bus_get_string, const char *, CZ_TYPE_STRING, e->v.s)
GET_SCALAR(cz_bus_get_json, const json_t *, CZ_TYPE_JSON, e->v.j)
GET_SCALAR(cz_bus_get_score, const cz_score *, CZ_TYPE_SCORE, e->v.score)
GET_SCALAR(cz_bus_get_audio, const cz_audio *, CZ_TYPE_AUDIO, e->v.audio)

int cz_bus_get_float(const cz_bus *b, const char *key, double *out)
{
    const entry *e = lookup(b, key);
    if (!e)
        return CZ_ENOTFOUND;
    if (e->type == CZ_TYPE_INT) {
        if (out)
            *out = (double)e->v.i;
        return 0;
    }
    if (e->type != CZ_TYPE_FLOAT)
        return CZ_ETYPE;
    if (out)
        *out = e->v.f;
    return 0;
}

int cz_bus_get_blob(const cz_bus *b, const char *key, const void **data,
                    size_t *n, const char **mime)
{
    int rc;
    const entry *e = get(b, key, CZ_TYPE_BLOB, &rc);
    if (!e)
        return rc;
    if (data)
        *data = e->v.blob.data;
    if (n)
        *n = e->v.blob.n;
    if (mime)
        *mime = e->v.blob.mime;
    return 0;
}

cz_type cz_bus_type(const cz_bus *b, const char *key)
{
    const entry *e = lookup(b, key);
    return e ? e->type : CZ_TYPE_NONE;
}

int cz_bus_lineage(const cz_bus *b, const char *key, cz_lineage *out)
{
    const entry *e = lookup(b, key);
    if (!e)
        return CZ_ENOTFOUND;
    if (out)
    {
        const writer *w = &b->writers[e->writer];
        *out = (cz_lineage){w->stage, w->module, w->version, e->seq};
    }
    return 0;
}

size_t cz_bus_count(const cz_bus *b)
{
    return b ? b->n : 0;
}

const char *cz_bus_key_at(const cz_bus *b, size_t i)
{
    return b && i < b->n ? b->e[i].key : NULL;
}

int cz_bus_remove(cz_bus *b, const char *key)
{
    entry *e = lookup(b, key);
    if (!e)
        return CZ_ENOTFOUND;
    size_t i = (size_t)(e - b->e);
    entry_free(e);
    memmove(&b->e[i], &b->e[i + 1], (b->n - i - 1) * sizeof *b->e);
    b->n--;
    reindex(b);
    return 0;
}

/* Restore a saved sequence number (bus loading only). */
void cz_bus_force_seq(cz_bus *b, const char *key, uint64_t seq)
{
    entry *e = lookup(b, key);
    if (e)
        e->seq = seq;
    if (seq > b->seq)
        b->seq = seq;
}
