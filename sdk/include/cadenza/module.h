/*
 * cadenza/module.h - the module ABI: one constant descriptor per .so.
 *
 * A module is a shared object that exports exactly one symbol,
 * CZ_ENTRY_SYMBOL ("cadenza_module_v1"), a constant cz_module_desc written
 * with the CZ_MODULE() macro. The symbol name never depends on the file
 * name, so renaming a file never changes whether it is a module.
 *
 *     CZ_MODULE(.name = "mixing.console", .version = "1.0.0",
 *               .kind = CZ_KIND_STAGE, .summary = "Mixes stems",
 *               .reads = reads, .writes = writes, .options = options,
 *               .init = console_init, .run = console_run,
 *               .fini = console_fini);
 *
 * Versioning. The descriptor starts with its own size and the ABI
 * major/minor the module was compiled against, and the host reads those
 * before anything else: a different major is refused, a minor newer than
 * the host's is refused (the module may rely on calls the host lacks), an
 * older minor is accepted. Kind-specific vtables (provider.h, dsp.h) start
 * with their own size and version, and the host only makes calls the
 * module's vtable version has.
 *
 * Lifecycle, per instance (never per process):
 *
 *     init(args) -> instance      once per use in a pipeline; an A/B variant
 *                                 or a hot reload makes a second instance of
 *                                 the same module that lives beside the first
 *     run(instance, job)          stage kind: zero or more times, one job at
 *                                 a time per call, possibly from several
 *                                 threads at once for different jobs
 *     fini(instance)              once, after the last run has returned
 *
 * Contract (the host's hot reload depends on it; `cadenza conform` checks
 * it): no global mutable state, no atexit(), no thread that outlives fini,
 * no output to stdout/stderr (use log.h), no randomness but rng.h.
 */
#ifndef CADENZA_MODULE_H
#define CADENZA_MODULE_H

#include <stdint.h>
#include <jansson.h>

#include "bus.h"
#include "error.h"
#include "job.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CZ_ABI_MAJOR 1u
/* Minor versions add without breaking: 1.1 added spooled audio (audio.h);
 * the host loads audio in full for stages built against 1.0. 1.2 added
 * cz_audio_publish, cz_audio_recycle, cz_audio_prefault, cz_level and
 * CZ_ENOTSUP. A
 * module built against a newer minor than the host's is refused. */
#define CZ_ABI_MINOR 2u
#define CZ_ENTRY_SYMBOL "cadenza_module_v1"

typedef enum cz_kind {
    CZ_KIND_NONE = 0,
    CZ_KIND_STAGE,     /* one step of a pipeline: reads and writes the bus */
    CZ_KIND_PROVIDER,  /* answers requests: vtable cz_provider_vtable */
    CZ_KIND_ROUTER,    /* chooses providers: vtable cz_router_vtable */
    CZ_KIND_STORAGE,   /* keeps jobs, checkpoints, blobs */
    CZ_KIND_TRANSPORT, /* brings jobs in and events out (HTTP, webhooks) */
    CZ_KIND_DSP,       /* in-place audio block: vtable cz_dsp_vtable */
    CZ_KIND_COUNT
} cz_kind;

/* ---- ports: what a stage reads from and writes to the bus ------------- */

#define CZ_PORT_REQUIRED 0x1u /* a read the stage cannot run without */

typedef struct cz_port {
    const char *key;  /* bus key, "composition.score" */
    cz_type type;     /* the value's type; the host checks producers match */
    uint32_t flags;   /* CZ_PORT_* */
    const char *doc;  /* one line for `cadenza inspect` */
} cz_port;

/* Port list entries; end a list with CZ_PORTS_END. */
#define CZ_READ(k, t, d) {.key = (k), .type = (t), .flags = CZ_PORT_REQUIRED, .doc = (d)}
#define CZ_READ_OPTIONAL(k, t, d) {.key = (k), .type = (t), .flags = 0, .doc = (d)}
#define CZ_WRITE(k, t, d) {.key = (k), .type = (t), .flags = 0, .doc = (d)}
#define CZ_PORTS_END {.key = 0}

