/*
 * test_ideation_llm.c - ideation.rules asking a language model through the
 * pipeline's router, against the loopback fake OpenAI-compatible server
 * (tests/fakeserver.h), run through the kernel like a real job.
 *
 * What a user would notice: the model's tempo and key reach the spec (and
 * the MIDI file, through the real binary) with source "model"; what the
 * prompt states wins over the model, and the trace says so; a model's bad
 * fields are dropped with a reason each; a model that answers prose, or
 * no server at all, still gives a song decided by the rules, with the
 * trace saying why; `llm: off` sends nothing; the model's reasoning lines
 * join the trace; spec.json carries the router's attempts and never a key.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/kernel.h"
#include "fakeserver.h"
#include "harness.h"
#include "kit.h"

#define KEY "sk-ideation-TOPSECRET-0123456789"
#define KEY_ENV "CZ_IDEATION_LLM_TEST_KEY"
#define CHAT_PATH "/v1/chat/completions"

/* What the fake model answers in most tests. */
#define NIGHT_DRIVE                                                                              \
    "{\"genre\": \"synthwave\", \"tempo_bpm\": 97, \"key\": \"F#\", \"mode\": \"minor\", "      \
    "\"mood\": [\"dark\", \"nostalgic\"], \"energy\": 0.55, \"meter\": \"4/4\", "                \
    "\"duration_s\": 150, \"reasoning\": [\"a night drive wants a steady mid tempo\", "          \
    "\"a minor key for city lights at 2 am\"]}"

static fs_server *srv;

static void start(void)
{
    setenv(KEY_ENV, KEY, 1);
    cz_log_configure(CZ_LOG_ERROR, CZ_LOGFMT_TEXT, NULL); /* failures are the point here */
    srv = fs_start();
    fs_set_key(srv, KEY);
    fs_set_chat(srv, NIGHT_DRIVE);
}

static void stop(void)
{
    fs_stop(srv);
    srv = NULL;
}

/* ---- pipelines and runs ------------------------------------------------------ */

/* One ideation stage (with `with`, may be ""), provider.openai at url,
 * provider.procedural as the fallback when local is set, router.fallback
 * (with more options in router_extra, ", cache_dir: ..."). */
static fs_pipe *pipe_router(const char *url, const char *with, int local, const char *router_extra)
{
    char yaml[4096], why[600];
    snprintf(yaml, sizeof yaml,
             "pipeline: ideation-llm\n"
             "stages:\n"
             "  - stage: ideation\n"
             "    module: ideation.rules\n"
             "%s%s%s"
             "providers:\n"
             "  - name: oa\n"
             "    module: provider.openai\n"
             "    with: { base_url: \"%s/v1\", api_key_env: " KEY_ENV ", model: test-model,\n"
             "            max_retries: 1, timeout_ms: 5000, connect_timeout_ms: 1000 }\n"
             "%s"
             "router: { module: router.fallback, with: { backoff_ms: 1, jitter: 0%s } }\n",
             with && *with ? "    with: { " : "", with ? with : "", with && *with ? " }\n" : "", url,
             local ? "  - { name: local, module: provider.procedural }\n" : "",
             router_extra ? router_extra : "");
    fs_pipe *p = fs_pipe_new(yaml, why, sizeof why);
    ck_assert_msg(p != NULL, "pipeline did not build: %s\n%s", why, yaml);
    return p;
}

static fs_pipe *pipe_at(const char *url, const char *with, int local)
{
    return pipe_router(url, with, local, NULL);
}

static fs_pipe *pipe_with(const char *with, int local)
{
    return pipe_at(fs_url(srv), with, local);
}

typedef struct run_out {
    json_t *spec, *trace, *attempts;
    char status[200]; /* the ideation stage's progress note */
} run_out;

static void run_free(run_out *r)
{
    json_decref(r->spec);
    json_decref(r->trace);
    json_decref(r->attempts);
    memset(r, 0, sizeof *r);
}

/* Run the pipeline as one job; it must succeed. */
static run_out run(fs_pipe *p, const char *prompt, uint64_t seed, const char *out_dir)
{
    cz_error err = {0};
    int rc = fs_pipe_run(p, prompt, seed, out_dir, &err);
    ck_assert_msg(rc == 0, "the job failed for \"%s\": %s", prompt, err.msg);
    run_out r = {0};
    const json_t *j = NULL;
    cz_bus *bus = fs_pipe_bus(p);
    ck_assert_int_eq(cz_bus_get_json(bus, "ideation.spec", &j), 0);
    r.spec = json_incref((json_t *)j);
    ck_assert_int_eq(cz_bus_get_json(bus, "ideation.trace", &j), 0);
    r.trace = json_incref((json_t *)j);
    const json_t *att = fs_pipe_attempts(p);
    r.attempts = att ? json_deep_copy(att) : json_array();
    if (!cz_bus_get_json(bus, "job.stages", &j)) {
        const char *st = json_string_value(json_object_get(json_array_get(j, 0), "status"));
        snprintf(r.status, sizeof r.status, "%s", st ? st : "");
    }
    return r;
}

