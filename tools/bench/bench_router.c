/*
 * bench_router - what routing costs, against calling the provider directly.
 *
 *   overhead : a chat request answered by provider.procedural (no I/O),
 *              through router.fallback (candidates, breaker check, the
 *              toolkit's try loop, the attempt record on the bus) against
 *              cz_job_provider_call() on the same provider; each request in
 *              a fresh job in both loops, so the difference is the router
 *   http     : requests per second through provider.openai to the loopback
 *              fake server, one connection kept alive (the server's
 *              connection count is printed), direct and through the router;
 *              and streamed (SSE) for comparison
 *
 * Prints figures and ratios; never fails on a number (machines are noisy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/kernel.h"
#include "fakeserver.h"

#define CHAT "{\"system\": \"s\", \"prompt\": \"a song\", \"json\": true, \"max_tokens\": 64}"

static fs_pipe *build(const char *yaml)
{
    char why[600];
    fs_pipe *p = fs_pipe_new(yaml, why, sizeof why);
    if (!p) {
        fprintf(stderr, "bench_router: %s\n", why);
        exit(1);
    }
    return p;
}

/* ns per request over n requests, direct or routed, a fresh job each. */
static double run(fs_pipe *p, const char *provider, int n, int routed)
{
    double t0 = cz_clock_ms();
    for (int i = 0; i < n; i++) {
        fs_pipe_job(p, (uint64_t)i + 1);
        cz_reply r;
        cz_error err = {0};
        int rc = routed ? fs_pipe_ask(p, "chat", CHAT, &r, &err) : fs_pipe_call(p, provider, "chat", CHAT, &r, &err);
        if (rc) {
            fprintf(stderr, "bench_router: request failed: %s\n", err.msg);
            exit(1);
        }
        cz_reply_clear(&r);
    }
    return (cz_clock_ms() - t0) * 1e6 / n;
}

int main(void)
{
    cz_log_configure(CZ_LOG_ERROR, CZ_LOGFMT_TEXT, NULL);
    fs_pipe *p = build("pipeline: bench\nstages:\n  - { stage: ideation, module: ideation.rules }\n"
                       "providers:\n  - { name: local, module: provider.procedural }\n"
                       "router: { module: router.fallback, with: { providers: [local] } }\n");
    const int N = 50000;
    run(p, "local", 2000, 0); /* warm up */
    run(p, "local", 2000, 1);
    double direct = run(p, "local", N, 0), routed = run(p, "local", N, 1);
    printf("overhead (provider.procedural chat, %d requests, a job each)\n", N);
    printf("  direct provider call   %8.0f ns/request\n", direct);
    printf("  through router.fallback%8.0f ns/request\n", routed);
    printf("  router overhead        %8.0f ns/request (x%.2f)\n", routed - direct, routed / direct);
    fs_pipe_free(p);

    fs_server *s = fs_start();
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "pipeline: bench\nstages:\n  - { stage: ideation, module: ideation.rules }\n"
             "providers:\n"
             "  - { name: oa, module: provider.openai, with: { base_url: \"%s/v1\", api_key_env: \"\" } }\n"
             "  - { name: oas, module: provider.openai, with: { base_url: \"%s/v1\", api_key_env: \"\", stream: true } }\n"
             "router: { module: router.fallback, with: { providers: [oa] } }\n",
             fs_url(s), fs_url(s));
    p = build(yaml);
    const int M = 3000;
    run(p, "oa", 200, 0);
    size_t c0 = fs_connections(s);
    double h_direct = run(p, "oa", M, 0);
    double h_routed = run(p, "oa", M, 1);
    double h_stream = run(p, "oas", M, 0);
    printf("http (provider.openai -> loopback fake server, %d requests each)\n", M);
    printf("  direct, JSON           %8.0f requests/s (%.0f us each)\n", 1e9 / h_direct, h_direct / 1e3);
    printf("  through the router     %8.0f requests/s (x%.2f of direct)\n", 1e9 / h_routed, h_direct / h_routed);
    printf("  direct, streamed (SSE) %8.0f requests/s (x%.2f of JSON)\n", 1e9 / h_stream, h_direct / h_stream);
    printf("  connections opened     %8zu for %d requests (keep-alive)\n", fs_connections(s) - c0, 3 * M);
    fs_pipe_free(p);
    fs_stop(s);
    return 0;
}
