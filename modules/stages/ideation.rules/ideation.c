/*
 * ideation.c - the ideation.rules stage: descriptor, options, run.
 *
 * Reads `prompt`, writes `ideation.spec` and `ideation.trace` (shapes in
 * docs/bus-keys.md), and spec.json (the spec with the trace under "trace"
 * and the router's attempts under "router") when the job has an output
 * folder. With a router in the pipeline (and option llm: auto) it asks for
 * one "chat" answer that proposes spec fields (llm.c). See ideation.h for
 * the four steps and docs/ideation.md for the vocabulary and the rules.
 *
 * The instance holds only the validated options; run() keeps all its state
 * on the stack and the heap of one call, so several jobs may run at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ideation.h"

static const cz_port reads[] = {
    CZ_READ("prompt", CZ_TYPE_STRING, "the user's prompt (may be empty)"),
    CZ_READ_OPTIONAL("router.attempts", CZ_TYPE_JSON,
                     "the router's records of the chat request, copied into spec.json"),
    CZ_PORTS_END,
};

static const cz_port writes[] = {
    CZ_WRITE("ideation.spec", CZ_TYPE_JSON, "the song spec every later stage reads"),
    CZ_WRITE("ideation.trace", CZ_TYPE_JSON, "how each field was decided, step by step"),
    CZ_PORTS_END,
};

static const cz_option options[] = {
    CZ_OPTION_BOOL("enhance", "true",
                   "infer what the prompt does not say from genre, mood and use; false "
                   "keeps only what it states and fills neutral defaults"),
    CZ_OPTION_INT("default_duration_s", "0", 0, 1200,
                  "length for prompts that state none; 0 = from genre and use "
                  "(120 s when enhance is false)"),
    CZ_OPTION_INT("min_duration_s", "10", 10, 1200,
                  "shortest song a prompt may ask for; shorter requests are clamped"),
    CZ_OPTION_INT("max_duration_s", "1200", 10, 1200,
                  "longest song a prompt may ask for; longer requests are clamped"),
    CZ_OPTION_ENUM("default_genre", "auto",
                   "genre when nothing in the prompt points to one; auto = drawn from the seed",
                   "auto", "pop", "rock", "metal", "country", "folk", "blues", "jazz", "funk",
                   "reggae", "synthwave", "lofi", "hiphop", "trap", "house", "techno",
                   "trance", "edm", "dnb", "dubstep", "ambient", "cinematic", "classical",
                   "latin", "rnb", "disco", "chiptune", "electronic"),
    CZ_OPTION_INT("max_prompt_bytes", "65536", 256, 1048576,
                  "bytes of the prompt that are read (cut on a character boundary)"),
    CZ_OPTION_BOOL("write_spec_file", "true",
                   "write spec.json (spec, trace, router attempts) when the job has an output folder"),
    CZ_OPTION_ENUM("llm", "auto",
                   "auto: ask the pipeline's router for a chat answer that proposes spec "
                   "fields, when the pipeline has a router; off: never ask",
                   "auto", "off"),
    CZ_OPTION_INT("llm_max_tokens", "600", 64, 16384,
                  "max_tokens of the chat request (the answer is one small JSON object)"),
    CZ_OPTION_JSON("model_proposal", NULL,
                   "a JSON object of spec fields merged as if a model proposed them "
                   "(prompt wins over model wins over rules); replays a model's answer "
                   "offline, and no request is sent when it is set"),
    CZ_OPTIONS_END,
};

static void opts_free(id_opts *o)
{
    if (o) {
        json_decref(o->model_proposal);
        free(o->llm_system);
        free(o);
    }
}

static int ideation_init(const cz_init *args, void **instance, cz_error *err)
{
    const json_t *op = args->options;
    id_opts *o = calloc(1, sizeof *o);
    if (!o)
        return cz_err(err, CZ_ENOMEM, "ideation.rules: out of memory");
    o->enhance = cz_opt_bool(op, "enhance");
    o->default_duration_s = (int)cz_opt_int(op, "default_duration_s");
    o->min_duration_s = (int)cz_opt_int(op, "min_duration_s");
    o->max_duration_s = (int)cz_opt_int(op, "max_duration_s");
    o->max_prompt_bytes = (size_t)cz_opt_int(op, "max_prompt_bytes");
    o->write_spec_file = cz_opt_bool(op, "write_spec_file");
    const char *g = cz_opt_str(op, "default_genre");
    o->default_genre = (!g[0] || !strcmp(g, "auto")) ? -1 : id_genre_find(g);
    /* defaults the host did not fill (a host older than the schema) */
    if (o->max_duration_s <= 0)
        o->max_duration_s = 1200;
    if (o->min_duration_s <= 0)
        o->min_duration_s = 10;
    if (o->max_prompt_bytes == 0)
        o->max_prompt_bytes = 65536;
    if (o->min_duration_s > o->max_duration_s) {
        int lo = o->min_duration_s, hi = o->max_duration_s;
        opts_free(o);
        return cz_err(err, CZ_EINVAL,
                      "ideation.rules: option min_duration_s (%d) is above max_duration_s (%d)",
                      lo, hi);
    }
    if (o->default_duration_s > 0 && (o->default_duration_s < o->min_duration_s ||
                                      o->default_duration_s > o->max_duration_s)) {
        int d = o->default_duration_s;
        opts_free(o);
        return cz_err(err, CZ_EINVAL,
                      "ideation.rules: option default_duration_s (%d) is outside "
                      "min_duration_s..max_duration_s",
                      d);
    }
    const json_t *mp = cz_opt_json(op, "model_proposal");
    if (mp && !json_is_null(mp)) {
        if (!json_is_object(mp)) {
            opts_free(o);
            return cz_err(err, CZ_EINVAL,
                          "ideation.rules: option model_proposal must be a JSON object of "
                          "spec fields");
        }
        o->model_proposal = json_deep_copy(mp);
        if (!o->model_proposal) {
            opts_free(o);
            return cz_err(err, CZ_ENOMEM, "ideation.rules: out of memory");
        }
    }
    o->llm = strcmp(cz_opt_str(op, "llm"), "off") ? ID_LLM_AUTO : ID_LLM_OFF;
    o->llm_max_tokens = (int)cz_opt_int(op, "llm_max_tokens");
    if (o->llm_max_tokens <= 0)
        o->llm_max_tokens = 600;
    if (o->llm == ID_LLM_AUTO && !(o->llm_system = id_llm_system())) {
        opts_free(o);
        return cz_err(err, CZ_ENOMEM, "ideation.rules: out of memory");
    }
    *instance = o;
    return 0;
}

