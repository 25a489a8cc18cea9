/*
 * provider.replicate - audio from a model hosted on Replicate (MusicGen by
 * default), through its predictions API.
 *
 *   POST {base_url}/predictions                {"version": V, "input": {...}}
 *   or   POST {base_url}/models/OWNER/NAME/predictions   {"input": {...}}
 *        (when `version` is empty: the model's latest version)
 *   GET  {base_url}/predictions/ID  until status is succeeded, failed or
 *        canceled (starting and processing mean wait `poll_ms`)
 *   GET  output (a URL, or the first of a list of URLs)
 *
 * Authorization: Bearer with the token from `api_key_env`
 * (REPLICATE_API_TOKEN), sent to the API's origin only: output files live
 * on a delivery host that must not see the token.
 *
 * Input, as MusicGen documents it on Replicate: prompt (the caption with
 * tempo and key appended, since MusicGen reads only text), duration
 * (whole seconds, capped by `max_duration_s`), model_version,
 * output_format, normalization_strategy, top_k, top_p, temperature,
 * classifier_free_guidance, seed. A song longer than the model can make
 * comes back short; production.provider pads it to the requested length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cadenza/cadenza.h>


#define MOD "provider.replicate"

static const cz_option options[] = {
    CZ_HTTP_OPTIONS("https://api.replicate.com/v1", "REPLICATE_API_TOKEN", "600000", "1"),
    CZ_OPTION_STRING("model", "meta/musicgen", "OWNER/NAME, used when version is empty"),
    CZ_OPTION_STRING("version", NULL, "model version id; empty: the model's latest (models endpoint)"),
    CZ_OPTION_STRING("model_version", "stereo-large", "MusicGen's own model_version input; empty: omit"),
    CZ_OPTION_ENUM("output_format", "wav", "file format asked of the model", "wav", "mp3"),
    CZ_OPTION_ENUM("normalization_strategy", "peak", "MusicGen loudness normalisation", "peak", "loudness",
                   "clip", "rms"),
    CZ_OPTION_INT("max_duration_s", "30", 1, 600, "longest audio asked of the model"),
    CZ_OPTION_INT("top_k", "250", 0, 10000, "sampling: the k most likely tokens"),
    CZ_OPTION_FLOAT("top_p", "0", 0, 1, "sampling: nucleus probability (0: use top_k)"),
    CZ_OPTION_FLOAT("temperature", "1", 0, 10, "sampling temperature"),
    CZ_OPTION_INT("classifier_free_guidance", "3", 0, 50, "how closely to follow the prompt"),
    CZ_OPTION_INT("poll_ms", "2000", 10, 600000, "wait between two status queries"),
    CZ_OPTIONS_END};

typedef struct replicate {
    cz_http *http;
    cz_http_config cfg;
    const char *model, *version, *model_version, *format, *norm;
    int64_t max_duration, top_k, cfg_scale, poll_ms;
    double top_p, temperature;
    char create_url[1024];
} replicate;

static int rp_init(const cz_init *args, void **instance, cz_error *err)
{
    replicate *r = calloc(1, sizeof *r);
    if (!r)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    const json_t *o = args->options;
    cz_http_config_read(o, &r->cfg);
    r->model = cz_opt_str(o, "model");
    r->version = cz_opt_str(o, "version");
    r->model_version = cz_opt_str(o, "model_version");
    r->format = cz_opt_str(o, "output_format");
    r->norm = cz_opt_str(o, "normalization_strategy");
    r->max_duration = cz_opt_int(o, "max_duration_s");
    r->top_k = cz_opt_int(o, "top_k");
    r->cfg_scale = cz_opt_int(o, "classifier_free_guidance");
    r->poll_ms = cz_opt_int(o, "poll_ms");
    r->top_p = cz_opt_float(o, "top_p");
    r->temperature = cz_opt_float(o, "temperature");
    int rc = 0;
    if (!*r->cfg.base_url)
        rc = cz_err(err, CZ_EINVAL, MOD ": option base_url must not be empty");
    else if (!*r->version) {
        const char *slash = strchr(r->model, '/');
        char path[600];
        if (!slash || slash == r->model || !slash[1] || strchr(slash + 1, '/') || strlen(r->model) > 500 ||
            strpbrk(r->model, "?#% "))
            rc = cz_err(err, CZ_EINVAL, MOD ": option model '%s' is not OWNER/NAME (and version is empty)", r->model);
        else {
            snprintf(path, sizeof path, "models/%s/predictions", r->model);
            if (cz_http_url(r->create_url, sizeof r->create_url, r->cfg.base_url, path))
                rc = cz_err(err, CZ_EINVAL, MOD ": option base_url is too long");
        }
    } else if (cz_http_url(r->create_url, sizeof r->create_url, r->cfg.base_url, "predictions")) {
        rc = cz_err(err, CZ_EINVAL, MOD ": option base_url is too long");
    }
    if (!rc && !(r->http = cz_http_new(args->instance)))
        rc = cz_err(err, CZ_ENOMEM, MOD ": cannot create the HTTP client");
    if (rc) {
        free(r);
        return rc;
    }
    *instance = r;
    return 0;
}

static void rp_fini(void *instance)
{
    replicate *r = instance;
    cz_http_free(r->http);
    free(r);
}

typedef struct call {
    replicate *r;
    cz_job *job;
    cz_reply *reply;
    double deadline;
} call;

/* One JSON exchange; *out is a new reference to the answer object. */
static int exchange(call *c, const char *method, const char *url, const json_t *body, json_t **out, cz_error *err)
{
    *out = NULL;
    double left = c->deadline - cz_clock_ms();
    if (left < 1)
        return cz_err(err, CZ_ETIMEOUT, MOD ": no result within timeout_ms (%ld ms)", c->r->cfg.timeout_ms);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    static const char *const hdrs[] = {"Content-Type: application/json", NULL};
    cz_http_request rq = {.size = sizeof rq, .method = method, .url = url, .headers = body ? hdrs : NULL,
                          .body = text, .body_len = text ? strlen(text) : 0, .timeout_ms = (long)left,
                          .connect_timeout_ms = c->r->cfg.connect_timeout_ms,
                          .auth_env = cz_http_same_origin(url, c->r->cfg.base_url) ? c->r->cfg.api_key_env : NULL,
                          .auth_prefix = "Authorization: Bearer ", .job = c->job};
    cz_http_response rs;
    int rc = cz_http_send(c->r->http, &rq, &rs, err);
    free(text);
    c->reply->http_status = rs.status;
    c->reply->retry_after_ms = rs.retry_after_ms;
    c->reply->bytes += rs.bytes;
    if (!rc) {
        json_t *j = json_loadb(rs.body, rs.body_len, 0, NULL);
        if (!json_is_object(j)) {
            char t[120];
            cz_http_error_text(rs.body, rs.body_len, t, sizeof t);
            rc = cz_err(err, CZ_EPROTO, MOD ": %s answered something that is not a JSON object (\"%s\")", method, t);
            json_decref(j);
        } else {
            *out = j;
        }
    }
    cz_http_response_clear(&rs);
    return rc;
}

