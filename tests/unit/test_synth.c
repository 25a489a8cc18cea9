/*
 * test_synth.c - production.synth, run as a black box through the harness.
 *
 * Each test writes a small arrangement.score with the score API, runs the
 * real module and checks what a listener or the next stage relies on:
 * stems named after the tracks, stereo, at the requested rate, as long as
 * the song plus the tail, summing to the main buffer; finite audio below
 * 0 dBFS for every GM program even for dense chords at velocity 127;
 * silence before the first note and sound where the notes are; oscillators
 * that do not alias (FFT of saw and square notes up to 10 kHz); voice
 * stealing under a polyphony limit without clicks; a kick that is low and
 * a hat that is high; an open hat choked by a closed one; velocity that
 * makes notes louder and brighter; pan and volume; the genre choosing the
 * kit; identical bytes for identical input; and clear errors for a bad
 * rate, a missing or malformed score.
 *
 * White box: the module's sources are also compiled into this test, to
 * force the baseline (SSE2) build of the vector loops and compare it with
 * the AVX2 and AVX-512 builds byte for byte, and to check the half-rate
 * path against a full-rate render of the same track. Make does not know
 * this file depends on those sources: rebuild the test after editing them.
 */
#include <check.h>
#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "../../modules/stages/production.synth/engine_drum.c"
#include "../../modules/stages/production.synth/engine_fm.c"
#include "../../modules/stages/production.synth/engine_ks.c"
#include "../../modules/stages/production.synth/engine_sub.c"
#include "../../modules/stages/production.synth/env.c"
#include "../../modules/stages/production.synth/halfrate.c"
#include "../../modules/stages/production.synth/output.c"
#include "../../modules/stages/production.synth/presets.c"
#include "../../modules/stages/production.synth/render.c"
#include "../../modules/stages/production.synth/track.c"
#include "../../modules/stages/production.synth/wavetable.c"

/* ---- helpers ------------------------------------------------------------- */

#define PPQ 480u

static czh *load(const char *opts)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("production.synth"), opts, &err);
    ck_assert_msg(h != NULL, "load production.synth: %s", err.msg);
    return h;
}

/* A score at 120 bpm (one beat = 0.5 s = 480 ticks) of `bars` 4/4 bars. */
static cz_score *score_new(uint32_t bars)
{
    cz_score *sc = cz_score_new(PPQ);
    sc->bpm = 120;
    sc->bars = bars;
    sc->total_ticks = bars * 4 * PPQ;
    return sc;
}

static uint32_t sec_to_tick(double s)
{
    return (uint32_t)(s * 2 * PPQ + 0.5);
}

static void note(cz_track *t, double at_s, double len_s, int pitch, int vel)
{
    ck_assert_int_eq(cz_track_add_note(t, sec_to_tick(at_s), sec_to_tick(len_s) ? sec_to_tick(len_s) : 1,
                                       (uint8_t)pitch, (uint8_t)vel, 0), 0);
}

/* Put the score (taking it over), run, return production.stems. */
static const cz_audio *render(czh *h, cz_score *sc, uint64_t seed)
{
    for (uint32_t i = 0; i < sc->n_tracks; i++)
        cz_track_sort(&sc->tracks[i]);
    ck_assert_int_eq(cz_bus_put_score(czh_bus(h), "arrangement.score", sc), 0);
    cz_error err = {0};
    int rc = czh_run(h, seed, &err);
    ck_assert_msg(rc == 0, "run: %s (%s)", err.msg, cz_strerror(rc));
    const cz_audio *a = NULL;
    ck_assert_int_eq(cz_bus_get_audio(czh_bus(h), "production.stems", &a), 0);
    /* the stems may come spooled (audio.h); the checks below read them whole */
    ck_assert_int_eq(cz_audio_load_all((cz_audio *)a), 0);
    return a;
}

static const cz_audio *stem(const cz_audio *a, const char *name)
{
    const cz_audio *s = cz_audio_stem(a, name);
    ck_assert_msg(s != NULL, "no stem named '%s'", name);
    return s;
}

static double peak_of(const cz_audio *a, double from_s, double to_s)
{
    uint64_t f0 = (uint64_t)(from_s * a->rate), f1 = (uint64_t)(to_s * a->rate);
    if (f1 > a->frames)
        f1 = a->frames;
    double pk = 0;
    for (uint64_t i = f0 * a->channels; i < f1 * a->channels; i++)
        pk = fmax(pk, fabs(a->samples[i]));
    return pk;
}

static double rms_of(const cz_audio *a, double from_s, double to_s)
{
    uint64_t f0 = (uint64_t)(from_s * a->rate), f1 = (uint64_t)(to_s * a->rate);
    if (f1 > a->frames)
        f1 = a->frames;
    double e = 0;
    for (uint64_t i = f0 * a->channels; i < f1 * a->channels; i++)
        e += (double)a->samples[i] * a->samples[i];
    return f1 > f0 ? sqrt(e / ((f1 - f0) * a->channels)) : 0.0;
}

static double db(double x)
{
    return 20.0 * log10(x > 1e-30 ? x : 1e-30);
}

/* Power spectrum (n/2 + 1 bins) of the left channel from `from_s`, with a
 * 4-term Blackman-Harris window (sidelobes below -92 dB). */
