/*
 * runtime/route.c - the router toolkit (provider.h): one provider asked
 * with retries, back-off, a response cache and attempt records.
 *
 * A router module decides only the order in which providers are asked;
 * everything else a router needs lives here, once:
 *
 *   retries    CZ_ERETRY, CZ_ETIMEOUT and CZ_EPROTO are tried again, up
 *              to max_retries; CZ_EPERM (a bad key), CZ_EINVAL (a bad
 *              request) and the rest are not, since asking again cannot
 *              help. The wait doubles from backoff_ms, is capped, loses a
 *              random fraction (jitter, drawn from the job seed so a rerun
 *              waits the same), and is never shorter than the server's
 *              Retry-After. A Retry-After longer than retry_after_max_ms is
 *              not waited for: the provider fails and the router moves on.
 *   cache      keyed by FNV-1a 128 of (provider name, module, `model` and
 *              `version` options, capability, request body serialised with
 *              sorted keys). FNV is not a cryptographic hash: the cache
 *              folder is trusted, and a request body would have to be
 *              crafted to collide. Entries are written to a temporary file
 *              and renamed, so readers never see half an entry, and
 *              concurrent writers of one key leave one whole entry.
 *   records    every call becomes an attempt (cz_job_attempt), with the
 *              values of the provider's *_env variables scrubbed from the
 *              error text, so a key echoed by a server goes nowhere.
 *
 * File format of a cache entry: the line "cadenza-cache 1", one line of
 * JSON ({"json", "http_status", "bytes", "cost", "audio": {rate, channels,
 * frames} or null}), then the audio's interleaved float32 samples in the
 * host's byte order (the JSON says which; another order is a miss). Stems
 * are not cached.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"

#define CACHE_MAGIC "cadenza-cache 1\n"
#define MAX_SCRUB 8

/* ---- candidates, skips, estimates ------------------------------------------ */

uint32_t cz_route_candidates(const cz_job *job, const json_t *names, const char *capability,
                             uint32_t *out, uint32_t max)
{
    uint32_t n = 0;
    if (json_array_size(names)) {
        size_t k;
        json_t *v;
        json_array_foreach(names, k, v) {
            int i = cz_job_provider_find(job, json_string_value(v));
            if (i < 0 || !cz_job_provider_can(job, (uint32_t)i, capability) || n >= max)
                continue;
            int dup = 0;
            for (uint32_t j = 0; j < n; j++)
                dup |= out[j] == (uint32_t)i;
            if (!dup)
                out[n++] = (uint32_t)i;
        }
        return n;
    }
    for (uint32_t i = 0; i < cz_job_provider_count(job) && n < max; i++)
        if (cz_job_provider_can(job, i, capability))
            out[n++] = i;
    return n;
}

void cz_route_skip(cz_job *job, uint32_t i, const char *capability, const char *reason)
{
    cz_provider_info info;
    if (cz_job_provider_info(job, i, &info))
        return;
    cz_attempt a = {.provider = info.name, .capability = capability, .outcome = "skipped",
                    .error = reason ? reason : "skipped"};
    cz_job_attempt(job, &a);
}

uint64_t cz_route_estimate_tokens(const cz_request *req)
{
    if (!req || !req->capability || strcmp(req->capability, "chat"))
        return 0;
    const char *sys = json_string_value(json_object_get(req->body, "system"));
    const char *prompt = json_string_value(json_object_get(req->body, "prompt"));
    json_int_t max = json_integer_value(json_object_get(req->body, "max_tokens"));
    uint64_t chars = (sys ? strlen(sys) : 0) + (prompt ? strlen(prompt) : 0);
    return (chars + 3) / 4 + (max > 0 ? (uint64_t)max : 0);
}

/* ---- the chat reply convention ------------------------------------------------ */

/* The JSON object in an answer: the whole text, else inside a code fence,
 * else from the first '{' to the last '}'. NULL when there is none. */
static json_t *find_object(const char *text)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    if (json_is_object(j))
        return j;
    json_decref(j);
    const char *a = strchr(text, '{'), *b = strrchr(text, '}');
    if (!a || !b || b < a)
        return NULL;
    j = json_loadb(a, (size_t)(b - a + 1), 0, NULL);
    if (json_is_object(j))
        return j;
    json_decref(j);
    return NULL;
}