/* The spec the rules alone make for prompt and seed (llm: off). */
static json_t *rules_spec(const char *prompt, uint64_t seed)
{
    fs_pipe *p = pipe_with("llm: off", 1);
    size_t before = fs_count(srv, NULL);
    run_out r = run(p, prompt, seed, NULL);
    ck_assert_uint_eq(fs_count(srv, NULL), before);
    json_t *spec = json_incref(r.spec);
    run_free(&r);
    fs_pipe_free(p);
    return spec;
}

static const char *sget(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static double nget(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    ck_assert_msg(json_is_number(v), "field %s is not a number", k);
    return json_number_value(v);
}

static const char *source_of(const json_t *spec, const char *field)
{
    return sget(json_object_get(spec, "sources"), field);
}

/* The first trace step with this field and source whose "why" holds text
 * (NULL: any), or NULL. */
static const json_t *step(const json_t *trace, const char *field, const char *source, const char *text)
{
    size_t i;
    const json_t *s;
    json_array_foreach(trace, i, s) {
        if (strcmp(sget(s, "field"), field) || (source && strcmp(sget(s, "source"), source)))
            continue;
        if (!text || strstr(sget(s, "why"), text))
            return s;
    }
    return NULL;
}

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_INDENT(1));
}

#define EXPECT_STEP(trace, field, source, text)                                                   \
    do {                                                                                          \
        if (!step(trace, field, source, text)) {                                                  \
            char *d_ = dump(trace);                                                               \
            ck_abort_msg("no trace step {field %s, source %s, why ~ \"%s\"} in:\n%s", field,      \
                         source ? source : "*", text ? text : "*", d_);                           \
        }                                                                                         \
    } while (0)

#define EXPECT_SAME_SPEC(a, b)                                                                    \
    do {                                                                                          \
        if (!json_equal((a), (b))) {                                                              \
            char *da_ = dump(a), *db_ = dump(b);                                                  \
            ck_abort_msg("the spec differs from the rules' own:\n%s\nrules:\n%s", da_, db_);      \
        }                                                                                         \
    } while (0)

static const char *att_s(const json_t *att, size_t i, const char *k)
{
    return sget(json_array_get(att, i), k);
}

/* ---- the model's answer reaches the spec ------------------------------------------ */

START_TEST(model_tempo_and_key_reach_the_spec_with_source_model)
{
    fs_pipe *p = pipe_with("", 1);
    const char *prompt = "music for a night drive through the city";
    run_out r = run(p, prompt, 5, NULL);
    ck_assert_double_eq(nget(r.spec, "tempo_bpm"), 97);
    ck_assert_str_eq(sget(r.spec, "key"), "F#");
    ck_assert_int_eq((int)nget(r.spec, "tonic_pc"), 6);
    ck_assert_str_eq(sget(r.spec, "mode"), "minor");
    ck_assert_str_eq(sget(r.spec, "genre"), "synthwave");
    ck_assert_double_eq(nget(r.spec, "duration_s"), 150);
    ck_assert_double_eq_tol(nget(r.spec, "energy"), 0.55, 1e-9);
    const char *const from_model[] = {"tempo_bpm", "key", "mode", "genre", "mood", "energy",
                                      "meter", "duration_s", NULL};
    for (int i = 0; from_model[i]; i++)
        ck_assert_msg(!strcmp(source_of(r.spec, from_model[i]), "model"), "source of %s is %s",
                      from_model[i], source_of(r.spec, from_model[i]));
    /* what the model did not propose, the rules decide */
    ck_assert_str_eq(source_of(r.spec, "form"), "rules");
    EXPECT_STEP(r.trace, "tempo_bpm", "model", "the model proposes 97 bpm");
    EXPECT_STEP(r.trace, "key", "model", "the model proposes F#");
    EXPECT_STEP(r.trace, "model", "model", "oa (model test-model) proposed 9 fields");
    /* the progress line names the provider that answered */
    ck_assert_msg(strstr(r.status, "97 bpm, F# minor (model: oa)") != NULL, "status: %s", r.status);

    /* one request, in the chat convention, with the key, the prompt and
     * a system text listing the fields and the vocabulary */
    ck_assert_uint_eq(fs_count(srv, CHAT_PATH), 1);
    const fs_req *rq = fs_last(srv, CHAT_PATH);
    char auth[200];
    ck_assert_ptr_nonnull(fs_header(rq, "Authorization", auth, sizeof auth));
    ck_assert_str_eq(auth, "Bearer " KEY);
    json_t *body = json_loads(rq->body, 0, NULL);
    ck_assert_ptr_nonnull(body);
    ck_assert_str_eq(sget(body, "model"), "test-model");
    ck_assert_int_eq((int)json_integer_value(json_object_get(body, "max_tokens")), 600);
    ck_assert_str_eq(sget(json_object_get(body, "response_format"), "type"), "json_object");
    const json_t *msgs = json_object_get(body, "messages");
    ck_assert_uint_eq(json_array_size(msgs), 2);
    ck_assert_str_eq(sget(json_array_get(msgs, 0), "role"), "system");
    const char *sys = sget(json_array_get(msgs, 0), "content");
    const char *const words[] = {"\"tempo_bpm\"", "from 40 to 220", "\"key\"", "C#, Db",
                                 "mixolydian", "\"meter\"", "\"duration_s\"", "\"instruments\"",
                                 "\"exclude\"", "\"form\"", "\"reasoning\"", "synthwave",
                                 "chiptune", "electronic", "nostalgic", "drum machine",
                                 "0..127", "prechorus", "one JSON object", NULL};
    for (int i = 0; words[i]; i++)
        ck_assert_msg(strstr(sys, words[i]) != NULL, "the system text lacks '%s':\n%s", words[i], sys);
    ck_assert_str_eq(sget(json_array_get(msgs, 1), "role"), "user");
    ck_assert_str_eq(sget(json_array_get(msgs, 1), "content"), prompt);
    json_decref(body);

    ck_assert_uint_eq(json_array_size(r.attempts), 1);
    ck_assert_str_eq(att_s(r.attempts, 0, "provider"), "oa");
    ck_assert_str_eq(att_s(r.attempts, 0, "capability"), "chat");
    ck_assert_str_eq(att_s(r.attempts, 0, "outcome"), "ok");
    ck_assert_str_eq(att_s(r.attempts, 0, "stage"), "ideation");
    run_free(&r);
    fs_pipe_free(p);
}
END_TEST

