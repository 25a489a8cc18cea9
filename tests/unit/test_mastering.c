/*
 * test_mastering.c - mastering.streaming, run as a black box.
 *
 * Each test synthesises a mix (chords of sines with envelopes, a sine
 * bass, a kick, noise hats and snares: a signal with a music-like crest
 * factor and spectrum), puts it on the bus as mix.audio, runs the real
 * module through tests/harness.h and measures what came out with
 * libebur128 (integrated loudness, 4x oversampled true peak), independently
 * of the module's own meter.
 */

#include <check.h>
#include <ebur128.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define RATE 48000u

/* ---- test signals -------------------------------------------------------- */

/* A bar-based groove: one chord per beat pair, kick on beats, snare on 2
 * and 4, hats on off-beats. `gain_db` scales the whole mix. */
static cz_audio *music_at(uint32_t rate, double seconds, uint32_t ch, double gain_db,
                          uint64_t seed)
{
    uint64_t frames = (uint64_t)(seconds * rate);
    cz_audio *a = cz_audio_new(rate, ch, frames);
    ck_assert_ptr_nonnull(a);
    cz_rng r;
    cz_rng_init(&r, seed, "test-music");
    const double chords[4][3] = {{220.0, 261.63, 329.63}, {174.61, 220.0, 261.63},
                                 {196.0, 246.94, 293.66}, {164.81, 207.65, 246.94}};
    const double beat = 0.5; /* 120 bpm */
    double g = pow(10.0, gain_db / 20.0);
    for (uint64_t i = 0; i < frames; i++) {
        double t = (double)i / rate;
        int b = (int)(t / beat);
        double tb = t - b * beat;          /* time since the beat */
        int chord = (b / 2) % 4;
        double tc = t - (b / 2) * 2 * beat; /* time since the chord */
        double env = (1.0 - exp(-tc / 0.01)) * exp(-tc / 0.6);
        double pad = 0;
        for (int k = 0; k < 3; k++)
            pad += sin(2 * M_PI * chords[chord][k] * t) * 0.12;
        pad *= env;
        double bass = 0.25 * sin(2 * M_PI * chords[chord][0] / 4 * t) * exp(-tc / 0.8);
        double kick = 0.6 * sin(2 * M_PI * (50 + 60 * exp(-tb / 0.03)) * tb) * exp(-tb / 0.12);
        double noise = cz_rng_range(&r, -1.0, 1.0);
        double hat = 0, snare = 0;
        if (tb >= beat / 2)
            hat = 0.15 * noise * exp(-(tb - beat / 2) / 0.03);
        if (b % 2 == 1)
            snare = (0.35 * noise + 0.2 * sin(2 * M_PI * 190 * tb)) * exp(-tb / 0.09);
        double l = pad * 1.1 + bass + kick + hat * 1.2 + snare;
        double rr = pad * 0.9 + bass + kick + hat * 0.8 + snare;
        if (ch == 1) {
            a->samples[i] = (float)(g * 0.5 * (l + rr));
        } else {
            a->samples[i * ch] = (float)(g * l);
            a->samples[i * ch + 1] = (float)(g * rr);
            for (uint32_t c = 2; c < ch; c++) /* a centre channel, quieter */
                a->samples[i * ch + c] = (float)(g * 0.3 * (pad + bass));
        }
    }
    return a;
}

static cz_audio *music(double seconds, uint32_t ch, double gain_db, uint64_t seed)
{
    return music_at(RATE, seconds, ch, gain_db, seed);
}

/* ---- independent measurement with libebur128 ----------------------------- */

typedef struct meas {
    double lufs, tp_db, sp_db;
    size_t clipped, nonfinite;
} meas;