int cz_chat_reply(cz_reply *reply, const char *text, int want_json, cz_error *err)
{
    if (!text)
        text = "";
    if (!reply->json)
        reply->json = json_object();
    if (!reply->json)
        return cz_err(err, CZ_ENOMEM, "out of memory");
    json_object_set_new(reply->json, "text", json_string(text));
    if (!want_json)
        return 0;
    json_t *obj = find_object(text);
    if (!obj) {
        char start[64];
        size_t k = 0;
        for (const char *p = text; *p && k + 1 < sizeof start; p++)
            start[k++] = (unsigned char)*p < 0x20 ? ' ' : *p;
        start[k] = 0;
        return cz_err(err, CZ_EPROTO, "asked for a JSON object, the model answered text that holds none (\"%s%s\")",
                      start, strlen(text) >= sizeof start ? "..." : "");
    }
    json_object_set_new(reply->json, "json", obj);
    return 0;
}

int cz_chat_finish(cz_reply *reply, int rc, cz_http_response *rs, cz_chat_answer *a,
                   int want_json, const char *default_model, const char *who, cz_error *err)
{
    reply->http_status = rs->status;
    reply->retry_after_ms = rs->retry_after_ms;
    reply->bytes = rs->bytes;
    if (rc && a->error[0])
        cz_err(err, rc, "%s: %s", who, a->error);
    cz_http_response_clear(rs);
    if (!rc) {
        rc = cz_chat_reply(reply, a->text.s ? a->text.s : "", want_json, err);
        json_object_set_new(reply->json, "model", json_string(a->model[0] ? a->model : default_model));
        if (a->in_tokens || a->out_tokens)
            json_object_set_new(reply->json, "usage", json_pack("{s:I,s:I}", "input_tokens",
                                                                (json_int_t)a->in_tokens, "output_tokens",
                                                                (json_int_t)a->out_tokens));
    }
    cz_text_free(&a->text);
    return rc;
}

/* ---- secrets ------------------------------------------------------------------------ */

/* Values of the provider's *_env variables: what must never be recorded. */
static int env_secrets(const json_t *options, const char **out, int max)
{
    int n = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)options, k, v) {
        size_t kl = strlen(k);
        if (n < max && kl > 4 && !strcmp(k + kl - 4, "_env") && json_string_length(v)) {
            const char *val = getenv(json_string_value(v));
            if (val && *val)
                out[n++] = val;
        }
    }
    return n;
}

static void scrub(char *s, const char *const *secrets, int n)
{
    for (int i = 0; i < n; i++)
        cz_redact(s, secrets[i]);
}

/* ---- the cache -------------------------------------------------------------------- */

static void fnv128(const unsigned char *p, size_t n, unsigned __int128 *h)
{
    const unsigned __int128 prime = ((unsigned __int128)1 << 88) + 0x13b;
    for (size_t i = 0; i < n; i++) {
        *h ^= p[i];
        *h *= prime;
    }
}

static int cache_key(const cz_provider_info *info, const cz_request *req, char hex[33])
{
    char *body = json_dumps(req->body ? req->body : json_null(),
                            JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    if (!body)
        return CZ_ENOMEM;
    unsigned __int128 h = ((unsigned __int128)0x6c62272e07bb0142ULL << 64) | 0x62b821756295c58dULL;
    const char *parts[] = {"cadenza-cache 1", info->name, info->module,
                           json_string_value(json_object_get(info->options, "model")),
                           json_string_value(json_object_get(info->options, "version")),
                           req->capability, body};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        const char *s = parts[i] ? parts[i] : "";
        fnv128((const unsigned char *)s, strlen(s) + 1, &h); /* the NUL separates */
    }
    free(body);
    for (int i = 0; i < 32; i++)
        hex[i] = "0123456789abcdef"[(unsigned)(h >> (124 - 4 * i)) & 15];
    hex[32] = 0;
    return 0;
}

static const char *host_order(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one ? "f32le" : "f32be";
}

static int mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