static double *spectrum(const cz_audio *a, double from_s, int n)
{
    float *in = fftwf_malloc(sizeof(float) * (size_t)n);
    fftwf_complex *out = fftwf_malloc(sizeof(fftwf_complex) * (size_t)(n / 2 + 1));
    uint64_t f0 = (uint64_t)(from_s * a->rate);
    ck_assert_msg(f0 + (uint64_t)n <= a->frames, "spectrum window past the end");
    for (int i = 0; i < n; i++) {
        double x = 2 * M_PI * i / (n - 1);
        double w = 0.35875 - 0.48829 * cos(x) + 0.14128 * cos(2 * x) - 0.01168 * cos(3 * x);
        in[i] = (float)(a->samples[(f0 + (uint64_t)i) * a->channels] * w);
    }
    fftwf_plan p = fftwf_plan_dft_r2c_1d(n, in, out, FFTW_ESTIMATE);
    fftwf_execute(p);
    double *pw = malloc(sizeof(double) * (size_t)(n / 2 + 1));
    for (int k = 0; k <= n / 2; k++)
        pw[k] = (double)out[k][0] * out[k][0] + (double)out[k][1] * out[k][1];
    fftwf_destroy_plan(p);
    fftwf_free(in);
    fftwf_free(out);
    return pw;
}

static double band(const double *pw, int n, double rate, double lo, double hi)
{
    double e = 0;
    for (int k = 0; k <= n / 2; k++) {
        double f = k * rate / n;
        if (f >= lo && f < hi)
            e += pw[k];
    }
    return e;
}

static double midi_hz(int p)
{
    return 440.0 * pow(2.0, (p - 69) / 12.0);
}

/* ---- shape of the output --------------------------------------------------- */

START_TEST(stems_named_stereo_rate_and_length)
{
    static const int rates[] = {44100, 48000, 96000};
    int rate = rates[_i];
    char opts[96];
    snprintf(opts, sizeof opts, "{\"rate\": %d, \"tail_s\": 1.5}", rate);
    czh *h = load(opts);
    cz_score *sc = score_new(4); /* 8 s */
    cz_track *t = cz_score_add_track(sc, "bass", CZ_ROLE_BASS, 38, 0);
    note(t, 0.0, 1.0, 36, 100);
    note(t, 7.5, 0.5, 36, 100);
    t = cz_score_add_track(sc, "lead", CZ_ROLE_LEAD, 81, 1);
    note(t, 1.0, 2.0, 72, 90);
    t = cz_score_add_track(sc, "kit", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL);
    note(t, 0.0, 0.25, 36, 110);
    note(t, 0.5, 0.25, 38, 100);
    const cz_audio *a = render(h, sc, 1);

    ck_assert_uint_eq(a->rate, (unsigned)rate);
    ck_assert_uint_eq(a->channels, 2);
    ck_assert_uint_eq(a->frames, (uint64_t)llround(9.5 * rate));
    ck_assert_uint_eq(a->n_stems, 3);
    static const char *names[] = {"bass", "lead", "kit"};
    for (int i = 0; i < 3; i++) {
        const cz_audio *s = stem(a, names[i]);
        ck_assert_uint_eq(s->rate, (unsigned)rate);
        ck_assert_uint_eq(s->channels, 2);
        ck_assert_uint_eq(s->frames, a->frames);
        ck_assert_msg(peak_of(s, 0, 9.5) > 0.01, "stem %s is silent", names[i]);
    }
    /* the main buffer is the plain sum of the stems */
    double worst = 0;
    for (uint64_t i = 0; i < a->frames * 2; i++) {
        double sum = 0;
        for (uint32_t k = 0; k < a->n_stems; k++)
            sum += a->stems[k].audio->samples[i];
        worst = fmax(worst, fabs(sum - a->samples[i]));
    }
    ck_assert_msg(worst < 1e-6, "main differs from the sum of the stems by %g", worst);
    /* the bass note at 7.5 s rings into the tail, then the buffer ends silent */
    ck_assert(peak_of(stem(a, "bass"), 8.0, 8.3) > 1e-3);
    ck_assert(fabs(a->samples[a->frames * 2 - 1]) < 1e-6);
    czh_free(h);
}
END_TEST

START_TEST(tail_option_sets_the_length)
{
    czh *h = load("{\"tail_s\": 0}");
    cz_score *sc = score_new(2);
    cz_track *t = cz_score_add_track(sc, "pad", CZ_ROLE_PAD, 89, 0);
    note(t, 0.0, 4.0, 60, 90);
    const cz_audio *a = render(h, sc, 1);
    ck_assert_uint_eq(a->frames, 4u * 48000u);
    czh_free(h);
}
END_TEST

START_TEST(duplicate_track_names_get_unique_stems)
{
    czh *h = load(NULL);
    cz_score *sc = score_new(1);
    note(cz_score_add_track(sc, "keys", CZ_ROLE_CHORDS, 0, 0), 0, 1, 60, 90);
    note(cz_score_add_track(sc, "keys", CZ_ROLE_CHORDS, 4, 1), 0, 1, 64, 90);
    const cz_audio *a = render(h, sc, 1);
    ck_assert_uint_eq(a->n_stems, 2);
    stem(a, "keys");
    stem(a, "keys-2");
    czh_free(h);
}
END_TEST

/* ---- every program: finite, audible, below 0 dBFS ------------------------ */

START_TEST(every_program_finite_and_below_full_scale)
{
    czh *h = load("{\"rate\": 44100, \"tail_s\": 0.5}");
    cz_score *sc = score_new(1); /* 2 s */
    static const int chord[] = {36, 43, 48, 52, 55, 60, 64, 67, 72, 76};
    for (int p = 0; p < 128; p++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", p);
        cz_track *t = cz_score_add_track(sc, name, CZ_ROLE_CHORDS, (uint8_t)p, (uint8_t)(p % 9));
        t->volume = 1.0f;
        for (int k = 0; k < 10; k++)
            note(t, 0.0, 1.5, chord[k], 127);
    }
    cz_track *k = cz_score_add_track(sc, "kit", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL);
    k->volume = 1.0f;
    for (int n = 27; n <= 87; n++)
        note(k, 0.01 * (n - 27), 0.2, n, 127);
    const cz_audio *a = render(h, sc, 3);
    ck_assert_uint_eq(a->n_stems, 129);
    for (uint32_t s = 0; s < a->n_stems; s++) {
        const cz_audio *x = a->stems[s].audio;
        double pk = 0;
        uint64_t bad = 0;
        for (uint64_t i = 0; i < x->frames * 2; i++) {
            bad += !isfinite(x->samples[i]);
            pk = fmax(pk, fabs(x->samples[i]));
        }
        ck_assert_msg(!bad, "stem %s: %llu non-finite samples", a->stems[s].name,
                      (unsigned long long)bad);
        ck_assert_msg(pk < 1.0, "stem %s peaks at %.2f dBFS", a->stems[s].name, db(pk));
        ck_assert_msg(pk > 1e-3, "stem %s is silent (%.1f dBFS)", a->stems[s].name, db(pk));
    }
    uint64_t bad = 0;
    for (uint64_t i = 0; i < a->frames * 2; i++)
        bad += !isfinite(a->samples[i]);
    ck_assert_msg(!bad, "main: %llu non-finite samples", (unsigned long long)bad);
    czh_free(h);
}
END_TEST