START_TEST(reasoning_lines_join_the_trace)
{
    fs_pipe *p = pipe_with("", 1);
    run_out r = run(p, "music for a night drive through the city", 5, NULL);
    EXPECT_STEP(r.trace, "reasoning", "model", "a night drive wants a steady mid tempo");
    EXPECT_STEP(r.trace, "reasoning", "model", "a minor key for city lights at 2 am");
    /* in the model's order, after the step saying who answered */
    const json_t *who = step(r.trace, "model", "model", "proposed");
    const json_t *a = step(r.trace, "reasoning", "model", "steady mid tempo");
    const json_t *b = step(r.trace, "reasoning", "model", "city lights");
    ck_assert_ptr_nonnull(who);
    ck_assert_int_lt(json_integer_value(json_object_get(who, "step")),
                     json_integer_value(json_object_get(a, "step")));
    ck_assert_int_lt(json_integer_value(json_object_get(a, "step")),
                     json_integer_value(json_object_get(b, "step")));
    run_free(&r);
    fs_pipe_free(p);
}
END_TEST

START_TEST(what_the_prompt_states_wins_over_the_model)
{
    fs_pipe *p = pipe_with("", 1);
    run_out r = run(p, "music for a night drive through the city, 140 bpm, in D major", 5, NULL);
    ck_assert_double_eq(nget(r.spec, "tempo_bpm"), 140);
    ck_assert_str_eq(sget(r.spec, "key"), "D");
    ck_assert_str_eq(sget(r.spec, "mode"), "major");
    ck_assert_str_eq(source_of(r.spec, "tempo_bpm"), "prompt");
    ck_assert_str_eq(source_of(r.spec, "key"), "prompt");
    ck_assert_str_eq(source_of(r.spec, "mode"), "prompt");
    /* what the prompt leaves open still comes from the model */
    ck_assert_str_eq(sget(r.spec, "genre"), "synthwave");
    ck_assert_str_eq(source_of(r.spec, "genre"), "model");
    ck_assert_double_eq(nget(r.spec, "duration_s"), 150);
    EXPECT_STEP(r.trace, "tempo_bpm", "prompt",
                "the model proposes 97, but the prompt states this: the prompt wins");
    EXPECT_STEP(r.trace, "key", "prompt", "the model proposes \"F#\", but the prompt states this");
    EXPECT_STEP(r.trace, "mode", "prompt", "the model proposes \"minor\", but the prompt states");
    ck_assert_ptr_null(step(r.trace, "tempo_bpm", "model", NULL));
    ck_assert_msg(strstr(r.status, "140 bpm, D major (model: oa)") != NULL, "status: %s", r.status);
    run_free(&r);

    /* a model that agrees with the prompt is told apart in the trace */
    fs_set_chat(srv, "{\"tempo_bpm\": 140}");
    r = run(p, "music for a night drive through the city, 140 bpm", 5, NULL);
    EXPECT_STEP(r.trace, "tempo_bpm", "prompt", "the model proposes 140 too");
    run_free(&r);
    fs_pipe_free(p);
}
END_TEST

/* ---- what the model gets wrong ------------------------------------------------------- */

