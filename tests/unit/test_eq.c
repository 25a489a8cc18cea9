/*
 * dsp.eq_biquad and dsp.eq_fft: the two EQs behind mixing.console's `eq`
 * option, opened by name through the build's registry exactly as the
 * console opens them (cz_dsp_open).
 *
 * What a user relies on: the EQ does what its bands say (magnitude equal to
 * the RBJ cookbook response, checked against an independent complex-valued
 * implementation here), the two EQs are interchangeable (same magnitude
 * within 0.1 dB from 40 Hz to 16 kHz), block boundaries are inaudible
 * (one call == any split: identical bytes for biquads, 1e-5 for the FFT EQ,
 * whose FFT rounding depends on the chunking), extreme settings stay
 * finite, and a wrong band is reported by index and field.
 *
 * The biquad EQ's stereo kernel is compiled in here (as test_synth does
 * with the synth) so that each of its ISA builds runs, whatever the CPU
 * picks: they must give identical bytes.
 */
#include <check.h>
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/kernel.h"
#include "harness.h"

#include "../../modules/dsp/dsp.eq_biquad/bands.c"
#include "../../modules/dsp/dsp.eq_biquad/stereo.c"

static const char *const EQS[] = {"dsp.eq_biquad", "dsp.eq_fft"};

typedef struct env_pair {
    cz_registry *reg;
    cz_env *env;
    cz_dsp *keep[2]; /* keeps both modules loaded between opens */
} env_pair;

static env_pair env_open(void)
{
    env_pair e = {0};
    const char *b = getenv("BUILD");
    char def[600];
    snprintf(def, sizeof def, "%s/registry/index.json", b && *b ? b : "build");
    const char *path = getenv("CADENZA_REGISTRY");
    if (!path || !*path)
        path = b && *b && strcmp(b, "build") ? def : "registry/index.json";
    cz_error err = {0};
    ck_assert_msg(cz_registry_open(path, &e.reg, &err) == 0, "registry: %s", err.msg);
    e.env = cz_env_new(e.reg);
    for (int i = 0; i < 2; i++)
        ck_assert_msg(cz_dsp_open(e.env, EQS[i], NULL, &e.keep[i], &err) == 0, "%s: %s",
                      EQS[i], err.msg);
    return e;
}

static void env_close(env_pair *e)
{
    for (int i = 0; i < 2; i++)
        cz_dsp_close(e->keep[i]);
    cz_env_free(e->env);
    cz_registry_free(e->reg);
}

static cz_dsp *open_eq(env_pair *e, const char *name, const char *bands)
{
    char opts[2048];
    snprintf(opts, sizeof opts, "{\"bands\": %s}", bands);
    json_error_t je;
    json_t *o = json_loads(opts, 0, &je);
    ck_assert_msg(o != NULL, "bad test JSON: %s", je.text);
    cz_dsp *d = NULL;
    cz_error err = {0};
    int rc = cz_dsp_open(e->env, name, o, &d, &err);
    json_decref(o);
    ck_assert_msg(rc == 0, "%s: %s", name, err.msg);
    return d;
}

/* ---- an independent RBJ reference (complex arithmetic, not bands.c) ---- */