/* 0 and *reply filled on a fresh, whole entry; -1 otherwise. */
static int cache_load(const char *dir, const char *key, double ttl_s, cz_reply *reply)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.czc", dir, key);
    struct stat st;
    if (stat(path, &st))
        return -1;
    if (ttl_s > 0 && difftime(time(NULL), st.st_mtime) > ttl_s)
        return -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char magic[sizeof CACHE_MAGIC];
    char *line = NULL;
    size_t cap = 0;
    json_t *meta = NULL;
    cz_audio *audio = NULL;
    int rc = -1;
    if (!fgets(magic, sizeof magic, f) || strcmp(magic, CACHE_MAGIC) || getline(&line, &cap, f) <= 0)
        goto out;
    meta = json_loads(line, 0, NULL);
    if (!json_is_object(meta))
        goto out;
    const json_t *a = json_object_get(meta, "audio");
    if (json_is_object(a)) {
        json_int_t rate = json_integer_value(json_object_get(a, "rate"));
        json_int_t ch = json_integer_value(json_object_get(a, "channels"));
        json_int_t frames = json_integer_value(json_object_get(a, "frames"));
        const char *order = json_string_value(json_object_get(a, "order"));
        if (rate <= 0 || ch <= 0 || ch > 64 || frames < 0 || !order || strcmp(order, host_order()))
            goto out;
        audio = cz_audio_new((uint32_t)rate, (uint32_t)ch, (uint64_t)frames);
        size_t n = (size_t)frames * (size_t)ch;
        if (!audio || fread(audio->samples, sizeof(float), n, f) != n)
            goto out;
    }
    *reply = (cz_reply){.retry_after_ms = -1};
    json_t *j = json_object_get(meta, "json");
    reply->json = json_is_null(j) ? NULL : json_incref(j);
    reply->audio = audio;
    audio = NULL;
    reply->http_status = (int)json_integer_value(json_object_get(meta, "http_status"));
    reply->bytes = (uint64_t)json_integer_value(json_object_get(meta, "bytes"));
    reply->cost = json_number_value(json_object_get(meta, "cost"));
    rc = 0;
out:
    if (audio)
        cz_audio_unref(audio);
    json_decref(meta);
    free(line);
    fclose(f);
    return rc;
}

static int cache_store(const char *dir, const char *key, const cz_reply *reply)
{
    if (mkdirs(dir))
        return -1;
    json_t *meta = json_pack("{s:O?,s:i,s:I,s:f}", "json", reply->json, "http_status", reply->http_status,
                             "bytes", (json_int_t)reply->bytes, "cost", reply->cost);
    if (!meta)
        return -1;
    if (reply->audio)
        json_object_set_new(meta, "audio", json_pack("{s:i,s:i,s:I,s:s}", "rate", (int)reply->audio->rate,
                                                     "channels", (int)reply->audio->channels, "frames",
                                                     (json_int_t)reply->audio->frames, "order", host_order()));
    else
        json_object_set_new(meta, "audio", json_null());
    char *text = json_dumps(meta, JSON_COMPACT);
    json_decref(meta);
    char tmp[4200], path[4200];
    snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, key);
    snprintf(path, sizeof path, "%s/%s.czc", dir, key);
    int fd = text ? mkstemp(tmp) : -1;
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    int ok = f != NULL;
    if (f) {
        ok = fputs(CACHE_MAGIC, f) >= 0 && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
        if (ok && reply->audio) {
            size_t n = (size_t)reply->audio->frames * reply->audio->channels;
            ok = fwrite(reply->audio->samples, sizeof(float), n, f) == n;
        }
        ok = (fflush(f) == 0) & ok;
        ok = (fclose(f) == 0) & ok;
    } else if (fd >= 0) {
        close(fd);
    }
    if (ok && rename(tmp, path))
        ok = 0;
    if (!ok && fd >= 0)
        unlink(tmp);
    free(text);
    return ok ? 0 : -1;
}

static void count_cache(cz_job *job, int hit)
{
    cz_bus *bus = cz_job_bus(job);
    const json_t *old = NULL;
    json_int_t hits = 0, misses = 0;
    if (!cz_bus_get_json(bus, "router.cache", &old)) {
        hits = json_integer_value(json_object_get(old, "hits"));
        misses = json_integer_value(json_object_get(old, "misses"));
    }
    hits += hit;
    misses += !hit;
    cz_bus_put_json(bus, "router.cache", json_pack("{s:I,s:I}", "hits", hits, "misses", misses));
}

/* ---- one provider, with retries ------------------------------------------------------ */

static int retryable(int rc)
{
    return rc == CZ_ERETRY || rc == CZ_ETIMEOUT || rc == CZ_EPROTO;
}

/* The reply must be what the capability promises. */
static int check_reply(const cz_request *req, const cz_reply *reply, const char *name, cz_error *e)
{
    if (!strcmp(req->capability, "audio")) {
        if (!reply->audio || !reply->audio->frames)
            return cz_err(e, CZ_EPROTO, "provider %s answered an audio request without audio", name);
    } else if (!strcmp(req->capability, "chat")) {
        if (!json_is_string(json_object_get(reply->json, "text")))
            return cz_err(e, CZ_EPROTO, "provider %s answered a chat request without text", name);
        if (json_is_true(json_object_get(req->body, "json")) &&
            !json_is_object(json_object_get(reply->json, "json")))
            return cz_err(e, CZ_EPROTO, "provider %s answered without the JSON object asked for", name);
    }
    return 0;
}