/* ---- options: the schema the host validates `with:` blocks against ---- */

typedef enum cz_opt_type {
    CZ_OPT_NONE = 0,
    CZ_OPT_INT,       /* integer; optional inclusive range */
    CZ_OPT_FLOAT,     /* number; optional inclusive range */
    CZ_OPT_BOOL,      /* true/false */
    CZ_OPT_STRING,    /* any string */
    CZ_OPT_ENUM,      /* one of `choices` */
    CZ_OPT_LIST,      /* list of strings */
    CZ_OPT_PROVIDERS, /* list of provider names declared in the pipeline */
    CZ_OPT_JSON,      /* any YAML value, handed over as JSON; the module
                         validates its shape in init and names the option */
    CZ_OPT_COUNT
} cz_opt_type;

#define CZ_OPT_RANGED 0x1u   /* min/max apply */
#define CZ_OPT_SECRET 0x2u   /* never printed by inspect, logs or records */
#define CZ_OPT_ENV 0x4u      /* STRING naming an environment variable that
                                must be set when the value is not empty
                                (api_key_env); checked by `validate`, and
                                messages name the variable, never its value */
#define CZ_OPT_URL 0x8u      /* STRING that must be an http:// or https://
                                URL when not empty (base_url) */

typedef struct cz_option {
    const char *name;   /* [a-z0-9_]+ */
    cz_opt_type type;
    const char *def;    /* default, written as in YAML: "0.5", "true",
                           "[a, b]", "{}"; NULL for an empty/absent value
                           (0, false, "", [] or null by type) */
    const char *doc;    /* one line, shown by `cadenza inspect` */
    uint32_t flags;     /* CZ_OPT_* */
    double min, max;    /* inclusive, when CZ_OPT_RANGED */
    const char *const *choices; /* CZ_OPT_ENUM: NULL-terminated */
} cz_option;

#define CZ_OPTION_INT(n, d, lo, hi, doc_) \
    {.name = (n), .type = CZ_OPT_INT, .def = (d), .doc = (doc_), \
     .flags = CZ_OPT_RANGED, .min = (lo), .max = (hi)}
#define CZ_OPTION_FLOAT(n, d, lo, hi, doc_) \
    {.name = (n), .type = CZ_OPT_FLOAT, .def = (d), .doc = (doc_), \
     .flags = CZ_OPT_RANGED, .min = (lo), .max = (hi)}
#define CZ_OPTION_BOOL(n, d, doc_) \
    {.name = (n), .type = CZ_OPT_BOOL, .def = (d), .doc = (doc_)}
#define CZ_OPTION_STRING(n, d, doc_) \
    {.name = (n), .type = CZ_OPT_STRING, .def = (d), .doc = (doc_)}
#define CZ_OPTION_ENUM(n, d, doc_, ...) \
    {.name = (n), .type = CZ_OPT_ENUM, .def = (d), .doc = (doc_), \
     .choices = (const char *const[]){__VA_ARGS__, 0}}
#define CZ_OPTION_LIST(n, d, doc_) \
    {.name = (n), .type = CZ_OPT_LIST, .def = (d), .doc = (doc_)}
#define CZ_OPTION_PROVIDERS(n, doc_) \
    {.name = (n), .type = CZ_OPT_PROVIDERS, .def = 0, .doc = (doc_)}
#define CZ_OPTION_JSON(n, d, doc_) \
    {.name = (n), .type = CZ_OPT_JSON, .def = (d), .doc = (doc_)}
#define CZ_OPTIONS_END {.name = 0}

/* Option values inside init. The host has validated them and filled in
 * every default, so each accessor finds its option with its type; a misspelt
 * name returns the zero value. Borrowed, valid until fini. */
