/*
 * kernel/kernel.h - the kernel's internal interfaces (never installed).
 *
 * The kernel is a handful of small parts that know nothing about music:
 *
 *   diag.c      collects errors with file:line:col, so validate reports all
 *   yamltree.c  libyaml -> JSON values plus the source mark of every node
 *   loader.c    dlopen a module, check its ABI and descriptor
 *   options.c   option schemas: parse defaults, validate values, fill in
 *   registry.c  the module index: read and resolve (built by cli/)
 *   pipeline.c  pipeline YAML -> a checked model; --set overrides
 *   check.c     static port check: every read has an earlier writer
 *   graph.c     a loaded pipeline: module instances ready to run jobs
 *   runner.c    one job through the stages; states, variants, staging
 *   job.c       the cz_job_* calls a stage makes; outputs; providers
 *   bus.c, log.c                         the bus, logging
 *
 * The command line (cli/: commands, registry building, conform) and
 * runtime/ (the host side of the SDK: score and audio types, bus
 * persistence, HTTP, provider retries) are built on this and are not part
 * of it.
 */
#ifndef CZ_KERNEL_H
#define CZ_KERNEL_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include <cadenza/cadenza.h>

#ifndef CZ_VERSION
#define CZ_VERSION "0.0.0"
#endif

/* ---- diagnostics --------------------------------------------------------- */

typedef struct cz_mark {
    const char *file; /* borrowed: lives as long as the owner of the mark */
    int line, col;    /* 1-based; 0 when unknown */
} cz_mark;

typedef struct cz_diags {
    char **msgs;
    size_t n, cap;
} cz_diags;