static void ideation_fini(void *instance)
{
    opts_free(instance);
}

/* spec.json: the spec, the trace under "trace" and the router's attempts
 * under "router" ([] when nothing was asked). Attempt records carry no
 * secrets: the router toolkit scrubs them before they reach the bus. */
static int write_spec_file(cz_job *job, const json_t *spec, const json_t *trace,
                           cz_error *err)
{
    char path[4096];
    int rc = cz_job_output_path(job, "spec.json", path, sizeof path, err);
    if (rc)
        return rc;
    json_t *doc = json_deep_copy(spec);
    if (!doc)
        return cz_err(err, CZ_ENOMEM, "ideation.rules: out of memory writing spec.json");
    json_object_set(doc, "trace", (json_t *)trace);
    const json_t *att = NULL;
    if (cz_bus_get_json(cz_job_bus(job), "router.attempts", &att) || !json_is_array(att))
        att = NULL;
    json_object_set_new(doc, "router", att ? json_deep_copy(att) : json_array());
    rc = json_dump_file(doc, path, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(doc);
    if (rc)
        return cz_err(err, CZ_EIO, "ideation.rules: cannot write %s", path);
    return 0;
}

static void trace_input(const id_text *t, size_t len, id_trace *tr, const id_opts *o)
{
    if (t->src_len < len)
        id_trace_add(tr, "prompt", ID_SRC_DEFAULT, json_integer((json_int_t)t->src_len),
                     "the prompt has %zu bytes; only the first %zu are read "
                     "(max_prompt_bytes)",
                     len, t->src_len);
    if (t->invalid)
        id_trace_add(tr, "prompt", ID_SRC_DEFAULT, json_integer((json_int_t)t->invalid),
                     "%zu bytes of the prompt are not valid UTF-8: read as spaces, and "
                     "shown as U+FFFD in the spec",
                     t->invalid);
    if (t->emoji)
        id_trace_add(tr, "prompt", ID_SRC_PROMPT, json_integer((json_int_t)t->emoji),
                     "read %zu emoji as words (a piano emoji means piano)", t->emoji);
    if (!o->enhance)
        id_trace_add(tr, "enhance", ID_SRC_DEFAULT, json_false(),
                     "enhance is off: only what the prompt states is kept, the rest gets "
                     "neutral defaults");
}

/* Step 2: the model's proposal, replayed from model_proposal or asked of
 * the router (option llm), when enhance is on. */
static int model_step(cz_job *job, const char *prompt, size_t plen, const id_opts *o,
                      id_facts *f, const id_text *t, id_trace *tr, id_llm_result *lr,
                      cz_error *err)
{
    int router = o->llm == ID_LLM_AUTO && cz_job_has_router(job);
    if (!o->model_proposal && !router) {
        if (o->llm == ID_LLM_OFF && cz_job_has_router(job))
            id_trace_add(tr, "model", ID_SRC_RULES, NULL,
                         "llm is off: no language model was asked, the rules decide");
        return 0;
    }
    if (!o->enhance) {
        id_trace_add(tr, "model", ID_SRC_DEFAULT, NULL,
                     o->model_proposal ? "enhance is off: the model's proposal is not used"
                                       : "enhance is off: no language model was asked");
        return 0;
    }
    if (o->model_proposal) {
        if (router)
            id_trace_add(tr, "model", ID_SRC_MODEL, NULL,
                         "model_proposal is set: it is replayed instead of asking the router");
        id_merge_model(f, o->model_proposal, tr);
        return 0;
    }
    if (t->n == 0) {
        id_trace_add(tr, "model", ID_SRC_RULES, NULL,
                     "the prompt has no words to enrich: no language model was asked");
        return 0;
    }
    char *clean = id_utf8_clean(prompt, plen);
    if (!clean)
        return cz_err(err, CZ_ENOMEM, "ideation.rules: out of memory");
    int rc = id_llm_enrich(job, clean, o, f, tr, lr, err);
    free(clean);
    return rc;
}

static int ideation_run(void *instance, cz_job *job, cz_error *err)
{
    const id_opts *o = instance;
    cz_bus *bus = cz_job_bus(job);
    const char *prompt = NULL;
    int rc = cz_bus_get_string(bus, "prompt", &prompt);
    if (rc == CZ_ENOTFOUND)
        return cz_err(err, CZ_ENOTFOUND,
                      "ideation.rules: the bus has no 'prompt' (string); the host puts it "
                      "there before the first stage");
    if (rc)
        return cz_err(err, rc, "ideation.rules: bus key 'prompt' is not a string (%s)",
                      cz_strerror(rc));
    if (!prompt)
        prompt = "";
    size_t len = strlen(prompt);
    size_t plen = len > o->max_prompt_bytes ? id_utf8_prefix(prompt, len, o->max_prompt_bytes)
                                            : len;
    uint64_t seed = cz_job_seed(job);

    id_trace tr;
    id_text t;
    id_llm_result lr = {0};
    id_facts *f = calloc(1, sizeof *f);
    char *clean = NULL;
    json_t *spec = NULL;
    if (!f || id_trace_init(&tr)) {
        free(f);
        return cz_err(err, CZ_ENOMEM, "ideation.rules: out of memory");
    }
    if (id_text_split(&t, prompt, plen)) {
        rc = cz_err(err, CZ_ENOMEM, "ideation.rules: out of memory splitting the prompt");
        goto out;
    }
    id_facts_init(f);
    trace_input(&t, len, &tr, o);

    id_parse(&t, f, &tr, o);                        /* 1. stated */
    rc = model_step(job, prompt, plen, o, f, &t, &tr, &lr, err); /* 2. the seam */
    if (rc)
        goto out;
    id_infer(f, &tr, o, seed);                      /* 3. rules */
    id_band_build(f, &tr, o, seed);
    id_form_build(f, &tr, o, seed);
    id_title_build(f, &t, &tr, o, seed);
    id_caption_build(f);

    clean = id_utf8_clean(prompt, len);             /* 4. spec + trace */
    spec = clean ? id_spec_build(f, clean) : NULL;
    id_trace_finish(&tr);
    if (!spec) {
        rc = cz_err(err, CZ_ENOMEM, "ideation.rules: out of memory building the spec");
        goto out;
    }
    if (o->write_spec_file && cz_job_has_output(job)) {
        rc = write_spec_file(job, spec, tr.steps, err);
        if (rc)
            goto out;
    }
    cz_job_log(job, CZ_LOG_INFO, "\"%s\": %s, %g bpm, %s %s, %s, %g s, %d instruments",
               f->title, id_genres[f->genre].id, f->tempo, f->key, id_mode_name(f->mode),
               json_string_value(json_object_get(spec, "meter")), f->duration, f->n_band);
    char via[64] = "";
    if (lr.taken)
        snprintf(via, sizeof via, " (model: %s)", lr.provider);
    else if (lr.answered)
        snprintf(via, sizeof via, " (rules; nothing taken from %s)", lr.provider);
    else if (lr.asked)
        snprintf(via, sizeof via, " (rules; no model answered)");
    cz_job_status(job, "%s, %g bpm, %s %s%s", id_genres[f->genre].id, f->tempo, f->key,
                  id_mode_name(f->mode), via);
    rc = cz_bus_put_json(bus, "ideation.spec", spec);
    spec = NULL;
    if (!rc) {
        json_incref(tr.steps);
        rc = cz_bus_put_json(bus, "ideation.trace", tr.steps);
    }
    if (rc)
        rc = cz_err(err, rc, "ideation.rules: cannot put the spec on the bus (%s)",
                    cz_strerror(rc));
out:
    json_decref(spec);
    free(clean);
    id_text_free(&t);
    id_trace_free(&tr);
    free(f);
    return rc;
}

CZ_MODULE(.name = "ideation.rules", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Turns the prompt into the song spec, with a trace of every decision",
          .reads = reads, .writes = writes, .options = options, .init = ideation_init,
          .run = ideation_run, .fini = ideation_fini,
          .requests = (const char *const[]){"chat?", NULL});
