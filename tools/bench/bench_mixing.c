/*
 * bench_mixing.c - how long mixing.console takes, and how much memory it
 * adds, on 8 stereo stems of a 3-minute 48 kHz song (the project budget:
 * about 0.2 s on one core for this stage).
 *
 * Figures only, never pass/fail. "user" is the module's computing, "sys"
 * mostly the kernel zeroing and mapping the pages of the new output buffers
 * (page faults), which no mixer writing these outputs can avoid. Each configuration runs in its own forked
 * process, so its peak RSS is its own: "inputs" is the resident size with
 * the stems built (8 stems + their sum on the bus), "peak" the high-water
 * mark after the mix, "added" the difference the module caused.
 *
 *   make BUILD=build build/bench/bench_mixing
 *   BUILD=build CADENZA_REGISTRY=... build/bench/bench_mixing [seconds] [runs]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define RATE 48000u
#define N_STEMS 8

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double rss_mb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return (double)res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static void cpu_times(double *user, double *sys)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    *user = (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec * 1e-6;
    *sys = (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec * 1e-6;
}

/* Peak resident memory since the last reset_peak() (VmHWM): the inputs
 * are built in memory before they are spooled, and that must not count. */
static double peak_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lf kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb / 1024.0;
}

static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f); /* Linux: resets VmHWM to the current RSS */
        fclose(f);
    }
}

static const struct { const char *name; cz_role role; double freq; } STEMS[N_STEMS] = {
    {"drums", CZ_ROLE_DRUMS, 55},   {"bass", CZ_ROLE_BASS, 41.2},
    {"chords", CZ_ROLE_CHORDS, 220}, {"pad", CZ_ROLE_PAD, 330},
    {"lead", CZ_ROLE_LEAD, 880},    {"counter", CZ_ROLE_COUNTER, 660},
    {"arp", CZ_ROLE_ARP, 1320},     {"perc", CZ_ROLE_PERC, 0},
};

/* Cheap music-like stems: a rotating phasor per stem (no sin() per
 * sample), beat envelopes, noise for the percussion. */
static cz_audio *make_stems(double seconds)
{
    uint64_t frames = (uint64_t)(seconds * RATE), beat = RATE / 2; /* 120 bpm */
    cz_audio *main = cz_audio_new(RATE, 2, frames);
    cz_rng r;
    cz_rng_init(&r, 1, "bench-mixing");
    for (int s = 0; s < N_STEMS; s++) {
        cz_audio *a = cz_audio_new(RATE, 2, frames);
        double w = 2 * M_PI * STEMS[s].freq / RATE, c = cos(w), sn = sin(w);
        double x = 1, y = 0;
        for (uint64_t i = 0; i < frames; i++) {
            double t = (double)(i % beat) / RATE;
            double env = STEMS[s].role == CZ_ROLE_DRUMS ? exp(-t / 0.1) : 0.6 + 0.4 * exp(-t / 0.3);
            double nx = x * c - y * sn;
            y = x * sn + y * c;
            x = nx;
            double v = STEMS[s].freq > 0 ? 0.3 * x * env : 0.1 * cz_rng_range(&r, -1, 1) * exp(-t / 0.03);
            a->samples[2 * i] = (float)v;
            a->samples[2 * i + 1] = (float)(0.9 * v);
            main->samples[2 * i] += a->samples[2 * i];
            main->samples[2 * i + 1] += a->samples[2 * i + 1];
        }
        cz_audio_add_stem(main, STEMS[s].name, a);
    }
    return main;
}

/* The same stems handed over spooled (audio.h), as production.synth does:
 * each moved to a scratch file, a block at a time. */
static cz_audio *spool_stems(cz_audio *main)
{
    for (uint32_t i = 0; i < main->n_stems; i++) {
        cz_audio *m = main->stems[i].audio, *sp = NULL;
        if (cz_audio_new_spooled(m->rate, m->channels, m->frames, &sp, NULL) ||
            cz_audio_write(sp, 0, m->frames, m->samples)) {
            fprintf(stderr, "bench_mixing: cannot spool a stem\n");
            exit(1);
        }
        main->stems[i].audio = sp;
        cz_audio_unref(m);
    }
    return main;
}

static cz_score *make_score(double seconds)
{
    cz_score *s = cz_score_new(480);
    s->bpm = 120;
    s->bars = (uint32_t)(seconds / 2);
    s->total_ticks = s->bars * 1920;
    for (int i = 0; i < N_STEMS; i++) {
        cz_track *t = cz_score_add_track(s, STEMS[i].name, STEMS[i].role, 0,
                                         STEMS[i].role == CZ_ROLE_DRUMS ? 9 : (uint8_t)i);
        if (STEMS[i].role == CZ_ROLE_DRUMS)
            for (uint32_t b = 0; b < s->bars * 4; b++)
                cz_track_add_note(t, b * 480, 120, 36, 110, 0);
    }
    return s;
}

static void one(const char *label, const char *options, double seconds, int runs, int spooled)
{
    const char *only = getenv("BENCH_ONLY");
    if (only && *only && !strstr(label, only))
        return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return;
    if (pid > 0) {
        int st;
        waitpid(pid, &st, 0);
        return;
    }
    double best = 1e9, best_user = 0, best_sys = 0;
    double inputs = 0;
    for (int k = 0; k < runs; k++) {
        cz_error err = {0};
        czh *h = czh_new(czh_module_path("mixing.console"), options, &err);
        if (!h) {
            printf("%-28s cannot load: %s\n", label, err.msg);
            _exit(1);
        }
        cz_bus *bus = czh_bus(h);
        cz_audio *stems = make_stems(seconds);
        cz_bus_put_audio(bus, "production.stems", spooled ? spool_stems(stems) : stems);
        cz_bus_put_score(bus, "arrangement.score", make_score(seconds));
        cz_bus_put_json(bus, "ideation.spec", json_pack("{s:s}", "genre", "house"));
        inputs = rss_mb();
        reset_peak();
        double u0, s0, u1, s1;
        cpu_times(&u0, &s0);
        double t0 = now();
        int rc = czh_run(h, 1, &err);
        double dt = now() - t0;
        cpu_times(&u1, &s1);
        if (rc) {
            printf("%-28s failed: %s\n", label, err.msg);
            _exit(1);
        }
        if (dt < best)
            best = dt, best_user = u1 - u0, best_sys = s1 - s0;
        czh_free(h);
    }
    double peak = peak_mb();
    printf("%-26s %6.3f s (user %5.3f, sys %5.3f)  inputs %4.0f MB  peak %5.0f MB  added %4.0f MB\n",
           label, best, best_user, best_sys, inputs, peak, peak - inputs);
    fflush(stdout);
    _exit(0);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 180;
    int runs = argc > 2 ? atoi(argv[2]) : 2;
    printf("mixing.console: %d stereo stems, %.0f s at %u Hz, best of %d (house preset)\n",
           N_STEMS, seconds, RATE, runs);
    one("default (biquad EQ)", NULL, seconds, runs, 0);
    one("stems spooled (synth's way)", NULL, seconds, runs, 1);
    one("no sidechain", "{\"sidechain\": \"off\"}", seconds, runs, 0);
    one("no reverb/delay returns", "{\"reverb_mix\": 0, \"delay_mix\": 0}", seconds, runs, 0);
    one("eq: dsp.eq_fft", "{\"eq\": \"dsp.eq_fft\"}", seconds, runs, 0);
    one("headroom trim pass forced", "{\"headroom_db\": 24}", seconds, runs, 0);
    one("trim pass forced, spooled", "{\"headroom_db\": 24}", seconds, runs, 1);
    return 0;
}
