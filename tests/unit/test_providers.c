/*
 * The provider modules against the loopback fake server speaking each
 * service's wire format: what each sends (method, path, headers, body),
 * how it reads JSON and streamed answers, how it fails (and whether a
 * router may retry), the offline provider's answers, production.provider
 * end to end (in process and through the real binary), validate-time
 * errors with their file:line:col, and keys that never reach any output.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kernel/kernel.h"
#include "fakeserver.h"
#include "harness.h"
#include "kit.h"

#define KEY "sk-live-TOPSECRET-0123456789abcdef"

static fs_server *srv;

static void start(void)
{
    srv = fs_start_with_key(KEY);
}

static void stop(void)
{
    fs_stop(srv);
    srv = NULL;
}

/* A pipeline whose only stage is a noop-ish reader (ideation.rules, with
 * llm: off) with the given providers block; routers use fallback over all
 * providers. ideation.rules declares that it requests chat, so validate
 * wants a chat provider behind the router: audio-only blocks get a
 * chat-only stub that nothing calls. */
static fs_pipe *pipe_with(const char *providers_yaml)
{
    char yaml[4096], why[600];
    int chat = strstr(providers_yaml, "provider.openai") || strstr(providers_yaml, "provider.anthropic") ||
               strstr(providers_yaml, "provider.procedural");
    snprintf(yaml, sizeof yaml,
             "pipeline: t\nstages:\n  - stage: ideation\n    module: ideation.rules\n    with: { llm: off }\n"
             "providers:\n%s%s"
             "router: { module: router.fallback, with: { max_retries: 0, backoff_ms: 1 } }\n",
             providers_yaml,
             chat ? "" : "  - { name: chat-stub, module: provider.openai, with: { base_url: \"http://127.0.0.1:9/v1\", "
                         "api_key_env: \"\" } }\n");
    fs_pipe *p = fs_pipe_new(yaml, why, sizeof why);
    ck_assert_msg(p != NULL, "pipeline did not build: %s", why);
    return p;
}

static json_t *body_of(const fs_req *r)
{
    json_t *j = json_loads(r->body, 0, NULL);
    ck_assert_msg(j != NULL, "request body is not JSON: %s", r->body);
    return j;
}

/* The last request with exactly this method and path. */
static const fs_req *last_exact(const char *method, const char *path)
{
    const fs_req *hit = NULL;
    for (size_t i = 0; fs_request(srv, i); i++)
        if (!strcmp(fs_request(srv, i)->method, method) && !strcmp(fs_request(srv, i)->path, path))
            hit = fs_request(srv, i);
    ck_assert_msg(hit != NULL, "no %s %s", method, path);
    return hit;
}

static const char *jstr(const json_t *o, const char *path)
{
    return json_string_value(json_object_get(o, path));
}

/* ---- provider.openai ------------------------------------------------------------ */

static fs_pipe *openai_pipe(const char *extra)
{
    char prov[1024];
    snprintf(prov, sizeof prov,
             "  - name: oa\n    module: provider.openai\n    with: { base_url: \"%s/v1\", api_key_env: CZ_TEST_KEY, "
             "model: gpt-test, timeout_ms: 3000%s }\n",
             fs_url(srv), extra ? extra : "");
    return pipe_with(prov);
}

#define CHAT_JSON "{\"system\": \"You plan songs.\", \"prompt\": \"sunny pop\", \"json\": true, \"max_tokens\": 200}"

START_TEST(openai_sends_the_documented_request)
{
    fs_pipe *p = openai_pipe(NULL);
    cz_reply r;
    cz_error err = {0};
    ck_assert_msg(fs_pipe_call(p, "oa", "chat", CHAT_JSON, &r, &err) == 0, "%s", err.msg);
    const fs_req *q = fs_last(srv, "/v1/chat/completions");
    ck_assert_ptr_nonnull(q);
    ck_assert_str_eq(q->method, "POST");
    char v[256];
    ck_assert_str_eq(fs_header(q, "Authorization", v, sizeof v), "Bearer " KEY);
    ck_assert_str_eq(fs_header(q, "Content-Type", v, sizeof v), "application/json");
    json_t *b = body_of(q);
    ck_assert_str_eq(jstr(b, "model"), "gpt-test");
    json_t *msgs = json_object_get(b, "messages");
    ck_assert_uint_eq(json_array_size(msgs), 2);
    ck_assert_str_eq(jstr(json_array_get(msgs, 0), "role"), "system");
    ck_assert_str_eq(jstr(json_array_get(msgs, 0), "content"), "You plan songs.\nAnswer with one JSON object.");
    ck_assert_str_eq(jstr(json_array_get(msgs, 1), "role"), "user");
    ck_assert_str_eq(jstr(json_array_get(msgs, 1), "content"), "sunny pop");
    ck_assert_int_eq(json_integer_value(json_object_get(b, "max_tokens")), 200);
    ck_assert_str_eq(jstr(json_object_get(b, "response_format"), "type"), "json_object");
    ck_assert_ptr_null(json_object_get(b, "stream"));
    ck_assert(json_is_integer(json_object_get(b, "seed")));
    json_decref(b);
    /* the reply convention */
    ck_assert_ptr_nonnull(strstr(jstr(r.json, "text"), "tempo_bpm"));
    json_t *obj = json_object_get(r.json, "json");
    ck_assert(json_is_object(obj));
    ck_assert_int_eq(json_integer_value(json_object_get(obj, "tempo_bpm")), 128);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r.json, "usage"), "input_tokens")), 12);
    ck_assert_str_eq(jstr(r.json, "model"), "gpt-test");
    ck_assert_int_eq(r.http_status, 200);
    ck_assert_str_eq(r.provider, "oa");
    cz_reply_clear(&r);
    fs_pipe_free(p);
}
END_TEST

