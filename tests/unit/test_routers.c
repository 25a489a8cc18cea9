/*
 * The router modules and the shared toolkit (runtime/route.c) against the
 * loopback fake server: retries and their spacing, what is never retried,
 * timeouts, circuit breakers, weighted splits, round robin, least latency,
 * budgets, the response cache, capability filtering and several jobs
 * routing at once. Spacing checks use generous lower bounds only.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utime.h>

#include "../kernel/job_impl.h"
#include "fakeserver.h"
#include "harness.h"
#include "kit.h"

#define KEY "sk-router-test-key-0123456789"
#define CHAT "{\"system\": \"s\", \"prompt\": \"p\", \"json\": true, \"max_tokens\": 100}"

static fs_server *srv;

static void start(void)
{
    srv = fs_start_with_key(KEY);
}

static void stop(void)
{
    fs_stop(srv);
    srv = NULL;
}

static fs_pipe *build(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static fs_pipe *build(const char *fmt, ...)
{
    char yaml[4096], why[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(yaml, sizeof yaml, fmt, ap);
    va_end(ap);
    fs_pipe *p = fs_pipe_new(yaml, why, sizeof why);
    ck_assert_msg(p != NULL, "pipeline did not build: %s\n%s", why, yaml);
    return p;
}

#define HEAD "pipeline: t\nstages:\n  - { stage: ideation, module: ideation.rules }\nproviders:\n"
#define OA(name, url, extra) \
    "  - { name: " name ", module: provider.openai, with: { base_url: \"" url "/v1\", api_key_env: CZ_TEST_KEY, " \
    "timeout_ms: 3000" extra " } }\n"
#define LOCAL(name) "  - { name: " name ", module: provider.procedural }\n"

static const json_t *att(fs_pipe *p, size_t i)
{
    return json_array_get(fs_pipe_attempts(p), i);
}

static const char *att_s(fs_pipe *p, size_t i, const char *k)
{
    const char *s = json_string_value(json_object_get(att(p, i), k));
    return s ? s : "";
}

static int ask(fs_pipe *p, uint64_t seed, const char *cap, const char *body, char *provider, size_t n)
{
    fs_pipe_job(p, seed);
    cz_reply r;
    cz_error err = {0};
    int rc = fs_pipe_ask(p, cap, body, &r, &err);
    if (provider)
        snprintf(provider, n, "%s", rc ? err.msg : r.provider);
    cz_reply_clear(&r);
    return rc;
}

/* ---- retries ------------------------------------------------------------------------- */

START_TEST(retry_after_is_honoured_and_counted)
{
    fs_pipe *p = build(HEAD OA("oa", "%s", ", max_retries: 2") LOCAL("local")
                       "router: { module: router.fallback, with: { backoff_ms: 5, jitter: 0 } }\n",
                       fs_url(srv));
    fs_push_fault(srv, NULL, FS_429, 1);
    char who[600];
    ck_assert_int_eq(ask(p, 1, "chat", CHAT, who, sizeof who), 0);
    ck_assert_str_eq(who, "oa");
    ck_assert_uint_eq(fs_count(srv, "/v1/chat"), 2);
    double gap = fs_request(srv, 1)->t_ms - fs_request(srv, 0)->t_ms;
    ck_assert_msg(gap >= 950, "the retry came %.0f ms after a Retry-After of 1 s", gap);
    ck_assert_uint_eq(json_array_size(fs_pipe_attempts(p)), 2);
    ck_assert_str_eq(att_s(p, 0, "outcome"), "retry");
    ck_assert_int_eq(json_integer_value(json_object_get(att(p, 0), "http_status")), 429);
    ck_assert_ptr_nonnull(strstr(att_s(p, 0, "error"), "Rate limit"));
    ck_assert_str_eq(att_s(p, 1, "outcome"), "ok");
    ck_assert_int_eq(json_integer_value(json_object_get(att(p, 1), "bytes")) > 0, 1);
    fs_pipe_free(p);
}
END_TEST

