/*
 * llm.c - step 2 with a language model: ask the pipeline's router for a
 * "chat" answer that proposes spec fields, and merge it.
 *
 * With the option llm: auto and a router in the pipeline, run() sends one
 * request per job (the convention of cadenza/provider.h):
 *
 *     {"system": <id_llm_system()>, "prompt": <the user's prompt>,
 *      "json": true, "max_tokens": <llm_max_tokens>}
 *
 * The system text is written once, in init, from this module's own tables
 * (genre ids, moods, modes, instrument names, roles, section names), so a
 * model answers in the words the later stages understand; what it says
 * anyway goes through the rules' own parsers in merge.c ("Deep House" is
 * genre house, subgenre deep house).
 *
 * Nothing here can fail the job. The router retries and falls back (a
 * provider whose answer is not a JSON object fails with CZ_EPROTO, which
 * the toolkit retries, then the next provider is asked); when no provider
 * answers, or the answer holds nothing usable, the rules decide, and trace
 * steps say why: one step per attempt that failed or was passed by (the
 * router's records, already free of secrets), one for who answered, the
 * provider's own reasoning line, then id_merge_model()'s steps.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ideation.h"

#define MAX_ATTEMPT_STEPS 8

/* ---- the system text --------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 2048;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static const char *const sections[] = {"intro", "verse", "prechorus", "chorus", "bridge",
                                       "build", "drop", "breakdown", "outro", NULL};

char *id_llm_system(void)
{
    sbuf b = {0};
    sb_add(&b, "You help a music generator plan one song from a listener's request. "
               "Read the request and answer with one JSON object and nothing else (no "
               "Markdown, no text before or after it). Every field is optional: leave out "
               "any field you have no good reason to set. Fields:\n");
    sb_add(&b, "- \"genre\": string, one of:");
    for (int g = 0; g < G_COUNT; g++)
        sb_add(&b, "%s %s", g ? "," : "", id_genres[g].id);
    sb_add(&b, "\n- \"subgenre\": string, a more specific style of that genre "
               "(\"deep house\", \"boom bap\", \"city pop\"), or null\n");
    sb_add(&b, "- \"mood\": list of 1 to 4 strings from:");
    for (int m = 0; m < M_COUNT; m++)
        sb_add(&b, "%s %s", m ? "," : "", id_moods[m].id);
    sb_add(&b, "\n- \"energy\": number from 0 (calm) to 1 (intense)\n"
               "- \"tempo_bpm\": number from 40 to 220\n"
               "- \"key\": the tonic, one of C, C#, Db, D, D#, Eb, E, F, F#, Gb, G, G#, Ab, "
               "A, A#, Bb, B\n"
               "- \"mode\": one of major, minor, dorian, phrygian, lydian, mixolydian, "
               "locrian\n"
               "- \"meter\": time signature as a string: \"4/4\", \"3/4\", \"6/8\", "
               "\"12/8\", ...\n"
               "- \"duration_s\": song length in seconds, from 10 to 1200\n"
               "- \"instruments\": list of the band's instruments, each a name from:");
    for (int i = 1; i < I_COUNT; i++)
        sb_add(&b, "%s %s", i > 1 ? "," : "", id_instruments[i].name);
    sb_add(&b, "; or, for another instrument, an object {\"name\": string, \"role\": one "
               "of");
    for (int r = 1; r < CZ_ROLE_COUNT; r++)
        sb_add(&b, "%s %s", r > 1 ? "," : "", id_role_name(r));
    sb_add(&b, ", \"program\": its General MIDI program 0..127}\n"
               "- \"exclude\": list of instruments or parts the song must not have "
               "(\"drums\", \"piano\", \"vocals\")\n"
               "- \"form\": list of section names in playing order, from:");
    for (int k = 0; sections[k]; k++)
        sb_add(&b, "%s %s", k ? "," : "", sections[k]);
    sb_add(&b, "\n- \"reasoning\": list of up to 5 short sentences on your choices\n"
               "Keep exactly what the request states (a tempo, key, genre, length, "
               "instruments to use or to leave out); propose what it leaves open so that "
               "the fields fit together. Numbers are JSON numbers, lists are JSON "
               "arrays.\n"
               "Example: {\"genre\": \"synthwave\", \"mood\": [\"dark\", \"nostalgic\"], "
               "\"energy\": 0.6, \"tempo_bpm\": 100, \"key\": \"A\", \"mode\": \"minor\", "
               "\"meter\": \"4/4\", \"duration_s\": 180, \"instruments\": [\"drum "
               "machine\", \"synth bass\", \"warm pad\", \"saw lead\"], \"form\": "
               "[\"intro\", \"verse\", \"chorus\", \"verse\", \"chorus\", \"outro\"], "
               "\"reasoning\": [\"night driving suggests a steady mid tempo\"]}");
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* ---- asking -------------------------------------------------------------- */

static size_t attempts_now(cz_job *job)
{
    const json_t *a = NULL;
    if (cz_bus_get_json(cz_job_bus(job), "router.attempts", &a) || !json_is_array(a))
        return 0;
    return json_array_size(a);
}

/* One trace step for each attempt of this request that did not answer.
 * Returns 1 when the answer came from the router's cache. */
