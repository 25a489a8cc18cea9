/*
 * cadenza/provider.h - providers, routers and the requests between them.
 *
 * A stage that wants outside help (a language model to enrich a prompt, a
 * music model to render audio) never names a provider: it builds a
 * cz_request for a capability ("chat", "audio") and calls cz_job_request().
 * The host hands it to the pipeline's router module, which picks among the
 * declared providers that offer the capability, calls them through
 * cz_job_provider_call(), retries, and records every attempt. So who
 * answers, in which order and with what fallback is pure pipeline YAML.
 *
 * Request bodies are JSON so that new fields never break the ABI. The
 * shipped capabilities (docs/providers.md has the full field lists):
 *   chat : {"system": str, "prompt": str, "json": bool, "max_tokens": int,
 *           "temperature": num (optional), "seed": int (optional)}
 *          reply json: {"text": str} (+ "json": object when asked for JSON;
 *          a provider asked for JSON whose answer is not a JSON object
 *          fails with CZ_EPROTO), and optionally "model": str,
 *          "usage": {"input_tokens": int, "output_tokens": int},
 *          "reasoning": str (a line on how the answer was made)
 *   audio: {"caption": str, "bpm": num, "key": str, "mode": str,
 *           "meter": "4/4", "duration_s": num, "seed": int, "rate": int,
 *           "lyrics": str (optional)}
 *          reply audio: the rendered song, at the provider's own rate and
 *          channel count (the requesting stage converts)
 */
#ifndef CADENZA_PROVIDER_H
#define CADENZA_PROVIDER_H

#include <stdint.h>
#include <jansson.h>

#include "audio.h"
#include "error.h"
#include "http.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cz_job cz_job;

typedef struct cz_request {
    const char *capability; /* "chat", "audio", ... */
    const json_t *body;     /* borrowed; see the field lists above */
} cz_request;

/* Filled by a provider; released with cz_reply_clear(). */
typedef struct cz_reply {
    json_t *json;         /* owned: structured answer */
    cz_audio *audio;      /* owned: rendered audio, for "audio" */
    int http_status;      /* last HTTP status seen, 0 if none */
    int retry_after_ms;   /* from Retry-After on 429/503, -1 if none */
    uint64_t bytes;       /* response bytes received */
    double cost;          /* estimated cost in the provider's currency unit */
    char provider[32];    /* filled by the host: the provider's name */
} cz_reply;

/* Release what a reply owns and reset it to empty (retry_after_ms -1). */
static inline void cz_reply_clear(cz_reply *r)
{
    if (r->json)
        json_decref(r->json);
    if (r->audio)
        cz_audio_unref(r->audio);
    *r = (cz_reply){.retry_after_ms = -1};
}

/* ---- provider modules (kind CZ_KIND_PROVIDER) -------------------------- */

#define CZ_PROVIDER_VTABLE_VERSION 1u

typedef struct cz_provider_vtable {
    uint32_t size;    /* sizeof(cz_provider_vtable) as the module saw it */
    uint32_t version; /* CZ_PROVIDER_VTABLE_VERSION */
    /* Capabilities this provider answers, NULL-terminated. */
    const char *const *capabilities;
    /* Answer one request. Called from the job's thread; several jobs may
     * call one instance at once, so guard shared state. Classify failures:
     * CZ_ERETRY / CZ_ETIMEOUT for what may succeed later (connect failure,
     * 429, 5xx, stream cut), CZ_EPERM (401/403), CZ_EINVAL (400),
     * CZ_EPROTO (not the format asked for). Never put a secret in err. */
    int (*call)(void *instance, cz_job *job, const cz_request *req,
                cz_reply *reply, cz_error *err);
} cz_provider_vtable;

/* ---- router modules (kind CZ_KIND_ROUTER) ------------------------------ */

#define CZ_ROUTER_VTABLE_VERSION 1u

