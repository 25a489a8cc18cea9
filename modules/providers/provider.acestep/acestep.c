/*
 * provider.acestep - audio from a self-hosted ACE-Step 1.5 API server.
 *
 * The server's API (docs/en/API.md of ace-step/ACE-Step-1.5) is
 * asynchronous, and every answer is wrapped as {"data", "code", "error",
 * "timestamp", "extra"}:
 *
 *   POST /release_task   {prompt, lyrics, bpm, key_scale, time_signature,
 *                         audio_duration, seed, use_random_seed: false,
 *                         audio_format, batch_size: 1, inference_steps,
 *                         thinking[, model]}  -> data.task_id
 *   POST /query_result   {task_id_list: [id]} -> data[0].status 0 running,
 *                         1 succeeded, 2 failed; data[0].result is a JSON
 *                         *string* holding [{file: "/v1/audio?path=..."}]
 *   GET  /v1/audio?path=...  the file
 *
 * This provider polls every `poll_ms` until success, failure or the
 * `timeout_ms` deadline, which covers the whole job (submit, polling,
 * download). Transient poll failures are tolerated (three in a row end the
 * call). Authentication, when the server has ACESTEP_API_KEY set, is a
 * Bearer header from `api_key_env`; it is sent to the server's own origin
 * only, never to a download host elsewhere.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cadenza/cadenza.h>


#define MOD "provider.acestep"

static const cz_option options[] = {
    CZ_HTTP_OPTIONS("http://127.0.0.1:8001", NULL, "600000", "1"),
    CZ_OPTION_INT("poll_ms", "2000", 10, 600000, "wait between two status queries"),
    CZ_OPTION_STRING("model", NULL, "DiT model (see the server's /v1/models); empty: the server's default"),
    CZ_OPTION_INT("inference_steps", "8", 1, 200, "diffusion steps (turbo models: 8)"),
    CZ_OPTION_BOOL("thinking", "false", "let the server's 5 Hz language model plan the audio codes"),
    CZ_OPTION_STRING("lyrics", "\"[Instrumental]\"",
                     "lyrics when the request has none; \"\" lets the model decide"),
    CZ_OPTION_ENUM("audio_format", "wav", "file format to download", "wav", "flac", "mp3"),
    CZ_OPTIONS_END};

typedef struct acestep {
    cz_http *http;
    cz_http_config cfg;
    const char *model, *lyrics, *format;
    int64_t poll_ms, steps;
    int thinking;
} acestep;

static int ac_init(const cz_init *args, void **instance, cz_error *err)
{
    acestep *a = calloc(1, sizeof *a);
    if (!a)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    const json_t *o = args->options;
    cz_http_config_read(o, &a->cfg);
    a->model = cz_opt_str(o, "model");
    a->lyrics = cz_opt_str(o, "lyrics");
    a->format = cz_opt_str(o, "audio_format");
    a->poll_ms = cz_opt_int(o, "poll_ms");
    a->steps = cz_opt_int(o, "inference_steps");
    a->thinking = cz_opt_bool(o, "thinking");
    if (!*a->cfg.base_url || strlen(a->cfg.base_url) > 900) {
        free(a);
        return cz_err(err, CZ_EINVAL, MOD ": option base_url must be an http(s) URL of at most 900 characters");
    }
    a->http = cz_http_new(args->instance);
    if (!a->http) {
        free(a);
        return cz_err(err, CZ_ENOMEM, MOD ": cannot create the HTTP client");
    }
    *instance = a;
    return 0;
}

static void ac_fini(void *instance)
{
    acestep *a = instance;
    cz_http_free(a->http);
    free(a);
}

/* ---- request mapping -------------------------------------------------------------- */

/* "A" + "minor" -> "A Minor"; modes map to the major or minor they sound
 * closest to, which is what the model was trained on. */
static void key_scale(const json_t *req, char *out, size_t n)
{
    const char *key = json_string_value(json_object_get(req, "key"));
    const char *mode = json_string_value(json_object_get(req, "mode"));
    if (!key || !*key) {
        out[0] = 0;
        return;
    }
    int m = mode ? cz_mode_parse(mode) : CZ_MODE_MAJOR;
    int major = m == CZ_MODE_IONIAN || m == CZ_MODE_LYDIAN || m == CZ_MODE_MIXOLYDIAN;
    snprintf(out, n, "%s %s", key, major ? "Major" : "Minor");
}

/* "6/8" -> "6"; the API takes the number of beats: 2, 3, 4 or 6. */
static const char *time_signature(const json_t *req)
{
    const char *m = json_string_value(json_object_get(req, "meter"));
    int num = m ? atoi(m) : 4;
    switch (num) {
    case 2: return "2";
    case 3: case 9: return "3";
    case 6: return "6";
    default: return "4";
    }
}

