/*
 * cadenza/bus.h - the typed context bus: how stages talk to each other.
 *
 * One bus per job. Keys are dotted strings ("ideation.spec",
 * "arrangement.score"); docs/bus-keys.md lists the keys the shipped modules
 * agree on. Every value has one type, and a get with another type fails
 * with CZ_ETYPE: no reinterpretation, ever.
 *
 * Ownership: puts of scalars and strings copy. Puts of JSON, score and
 * audio take over the caller's reference (so `cz_bus_put_json(bus, k,
 * json_object())` does not leak) and make the value immutable: do not
 * change it after the put. Gets borrow: the pointer is valid until that key
 * is put again or the bus is freed; take a reference (json_incref,
 * cz_score_ref, cz_audio_ref) to keep it longer.
 *
 * Lineage: every put records the stage, module and module version that
 * wrote it (the host sets the writer before each stage runs) and a sequence
 * number, so song.json can tell how every part of a song was made.
 *
 * Thread-safety: a bus belongs to one job and one thread at a time.
 */
#ifndef CADENZA_BUS_H
#define CADENZA_BUS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "audio.h"
#include "score.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cz_type {
    CZ_TYPE_NONE = 0, /* key absent */
    CZ_TYPE_INT,
    CZ_TYPE_FLOAT,
    CZ_TYPE_BOOL,
    CZ_TYPE_STRING,
    CZ_TYPE_JSON,
    CZ_TYPE_SCORE,
    CZ_TYPE_AUDIO,
    CZ_TYPE_BLOB,
    CZ_TYPE_COUNT
} cz_type;

typedef struct cz_bus cz_bus;

/* Who wrote a value. Strings are owned by the bus. */
typedef struct cz_lineage {
    const char *stage;   /* "composition", or "job" for the job's inputs */
    const char *module;  /* "composition.theory" */
    const char *version; /* "1.2.0" */
    uint64_t seq;        /* order of the put within the job, from 1 */
} cz_lineage;

/* Lower-case type name ("score") and its inverse (CZ_TYPE_NONE if unknown). */
const char *cz_type_name(cz_type t);
cz_type cz_type_parse(const char *name);

/* Puts: 0, CZ_EINVAL (NULL/empty key or value), CZ_ENOMEM. On failure the
 * put takes over (and releases) the reference anyway, so callers never leak. */
int cz_bus_put_int(cz_bus *bus, const char *key, int64_t v);
int cz_bus_put_float(cz_bus *bus, const char *key, double v);
int cz_bus_put_bool(cz_bus *bus, const char *key, int v);
int cz_bus_put_string(cz_bus *bus, const char *key, const char *v);
int cz_bus_put_json(cz_bus *bus, const char *key, json_t *v);
int cz_bus_put_score(cz_bus *bus, const char *key, cz_score *v);
int cz_bus_put_audio(cz_bus *bus, const char *key, cz_audio *v);
/* Copies n bytes; mime may be NULL ("application/octet-stream"). */
int cz_bus_put_blob(cz_bus *bus, const char *key, const void *data, size_t n,
                    const char *mime);

/* Gets: 0, CZ_ENOTFOUND (no such key), CZ_ETYPE (another type). */
int cz_bus_get_int(const cz_bus *bus, const char *key, int64_t *out);
/* Accepts an int value too: a float port may be fed an integer literal. */
int cz_bus_get_float(const cz_bus *bus, const char *key, double *out);
int cz_bus_get_bool(const cz_bus *bus, const char *key, int *out);
int cz_bus_get_string(const cz_bus *bus, const char *key, const char **out);
int cz_bus_get_json(const cz_bus *bus, const char *key, const json_t **out);
int cz_bus_get_score(const cz_bus *bus, const char *key, const cz_score **out);
int cz_bus_get_audio(const cz_bus *bus, const char *key, const cz_audio **out);
int cz_bus_get_blob(const cz_bus *bus, const char *key, const void **data,
                    size_t *n, const char **mime);

/* Type of key, CZ_TYPE_NONE when absent. */
cz_type cz_bus_type(const cz_bus *bus, const char *key);

/* Lineage of key: 0 or CZ_ENOTFOUND. */
int cz_bus_lineage(const cz_bus *bus, const char *key, cz_lineage *out);

/* Enumerate keys by index, in first-put order: for (i = 0; i <
 * cz_bus_count(b); i++) cz_bus_key_at(b, i). */
size_t cz_bus_count(const cz_bus *bus);
const char *cz_bus_key_at(const cz_bus *bus, size_t i);

/* Remove a key (for reruns that discard later results); CZ_ENOTFOUND. */
int cz_bus_remove(cz_bus *bus, const char *key);

#ifdef __cplusplus
}
#endif
#endif
