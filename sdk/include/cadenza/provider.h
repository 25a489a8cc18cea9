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
 *   chat : {"system": str, "prompt": str, "json": bool, "max_tokens": int}
 *          reply json: {"text": str} (+ "json": object when asked for JSON)
 *   audio: {"caption": str, "bpm": num, "key": str, "mode": str,
 *           "meter": "4/4", "duration_s": num, "seed": int, "rate": int}
 *          reply audio: the rendered song
 */
#ifndef CADENZA_PROVIDER_H
#define CADENZA_PROVIDER_H

#include <stdint.h>
#include <jansson.h>

#include "audio.h"
#include "error.h"

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

#ifdef __cplusplus
}
#endif
#endif
