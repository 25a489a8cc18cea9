/*
 * bench_kernel - what the kernel costs, against doing nothing clever.
 *
 *   dispatch : a pipeline of seven no-op stages run 100,000 times through
 *              the real runner (us per job, ns per stage), against a
 *              baseline of seven direct calls through function pointers
 *   bus      : put/get of scalars (ns)
 *   cold     : parse a pipeline and load + instantiate seven modules, in a
 *              fresh process each time (ms)
 *
 * Prints figures and ratios; never fails on a number (machines are noisy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/kernel.h"
#include "harness.h"
#include "kit.h"

#define JOBS 100000

static const char *const PIPE1 =
    "pipeline: bench\nstages:\n  - {stage: s1, module: test.noop}\n";
static const char *const PIPE =
    "pipeline: bench\nstages:\n"
    "  - {stage: s1, module: test.noop}\n  - {stage: s2, module: test.noop}\n"
    "  - {stage: s3, module: test.noop}\n  - {stage: s4, module: test.noop}\n"
    "  - {stage: s5, module: test.noop}\n  - {stage: s6, module: test.noop}\n"
    "  - {stage: s7, module: test.noop}\n";

static cz_graph *build(const char *index, const char *yaml_path)
{
    cz_registry *reg;
    cz_error err = {0};
    if (cz_registry_open(index, &reg, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    cz_diags d = {0};
    cz_pipeline *p = cz_pipeline_load(yaml_path, &d);
    cz_graph *g = p ? cz_graph_build(p, reg, 1, NULL, &d) : NULL;
    if (!g) {
        cz_diag_print(&d, stderr);
        exit(1);
    }
    cz_diag_free(&d);
    return g;
}

/* The baseline: what seven stages cost with no kernel at all. */
typedef int (*stage_fn)(void *, cz_job *, cz_error *);
static int direct_noop(void *a, cz_job *b, cz_error *c)
{
    (void)a, (void)b, (void)c;
    __asm__ volatile("" ::: "memory");
    return 0;
}

int main(void)
{
    static const char *const mods[] = {"noop", NULL};
    char *index = kit_registry(mods);
    char *dir = kit_tmpdir();
    char *yaml = cz_strfmt("%s/bench.yaml", dir);
    kit_write(yaml, PIPE);

    /* dispatch through the runner: 7 stages, and 1 stage for the per-job
     * fixed cost, so the difference is what one more stage costs */
    char *yaml1 = cz_strfmt("%s/bench1.yaml", dir);
    kit_write(yaml1, PIPE1);
    cz_graph *g = build(index, yaml);
    cz_graph *g1 = build(index, yaml1);
    cz_bus *bus = cz_bus_new();
    cz_job_params p = {.bus = bus, .keep_all = 1, .prompt = "bench"};
    cz_job_result res;
    double t0 = 0, job_us = 0, job1_us = 0;
    for (int pass = 0; pass < 2; pass++) {
        cz_graph *gg = pass ? g1 : g;
        for (int i = 0; i < 1000; i++) /* warm-up */
            cz_job_run(gg, &p, &res), cz_job_result_free(&res);
        t0 = cz_now_ms();
        for (int i = 0; i < JOBS; i++) {
            cz_job_run(gg, &p, &res);
            cz_job_result_free(&res);
        }
        *(pass ? &job1_us : &job_us) = (cz_now_ms() - t0) * 1000.0 / JOBS;
    }
    cz_graph_free(g1);
    free(yaml1);

    /* the same seven stages as direct calls */
    stage_fn volatile fns[7];
    for (int i = 0; i < 7; i++)
        fns[i] = direct_noop;
    cz_error err = {0};
    t0 = cz_now_ms();
    for (int i = 0; i < JOBS * 10; i++)
        for (int s = 0; s < 7; s++)
            fns[s](NULL, NULL, &err);
    double direct_us = (cz_now_ms() - t0) * 1000.0 / (JOBS * 10);

    printf("dispatch: 7 no-op stages x %d jobs: %.2f us/job; 1 stage: %.2f us/job; "
           "each further stage: %.0f ns\n", JOBS, job_us, job1_us, (job_us - job1_us) * 1000.0 / 6);
    printf("baseline: 7 direct calls: %.4f us/job; kernel/direct ratio %.0fx "
           "(the kernel's fixed cost per job is bus setup, lineage and the stage record)\n",
           direct_us, job_us / direct_us);

    /* bus put/get */
    cz_bus *b = cz_bus_new();
    char keys[64][24];
    for (int k = 0; k < 64; k++)
        snprintf(keys[k], sizeof keys[k], "stage%d.value", k);
    const int N = 2000000;
    t0 = cz_now_ms();
    for (int i = 0; i < N; i++)
        cz_bus_put_int(b, keys[i & 63], i);
    double put_ns = (cz_now_ms() - t0) * 1e6 / N;
    int64_t v, sum = 0;
    t0 = cz_now_ms();
    for (int i = 0; i < N; i++) {
        cz_bus_get_int(b, keys[i & 63], &v);
        sum += v;
    }
    double get_ns = (cz_now_ms() - t0) * 1e6 / N;
    printf("bus: put int %.0f ns (includes lineage), get int %.0f ns (64 keys) [%lld]\n", put_ns, get_ns,
           (long long)(sum & 1));
    cz_bus_free(b);

    /* cold start in fresh processes */
    const int COLD = 20;
    double total = 0, best = 1e9;
    for (int i = 0; i < COLD; i++) {
        int fds[2];
        if (pipe(fds))
            return 1;
        pid_t pid = fork();
        if (pid == 0) {
            double c0 = cz_now_ms();
            cz_graph *cg = build(index, yaml);
            double ms = cz_now_ms() - c0;
            if (write(fds[1], &ms, sizeof ms) != sizeof ms)
                _exit(1);
            (void)cg;
            _exit(0);
        }
        double ms = 0;
        if (read(fds[0], &ms, sizeof ms) != sizeof ms)
            ms = -1;
        waitpid(pid, NULL, 0);
        close(fds[0]);
        close(fds[1]);
        total += ms;
        if (ms < best)
            best = ms;
    }
    printf("cold start: parse + load + init 7 modules: %.3f ms median-ish mean, %.3f ms best (%d fresh processes)\n",
           total / COLD, best, COLD);

    cz_bus_free(bus);
    cz_graph_free(g);
    kit_rm(dir);
    free(yaml);
    free(dir);
    kit_close_registry(NULL, index);
    return 0;
}
