/*
 * bench_eq.c - how long dsp.eq_biquad takes per stereo frame, for the band
 * counts mixing.console uses (1 to 4 bands, typical mix settings) and for
 * a long chain, fed in 4096-frame blocks as the console feeds it.
 *
 * Figures only, never pass/fail. The signal is a music-like mix of tones
 * and noise, so no path runs on zeros or subnormals.
 *
 *   make BUILD=build build/bench/bench_eq
 *   CADENZA_REGISTRY=build/registry/index.json build/bench/bench_eq [seconds] [runs]
 *
 * With `--dump FILE` it instead writes the output of every band set over
 * the signal (float, interleaved, one set after another) to FILE, so two
 * builds can be compared sample by sample. With `--input WAV` the signal is
 * that stereo file instead (e.g. a stem of a rendered song).
 */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../kernel/kernel.h"
#include "harness.h"

#define RATE 48000u
#define BLOCK 4096u

static const char *const SETS[] = {
    "[{\"type\":\"highpass\",\"freq\":200,\"q\":0.7}]",
    "[{\"type\":\"highpass\",\"freq\":30,\"q\":0.7},"
    "{\"type\":\"peak\",\"freq\":250,\"gain_db\":-3,\"q\":1.2}]",
    "[{\"type\":\"highpass\",\"freq\":28,\"q\":0.7},"
    "{\"type\":\"peak\",\"freq\":60,\"gain_db\":2,\"q\":1},"
    "{\"type\":\"highshelf\",\"freq\":9000,\"gain_db\":2}]",
    "[{\"type\":\"highpass\",\"freq\":40,\"q\":0.7},"
    "{\"type\":\"peak\",\"freq\":4000,\"gain_db\":1.5,\"q\":1},"
    "{\"type\":\"peak\",\"freq\":350,\"gain_db\":-2,\"q\":1.4},"
    "{\"type\":\"lowpass\",\"freq\":16000,\"q\":0.7071}]",
    "[{\"type\":\"highpass\",\"freq\":20,\"q\":0.7},{\"type\":\"peak\",\"freq\":60,\"gain_db\":3,\"q\":4},"
    "{\"type\":\"peak\",\"freq\":200,\"gain_db\":-2,\"q\":1},{\"type\":\"peak\",\"freq\":800,\"gain_db\":1,\"q\":2},"
    "{\"type\":\"peak\",\"freq\":3000,\"gain_db\":2,\"q\":1},{\"type\":\"highshelf\",\"freq\":10000,\"gain_db\":-3},"
    "{\"type\":\"lowpass\",\"freq\":18000,\"q\":0.7071}]",
};
#define N_SETS (sizeof SETS / sizeof SETS[0])

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Tones with a slow envelope plus noise, different on each channel. */
static float *signal_new(uint64_t frames)
{
    float *x = malloc(frames * 2 * sizeof *x);
    cz_rng r;
    cz_rng_init(&r, 1, "bench-eq");
    for (uint64_t i = 0; i < frames; i++) {
        double t = (double)i / RATE, env = 0.5 + 0.5 * sin(2 * M_PI * 0.5 * t);
        double tone = 0.3 * sin(2 * M_PI * 55 * t) + 0.2 * sin(2 * M_PI * 440 * t) +
                      0.1 * sin(2 * M_PI * 3520 * t);
        x[2 * i] = (float)(env * tone + 0.05 * cz_rng_range(&r, -1, 1));
        x[2 * i + 1] = (float)(env * tone * 0.8 + 0.05 * cz_rng_range(&r, -1, 1));
    }
    return x;
}

/* A stereo sound file as interleaved floats; exits on failure. */
static float *signal_load(const char *path, uint64_t *frames)
{
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f || info.channels != 2) {
        fprintf(stderr, "bench_eq: %s: %s\n", path, f ? "not stereo" : sf_strerror(NULL));
        exit(1);
    }
    float *x = malloc((size_t)info.frames * 2 * sizeof *x);
    *frames = (uint64_t)sf_readf_float(f, x, info.frames);
    sf_close(f);
    return x;
}

static cz_dsp *open_set(cz_env *env, const char *bands)
{
    char opts[2048];
    snprintf(opts, sizeof opts, "{\"bands\": %s}", bands);
    json_t *o = json_loads(opts, 0, NULL);
    cz_dsp *d = NULL;
    cz_error err = {0};
    if (!o || cz_dsp_open(env, "dsp.eq_biquad", o, &d, &err)) {
        fprintf(stderr, "bench_eq: cannot open dsp.eq_biquad: %s\n", err.msg);
        exit(1);
    }
    json_decref(o);
    return d;
}

/* One pass over the signal in console-sized blocks; seconds taken. */
static double run(cz_dsp *d, float *x, uint64_t frames)
{
    cz_error err = {0};
    double t0 = now();
    for (uint64_t at = 0; at < frames; at += BLOCK) {
        uint64_t n = frames - at < BLOCK ? frames - at : BLOCK;
        if (cz_dsp_process(d, x + 2 * at, n, 2, RATE, &err)) {
            fprintf(stderr, "bench_eq: %s\n", err.msg);
            exit(1);
        }
    }
    return now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *dump = NULL, *input = NULL;
    while (argc > 2 && (!strcmp(argv[1], "--dump") || !strcmp(argv[1], "--input"))) {
        *(argv[1][2] == 'd' ? &dump : &input) = argv[2];
        argc -= 2, argv += 2;
    }
    double seconds = argc > 1 ? atof(argv[1]) : 30;
    int runs = argc > 2 ? atoi(argv[2]) : 7;
    if (runs < 1 || runs > 100)
        runs = 7;
    const char *path = getenv("CADENZA_REGISTRY");
    cz_registry *reg = NULL;
    cz_error err = {0};
    if (cz_registry_open(path && *path ? path : "build/registry/index.json", &reg, &err)) {
        fprintf(stderr, "bench_eq: registry: %s\n", err.msg);
        return 1;
    }
    cz_env *env = cz_env_new(reg);
    uint64_t frames = (uint64_t)(seconds * RATE);
    float *src = input ? signal_load(input, &frames) : signal_new(frames);
    float *x = malloc(frames * 2 * sizeof *x);
    FILE *out = dump ? fopen(dump, "wb") : NULL;
    if (dump && !out) {
        perror(dump);
        return 1;
    }
    if (!dump)
        printf("dsp.eq_biquad, %.1f s stereo at %u Hz in %u-frame blocks, median of %d\n",
               (double)frames / RATE, RATE, BLOCK, runs);
    for (size_t s = 0; s < N_SETS; s++) {
        double t[100];
        int bands = 1;
        for (const char *p = SETS[s]; (p = strstr(p, "},")); p++)
            bands++;
        for (int i = 0; i < (dump ? 1 : runs); i++) {
            memcpy(x, src, frames * 2 * sizeof *x);
            cz_dsp *d = open_set(env, SETS[s]);
            t[i] = run(d, x, frames);
            cz_dsp_close(d);
        }
        if (out) {
            fwrite(x, sizeof *x, frames * 2, out);
            continue;
        }
        qsort(t, (size_t)runs, sizeof *t, cmp_double);
        printf("  %d band%s: %6.2f ms  %.2f ns/frame\n", bands, bands > 1 ? "s" : "",
               t[runs / 2] * 1e3, t[runs / 2] * 1e9 / (double)frames);
    }
    if (out)
        fclose(out);
    free(src);
    free(x);
    cz_env_free(env);
    cz_registry_free(reg);
    return 0;
}