static int trace_attempts(cz_job *job, size_t from, id_trace *tr)
{
    const json_t *a = NULL;
    if (cz_bus_get_json(cz_job_bus(job), "router.attempts", &a) || !json_is_array(a))
        return 0;
    int steps = 0, cached = 0;
    for (size_t i = from; i < json_array_size(a); i++) {
        const json_t *at = json_array_get(a, i);
        const char *outcome = json_string_value(json_object_get(at, "outcome"));
        const char *who = json_string_value(json_object_get(at, "provider"));
        const char *why = json_string_value(json_object_get(at, "error"));
        if (outcome)
            cached = !strcmp(outcome, "cached");
        if (!outcome || !strcmp(outcome, "ok") || !strcmp(outcome, "cached"))
            continue;
        if (steps++ == MAX_ATTEMPT_STEPS)
            break;
        char text[240];
        id_copy(text, sizeof text, why ? why : "no reason given", strlen(why ? why : "no reason given"));
        int status = (int)json_integer_value(json_object_get(at, "http_status"));
        char http[24] = "";
        if (status)
            snprintf(http, sizeof http, ", HTTP %d", status);
        id_trace_add(tr, "model", ID_SRC_MODEL, json_string(who ? who : ""),
                     "provider %s: %s%s: %s", who ? who : "?",
                     !strcmp(outcome, "retry")     ? "failed, tried again"
                     : !strcmp(outcome, "skipped") ? "not asked"
                                                   : "failed",
                     http, text);
    }
    return cached;
}

/* The answer's JSON object: reply.json.json, else the text parsed (for a
 * router that hands back what a provider said without the toolkit's
 * check). NULL when there is none; a new reference. */
static json_t *answer_object(const cz_reply *r)
{
    const json_t *j = json_object_get(r->json, "json");
    if (json_is_object(j))
        return json_incref((json_t *)j);
    const char *text = json_string_value(json_object_get(r->json, "text"));
    json_t *p = text ? json_loads(text, 0, NULL) : NULL;
    if (json_is_object(p))
        return p;
    json_decref(p);
    return NULL;
}

int id_llm_enrich(cz_job *job, const char *prompt, const id_opts *o, id_facts *f,
                  id_trace *tr, id_llm_result *res, cz_error *err)
{
    memset(res, 0, sizeof *res);
    json_t *body = json_pack("{s:s,s:s,s:b,s:i}", "system", o->llm_system ? o->llm_system : "",
                             "prompt", prompt, "json", 1, "max_tokens", o->llm_max_tokens);
    if (!body)
        return cz_err(err, CZ_ENOMEM, "ideation.rules: out of memory building the chat request");
    size_t before = attempts_now(job);
    cz_request rq = {.capability = "chat", .body = body};
    cz_reply reply;
    cz_error rerr = {0};
    res->asked = 1;
    int rc = cz_job_request(job, &rq, &reply, &rerr);
    json_decref(body);
    int cached = trace_attempts(job, before, tr);
    if (rc == CZ_ECANCELED || cz_job_cancelled(job)) {
        cz_reply_clear(&reply);
        return cz_err(err, CZ_ECANCELED, "ideation.rules: the job was cancelled while asking "
                                         "the router for a chat answer");
    }
    if (rc) {
        cz_reply_clear(&reply);
        char why[300];
        id_copy(why, sizeof why, rerr.msg, strlen(rerr.msg));
        cz_job_log(job, CZ_LOG_WARN, "no language model answered (%s: %s); the rules decide",
                   cz_strerror(rc), why);
        id_trace_add(tr, "model", ID_SRC_RULES, NULL,
                     "no language model answered (%s: %s): the rules decide every field the "
                     "prompt leaves open",
                     cz_strerror(rc), why);
        return 0;
    }
    const char *who = reply.provider[0] ? reply.provider : "a provider";
    snprintf(res->provider, sizeof res->provider, "%s", who);
    const char *model = json_string_value(json_object_get(reply.json, "model"));
    const char *reasoning = json_string_value(json_object_get(reply.json, "reasoning"));
    json_t *proposal = answer_object(&reply);
    if (!proposal) {
        id_trace_add(tr, "model", ID_SRC_RULES, json_string(who),
                     "%s answered, but not with a JSON object: the rules decide every field "
                     "the prompt leaves open",
                     who);
        cz_job_log(job, CZ_LOG_WARN, "%s answered without a JSON object; the rules decide",
                   who);
        cz_reply_clear(&reply);
        return 0;
    }
    res->answered = 1;
    char shown_model[80] = "";
    if (model && *model)
        snprintf(shown_model, sizeof shown_model, " (model %.60s)", model);
    id_trace_add(tr, "model", ID_SRC_MODEL, json_string(who),
                 "asked the router for a chat answer: %s%s proposed %zu field%s%s", who,
                 shown_model, json_object_size(proposal), json_object_size(proposal) == 1 ? "" : "s",
                 cached ? " (an earlier answer, from the router's cache)" : "");
    if (reasoning && *reasoning) {
        char line[300];
        id_copy(line, sizeof line, reasoning, strlen(reasoning));
        id_trace_add(tr, "reasoning", ID_SRC_MODEL, json_string(who), "%s: %s",
                     who, line);
    }
    res->taken = id_merge_model(f, proposal, tr);
    if (!res->taken)
        id_trace_add(tr, "model", ID_SRC_RULES, json_string(who),
                     "nothing was taken from %s's answer: the rules decide every field the "
                     "prompt leaves open",
                     who);
    cz_job_log(job, CZ_LOG_INFO, "%s answered%s: %d field%s taken", who, shown_model,
               res->taken, res->taken == 1 ? "" : "s");
    json_decref(proposal);
    cz_reply_clear(&reply);
    return 0;
}