static double complex rbj_response(const char *type, double f0, double g,
                                   double q, double rate, double f)
{
    if (f0 > 0.49 * rate)
        f0 = 0.49 * rate;
    double A = pow(10, g / 40), w0 = 2 * M_PI * f0 / rate;
    double c = cos(w0), al = sin(w0) / (2 * q), r = 2 * sqrt(A) * al;
    double b[3], a[3];
    if (!strcmp(type, "peak")) {
        b[0] = 1 + al * A; b[1] = -2 * c; b[2] = 1 - al * A;
        a[0] = 1 + al / A; a[1] = -2 * c; a[2] = 1 - al / A;
    } else if (!strcmp(type, "lowpass")) {
        b[0] = (1 - c) / 2; b[1] = 1 - c; b[2] = (1 - c) / 2;
        a[0] = 1 + al; a[1] = -2 * c; a[2] = 1 - al;
    } else if (!strcmp(type, "highpass")) {
        b[0] = (1 + c) / 2; b[1] = -(1 + c); b[2] = (1 + c) / 2;
        a[0] = 1 + al; a[1] = -2 * c; a[2] = 1 - al;
    } else if (!strcmp(type, "lowshelf")) {
        b[0] = A * (A + 1 - (A - 1) * c + r); b[1] = 2 * A * (A - 1 - (A + 1) * c);
        b[2] = A * (A + 1 - (A - 1) * c - r); a[0] = A + 1 + (A - 1) * c + r;
        a[1] = -2 * (A - 1 + (A + 1) * c); a[2] = A + 1 + (A - 1) * c - r;
    } else { /* highshelf */
        b[0] = A * (A + 1 + (A - 1) * c + r); b[1] = -2 * A * (A - 1 + (A + 1) * c);
        b[2] = A * (A + 1 + (A - 1) * c - r); a[0] = A + 1 - (A - 1) * c + r;
        a[1] = 2 * (A - 1 - (A + 1) * c); a[2] = A + 1 - (A - 1) * c - r;
    }
    double complex z1 = cexp(-I * 2 * M_PI * f / rate), z2 = z1 * z1;
    return (b[0] + b[1] * z1 + b[2] * z2) / (a[0] + a[1] * z1 + a[2] * z2);
}

typedef struct band {
    const char *type;
    double f, g, q;
} band;

typedef struct bandset {
    const char *json;
    band b[4];
    int n;
} bandset;

static const bandset SETS[] = {
    {"[{\"type\":\"highpass\",\"freq\":40,\"q\":0.7071},"
     "{\"type\":\"peak\",\"freq\":1000,\"gain_db\":6,\"q\":2}]",
     {{"highpass", 40, 0, 0.7071}, {"peak", 1000, 6, 2}}, 2},
    {"[{\"type\":\"lowshelf\",\"freq\":120,\"gain_db\":-6,\"q\":0.7},"
     "{\"type\":\"highshelf\",\"freq\":8000,\"gain_db\":4},"
     "{\"type\":\"peak\",\"freq\":60,\"gain_db\":9,\"q\":8}]",
     {{"lowshelf", 120, -6, 0.7}, {"highshelf", 8000, 4, 0.7071}, {"peak", 60, 9, 8}}, 3},
    {"[{\"type\":\"lowpass\",\"freq\":5000,\"q\":0.7071},"
     "{\"type\":\"peak\",\"freq\":300,\"gain_db\":-12,\"q\":4},"
     "{\"type\":\"highpass\",\"freq\":25,\"q\":0.5},"
     "{\"type\":\"peak\",\"freq\":12000,\"gain_db\":3,\"q\":0.5}]",
     {{"lowpass", 5000, 0, 0.7071}, {"peak", 300, -12, 4}, {"highpass", 25, 0, 0.5},
      {"peak", 12000, 3, 0.5}}, 4},
};

static double target_db(const bandset *s, double rate, double f)
{
    double complex h = 1;
    for (int i = 0; i < s->n; i++)
        h *= rbj_response(s->b[i].type, s->b[i].f, s->b[i].g, s->b[i].q, rate, f);
    return 20 * log10(cabs(h));
}

#define IR_LEN 65536

/* Impulse response of an EQ (mono), then its magnitude at f by a DTFT. */
static float *impulse_response(cz_dsp *d, uint32_t rate)
{
    float *x = calloc(IR_LEN, sizeof *x);
    x[0] = 1;
    cz_error err = {0};
    ck_assert_int_eq(cz_dsp_process(d, x, IR_LEN, 1, rate, &err), 0);
    return x;
}

/* The same through the stereo path (an impulse on both channels; stereo
 * runs other code than mono in the biquad EQ): the left channel, after
 * checking the right one is the same. */