START_TEST(retryable_failures_retry_up_to_max_then_fall_back)
{
    fs_pipe *p = build(HEAD OA("oa", "%s", ", max_retries: 2") LOCAL("local")
                       "router: { module: router.fallback, with: { backoff_ms: 20, jitter: 0 } }\n",
                       fs_url(srv));
    fs_set_fault(srv, FS_500, 0);
    char who[600];
    ck_assert_int_eq(ask(p, 1, "chat", CHAT, who, sizeof who), 0);
    ck_assert_str_eq(who, "local");
    ck_assert_uint_eq(fs_count(srv, "/v1/chat"), 3); /* 1 + max_retries */
    /* exponential back-off: 20 ms, then 40 ms */
    ck_assert_double_ge(fs_request(srv, 1)->t_ms - fs_request(srv, 0)->t_ms, 18);
    ck_assert_double_ge(fs_request(srv, 2)->t_ms - fs_request(srv, 1)->t_ms, 36);
    ck_assert_str_eq(att_s(p, 0, "outcome"), "retry");
    ck_assert_str_eq(att_s(p, 1, "outcome"), "retry");
    ck_assert_str_eq(att_s(p, 2, "outcome"), "failed");
    ck_assert_str_eq(att_s(p, 3, "provider"), "local");
    ck_assert_str_eq(att_s(p, 3, "outcome"), "ok");

    /* the router's max_retries overrides the provider's */
    fs_pipe_free(p);
    p = build(HEAD OA("oa", "%s", ", max_retries: 5") LOCAL("local")
              "router: { module: router.fallback, with: { max_retries: 1, backoff_ms: 1 } }\n",
              fs_url(srv));
    size_t before = fs_count(srv, NULL);
    ck_assert_int_eq(ask(p, 1, "chat", CHAT, who, sizeof who), 0);
    ck_assert_uint_eq(fs_count(srv, NULL) - before, 2);

    /* a reply that is not JSON is EPROTO: retried, then permanent */
    fs_set_fault(srv, FS_NOT_JSON, 0);
    before = fs_count(srv, NULL);
    ck_assert_int_eq(ask(p, 1, "chat", CHAT, who, sizeof who), 0);
    ck_assert_uint_eq(fs_count(srv, NULL) - before, 2);
    ck_assert_ptr_nonnull(strstr(att_s(p, 1, "error"), "not JSON"));
    fs_pipe_free(p);
}
END_TEST

START_TEST(bad_keys_are_never_retried_and_timeouts_fire)
{
    fs_pipe *p = build(HEAD OA("oa", "%s", ", max_retries: 3") LOCAL("local")
                       "router: { module: router.fallback, with: { backoff_ms: 1 } }\n",
                       fs_url(srv));
    fs_set_key(srv, "not-our-key");
    char who[600];
    ck_assert_int_eq(ask(p, 1, "chat", CHAT, who, sizeof who), 0);
    ck_assert_str_eq(who, "local");
    ck_assert_uint_eq(fs_count(srv, NULL), 1);
    ck_assert_str_eq(att_s(p, 0, "outcome"), "failed");
    ck_assert_int_eq(json_integer_value(json_object_get(att(p, 0), "http_status")), 401);
    ck_assert_ptr_null(strstr(att_s(p, 0, "error"), KEY));
    fs_pipe_free(p);

    fs_set_key(srv, NULL);
    p = build(HEAD "  - { name: oa, module: provider.openai, with: { base_url: \"%s/v1\", api_key_env: CZ_TEST_KEY, "
              "max_retries: 0, timeout_ms: 300 } }\n" LOCAL("local")
              "router: { module: router.fallback }\n",
              fs_url(srv));
    fs_push_fault(srv, NULL, FS_HANG, 0);
    double t0 = cz_clock_ms();
    ck_assert_int_eq(ask(p, 1, "chat", CHAT, who, sizeof who), 0);
    ck_assert_str_eq(who, "local");
    ck_assert_double_lt(cz_clock_ms() - t0, 2500);
    ck_assert_double_ge(json_number_value(json_object_get(att(p, 0), "latency_ms")), 250);
    ck_assert_ptr_nonnull(strstr(att_s(p, 0, "error"), "300 ms"));
    fs_pipe_free(p);

    /* nobody left: the error names each provider */
    p = build(HEAD OA("oa", "%s", ", max_retries: 0") "router: { module: router.fallback }\n", fs_url(srv));
    fs_set_fault(srv, FS_500, 0);
    ck_assert_int_eq(ask(p, 1, "chat", CHAT, who, sizeof who), CZ_ERETRY);
    ck_assert_ptr_nonnull(strstr(who, "no provider answered 'chat': oa: "));
    fs_pipe_free(p);
}
END_TEST