static json_t *input_of(const replicate *r, cz_job *job, const json_t *req)
{
    const char *caption = json_string_value(json_object_get(req, "caption"));
    const char *key = json_string_value(json_object_get(req, "key"));
    const char *mode = json_string_value(json_object_get(req, "mode"));
    const json_t *bpm = json_object_get(req, "bpm"), *dur = json_object_get(req, "duration_s");
    const json_t *seed = json_object_get(req, "seed");
    char prompt[1200];
    int n = snprintf(prompt, sizeof prompt, "%s", caption && *caption ? caption : "instrumental music");
    if (json_is_number(bpm) && n < (int)sizeof prompt)
        n += snprintf(prompt + n, sizeof prompt - (size_t)n, ", %.0f bpm", json_number_value(bpm));
    if (key && *key && n < (int)sizeof prompt)
        snprintf(prompt + n, sizeof prompt - (size_t)n, ", %s %s", key, mode && *mode ? mode : "major");
    double d = json_is_number(dur) ? json_number_value(dur) : 30;
    json_int_t secs = (json_int_t)(d + 0.5);
    secs = secs < 1 ? 1 : secs > r->max_duration ? r->max_duration : secs;
    json_t *in = json_pack("{s:s,s:I,s:s,s:s,s:I,s:f,s:f,s:I,s:I}", "prompt", prompt, "duration", secs,
                           "output_format", r->format, "normalization_strategy", r->norm, "top_k",
                           (json_int_t)r->top_k, "top_p", r->top_p, "temperature", r->temperature,
                           "classifier_free_guidance", (json_int_t)r->cfg_scale, "seed",
                           json_is_integer(seed) ? json_integer_value(seed)
                                                 : (json_int_t)(cz_job_seed(job) & 0x7fffffff));
    if (in && *r->model_version)
        json_object_set_new(in, "model_version", json_string(r->model_version));
    return in;
}