/* ---- timing: silence before, sound at the notes --------------------------- */

START_TEST(silence_before_first_note_and_energy_at_notes)
{
    czh *h = load(NULL);
    cz_score *sc = score_new(3);
    static const int progs[] = {0, 4, 24, 33, 48, 81, 89};
    for (int i = 0; i < 7; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        cz_track *t = cz_score_add_track(sc, name, CZ_ROLE_CHORDS, (uint8_t)progs[i], (uint8_t)i);
        note(t, 2.0, 1.0, 60, 100);
        note(t, 4.0, 1.0, 64, 100);
    }
    cz_track *d = cz_score_add_track(sc, "drums", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL);
    note(d, 2.0, 0.2, 36, 100);
    note(d, 4.0, 0.2, 42, 100);
    const cz_audio *a = render(h, sc, 5);
    for (uint32_t s = 0; s < a->n_stems; s++) {
        const cz_audio *x = a->stems[s].audio;
        double before = peak_of(x, 0.0, 1.999);
        ck_assert_msg(db(before) < -90.0, "stem %s: %.1f dBFS before its first note",
                      a->stems[s].name, db(before));
        double at = rms_of(x, 2.0, 2.3);
        ck_assert_msg(db(at) > -40.0, "stem %s: only %.1f dBFS RMS at its first note",
                      a->stems[s].name, db(at));
        ck_assert_msg(rms_of(x, 4.0, 4.2) > 1e-3, "stem %s: silent at its second note",
                      a->stems[s].name);
    }
    czh_free(h);
}
END_TEST

/* ---- aliasing ---------------------------------------------------------------- */

/* One raw saw (program 81) or square (program 80) note per half second,
 * fundamentals from 98 Hz to 10 kHz. Vibrato waits 0.5 s, so each window
 * sees a steady tone. Every spectral line that is not a harmonic (aliases
 * fold to non-harmonic frequencies) must stay 65 dB below the fundamental,
 * for every fundamental up to 10 kHz (PolyBLEP leaves -30 dB there). */
static const int alias_pitches[] = {43, 55, 67, 79, 88, 96, 100, 103, 106, 108, 110, 112, 115, 120, 123};
#define N_ALIAS (int)(sizeof alias_pitches / sizeof alias_pitches[0])

static void check_aliasing(int program)
{
    czh *h = load(NULL);
    cz_score *sc = score_new(4); /* 8 s: one note every 0.5 s */
    cz_track *t = cz_score_add_track(sc, "osc", CZ_ROLE_LEAD, (uint8_t)program, 0);
    for (int i = 0; i < N_ALIAS; i++)
        note(t, 0.5 * i, 0.45, alias_pitches[i], 100);
    const cz_audio *a = render(h, sc, 1);
    const cz_audio *x = stem(a, "osc");
    const int n = 16384; /* 0.34 s at 48 kHz */
    double rate = x->rate, bin = rate / n;
    for (int i = 0; i < N_ALIAS; i++) {
        double f0 = midi_hz(alias_pitches[i]);
        double *pw = spectrum(x, 0.5 * i + 0.04, n);
        double fund = 0, worst = 0, worst_f = 0;
        for (int k = (int)(20 / bin); k <= n / 2; k++) {
            double f = k * bin;
            double hnum = floor(f / f0 + 0.5);
            int harmonic = hnum >= 1 && fabs(f - hnum * f0) <= 6 * bin;
            if (harmonic && hnum == 1)
                fund = fmax(fund, pw[k]);
            else if (!harmonic && pw[k] > worst) {
                worst = pw[k];
                worst_f = f;
            }
        }
        double rel = 10 * log10(worst / fund);
        const double limit = -65.0; /* measured: -72 dB or better at 48 kHz */
        ck_assert_msg(rel < limit,
                      "program %d, %.0f Hz: non-harmonic line at %.0f Hz is %.1f dB below the "
                      "fundamental (need %.0f)",
                      program, f0, worst_f, -rel, -limit);
        free(pw);
    }
    czh_free(h);
}

START_TEST(saw_does_not_alias)
{
    check_aliasing(81);
}
END_TEST

START_TEST(square_does_not_alias)
{
    check_aliasing(80);
}
END_TEST

/* ---- voices --------------------------------------------------------------------- */

static const cz_audio *steal_song(czh *h)
{
    cz_score *sc = score_new(3);
    cz_track *t = cz_score_add_track(sc, "ocarina", CZ_ROLE_PAD, 79, 0);
    t->volume = 1.0f;
    static const int pitches[] = {48, 50, 52, 53, 55, 57, 59, 60};
    for (int i = 0; i < 8; i++)
        note(t, 0.25 * i, 4.0 - 0.25 * i, pitches[i], 110);
    return stem(render(h, sc, 1), "ocarina");
}

static double max_step(const cz_audio *x, double from_s, double to_s)
{
    double m = 0;
    for (uint64_t i = (uint64_t)(from_s * x->rate) + 1; i < (uint64_t)(to_s * x->rate); i++)
        m = fmax(m, fabs(x->samples[2 * i] - x->samples[2 * (i - 1)]));
    return m;
}