/* ---- router.fallback: breakers ------------------------------------------------------------ */

START_TEST(breaker_opens_skips_probes_and_closes)
{
    char *logbuf = NULL;
    size_t loglen = 0;
    FILE *lf = open_memstream(&logbuf, &loglen);
    cz_log_configure(CZ_LOG_INFO, CZ_LOGFMT_TEXT, lf);
    fs_pipe *p = build(HEAD OA("oa", "%s", ", max_retries: 0") LOCAL("local")
                       "router: { module: router.fallback, with: { failure_threshold: 2, cooldown_ms: 300 } }\n",
                       fs_url(srv));
    fs_set_fault(srv, FS_500, 0);
    char who[600];
    ck_assert_int_eq(ask(p, 1, "chat", CHAT, who, sizeof who), 0); /* failure 1: still closed */
    ck_assert_int_eq(ask(p, 2, "chat", CHAT, who, sizeof who), 0); /* failure 2: open */
    ck_assert_uint_eq(fs_count(srv, NULL), 2);
    ck_assert_int_eq(ask(p, 3, "chat", CHAT, who, sizeof who), 0); /* open: skipped */
    ck_assert_str_eq(who, "local");
    ck_assert_uint_eq(fs_count(srv, NULL), 2);
    ck_assert_str_eq(att_s(p, 0, "provider"), "oa");
    ck_assert_str_eq(att_s(p, 0, "outcome"), "skipped");
    ck_assert_str_eq(att_s(p, 0, "error"), "circuit open");
    /* after the cooldown one probe goes through; it fails: open again */
    cz_sleep_ms(NULL, 350);
    ck_assert_int_eq(ask(p, 4, "chat", CHAT, who, sizeof who), 0);
    ck_assert_uint_eq(fs_count(srv, NULL), 3);
    ck_assert_int_eq(ask(p, 5, "chat", CHAT, who, sizeof who), 0);
    ck_assert_uint_eq(fs_count(srv, NULL), 3);
    ck_assert_str_eq(att_s(p, 0, "outcome"), "skipped");
    /* the server recovers; the next probe closes the breaker */
    fs_set_fault(srv, FS_NONE, 0);
    cz_sleep_ms(NULL, 350);
    ck_assert_int_eq(ask(p, 6, "chat", CHAT, who, sizeof who), 0);
    ck_assert_str_eq(who, "oa");
    ck_assert_int_eq(ask(p, 7, "chat", CHAT, who, sizeof who), 0);
    ck_assert_str_eq(who, "oa");
    ck_assert_uint_eq(fs_count(srv, NULL), 5);
    fs_pipe_free(p);
    cz_log_configure(CZ_LOG_WARN, CZ_LOGFMT_TEXT, NULL);
    fclose(lf);
    const char *seq[] = {"breaker of oa: closed -> open", "breaker of oa: open -> half-open",
                         "breaker of oa: half-open -> open", "breaker of oa: open -> half-open",
                         "breaker of oa: half-open -> closed", NULL};
    const char *at = logbuf;
    for (int i = 0; seq[i]; i++) {
        const char *hit = strstr(at, seq[i]);
        ck_assert_msg(hit != NULL, "'%s' missing (in order) from the log:\n%s", seq[i], logbuf);
        at = hit + 1;
    }
    free(logbuf);
}
END_TEST

/* ---- router.weighted, round_robin ---------------------------------------------------------- */