static float *impulse_response_stereo(cz_dsp *d, uint32_t rate)
{
    float *x = calloc(2 * IR_LEN, sizeof *x), *h = malloc(IR_LEN * sizeof *h);
    x[0] = x[1] = 1;
    cz_error err = {0};
    ck_assert_int_eq(cz_dsp_process(d, x, IR_LEN, 2, rate, &err), 0);
    int same = 1;
    for (int n = 0; n < IR_LEN; n++) {
        h[n] = x[2 * n];
        same &= x[2 * n] == x[2 * n + 1];
    }
    ck_assert_msg(same, "stereo impulse response: channels differ");
    free(x);
    return h;
}

static double measured_db(const float *h, double rate, double f)
{
    /* sum h[n] e^{-jwn}, the rotation kept in real arithmetic (complex
     * multiplies would go through __muldc3 in unoptimised builds) */
    double w = 2 * M_PI * f / rate, cw = cos(w), sw = sin(w);
    double re = 0, im = 0, c = 1, s = 0;
    for (int n = 0; n < IR_LEN; n++) {
        re += h[n] * c;
        im -= h[n] * s;
        double nc = c * cw - s * sw;
        s = s * cw + c * sw;
        c = nc;
        if ((n & 1023) == 1023) { /* keep the rotation on the unit circle */
            double r = sqrt(c * c + s * s);
            c /= r;
            s /= r;
        }
    }
    return 10 * log10(re * re + im * im + 1e-300);
}

START_TEST(each_eq_matches_the_rbj_response)
{
    env_pair e = env_open();
    static const uint32_t rates[] = {44100, 48000, 96000};
    const char *name = EQS[_i];
    for (size_t s = 0; s < sizeof SETS / sizeof SETS[0]; s++)
        for (size_t r = 0; r < 6; r++) {
            cz_dsp *d = open_eq(&e, name, SETS[s].json);
            float *h = r < 3 ? impulse_response(d, rates[r]) : impulse_response_stereo(d, rates[r - 3]);
            double worst = 0, at = 0;
            uint32_t rate = rates[r % 3];
            for (double f = 40; f <= 16000; f *= 1.06) {
                double want = target_db(&SETS[s], rate, f);
                double got = measured_db(h, rate, f);
                /* Biquads are the reference itself: 0.01 dB. The FFT EQ is
                 * a designed approximation: 0.1 dB (measured: < 0.05). */
                if (fabs(got - want) > worst)
                    worst = fabs(got - want), at = f;
            }
            double tol = _i == 0 ? 0.01 : 0.1;
            ck_assert_msg(worst < tol, "%s set %zu at %u Hz (%s): %.4f dB off at %.0f Hz",
                          name, s, rate, r < 3 ? "mono" : "stereo", worst, at);
            free(h);
            cz_dsp_close(d);
        }
    env_close(&e);
}
END_TEST

START_TEST(biquad_and_fft_agree_within_a_tenth_of_a_db)
{
    env_pair e = env_open();
    for (size_t s = 0; s < sizeof SETS / sizeof SETS[0]; s++) {
        cz_dsp *a = open_eq(&e, EQS[0], SETS[s].json);
        cz_dsp *b = open_eq(&e, EQS[1], SETS[s].json);
        float *ha = impulse_response(a, 48000), *hb = impulse_response(b, 48000);
        for (double f = 40; f <= 16000; f *= 1.09) {
            double da = measured_db(ha, 48000, f), db = measured_db(hb, 48000, f);
            ck_assert_msg(fabs(da - db) < 0.1, "set %zu at %.0f Hz: biquad %.3f dB, fft %.3f dB",
                          s, f, da, db);
        }
        free(ha);
        free(hb);
        cz_dsp_close(a);
        cz_dsp_close(b);
    }
    env_close(&e);
}
END_TEST