START_TEST(wrong_types_and_out_of_range_fields_are_dropped_with_a_reason)
{
    const char *prompt = "a song about an old garden";
    json_t *rules = rules_spec(prompt, 9);
    fs_set_chat(srv, "{\"genre\": 7, \"tempo_bpm\": \"fast\", \"energy\": 1.7, \"key\": \"H\", "
                     "\"mode\": \"bluesy\", \"meter\": \"4/5\", \"duration_s\": 5000, "
                     "\"mood\": \"sad\", \"instruments\": \"piano\", \"form\": [], "
                     "\"exclude\": \"drums\", \"reasoning\": \"one line, not a list\", "
                     "\"subgenre\": 3, \"lyrics\": \"la la la\"}");
    fs_pipe *p = pipe_with("", 1);
    run_out r = run(p, prompt, 9, NULL);
    /* nothing usable: exactly the rules' spec */
    EXPECT_SAME_SPEC(r.spec, rules);
    EXPECT_STEP(r.trace, "genre", "model", "dropped the model's genre: not a string");
    EXPECT_STEP(r.trace, "tempo_bpm", "model", "dropped the model's tempo_bpm: not a number");
    EXPECT_STEP(r.trace, "energy", "model", "dropped the model's energy: outside 0..1");
    EXPECT_STEP(r.trace, "key", "model", "dropped the model's key: not a note name");
    EXPECT_STEP(r.trace, "mode", "model", "dropped the model's mode: not a mode");
    EXPECT_STEP(r.trace, "meter", "model", "dropped the model's meter: not a time signature");
    EXPECT_STEP(r.trace, "duration_s", "model", "dropped the model's duration_s: outside 10..1200");
    EXPECT_STEP(r.trace, "mood", "model", "dropped the model's mood: not a list");
    EXPECT_STEP(r.trace, "instruments", "model", "dropped the model's instruments: not a list");
    EXPECT_STEP(r.trace, "form", "model", "dropped the model's form");
    EXPECT_STEP(r.trace, "exclude", "model", "dropped the model's exclude: not a list");
    EXPECT_STEP(r.trace, "reasoning", "model", "dropped the model's reasoning");
    EXPECT_STEP(r.trace, "subgenre", "model", "dropped the model's subgenre");
    EXPECT_STEP(r.trace, "model", "model", "ignored the model's field 'lyrics'");
    EXPECT_STEP(r.trace, "model", "rules", "nothing was taken from oa's answer: the rules decide");
    ck_assert_msg(strstr(r.status, "(rules; nothing taken from oa)") != NULL, "status: %s", r.status);
    run_free(&r);

    /* one bad field does not spoil the good ones */
    fs_set_chat(srv, "{\"tempo_bpm\": 300, \"energy\": 0.2, \"mood\": [\"sad\", \"purple\"], "
                     "\"key\": \"Eb\"}");
    r = run(p, prompt, 9, NULL);
    EXPECT_STEP(r.trace, "tempo_bpm", "model", "dropped the model's tempo_bpm: outside 40..220");
    EXPECT_STEP(r.trace, "mood", "model", "dropped the model's mood: not a mood this module knows");
    ck_assert_str_eq(source_of(r.spec, "tempo_bpm"), "rules");
    ck_assert_double_eq_tol(nget(r.spec, "energy"), 0.2, 1e-9);
    ck_assert_str_eq(source_of(r.spec, "energy"), "model");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.spec, "mood"), 0)), "sad");
    ck_assert_uint_eq(json_array_size(json_object_get(r.spec, "mood")), 1);
    ck_assert_str_eq(sget(r.spec, "key"), "Eb");
    run_free(&r);
    json_decref(rules);
    fs_pipe_free(p);
}
END_TEST

START_TEST(model_words_are_read_with_the_rules_vocabulary)
{
    fs_pipe *p = pipe_with("", 1);
    fs_set_chat(srv, "{\"genre\": \"Deep House\"}");
    run_out r = run(p, "something for a late night", 3, NULL);
    ck_assert_str_eq(sget(r.spec, "genre"), "house");
    ck_assert_str_eq(sget(r.spec, "subgenre"), "deep house");
    ck_assert_str_eq(source_of(r.spec, "genre"), "model");
    double bpm = nget(r.spec, "tempo_bpm");
    ck_assert_msg(bpm >= 118 && bpm <= 124, "deep house at %g bpm", bpm);
    EXPECT_STEP(r.trace, "genre", "model", "the model proposes 'Deep House', read as house");
    run_free(&r);

    fs_set_chat(srv, "{\"genre\": \"dark synthwave\", \"mood\": [\"Melancholy\"]}");
    r = run(p, "something for a late night", 3, NULL);
    ck_assert_str_eq(sget(r.spec, "genre"), "synthwave");
    run_free(&r);

    /* a subgenre of another genre than the song's is dropped */
    fs_set_chat(srv, "{\"genre\": \"house\", \"subgenre\": \"boom bap\"}");
    r = run(p, "something for a late night", 3, NULL);
    ck_assert_str_eq(sget(r.spec, "genre"), "house");
    ck_assert(json_is_null(json_object_get(r.spec, "subgenre")));
    EXPECT_STEP(r.trace, "subgenre", "model", "'boom bap' is a kind of hip hop, not of house");
    run_free(&r);

    /* a genre the prompt rules out stays out */
    fs_set_chat(srv, "{\"genre\": \"jazz\"}");
    r = run(p, "a calm song for sleep, no jazz", 3, NULL);
    ck_assert_str_ne(sget(r.spec, "genre"), "jazz");
    EXPECT_STEP(r.trace, "genre", "prompt", "which the prompt rules out");
    run_free(&r);
    fs_pipe_free(p);
}
END_TEST

