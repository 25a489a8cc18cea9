/*
 * router.round_robin - spread requests over providers in turn.
 *
 * Request k (counted across every job this pipeline runs, with an atomic
 * counter in the router instance) starts with provider k mod n of the
 * candidates and falls back to the following ones in circular order. The
 * counter counts every request the router sees, whatever its capability.
 * Which provider a job gets depends on the order jobs arrive, not on the
 * seed: use router.weighted for a split that reruns reproduce.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include <cadenza/cadenza.h>

#define MOD "router.round_robin"
#define MAX_PROVIDERS 64

static const cz_option options[] = {CZ_ROUTER_OPTIONS, CZ_OPTIONS_END};

typedef struct round_robin {
    cz_try_policy policy;
    const json_t *providers;
    atomic_uint_fast64_t next;
} round_robin;

static int rr_init(const cz_init *args, void **instance, cz_error *err)
{
    round_robin *r = calloc(1, sizeof *r);
    if (!r)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    cz_try_policy_read(args->options, &r->policy);
    r->providers = cz_opt_json(args->options, "providers");
    atomic_init(&r->next, 0);
    *instance = r;
    return 0;
}

static void rr_fini(void *instance)
{
    free(instance);
}

static int rr_route(void *instance, cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    round_robin *r = instance;
    uint32_t cand[MAX_PROVIDERS], order[MAX_PROVIDERS];
    uint32_t n = cz_route_candidates(job, r->providers, req->capability, cand, MAX_PROVIDERS);
    uint64_t start = n ? atomic_fetch_add(&r->next, 1) % n : 0;
    for (uint32_t k = 0; k < n; k++)
        order[k] = cand[(start + k) % n];
    return cz_route_in_order(job, req, reply, order, n, &r->policy, NULL, err);
}

static const cz_router_vtable vtable = {
    .size = sizeof(cz_router_vtable),
    .version = CZ_ROUTER_VTABLE_VERSION,
    .route = rr_route,
};

CZ_MODULE(.name = "router.round_robin", .version = "1.0.0", .kind = CZ_KIND_ROUTER,
          .summary = "Providers in turn across jobs; the next ones are fallbacks",
          .options = options, .init = rr_init, .fini = rr_fini, .vtable = &vtable);