static meas measure(const cz_audio *a)
{
    meas m = {0};
    ebur128_state *st = ebur128_init(a->channels, a->rate,
                                     EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK |
                                         EBUR128_MODE_SAMPLE_PEAK);
    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(ebur128_add_frames_float(st, a->samples, a->frames), EBUR128_SUCCESS);
    ebur128_loudness_global(st, &m.lufs);
    double tp = 0, sp = 0, v;
    for (uint32_t c = 0; c < a->channels; c++) {
        ebur128_true_peak(st, c, &v);
        tp = v > tp ? v : tp;
        ebur128_sample_peak(st, c, &v);
        sp = v > sp ? v : sp;
    }
    ebur128_destroy(&st);
    m.tp_db = 20 * log10(tp);
    m.sp_db = 20 * log10(sp);
    for (size_t i = 0; i < (size_t)a->frames * a->channels; i++) {
        if (!isfinite(a->samples[i]))
            m.nonfinite++;
        else if (fabsf(a->samples[i]) >= 1.0f)
            m.clipped++;
    }
    return m;
}

/* ---- running the module --------------------------------------------------- */

static czh *load(const char *opts)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("mastering.streaming"), opts, &err);
    ck_assert_msg(h != NULL, "load failed: %s", err.msg);
    return h;
}

/* Run with the mix; returns the master (a new reference) and the report. */
static cz_audio *master(czh *h, cz_audio *mix, const json_t **report)
{
    cz_error err = {0};
    ck_assert_int_eq(cz_bus_put_audio(czh_bus(h), "mix.audio", mix), 0);
    int rc = czh_run(h, 1, &err);
    ck_assert_msg(rc == 0, "run failed: %s", err.msg);
    const cz_audio *out = NULL;
    ck_assert_int_eq(cz_bus_get_audio(czh_bus(h), "master.audio", &out), 0);
    ck_assert_int_eq(cz_bus_get_json(czh_bus(h), "master.report", report), 0);
    cz_audio_ref(out);
    return (cz_audio *)out;
}

static double rep_num(const json_t *rep, const char *k)
{
    const json_t *v = json_object_get(rep, k);
    ck_assert_msg(json_is_number(v), "report field %s missing or not a number", k);
    return json_number_value(v);
}

/* Master `mix` to target/ceiling and check what a listener and a
 * streaming service would check. */
static void check_master(const char *opts, double target, double ceiling,
                         cz_audio *mix)
{
    czh *h = load(opts);
    uint64_t frames = mix->frames;
    uint32_t ch = mix->channels, rate = mix->rate;
    const json_t *rep = NULL;
    cz_audio *out = master(h, mix, &rep);
    ck_assert_uint_eq(out->frames, frames);
    ck_assert_uint_eq(out->channels, ch);
    ck_assert_uint_eq(out->rate, rate);
    meas m = measure(out);
    ck_assert_uint_eq(m.nonfinite, 0);
    ck_assert_uint_eq(m.clipped, 0);
    ck_assert_msg(fabs(m.lufs - target) <= 0.5, "integrated %.2f LUFS, target %.1f", m.lufs, target);
    ck_assert_msg(m.tp_db <= ceiling, "true peak %.3f dBTP above %.1f", m.tp_db, ceiling);
    ck_assert(json_is_true(json_object_get(rep, "reached")));
    ck_assert_uint_eq(json_array_size(json_object_get(rep, "warnings")), 0);
    /* The report tells the truth about the file. */
    ck_assert_msg(fabs(rep_num(rep, "integrated_lufs") - m.lufs) <= 0.1,
                  "report says %.2f LUFS, libebur128 %.2f", rep_num(rep, "integrated_lufs"), m.lufs);
    ck_assert_msg(fabs(rep_num(rep, "true_peak_db") - m.tp_db) <= 0.3,
                  "report says %.2f dBTP, libebur128 %.2f", rep_num(rep, "true_peak_db"), m.tp_db);
    ck_assert(fabs(rep_num(rep, "sample_peak_db") - m.sp_db) <= 0.02);
    ck_assert(rep_num(rep, "target_lufs") == target);
    ck_assert(rep_num(rep, "target_true_peak_db") == ceiling);
    rep_num(rep, "loudness_range_lu");
    rep_num(rep, "gain_db");
    ck_assert(rep_num(rep, "limiter_gain_reduction_max_db") >= 0);
    cz_audio_unref(out);
    czh_free(h);
}