/* Every genre, mood and instrument the system text offers the model is a
 * word the merge understands: nothing the model copies from it is dropped. */
START_TEST(every_word_the_system_text_offers_is_understood)
{
    fs_pipe *p = pipe_with("", 1);
    fs_set_chat(srv, "{}");
    run_out r = run(p, "a song about an old garden", 1, NULL);
    run_free(&r);
    json_t *body = json_loads(fs_last(srv, CHAT_PATH)->body, 0, NULL);
    ck_assert_ptr_nonnull(body);
    char *sys = strdup(sget(json_array_get(json_object_get(body, "messages"), 0), "content"));
    json_decref(body);
    struct { const char *field, *from, *to; int per_run; } lists[] = {
        {"genre", "\"genre\": string, one of: ", "\n", 1},
        {"mood", "\"mood\": list of 1 to 4 strings from: ", "\n", 4},
        {"instruments", "each a name from: ", "; or,", 12},
    };
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        char *a = strstr(sys, lists[l].from);
        ck_assert_msg(a != NULL, "no %s list in:\n%s", lists[l].field, sys);
        a += strlen(lists[l].from);
        char *end = strstr(a, lists[l].to);
        ck_assert_ptr_nonnull(end);
        char *list = strndup(a, (size_t)(end - a));
        json_t *words = json_array();
        for (char *w = strtok(list, ","); w; w = strtok(NULL, ",")) {
            while (*w == ' ')
                w++;
            json_array_append_new(words, json_string(w));
        }
        free(list);
        ck_assert_uint_gt(json_array_size(words), 8);
        for (size_t i = 0; i < json_array_size(words); i += (size_t)lists[l].per_run) {
            json_t *batch = json_array();
            for (size_t k = i; k < i + (size_t)lists[l].per_run && k < json_array_size(words); k++)
                json_array_append(batch, json_array_get(words, k));
            json_t *answer = json_pack("{s:O}", lists[l].field,
                                       lists[l].per_run == 1 ? json_array_get(batch, 0) : batch);
            char *text = json_dumps(answer, JSON_COMPACT);
            fs_set_chat(srv, text);
            r = run(p, "a song about an old garden", 1, NULL);
            const json_t *dropped = step(r.trace, lists[l].field, "model", "dropped");
            ck_assert_msg(dropped == NULL, "the model's %s %s: %s", lists[l].field, text,
                          sget(dropped, "why"));
            ck_assert_str_eq(source_of(r.spec, lists[l].field), "model");
            run_free(&r);
            free(text);
            json_decref(answer);
            json_decref(batch);
        }
        json_decref(words);
    }
    free(sys);
    fs_pipe_free(p);
}
END_TEST

/* ---- when the model cannot help ------------------------------------------------------- */

START_TEST(a_reply_that_is_not_json_fails_and_the_fallback_answers)
{
    const char *prompt = "music for a night drive through the city";
    json_t *rules = rules_spec(prompt, 5);
    fs_pipe *p = pipe_with("", 1);
    fs_set_fault(srv, FS_PROSE, 0); /* a chat answer whose text is prose */
    run_out r = run(p, prompt, 5, NULL);
    /* procedural's {} leaves the spec exactly as the rules make it */
    EXPECT_SAME_SPEC(r.spec, rules);
    ck_assert_uint_eq(fs_count(srv, CHAT_PATH), 2); /* max_retries: 1 */
    ck_assert_uint_eq(json_array_size(r.attempts), 3);
    ck_assert_str_eq(att_s(r.attempts, 0, "outcome"), "retry");
    ck_assert_str_eq(att_s(r.attempts, 1, "provider"), "oa");
    ck_assert_str_eq(att_s(r.attempts, 1, "outcome"), "failed");
    ck_assert_str_eq(att_s(r.attempts, 2, "provider"), "local");
    ck_assert_str_eq(att_s(r.attempts, 2, "outcome"), "ok");
    EXPECT_STEP(r.trace, "model", "model", "provider oa: failed, tried again");
    EXPECT_STEP(r.trace, "model", "model", "provider oa: failed");
    EXPECT_STEP(r.trace, "model", "model", "local (model procedural) proposed 0 fields");
    EXPECT_STEP(r.trace, "reasoning", "model", "local: offline provider: no language model was asked");
    EXPECT_STEP(r.trace, "model", "rules", "nothing was taken from local's answer");
    ck_assert_msg(strstr(r.status, "(rules; nothing taken from local)") != NULL, "status: %s", r.status);
    run_free(&r);

    /* a body that is not JSON at all: the same */
    fs_set_fault(srv, FS_NOT_JSON, 0);
    r = run(p, prompt, 5, NULL);
    EXPECT_SAME_SPEC(r.spec, rules);
    ck_assert_str_eq(att_s(r.attempts, json_array_size(r.attempts) - 1, "provider"), "local");
    ck_assert_ptr_nonnull(strstr(att_s(r.attempts, 0, "error"), "not JSON"));
    run_free(&r);
    json_decref(rules);
    fs_pipe_free(p);
}
END_TEST