static float *noise(uint64_t n, uint32_t seed)
{
    cz_rng r;
    cz_rng_init(&r, seed, "eq-test");
    float *x = malloc(n * sizeof *x);
    for (uint64_t i = 0; i < n; i++)
        x[i] = (float)cz_rng_range(&r, -0.5, 0.5);
    return x;
}

START_TEST(block_size_does_not_change_the_output)
{
    env_pair e = env_open();
    const char *name = EQS[_i];
    const uint64_t frames = 48000 * 2;
    float *ref = noise(frames * 2, 7);
    float *split = malloc(frames * 2 * sizeof *split);
    memcpy(split, ref, frames * 2 * sizeof *split);
    cz_dsp *one = open_eq(&e, name, SETS[1].json), *many = open_eq(&e, name, SETS[1].json);
    cz_error err = {0};
    ck_assert_int_eq(cz_dsp_process(one, ref, frames, 2, 48000, &err), 0);
    cz_rng r;
    cz_rng_init(&r, 3, "blocks");
    for (uint64_t done = 0; done < frames;) {
        uint64_t n = 1 + cz_rng_below(&r, 9000);
        if (n > frames - done)
            n = frames - done;
        ck_assert_int_eq(cz_dsp_process(many, split + 2 * done, n, 2, 48000, &err), 0);
        done += n;
    }
    double worst = 0;
    for (uint64_t i = 0; i < frames * 2; i++)
        worst = fmax(worst, fabs((double)ref[i] - split[i]));
    if (_i == 0) /* blocks aligned to the stream: the very same bytes */
        ck_assert_msg(!memcmp(ref, split, frames * 2 * sizeof *ref),
                      "%s: one call vs random blocks differ (by up to %g)", name, worst);
    else
        ck_assert_msg(worst < 1e-5, "%s: one call vs random blocks differ by %g", name, worst);
    cz_dsp_close(one);
    cz_dsp_close(many);
    free(ref);
    free(split);
    env_close(&e);
}
END_TEST

/* The stereo kernel's builds (baseline and AVX2, as far as this CPU
 * runs them) give the same bytes, for every band count the kernel has a
 * variant for (1-4 and any), on noise fed in random blocks. */
START_TEST(stereo_kernel_isa_builds_give_identical_bytes)
{
    static const eq_band pool[] = {
        {EQ_HIGHPASS, 30, 0, 0.7}, {EQ_PEAK, 250, -3, 1.2}, {EQ_HIGHSHELF, 9000, 2, 0.7071},
        {EQ_LOWPASS, 5000, 0, 0.7071}, {EQ_PEAK, 10, 48, 50}, {EQ_LOWSHELF, 120, -6, 0.7},
    };
    static const int counts[] = {1, 2, 3, 4, 5, EQ_MAX_BANDS};
    const uint64_t frames = 30011;
    int best = eqs_isa_detect();
    float *src = noise(frames * 2, 9), *ref = malloc(frames * 2 * sizeof *ref),
          *got = malloc(frames * 2 * sizeof *got);
    eqs *q = malloc(sizeof *q);
    int differ = 0;
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        eq_coef coef[EQ_MAX_BANDS];
        for (int k = 0; k < counts[c]; k++)
            eq_band_coef(&pool[k % 6], 96000, &coef[k]);
        for (int isa = EQS_ISA_BASE; isa <= best; isa++) {
            float *y = isa == EQS_ISA_BASE ? ref : got;
            memcpy(y, src, frames * 2 * sizeof *y);
            eqs_design(q, coef, counts[c], isa);
            cz_rng r;
            cz_rng_init(&r, 5, "isa-blocks");
            for (uint64_t done = 0, n; done < frames; done += n) {
                n = 1 + cz_rng_below(&r, 5000);
                if (n > frames - done)
                    n = frames - done;
                eqs_process(q, y + 2 * done, n);
            }
            if (isa != EQS_ISA_BASE && memcmp(ref, got, frames * 2 * sizeof *ref))
                differ++, fprintf(stderr, "%d bands: ISA %d differs from the baseline\n",
                                  counts[c], isa);
        }
    }
    ck_assert_msg(!differ, "%d kernel builds differ from the baseline", differ);
    if (best == EQS_ISA_BASE)
        fprintf(stderr, "test_eq: this CPU has no AVX2: only the baseline kernel ran\n");
    free(q);
    free(src);
    free(ref);
    free(got);
}
END_TEST