START_TEST(test_default_target_minus14)
{
    check_master(NULL, -14.0, -1.0, music(12, 2, -12, 1));
}
END_TEST

START_TEST(test_targets_16_and_23)
{
    check_master("{\"target_lufs\": -16}", -16.0, -1.0, music(12, 2, -6, 2));
    check_master("{\"target_lufs\": -23, \"true_peak_db\": -2}", -23.0, -2.0, music(12, 2, -3, 3));
}
END_TEST

/* A quiet mix and a hot one both land on the target. */
START_TEST(test_input_level_does_not_matter)
{
    check_master(NULL, -14.0, -1.0, music(10, 2, -30, 4));
    check_master(NULL, -14.0, -1.0, music(10, 2, 0, 5));
}
END_TEST

START_TEST(test_mono)
{
    check_master("{\"target_lufs\": -16}", -16.0, -1.0, music(8, 1, -10, 6));
}
END_TEST

/* 44.1 kHz (100 ms is not a whole number of limiter steps), three
 * channels (the per-channel paths rather than the stereo vectors), and
 * 96 kHz with brightened noise up to 48 kHz (the ultrasonic low-pass keeps
 * the 4x true-peak reading honest: libebur128 reads 96 kHz with 2x). */
START_TEST(test_other_rates_and_channels)
{
    check_master(NULL, -14.0, -1.0, music_at(44100, 10, 2, -10, 11));
    check_master("{\"target_lufs\": -18}", -18.0, -1.0, music_at(44100, 8, 3, -6, 12));
    check_master("{\"tilt_db\": 2}", -14.0, -1.0, music_at(96000, 6, 2, -10, 13));
}
END_TEST

START_TEST(test_libebur128_meter_option)
{
    czh *h = load("{\"meter\": \"ebur128\", \"target_lufs\": -15}");
    const json_t *rep = NULL;
    cz_audio *out = master(h, music(8, 2, -8, 7), &rep);
    meas m = measure(out);
    ck_assert_str_eq(json_string_value(json_object_get(rep, "meter")), "libebur128");
    ck_assert(fabs(rep_num(rep, "integrated_lufs") - m.lufs) <= 0.01);
    ck_assert(fabs(rep_num(rep, "true_peak_db") - m.tp_db) <= 0.01);
    ck_assert(fabs(m.lufs + 15) <= 0.3);
    ck_assert(m.tp_db <= -1.0);
    cz_audio_unref(out);
    czh_free(h);
}
END_TEST

/* Sparse full-scale clicks over a quiet tone: reaching -5 LUFS would need
 * far more limiting than allowed. The master stops at the safest level,
 * says so, and still respects the true-peak ceiling. */
START_TEST(test_unreachable_target_reported)
{
    uint64_t frames = 10 * RATE;
    cz_audio *mix = cz_audio_new(RATE, 2, frames);
    for (uint64_t i = 0; i < frames; i++) {
        float v = (float)(0.03 * sin(2 * M_PI * 440.0 * (double)i / RATE));
        if (i % (RATE / 2) == 100)
            v = 0.9f;
        mix->samples[2 * i] = mix->samples[2 * i + 1] = v;
    }
    czh *h = load("{\"target_lufs\": -5, \"max_limiting_db\": 6}");
    const json_t *rep = NULL;
    cz_audio *out = master(h, mix, &rep);
    meas m = measure(out);
    ck_assert(json_is_false(json_object_get(rep, "reached")));
    const json_t *w = json_object_get(rep, "warnings");
    ck_assert_uint_ge(json_array_size(w), 1);
    ck_assert_msg(strstr(json_string_value(json_array_get(w, 0)), "max_limiting_db") != NULL,
                  "warning: %s", json_string_value(json_array_get(w, 0)));
    ck_assert(m.lufs < -6.0);
    ck_assert(m.tp_db <= -1.0);
    ck_assert(rep_num(rep, "limiter_gain_reduction_max_db") <= 6.3);
    ck_assert_uint_eq(m.clipped + m.nonfinite, 0);
    cz_audio_unref(out);
    czh_free(h);
}
END_TEST