START_TEST(polyphony_limit_steals_without_clicks)
{
    czh *full = load("{\"polyphony\": 32}"), *lim = load("{\"polyphony\": 4}");
    const cz_audio *ref = steal_song(full), *x = steal_song(lim);
    /* notes 5..8 each steal one voice, at 1.0, 1.25, 1.5 and 1.75 s */
    double ref_step = max_step(ref, 0.9, 3.5), step = max_step(x, 0.9, 3.5);
    ck_assert_msg(step <= ref_step * 1.2,
                  "largest sample step with stealing %.4f vs %.4f without: a click", step,
                  ref_step);
    /* after the steals only the four newest notes sound */
    const int n = 32768;
    double *pw = spectrum(x, 2.5, n);
    double bin = x->rate / (double)n;
    static const int old_p[] = {48, 50, 52, 53}, new_p[] = {55, 57, 59, 60};
    double weakest_new = 1e300, strongest_old = 0;
    for (int i = 0; i < 4; i++) {
        double fo = midi_hz(old_p[i]), fn = midi_hz(new_p[i]);
        weakest_new = fmin(weakest_new, band(pw, n, x->rate, fn - 8 * bin, fn + 8 * bin));
        strongest_old = fmax(strongest_old, band(pw, n, x->rate, fo - 8 * bin, fo + 8 * bin));
    }
    double rel = 10 * log10(strongest_old / weakest_new);
    ck_assert_msg(rel < -50, "a stolen voice still sounds %.1f dB below the kept ones", -rel);
    free(pw);
    /* and without a limit all eight sound */
    pw = spectrum(ref, 2.5, n);
    ck_assert(band(pw, n, ref->rate, midi_hz(48) - 8 * bin, midi_hz(48) + 8 * bin) >
              band(pw, n, ref->rate, midi_hz(60) - 8 * bin, midi_hz(60) + 8 * bin) * 1e-2);
    free(pw);
    czh_free(full);
    czh_free(lim);
}
END_TEST

/* ---- drums ------------------------------------------------------------------- */

START_TEST(kick_is_low_and_hat_is_high)
{
    czh *h = load(NULL);
    cz_score *sc = score_new(1);
    note(cz_score_add_track(sc, "kick", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL), 0.0, 0.5, 36, 110);
    note(cz_score_add_track(sc, "hat", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL), 0.0, 0.5, 42, 110);
    note(cz_score_add_track(sc, "snare", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL), 0.0, 0.5, 38, 110);
    const cz_audio *a = render(h, sc, 1);
    const int n = 16384;
    double r = a->rate;
    double *k = spectrum(stem(a, "kick"), 0.0, n);
    double low = band(k, n, r, 0, 150) / band(k, n, r, 0, r / 2);
    ck_assert_msg(low > 0.6, "kick: only %.0f%% of its energy below 150 Hz", low * 100);
    free(k);
    double *hh = spectrum(stem(a, "hat"), 0.0, n);
    double high = band(hh, n, r, 5000, r / 2) / band(hh, n, r, 0, r / 2);
    ck_assert_msg(high > 0.7, "hat: only %.0f%% of its energy above 5 kHz", high * 100);
    free(hh);
    double *sn = spectrum(stem(a, "snare"), 0.0, n);
    double body = band(sn, n, r, 120, 400) / band(sn, n, r, 0, r / 2);
    double wires = band(sn, n, r, 2000, 12000) / band(sn, n, r, 0, r / 2);
    ck_assert_msg(body > 0.1 && wires > 0.1, "snare: body %.0f%%, noise %.0f%%", body * 100,
                  wires * 100);
    free(sn);
    czh_free(h);
}
END_TEST

START_TEST(closed_hat_chokes_open_hat)
{
    czh *h = load(NULL);
    cz_score *sc = score_new(1);
    cz_track *a = cz_score_add_track(sc, "choked", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL);
    note(a, 0.0, 0.1, 46, 110);
    note(a, 0.1, 0.1, 42, 60);
    note(cz_score_add_track(sc, "ringing", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL), 0.0, 0.1, 46, 110);
    const cz_audio *x = render(h, sc, 1);
    double choked = rms_of(stem(x, "choked"), 0.25, 0.5);
    double ringing = rms_of(stem(x, "ringing"), 0.25, 0.5);
    ck_assert_msg(ringing > 1e-3, "the open hat does not ring (%.1f dBFS)", db(ringing));
    ck_assert_msg(db(choked / ringing) < -30, "choked open hat only %.1f dB below a free one",
                  -db(choked / ringing));
    czh_free(h);
}
END_TEST

/* ---- expression: velocity, pan, volume, genre ---------------------------- */

/* Share of the energy above `hz`: how bright a sound is. */
static double brightness(const double *pw, int n, double rate, double hz)
{
    return band(pw, n, rate, hz, rate / 2) / band(pw, n, rate, 0, rate / 2);
}

START_TEST(velocity_makes_notes_louder_and_brighter)
{
    czh *h = load(NULL);
    cz_score *sc = score_new(1);
    note(cz_score_add_track(sc, "soft", CZ_ROLE_BASS, 38, 0), 0.0, 1.0, 40, 40);
    note(cz_score_add_track(sc, "hard", CZ_ROLE_BASS, 38, 1), 0.0, 1.0, 40, 120);
    const cz_audio *a = render(h, sc, 1);
    const cz_audio *soft = stem(a, "soft"), *hard = stem(a, "hard");
    double ratio = rms_of(hard, 0, 0.5) / rms_of(soft, 0, 0.5);
    ck_assert_msg(ratio > 1.6, "velocity 120 is only %.1f dB louder than 40", db(ratio));
    const int n = 8192;
    double *ps = spectrum(soft, 0.01, n), *ph = spectrum(hard, 0.01, n);
    double bs = brightness(ps, n, a->rate, 500), bh = brightness(ph, n, a->rate, 500);
    ck_assert_msg(bh > 2 * bs, "share above 500 Hz: %.2f%% at velocity 120, %.2f%% at 40",
                  bh * 100, bs * 100);
    free(ps);
    free(ph);
    czh_free(h);
}
END_TEST