START_TEST(openai_streams_and_local_servers_need_no_key)
{
    char prov[1024];
    snprintf(prov, sizeof prov,
             "  - name: local_llm\n    module: provider.openai\n"
             "    with: { base_url: \"%s/v1\", api_key_env: \"\", model: local, stream: true, json_mode: false }\n",
             fs_url(srv));
    fs_pipe *p = pipe_with(prov);
    cz_reply r;
    cz_error err = {0};
    ck_assert_msg(fs_pipe_call(p, "local_llm", "chat", CHAT_JSON, &r, &err) == 0, "%s", err.msg);
    const fs_req *q = fs_last(srv, "/v1/chat/completions");
    char v[256];
    ck_assert_ptr_null(fs_header(q, "Authorization", v, sizeof v));
    json_t *b = body_of(q);
    ck_assert(json_is_true(json_object_get(b, "stream")));
    ck_assert_ptr_null(json_object_get(b, "response_format"));
    json_decref(b);
    ck_assert_str_eq(jstr(r.json, "text"), "{\"tempo_bpm\": 128, \"mood\": [\"bright\"], \"caption\": \"sunny pop\"}");
    ck_assert_str_eq(jstr(json_object_get(r.json, "json"), "caption"), "sunny pop");
    cz_reply_clear(&r);

    /* a stream cut mid-event, and an error inside the stream, are retryable */
    fs_push_fault(srv, NULL, FS_CUT, 0);
    ck_assert_int_eq(fs_pipe_call(p, "local_llm", "chat", CHAT_JSON, &r, &err), CZ_ERETRY);
    cz_reply_clear(&r);
    fs_push_fault(srv, NULL, FS_STREAM_ERROR, 0);
    ck_assert_int_eq(fs_pipe_call(p, "local_llm", "chat", CHAT_JSON, &r, &err), CZ_ERETRY);
    ck_assert_ptr_nonnull(strstr(err.msg, "overloaded"));
    cz_reply_clear(&r);
    fs_pipe_free(p);
}
END_TEST

START_TEST(openai_failures_have_the_right_class)
{
    fs_pipe *p = openai_pipe(NULL);
    cz_reply r;
    cz_error err = {0};
    fs_push_fault(srv, NULL, FS_PROSE, 0); /* asked for JSON, got prose */
    ck_assert_int_eq(fs_pipe_call(p, "oa", "chat", CHAT_JSON, &r, &err), CZ_EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "JSON object"));
    cz_reply_clear(&r);
    /* the same prose is fine when no JSON was asked for */
    fs_push_fault(srv, NULL, FS_PROSE, 0);
    ck_assert_int_eq(fs_pipe_call(p, "oa", "chat", "{\"prompt\": \"hi\"}", &r, &err), 0);
    ck_assert_ptr_null(json_object_get(r.json, "json"));
    cz_reply_clear(&r);
    fs_push_fault(srv, NULL, FS_NOT_JSON, 0);
    ck_assert_int_eq(fs_pipe_call(p, "oa", "chat", CHAT_JSON, &r, &err), CZ_EPROTO);
    cz_reply_clear(&r);
    fs_push_fault(srv, NULL, FS_429, 3);
    ck_assert_int_eq(fs_pipe_call(p, "oa", "chat", CHAT_JSON, &r, &err), CZ_ERETRY);
    ck_assert_int_eq(r.http_status, 429);
    ck_assert_int_eq(r.retry_after_ms, 3000);
    cz_reply_clear(&r);
    fs_set_key(srv, "the-right-key");
    ck_assert_int_eq(fs_pipe_call(p, "oa", "chat", CHAT_JSON, &r, &err), CZ_EPERM);
    ck_assert_ptr_null(strstr(err.msg, KEY)); /* the server quoted it back */
    ck_assert_ptr_nonnull(strstr(err.msg, "CZ_TEST_KEY"));
    cz_reply_clear(&r);
    ck_assert_int_eq(fs_pipe_call(p, "oa", "chat", "{\"json\": true}", &r, &err), CZ_EINVAL);
    cz_reply_clear(&r);
    fs_pipe_free(p);
}
END_TEST

/* ---- provider.anthropic ---------------------------------------------------------- */