START_TEST(weighted_split_follows_the_weights)
{
    fs_pipe *p = build(HEAD LOCAL("a") LOCAL("b") LOCAL("c") LOCAL("z")
                       "router: { module: router.weighted, with: { weights: { a: 1, b: 2, c: 7, z: 0 } } }\n");
    int count[4] = {0};
    const int N = 10000;
    for (int i = 0; i < N; i++) {
        char who[64];
        ck_assert_int_eq(ask(p, (uint64_t)i + 1, "chat", "{\"prompt\": \"p\"}", who, sizeof who), 0);
        count[who[0] == 'a' ? 0 : who[0] == 'b' ? 1 : who[0] == 'c' ? 2 : 3]++;
    }
    /* tolerance: 1.5 percentage points, over 3 standard deviations at n = 10000 */
    ck_assert_msg(fabs(count[0] / (double)N - 0.1) < 0.015, "a: %d", count[0]);
    ck_assert_msg(fabs(count[1] / (double)N - 0.2) < 0.015, "b: %d", count[1]);
    ck_assert_msg(fabs(count[2] / (double)N - 0.7) < 0.015, "c: %d", count[2]);
    ck_assert_int_eq(count[3], 0);
    /* the same job and request pick the same */
    char w1[64], w2[64];
    for (uint64_t s = 1; s < 50; s++) {
        ask(p, s, "chat", "{\"prompt\": \"same\"}", w1, sizeof w1);
        ask(p, s, "chat", "{\"prompt\": \"same\"}", w2, sizeof w2);
        ck_assert_str_eq(w1, w2);
    }
    fs_pipe_free(p);
}
END_TEST

START_TEST(round_robin_takes_turns_across_jobs_and_threads)
{
    fs_pipe *p = build(HEAD LOCAL("a") LOCAL("b") LOCAL("c") "router: { module: router.round_robin }\n");
    const char *want = "abcabcab";
    for (int i = 0; want[i]; i++) {
        char who[64];
        ck_assert_int_eq(ask(p, 1, "chat", "{\"prompt\": \"p\"}", who, sizeof who), 0);
        ck_assert_int_eq(who[0], want[i]);
    }
    fs_pipe_free(p);
}
END_TEST

typedef struct worker {
    cz_graph *g;
    int count[3];
    int failed;
} worker;

static void *route_many(void *arg)
{
    worker *w = arg;
    json_t *body = json_pack("{s:s}", "prompt", "p");
    for (int i = 0; i < 150; i++) {
        cz_job job = {.g = w->g, .bus = cz_bus_new(), .seed = (uint64_t)i, .stage = "t"};
        cz_request rq = {"chat", body};
        cz_reply r;
        cz_error err = {0};
        if (cz_job_request(&job, &rq, &r, &err))
            w->failed++;
        else
            w->count[r.provider[0] - 'a']++;
        cz_reply_clear(&r);
        cz_bus_free(job.bus);
        json_decref(job.attempts);
    }
    json_decref(body);
    return NULL;
}

START_TEST(routers_are_safe_with_jobs_routing_at_once)
{
    fs_pipe *p = build(HEAD LOCAL("a") LOCAL("b") LOCAL("c") "router: { module: router.round_robin }\n");
    pthread_t t[4];
    cz_graph *g = fs_pipe_current(p)->g;
    worker w[4] = {{.g = g}, {.g = g}, {.g = g}, {.g = g}};
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, route_many, &w[i]);
    int total[3] = {0};
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(w[i].failed, 0);
        for (int k = 0; k < 3; k++)
            total[k] += w[i].count[k];
    }
    /* 600 requests over 3 providers by an atomic counter: exactly 200 each */
    ck_assert_int_eq(total[0], 200);
    ck_assert_int_eq(total[1], 200);
    ck_assert_int_eq(total[2], 200);
    fs_pipe_free(p);

    /* breakers under concurrency: every request answered */
    p = build(HEAD OA("oa", "%s", ", max_retries: 0") LOCAL("a") LOCAL("b")
              "router: { module: router.fallback, with: { failure_threshold: 3, cooldown_ms: 5 } }\n",
              fs_url(srv));
    fs_set_fault(srv, FS_500, 0);
    g = fs_pipe_current(p)->g;
    worker v[4] = {{.g = g}, {.g = g}, {.g = g}, {.g = g}};
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, route_many, &v[i]);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(v[i].failed, 0);
        ck_assert_int_eq(v[i].count[0], 150); /* oa fails; 'a' answers (count index 0) */
    }
    fs_pipe_free(p);
}
END_TEST