START_TEST(pan_and_volume_apply_to_the_stem)
{
    czh *h = load(NULL);
    cz_score *sc = score_new(1);
    cz_track *t = cz_score_add_track(sc, "left", CZ_ROLE_LEAD, 73, 0);
    t->pan = -1.0f;
    note(t, 0, 1, 72, 100);
    t = cz_score_add_track(sc, "right", CZ_ROLE_LEAD, 73, 1);
    t->pan = 1.0f;
    note(t, 0, 1, 72, 100);
    t = cz_score_add_track(sc, "full", CZ_ROLE_LEAD, 73, 2);
    t->volume = 1.0f;
    note(t, 0, 1, 72, 100);
    t = cz_score_add_track(sc, "half", CZ_ROLE_LEAD, 73, 3);
    t->volume = 0.5f;
    note(t, 0, 1, 72, 100);
    const cz_audio *a = render(h, sc, 1);
    const cz_audio *l = stem(a, "left"), *r = stem(a, "right");
    double lr = 0, ll = 0, rl = 0, rr = 0;
    for (uint64_t i = 0; i < l->frames; i++) {
        ll = fmax(ll, fabs(l->samples[2 * i]));
        lr = fmax(lr, fabs(l->samples[2 * i + 1]));
        rl = fmax(rl, fabs(r->samples[2 * i]));
        rr = fmax(rr, fabs(r->samples[2 * i + 1]));
    }
    ck_assert(ll > 0.01 && rr > 0.01);
    ck_assert_msg(lr < 1e-6 && rl < 1e-6, "hard pan leaks: %g %g", lr, rl);
    /* volume follows the GM curve: gain = volume^2, so 0.5 is -12 dB */
    double g = rms_of(stem(a, "half"), 0, 1) / rms_of(stem(a, "full"), 0, 1);
    ck_assert_msg(fabs(g - 0.25) < 0.01, "volume 0.5 gives gain %.3f", g);
    /* centre is constant power: each side -3 dB of a hard-panned one */
    double c = peak_of(stem(a, "full"), 0, 1) / 1.0;
    ck_assert(c > 0.0);
    czh_free(h);
}
END_TEST

static int same_bytes(const cz_audio *a, const cz_audio *b)
{
    return a->frames == b->frames && a->channels == b->channels &&
           !memcmp(a->samples, b->samples, a->frames * a->channels * sizeof(float));
}

static cz_score *small_song(void);

/* By default the stems are spooled (nothing of theirs song-sized in the
 * process); their sum stays in memory (audio.h: only stems are spooled). */
START_TEST(stems_are_spooled_unless_asked_and_sound_the_same)
{
    czh *h = load(NULL), *m = load("{\"spool\": false}");
    cz_score *sc = small_song();
    for (uint32_t i = 0; i < sc->n_tracks; i++)
        cz_track_sort(&sc->tracks[i]);
    ck_assert_int_eq(cz_bus_put_score(czh_bus(h), "arrangement.score", sc), 0);
    cz_error err = {0};
    ck_assert_msg(czh_run(h, 42, &err) == 0, "run: %s", err.msg);
    const cz_audio *a = NULL;
    ck_assert_int_eq(cz_bus_get_audio(czh_bus(h), "production.stems", &a), 0);
    ck_assert_ptr_nonnull(a->samples);
    for (uint32_t i = 0; i < a->n_stems; i++)
        ck_assert_msg(a->stems[i].audio->samples == NULL, "stem %s in memory", a->stems[i].name);
    ck_assert_int_eq(cz_audio_load_all((cz_audio *)a), 0);
    const cz_audio *b = render(m, small_song(), 42);
    ck_assert(same_bytes(a, b));
    for (uint32_t i = 0; i < a->n_stems; i++)
        ck_assert_msg(same_bytes(a->stems[i].audio, b->stems[i].audio), "stem %s differs",
                      a->stems[i].name);
    /* production.levels: each stem's gated level, measured while it was
     * written, exactly what measuring the finished stem gives */
    const json_t *lv = NULL;
    ck_assert_int_eq(cz_bus_get_json(czh_bus(h), "production.levels", &lv), 0);
    ck_assert_uint_eq(json_object_size(lv), a->n_stems);
    for (uint32_t i = 0; i < a->n_stems; i++) {
        const cz_audio *st = a->stems[i].audio;
        cz_level m2;
        ck_assert_int_eq(cz_level_init(&m2, st->rate, st->channels), 0);
        ck_assert_int_eq(cz_level_feed(&m2, st->samples, st->frames), 0);
        const json_t *v = json_object_get(lv, a->stems[i].name);
        ck_assert_msg(json_is_real(v) && json_real_value(v) == cz_level_db(&m2),
                      "stem %s: level %g, measured %g", a->stems[i].name,
                      json_number_value(v), cz_level_db(&m2));
        ck_assert(json_real_value(v) > -60 && json_real_value(v) < 0);
        cz_level_free(&m2);
    }
    czh_free(h);
    czh_free(m);
}
END_TEST

static cz_score *small_song(void)
{
    cz_score *sc = score_new(2);
    cz_track *d = cz_score_add_track(sc, "drums", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL);
    for (int b = 0; b < 8; b++) {
        note(d, 0.5 * b, 0.25, b % 2 ? 38 : 36, 100);
        note(d, 0.5 * b + 0.25, 0.25, 42, 80);
    }
    cz_track *t = cz_score_add_track(sc, "pad", CZ_ROLE_PAD, 89, 0);
    note(t, 0, 4, 57, 80);
    note(t, 0, 4, 60, 80);
    t = cz_score_add_track(sc, "gtr", CZ_ROLE_CHORDS, 25, 1);
    for (int b = 0; b < 8; b++)
        note(t, 0.5 * b, 0.4, 52 + b, 90);
    return sc;
}