static double priced(const cz_try_policy *p, const cz_request *req, const cz_reply *reply)
{
    if (!p->price_per_request && !p->price_per_1k_tokens)
        return reply->cost;
    const json_t *u = json_object_get(reply->json, "usage");
    json_int_t in = json_integer_value(json_object_get(u, "input_tokens"));
    json_int_t out = json_integer_value(json_object_get(u, "output_tokens"));
    double tokens = in + out > 0 ? (double)(in + out) : (double)cz_route_estimate_tokens(req);
    return p->price_per_request + p->price_per_1k_tokens * tokens / 1000.0;
}

/* Wait before retry k (0 = the first retry). */
static double backoff(const cz_try_policy *p, cz_job *job, const char *name, uint32_t k, int retry_after_ms)
{
    double w = p->backoff_ms * ldexp(1.0, (int)(k < 30 ? k : 30));
    if (p->backoff_max_ms > 0 && w > p->backoff_max_ms)
        w = p->backoff_max_ms;
    if (p->jitter > 0) {
        cz_rng r;
        cz_rng_init(&r, cz_job_seed(job) ^ cz_hash_str(0, name) ^ ((uint64_t)k * 0x9e3779b97f4a7c15ULL),
                    "router.backoff");
        double j = p->jitter > 1 ? 1 : p->jitter;
        w *= 1.0 - j * cz_rng_unit(&r);
    }
    if (retry_after_ms > 0 && w < retry_after_ms)
        w = retry_after_ms;
    return w;
}

int cz_job_provider_try(cz_job *job, uint32_t i, const cz_request *req, cz_reply *reply,
                        const cz_try_policy *policy, cz_try_result *res, cz_error *err)
{
    cz_try_result dummy;
    if (!res)
        res = &dummy;
    *res = (cz_try_result){0};
    *reply = (cz_reply){.retry_after_ms = -1};
    cz_try_policy def = {.size = sizeof def, .max_retries = -1, .backoff_ms = 500, .backoff_max_ms = 20000,
                         .jitter = 0.5, .retry_after_max_ms = 60000};
    const cz_try_policy *p = policy && policy->size >= sizeof def ? policy : &def;
    cz_provider_info info;
    if (!req || !req->capability)
        return cz_err(err, CZ_EINVAL, "cz_job_provider_try: no request or capability");
    if (cz_job_provider_info(job, i, &info))
        return cz_err(err, CZ_ENOTFOUND, "no provider #%u in this pipeline", i);
    if (!cz_job_provider_can(job, i, req->capability))
        return cz_err(err, CZ_EINVAL, "provider %s (%s) does not offer '%s'", info.name, info.module,
                      req->capability);
    const char *secrets[MAX_SCRUB];
    int n_secrets = env_secrets(info.options, secrets, MAX_SCRUB);
    int max_retries = p->max_retries;
    if (max_retries < 0) {
        const json_t *mr = json_object_get(info.options, "max_retries");
        max_retries = json_is_integer(mr) ? (int)json_integer_value(mr) : 2;
    }

    char key[33] = "";
    int cache = p->cache_dir && *p->cache_dir && !cache_key(&info, req, key);
    if (cache) {
        int hit = !cache_load(p->cache_dir, key, p->cache_ttl_s, reply) &&
                  !check_reply(req, reply, info.name, NULL);
        count_cache(job, hit);
        if (hit) {
            res->cached = 1;
            cz_attempt a = {.provider = info.name, .capability = req->capability, .outcome = "cached",
                            .http_status = reply->http_status, .bytes = reply->bytes};
            cz_job_attempt(job, &a);
            snprintf(reply->provider, sizeof reply->provider, "%s", info.name);
            return 0;
        }
        cz_reply_clear(reply);
    }

    for (uint32_t k = 0;; k++) {
        cz_error e = {0};
        double t0 = cz_clock_ms();
        int rc = cz_job_provider_call(job, i, req, reply, &e);
        double ms = cz_clock_ms() - t0;
        if (rc > 0)
            rc = CZ_EINTERNAL;
        if (!rc)
            rc = check_reply(req, reply, info.name, &e);
        if (rc && !e.msg[0])
            cz_err(&e, rc, "provider %s failed with %s", info.name, cz_strerror(rc));
        res->calls = k + 1;
        res->code = rc;
        res->latency_ms = ms;
        double cost = rc ? 0 : priced(p, req, reply);
        int last = !retryable(rc) || (int)k >= max_retries || cz_job_cancelled(job);
        double wait = 0;
        if (rc && !last) {
            wait = backoff(p, job, info.name, k, reply->retry_after_ms);
            if (p->retry_after_max_ms > 0 && reply->retry_after_ms > p->retry_after_max_ms) {
                last = 1;
                size_t l = strlen(e.msg);
                snprintf(e.msg + l, sizeof e.msg - l, " (Retry-After %d ms is longer than retry_after_max_ms)",
                         reply->retry_after_ms);
            }
        }
        scrub(e.msg, secrets, n_secrets);
        char shortmsg[241];
        snprintf(shortmsg, sizeof shortmsg, "%.*s", (int)sizeof shortmsg - 1, e.msg);
        cz_attempt a = {.provider = info.name, .capability = req->capability,
                        .outcome = !rc ? "ok" : last ? "failed" : "retry", .http_status = reply->http_status,
                        .latency_ms = ms, .bytes = reply->bytes, .cost = cost, .error = rc ? shortmsg : NULL};
        cz_job_attempt(job, &a);
        if (!rc) {
            reply->cost = cost;
            res->cost = cost;
            if (cache && cache_store(p->cache_dir, key, reply))
                cz_job_log(job, CZ_LOG_WARN, "router: cannot write the cache entry in '%s'", p->cache_dir);
            return 0;
        }
        cz_job_log(job, last ? CZ_LOG_WARN : CZ_LOG_INFO, "provider %s: %s%s", info.name, e.msg,
                   last ? "" : " (will retry)");
        cz_reply_clear(reply);
        if (last) {
            if (err)
                *err = e;
            return rc;
        }
        if (cz_sleep_ms(job, wait))
            return cz_err(err, CZ_ECANCELED, "the job was cancelled while waiting to retry %s", info.name);
    }
}

