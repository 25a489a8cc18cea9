/*
 * kernel/runner.c - one job through the stages.
 *
 * The state machine is deliberately small: each stage goes pending ->
 * running -> done | failed, and after a failure the rest are skipped. The
 * kernel, not the module, records what happened: elapsed time, the module
 * and version that ran, the A/B variant and the stage's status note, into
 * `job.stages` on the bus (so finalization can write the record into
 * song.json) and into progress events (so the CLI can draw them).
 *
 * After each stage the kernel checks the stage kept its promises (every
 * declared write present, with its declared type) and releases values no
 * later stage declares it reads: a three-minute song's stems are hundreds
 * of megabytes, and the bus is the only thing holding them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "job_impl.h"

static const char *const state_names[] = {"pending", "running", "done", "failed", "skipped"};

const char *cz_stage_state_name(cz_stage_state s)
{
    return (unsigned)s <= CZ_STAGE_SKIPPED ? state_names[s] : "unknown";
}

size_t cz_variant_pick(const char *pipeline, const char *stage, const char *key,
                       const double *w, size_t n, double *bucket_out)
{
    /* Hash the triple, then mix: FNV alone is poorly distributed in its
     * high bits for short, similar keys. */
    uint64_t h = cz_hash_str(0, pipeline);
    h = cz_hash_str(h ^ 0x1f, stage);
    h = cz_hash_str(h ^ 0x2f, key);
    uint64_t x = h;
    double bucket = (double)(cz_splitmix64(&x) >> 11) * (1.0 / 9007199254740992.0);
    if (bucket_out)
        *bucket_out = bucket;
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc += w[i];
        if (bucket * total < acc)
            return i;
    }
    return n ? n - 1 : 0;
}

static void emit(const cz_job_params *p, size_t i, size_t n, const char *stage,
                 const cz_instance *in, int variant, cz_stage_state st, double ms,
                 const char *status, const char *error)
{
    if (!p->progress)
        return;
    cz_stage_event ev = {i, n, stage, in ? in->mod->desc.name : "", in ? in->mod->desc.version : "",
                         variant, st, ms, status ? status : "", error};
    p->progress(&ev, p->progress_user);
}

static json_t *stage_record(const char *stage, const cz_instance *in, int variant,
                            cz_stage_state st, double ms, const char *status)
{
    /* Built field by field: json_pack parses its format on every call, and
     * this runs for every stage of every job. */
    json_t *o = json_object();
    json_object_set_new(o, "stage", json_string(stage));
    json_object_set_new(o, "module", json_string(in ? in->mod->desc.name : ""));
    json_object_set_new(o, "version", json_string(in ? in->mod->desc.version : ""));
    json_object_set_new(o, "state", json_string(cz_stage_state_name(st)));
    json_object_set_new(o, "elapsed_ms", json_real(round(ms * 1000) / 1000));
    json_object_set_new(o, "status", json_string(status ? status : ""));
    json_object_set_new(o, "variant", variant >= 0 ? json_integer(variant) : json_null());
    return o;
}

static int reads_key(const cz_instance *in, const char *key)
{
    const cz_port *r = in->mod->desc.reads;
    for (size_t i = 0; r && r[i].key; i++)
        if (!strcmp(r[i].key, key))
            return 1;
    return 0;
}

/* Modules built before ABI 1.1 cannot know that a buffer may be spooled
 * (samples NULL, see audio.h): bring the audio they read into memory. */
static int load_for_old_module(cz_job *job, const cz_instance *in, cz_error *err)
{
    const cz_port *r = in->mod->desc.reads;
    if (in->mod->desc.abi_minor >= 1)
        return 0;
    for (size_t i = 0; r && r[i].key; i++) {
        const cz_audio *a;
        if (r[i].type != CZ_TYPE_AUDIO || cz_bus_get_audio(job->bus, r[i].key, &a))
            continue;
        int rc = cz_audio_load_all((cz_audio *)a);
        if (rc)
            return cz_err(err, rc, "cannot bring '%s' into memory for a module built "
                          "before ABI 1.1", r[i].key);
    }
    return 0;
}