START_TEST(identical_input_gives_identical_bytes)
{
    czh *h1 = load(NULL), *h2 = load(NULL);
    const cz_audio *a = render(h1, small_song(), 42);
    const cz_audio *b = render(h2, small_song(), 42);
    ck_assert(same_bytes(a, b));
    ck_assert_uint_eq(a->n_stems, b->n_stems);
    for (uint32_t i = 0; i < a->n_stems; i++)
        ck_assert_msg(same_bytes(a->stems[i].audio, b->stems[i].audio), "stem %s differs",
                      a->stems[i].name);
    /* the noise is seeded from the job seed: another seed, other hats */
    const cz_audio *c = render(h2, small_song(), 43);
    ck_assert(!same_bytes(stem(a, "drums"), stem(c, "drums")));
    czh_free(h1);
    czh_free(h2);
}
END_TEST

START_TEST(genre_picks_the_kit)
{
    czh *h = load(NULL);
    cz_score *sc = score_new(1);
    note(cz_score_add_track(sc, "drums", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL), 0, 1, 36, 110);
    json_t *spec = json_pack("{s:s, s:[s]}", "genre", "rock", "mood", "dark");
    ck_assert_int_eq(cz_bus_put_json(czh_bus(h), "ideation.spec", spec), 0);
    cz_audio *rock = cz_audio_clone(stem(render(h, cz_score_clone(sc), 1), "drums"));
    spec = json_pack("{s:s}", "genre", "trap");
    ck_assert_int_eq(cz_bus_put_json(czh_bus(h), "ideation.spec", spec), 0);
    const cz_audio *trap = stem(render(h, sc, 1), "drums");
    /* an 808 kick rings far longer than an acoustic one */
    ck_assert_msg(rms_of(trap, 0.6, 0.9) > 4 * rms_of(rock, 0.6, 0.9),
                  "trap kick tail %.1f dBFS vs rock %.1f dBFS", db(rms_of(trap, 0.6, 0.9)),
                  db(rms_of(rock, 0.6, 0.9)));
    cz_audio_unref(rock);
    czh_free(h);
}
END_TEST

/* ---- builds and rates (white box) -------------------------------------------- */

/* Render `sc` with the module's code compiled into this test. */
static cz_audio *render_direct_as(const cz_score *sc, uint32_t rate, int isa, int no_half,
                                  int voice_major, uint32_t *half_tracks)
{
    static sy_shared sh;
    static int ready;
    if (!ready) {
        ck_assert_int_eq(sy_shared_init(&sh), 0);
        ready = 1;
    }
    sy_style st;
    sy_style_init(&st, "", NULL);
    char (*names)[32] = calloc(sc->n_tracks, sizeof *names);
    for (uint32_t i = 0; i < sc->n_tracks; i++)
        snprintf(names[i], 32, "t%u", i);
    sy_render_args a = {.score = sc, .sh = &sh, .style = &st, .rate = rate, .polyphony = 32,
                        .tail_s = 1.0, .seed = 11, .isa = isa, .no_half_rate = no_half,
                        .voice_major = voice_major};
    sy_render_stats stats;
    cz_audio *out = NULL;
    cz_error err = {0};
    int rc = sy_render(&a, names, &out, &stats, &err);
    ck_assert_msg(rc == 0, "render: %s", err.msg);
    free(names);
    if (half_tracks)
        *half_tracks = stats.half_rate_tracks;
    return out;
}

static cz_audio *render_direct(const cz_score *sc, uint32_t rate, int isa, int no_half,
                               uint32_t *half_tracks)
{
    return render_direct_as(sc, rate, isa, no_half, 0, half_tracks);
}

/* Every engine and path: unison stereo pads, pulse, band and high pass,
 * noise, FM with and without the shared sine, plucked strings with and
 * without drive, a pitch envelope, a half-rate pad, drums with a choke,
 * voice stealing; at 117 bpm, so notes start on odd frames too. */
static cz_score *isa_song(void)
{
    cz_score *sc = score_new(2);
    sc->bpm = 117;
    static const int progs[] = {89, 90, 54, 95, 119, 121, 4, 0, 25, 30, 81, 7, 21, 22, 38, 47};
    for (size_t i = 0; i < sizeof progs / sizeof *progs; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", progs[i]);
        cz_track *t = cz_score_add_track(sc, name, CZ_ROLE_CHORDS, (uint8_t)progs[i], 0);
        for (int k = 0; k < 11; k++) /* up to ten at once: two packs */
            ck_assert_int_eq(cz_track_add_note(t, (uint32_t)(k * 97 + 3), 700 + 31 * (uint32_t)k,
                                               (uint8_t)(40 + 3 * k), (uint8_t)(60 + 6 * k), 0), 0);
    }
    cz_track *t = cz_score_add_track(sc, "oohs", CZ_ROLE_PAD, 53, 0); /* half rate */
    for (int k = 0; k < 5; k++)
        ck_assert_int_eq(cz_track_add_note(t, (uint32_t)(k * 211 + 1), 1500, (uint8_t)(48 + 3 * k), 100, 0), 0);
    t = cz_score_add_track(sc, "steal", CZ_ROLE_CHORDS, 80, 0); /* 40 notes, 32 voices */
    for (int k = 0; k < 40; k++)
        ck_assert_int_eq(cz_track_add_note(t, (uint32_t)(k * 5), 900, (uint8_t)(36 + k), 90, 0), 0);
    cz_track *d = cz_score_add_track(sc, "drums", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL);
    static const int kit[] = {36, 46, 38, 42, 42, 49, 44, 51};
    for (int k = 0; k < 16; k++)
        note(d, 0.25 * k + 0.001 * k, 0.2, kit[k % 8], 100);
    return sc;
}