typedef struct cz_router_vtable {
    uint32_t size;
    uint32_t version; /* CZ_ROUTER_VTABLE_VERSION */
    /* Get one answer for req: choose providers, call them with
     * cz_job_provider_call(), retry, record each try with cz_job_attempt().
     * The instance lives as long as the pipeline and serves many jobs,
     * possibly at once: state such as breakers must be locked. */
    int (*route)(void *instance, cz_job *job, const cz_request *req,
                 cz_reply *reply, cz_error *err);
} cz_router_vtable;

/* What a router may know of a declared provider. Strings are borrowed. */
typedef struct cz_provider_info {
    const char *name;    /* the `name:` in the pipeline's providers list */
    const char *module;  /* "provider.openai" */
    const char *version; /* module version */
    const json_t *options; /* the provider's validated options */
} cz_provider_info;

/* One try, as recorded on "router.attempts" and in song.json. */
typedef struct cz_attempt {
    const char *provider;   /* provider name */
    const char *capability;
    const char *outcome;    /* "ok", "retry", "failed", "skipped" */
    int http_status;        /* 0 if none */
    double latency_ms;
    uint64_t bytes;
    double cost;
    const char *error;      /* short text, NULL on success; no secrets */
} cz_attempt;

/* Ask the pipeline's router for an answer. CZ_ENOTFOUND when the pipeline
 * has no router. The reply must be released with cz_reply_clear(). */
int cz_job_request(cz_job *job, const cz_request *req, cz_reply *reply,
                   cz_error *err);

/* Non-zero when the pipeline declares a router (so a request may work). */
int cz_job_has_router(const cz_job *job);

/* Providers declared by the pipeline, by index in declaration order. */
uint32_t cz_job_provider_count(const cz_job *job);
int cz_job_provider_info(const cz_job *job, uint32_t i, cz_provider_info *out);
/* Index of the provider called name, or -1. */
int cz_job_provider_find(const cz_job *job, const char *name);
/* Non-zero when provider i declares capability. */
int cz_job_provider_can(const cz_job *job, uint32_t i, const char *capability);
/* Call provider i directly (routers only). Fills reply->provider. */
int cz_job_provider_call(cz_job *job, uint32_t i, const cz_request *req,
                         cz_reply *reply, cz_error *err);
/* Append one attempt record to the job's "router.attempts". */
void cz_job_attempt(cz_job *job, const cz_attempt *a);

/* ---- the router toolkit (host side: runtime/route.c) --------------------
 *
 * What every router needs, written once: a router module only decides the
 * order in which providers are asked. cz_job_provider_try() asks one
 * provider with retries, back-off and the response cache, and records
 * every attempt; the helpers below resolve the `providers` option and
 * record skipped providers. Routers declare CZ_ROUTER_OPTIONS in their
 * option table and read it with cz_try_policy_read().
 */

/* How cz_job_provider_try() asks one provider. Zero-initialise, set size. */
typedef struct cz_try_policy {
    uint32_t size;              /* sizeof(cz_try_policy) */
    int max_retries;            /* retries after the first call; -1: the
                                   provider's `max_retries` option (else 2) */
    double backoff_ms;          /* wait before the first retry; doubles */
    double backoff_max_ms;      /* cap of one wait (0: no cap) */
    double jitter;              /* 0..1: this fraction of each wait is drawn
                                   at random from the job seed */
    double retry_after_max_ms;  /* a Retry-After longer than this is not
                                   waited for: the provider fails now and the
                                   router moves on (0: always wait) */
    const char *cache_dir;      /* response cache folder; NULL or "": none */
    double cache_ttl_s;         /* older entries are misses; 0: never expire */
    /* Prices (router.cost): when either is non-zero the attempt's cost is
     * price_per_request + price_per_1k_tokens * tokens / 1000, tokens from
     * the reply's usage (chat) or estimated from the request (4 characters a
     * token, plus max_tokens), instead of what the provider reported. */
    double price_per_request;
    double price_per_1k_tokens;
} cz_try_policy;