/* ---- router.least_latency --------------------------------------------------------------------- */

START_TEST(least_latency_converges_on_the_faster_server)
{
    fs_server *slow = fs_start();
    fs_set_delay_ms(slow, 60);
    char yaml[2048], why[600];
    snprintf(yaml, sizeof yaml,
             HEAD "  - { name: slow, module: provider.openai, with: { base_url: \"%s/v1\", api_key_env: CZ_TEST_KEY } }\n"
                  "  - { name: fast, module: provider.openai, with: { base_url: \"%s/v1\", api_key_env: CZ_TEST_KEY } }\n"
                  "router: { module: router.least_latency, with: { alpha: 0.5, explore: 0.1 } }\n",
             fs_url(slow), fs_url(srv));
    fs_pipe *p = fs_pipe_new(yaml, why, sizeof why);
    ck_assert_msg(p != NULL, "%s", why);
    int fast_late = 0;
    for (int i = 0; i < 40; i++) {
        char who[600];
        ck_assert_int_eq(ask(p, (uint64_t)i * 7919 + 1, "chat", CHAT, who, sizeof who), 0);
        if (i >= 20)
            fast_late += !strcmp(who, "fast");
    }
    ck_assert_uint_ge(fs_count(slow, NULL), 1); /* it was measured */
    ck_assert_msg(fast_late >= 16, "only %d of the last 20 requests went to the faster server", fast_late);
    fs_pipe_free(p);
    fs_stop(slow);
}
END_TEST

/* ---- router.cost ------------------------------------------------------------------------------- */

START_TEST(cost_router_keeps_to_the_budget)
{
    /* listed order: the expensive model while the budget lasts */
    fs_pipe *p = build(HEAD LOCAL("big") LOCAL("small")
                       "router: { module: router.cost, with: { providers: [big, small], order: listed, "
                       "budget: 1.5, prices: { big: 1.0, small: { per_request: 0.1 } } } }\n");
    fs_pipe_job(p, 1);
    cz_reply r;
    cz_error err = {0};
    ck_assert_int_eq(fs_pipe_ask(p, "chat", "{\"prompt\": \"p\"}", &r, &err), 0);
    ck_assert_str_eq(r.provider, "big");
    ck_assert_double_eq_tol(r.cost, 1.0, 1e-9);
    cz_reply_clear(&r);
    ck_assert_int_eq(fs_pipe_ask(p, "chat", "{\"prompt\": \"p\"}", &r, &err), 0); /* big would exceed */
    ck_assert_str_eq(r.provider, "small");
    cz_reply_clear(&r);
    ck_assert_str_eq(att_s(p, 1, "provider"), "big");
    ck_assert_str_eq(att_s(p, 1, "outcome"), "skipped");
    ck_assert_ptr_nonnull(strstr(att_s(p, 1, "error"), "budget"));
    ck_assert_double_eq_tol(json_number_value(json_object_get(att(p, 2), "cost")), 0.1, 1e-9);
    /* a new job has the whole budget again */
    fs_pipe_job(p, 2);
    ck_assert_int_eq(fs_pipe_ask(p, "chat", "{\"prompt\": \"p\"}", &r, &err), 0);
    ck_assert_str_eq(r.provider, "big");
    cz_reply_clear(&r);
    fs_pipe_free(p);

    /* cheapest first; once nothing fits, the request is refused */
    p = build(HEAD LOCAL("dear") LOCAL("cheap")
              "router: { module: router.cost, with: { budget: 1, prices: { dear: 2, cheap: 0.5 } } }\n");
    fs_pipe_job(p, 1);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(fs_pipe_ask(p, "chat", "{\"prompt\": \"p\"}", &r, &err), 0);
        ck_assert_str_eq(r.provider, "cheap");
        cz_reply_clear(&r);
    }
    ck_assert_int_eq(fs_pipe_ask(p, "chat", "{\"prompt\": \"p\"}", &r, &err), CZ_EBUSY);
    ck_assert_ptr_nonnull(strstr(err.msg, "budget"));
    cz_reply_clear(&r);
    fs_pipe_free(p);

    /* per 1k tokens: priced from the answer's usage (12 + 8 tokens) */
    p = build(HEAD OA("oa", "%s", "")
              "router: { module: router.cost, with: { prices: { oa: { per_1k_tokens: 50 } } } }\n", fs_url(srv));
    fs_pipe_job(p, 1);
    ck_assert_int_eq(fs_pipe_ask(p, "chat", CHAT, &r, &err), 0);
    ck_assert_double_eq_tol(r.cost, 1.0, 1e-9);
    cz_reply_clear(&r);
    fs_pipe_free(p);
}
END_TEST

