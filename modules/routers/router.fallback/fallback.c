/*
 * router.fallback - ask the providers in order; the first answer wins.
 *
 * Put the best model first and provider.procedural last, and a song comes
 * out whatever is reachable. Each provider has a circuit breaker, so a
 * server that is down costs one timeout, not one per job:
 *
 *   closed     calls go through; `failure_threshold` consecutive failures
 *              (after the toolkit's retries) open it
 *   open       the provider is passed by (a "skipped" attempt, "circuit
 *              open") until `cooldown_ms` have passed
 *   half-open  one probe call goes through (other jobs still skip): success
 *              closes the breaker, failure opens it for another cooldown
 *
 * A bad request (CZ_EINVAL), a cancelled job or an answer from the cache
 * says nothing about the provider's health and leaves the breaker alone. Breakers live in the
 * router instance (one per pipeline), shared by every job, under a mutex;
 * transitions are logged.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cadenza/cadenza.h>

#define MOD "router.fallback"
#define MAX_PROVIDERS 64

static const cz_option options[] = {
    CZ_ROUTER_OPTIONS,
    CZ_OPTION_INT("failure_threshold", "3", 1, 1000, "consecutive failures that open a provider's breaker"),
    CZ_OPTION_FLOAT("cooldown_ms", "30000", 0, 86400000, "how long an open breaker waits before one probe"),
    CZ_OPTIONS_END};

enum { CLOSED, OPEN, HALF_OPEN };
static const char *const state_name[] = {"closed", "open", "half-open"};

typedef struct breaker {
    int state, failures, probing;
    double opened_at;
} breaker;

typedef struct fallback {
    cz_try_policy policy;
    const json_t *providers;
    int threshold;
    double cooldown_ms;
    pthread_mutex_t lock;
    breaker b[MAX_PROVIDERS];
} fallback;

static int fb_init(const cz_init *args, void **instance, cz_error *err)
{
    fallback *f = calloc(1, sizeof *f);
    if (!f)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    cz_try_policy_read(args->options, &f->policy);
    f->providers = cz_opt_json(args->options, "providers");
    f->threshold = (int)cz_opt_int(args->options, "failure_threshold");
    f->cooldown_ms = cz_opt_float(args->options, "cooldown_ms");
    pthread_mutex_init(&f->lock, NULL);
    *instance = f;
    return 0;
}

static void fb_fini(void *instance)
{
    fallback *f = instance;
    pthread_mutex_destroy(&f->lock);
    free(f);
}

static void transition(cz_job *job, breaker *b, uint32_t i, int to)
{
    cz_provider_info info;
    if (b->state != to && !cz_job_provider_info(job, i, &info))
        cz_job_log(job, to == OPEN ? CZ_LOG_WARN : CZ_LOG_INFO, MOD ": breaker of %s: %s -> %s", info.name,
                   state_name[b->state], state_name[to]);
    b->state = to;
}

static int admit(void *user, cz_job *job, uint32_t i, cz_try_policy *p, char *why, size_t n)
{
    fallback *f = user;
    if (i >= MAX_PROVIDERS)
        return 0;
    int skip = 0;
    pthread_mutex_lock(&f->lock);
    breaker *b = &f->b[i];
    if (b->state == OPEN && cz_clock_ms() - b->opened_at >= f->cooldown_ms) {
        transition(job, b, i, HALF_OPEN);
        b->probing = 0;
    }
    if (b->state == OPEN) {
        skip = 1;
        snprintf(why, n, "circuit open");
    } else if (b->state == HALF_OPEN) {
        skip = b->probing;
        b->probing = 1;
        if (skip)
            snprintf(why, n, "circuit half-open, probe in flight");
    }
    pthread_mutex_unlock(&f->lock);
    return skip;
}

static void done(void *user, cz_job *job, uint32_t i, const cz_try_result *res)
{
    fallback *f = user;
    if (i >= MAX_PROVIDERS)
        return;
    int health = !res->cached && res->code != CZ_EINVAL && res->code != CZ_ECANCELED;
    pthread_mutex_lock(&f->lock);
    breaker *b = &f->b[i];
    if (health && !res->code) {
        transition(job, b, i, CLOSED);
        b->failures = 0;
    } else if (health) {
        b->failures++;
        if (b->state == HALF_OPEN || (b->state == CLOSED && b->failures >= f->threshold)) {
            transition(job, b, i, OPEN);
            b->opened_at = cz_clock_ms();
        }
    }
    b->probing = 0; /* a probe ends here whatever it said */
    pthread_mutex_unlock(&f->lock);
}

static int fb_route(void *instance, cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    fallback *f = instance;
    uint32_t order[MAX_PROVIDERS];
    uint32_t n = cz_route_candidates(job, f->providers, req->capability, order, MAX_PROVIDERS);
    cz_route_hooks hooks = {.size = sizeof hooks, .user = f, .admit = admit, .done = done};
    return cz_route_in_order(job, req, reply, order, n, &f->policy, &hooks, err);
}

static const cz_router_vtable vtable = {
    .size = sizeof(cz_router_vtable),
    .version = CZ_ROUTER_VTABLE_VERSION,
    .route = fb_route,
};

CZ_MODULE(.name = "router.fallback", .version = "1.0.0", .kind = CZ_KIND_ROUTER,
          .summary = "Providers in order, first answer wins; a circuit breaker per provider",
          .options = options, .init = fb_init, .fini = fb_fini, .vtable = &vtable);