START_TEST(anthropic_sends_the_documented_request_and_streams)
{
    char prov[1024];
    snprintf(prov, sizeof prov,
             "  - name: an\n    module: provider.anthropic\n    with: { base_url: \"%s\", api_key_env: CZ_TEST_KEY, "
             "model: claude-test }\n"
             "  - name: ans\n    module: provider.anthropic\n    with: { base_url: \"%s\", api_key_env: CZ_TEST_KEY, "
             "model: claude-test, stream: true, max_tokens: 300 }\n",
             fs_url(srv), fs_url(srv));
    fs_pipe *p = pipe_with(prov);
    cz_reply r;
    cz_error err = {0};
    ck_assert_msg(fs_pipe_call(p, "an", "chat", CHAT_JSON, &r, &err) == 0, "%s", err.msg);
    const fs_req *q = fs_last(srv, "/v1/messages");
    char v[256];
    ck_assert_str_eq(fs_header(q, "x-api-key", v, sizeof v), KEY);
    ck_assert_str_eq(fs_header(q, "anthropic-version", v, sizeof v), "2023-06-01");
    ck_assert_str_eq(fs_header(q, "Content-Type", v, sizeof v), "application/json");
    ck_assert_ptr_null(fs_header(q, "Authorization", v, sizeof v));
    json_t *b = body_of(q);
    ck_assert_str_eq(jstr(b, "model"), "claude-test");
    ck_assert_int_eq(json_integer_value(json_object_get(b, "max_tokens")), 200);
    ck_assert_ptr_nonnull(strstr(jstr(b, "system"), "You plan songs."));
    ck_assert_ptr_nonnull(strstr(jstr(b, "system"), "JSON object"));
    json_t *msgs = json_object_get(b, "messages");
    ck_assert_uint_eq(json_array_size(msgs), 1);
    ck_assert_str_eq(jstr(json_array_get(msgs, 0), "role"), "user");
    json_decref(b);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r.json, "json"), "tempo_bpm")), 128);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r.json, "usage"), "output_tokens")), 8);
    cz_reply_clear(&r);

    /* streamed: ping ignored, deltas joined; max_tokens from the option */
    ck_assert_msg(fs_pipe_call(p, "ans", "chat", "{\"prompt\": \"x\", \"json\": true}", &r, &err) == 0, "%s",
                  err.msg);
    b = body_of(fs_last(srv, "/v1/messages"));
    ck_assert(json_is_true(json_object_get(b, "stream")));
    ck_assert_int_eq(json_integer_value(json_object_get(b, "max_tokens")), 300);
    json_decref(b);
    ck_assert_str_eq(jstr(r.json, "text"), "{\"tempo_bpm\": 128, \"mood\": [\"bright\"], \"caption\": \"sunny pop\"}");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r.json, "usage"), "input_tokens")), 12);
    cz_reply_clear(&r);

    fs_push_fault(srv, NULL, FS_STREAM_ERROR, 0);
    ck_assert_int_eq(fs_pipe_call(p, "ans", "chat", CHAT_JSON, &r, &err), CZ_ERETRY);
    ck_assert_ptr_nonnull(strstr(err.msg, "overloaded_error"));
    cz_reply_clear(&r);
    fs_push_fault(srv, NULL, FS_CUT, 0);
    ck_assert_int_eq(fs_pipe_call(p, "ans", "chat", CHAT_JSON, &r, &err), CZ_ERETRY);
    cz_reply_clear(&r);
    fs_push_fault(srv, NULL, FS_401, 0);
    ck_assert_int_eq(fs_pipe_call(p, "an", "chat", CHAT_JSON, &r, &err), CZ_EPERM);
    cz_reply_clear(&r);
    fs_pipe_free(p);
}
END_TEST

/* ---- provider.acestep ------------------------------------------------------------- */

#define AUDIO_REQ "{\"caption\": \"waltz for strings\", \"bpm\": 96.4, \"key\": \"A\", \"mode\": \"minor\", " \
                  "\"meter\": \"3/4\", \"duration_s\": 42, \"seed\": 77, \"rate\": 48000}"

START_TEST(acestep_submits_polls_and_downloads)
{
    char prov[1024];
    snprintf(prov, sizeof prov,
             "  - name: ace\n    module: provider.acestep\n    with: { base_url: \"%s\", api_key_env: CZ_TEST_KEY, "
             "poll_ms: 10, timeout_ms: 5000 }\n",
             fs_url(srv));
    fs_pipe *p = pipe_with(prov);
    fs_set_polls(srv, 2);
    cz_reply r;
    cz_error err = {0};
    ck_assert_msg(fs_pipe_call(p, "ace", "audio", AUDIO_REQ, &r, &err) == 0, "%s", err.msg);
    const fs_req *q = fs_last(srv, "/release_task");
    char v[256];
    ck_assert_str_eq(fs_header(q, "Authorization", v, sizeof v), "Bearer " KEY);
    json_t *b = body_of(q);
    ck_assert_str_eq(jstr(b, "prompt"), "waltz for strings");
    ck_assert_int_eq(json_integer_value(json_object_get(b, "bpm")), 96);
    ck_assert_str_eq(jstr(b, "key_scale"), "A Minor");
    ck_assert_str_eq(jstr(b, "time_signature"), "3");
    ck_assert_double_eq_tol(json_number_value(json_object_get(b, "audio_duration")), 42, 1e-9);
    ck_assert_int_eq(json_integer_value(json_object_get(b, "seed")), 77);
    ck_assert(json_is_false(json_object_get(b, "use_random_seed")));
    ck_assert_str_eq(jstr(b, "audio_format"), "wav");
    ck_assert_int_eq(json_integer_value(json_object_get(b, "batch_size")), 1);
    ck_assert_str_eq(jstr(b, "lyrics"), "[Instrumental]");
    json_decref(b);
    ck_assert_uint_eq(fs_count(srv, "/query_result"), 3); /* running, running, done */
    json_t *qr = body_of(fs_last(srv, "/query_result"));
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(qr, "task_id_list"), 0)), "task-1");
    json_decref(qr);
    const fs_req *dl = fs_last(srv, "/v1/audio");
    ck_assert_str_eq(dl->method, "GET");
    ck_assert_str_eq(dl->path, "/v1/audio?path=%2Ftmp%2Fapi_audio%2Ftask-1.wav");
    ck_assert_ptr_nonnull(r.audio);
    ck_assert_uint_eq(r.audio->rate, 44100);
    ck_assert_uint_eq(r.audio->channels, 2);
    ck_assert_uint_eq(r.audio->frames, 66150);
    ck_assert_float_eq_tol(r.audio->samples[2 * 25], (float)(0.5 * sin(2 * M_PI * 440 * 25 / 44100.0)), 1e-3);
    ck_assert_str_eq(jstr(r.json, "task_id"), "task-1");
    cz_reply_clear(&r);
    fs_pipe_free(p);
}
END_TEST