/* ---- the response cache --------------------------------------------------------------------------- */

static int cache_files(const char *dir, char *one, size_t n)
{
    DIR *d = opendir(dir);
    int count = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".czc")) {
            count++;
            snprintf(one, n, "%s/%s", dir, e->d_name);
        }
    if (d)
        closedir(d);
    return count;
}

START_TEST(identical_requests_are_served_from_the_cache)
{
    char *dir = kit_tmpdir();
    char *cache = cz_strfmt("%s/cache", dir);
    fs_pipe *p = build(HEAD OA("oa", "%s", "") "  - { name: ace, module: provider.acestep, with: { base_url: \"%s\", "
                       "poll_ms: 10 } }\n"
                       "router: { module: router.fallback, with: { cache_dir: \"%s\", cache_ttl_s: 60 } }\n",
                       fs_url(srv), fs_url(srv), cache);
    char who[600];
    ck_assert_int_eq(ask(p, 1, "chat", CHAT, who, sizeof who), 0);
    const json_t *c = NULL;
    ck_assert_int_eq(cz_bus_get_json(fs_pipe_bus(p), "router.cache", &c), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(c, "misses")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(c, "hits")), 0);
    /* the same request, keys in another order: one server request in all */
    ck_assert_int_eq(ask(p, 2, "chat", "{\"max_tokens\": 100, \"json\": true, \"prompt\": \"p\", \"system\": \"s\"}",
                         who, sizeof who), 0);
    ck_assert_uint_eq(fs_count(srv, "/v1/chat"), 1);
    cz_bus_get_json(fs_pipe_bus(p), "router.cache", &c);
    ck_assert_int_eq(json_integer_value(json_object_get(c, "hits")), 1);
    ck_assert_str_eq(att_s(p, 0, "outcome"), "cached");
    fs_pipe_job(p, 3);
    cz_reply r;
    cz_error err = {0};
    ck_assert_int_eq(fs_pipe_ask(p, "chat", CHAT, &r, &err), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r.json, "json"), "tempo_bpm")), 128);
    cz_reply_clear(&r);
    /* another request misses */
    ck_assert_int_eq(ask(p, 4, "chat", "{\"prompt\": \"other\", \"json\": true}", who, sizeof who), 0);
    ck_assert_uint_eq(fs_count(srv, "/v1/chat"), 2);
    /* an entry older than cache_ttl_s is fetched again */
    char file[1024];
    ck_assert_int_eq(cache_files(cache, file, sizeof file), 2);
    struct utimbuf old = {time(NULL) - 3600, time(NULL) - 3600};
    DIR *d = opendir(cache);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".czc")) {
            char *f = cz_strfmt("%s/%s", cache, e->d_name);
            utime(f, &old);
            free(f);
        }
    closedir(d);
    ck_assert_int_eq(ask(p, 5, "chat", CHAT, who, sizeof who), 0);
    ck_assert_uint_eq(fs_count(srv, "/v1/chat"), 3);

    /* audio too: the same samples, without the server */
    const char *areq = "{\"caption\": \"x\", \"duration_s\": 10, \"seed\": 3}";
    fs_pipe_job(p, 6);
    ck_assert_int_eq(fs_pipe_ask(p, "audio", areq, &r, &err), 0);
    cz_audio *first = r.audio;
    cz_audio_ref(first);
    cz_reply_clear(&r);
    size_t releases = fs_count(srv, "/release_task");
    fs_pipe_job(p, 7);
    ck_assert_int_eq(fs_pipe_ask(p, "audio", areq, &r, &err), 0);
    ck_assert_uint_eq(fs_count(srv, "/release_task"), releases);
    ck_assert_uint_eq(r.audio->frames, first->frames);
    ck_assert_int_eq(memcmp(r.audio->samples, first->samples, first->frames * first->channels * sizeof(float)), 0);
    cz_audio_unref(first);
    cz_reply_clear(&r);
    /* no temporary files left behind */
    d = opendir(cache);
    while ((e = readdir(d)))
        ck_assert_msg(e->d_name[0] != '.' || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."), "left: %s",
                      e->d_name);
    closedir(d);
    fs_pipe_free(p);
    kit_rm(dir);
    free(dir);
    free(cache);
}
END_TEST

