/*
 * router.cost - the cheapest provider that fits the job's budget.
 *
 * `prices` maps provider names to what one request costs, in any one
 * currency unit used throughout:
 *
 *     prices: { local: 0, small: 0.002, big: { per_request: 0.01, per_1k_tokens: 0.6 } }
 *
 * A number is a price per request; a mapping may give per_request and
 * per_1k_tokens (tokens of a chat request are estimated before the call as
 * characters / 4 + max_tokens, and counted from the answer's usage after
 * it). A provider `prices` does not name costs `default_price`.
 *
 * `budget` (0: none) is per job: what the job's earlier answers cost (the
 * "cost" of its router.attempts) is subtracted, and a provider whose
 * estimated price exceeds what is left is passed by with a "skipped"
 * attempt, reason "budget", and the next one is tried. With `order:
 * cheapest` (the default) providers are asked cheapest first (ties in list
 * order); with `order: listed` in the `providers` order, so the best model
 * is asked while the budget lasts and cheaper ones after.
 */
#include <stdlib.h>
#include <string.h>

#include <cadenza/cadenza.h>

#define MOD "router.cost"
#define MAX_PROVIDERS 64

static const cz_option options[] = {
    CZ_ROUTER_OPTIONS,
    CZ_OPTION_JSON("prices", "{}", "provider name -> price per request, or {per_request, per_1k_tokens}"),
    CZ_OPTION_FLOAT("default_price", "0", 0, 1e12, "price per request of a provider `prices` does not name"),
    CZ_OPTION_FLOAT("budget", "0", 0, 1e12, "what one job may spend; 0: no limit"),
    CZ_OPTION_ENUM("order", "cheapest", "ask cheapest first, or in the providers order", "cheapest", "listed"),
    CZ_OPTIONS_END};

typedef struct cost {
    cz_try_policy policy;
    const json_t *providers, *prices;
    double def, budget;
    int listed;
} cost;

typedef struct price {
    double per_request, per_1k;
} price;

static int valid_price(const json_t *v)
{
    if (json_is_number(v))
        return json_number_value(v) >= 0;
    if (!json_is_object(v))
        return 0;
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        if ((strcmp(k, "per_request") && strcmp(k, "per_1k_tokens")) || !json_is_number(x) ||
            json_number_value(x) < 0)
            return 0;
    }
    return 1;
}

static int co_init(const cz_init *args, void **instance, cz_error *err)
{
    const json_t *p = cz_opt_json(args->options, "prices");
    if (!json_is_object(p))
        return cz_err(err, CZ_EINVAL, MOD ": option prices must be a mapping of provider name to price");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)p, k, v) {
        if (!valid_price(v))
            return cz_err(err, CZ_EINVAL,
                          MOD ": option prices: '%s' must be a number >= 0 or {per_request, per_1k_tokens} >= 0", k);
    }
    cost *c = calloc(1, sizeof *c);
    if (!c)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    cz_try_policy_read(args->options, &c->policy);
    c->providers = cz_opt_json(args->options, "providers");
    c->prices = p;
    c->def = cz_opt_float(args->options, "default_price");
    c->budget = cz_opt_float(args->options, "budget");
    c->listed = !strcmp(cz_opt_str(args->options, "order"), "listed");
    *instance = c;
    return 0;
}

static void co_fini(void *instance)
{
    free(instance);
}

static price price_of(const cost *c, cz_job *job, uint32_t i)
{
    cz_provider_info info;
    price p = {c->def, 0};
    if (cz_job_provider_info(job, i, &info))
        return p;
    const json_t *v = json_object_get(c->prices, info.name);
    if (json_is_number(v))
        p.per_request = json_number_value(v);
    else if (json_is_object(v))
        p = (price){json_number_value(json_object_get(v, "per_request")),
                    json_number_value(json_object_get(v, "per_1k_tokens"))};
    return p;
}

/* What the job has spent so far: the cost of its recorded attempts. */
static double spent(cz_job *job)
{
    const json_t *a = NULL;
    double s = 0;
    if (cz_bus_get_json(cz_job_bus(job), "router.attempts", &a))
        return 0;
    size_t k;
    json_t *x;
    json_array_foreach(a, k, x)
        s += json_number_value(json_object_get(x, "cost"));
    return s;
}

typedef struct ctx {
    const cost *c;
    uint64_t tokens;
} ctx;

static double estimate(price p, uint64_t tokens)
{
    return p.per_request + p.per_1k * (double)tokens / 1000.0;
}

static int admit(void *user, cz_job *job, uint32_t i, cz_try_policy *pol, char *why, size_t n)
{
    ctx *x = user;
    price p = price_of(x->c, job, i);
    double est = estimate(p, x->tokens);
    if (x->c->budget > 0) {
        double left = x->c->budget - spent(job);
        if (est > left + 1e-12) {
            snprintf(why, n, "budget: needs %.6g, %.6g left of %.6g", est, left > 0 ? left : 0, x->c->budget);
            return 1;
        }
    }
    pol->price_per_request = p.per_request;
    pol->price_per_1k_tokens = p.per_1k; /* both 0: the provider's own figure is recorded */
    return 0;
}

static int co_route(void *instance, cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    cost *c = instance;
    uint32_t order[MAX_PROVIDERS];
    double est[MAX_PROVIDERS];
    uint32_t n = cz_route_candidates(job, c->providers, req->capability, order, MAX_PROVIDERS);
    ctx x = {c, cz_route_estimate_tokens(req)};
    for (uint32_t k = 0; k < n; k++)
        est[k] = estimate(price_of(c, job, order[k]), x.tokens);
    for (uint32_t k = 1; k < n && !c->listed; k++) { /* stable: ties keep list order */
        uint32_t o = order[k];
        double v = est[k];
        uint32_t j = k;
        for (; j > 0 && est[j - 1] > v; j--) {
            est[j] = est[j - 1];
            order[j] = order[j - 1];
        }
        est[j] = v;
        order[j] = o;
    }
    cz_route_hooks hooks = {.size = sizeof hooks, .user = &x, .admit = admit};
    return cz_route_in_order(job, req, reply, order, n, &c->policy, &hooks, err);
}

static const cz_router_vtable vtable = {
    .size = sizeof(cz_router_vtable),
    .version = CZ_ROUTER_VTABLE_VERSION,
    .route = co_route,
};

CZ_MODULE(.name = "router.cost", .version = "1.0.0", .kind = CZ_KIND_ROUTER,
          .summary = "The cheapest provider first, within a per-job budget",
          .options = options, .init = co_init, .fini = co_fini, .vtable = &vtable);
