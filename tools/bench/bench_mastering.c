/*
 * bench_mastering.c - how long mastering.streaming takes on a 3-minute,
 * 48 kHz stereo song, and what libebur128 would cost for the same work;
 * then finalization.files writing that master (per format, and stems).
 *
 * Figures only, never pass/fail. Uses the test harness to load the real
 * module:
 *
 *   make BUILD=build build/bench/bench_mastering
 *   BUILD=build build/bench/bench_mastering [seconds] [runs]
 */
#include <ebur128.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define RATE 48000u

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A music-like mix: chords with envelopes, bass, kick, noise hats/snares,
 * with sections of different energy every 8 seconds. */
static cz_audio *music(double seconds)
{
    uint64_t frames = (uint64_t)(seconds * RATE);
    cz_audio *a = cz_audio_new(RATE, 2, frames);
    cz_rng r;
    cz_rng_init(&r, 1, "bench-music");
    const double chords[4][3] = {{220.0, 261.63, 329.63}, {174.61, 220.0, 261.63},
                                 {196.0, 246.94, 293.66}, {164.81, 207.65, 246.94}};
    const double beat = 0.5;
    for (uint64_t i = 0; i < frames; i++) {
        double t = (double)i / RATE;
        int b = (int)(t / beat);
        double tb = t - b * beat;
        int chord = (b / 2) % 4;
        double tc = t - (b / 2) * 2 * beat;
        double section = ((int)(t / 8) % 3 == 0) ? 0.5 : 1.0;
        double env = (1.0 - exp(-tc / 0.01)) * exp(-tc / 0.6);
        double pad = 0;
        for (int k = 0; k < 3; k++)
            pad += sin(2 * M_PI * chords[chord][k] * t) * 0.12;
        pad *= env;
        double bass = 0.25 * sin(2 * M_PI * chords[chord][0] / 4 * t) * exp(-tc / 0.8);
        double kick = 0.6 * sin(2 * M_PI * (50 + 60 * exp(-tb / 0.03)) * tb) * exp(-tb / 0.12);
        double noise = cz_rng_range(&r, -1.0, 1.0);
        double hat = tb >= beat / 2 ? 0.15 * noise * exp(-(tb - beat / 2) / 0.03) : 0;
        double snare = b % 2 ? (0.35 * noise + 0.2 * sin(2 * M_PI * 190 * tb)) * exp(-tb / 0.09) : 0;
        double g = 0.25 * section;
        a->samples[2 * i] = (float)(g * (pad * 1.1 + bass + kick + hat * 1.2 + snare));
        a->samples[2 * i + 1] = (float)(g * (pad * 0.9 + bass + kick + hat * 0.8 + snare));
    }
    return a;
}

static double ebur(const cz_audio *a, int mode, double *lufs)
{
    double t0 = now();
    ebur128_state *st = ebur128_init(a->channels, a->rate, mode);
    for (uint64_t i = 0; i < a->frames; i += 65536) {
        uint64_t n = a->frames - i < 65536 ? a->frames - i : 65536;
        ebur128_add_frames_float(st, a->samples + i * a->channels, n);
    }
    *lufs = 0;
    if ((mode & EBUR128_MODE_I) == EBUR128_MODE_I)
        ebur128_loudness_global(st, lufs);
    if ((mode & EBUR128_MODE_TRUE_PEAK) == EBUR128_MODE_TRUE_PEAK) {
        double tp = 0, v;
        for (uint32_t c = 0; c < a->channels; c++) {
            ebur128_true_peak(st, c, &v);
            tp = v > tp ? v : tp;
        }
        *lufs = 20 * log10(tp);
    }
    ebur128_destroy(&st);
    return now() - t0;
}

/* finalization.files on the song: each configuration into a fresh folder
 * (the host's staging area is the same file system). */