START_TEST(acestep_failures_and_the_whole_job_deadline)
{
    char prov[1024];
    snprintf(prov, sizeof prov,
             "  - name: ace\n    module: provider.acestep\n    with: { base_url: \"%s\", poll_ms: 10, "
             "timeout_ms: 400 }\n",
             fs_url(srv));
    fs_pipe *p = pipe_with(prov);
    cz_reply r;
    cz_error err = {0};
    fs_push_fault(srv, "/query_result", FS_GEN_FAIL, 0);
    fs_push_fault(srv, "/query_result", FS_GEN_FAIL, 0);
    ck_assert_int_eq(fs_pipe_call(p, "ace", "audio", AUDIO_REQ, &r, &err), CZ_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "failed"));
    cz_reply_clear(&r);
    fs_set_polls(srv, 1000000); /* never done */
    double t0 = cz_clock_ms();
    ck_assert_int_eq(fs_pipe_call(p, "ace", "audio", AUDIO_REQ, &r, &err), CZ_ETIMEOUT);
    ck_assert_double_lt(cz_clock_ms() - t0, 3000);
    cz_reply_clear(&r);
    fs_set_polls(srv, 0);
    fs_push_fault(srv, "/v1/audio", FS_CUT, 0);
    ck_assert_int_eq(fs_pipe_call(p, "ace", "audio", AUDIO_REQ, &r, &err), CZ_ERETRY);
    cz_reply_clear(&r);
    fs_push_fault(srv, "/release_task", FS_NOT_JSON, 0);
    ck_assert_int_eq(fs_pipe_call(p, "ace", "audio", AUDIO_REQ, &r, &err), CZ_EPROTO);
    cz_reply_clear(&r);
    fs_pipe_free(p);
}
END_TEST

/* ---- provider.replicate -------------------------------------------------------------- */

START_TEST(replicate_predicts_polls_and_keeps_the_token_home)
{
    fs_server *cdn = fs_start();
    fs_set_file_base(srv, fs_url(cdn));
    fs_set_output_list(srv, 1);
    char prov[1400];
    snprintf(prov, sizeof prov,
             "  - name: rep\n    module: provider.replicate\n    with: { base_url: \"%s/v1\", api_key_env: CZ_TEST_KEY, "
             "poll_ms: 10, timeout_ms: 5000 }\n"
             "  - name: repv\n    module: provider.replicate\n    with: { base_url: \"%s/v1\", api_key_env: CZ_TEST_KEY, "
             "poll_ms: 10, version: abc123, max_duration_s: 20 }\n",
             fs_url(srv), fs_url(srv));
    fs_pipe *p = pipe_with(prov);
    cz_reply r;
    cz_error err = {0};
    ck_assert_msg(fs_pipe_call(p, "rep", "audio", AUDIO_REQ, &r, &err) == 0, "%s", err.msg);
    const fs_req *q = fs_last(srv, "/v1/models/meta/musicgen/predictions");
    ck_assert_ptr_nonnull(q);
    char v[256];
    ck_assert_str_eq(fs_header(q, "Authorization", v, sizeof v), "Bearer " KEY);
    json_t *b = body_of(q);
    json_t *in = json_object_get(b, "input");
    ck_assert_str_eq(jstr(in, "prompt"), "waltz for strings, 96 bpm, A minor");
    ck_assert_int_eq(json_integer_value(json_object_get(in, "duration")), 30); /* capped */
    ck_assert_int_eq(json_integer_value(json_object_get(in, "seed")), 77);
    ck_assert_str_eq(jstr(in, "output_format"), "wav");
    ck_assert_str_eq(jstr(in, "model_version"), "stereo-large");
    ck_assert_ptr_null(json_object_get(b, "version"));
    json_decref(b);
    ck_assert_uint_ge(fs_count(srv, "/v1/predictions/p1"), 2);
    ck_assert_str_eq(fs_last(srv, "/v1/predictions/")->method, "GET");
    const fs_req *dl = fs_last(cdn, "/files/");
    ck_assert_str_eq(dl->path, "/files/p1.wav");
    ck_assert_ptr_null(fs_header(dl, "Authorization", v, sizeof v)); /* not for the CDN */
    ck_assert_uint_eq(r.audio->frames, 66150);
    cz_reply_clear(&r);

    fs_set_output_list(srv, 0);
    ck_assert_msg(fs_pipe_call(p, "repv", "audio", AUDIO_REQ, &r, &err) == 0, "%s", err.msg);
    b = body_of(last_exact("POST", "/v1/predictions"));
    ck_assert_str_eq(jstr(b, "version"), "abc123");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(b, "input"), "duration")), 20);
    json_decref(b);
    cz_reply_clear(&r);

    fs_push_fault(srv, "/v1/predictions/", FS_GEN_FAIL, 0);
    fs_push_fault(srv, "/v1/predictions/", FS_GEN_FAIL, 0);
    ck_assert_int_eq(fs_pipe_call(p, "rep", "audio", AUDIO_REQ, &r, &err), CZ_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "CUDA out of memory"));
    cz_reply_clear(&r);
    fs_pipe_free(p);
    fs_stop(cdn);
}
END_TEST

/* ---- provider.procedural --------------------------------------------------------------- */