/* The stage promised these writes; hold it to that. */
static int check_writes(cz_job *job, const cz_instance *in, cz_error *err)
{
    const cz_port *w = in->mod->desc.writes;
    for (size_t i = 0; w && w[i].key; i++) {
        cz_type t = cz_bus_type(job->bus, w[i].key);
        if (t == CZ_TYPE_NONE)
            return cz_err(err, CZ_EINTERNAL, "module %s declares it writes '%s' but did not write it",
                          in->mod->desc.name, w[i].key);
        if (t != w[i].type)
            return cz_err(err, CZ_EINTERNAL, "module %s wrote '%s' as %s, but declares %s",
                          in->mod->desc.name, w[i].key, cz_type_name(t), cz_type_name(w[i].type));
    }
    return 0;
}

/* Does any stage after `done` declare it reads key? */
int cz_job_key_live(const cz_job *job, const char *key, size_t done)
{
    for (size_t s = done + 1; s < job->g->n_stages; s++)
        for (size_t v = 0; v < job->g->stages[s].n_variants; v++)
            if (reads_key(&job->g->stages[s].variants[v], key))
                return 1;
    return 0;
}

/* Drop values that no stage after `done` reads (declared reads). */
static void release_dead(cz_job *job, size_t done)
{
    static const char *const keep[] = {"prompt", "seed", "job.key", "job.pipeline", "job.stages",
                                       "router.attempts", NULL};
    for (size_t k = cz_bus_count(job->bus); k-- > 0;) {
        const char *key = cz_bus_key_at(job->bus, k);
        int live = !strncmp(key, "ab.", 3);
        for (size_t i = 0; keep[i] && !live; i++)
            live = !strcmp(keep[i], key);
        if (!live && cz_bus_type(job->bus, key) >= CZ_TYPE_JSON && !cz_job_key_live(job, key, done))
            cz_bus_remove(job->bus, key);
    }
}