/* What happened, for strategies that learn (least latency). */
typedef struct cz_try_result {
    uint32_t calls;     /* provider calls made (0 when served from cache) */
    int cached;         /* 1: answered from the response cache */
    int code;           /* the last call's status (0 on success) */
    double latency_ms;  /* of the last call */
    double cost;        /* recorded cost of the successful call */
} cz_try_result;

/* Ask provider i (must offer req->capability) under policy:
 *  - cache: with cache_dir, a fresh entry for (provider name, its `model`
 *    and `version` options, capability, request body canonicalised with
 *    sorted keys) answers without a call; a miss calls and stores the
 *    answer (written to a temporary file and renamed into place). Hits
 *    and misses of the job are kept on the bus as "router.cache"
 *    {"hits": n, "misses": n};
 *  - retries: CZ_ERETRY, CZ_ETIMEOUT and CZ_EPROTO are retried up to
 *    max_retries times, waiting backoff_ms * 2^k (capped, with jitter from
 *    the job seed), and at least the server's Retry-After; anything else
 *    fails at once (a bad key is never retried);
 *  - a chat request with "json": true must get reply json {"json": object}
 *    or the call counts as CZ_EPROTO;
 *  - every call is recorded with cz_job_attempt(): outcome "ok", "retry"
 *    (failed, will be tried again), "failed" (failed, giving up on this
 *    provider) or "cached" (served from the cache), with HTTP status,
 *    latency, bytes, cost and a short error text (secrets removed: the
 *    values of the provider's *_env variables never appear).
 * Returns 0 with *reply filled, or the last failure's code with err set.
 * res may be NULL. */
int cz_job_provider_try(cz_job *job, uint32_t i, const cz_request *req,
                        cz_reply *reply, const cz_try_policy *policy,
                        cz_try_result *res, cz_error *err);

/* The providers a router may ask for capability: indices into the
 * pipeline's providers, in the order of `names` (the router's `providers`
 * option; empty or NULL: every declared provider, in declaration order),
 * keeping only those offering capability. Writes at most max indices and
 * returns how many it wrote. Names the pipeline does not declare are
 * skipped (`validate` already refused them). */
uint32_t cz_route_candidates(const cz_job *job, const json_t *names,
                             const char *capability, uint32_t *out,
                             uint32_t max);

/* Per-provider decisions of a strategy, for cz_route_in_order(). Any
 * member may be NULL. Called on the job's thread; guard shared state. */
typedef struct cz_route_hooks {
    uint32_t size;  /* sizeof(cz_route_hooks) */
    void *user;
    /* Before asking provider i: return 0 to ask it (policy is this call's
     * own copy, to adjust, e.g. prices), or non-zero to pass it by with a
     * reason in why (recorded as a "skipped" attempt). */
    int (*admit)(void *user, cz_job *job, uint32_t i, cz_try_policy *policy,
                 char *why, size_t why_size);
    /* After asking provider i: what happened (res->code 0: it answered). */
    void (*done)(void *user, cz_job *job, uint32_t i, const cz_try_result *res);
} cz_route_hooks;

/* The loop every strategy ends with: ask the providers in order with
 * cz_job_provider_try() until one answers. Returns 0 with *reply filled;
 * CZ_ENOTFOUND when n is 0; CZ_EBUSY when every provider was passed by
 * (breakers open, budget spent); CZ_ECANCELED at once when the job is
 * cancelled; else the last failure's code, with err naming each provider
 * and why it failed. hooks may be NULL. */
int cz_route_in_order(cz_job *job, const cz_request *req, cz_reply *reply,
                      const uint32_t *order, uint32_t n,
                      const cz_try_policy *policy, const cz_route_hooks *hooks,
                      cz_error *err);

/* A stable hash of a request (capability and body with sorted keys), to
 * mix with the job seed where a strategy draws at random: the same job
 * and request give the same draw. */
uint64_t cz_route_request_hash(const cz_request *req);

/* Record that provider i was not asked, and why ("circuit open",
 * "budget"): an attempt with outcome "skipped". */
void cz_route_skip(cz_job *job, uint32_t i, const char *capability,
                   const char *reason);