static inline int64_t cz_opt_int(const json_t *o, const char *name)
{
    return json_integer_value(json_object_get(o, name));
}
static inline double cz_opt_float(const json_t *o, const char *name)
{
    return json_number_value(json_object_get(o, name));
}
static inline int cz_opt_bool(const json_t *o, const char *name)
{
    return json_is_true(json_object_get(o, name));
}
/* STRING and ENUM; "" when unset. */
static inline const char *cz_opt_str(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));
    return s ? s : "";
}
/* LIST, PROVIDERS and JSON: the JSON value itself. */
static inline const json_t *cz_opt_json(const json_t *o, const char *name)
{
    return json_object_get(o, name);
}

/* ---- the descriptor -------------------------------------------------- */

typedef struct cz_env cz_env;

/* What init gets. */
typedef struct cz_init {
    uint32_t size;           /* sizeof(cz_init) as the host saw it */
    const char *instance;    /* the stage or provider name this instance
                                serves ("mixing", "openai") */
    const json_t *options;   /* validated, defaults filled; borrowed */
    cz_env *env;             /* for cz_dsp_open() and friends */
} cz_init;

typedef struct cz_module_desc {
    /* Read first, before anything else, and checked. */
    uint32_t size;       /* sizeof(cz_module_desc) at build time */
    uint16_t abi_major;  /* CZ_ABI_MAJOR at build time */
    uint16_t abi_minor;  /* CZ_ABI_MINOR at build time */

    const char *name;    /* "group.impl": [a-z0-9_]+(\.[a-z0-9_]+)+ */
    const char *version; /* semantic version "MAJOR.MINOR.PATCH" */
    cz_kind kind;
    const char *summary; /* one line */

    const cz_port *reads;     /* CZ_PORTS_END-terminated, or NULL */
    const cz_port *writes;    /* CZ_PORTS_END-terminated, or NULL */
    const cz_option *options; /* CZ_OPTIONS_END-terminated, or NULL */

    /* Create an instance. Main thread, before any run. Validate option
     * combinations here (the host checked each alone) and fail with a
     * message naming the option. *instance may stay NULL for stateless
     * modules. On failure, free everything: fini is not called. */
    int (*init)(const cz_init *args, void **instance, cz_error *err);

    /* Stage kind: do the stage's work for one job. Read with cz_bus_get_*,
     * write every declared write with cz_bus_put_*, return 0; or return a
     * negative code with a message that says what went wrong. Must not
     * crash on missing or malformed input: `cadenza conform` feeds it an
     * empty bus. NULL for other kinds. */
    int (*run)(void *instance, cz_job *job, cz_error *err);

    /* Release the instance. Main thread, after the last run returned. */
    void (*fini)(void *instance);

    /* Kind-specific method table (cz_provider_vtable, cz_router_vtable,
     * cz_dsp_vtable, ...), starting with its own size and version. */
    const void *vtable;

    /* Stage kind: capabilities it asks the router for ("audio"),
     * NULL-terminated, or NULL. When the pipeline has a router, `validate`
     * refuses it if it can reach no provider for one of them. A trailing
     * '?' ("chat?") marks a request the stage can do without (it falls
     * back on its own): validate then only warns. */
    const char *const *requests;
} cz_module_desc;

#if defined(__GNUC__)
#define CZ_EXPORT __attribute__((visibility("default")))
#else
#define CZ_EXPORT
#endif

/* Define the module's descriptor under the entry symbol. The size and ABI
 * fields are filled here, from the headers the module was compiled with. */
#define CZ_MODULE(...) \
    CZ_EXPORT extern const cz_module_desc cadenza_module_v1; \
    const cz_module_desc cadenza_module_v1 = { \
        .size = sizeof(cz_module_desc), .abi_major = CZ_ABI_MAJOR, \
        .abi_minor = CZ_ABI_MINOR, __VA_ARGS__}

#ifdef __cplusplus
}
#endif
#endif