START_TEST(stereo_channels_are_filtered_independently)
{
    env_pair e = env_open();
    const char *name = EQS[_i];
    const uint64_t frames = 20000;
    float *l = noise(frames, 1), *r = noise(frames, 2);
    float *st = malloc(frames * 2 * sizeof *st);
    for (uint64_t i = 0; i < frames; i++)
        st[2 * i] = l[i], st[2 * i + 1] = r[i];
    cz_dsp *ds = open_eq(&e, name, SETS[0].json);
    cz_dsp *dl = open_eq(&e, name, SETS[0].json), *dr = open_eq(&e, name, SETS[0].json);
    cz_error err = {0};
    ck_assert_int_eq(cz_dsp_process(ds, st, frames, 2, 48000, &err), 0);
    ck_assert_int_eq(cz_dsp_process(dl, l, frames, 1, 48000, &err), 0);
    ck_assert_int_eq(cz_dsp_process(dr, r, frames, 1, 48000, &err), 0);
    /* (one assertion at the end: Check records every assertion it runs) */
    double worst = 0;
    for (uint64_t i = 0; i < frames; i++)
        worst = fmax(worst, fmax(fabs(st[2 * i] - l[i]), fabs(st[2 * i + 1] - r[i])));
    ck_assert_msg(worst < 1e-6, "%s: stereo differs from two mono runs by %g", name, worst);
    cz_dsp_close(ds);
    cz_dsp_close(dl);
    cz_dsp_close(dr);
    free(l);
    free(r);
    free(st);
    env_close(&e);
}
END_TEST

START_TEST(default_is_flat)
{
    env_pair e = env_open();
    cz_dsp *d = NULL;
    cz_error err = {0};
    ck_assert_int_eq(cz_dsp_open(e.env, EQS[_i], NULL, &d, &err), 0);
    float *x = noise(4096, 5), *y = malloc(4096 * sizeof *y);
    memcpy(y, x, 4096 * sizeof *y);
    ck_assert_int_eq(cz_dsp_process(d, y, 2048, 2, 48000, &err), 0);
    ck_assert(!memcmp(x, y, 4096 * sizeof *y));
    cz_dsp_close(d);
    free(x);
    free(y);
    env_close(&e);
}
END_TEST