void cz_diag_add(cz_diags *d, cz_mark m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cz_diag_print(const cz_diags *d, FILE *f);
void cz_diag_free(cz_diags *d);
/* First message or "", for callers that report one error. */
const char *cz_diag_first(const cz_diags *d);

/* ---- YAML tree ------------------------------------------------------------ */

/* A YAML document converted to JSON, with the mark of every node kept in a
 * side table keyed by the json_t pointer. Mapping keys' marks are kept as
 * the key node's mark under (object, key). */
typedef struct cz_ytree cz_ytree;

/* Parse a file; on a syntax error fills d and returns NULL. */
cz_ytree *cz_ytree_load(const char *path, cz_diags *d);
/* Parse text (for --set values and option defaults); NULL on error. */
json_t *cz_yaml_scalar_or_flow(const char *text, char *why, size_t why_size);
json_t *cz_ytree_root(const cz_ytree *t);
cz_mark cz_ytree_mark(const cz_ytree *t, const json_t *node);
cz_mark cz_ytree_key_mark(const cz_ytree *t, const json_t *obj,
                          const char *key);
const char *cz_ytree_file(const cz_ytree *t);
void cz_ytree_free(cz_ytree *t);

/* ---- loader ------------------------------------------------------------------ */

typedef struct cz_module {
    char *path;
    void *dl;
    cz_module_desc desc; /* copied, zero-extended to the kernel's size */
    int refs;
} cz_module;

/* Load and check one module file. Refuses with err naming the file. */
int cz_module_load(const char *path, cz_module **out, cz_error *err);
void cz_module_ref(cz_module *m);
void cz_module_unref(cz_module *m);
/* Check a descriptor (also used on in-memory descriptors by tests). */
int cz_desc_check(const cz_module_desc *d, cz_error *err);
const char *cz_kind_name(cz_kind k);
cz_kind cz_kind_parse(const char *s);

/* ---- options ---------------------------------------------------------------- */

const char *cz_opt_type_name(cz_opt_type t);
/* Convert and check one value against an option; why gets the reason. */
int cz_option_check(const cz_option *o, json_t **value, char *why,
                    size_t why_size);
/* The option's default as JSON (new reference), NULL + why when invalid. */
json_t *cz_option_default(const cz_option *o, char *why, size_t why_size);
const cz_option *cz_option_find(const cz_option *schema, const char *name);
/* Validate `given` (object or NULL) against schema and return the full
 * option object (defaults filled). Each problem goes to d at the mark
 * that `where` gives for the option name (may be NULL). `owner` names the
 * module for messages. Returns NULL when anything was wrong. */
typedef cz_mark (*cz_mark_fn)(const void *ctx, const char *option, int value);
json_t *cz_options_resolve(const cz_module_desc *desc, const json_t *given,
                           cz_mark_fn where, const void *ctx, cz_diags *d);

/* ---- registry ---------------------------------------------------------------- */

typedef struct cz_registry cz_registry;

/* Path of the index: $CADENZA_REGISTRY, else <exe dir>/../registry/index.json. */
const char *cz_registry_default_path(void);
/* Read the index; CZ_ENOTFOUND with a "run cadenza registry build" hint. */
int cz_registry_open(const char *index_path, cz_registry **out, cz_error *err);
void cz_registry_free(cz_registry *r);
size_t cz_registry_count(const cz_registry *r);
const json_t *cz_registry_entry_at(const cz_registry *r, size_t i);
const json_t *cz_registry_find(const cz_registry *r, const char *name);
/* Find, check freshness, load (cached: each name is loaded once). */
int cz_registry_load(cz_registry *r, const char *name, cz_module **out,
                     cz_error *err);
/* Scan folders (each module in a child process) and write the index.
 * Problems are printed to `report`; returns the number of modules
 * indexed, or a negative code. */
int cz_registry_build(const char *index_path, char *const *dirs, size_t n,
                      FILE *report, cz_error *err);
/* Describe a descriptor as the JSON the index stores (no path/hash). */
json_t *cz_desc_to_json(const cz_module_desc *d);
int cz_sha256_file(const char *path, char hex[65]);

/* ---- pipeline ------------------------------------------------------------------ */

typedef struct cz_use {
    char *module;       /* module name as written */
    cz_mark mark;       /* of the module name */
    json_t *with;       /* the `with:` mapping as written (object) */
    double weight;      /* variants only */
    cz_mark weight_mark;
    json_t *set_by;     /* option -> the --set text that overrode it */
} cz_use;

typedef struct cz_stage_def {
    char *name;
    cz_mark mark;
    cz_use *variants;   /* one entry for `module:`, several for variants */
    size_t n_variants;
    int is_ab;          /* written with `variants:` */
} cz_stage_def;

typedef struct cz_provider_def {
    char *name;
    cz_mark mark;
    cz_use use;
} cz_provider_def;

typedef struct cz_pipeline {
    cz_ytree *tree;
    char *file;
    char *name;
    uint64_t seed;
    cz_stage_def *stages;
    size_t n_stages;
    cz_provider_def *providers;
    size_t n_providers;
    cz_use *router;     /* NULL when absent */
    cz_use *storage;    /* NULL when absent */
    json_t *inputs;     /* key -> type name: what the caller puts on the bus */
} cz_pipeline;

/* Where an option of a use was written (for cz_options_resolve). */
typedef struct cz_use_ctx {
    const cz_pipeline *pipe;
    const cz_use *use;
} cz_use_ctx;
cz_mark cz_use_option_mark(const void *use_ctx, const char *option, int value);

/* Parse and shape-check a pipeline file. All problems go to d. */
cz_pipeline *cz_pipeline_load(const char *path, cz_diags *d);
/* Apply one "--set target.option=value" (target: a stage name, router,
 * storage, or providers.NAME). */
int cz_pipeline_set(cz_pipeline *p, const char *assignment, cz_diags *d);
void cz_pipeline_free(cz_pipeline *p);

/* ---- graph: a pipeline with its modules loaded and instantiated ---------- */

typedef struct cz_instance {
    cz_module *mod;
    void *inst;
    json_t *options;    /* resolved */
    char *label;
    double weight;
} cz_instance;

typedef struct cz_graph_stage {
    const cz_stage_def *def;
    cz_instance *variants;
    size_t n_variants;
} cz_graph_stage;

typedef struct cz_env cz_env;

typedef struct cz_graph {
    cz_pipeline *pipe;     /* owned */
    cz_registry *reg;      /* borrowed */
    cz_env *env;
    cz_graph_stage *stages;
    size_t n_stages;
    cz_instance *providers;
    size_t n_providers;
    cz_instance *router;   /* NULL when absent */
    int instantiated;
} cz_graph;

/* Resolve every module, resolve every option and run the static checks
 * (with `inputs` as for cz_graph_check_ports); all problems go to d. With instantiate, also call every init. Takes
 * ownership of p in every case. */
cz_graph *cz_graph_build(cz_pipeline *p, cz_registry *reg, int instantiate,
                         const cz_bus *inputs, cz_diags *d);
void cz_graph_free(cz_graph *g);
/* Call in->mod's init with in->options (nothing to do without one); on
 * failure in->inst stays NULL and err names label and module. */
int cz_instance_init(cz_instance *in, cz_env *env, cz_error *err);
/* One stage running `mod` (taken over) with options `given` (NULL:
 * defaults), instantiated; for the test harness and `cadenza conform`
 * (cli/single_graph.c, outside the kernel). */
cz_graph *cz_graph_single(cz_module *mod, const json_t *given, cz_registry *reg, cz_error *err);
/* The static port check (check.c). Keys already on `inputs` (may be NULL)
 * count as written by the job. */
void cz_graph_check_ports(const cz_graph *g, const cz_bus *inputs, cz_diags *d);

/* ---- env: what modules may ask of the host outside a job ------------------- */

cz_env *cz_env_new(cz_registry *reg);
/* cz_dsp_open for an already loaded module (taken over). */
int cz_dsp_open_module(cz_env *env, cz_module *mod, const json_t *options, cz_dsp **out,
                       cz_error *err);
void cz_env_free(cz_env *e);

/* ---- runner -------------------------------------------------------------------- */

typedef enum cz_stage_state {
    CZ_STAGE_PENDING = 0,
    CZ_STAGE_RUNNING,
    CZ_STAGE_DONE,
    CZ_STAGE_FAILED,
    CZ_STAGE_SKIPPED
} cz_stage_state;

const char *cz_stage_state_name(cz_stage_state s);

typedef struct cz_stage_event {
    size_t index, count;
    const char *stage;
    const char *module;
    const char *version;
    int variant;          /* -1 when the stage has no variants */
    cz_stage_state state;
    double elapsed_ms;
    const char *status;   /* the stage's last cz_job_status note, or "" */
    const char *error;    /* on failure */
} cz_stage_event;

typedef void (*cz_progress_fn)(const cz_stage_event *ev, void *user);

typedef struct cz_job_params {
    const char *prompt;     /* NULL: "" */
    uint64_t seed;
    int has_seed;           /* else the pipeline's seed */
    const char *key;        /* NULL: derived from prompt and seed */
    const char *out_dir;    /* NULL: no output files */
    cz_progress_fn progress;
    void *progress_user;
    cz_bus *bus;            /* NULL: a fresh bus; else run on this one
                               (the caller keeps ownership) */
    int keep_all;           /* keep values no later stage reads (tests,
                               checkpoints); else they are released early */
    const volatile int *cancel; /* non-zero asks the job to stop */
} cz_job_params;

typedef struct cz_job_result {
    int status;             /* 0 or the failing stage's code */
    size_t failed_stage;    /* index, when status != 0 */
    cz_error err;           /* "stage NAME (module): message" */
    json_t *stages;         /* the job.stages record (owned) */
    json_t *files;          /* published output files, relative (owned) */
    cz_bus *bus;            /* the bus after the job (owned by caller) */
} cz_job_result;

int cz_job_run(cz_graph *g, const cz_job_params *p, cz_job_result *res);
void cz_job_result_free(cz_job_result *r);
/* Which variant a stage picks for a job key (deterministic by weight). */
size_t cz_variant_pick(const char *pipeline, const char *stage,
                       const char *key, const double *weights, size_t n,
                       double *bucket);

/* ---- bus internals --------------------------------------------------------------- */

cz_bus *cz_bus_new(void);
void cz_bus_free(cz_bus *b);
/* Lineage applied to following puts (strings copied). */
void cz_bus_set_writer(cz_bus *b, const char *stage, const char *module,
                       const char *version);
int cz_bus_save(const cz_bus *b, const char *dir, cz_error *err);
int cz_bus_load(const char *dir, cz_bus **out, cz_error *err);
void cz_bus_force_seq(cz_bus *b, const char *key, uint64_t seq);

/* ---- logging --------------------------------------------------------------------- */

typedef enum { CZ_LOGFMT_TEXT = 0, CZ_LOGFMT_JSON = 1 } cz_log_format;
void cz_log_configure(cz_log_level max, cz_log_format fmt, FILE *sink);

/* ---- small helpers (util.c) ---------------------------------------------------- */

char *cz_strdup(const char *s);
char *cz_strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double cz_now_ms(void);
int cz_mkdirs(const char *path, cz_error *err);
int cz_rmtree(const char *path);
int cz_valid_module_name(const char *s);

/* ---- CLI ------------------------------------------------------------------------- */

int cz_cli_main(int argc, char **argv);
void cz_progress_print(const cz_stage_event *ev, void *user);

#endif