static void refused(const char *opts, const char *name)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("mastering.streaming"), opts, &err);
    ck_assert_msg(h == NULL, "options %s were accepted", opts);
    ck_assert_msg(strstr(err.msg, name) != NULL, "error does not name %s: %s", name, err.msg);
}

START_TEST(test_bad_options_refused)
{
    refused("{\"target_lufs\": 3}", "target_lufs");
    refused("{\"target_lufs\": -4}", "target_lufs");
    refused("{\"target_lufs\": -60}", "target_lufs");
    refused("{\"true_peak_db\": 0.5}", "true_peak_db");
    refused("{\"meter\": \"vu\"}", "meter");
    refused("{\"target_lfus\": -14}", "target_lfus");
}
END_TEST

START_TEST(test_bad_input_is_an_error)
{
    czh *h = load(NULL);
    cz_error err = {0};
    ck_assert_int_ne(czh_run(h, 1, &err), 0); /* empty bus */
    ck_assert(strstr(err.msg, "mix.audio") != NULL);

    ck_assert_int_eq(cz_bus_put_string(czh_bus(h), "mix.audio", "not audio"), 0);
    err = (cz_error){0};
    ck_assert_int_ne(czh_run(h, 1, &err), 0);
    ck_assert(strstr(err.msg, "mix.audio") != NULL);

    cz_audio *nan = music(2, 2, -10, 8);
    nan->samples[1000] = NAN;
    ck_assert_int_eq(cz_bus_put_audio(czh_bus(h), "mix.audio", nan), 0);
    err = (cz_error){0};
    ck_assert_int_ne(czh_run(h, 1, &err), 0);
    ck_assert(strstr(err.msg, "NaN") != NULL);

    ck_assert_int_eq(cz_bus_put_audio(czh_bus(h), "mix.audio", cz_audio_new(RATE, 2, 0)), 0);
    err = (cz_error){0};
    ck_assert_int_ne(czh_run(h, 1, &err), 0);
    ck_assert(strstr(err.msg, "empty") != NULL);
    ck_assert_int_eq(cz_bus_type(czh_bus(h), "master.audio"), CZ_TYPE_NONE);
    czh_free(h);
}
END_TEST

START_TEST(test_silence_and_short_input)
{
    czh *h = load(NULL);
    const json_t *rep = NULL;
    cz_audio *out = master(h, cz_audio_new(RATE, 2, RATE), &rep);
    meas m = measure(out);
    ck_assert_uint_eq(m.nonfinite, 0);
    for (size_t i = 0; i < (size_t)out->frames * 2; i++)
        ck_assert(out->samples[i] == 0.0f);
    ck_assert(json_is_false(json_object_get(rep, "reached")));
    ck_assert(json_is_null(json_object_get(rep, "integrated_lufs")));
    ck_assert_uint_ge(json_array_size(json_object_get(rep, "warnings")), 1);
    cz_audio_unref(out);

    /* 0.2 s: too short to gate, but peaks are still limited. */
    cz_audio *shortmix = music(0.2, 2, 6, 9);
    out = master(h, shortmix, &rep);
    m = measure(out);
    ck_assert(m.tp_db <= -1.0);
    ck_assert_uint_eq(m.clipped + m.nonfinite, 0);
    cz_audio_unref(out);
    czh_free(h);
}
END_TEST

START_TEST(test_deterministic)
{
    czh *h = load(NULL);
    const json_t *rep = NULL;
    cz_audio *a = master(h, music(6, 2, -10, 10), &rep);
    char *r1 = json_dumps(rep, JSON_SORT_KEYS);
    cz_audio *b = master(h, music(6, 2, -10, 10), &rep);
    char *r2 = json_dumps(rep, JSON_SORT_KEYS);
    ck_assert_uint_eq(a->frames, b->frames);
    ck_assert(memcmp(a->samples, b->samples, (size_t)a->frames * 2 * sizeof(float)) == 0);
    ck_assert_str_eq(r1, r2);
    free(r1);
    free(r2);
    cz_audio_unref(a);
    cz_audio_unref(b);
    czh_free(h);
}
END_TEST

