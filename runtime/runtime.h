/*
 * runtime/runtime.h - shared by the host-side implementations of the
 * SDK's data types (score.c, audio.c, score_json.c).
 */
#ifndef CZ_RUNTIME_H
#define CZ_RUNTIME_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include <cadenza/cadenza.h>

/* Grow *p (of *cap elements of size elem) to hold at least need. */
static inline int cz_grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    uint32_t nc = *cap ? *cap : 8;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, (size_t)nc * elem);
    if (!np)
        return CZ_ENOMEM;
    *p = np;
    *cap = nc;
    return 0;
}


/* An unsigned integer field of o in [0, max]; -1 when absent or out of range. */
static inline int cz_json_uint(const json_t *o, const char *k, uint64_t max, uint64_t *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}


/* Copy a name into a fixed field, truncating. */
static inline void cz_copy_name(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* Scores as JSON (bus checkpoints, song records); from_json validates
 * everything, as its input may come from disk. */
json_t *cz_score_to_json(const cz_score *s);
cz_score *cz_score_from_json(const json_t *j, cz_error *err);

#endif