START_TEST(with_the_server_down_the_rules_decide_and_say_why)
{
    const char *prompt = "music for a night drive through the city";
    json_t *rules = rules_spec(prompt, 5);
    fs_server *gone = fs_start();
    char url[64];
    snprintf(url, sizeof url, "%s", fs_url(gone));
    fs_stop(gone); /* nobody listens on that port any more */

    /* no fallback provider: the router fails, the job goes on */
    fs_pipe *p = pipe_at(url, "", 0);
    run_out r = run(p, prompt, 5, NULL);
    EXPECT_SAME_SPEC(r.spec, rules);
    EXPECT_STEP(r.trace, "model", "rules", "no language model answered");
    EXPECT_STEP(r.trace, "model", "rules", "oa");
    EXPECT_STEP(r.trace, "model", "model", "provider oa: failed");
    ck_assert_msg(strstr(r.status, "(rules; no model answered)") != NULL, "status: %s", r.status);
    ck_assert_uint_eq(json_array_size(r.attempts), 2);
    run_free(&r);
    fs_pipe_free(p);

    /* with provider.procedural behind it: it answers, the rules decide */
    p = pipe_at(url, "", 1);
    r = run(p, prompt, 5, NULL);
    EXPECT_SAME_SPEC(r.spec, rules);
    EXPECT_STEP(r.trace, "model", "model", "provider oa: failed");
    EXPECT_STEP(r.trace, "model", "rules", "nothing was taken from local's answer");
    run_free(&r);
    fs_pipe_free(p);
    json_decref(rules);
}
END_TEST