/* Tokens a chat request will cost, roughly: characters of "system" and
 * "prompt" / 4, plus "max_tokens". 0 for other capabilities. */
uint64_t cz_route_estimate_tokens(const cz_request *req);

/* The chat reply convention, for providers: reply->json = {"text": text},
 * and when want_json also "json": the text parsed as a JSON object (a
 * Markdown code fence around it, or prose before the first '{' and after
 * the last '}', is tolerated). CZ_EPROTO when want_json and the text holds
 * no JSON object (reply->json still has "text"). */
int cz_chat_reply(cz_reply *reply, const char *text, int want_json,
                  cz_error *err);

/* What a chat provider collects from one answer, whole or streamed.
 * Zero-initialise; the provider's parsers fill it. */
typedef struct cz_chat_answer {
    cz_text text;              /* the answer's text, appended piece by piece */
    int done;                  /* the end of the answer was seen */
    long long in_tokens, out_tokens;
    char model[128];           /* the model that answered, if the server says */
    char error[300];           /* an error the server reported in the body */
} cz_chat_answer;

/* Finish a chat provider's call: copy the HTTP figures (status,
 * Retry-After, bytes) into reply; when rc is 0, build the reply by the
 * chat convention (cz_chat_reply) plus "model" (the answer's, else
 * default_model) and "usage"; when rc failed and the server explained,
 * put its explanation in err after `who`. Releases the answer's text and
 * the response. Returns the final status. */
int cz_chat_finish(cz_reply *reply, int rc, cz_http_response *rs, cz_chat_answer *a,
                   int want_json, const char *default_model, const char *who,
                   cz_error *err);

/* The options every router shares, for its option table: `providers`,
 * `max_retries`, `backoff_ms`, `backoff_max_ms`, `jitter`,
 * `retry_after_max_ms`, `cache_dir`, `cache_ttl_s`. */
#define CZ_ROUTER_OPTIONS \
    CZ_OPTION_PROVIDERS("providers", \
                        "providers this router may ask, in order; empty: all declared, in order"), \
    CZ_OPTION_INT("max_retries", "-1", -1, 20, \
                  "retries per provider; -1: each provider's own max_retries"), \
    CZ_OPTION_FLOAT("backoff_ms", "500", 0, 600000, "wait before the first retry (doubles each time)"), \
    CZ_OPTION_FLOAT("backoff_max_ms", "20000", 0, 3600000, "longest single wait between retries"), \
    CZ_OPTION_FLOAT("jitter", "0.5", 0, 1, "fraction of each wait drawn at random from the job seed"), \
    CZ_OPTION_FLOAT("retry_after_max_ms", "60000", 0, 3600000, \
                    "a longer Retry-After fails the provider instead of waiting (0: always wait)"), \
    CZ_OPTION_STRING("cache_dir", NULL, "response cache folder; empty: no cache"), \
    CZ_OPTION_FLOAT("cache_ttl_s", "0", 0, 1e9, "cache entries older than this are refetched; 0: never")

/* Read CZ_ROUTER_OPTIONS from a router's validated options (strings are
 * borrowed from them: valid until fini). */
static inline void cz_try_policy_read(const json_t *o, cz_try_policy *p)
{
    const char *dir = json_string_value(json_object_get(o, "cache_dir"));
    *p = (cz_try_policy){
        .size = sizeof *p,
        .max_retries = (int)json_integer_value(json_object_get(o, "max_retries")),
        .backoff_ms = json_number_value(json_object_get(o, "backoff_ms")),
        .backoff_max_ms = json_number_value(json_object_get(o, "backoff_max_ms")),
        .jitter = json_number_value(json_object_get(o, "jitter")),
        .retry_after_max_ms = json_number_value(json_object_get(o, "retry_after_max_ms")),
        .cache_dir = dir && *dir ? dir : NULL,
        .cache_ttl_s = json_number_value(json_object_get(o, "cache_ttl_s"))};
}

#ifdef __cplusplus
}
#endif
#endif