static json_t *release_body(const acestep *a, cz_job *job, const json_t *req, cz_error *err)
{
    const json_t *bpm = json_object_get(req, "bpm"), *dur = json_object_get(req, "duration_s");
    const json_t *seed = json_object_get(req, "seed");
    const char *caption = json_string_value(json_object_get(req, "caption"));
    const char *lyrics = json_string_value(json_object_get(req, "lyrics"));
    if ((bpm && !json_is_number(bpm)) || (dur && !json_is_number(dur))) {
        cz_err(err, CZ_EINVAL, MOD ": audio request fields bpm and duration_s must be numbers");
        return NULL;
    }
    double d = dur ? json_number_value(dur) : 120;
    d = d < 10 ? 10 : d > 600 ? 600 : d; /* the API's range */
    char ks[64];
    key_scale(req, ks, sizeof ks);
    json_t *b = json_pack("{s:s,s:s,s:s,s:s,s:f,s:I,s:b,s:s,s:i,s:I,s:b}", "prompt", caption ? caption : "",
                          "lyrics", lyrics ? lyrics : a->lyrics, "key_scale", ks, "time_signature",
                          time_signature(req), "audio_duration", d, "seed",
                          json_is_integer(seed) ? json_integer_value(seed)
                                                : (json_int_t)(cz_job_seed(job) & 0x7fffffff),
                          "use_random_seed", 0, "audio_format", a->format, "batch_size", 1, "inference_steps",
                          (json_int_t)a->steps, "thinking", a->thinking);
    if (b && bpm) {
        int v = (int)(json_number_value(bpm) + 0.5);
        json_object_set_new(b, "bpm", json_integer(v < 30 ? 30 : v > 300 ? 300 : v));
    }
    if (b && *a->model)
        json_object_set_new(b, "model", json_string(a->model));
    if (!b)
        cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    return b;
}

/* ---- one exchange -------------------------------------------------------------- */

typedef struct call {
    acestep *a;
    cz_job *job;
    cz_reply *reply;
    double deadline;
} call;

/* Send and parse the {"data", "code", "error"} envelope; *data is a new
 * reference. */
static int exchange(call *c, const char *method, const char *path, const json_t *body, json_t **data,
                    cz_error *err)
{
    *data = NULL;
    char url[1024];
    if (cz_http_url(url, sizeof url, c->a->cfg.base_url, path))
        return cz_err(err, CZ_EINVAL, MOD ": URL too long");
    double left = c->deadline - cz_clock_ms();
    if (left < 1)
        return cz_err(err, CZ_ETIMEOUT, MOD ": no result within timeout_ms (%ld ms)", c->a->cfg.timeout_ms);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    static const char *const hdrs[] = {"Content-Type: application/json", NULL};
    cz_http_request rq = {.size = sizeof rq, .method = method, .url = url, .headers = hdrs, .body = text,
                          .body_len = text ? strlen(text) : 0, .timeout_ms = (long)left,
                          .connect_timeout_ms = c->a->cfg.connect_timeout_ms, .auth_env = c->a->cfg.api_key_env,
                          .auth_prefix = "Authorization: Bearer ", .job = c->job};
    cz_http_response rs;
    int rc = cz_http_send(c->a->http, &rq, &rs, err);
    free(text);
    c->reply->http_status = rs.status;
    c->reply->retry_after_ms = rs.retry_after_ms;
    c->reply->bytes += rs.bytes;
    if (!rc) {
        json_t *j = json_loadb(rs.body, rs.body_len, 0, NULL);
        const json_t *code = json_object_get(j, "code");
        if (!json_is_object(j) || !json_object_get(j, "data")) {
            char t[120];
            cz_http_error_text(rs.body, rs.body_len, t, sizeof t);
            rc = cz_err(err, CZ_EPROTO, MOD ": %s %s answered without the {data, code} envelope (\"%s\")", method,
                        path, t);
        } else if (json_is_integer(code) && json_integer_value(code) != 200) {
            const char *e = json_string_value(json_object_get(j, "error"));
            rc = cz_err(err, CZ_EIO, MOD ": %s %s: code %lld: %s", method, path,
                        (long long)json_integer_value(code), e ? e : "(no message)");
        } else {
            *data = json_incref(json_object_get(j, "data"));
        }
        json_decref(j);
    }
    cz_http_response_clear(&rs);
    return rc;
}