int cz_job_run(cz_graph *g, const cz_job_params *p, cz_job_result *res)
{
    memset(res, 0, sizeof *res);
    cz_job job = {.g = g, .cancel = p->cancel, .keep_all = p->keep_all};
    job.bus = p->bus ? p->bus : cz_bus_new();
    job.seed = p->has_seed ? p->seed : g->pipe->seed;
    const char *prompt = p->prompt ? p->prompt : "";
    if (p->key && *p->key) {
        job.key = cz_strdup(p->key);
    } else {
        uint64_t h = cz_hash_str(0, prompt) ^ (job.seed * 0x9e3779b97f4a7c15ULL);
        job.key = cz_strfmt("%016llx", (unsigned long long)h);
    }
    cz_bus_set_writer(job.bus, "job", "cadenza", CZ_VERSION);
    if (cz_bus_type(job.bus, "prompt") == CZ_TYPE_NONE || p->prompt)
        cz_bus_put_string(job.bus, "prompt", prompt);
    cz_bus_put_int(job.bus, "seed", (int64_t)job.seed);
    cz_bus_put_string(job.bus, "job.key", job.key);
    cz_bus_put_string(job.bus, "job.pipeline", g->pipe->name);
    json_t *record = json_array();
    int rc = 0;
    if (p->out_dir)
        rc = cz_job_outputs_begin(&job, p->out_dir, &res->err);
    size_t n = g->n_stages, i;
    for (i = 0; i < n && !rc; i++) {
        cz_graph_stage *s = &g->stages[i];
        double weights[64];
        size_t nv = s->n_variants < 64 ? s->n_variants : 64;
        for (size_t v = 0; v < nv; v++)
            weights[v] = s->variants[v].weight;
        double bucket = 0;
        size_t pick = nv > 1 ? cz_variant_pick(g->pipe->name, s->def->name, job.key, weights, nv, &bucket) : 0;
        const cz_instance *in = &s->variants[pick];
        int variant = s->def->is_ab ? (int)pick : -1;
        cz_bus_set_writer(job.bus, "job", "cadenza", CZ_VERSION);
        if (s->def->is_ab) {
            char key[96];
            snprintf(key, sizeof key, "ab.%s", s->def->name);
            cz_bus_put_json(job.bus, key, json_pack("{s:s,s:s,s:i,s:f,s:f}", "module", in->mod->desc.name,
                                                    "version", in->mod->desc.version, "index", (int)pick,
                                                    "weight", in->weight, "bucket", bucket));
        }
        if (reads_key(in, "job.stages")) { /* built only for stages that read it */
            json_t *now = json_deep_copy(record);
            json_array_append_new(now, stage_record(s->def->name, in, variant, CZ_STAGE_RUNNING, 0, ""));
            cz_bus_put_json(job.bus, "job.stages", now);
        }
        job.stage = s->def->name;
        job.stage_index = i;
        job.cur = in;
        job.status[0] = 0;
        cz_bus_set_writer(job.bus, s->def->name, in->mod->desc.name, in->mod->desc.version);
        emit(p, i, n, s->def->name, in, variant, CZ_STAGE_RUNNING, 0, NULL, NULL);
        cz_error err = {0};
        double t0 = cz_now_ms();
        if (cz_job_cancelled(&job))
            rc = cz_err(&err, CZ_ECANCELED, "the job was cancelled");
        else if (!(rc = load_for_old_module(&job, in, &err)))
            rc = in->mod->desc.run(in->inst, &job, &err);
        if (!rc)
            rc = check_writes(&job, in, &err);
        double ms = cz_now_ms() - t0;
        cz_stage_state st = rc ? CZ_STAGE_FAILED : CZ_STAGE_DONE;
        if (rc > 0)
            rc = CZ_EINTERNAL; /* a module returned a positive status: treat as failure */
        json_array_append_new(record, stage_record(s->def->name, in, variant, st, ms, job.status));
        if (rc) {
            /* The message is prefixed with stage and module here; drop the
             * module's own copy of its name so it is not said twice. */
            const char *msg = err.msg;
            size_t nl = strlen(in->mod->desc.name);
            if (!strncmp(msg, in->mod->desc.name, nl) && msg[nl] == ':' && msg[nl + 1] == ' ')
                memmove(err.msg, msg + nl + 2, strlen(msg + nl + 2) + 1);
            cz_err(&res->err, rc, "stage %s (%s) failed: %s", s->def->name, in->mod->desc.name,
                   err.msg[0] ? err.msg : cz_strerror(rc));
            res->failed_stage = i;
            emit(p, i, n, s->def->name, in, variant, st, ms, job.status, err.msg[0] ? err.msg : cz_strerror(rc));
        } else {
            emit(p, i, n, s->def->name, in, variant, st, ms, job.status, NULL);
            if (!p->keep_all)
                release_dead(&job, i);
        }
    }
    for (size_t k = i; k < n; k++) {
        json_array_append_new(record, stage_record(g->stages[k].def->name, NULL, -1, CZ_STAGE_SKIPPED, 0, ""));
        emit(p, k, n, g->stages[k].def->name, NULL, -1, CZ_STAGE_SKIPPED, 0, NULL, NULL);
    }
    job.stage = NULL;
    job.cur = NULL;
    cz_bus_set_writer(job.bus, "job", "cadenza", CZ_VERSION);
    cz_bus_put_json(job.bus, "job.stages", json_deep_copy(record));
    if (p->out_dir && job.staging) {
        json_t *files = json_array();
        cz_error perr = {0};
        int prc = cz_job_outputs_end(&job, rc == 0, files, &perr);
        if (!rc && prc) {
            rc = prc;
            res->err = perr;
        }
        res->files = files;
    }
    res->status = rc;
    res->stages = record;
    res->bus = p->bus ? NULL : job.bus;
    if (!res->bus && !p->bus)
        cz_bus_free(job.bus);
    json_decref(job.attempts);
    free(job.key);
    free(job.out_dir);
    free(job.staging);
    return rc;
}

void cz_job_result_free(cz_job_result *r)
{
    json_decref(r->stages);
    json_decref(r->files);
    cz_bus_free(r->bus);
    memset(r, 0, sizeof *r);
}