START_TEST(baseline_and_vector_paths_give_identical_bytes)
{
    int best = sy_isa_detect();
    cz_score *sc = isa_song();
    for (uint32_t i = 0; i < sc->n_tracks; i++)
        cz_track_sort(&sc->tracks[i]);
    static const uint32_t rates[] = {48000, 96000};
    for (int r = 0; r < 2; r++) {
        uint32_t halves = 0;
        cz_audio *base = render_direct(sc, rates[r], SY_ISA_BASE, 0, &halves);
        ck_assert_msg(halves >= 1, "no track ran at half rate");
        for (int isa = SY_ISA_BASE + 1; isa <= best; isa++) {
            cz_audio *v = render_direct(sc, rates[r], isa, 0, NULL);
            ck_assert(same_bytes(base, v));
            ck_assert_uint_eq(base->n_stems, v->n_stems);
            for (uint32_t s = 0; s < base->n_stems; s++)
                ck_assert_msg(same_bytes(base->stems[s].audio, v->stems[s].audio),
                              "%u Hz: stem %s differs between the baseline and ISA %d",
                              rates[r], base->stems[s].name, isa);
            cz_audio_unref(v);
        }
        cz_audio_unref(base);
    }
    if (best == SY_ISA_BASE)
        fprintf(stderr, "test_synth: this CPU has no AVX2: only the baseline was run\n");
    cz_score_unref(sc);
}
END_TEST

/* Packs with few voices run their oscillators time-major (engine_sub.c):
 * the same bytes as voice-major, in every build. The song has one to ten
 * voices per track, noise, pulse, sine and stereo unison. */
START_TEST(time_major_oscillators_give_identical_bytes)
{
    cz_score *sc = isa_song();
    for (uint32_t i = 0; i < sc->n_tracks; i++)
        cz_track_sort(&sc->tracks[i]);
    for (int isa = SY_ISA_BASE; isa <= sy_isa_detect(); isa++) {
        cz_audio *tm = render_direct_as(sc, 48000, isa, 0, 0, NULL);
        cz_audio *vm = render_direct_as(sc, 48000, isa, 0, 1, NULL);
        ck_assert(same_bytes(tm, vm));
        ck_assert_uint_eq(tm->n_stems, vm->n_stems);
        for (uint32_t s = 0; s < tm->n_stems; s++)
            ck_assert_msg(same_bytes(tm->stems[s].audio, vm->stems[s].audio),
                          "stem %s differs between time- and voice-major oscillators (ISA %d)",
                          tm->stems[s].name, isa);
        cz_audio_unref(tm);
        cz_audio_unref(vm);
    }
    cz_score_unref(sc);
}
END_TEST

/* Energy of the left channel's spectrum from lo to hi Hz. */
static double spectrum_band(const cz_audio *a, double from_s, int n, double lo, double hi)
{
    double *pw = spectrum(a, from_s, n);
    double e = band(pw, n, a->rate, lo, hi);
    free(pw);
    return e;
}

START_TEST(half_rate_pad_has_no_images_and_matches_full_rate)
{
    /* voice oohs, a dark choir pad, in the middle register: its voices run
     * at 24 kHz and are upsampled */
    cz_score *sc = score_new(2);
    cz_track *t = cz_score_add_track(sc, "oohs", CZ_ROLE_PAD, 53, 0);
    static const int chord[] = {48, 52, 55, 60, 64};
    for (int k = 0; k < 5; k++)
        note(t, 0.0, 3.0, chord[k], 100);
    cz_track_sort(t);
    uint32_t halves = 0, fulls = 0;
    cz_audio *half = render_direct(sc, 48000, sy_isa_detect(), 0, &halves);
    cz_audio *full = render_direct(sc, 48000, sy_isa_detect(), 1, &fulls);
    ck_assert_uint_eq(halves, 1);
    ck_assert_uint_eq(fulls, 0);

    /* no images: everything above 12 kHz is 60 dB below the pad */
    const int n = 32768;
    double in_band = spectrum_band(half, 1.0, n, 0, 10000);
    double above = spectrum_band(half, 1.0, n, 12000, 24000);
    ck_assert_msg(10 * log10(above / in_band) < -60, "half-rate pad: %.1f dB above 12 kHz",
                  10 * log10(above / in_band));

    /* the same sound: magnitude spectra within -55 dB of each other (the
     * criterion asks -60 dB of the model; the phase of the filter differs
     * a little between the two rates, so the waveforms are compared by
     * their spectra) */
    double *ph = spectrum(half, 1.0, n), *pf = spectrum(full, 1.0, n);
    double diff = 0, total = 0;
    for (int k = 0; k <= n / 2; k++) {
        double d = sqrt(ph[k]) - sqrt(pf[k]);
        diff += d * d;
        total += pf[k];
    }
    ck_assert_msg(10 * log10(diff / total) < -55, "half-rate pad differs by %.1f dB",
                  10 * log10(diff / total));
    free(ph);
    free(pf);

    /* onsets stay in place: silence before the note, then the same rise */
    const cz_audio *hs = half->stems[0].audio, *fs = full->stems[0].audio;
    double rise_h = rms_of(hs, 0.0, 0.05), rise_f = rms_of(fs, 0.0, 0.05);
    ck_assert_msg(fabs(db(rise_h / rise_f)) < 0.1, "attack %.2f dB apart", db(rise_h / rise_f));
    cz_audio_unref(half);
    cz_audio_unref(full);
    cz_score_unref(sc);

    /* a bright preset (saw lead) never runs at half rate, a 48 kHz warm pad
     * in the middle register neither (its top octave is not negligible) */
    sy_style st;
    sy_style_init(&st, "", NULL);
    static const int bright[] = {81, 89};
    for (int i = 0; i < 2; i++) {
        sy_preset p;
        sy_preset_styled(&p, sy_preset_for_program(bright[i]), &st);
        cz_score *s2 = score_new(1);
        cz_track *t2 = cz_score_add_track(s2, "x", CZ_ROLE_LEAD, (uint8_t)bright[i], 0);
        note(t2, 0, 1, 64, 100);
        ck_assert_msg(!sy_halfrate_ok(&p, t2, 48000), "program %d runs at half rate", bright[i]);
        cz_score_unref(s2);
    }
}
END_TEST