/* ---- capabilities, empty choices ------------------------------------------------------------------ */

START_TEST(only_providers_with_the_capability_are_asked)
{
    fs_pipe *p = build(HEAD OA("oa", "%s", "") LOCAL("local")
                       "router: { module: router.fallback, with: { providers: [oa, local] } }\n",
                       fs_url(srv));
    fs_pipe_job(p, 1);
    cz_reply r;
    cz_error err = {0};
    ck_assert_int_eq(fs_pipe_ask(p, "audio", "{\"duration_s\": 2}", &r, &err), 0);
    ck_assert_str_eq(r.provider, "local");
    cz_reply_clear(&r);
    ck_assert_uint_eq(json_array_size(fs_pipe_attempts(p)), 1);
    ck_assert_uint_eq(fs_count(srv, NULL), 0);
    ck_assert_int_eq(fs_pipe_ask(p, "telepathy", "{}", &r, &err), CZ_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "telepathy"));
    cz_reply_clear(&r);
    fs_pipe_free(p);

    /* weights naming nothing useful, or malformed, are refused at init */
    char why[600];
    fs_pipe *bad = fs_pipe_new(HEAD LOCAL("a") "router: { module: router.weighted, with: { weights: [1, 2] } }\n",
                               why, sizeof why);
    ck_assert_ptr_null(bad);
    ck_assert_ptr_nonnull(strstr(why, "option weights"));
    bad = fs_pipe_new(HEAD LOCAL("a") "router: { module: router.cost, with: { prices: { a: -1 } } }\n", why,
                      sizeof why);
    ck_assert_ptr_null(bad);
    ck_assert_ptr_nonnull(strstr(why, "option prices"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("routers");
    TCase *t = tcase_create("strategies");
    tcase_add_checked_fixture(t, start, stop);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, retry_after_is_honoured_and_counted);
    tcase_add_test(t, retryable_failures_retry_up_to_max_then_fall_back);
    tcase_add_test(t, bad_keys_are_never_retried_and_timeouts_fire);
    tcase_add_test(t, breaker_opens_skips_probes_and_closes);
    tcase_add_test(t, weighted_split_follows_the_weights);
    tcase_add_test(t, round_robin_takes_turns_across_jobs_and_threads);
    tcase_add_test(t, routers_are_safe_with_jobs_routing_at_once);
    tcase_add_test(t, least_latency_converges_on_the_faster_server);
    tcase_add_test(t, cost_router_keeps_to_the_budget);
    tcase_add_test(t, identical_requests_are_served_from_the_cache);
    tcase_add_test(t, only_providers_with_the_capability_are_asked);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