/* Energy of x at frequency f (Goertzel), channel 0. */
static double tone_level(const cz_audio *a, double f, uint64_t from)
{
    double w = 2 * M_PI * f / a->rate, c = 2 * cos(w), s1 = 0, s2 = 0;
    for (uint64_t i = from; i < a->frames; i++) {
        double s = a->samples[i * a->channels] + c * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    return sqrt(s1 * s1 + s2 * s2 - c * s1 * s2);
}

/* The low cut takes rumble out and leaves the music alone. */
START_TEST(test_low_cut)
{
    uint64_t frames = 6 * RATE;
    cz_audio *mix = cz_audio_new(RATE, 2, frames);
    for (uint64_t i = 0; i < frames; i++) {
        double t = (double)i / RATE;
        float v = (float)(0.2 * sin(2 * M_PI * 12.0 * t) + 0.2 * sin(2 * M_PI * 1000.0 * t));
        mix->samples[2 * i] = mix->samples[2 * i + 1] = v;
    }
    double in_ratio = tone_level(mix, 12.0, RATE) / tone_level(mix, 1000.0, RATE);
    czh *h = load("{\"glue_ratio\": 1, \"target_lufs\": -20}");
    const json_t *rep = NULL;
    cz_audio *out = master(h, mix, &rep);
    double out_ratio = tone_level(out, 12.0, RATE) / tone_level(out, 1000.0, RATE);
    ck_assert_msg(20 * log10(out_ratio / in_ratio) < -12.0, "12 Hz only %.1f dB down",
                  20 * log10(out_ratio / in_ratio));
    cz_audio_unref(out);
    czh_free(h);
}
END_TEST

/* A sudden loud burst: the limiter's gain moves smoothly (no click): the
 * largest step between consecutive output samples stays within what the
 * unlimited burst itself would have. */
START_TEST(test_limiter_no_clicks)
{
    uint64_t frames = 4 * RATE;
    cz_audio *mix = cz_audio_new(RATE, 2, frames);
    for (uint64_t i = 0; i < frames; i++) {
        double t = (double)i / RATE;
        double amp = (t > 2.0 && t < 2.05) ? 0.9 : 0.3;
        float v = (float)(amp * sin(2 * M_PI * 100.0 * t));
        mix->samples[2 * i] = mix->samples[2 * i + 1] = v;
    }
    czh *h = load("{\"glue_ratio\": 1, \"target_lufs\": -8, \"max_limiting_db\": 20}");
    const json_t *rep = NULL;
    cz_audio *out = master(h, mix, &rep);
    meas m = measure(out);
    ck_assert(m.tp_db <= -1.0);
    ck_assert(rep_num(rep, "limiter_gain_reduction_max_db") > 3.0);
    /* A full-scale 100 Hz sine moves at most 2*pi*100/48000 ~ 0.013 per
     * sample; allow twice that for the gain ramps. */
    double maxstep = 0;
    for (uint64_t i = 1; i < frames; i++) {
        double d = fabs(out->samples[2 * i] - out->samples[2 * i - 2]);
        maxstep = d > maxstep ? d : maxstep;
    }
    ck_assert_msg(maxstep < 0.026, "largest sample step %.4f", maxstep);
    cz_audio_unref(out);
    czh_free(h);
}
END_TEST

static Suite *mastering_suite(void)
{
    Suite *s = suite_create("mastering.streaming");
    TCase *tc = tcase_create("master");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_default_target_minus14);
    tcase_add_test(tc, test_targets_16_and_23);
    tcase_add_test(tc, test_input_level_does_not_matter);
    tcase_add_test(tc, test_mono);
    tcase_add_test(tc, test_other_rates_and_channels);
    tcase_add_test(tc, test_libebur128_meter_option);
    tcase_add_test(tc, test_unreachable_target_reported);
    tcase_add_test(tc, test_bad_options_refused);
    tcase_add_test(tc, test_bad_input_is_an_error);
    tcase_add_test(tc, test_silence_and_short_input);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_low_cut);
    tcase_add_test(tc, test_limiter_no_clicks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return czh_run_suite(mastering_suite());
}