static void bench_files(cz_audio *song, int runs)
{
    const char *configs[] = {"{\"formats\": [\"wav\"]}", "{\"formats\": [\"flac\"]}",
                             "{}", "{\"formats\": [], \"stems_format\": \"wav\"}",
                             "{\"formats\": [], \"stems_format\": \"flac\"}",
                             "{\"formats\": [], \"stems_format\": \"wav_float\"}"};
    /* Four stems for the stem figures (divide by four for one). */
    cz_audio *mix = cz_audio_clone(song);
    for (int s = 0; s < 4; s++) {
        char name[16];
        snprintf(name, sizeof name, "stem%d", s);
        cz_audio_add_stem(mix, name, cz_audio_clone(song));
    }
    printf("finalization.files: the same song, %d runs\n", runs);
    for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
        cz_error err = {0};
        czh *h = czh_new(czh_module_path("finalization.files"), configs[c], &err);
        if (!h) {
            fprintf(stderr, "load: %s\n", err.msg);
            return;
        }
        double best = 1e9;
        for (int i = 0; i < runs; i++) {
            char dir[] = "/tmp/cz-bench-files-XXXXXX";
            if (!mkdtemp(dir))
                return;
            czh_set_out(h, dir);
            cz_audio_ref(song);
            cz_bus_put_audio(czh_bus(h), "master.audio", song);
            cz_audio_ref(mix);
            cz_bus_put_audio(czh_bus(h), "mix.audio", mix);
            double t0 = now();
            int rc = czh_run(h, 1, &err);
            double dt = now() - t0;
            char cmd[64];
            snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
            if (system(cmd) != 0 || rc) {
                fprintf(stderr, "run: %s\n", err.msg);
                return;
            }
            best = dt < best ? dt : best;
        }
        printf("  options %-45s best %.3f s\n", configs[c], best);
        czh_free(h);
    }
    cz_audio_unref(mix);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 180.0;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    cz_audio *mix = music(seconds);
    printf("mastering.streaming: %.0f s stereo at %u Hz, %d runs\n", seconds, RATE, runs);

    const char *configs[] = {"{}", "{\"meter\": \"ebur128\"}"};
    for (int c = 0; c < 2; c++) {
        cz_error err = {0};
        czh *h = czh_new(czh_module_path("mastering.streaming"), configs[c], &err);
        if (!h) {
            fprintf(stderr, "load: %s\n", err.msg);
            return 1;
        }
        double best = 1e9, sum = 0;
        const cz_audio *out = NULL;
        for (int i = 0; i < runs; i++) {
            cz_audio_ref(mix);
            cz_bus_put_audio(czh_bus(h), "mix.audio", mix);
            double t0 = now();
            if (czh_run(h, 1, &err)) {
                fprintf(stderr, "run: %s\n", err.msg);
                return 1;
            }
            double dt = now() - t0;
            best = dt < best ? dt : best;
            sum += dt;
        }
        const json_t *rep = NULL;
        cz_bus_get_json(czh_bus(h), "master.report", &rep);
        cz_bus_get_audio(czh_bus(h), "master.audio", &out);
        char *s = json_dumps(rep, JSON_REAL_PRECISION(5));
        printf("  options %-22s best %.3f s, mean %.3f s\n  report %s\n", configs[c], best,
               sum / runs, s);
        free(s);
        double l, tp;
        double ti = ebur(out, EBUR128_MODE_I, &l);
        double tt = ebur(out, EBUR128_MODE_TRUE_PEAK, &tp);
        printf("  libebur128 on the master: %.3f LUFS (MODE_I %.3f s), %.3f dBTP (TRUE_PEAK %.3f s)\n",
               l, ti, tp, tt);
        czh_free(h);
    }
    double l;
    bench_files(mix, runs);
    printf("libebur128 alone on the mix: MODE_I %.3f s, I|LRA %.3f s, I|LRA|TP|SP %.3f s\n",
           ebur(mix, EBUR128_MODE_I, &l), ebur(mix, EBUR128_MODE_I | EBUR128_MODE_LRA, &l),
           ebur(mix, EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK |
                         EBUR128_MODE_SAMPLE_PEAK, &l));
    cz_audio_unref(mix);
    return 0;
}