START_TEST(upsampler_rejects_images)
{
    sy_shared sh;
    sy_upsampler_init(&sh);
    /* a 9.5 kHz sine at 24 kHz, upsampled to 48 kHz: its image at
     * 14.5 kHz must be 85 dB down, and the tone itself unchanged */
    enum { H = 4096 };
    float *x = calloc(2 * SY_UPK + H + SY_LANES, sizeof(float));
    float *y = calloc(2 * H + 2 * SY_LANES, sizeof(float));
    for (int i = 0; i < H; i++)
        x[2 * SY_UPK + i] = (float)sin(2 * M_PI * 9500.0 * i / 24000.0);
    sy_upsample(sy_isa_detect(), sh.up_c, x, H, y);
    cz_audio *a = cz_audio_new(48000, 1, 2 * H);
    memcpy(a->samples, y, sizeof(float) * 2 * H);
    const int n = 4096;
    double *pw = spectrum(a, 0.05, n);
    double tone = band(pw, n, 48000, 9400, 9600), image = band(pw, n, 48000, 14400, 14600);
    ck_assert_msg(10 * log10(image / tone) < -85, "image at %.1f dB", 10 * log10(image / tone));
    free(pw);
    /* even output samples are the input samples */
    for (int m = 0; m < H; m++)
        ck_assert(y[2 * m] == x[SY_UPK + m]);
    cz_audio_unref(a);
    free(x);
    free(y);
}
END_TEST

/* ---- errors ---------------------------------------------------------------- */

START_TEST(bad_rate_is_refused_naming_the_option)
{
    static const char *bad[] = {"{\"rate\": 22050}", "{\"rate\": 50000}", "{\"rate\": 0}",
                                "{\"rate\": -48000}"};
    for (int i = 0; i < 4; i++) {
        cz_error err = {0};
        czh *h = czh_new(czh_module_path("production.synth"), bad[i], &err);
        ck_assert_msg(h == NULL, "%s was accepted", bad[i]);
        ck_assert_msg(strstr(err.msg, "rate") != NULL, "%s: message does not name the option: %s",
                      bad[i], err.msg);
    }
}
END_TEST

START_TEST(missing_or_bad_score_is_a_clear_error)
{
    czh *h = load(NULL);
    cz_error err = {0};
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "arrangement.score") != NULL, "%s", err.msg);
    ck_assert_int_eq(cz_bus_put_int(czh_bus(h), "arrangement.score", 3), 0);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_ETYPE);
    ck_assert_msg(strstr(err.msg, "arrangement.score") != NULL, "%s", err.msg);
    ck_assert_int_eq(cz_bus_put_score(czh_bus(h), "arrangement.score", score_new(2)), 0);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_EINVAL);
    ck_assert_msg(strstr(err.msg, "no tracks") != NULL, "%s", err.msg);
    ck_assert_int_eq(cz_bus_type(czh_bus(h), "production.stems"), CZ_TYPE_NONE);
    czh_free(h);
}
END_TEST

START_TEST(score_key_option_reads_another_key)
{
    czh *h = load("{\"score_key\": \"composition.score\"}");
    cz_score *sc = score_new(1);
    note(cz_score_add_track(sc, "lead", CZ_ROLE_LEAD, 0, 0), 0, 1, 60, 100);
    ck_assert_int_eq(cz_bus_put_score(czh_bus(h), "composition.score", sc), 0);
    cz_error err = {0};
    ck_assert_int_eq(czh_run(h, 1, &err), 0);
    const cz_audio *a = NULL;
    ck_assert_int_eq(cz_bus_get_audio(czh_bus(h), "production.stems", &a), 0);
    stem(a, "lead");
    czh_free(h);
}
END_TEST

/* One case per test, so CK_RUN_CASE=<name> runs one. */
#define CASE(fn)                                 \
    do {                                         \
        TCase *c_ = tcase_create(#fn);           \
        tcase_set_timeout(c_, 60);               \
        tcase_add_test(c_, fn);                  \
        suite_add_tcase(s, c_);                  \
    } while (0)

static Suite *synth_suite(void)
{
    Suite *s = suite_create("production.synth");
    TCase *tc = tcase_create("stems_named_stereo_rate_and_length");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, stems_named_stereo_rate_and_length, 0, 3);
    suite_add_tcase(s, tc);
    CASE(tail_option_sets_the_length);
    CASE(duplicate_track_names_get_unique_stems);
    CASE(every_program_finite_and_below_full_scale);
    CASE(silence_before_first_note_and_energy_at_notes);
    CASE(saw_does_not_alias);
    CASE(square_does_not_alias);
    CASE(polyphony_limit_steals_without_clicks);
    CASE(kick_is_low_and_hat_is_high);
    CASE(closed_hat_chokes_open_hat);
    CASE(velocity_makes_notes_louder_and_brighter);
    CASE(pan_and_volume_apply_to_the_stem);
    CASE(identical_input_gives_identical_bytes);
    CASE(stems_are_spooled_unless_asked_and_sound_the_same);
    CASE(baseline_and_vector_paths_give_identical_bytes);
    CASE(time_major_oscillators_give_identical_bytes);
    CASE(half_rate_pad_has_no_images_and_matches_full_rate);
    CASE(upsampler_rejects_images);
    CASE(genre_picks_the_kit);
    CASE(bad_rate_is_refused_naming_the_option);
    CASE(missing_or_bad_score_is_a_clear_error);
    CASE(score_key_option_reads_another_key);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(synth_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