/* ---- the ordered loop every strategy ends with ----------------------------------------- */

uint64_t cz_route_request_hash(const cz_request *req)
{
    uint64_t h = cz_hash_str(0, req && req->capability ? req->capability : "");
    char *body = req && req->body ? json_dumps(req->body, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    h = cz_hash_str(h ^ 0x5bd1e995, body ? body : "");
    free(body);
    return h;
}

int cz_route_in_order(cz_job *job, const cz_request *req, cz_reply *reply, const uint32_t *order, uint32_t n,
                      const cz_try_policy *policy, const cz_route_hooks *hooks, cz_error *err)
{
    *reply = (cz_reply){.retry_after_ms = -1};
    const char *cap = req && req->capability ? req->capability : "";
    if (!n)
        return cz_err(err, CZ_ENOTFOUND, "no provider this router may use offers '%s'", cap);
    cz_try_policy def = {.size = sizeof def, .max_retries = -1, .backoff_ms = 500, .backoff_max_ms = 20000,
                         .jitter = 0.5, .retry_after_max_ms = 60000};
    char summary[CZ_ERROR_MAX] = "";
    size_t used = 0;
    int last = 0, asked = 0;
    const cz_route_hooks *hk = hooks && hooks->size >= sizeof *hooks ? hooks : NULL;
    for (uint32_t k = 0; k < n; k++) {
        cz_provider_info info;
        if (cz_job_provider_info(job, order[k], &info))
            continue;
        cz_try_policy p = policy && policy->size >= sizeof p ? *policy : def;
        char why[160] = "";
        if (hk && hk->admit && hk->admit(hk->user, job, order[k], &p, why, sizeof why)) {
            cz_route_skip(job, order[k], cap, why[0] ? why : "skipped");
            if (used < sizeof summary)
                used += (size_t)snprintf(summary + used, sizeof summary - used, "%s%s: skipped (%s)",
                                         used ? "; " : "", info.name, why[0] ? why : "skipped");
            continue;
        }
        cz_try_result res;
        cz_error e = {0};
        int rc = cz_job_provider_try(job, order[k], req, reply, &p, &res, &e);
        asked = 1;
        if (hk && hk->done)
            hk->done(hk->user, job, order[k], &res);
        if (!rc)
            return 0;
        last = rc;
        if (rc == CZ_ECANCELED) {
            if (err)
                *err = e;
            return rc;
        }
        if (used < sizeof summary)
            used += (size_t)snprintf(summary + used, sizeof summary - used, "%s%s: %s", used ? "; " : "",
                                     info.name, e.msg);
    }
    if (!asked)
        return cz_err(err, CZ_EBUSY, "no provider could be asked for '%s': %s", cap, summary);
    return cz_err(err, last, "no provider answered '%s': %s", cap, summary);
}