/* Poll until the task is done; *file gets the download path (malloc'ed). */
static int wait_for(call *c, const char *task, char **file, cz_error *err)
{
    json_t *q = json_pack("{s:[s]}", "task_id_list", task);
    int rc = 0, transient = 0;
    for (;;) {
        double left = c->deadline - cz_clock_ms();
        if (left <= 0) {
            rc = cz_err(err, CZ_ETIMEOUT, MOD ": task %s not done within timeout_ms (%ld ms)", task,
                        c->a->cfg.timeout_ms);
            break;
        }
        if ((rc = cz_sleep_ms(c->job, (double)c->a->poll_ms < left ? (double)c->a->poll_ms : left))) {
            cz_err(err, rc, MOD ": the job was cancelled while task %s ran", task);
            break;
        }
        json_t *data = NULL;
        rc = exchange(c, "POST", "query_result", q, &data, err);
        if (rc == CZ_ERETRY && ++transient < 3)
            continue;
        if (rc)
            break;
        transient = 0;
        const json_t *t = json_array_get(data, 0);
        const json_t *st = json_object_get(t, "status");
        if (!json_is_integer(st)) {
            json_decref(data);
            rc = cz_err(err, CZ_EPROTO, MOD ": query_result for %s has no integer data[0].status", task);
            break;
        }
        int status = (int)json_integer_value(st);
        const char *result = json_string_value(json_object_get(t, "result"));
        json_t *list = result ? json_loads(result, 0, NULL) : NULL;
        const char *f = json_string_value(json_object_get(json_array_get(list, 0), "file"));
        if (status == 1 && f && *f) {
            *file = strdup(f);
            rc = *file ? 0 : cz_err(err, CZ_ENOMEM, MOD ": out of memory");
        } else if (status == 1) {
            rc = cz_err(err, CZ_EPROTO, MOD ": task %s succeeded but its result names no file", task);
        } else if (status == 2) {
            rc = cz_err(err, CZ_EIO, MOD ": the server reports that task %s failed", task);
        }
        json_decref(list);
        json_decref(data);
        if (status != 0)
            break;
    }
    json_decref(q);
    return rc;
}

static int download(call *c, const char *file, cz_audio **out, cz_error *err)
{
    char url[2048];
    if (!strncmp(file, "http://", 7) || !strncmp(file, "https://", 8))
        snprintf(url, sizeof url, "%s", file);
    else if (cz_http_url(url, sizeof url, c->a->cfg.base_url, file))
        return cz_err(err, CZ_EPROTO, MOD ": the result's file path is too long");
    double left = c->deadline - cz_clock_ms();
    if (left < 1)
        return cz_err(err, CZ_ETIMEOUT, MOD ": no time left to download within timeout_ms");
    int own = cz_http_same_origin(url, c->a->cfg.base_url);
    cz_http_request rq = {.size = sizeof rq, .method = "GET", .url = url, .timeout_ms = (long)left,
                          .connect_timeout_ms = c->a->cfg.connect_timeout_ms,
                          .auth_env = own ? c->a->cfg.api_key_env : NULL,
                          .auth_prefix = "Authorization: Bearer ", .job = c->job};
    cz_http_response rs;
    int rc = cz_http_send(c->a->http, &rq, &rs, err);
    c->reply->http_status = rs.status;
    c->reply->bytes += rs.bytes;
    if (!rc)
        rc = cz_audio_decode(rs.body, rs.body_len, "the ACE-Step download", out, err);
    cz_http_response_clear(&rs);
    return rc;
}

static int ac_call(void *instance, cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    acestep *a = instance;
    if (strcmp(req->capability, "audio"))
        return cz_err(err, CZ_EINVAL, MOD ": no capability '%s'", req->capability);
    call c = {a, job, reply, cz_clock_ms() + (double)a->cfg.timeout_ms};
    json_t *body = release_body(a, job, req->body, err);
    if (!body)
        return err ? err->code : CZ_EINVAL;
    json_t *data = NULL;
    int rc = exchange(&c, "POST", "release_task", body, &data, err);
    json_decref(body);
    const char *task = json_string_value(json_object_get(data, "task_id"));
    char *file = NULL;
    if (!rc && !task)
        rc = cz_err(err, CZ_EPROTO, MOD ": release_task answered without data.task_id");
    if (!rc)
        rc = wait_for(&c, task, &file, err);
    if (!rc)
        rc = download(&c, file, &reply->audio, err);
    if (!rc)
        reply->json = json_pack("{s:s,s:s}", "model", *a->model ? a->model : "acestep", "task_id", task);
    free(file);
    json_decref(data);
    return rc;
}

static const cz_provider_vtable vtable = {
    .size = sizeof(cz_provider_vtable),
    .version = CZ_PROVIDER_VTABLE_VERSION,
    .capabilities = (const char *const[]){"audio", NULL},
    .call = ac_call,
};

CZ_MODULE(.name = "provider.acestep", .version = "1.0.0", .kind = CZ_KIND_PROVIDER,
          .summary = "Audio from a self-hosted ACE-Step 1.5 API server (release_task, query_result, download)",
          .options = options, .init = ac_init, .fini = ac_fini, .vtable = &vtable);
