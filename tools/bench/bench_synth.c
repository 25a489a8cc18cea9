/*
 * tools/bench/bench_synth.c - how fast production.synth renders a song.
 *
 * Builds a synthetic arrangement with the score API: 3 minutes at 120 bpm
 * (90 bars of 4/4, vi-IV-I-V), eight tracks the way arrangement writes
 * them: drums (kick, snare, 8th hats, open hats, crashes, tom fills), bass
 * (8ths, finger bass), chords (4-note electric piano on half bars), pad
 * (4-note warm pad, held), lead (saw lead melody), arpeggio (16ths,
 * polysynth), counter-melody (string ensemble, 2 voices), percussion
 * (shaker 16ths, tambourine). Then runs the real module through
 * tests/harness.h and prints wall and CPU time, the real-time factor and
 * the process's peak resident memory. A figure, never a pass/fail.
 *
 *   bench_synth [seconds=180] [rate=48000] [runs=3] [track|each]
 *
 * With a track name, only that track is rendered (to see where time goes);
 * with "each", every track alone in turn and then the whole song, one line
 * each. A track's figure includes first touching its own stem and the main
 * buffer (page faults), so the per-track figures add up to more than the
 * whole song.
 *
 * Built like a unit test (tests/harness.c and the kernel objects).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "harness.h"

static double now(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const int prog_roots[4] = {57, 53, 48, 55}; /* A F C G (bass octave +24) */
static const int chord_tones[4][4] = {
    {57, 60, 64, 69}, {53, 57, 60, 65}, {48, 52, 55, 60}, {55, 59, 62, 67}};

static const char *only_track;

static int keep_only(const cz_track *t, void *user)
{
    (void)user;
    return !only_track || !strcmp(t->name, only_track);
}

static cz_score *make_song(double seconds, uint64_t *n_notes)
{
    const uint32_t ppq = 480, bar = ppq * 4, q = ppq, e = ppq / 2, s16 = ppq / 4;
    cz_score *sc = cz_score_new(ppq);
    sc->bpm = 120;
    uint32_t bars = (uint32_t)(seconds * 120.0 / 60.0 / 4.0 + 0.5);
    if (bars < 1)
        bars = 1;
    sc->bars = bars;
    sc->total_ticks = bars * bar;
    cz_rng rng;
    cz_rng_init(&rng, 7, "bench");

    cz_track *t = cz_score_add_track(sc, "drums", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL);
    for (uint32_t b = 0; b < bars; b++) {
        uint32_t t0 = b * bar;
        for (int k = 0; k < 8; k++) {
            uint32_t at = t0 + (uint32_t)k * e;
            if (k == 0 || k == 4 || (k == 5 && b % 2))
                cz_track_add_note(t, at, e, 36, 110, 0);
            if (k == 2 || k == 6)
                cz_track_add_note(t, at, e, 38, 105, 0);
            if (k == 7 && b % 2 == 1)
                cz_track_add_note(t, at, e, 46, 90, 0);
            else
                cz_track_add_note(t, at, e / 2, 42, (uint8_t)(70 + (k % 2 ? 0 : 20)), 0);
        }
        if (b % 8 == 0)
            cz_track_add_note(t, t0, bar, 49, 110, 0);
        if (b % 8 == 7)
            for (int k = 0; k < 4; k++)
                cz_track_add_note(t, t0 + 3 * q + (uint32_t)k * s16, s16, (uint8_t)(50 - 3 * k), 100, 0);
    }
    t = cz_score_add_track(sc, "perc", CZ_ROLE_PERC, 0, CZ_DRUM_CHANNEL);
    for (uint32_t b = 0; b < bars; b++)
        for (int k = 0; k < 16; k++) {
            cz_track_add_note(t, b * bar + (uint32_t)k * s16, s16, 70, (uint8_t)(50 + (k % 4 ? 0 : 25)), 0);
            if (k == 4 || k == 12)
                cz_track_add_note(t, b * bar + (uint32_t)k * s16, s16, 54, 80, 0);
        }
    t = cz_score_add_track(sc, "bass", CZ_ROLE_BASS, 33, 1);
    for (uint32_t b = 0; b < bars; b++)
        for (int k = 0; k < 8; k++)
            cz_track_add_note(t, b * bar + (uint32_t)k * e, e - 20, (uint8_t)(prog_roots[b % 4] - 24),
                              (uint8_t)(90 + (k % 2 ? 0 : 15)), 0);
    t = cz_score_add_track(sc, "chords", CZ_ROLE_CHORDS, 4, 2);
    for (uint32_t b = 0; b < bars; b++)
        for (int h = 0; h < 2; h++)
            for (int v = 0; v < 4; v++)
                cz_track_add_note(t, b * bar + (uint32_t)h * 2 * q, 2 * q - 30,
                                  (uint8_t)chord_tones[b % 4][v], 85, 0);
    t = cz_score_add_track(sc, "pad", CZ_ROLE_PAD, 89, 3);
    for (uint32_t b = 0; b < bars; b++)
        for (int v = 0; v < 4; v++)
            cz_track_add_note(t, b * bar, bar, (uint8_t)(chord_tones[b % 4][v] - 12), 70, 0);
    t = cz_score_add_track(sc, "lead", CZ_ROLE_LEAD, 81, 4);
    for (uint32_t b = 0; b < bars; b++)
        for (int k = 0; k < 8; k++) {
            if (cz_rng_chance(&rng, 0.3))
                continue;
            int tone = chord_tones[b % 4][cz_rng_below(&rng, 4)] + 12;
            cz_track_add_note(t, b * bar + (uint32_t)k * e, e, (uint8_t)tone, 95, 0);
        }
    t = cz_score_add_track(sc, "arp", CZ_ROLE_ARP, 90, 5);
    for (uint32_t b = 0; b < bars; b++)
        for (int k = 0; k < 16; k++)
            cz_track_add_note(t, b * bar + (uint32_t)k * s16, s16, (uint8_t)(chord_tones[b % 4][k % 4] + 12),
                              (uint8_t)(70 + (k % 4 ? 0 : 20)), 0);
    t = cz_score_add_track(sc, "counter", CZ_ROLE_COUNTER, 48, 6);
    for (uint32_t b = 0; b < bars; b++)
        for (int k = 0; k < 4; k++) {
            cz_track_add_note(t, b * bar + (uint32_t)k * q, q, (uint8_t)chord_tones[b % 4][(k + 1) % 4], 75, 0);
            cz_track_add_note(t, b * bar + (uint32_t)k * q, q, (uint8_t)chord_tones[b % 4][(k + 2) % 4], 70, 0);
        }
    cz_score_filter_tracks(sc, keep_only, NULL);
    *n_notes = 0;
    for (uint32_t i = 0; i < sc->n_tracks; i++) {
        cz_track_sort(&sc->tracks[i]);
        *n_notes += sc->tracks[i].n_notes;
    }
    return sc;
}