START_TEST(llm_off_sends_no_request)
{
    char *dir = kit_tmpdir();
    char *out = cz_strfmt("%s/out", dir);
    fs_pipe *p = pipe_with("llm: off", 1);
    run_out r = run(p, "music for a night drive through the city", 5, out);
    ck_assert_uint_eq(fs_count(srv, NULL), 0);
    ck_assert_uint_eq(json_array_size(r.attempts), 0);
    EXPECT_STEP(r.trace, "model", "rules", "llm is off");
    ck_assert_str_ne(source_of(r.spec, "tempo_bpm"), "model");
    ck_assert_ptr_null(strstr(r.status, "model"));
    /* spec.json says no router was asked */
    char *path = cz_strfmt("%s/spec.json", out);
    json_t *doc = json_load_file(path, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert(json_is_array(json_object_get(doc, "router")));
    ck_assert_uint_eq(json_array_size(json_object_get(doc, "router")), 0);
    json_decref(doc);
    free(path);
    run_free(&r);
    fs_pipe_free(p);

    /* enhance: false asks no model either */
    p = pipe_with("enhance: false", 1);
    r = run(p, "music for a night drive through the city", 5, NULL);
    ck_assert_uint_eq(fs_count(srv, NULL), 0);
    EXPECT_STEP(r.trace, "model", "default", "enhance is off: no language model was asked");
    run_free(&r);
    fs_pipe_free(p);
    kit_rm(dir);
    free(out);
    free(dir);
}
END_TEST

START_TEST(model_proposal_is_replayed_without_a_request)
{
    fs_pipe *p = pipe_with("model_proposal: { tempo_bpm: 91, key: Bb }", 1);
    run_out r = run(p, "music for a night drive through the city", 5, NULL);
    ck_assert_uint_eq(fs_count(srv, NULL), 0);
    ck_assert_double_eq(nget(r.spec, "tempo_bpm"), 91);
    ck_assert_str_eq(sget(r.spec, "key"), "Bb");
    ck_assert_str_eq(source_of(r.spec, "tempo_bpm"), "model");
    EXPECT_STEP(r.trace, "model", "model", "model_proposal is set");
    run_free(&r);
    fs_pipe_free(p);
}
END_TEST

START_TEST(a_cached_answer_is_reused_and_the_trace_says_so)
{
    char *dir = kit_tmpdir();
    char *extra = cz_strfmt(", cache_dir: \"%s/cache\"", dir);
    fs_pipe *p = pipe_router(fs_url(srv), "", 1, extra);
    const char *prompt = "music for a night drive through the city";
    run_out a = run(p, prompt, 5, NULL);
    fs_set_chat(srv, "{\"tempo_bpm\": 150}"); /* the model would answer otherwise now */
    run_out b = run(p, prompt, 5, NULL);
    ck_assert_uint_eq(fs_count(srv, CHAT_PATH), 1);
    ck_assert_str_eq(att_s(b.attempts, 0, "outcome"), "cached");
    EXPECT_SAME_SPEC(b.spec, a.spec);
    EXPECT_STEP(b.trace, "model", "model", "from the router's cache");
    ck_assert_ptr_null(step(a.trace, "model", "model", "from the router's cache"));
    run_free(&a);
    run_free(&b);
    fs_pipe_free(p);
    kit_rm(dir);
    free(extra);
    free(dir);
}
END_TEST

/* ---- spec.json ------------------------------------------------------------------------ */

START_TEST(spec_json_carries_the_attempts_and_never_the_key)
{
    char *dir = kit_tmpdir();
    char *out = cz_strfmt("%s/a", dir);
    fs_pipe *p = pipe_with("", 1);
    run_out r = run(p, "music for a night drive through the city", 5, out);
    run_free(&r);
    char *path = cz_strfmt("%s/spec.json", out);
    size_t n;
    char *text = czh_slurp(path, &n);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_null(strstr(text, KEY));
    json_t *doc = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    const json_t *att = json_object_get(doc, "router");
    ck_assert_uint_eq(json_array_size(att), 1);
    ck_assert_str_eq(att_s(att, 0, "provider"), "oa");
    ck_assert_str_eq(att_s(att, 0, "outcome"), "ok");
    ck_assert_double_eq(nget(doc, "tempo_bpm"), 97);
    ck_assert(json_is_array(json_object_get(doc, "trace")));
    json_decref(doc);
    free(text);
    free(path);

    /* a server that echoes a wrong key back: still no key in spec.json */
    fs_set_key(srv, "another-key");
    free(out);
    out = cz_strfmt("%s/b", dir);
    r = run(p, "music for a night drive through the city", 5, out);
    run_free(&r);
    path = cz_strfmt("%s/spec.json", out);
    text = czh_slurp(path, &n);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_null(strstr(text, KEY));
    doc = json_loads(text, 0, NULL);
    att = json_object_get(doc, "router");
    ck_assert_uint_eq(json_array_size(att), 2);
    ck_assert_int_eq((int)json_integer_value(json_object_get(json_array_get(att, 0), "http_status")), 401);
    ck_assert_str_eq(att_s(att, 1, "provider"), "local");
    json_decref(doc);
    free(text);
    free(path);
    fs_pipe_free(p);
    kit_rm(dir);
    free(out);
    free(dir);
}
END_TEST

/* ---- the real binary ------------------------------------------------------------------ */

static char *write_yaml(const char *dir, const char *name, const char *text)
{
    char *path = cz_strfmt("%s/%s", dir, name);
    kit_write(path, text);
    return path;
}

START_TEST(validate_warns_when_no_chat_provider_is_behind_the_router)
{
    char *dir = kit_tmpdir();
    char *path = write_yaml(dir, "p.yaml",
                            "pipeline: v\nstages:\n"
                            "  - { stage: ideation, module: ideation.rules }\n"
                            "providers:\n"
                            "  - { name: rep, module: provider.replicate, with: { api_key_env: \"\" } }\n"
                            "router: { module: router.fallback }\n");
    char *args = cz_strfmt("validate %s", path);
    char *out = NULL;
    int st = fs_cli(&out, args);
    /* chat is optional for ideation (the rules decide without it): a
     * warning, not a refusal */
    ck_assert_msg(st == 0, "%s", out);
    ck_assert_msg(strstr(out, "stage 'ideation' (ideation.rules) may ask for 'chat'") != NULL, "%s", out);
    free(out);
    free(args);
    free(path);
    kit_rm(dir);
    free(dir);
}
END_TEST

/* A python3 that has mido (Debian's python3-mido), or NULL. */
static const char *python_with_mido(void)
{
    if (!system("python3 -c 'import mido' >/dev/null 2>&1"))
        return "python3";
    if (!system("/usr/bin/python3 -c 'import mido' >/dev/null 2>&1"))
        return "/usr/bin/python3";
    return NULL;
}

/* Tempo (bpm) and key signature ("F#m") of a MIDI file, read by mido. */
static void midi_tempo_key(const char *py, const char *dir, const char *mid, double *bpm, char *key,
                           size_t n)
{
    char *script = write_yaml(dir, "read_midi.py",
                              "import sys, mido\n"
                              "m = mido.MidiFile(sys.argv[1])\n"
                              "t = [x for tr in m.tracks for x in tr if x.is_meta and x.type == 'set_tempo']\n"
                              "k = [x for tr in m.tracks for x in tr if x.is_meta and x.type == 'key_signature']\n"
                              "print('%.3f %s' % (mido.tempo2bpm(t[0].tempo), k[0].key))\n");
    char *cmd = cz_strfmt("%s %s %s 2>&1", py, script, mid);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    char line[256] = "";
    if (!fgets(line, sizeof line, f))
        line[0] = 0;
    int st = pclose(f);
    ck_assert_msg(st == 0, "mido could not read %s: %s", mid, line);
    char k[32] = "";
    ck_assert_msg(sscanf(line, "%lf %31s", bpm, k) == 2, "mido said: %s", line);
    snprintf(key, n, "%s", k);
    free(cmd);
    free(script);
}

START_TEST(cadenza_run_puts_the_model_tempo_and_key_in_the_midi)
{
    const char *py = python_with_mido();
    ck_assert_msg(py != NULL, "no python3 with mido (install python3-mido: tools/install-deps)");
    size_t n;
    char *midi_yaml = czh_slurp("config/pipelines/midi.yaml", &n);
    ck_assert_msg(midi_yaml != NULL, "config/pipelines/midi.yaml is missing (run from the repo root)");
    char *dir = kit_tmpdir();
    char *yaml = cz_strfmt("%s\nproviders:\n"
                           "  - name: llm\n"
                           "    module: provider.openai\n"
                           "    with: { base_url: \"%s/v1\", api_key_env: " KEY_ENV ", model: test-model,\n"
                           "            max_retries: 0, connect_timeout_ms: 1000 }\n"
                           "  - { name: local, module: provider.procedural }\n"
                           "router: { module: router.fallback, with: { providers: [llm, local] } }\n",
                           midi_yaml, fs_url(srv));
    char *path = write_yaml(dir, "midi-llm.yaml", yaml);
    fs_set_chat(srv, "{\"tempo_bpm\": 93, \"key\": \"F#\", \"mode\": \"minor\", "
                     "\"reasoning\": [\"a night drive at a relaxed cruising tempo\"]}");

    /* the model's tempo and key */
    char *args = cz_strfmt("run %s --prompt 'a song for a night drive' --seed 3 --out %s/a", path, dir);
    char *out = NULL;
    int st = fs_cli(&out, args);
    ck_assert_msg(st == 0, "cadenza run failed (%d):\n%s", st, out);
    ck_assert_msg(strstr(out, "(model: llm)") != NULL, "the progress line does not name llm:\n%s", out);
    ck_assert_ptr_null(strstr(out, KEY));
    ck_assert_uint_eq(fs_count(srv, CHAT_PATH), 1);
    char *mid = cz_strfmt("%s/a/song.mid", dir);
    double bpm = 0;
    char key[32];
    midi_tempo_key(py, dir, mid, &bpm, key, sizeof key);
    ck_assert_double_eq_tol(bpm, 93, 0.01);
    ck_assert_str_eq(key, "F#m");
    char *spec_path = cz_strfmt("%s/a/spec.json", dir);
    char *spec_text = czh_slurp(spec_path, &n);
    ck_assert_ptr_nonnull(spec_text);
    ck_assert_ptr_null(strstr(spec_text, KEY));
    json_t *spec = json_loads(spec_text, 0, NULL);
    ck_assert_str_eq(source_of(spec, "tempo_bpm"), "model");
    ck_assert_str_eq(att_s(json_object_get(spec, "router"), 0, "provider"), "llm");
    EXPECT_STEP(json_object_get(spec, "trace"), "reasoning", "model", "relaxed cruising tempo");
    json_decref(spec);
    free(spec_text);
    free(spec_path);
    free(mid);
    free(out);
    free(args);

    /* an explicit tempo in the prompt wins; the key is still the model's */
    args = cz_strfmt("run %s --prompt 'a song for a night drive, 126 bpm' --seed 3 --out %s/b", path, dir);
    st = fs_cli(&out, args);
    ck_assert_msg(st == 0, "cadenza run failed (%d):\n%s", st, out);
    mid = cz_strfmt("%s/b/song.mid", dir);
    midi_tempo_key(py, dir, mid, &bpm, key, sizeof key);
    ck_assert_double_eq_tol(bpm, 126, 0.01);
    ck_assert_str_eq(key, "F#m");
    free(mid);
    free(out);
    free(args);
    free(path);
    free(yaml);
    free(midi_yaml);
    kit_rm(dir);
    free(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ideation.llm");
    TCase *t = tcase_create("router");
    tcase_add_checked_fixture(t, start, stop);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, model_tempo_and_key_reach_the_spec_with_source_model);
    tcase_add_test(t, reasoning_lines_join_the_trace);
    tcase_add_test(t, what_the_prompt_states_wins_over_the_model);
    tcase_add_test(t, wrong_types_and_out_of_range_fields_are_dropped_with_a_reason);
    tcase_add_test(t, model_words_are_read_with_the_rules_vocabulary);
    tcase_add_test(t, every_word_the_system_text_offers_is_understood);
    tcase_add_test(t, a_reply_that_is_not_json_fails_and_the_fallback_answers);
    tcase_add_test(t, with_the_server_down_the_rules_decide_and_say_why);
    tcase_add_test(t, llm_off_sends_no_request);
    tcase_add_test(t, model_proposal_is_replayed_without_a_request);
    tcase_add_test(t, a_cached_answer_is_reused_and_the_trace_says_so);
    tcase_add_test(t, spec_json_carries_the_attempts_and_never_the_key);
    tcase_add_test(t, validate_warns_when_no_chat_provider_is_behind_the_router);
    tcase_add_test(t, cadenza_run_puts_the_model_tempo_and_key_in_the_midi);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return czh_run_suite(suite());
}