/* The output file's URL, or NULL. */
static const char *output_url(const json_t *p)
{
    const json_t *o = json_object_get(p, "output");
    if (json_is_array(o))
        o = json_array_get(o, 0);
    return json_string_value(o);
}

static int rp_call(void *instance, cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    replicate *r = instance;
    if (strcmp(req->capability, "audio"))
        return cz_err(err, CZ_EINVAL, MOD ": no capability '%s'", req->capability);
    call c = {r, job, reply, cz_clock_ms() + (double)r->cfg.timeout_ms};
    json_t *input = input_of(r, job, req->body);
    json_t *body = input ? json_pack("{s:o}", "input", input) : NULL;
    if (!body)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    if (*r->version)
        json_object_set_new(body, "version", json_string(r->version));
    json_t *p = NULL;
    int rc = exchange(&c, "POST", r->create_url, body, &p, err);
    json_decref(body);
    char id[128] = "";
    if (!rc) {
        const char *s = json_string_value(json_object_get(p, "id"));
        if (!s || !*s || strlen(s) >= sizeof id || strpbrk(s, "/?#% "))
            rc = cz_err(err, CZ_EPROTO, MOD ": the new prediction has no usable id");
        else
            snprintf(id, sizeof id, "%s", s);
    }
    char get[1200];
    if (!rc) {
        char path[200];
        snprintf(path, sizeof path, "predictions/%s", id);
        if (cz_http_url(get, sizeof get, r->cfg.base_url, path))
            rc = cz_err(err, CZ_EINVAL, MOD ": option base_url is too long");
    }
    int transient = 0;
    while (!rc) {
        const char *st = json_string_value(json_object_get(p, "status"));
        if (st && !strcmp(st, "succeeded"))
            break;
        if (st && (!strcmp(st, "failed") || !strcmp(st, "canceled"))) {
            char t[200] = "";
            const json_t *e = json_object_get(p, "error");
            if (json_is_string(e))
                snprintf(t, sizeof t, ": %s", json_string_value(e));
            rc = cz_err(err, CZ_EIO, MOD ": prediction %s %s%s", id, st, t);
            break;
        }
        double left = c.deadline - cz_clock_ms();
        if (left <= 0) {
            rc = cz_err(err, CZ_ETIMEOUT, MOD ": prediction %s not done within timeout_ms (%ld ms)", id,
                        r->cfg.timeout_ms);
            break;
        }
        if ((rc = cz_sleep_ms(job, (double)r->poll_ms < left ? (double)r->poll_ms : left))) {
            cz_err(err, rc, MOD ": the job was cancelled while prediction %s ran", id);
            break;
        }
        json_t *next = NULL;
        rc = exchange(&c, "GET", get, NULL, &next, err);
        if (rc == CZ_ERETRY && ++transient < 3) {
            rc = 0;
            continue;
        }
        if (!rc) {
            transient = 0;
            json_decref(p);
            p = next;
        }
    }
    const char *url = rc ? NULL : output_url(p);
    if (!rc && (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))))
        rc = cz_err(err, CZ_EPROTO, MOD ": prediction %s succeeded without an output URL", id);
    if (!rc) {
        double left = c.deadline - cz_clock_ms();
        cz_http_request rq = {.size = sizeof rq, .method = "GET", .url = url,
                              .timeout_ms = left > 1 ? (long)left : 1,
                              .connect_timeout_ms = r->cfg.connect_timeout_ms,
                              .auth_env = cz_http_same_origin(url, r->cfg.base_url) ? r->cfg.api_key_env : NULL,
                              .auth_prefix = "Authorization: Bearer ", .job = job};
        cz_http_response rs;
        rc = cz_http_send(r->http, &rq, &rs, err);
        reply->http_status = rs.status;
        reply->bytes += rs.bytes;
        if (!rc)
            rc = cz_audio_decode(rs.body, rs.body_len, "the Replicate output", &reply->audio, err);
        cz_http_response_clear(&rs);
    }
    if (!rc)
        reply->json = json_pack("{s:s,s:s}", "model", *r->version ? r->version : r->model, "prediction", id);
    json_decref(p);
    return rc;
}

static const cz_provider_vtable vtable = {
    .size = sizeof(cz_provider_vtable),
    .version = CZ_PROVIDER_VTABLE_VERSION,
    .capabilities = (const char *const[]){"audio", NULL},
    .call = rp_call,
};

CZ_MODULE(.name = "provider.replicate", .version = "1.0.0", .kind = CZ_KIND_PROVIDER,
          .summary = "Audio from a Replicate-hosted model (MusicGen by default) through its predictions API",
          .options = options, .init = rp_init, .fini = rp_fini, .vtable = &vtable);