static const char *const track_names[] = {"drums", "perc", "bass", "chords",
                                           "pad", "lead", "arp", "counter"};

/* Render `seconds` of the song (only_track, or all) `runs` times; best
 * wall and CPU seconds. */
static int measure(czh *h, double seconds, int runs, double *wall, double *cpu,
                   uint32_t *tracks, uint64_t *notes, double *audio_s)
{
    cz_score *sc = make_song(seconds, notes);
    *audio_s = sc->total_ticks * 60.0 / (sc->bpm * sc->ppq) + 2.0;
    *tracks = sc->n_tracks;
    cz_bus_put_score(czh_bus(h), "arrangement.score", sc);
    *wall = *cpu = 1e9;
    for (int r = 0; r < runs; r++) {
        cz_error err = {0};
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        if (czh_run(h, 42, &err)) {
            fprintf(stderr, "bench_synth: %s\n", err.msg);
            return 1;
        }
        double w = now(CLOCK_MONOTONIC) - w0, c = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (w < *wall)
            *wall = w;
        if (c < *cpu)
            *cpu = c;
        /* drop the result so the next run measures a cold allocation */
        cz_bus_remove(czh_bus(h), "production.stems");
    }
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 180.0;
    int rate = argc > 2 ? atoi(argv[2]) : 48000;
    int runs = argc > 3 ? atoi(argv[3]) : 3;
    const char *which = argc > 4 ? argv[4] : NULL;
    char opts[64];
    snprintf(opts, sizeof opts, "{\"rate\": %d}", rate);
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("production.synth"), opts, &err);
    if (!h) {
        fprintf(stderr, "bench_synth: %s\n", err.msg);
        return 1;
    }
    double wall, cpu, audio_s;
    uint32_t n_tracks;
    uint64_t notes;
    if (which && !strcmp(which, "each")) {
        printf("bench_synth: %.0f s at %d Hz, best of %d, CPU seconds per track alone "
               "(its stem and the main buffer included)\n",
               seconds, rate, runs);
        for (size_t i = 0; i < sizeof track_names / sizeof *track_names; i++) {
            only_track = track_names[i];
            if (measure(h, seconds, runs, &wall, &cpu, &n_tracks, &notes, &audio_s))
                return 1;
            printf("  %-8s %6.3f s  (%llu notes)\n", track_names[i], cpu, (unsigned long long)notes);
        }
        only_track = NULL;
    } else {
        only_track = which;
    }
    if (measure(h, seconds, runs, &wall, &cpu, &n_tracks, &notes, &audio_s))
        return 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double stems_mb = (double)(n_tracks + 1) * audio_s * rate * 2 * sizeof(float) / 1e6;
    printf("bench_synth: %u tracks, %llu notes, %.1f s of audio at %d Hz\n", n_tracks,
           (unsigned long long)notes, audio_s, rate);
    printf("bench_synth: best of %d: wall %.3f s, cpu %.3f s, %.0fx real time\n", runs, wall, cpu,
           audio_s / wall);
    printf("bench_synth: buffers %.0f MB (stems + mix, if fully resident), peak RSS %.0f MB\n",
           stems_mb, ru.ru_maxrss / 1024.0);
    czh_free(h);
    return 0;
}