/* Energy of pitch class pc over octaves 2..6 (Goertzel, left channel). */
static double pc_energy(const cz_audio *a, int pc)
{
    double e = 0;
    for (int oct = 2; oct <= 6; oct++) {
        double f = 440.0 * pow(2.0, (12 * (oct + 1) + pc - 69) / 12.0);
        double w = 2 * cos(2 * M_PI * f / a->rate), s1 = 0, s2 = 0;
        for (uint64_t i = 0; i < a->frames; i++) {
            double s0 = a->samples[i * a->channels] + w * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        e += s1 * s1 + s2 * s2 - w * s1 * s2;
    }
    return e;
}

START_TEST(procedural_answers_offline_and_plays_in_key)
{
    fs_pipe *p = pipe_with("  - name: local\n    module: provider.procedural\n");
    cz_reply r;
    cz_error err = {0};
    ck_assert_int_eq(fs_pipe_call(p, "local", "chat", CHAT_JSON, &r, &err), 0);
    ck_assert_str_eq(jstr(r.json, "text"), "{}");
    ck_assert(json_is_object(json_object_get(r.json, "json")));
    ck_assert_uint_eq(json_object_size(json_object_get(r.json, "json")), 0);
    ck_assert_ptr_nonnull(strstr(jstr(r.json, "reasoning"), "offline"));
    cz_reply_clear(&r);

    const char *req = "{\"caption\": \"dark synthwave\", \"bpm\": 100, \"key\": \"A\", \"mode\": \"minor\", "
                      "\"meter\": \"4/4\", \"duration_s\": 12, \"seed\": 5, \"rate\": 22050}";
    ck_assert_int_eq(fs_pipe_call(p, "local", "audio", req, &r, &err), 0);
    const cz_audio *a = r.audio;
    ck_assert_uint_eq(a->rate, 22050);
    ck_assert_uint_eq(a->channels, 2);
    ck_assert_uint_eq(a->frames, 12 * 22050);
    float peak = 0;
    for (uint64_t i = 0; i < a->frames * 2; i++)
        peak = fmaxf(peak, fabsf(a->samples[i]));
    ck_assert_float_eq_tol(peak, 0.708f, 0.01f); /* -3 dBFS */
    /* A natural minor: A B C D E F G; far more energy there than off-key */
    static const int in_key[] = {9, 11, 0, 2, 4, 5, 7}, off_key[] = {10, 1, 3, 6, 8};
    double on = 0, off = 0;
    for (int i = 0; i < 7; i++)
        on += pc_energy(a, in_key[i]) / 7;
    for (int i = 0; i < 5; i++)
        off += pc_energy(a, off_key[i]) / 5;
    ck_assert_msg(on > 8 * off, "in-key energy %g vs off-key %g", on, off);

    /* deterministic in the request and seed */
    cz_reply r2;
    ck_assert_int_eq(fs_pipe_call(p, "local", "audio", req, &r2, &err), 0);
    ck_assert_int_eq(memcmp(a->samples, r2.audio->samples, a->frames * 2 * sizeof(float)), 0);
    cz_reply_clear(&r2);
    ck_assert_int_eq(fs_pipe_call(p, "local", "audio",
                                  "{\"key\": \"A\", \"mode\": \"minor\", \"duration_s\": 12, \"seed\": 6, \"rate\": 22050}",
                                  &r2, &err), 0);
    ck_assert_int_ne(memcmp(a->samples, r2.audio->samples, a->frames * 2 * sizeof(float)), 0);
    cz_reply_clear(&r2);
    cz_reply_clear(&r);
    ck_assert_int_eq(fs_pipe_call(p, "local", "audio", "{\"key\": \"H#\"}", &r, &err), CZ_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "H#"));
    cz_reply_clear(&r);
    fs_pipe_free(p);
}
END_TEST

/* ---- production.provider ------------------------------------------------------------- */

