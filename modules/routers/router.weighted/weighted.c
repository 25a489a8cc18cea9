/*
 * router.weighted - split traffic between providers by weight.
 *
 * `weights` maps provider names to non-negative numbers; a provider the
 * map does not name gets `default_weight`, and weight 0 means never. For
 * each request the providers are put in a random order where each next one
 * is drawn with probability proportional to its weight among those left
 * (weighted sampling without replacement): the first is the pick, the
 * others are its fallbacks. The draw comes from the job seed mixed with the
 * request (cz_route_request_hash), so a rerun of a job picks the same.
 */
#include <stdlib.h>
#include <string.h>

#include <cadenza/cadenza.h>

#define MOD "router.weighted"
#define MAX_PROVIDERS 64

static const cz_option options[] = {
    CZ_ROUTER_OPTIONS,
    CZ_OPTION_JSON("weights", "{}", "provider name -> weight (>= 0); {a: 3, b: 1} sends a three times as often"),
    CZ_OPTION_FLOAT("default_weight", "1", 0, 1e9, "weight of a provider `weights` does not name"),
    CZ_OPTIONS_END};

typedef struct weighted {
    cz_try_policy policy;
    const json_t *providers, *weights;
    double def;
} weighted;

static int wt_init(const cz_init *args, void **instance, cz_error *err)
{
    const json_t *w = cz_opt_json(args->options, "weights");
    if (!json_is_object(w))
        return cz_err(err, CZ_EINVAL, MOD ": option weights must be a mapping of provider name to weight");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)w, k, v) {
        if (!json_is_number(v) || json_number_value(v) < 0)
            return cz_err(err, CZ_EINVAL, MOD ": option weights: the weight of '%s' must be a number >= 0", k);
    }
    weighted *r = calloc(1, sizeof *r);
    if (!r)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    cz_try_policy_read(args->options, &r->policy);
    r->providers = cz_opt_json(args->options, "providers");
    r->weights = w;
    r->def = cz_opt_float(args->options, "default_weight");
    *instance = r;
    return 0;
}

static void wt_fini(void *instance)
{
    free(instance);
}

static int wt_route(void *instance, cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    weighted *r = instance;
    uint32_t cand[MAX_PROVIDERS], order[MAX_PROVIDERS];
    double w[MAX_PROVIDERS];
    uint32_t n = cz_route_candidates(job, r->providers, req->capability, cand, MAX_PROVIDERS), m = 0;
    for (uint32_t i = 0; i < n; i++) {
        cz_provider_info info;
        cz_job_provider_info(job, cand[i], &info);
        const json_t *v = json_object_get(r->weights, info.name);
        w[i] = v ? json_number_value(v) : r->def;
    }
    cz_rng rng;
    cz_rng_init(&rng, cz_job_seed(job) ^ cz_route_request_hash(req), "router.weighted");
    for (;;) {
        double total = 0;
        for (uint32_t i = 0; i < n; i++)
            total += w[i];
        if (total <= 0)
            break;
        uint32_t k = cz_rng_pick(&rng, w, n);
        order[m++] = cand[k];
        w[k] = 0;
    }
    if (n && !m)
        return cz_err(err, CZ_ENOTFOUND, MOD ": every provider offering '%s' has weight 0", req->capability);
    return cz_route_in_order(job, req, reply, order, m, &r->policy, NULL, err);
}

static const cz_router_vtable vtable = {
    .size = sizeof(cz_router_vtable),
    .version = CZ_ROUTER_VTABLE_VERSION,
    .route = wt_route,
};

CZ_MODULE(.name = "router.weighted", .version = "1.0.0", .kind = CZ_KIND_ROUTER,
          .summary = "Picks a provider at random by weight (deterministic from the job seed); the rest are fallbacks",
          .options = options, .init = wt_init, .fini = wt_fini, .vtable = &vtable);