START_TEST(extreme_settings_stay_stable)
{
    env_pair e = env_open();
    static const char *const extremes[] = {
        "[{\"type\":\"peak\",\"freq\":10,\"gain_db\":48,\"q\":50},"
        " {\"type\":\"lowshelf\",\"freq\":10,\"gain_db\":-48,\"q\":10}]",
        "[{\"type\":\"highpass\",\"freq\":10,\"q\":50},"
        " {\"type\":\"lowpass\",\"freq\":40000,\"q\":0.05},"
        " {\"type\":\"highshelf\",\"freq\":40000,\"gain_db\":48,\"q\":10}]",
        "[{\"type\":\"peak\",\"freq\":21000,\"gain_db\":-48,\"q\":0.05},"
        " {\"type\":\"lowpass\",\"freq\":10,\"q\":50}]",
    };
    static const uint32_t rates[] = {44100, 96000};
    for (size_t k = 0; k < 3; k++)
        for (size_t r = 0; r < 2; r++) {
            cz_dsp *d = open_eq(&e, EQS[_i], extremes[k]);
            uint64_t frames = rates[r] * 3;
            float *x = noise(frames * 2, 11);
            for (uint64_t i = frames; i < frames * 2; i++)
                x[i] = 0; /* 1.5 s of noise, then silence */
            cz_error err = {0};
            ck_assert_int_eq(cz_dsp_process(d, x, frames, 2, rates[r], &err), 0);
            double peak = 0, tail = 0;
            int finite = 1;
            for (uint64_t i = 0; i < frames * 2; i++) {
                finite &= isfinite(x[i]) != 0;
                peak = fmax(peak, fabs(x[i]));
                if (i >= frames * 2 - 2000)
                    tail = fmax(tail, fabs(x[i]));
            }
            ck_assert_msg(finite, "%s set %zu: non-finite output", EQS[_i], k);
            /* +48 dB boost of noise is ~250x; anything far beyond is a blow-up. */
            ck_assert_msg(peak < 2000, "%s set %zu: peak %g", EQS[_i], k, peak);
            ck_assert_msg(tail < 0.5 * peak + 1e-9, "%s set %zu: no decay in silence (%g of %g)",
                          EQS[_i], k, tail, peak);
            free(x);
            cz_dsp_close(d);
        }
    env_close(&e);
}
END_TEST

static void expect_open_error(env_pair *e, const char *name, const char *bands,
                              const char *needle)
{
    char opts[1024];
    snprintf(opts, sizeof opts, "{\"bands\": %s}", bands);
    json_t *o = json_loads(opts, 0, NULL);
    ck_assert_ptr_nonnull(o);
    cz_dsp *d = NULL;
    cz_error err = {0};
    int rc = cz_dsp_open(e->env, name, o, &d, &err);
    json_decref(o);
    ck_assert_msg(rc < 0, "%s accepted %s", name, bands);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(err.msg, needle), "%s: error '%s' does not name '%s'", name,
                  err.msg, needle);
}

START_TEST(bad_bands_are_named_by_index_and_field)
{
    env_pair e = env_open();
    const char *n = EQS[_i];
    expect_open_error(&e, n, "[{\"type\":\"peak\",\"freq\":100},{\"type\":\"peak\",\"freq\":0}]",
                      "bands[1].freq");
    expect_open_error(&e, n, "[{\"type\":\"notch\",\"freq\":100}]", "bands[0].type");
    expect_open_error(&e, n, "[{\"type\":\"peak\",\"freq\":100,\"gian_db\":3}]",
                      "bands[0].gian_db");
    expect_open_error(&e, n, "[{\"type\":\"peak\",\"freq\":100,\"q\":0}]", "bands[0].q");
    expect_open_error(&e, n, "[{\"type\":\"lowshelf\",\"freq\":100,\"gain_db\":99}]",
                      "bands[0].gain_db");
    expect_open_error(&e, n, "[{\"freq\":100}]", "bands[0].type");
    expect_open_error(&e, n, "[{\"type\":\"peak\"}]", "bands[0].freq");
    expect_open_error(&e, n, "[3]", "bands[0]");
    expect_open_error(&e, n, "{\"type\":\"peak\"}", "bands");
    env_close(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("eq");
    TCase *tc = tcase_create("eq");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, each_eq_matches_the_rbj_response, 0, 2);
    tcase_add_test(tc, biquad_and_fft_agree_within_a_tenth_of_a_db);
    tcase_add_loop_test(tc, block_size_does_not_change_the_output, 0, 2);
    tcase_add_loop_test(tc, stereo_channels_are_filtered_independently, 0, 2);
    tcase_add_test(tc, stereo_kernel_isa_builds_give_identical_bytes);
    tcase_add_loop_test(tc, default_is_flat, 0, 2);
    tcase_add_loop_test(tc, extreme_settings_stay_stable, 0, 2);
    tcase_add_loop_test(tc, bad_bands_are_named_by_index_and_field, 0, 2);
    suite_add_tcase(s, tc);
    return czh_run_suite(s);
}