static double tone_energy(const cz_audio *a, double f, uint64_t from, uint64_t to)
{
    double w = 2 * cos(2 * M_PI * f / a->rate), s1 = 0, s2 = 0;
    for (uint64_t i = from; i < to; i++) {
        double s0 = a->samples[i * 2] + w * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return (s1 * s1 + s2 * s2 - w * s1 * s2) / ((double)(to - from) * (to - from));
}

START_TEST(production_provider_renders_through_acestep_in_process)
{
    char yaml[2048], why[600];
    snprintf(yaml, sizeof yaml,
             "pipeline: t\nstages:\n  - stage: ideation\n    module: ideation.rules\n    with: { llm: off }\n"
             "  - { stage: composition, module: composition.theory }\n"
             "  - { stage: arrangement, module: arrangement.sections }\n"
             "  - stage: production\n    module: production.provider\n    with: { rate: 48000 }\n"
             "providers:\n"
             "  - { name: ace, module: provider.acestep, with: { base_url: \"%s\", poll_ms: 10, timeout_ms: 5000 } }\n"
             "  - { name: local, module: provider.procedural }\n"
             "router: { module: router.fallback, with: { providers: [ace, local] } }\n",
             fs_url(srv));
    fs_pipe *p = fs_pipe_new(yaml, why, sizeof why);
    ck_assert_msg(p != NULL, "%s", why);
    cz_error err = {0};
    ck_assert_msg(fs_pipe_run(p, "a calm piano piece, 20 seconds", 9, NULL, &err) == 0, "%s", err.msg);
    const cz_audio *a = NULL;
    ck_assert_int_eq(cz_bus_get_audio(fs_pipe_bus(p), "production.stems", &a), 0);
    /* the length asked for is the arranged song's, within a bar of the spec's */
    const cz_score *sc = NULL;
    const json_t *spec = NULL;
    ck_assert_int_eq(cz_bus_get_score(fs_pipe_bus(p), "arrangement.score", &sc), 0);
    cz_bus_get_json(fs_pipe_bus(p), "ideation.spec", &spec);
    double secs = (double)sc->total_ticks / sc->ppq * 60.0 / sc->bpm;
    double bar_s = 60.0 / sc->bpm * 4.0 * sc->meter_num / sc->meter_den;
    ck_assert_double_le(fabs(secs - json_number_value(json_object_get(spec, "duration_s"))), bar_s + 1e-9);
    ck_assert_uint_eq(a->rate, 48000);
    ck_assert_uint_eq(a->channels, 2);
    ck_assert_uint_eq(a->frames, (uint64_t)llround(secs * 48000));
    const cz_audio *mix = cz_audio_stem(a, "mix");
    ck_assert_ptr_nonnull(mix);
    ck_assert_uint_eq(a->n_stems, 1);
    ck_assert_int_eq(memcmp(mix->samples, a->samples, a->frames * 2 * sizeof(float)), 0);
    /* the server's 1.5 s of 440 Hz (left), resampled from 44.1 kHz, then silence */
    uint64_t s15 = 48000 * 3 / 2;
    double at440 = tone_energy(a, 440, 4800, s15 - 4800), at470 = tone_energy(a, 470, 4800, s15 - 4800);
    ck_assert_msg(at440 > 1000 * at470, "440 Hz %g, 470 Hz %g", at440, at470);
    ck_assert_float_eq_tol(a->samples[2 * (s15 / 2)], (float)(0.5 * sin(2 * M_PI * 440 * (s15 / 2) / 48000.0)), 2e-3);
    for (uint64_t i = s15 + 100; i < a->frames * 2 / 2; i++)
        ck_assert_float_eq(a->samples[2 * i], 0);
    /* which provider answered, and the request it got */
    json_t *b = body_of(fs_last(srv, "/release_task"));
    ck_assert_int_eq(json_integer_value(json_object_get(b, "seed")), 9);
    ck_assert_double_eq_tol(json_number_value(json_object_get(b, "audio_duration")), secs < 10 ? 10 : secs, 1e-9);
    json_decref(b);
    const json_t *att = fs_pipe_attempts(p);
    ck_assert_uint_eq(json_array_size(att), 1);
    ck_assert_str_eq(jstr(json_array_get(att, 0), "provider"), "ace");
    ck_assert_str_eq(jstr(json_array_get(att, 0), "outcome"), "ok");
    ck_assert_str_eq(jstr(json_array_get(att, 0), "stage"), "production");
    fs_pipe_free(p);
}
END_TEST

START_TEST(production_provider_falls_back_offline_and_fails_cleanly)
{
    fs_pipe *p = fs_pipe_new("pipeline: t\nstages:\n  - stage: ideation\n    module: ideation.rules\n"
                             "    with: { llm: off }\n"
                             "  - { stage: composition, module: composition.theory }\n"
                             "  - { stage: arrangement, module: arrangement.sections }\n"
                             "  - stage: production\n    module: production.provider\n    with: { rate: 44100 }\n"
                             "providers:\n"
                             "  - { name: ace, module: provider.acestep, with: { base_url: \"http://127.0.0.1:9\", "
                             "max_retries: 0 } }\n"
                             "  - { name: local, module: provider.procedural }\n"
                             "router: { module: router.fallback }\n",
                             (char[600]){0}, 600);
    ck_assert_ptr_nonnull(p);
    cz_error err = {0};
    ck_assert_msg(fs_pipe_run(p, "dark techno, 10 seconds", 3, NULL, &err) == 0, "%s", err.msg);
    const cz_audio *a = NULL;
    ck_assert_int_eq(cz_bus_get_audio(fs_pipe_bus(p), "production.stems", &a), 0);
    ck_assert_uint_eq(a->rate, 44100);
    const json_t *att = fs_pipe_attempts(p);
    ck_assert_uint_eq(json_array_size(att), 2);
    ck_assert_str_eq(jstr(json_array_get(att, 0), "outcome"), "failed");
    ck_assert_str_eq(jstr(json_array_get(att, 1), "provider"), "local");
    fs_pipe_free(p);

    /* an empty bus: a clean error, not a crash */
    cz_error e2 = {0};
    czh *h = czh_new(czh_module_path("production.provider"), NULL, &e2);
    ck_assert_msg(h != NULL, "%s", e2.msg);
    ck_assert_int_eq(czh_run(h, 1, &e2), CZ_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(e2.msg, "ideation.spec"));
    czh_free(h);
}
END_TEST

/* ---- keys never reach an output --------------------------------------------------------- */

static int file_has(const char *path, const char *needle)
{
    size_t n;
    char *t = czh_slurp(path, &n);
    int hit = t && memmem(t, n, needle, strlen(needle)) != NULL;
    free(t);
    return hit;
}

static int tree_has(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int hit = 0;
    struct dirent *e;
    while (!hit && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *p = cz_strfmt("%s/%s", dir, e->d_name);
        struct stat st;
        if (!stat(p, &st))
            hit = S_ISDIR(st.st_mode) ? tree_has(p, needle) : file_has(p, needle);
        free(p);
    }
    closedir(d);
    return hit;
}

START_TEST(no_key_in_logs_bus_attempts_or_errors)
{
    char *logbuf = NULL;
    size_t loglen = 0;
    FILE *lf = open_memstream(&logbuf, &loglen);
    cz_log_configure(CZ_LOG_DEBUG, CZ_LOGFMT_JSON, lf);
    fs_set_key(srv, "the-right-key"); /* so ours is refused, and quoted back */
    char prov[1400];
    snprintf(prov, sizeof prov,
             "  - name: oa\n    module: provider.openai\n    with: { base_url: \"%s/v1\", api_key_env: CZ_TEST_KEY }\n"
             "  - name: an\n    module: provider.anthropic\n    with: { base_url: \"%s\", api_key_env: CZ_TEST_KEY }\n"
             "  - name: local\n    module: provider.procedural\n",
             fs_url(srv), fs_url(srv));
    fs_pipe *p = pipe_with(prov);
    cz_reply r;
    cz_error err = {0};
    ck_assert_int_eq(fs_pipe_ask(p, "chat", CHAT_JSON, &r, &err), 0); /* oa 401, an 401, local ok */
    ck_assert_str_eq(r.provider, "local");
    cz_reply_clear(&r);
    ck_assert_int_eq(fs_pipe_call(p, "oa", "chat", CHAT_JSON, &r, &err), CZ_EPERM);
    ck_assert_ptr_null(strstr(err.msg, KEY));
    cz_reply_clear(&r);
    const json_t *att = fs_pipe_attempts(p);
    ck_assert_uint_eq(json_array_size(att), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(att, 0), "http_status")), 401);
    char *dump = json_dumps(att, 0);
    ck_assert_ptr_null(strstr(dump, KEY));
    ck_assert_ptr_null(strstr(dump, "TOPSECRET"));
    free(dump);
    char *dir = kit_tmpdir();
    ck_assert_int_eq(cz_bus_save(fs_pipe_bus(p), dir, &err), 0);
    ck_assert(!tree_has(dir, "TOPSECRET"));
    kit_rm(dir);
    free(dir);
    fs_pipe_free(p);
    cz_log_configure(CZ_LOG_WARN, CZ_LOGFMT_TEXT, NULL);
    fclose(lf);
    ck_assert_ptr_nonnull(strstr(logbuf, "401"));
    ck_assert_ptr_null(strstr(logbuf, "TOPSECRET"));
    free(logbuf);
    /* the server did see it: the test would prove nothing otherwise */
    char v[256];
    ck_assert_str_eq(fs_header(fs_last(srv, "/v1/chat"), "Authorization", v, sizeof v), "Bearer " KEY);
}
END_TEST

