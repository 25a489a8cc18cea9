/*
 * router.least_latency - ask the provider that has been fastest lately.
 *
 * Each provider's latency is an exponentially weighted moving average of
 * its calls (weight `alpha` for the newest); a failure counts as
 * `failure_penalty_ms` (or the time it took, when longer), so a failing
 * server sinks. Providers never measured go first, in list order, so each
 * gets measured; then the rest by average, fastest first. With probability
 * `explore` a request starts with a random other provider instead, so a
 * server that was slow once is measured again. The draw comes from the job
 * seed mixed with the request (cz_route_request_hash); the averages are
 * shared by every job of the pipeline, under a mutex. Answers from the
 * response cache are not measured.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cadenza/cadenza.h>

#define MOD "router.least_latency"
#define MAX_PROVIDERS 64

static const cz_option options[] = {
    CZ_ROUTER_OPTIONS,
    CZ_OPTION_FLOAT("alpha", "0.3", 0.001, 1, "weight of the newest latency in the moving average"),
    CZ_OPTION_FLOAT("explore", "0.05", 0, 1, "probability of trying another provider than the fastest first"),
    CZ_OPTION_FLOAT("failure_penalty_ms", "10000", 0, 86400000, "latency a failed call counts as (at least)"),
    CZ_OPTIONS_END};

typedef struct least_latency {
    cz_try_policy policy;
    const json_t *providers;
    double alpha, explore, penalty;
    pthread_mutex_t lock;
    double ewma[MAX_PROVIDERS]; /* ms; < 0: never measured */
} least_latency;

static int ll_init(const cz_init *args, void **instance, cz_error *err)
{
    least_latency *r = calloc(1, sizeof *r);
    if (!r)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    cz_try_policy_read(args->options, &r->policy);
    r->providers = cz_opt_json(args->options, "providers");
    r->alpha = cz_opt_float(args->options, "alpha");
    r->explore = cz_opt_float(args->options, "explore");
    r->penalty = cz_opt_float(args->options, "failure_penalty_ms");
    for (int i = 0; i < MAX_PROVIDERS; i++)
        r->ewma[i] = -1;
    pthread_mutex_init(&r->lock, NULL);
    *instance = r;
    return 0;
}

static void ll_fini(void *instance)
{
    least_latency *r = instance;
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static void measured(void *user, cz_job *job, uint32_t i, const cz_try_result *res)
{
    least_latency *r = user;
    if (i >= MAX_PROVIDERS || res->cached || res->code == CZ_EINVAL || res->code == CZ_ECANCELED)
        return;
    double ms = res->code && res->latency_ms < r->penalty ? r->penalty : res->latency_ms;
    pthread_mutex_lock(&r->lock);
    double *e = &r->ewma[i];
    *e = *e < 0 ? ms : r->alpha * ms + (1 - r->alpha) * *e;
    pthread_mutex_unlock(&r->lock);
}

static int ll_route(void *instance, cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    least_latency *r = instance;
    uint32_t order[MAX_PROVIDERS];
    double key[MAX_PROVIDERS];
    uint32_t n = cz_route_candidates(job, r->providers, req->capability, order, MAX_PROVIDERS);
    pthread_mutex_lock(&r->lock);
    for (uint32_t k = 0; k < n; k++)
        key[k] = order[k] < MAX_PROVIDERS ? r->ewma[order[k]] : -1;
    pthread_mutex_unlock(&r->lock);
    /* stable insertion sort: unmeasured (-1) first, then fastest */
    for (uint32_t k = 1; k < n; k++) {
        uint32_t o = order[k];
        double v = key[k];
        uint32_t j = k;
        for (; j > 0 && key[j - 1] > v; j--) {
            key[j] = key[j - 1];
            order[j] = order[j - 1];
        }
        key[j] = v;
        order[j] = o;
    }
    cz_rng rng;
    cz_rng_init(&rng, cz_job_seed(job) ^ cz_route_request_hash(req), "router.least_latency");
    if (n > 1 && key[0] >= 0 && cz_rng_chance(&rng, r->explore)) {
        uint32_t k = 1 + cz_rng_below(&rng, n - 1); /* move a random other one to the front */
        uint32_t o = order[k];
        memmove(&order[1], &order[0], k * sizeof *order);
        order[0] = o;
    }
    cz_route_hooks hooks = {.size = sizeof hooks, .user = r, .done = measured};
    return cz_route_in_order(job, req, reply, order, n, &r->policy, &hooks, err);
}

static const cz_router_vtable vtable = {
    .size = sizeof(cz_router_vtable),
    .version = CZ_ROUTER_VTABLE_VERSION,
    .route = ll_route,
};

CZ_MODULE(.name = "router.least_latency", .version = "1.0.0", .kind = CZ_KIND_ROUTER,
          .summary = "The provider with the lowest moving-average latency first, with some exploration",
          .options = options, .init = ll_init, .fini = ll_fini, .vtable = &vtable);