/* ---- the real binary -------------------------------------------------------------------- */

static char *write_yaml(const char *dir, const char *text)
{
    char *path = cz_strfmt("%s/p.yaml", dir);
    kit_write(path, text);
    return path;
}

START_TEST(cadenza_run_makes_a_song_through_the_fake_acestep)
{
    char *dir = kit_tmpdir();
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "pipeline: ace-e2e\nstages:\n"
             "  - { stage: ideation, module: ideation.rules, with: { llm: off } }\n"
             "  - { stage: composition, module: composition.theory }\n"
             "  - { stage: arrangement, module: arrangement.sections }\n"
             "  - { stage: production, module: production.provider, with: { rate: 48000 } }\n"
             "  - { stage: mixing, module: mixing.console }\n"
             "  - { stage: mastering, module: mastering.streaming }\n"
             "  - { stage: finalization, module: finalization.files }\n"
             "providers:\n"
             "  - { name: acestep, module: provider.acestep, with: { base_url: \"%s\", api_key_env: CZ_TEST_KEY, "
             "poll_ms: 10, timeout_ms: 10000 } }\n"
             "  - { name: local, module: provider.procedural }\n"
             "router: { module: router.fallback, with: { providers: [acestep, local] } }\n",
             fs_url(srv));
    char *path = write_yaml(dir, yaml);
    fs_set_wav(srv, 44100, 2, 12);
    char *args = cz_strfmt("run %s --prompt 'lofi beat, 12 seconds' --seed 4 --out %s/out", path, dir);
    char *out = NULL;
    int st = fs_cli(&out, args);
    ck_assert_msg(st == 0, "cadenza run failed (%d):\n%s", st, out);
    ck_assert_ptr_null(strstr(out, "TOPSECRET"));
    char *song = cz_strfmt("%s/out/song.json", dir);
    size_t n;
    char *text = czh_slurp(song, &n);
    ck_assert_msg(text != NULL, "no song.json:\n%s", out);
    ck_assert_ptr_null(strstr(text, "TOPSECRET"));
    json_t *j = json_loads(text, 0, NULL);
    /* finalization.files writes router.attempts under "router" */
    json_t *att = json_object_get(j, "router");
    ck_assert_msg(json_array_size(att) == 1, "attempts in song.json: %s", text);
    ck_assert_str_eq(jstr(json_array_get(att, 0), "provider"), "acestep");
    ck_assert_str_eq(jstr(json_array_get(att, 0), "outcome"), "ok");
    ck_assert_uint_eq(fs_count(srv, "/release_task"), 1);
    ck_assert_uint_eq(fs_count(srv, "/v1/audio"), 1);
    char *wav = cz_strfmt("%s/out/song.wav", dir);
    struct stat sb;
    ck_assert_int_eq(stat(wav, &sb), 0);
    ck_assert_int_gt(sb.st_size, 48000 * 4);
    json_decref(j);
    free(wav);
    free(text);
    free(song);
    free(out);
    free(args);
    free(path);
    kit_rm(dir);
    free(dir);
}
END_TEST

/* cadenza validate on YAML text; returns its output (free) and status. */
static int validate(const char *yaml, char **out)
{
    char *dir = kit_tmpdir();
    char *path = write_yaml(dir, yaml);
    char *args = cz_strfmt("validate %s", path);
    int st = fs_cli(out, args);
    free(args);
    free(path);
    kit_rm(dir);
    free(dir);
    return st;
}

#define EXPECT_IN(out, what) ck_assert_msg(strstr(out, what) != NULL, "expected '%s' in:\n%s", what, out)

START_TEST(validate_refuses_with_locations)
{
    unsetenv("CZ_UNSET_KEY");
    char *out = NULL;
    int st = validate("pipeline: v\n"                                                    /* 1 */
                      "stages:\n"                                                        /* 2 */
                      "  - stage: ideation\n"                                            /* 3 */
                      "    module: ideation.rules\n"                                     /* 4 */
                      "  - stage: production\n"                                          /* 5 */
                      "    module: production.provider\n"                                /* 6 */
                      "providers:\n"                                                     /* 7 */
                      "  - name: oa\n"                                                   /* 8 */
                      "    module: provider.openai\n"                                    /* 9 */
                      "    with:\n"                                                      /* 10 */
                      "      api_key_env: CZ_UNSET_KEY\n"                                /* 11 */
                      "      base_url: ftp://example.org/v1\n"                           /* 12 */
                      "router:\n"                                                        /* 13 */
                      "  module: router.fallback\n"                                      /* 14 */
                      "  with: { providers: [oa, nobody] }\n",                           /* 15 */
                      &out);
    ck_assert_int_ne(st, 0);
    EXPECT_IN(out, "p.yaml:11:7:");
    EXPECT_IN(out, "environment variable CZ_UNSET_KEY is not set");
    EXPECT_IN(out, "p.yaml:12:17:");
    EXPECT_IN(out, "'ftp://example.org/v1' is not an http:// or https:// URL");
    EXPECT_IN(out, "p.yaml:15:");
    EXPECT_IN(out, "names provider 'nobody', which the pipeline does not declare");
    free(out);

    /* a stage asks for audio, the router reaches only chat providers */
    st = validate("pipeline: v\nstages:\n"
                  "  - { stage: ideation, module: ideation.rules }\n"
                  "  - { stage: composition, module: composition.theory }\n"
                  "  - { stage: arrangement, module: arrangement.sections }\n"
                  "  - { stage: production, module: production.provider }\n"
                  "providers:\n"
                  "  - { name: oa, module: provider.openai, with: { api_key_env: \"\" } }\n"
                  "  - { name: local, module: provider.procedural }\n"
                  "router:\n"
                  "  module: router.weighted\n"
                  "  with: { providers: [oa] }\n",
                  &out);
    ck_assert_int_ne(st, 0);
    EXPECT_IN(out, "p.yaml:11:");
    EXPECT_IN(out, "asks for 'audio', but the router can reach no provider offering it");
    free(out);

    /* the key's value is never printed, even when set */
    setenv("CZ_SET_KEY", KEY, 1);
    st = validate("pipeline: v\nstages:\n"
                  "  - { stage: ideation, module: ideation.rules }\n"
                  "  - { stage: composition, module: composition.theory }\n"
                  "  - { stage: arrangement, module: arrangement.sections }\n"
                  "  - { stage: production, module: production.provider }\n"
                  "providers:\n"
                  "  - { name: rep, module: provider.replicate, with: { api_key_env: CZ_SET_KEY } }\n"
                  "  - { name: local, module: provider.procedural }\n"
                  "router: { module: router.fallback }\n",
                  &out);
    ck_assert_msg(st == 0, "%s", out);
    ck_assert_ptr_null(strstr(out, "TOPSECRET"));
    free(out);

    /* production.provider and production.synth are interchangeable A/B variants */
    st = validate("pipeline: v\nstages:\n"
                  "  - { stage: ideation, module: ideation.rules }\n"
                  "  - { stage: composition, module: composition.theory }\n"
                  "  - { stage: arrangement, module: arrangement.sections }\n"
                  "  - stage: production\n"
                  "    variants:\n"
                  "      - { module: production.provider, weight: 50 }\n"
                  "      - { module: production.synth, weight: 50 }\n"
                  "providers:\n"
                  "  - { name: local, module: provider.procedural }\n"
                  "router: { module: router.fallback }\n",
                  &out);
    ck_assert_msg(st == 0, "%s", out);
    free(out);

    /* the shipped pipelines validate */
    st = fs_cli(&out, "validate config/pipelines/acestep.yaml config/pipelines/llm.yaml");
    ck_assert_msg(st == 0, "%s", out);
    free(out);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("providers");
    TCase *t = tcase_create("wire");
    tcase_add_checked_fixture(t, start, stop);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, openai_sends_the_documented_request);
    tcase_add_test(t, openai_streams_and_local_servers_need_no_key);
    tcase_add_test(t, openai_failures_have_the_right_class);
    tcase_add_test(t, anthropic_sends_the_documented_request_and_streams);
    tcase_add_test(t, acestep_submits_polls_and_downloads);
    tcase_add_test(t, acestep_failures_and_the_whole_job_deadline);
    tcase_add_test(t, replicate_predicts_polls_and_keeps_the_token_home);
    tcase_add_test(t, procedural_answers_offline_and_plays_in_key);
    tcase_add_test(t, production_provider_renders_through_acestep_in_process);
    tcase_add_test(t, production_provider_falls_back_offline_and_fails_cleanly);
    tcase_add_test(t, no_key_in_logs_bus_attempts_or_errors);
    tcase_add_test(t, cadenza_run_makes_a_song_through_the_fake_acestep);
    tcase_add_test(t, validate_refuses_with_locations);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
