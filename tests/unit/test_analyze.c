/*
 * test_analyze.c - analysis.loudness against EBU compliance signals.
 *
 * The signals of EBU Tech 3341 (loudness metering: cases 1-4 and a
 * true-peak case in the style of cases 15-19) and Tech 3342 (loudness
 * range: cases 1-2) are synthesised here, written to temporary files
 * (WAV, FLAC, AIFF, OGG through libsndfile) and measured by the real module
 * through the harness, with the tolerances the documents give (±0.1 LU for
 * loudness, +0.2/-0.4 dB for true peak, ±1 LU for LRA).
 */
#include <check.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define RATE 48000

static char tmpdir[256];

static void make_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/cz-analyze-XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *tmp(const char *name)
{
    static char buf[4][320];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* ---- signals ----------------------------------------------------------- */

typedef struct seg {
    double dbfs, seconds;
} seg;

/* A sine of freq Hz (phase in degrees), in segments of level (peak dBFS)
 * and length, the same on every channel. */
static float *sine_segments(double freq, double phase_deg, const seg *segs, int n,
                            int rate, int ch, uint64_t *frames_out)
{
    uint64_t frames = 0;
    for (int i = 0; i < n; i++)
        frames += (uint64_t)llround(segs[i].seconds * rate);
    float *x = malloc(frames * ch * sizeof *x);
    ck_assert_ptr_nonnull(x);
    uint64_t f = 0;
    for (int i = 0; i < n; i++) {
        double a = pow(10.0, segs[i].dbfs / 20.0);
        uint64_t len = (uint64_t)llround(segs[i].seconds * rate);
        for (uint64_t k = 0; k < len; k++, f++) {
            double v = a * sin(2 * M_PI * freq * (double)f / rate + phase_deg * M_PI / 180.0);
            for (int c = 0; c < ch; c++)
                x[f * ch + c] = (float)v;
        }
    }
    *frames_out = frames;
    return x;
}

static void write_file(const char *path, int format, int rate, int ch, const float *x,
                       uint64_t frames)
{
    SF_INFO info = {.samplerate = rate, .channels = ch, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    ck_assert_msg(sf != NULL, "cannot write %s: %s", path, sf_strerror(NULL));
    ck_assert_int_eq(sf_writef_float(sf, x, (sf_count_t)frames), (sf_count_t)frames);
    sf_close(sf);
}

static void write_sine(const char *path, int format, double freq, double phase,
                       const seg *segs, int n, int rate, int ch)
{
    uint64_t frames;
    float *x = sine_segments(freq, phase, segs, n, rate, ch, &frames);
    write_file(path, format, rate, ch, x, frames);
    free(x);
}

/* ---- running the module --------------------------------------------------- */

/* Analyse the files; returns the status, fills err; the report and text
 * stay on the harness's bus. */
static int analyze(czh *h, const char *const *paths, int n, int as_json, cz_error *err)
{
    json_t *files = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(files, json_string(paths[i]));
    ck_assert_int_eq(cz_bus_put_json(czh_bus(h), "analyze.files", files), 0);
    ck_assert_int_eq(cz_bus_put_bool(czh_bus(h), "analyze.json", as_json), 0);
    return czh_run(h, 1, err);
}

static czh *load(void)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("analysis.loudness"), NULL, &err);
    ck_assert_msg(h != NULL, "load: %s", err.msg);
    return h;
}

/* Measure one file; returns a new reference to its report object. */
static json_t *measure1(const char *path)
{
    czh *h = load();
    cz_error err = {0};
    const char *paths[] = {path};
    int rc = analyze(h, paths, 1, 0, &err);
    ck_assert_msg(rc == 0, "analyze %s: %s", path, err.msg);
    const json_t *rep = NULL;
    ck_assert_int_eq(cz_bus_get_json(czh_bus(h), "analyze.report", &rep), 0);
    ck_assert_uint_eq(json_array_size(rep), 1);
    json_t *o = json_deep_copy(json_array_get(rep, 0));
    czh_free(h);
    return o;
}

static double num(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    ck_assert_msg(json_is_number(v), "field %s is not a number", k);
    return json_number_value(v);
}

#define NEAR(o, k, want, tol)                                                      \
    ck_assert_msg(fabs(num(o, k) - (want)) <= (tol), "%s = %.3f, want %.3f ±%.2f", \
                  k, num(o, k), (double)(want), (double)(tol))

/* ---- EBU Tech 3341 ------------------------------------------------------- */

/* Cases 1 and 2: a stereo 1 kHz sine at -23 (-33) dBFS for 20 s reads
 * -23.0 (-33.0) LUFS, and so do momentary and short-term maxima. */
START_TEST(test_3341_cases_1_2)
{
    make_tmpdir();
    const double levels[2] = {-23.0, -33.0};
    const int formats[2] = {SF_FORMAT_WAV | SF_FORMAT_PCM_24, SF_FORMAT_FLAC | SF_FORMAT_PCM_24};
    const char *names[2] = {"case1.wav", "case2.flac"};
    for (int i = 0; i < 2; i++) {
        seg s[] = {{levels[i], 20}};
        write_sine(tmp(names[i]), formats[i], 1000, 0, s, 1, RATE, 2);
        json_t *o = measure1(tmp(names[i]));
        NEAR(o, "integrated_lufs", levels[i], 0.1);
        NEAR(o, "momentary_max_lufs", levels[i], 0.1);
        NEAR(o, "short_term_max_lufs", levels[i], 0.1);
        NEAR(o, "loudness_range_lu", 0, 0.5);
        NEAR(o, "sample_peak_dbfs", levels[i], 0.05);
        NEAR(o, "duration_s", 20.0, 0.001);
        ck_assert_int_eq(num(o, "sample_rate"), RATE);
        ck_assert_int_eq(num(o, "channels"), 2);
        ck_assert_int_eq(num(o, "frames"), 20 * RATE);
        ck_assert_int_eq(num(o, "clipped_samples"), 0);
        json_decref(o);
    }
    remove_tmpdir();
}
END_TEST

/* Case 3: -36 / -23 / -36 dBFS for 10 / 60 / 10 s: the gates leave the
 * loud part, -23.0 LUFS. */
START_TEST(test_3341_case_3)
{
    make_tmpdir();
    seg s[] = {{-36, 10}, {-23, 60}, {-36, 10}};
    write_sine(tmp("case3.flac"), SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 1000, 0, s, 3, RATE, 2);
    json_t *o = measure1(tmp("case3.flac"));
    NEAR(o, "integrated_lufs", -23.0, 0.1);
    json_decref(o);
    remove_tmpdir();
}
END_TEST

/* Case 4: -72 / -36 / -23 / -36 / -72 dBFS for 10 / 10 / 60 / 10 / 10 s. */
START_TEST(test_3341_case_4)
{
    make_tmpdir();
    seg s[] = {{-72, 10}, {-36, 10}, {-23, 60}, {-36, 10}, {-72, 10}};
    write_sine(tmp("case4.wav"), SF_FORMAT_WAV | SF_FORMAT_FLOAT, 1000, 0, s, 5, RATE, 2);
    json_t *o = measure1(tmp("case4.wav"));
    NEAR(o, "integrated_lufs", -23.0, 0.1);
    json_decref(o);
    remove_tmpdir();
}
END_TEST

/* True peak (as Tech 3341 cases 15-19): a sine at a quarter of the sample
 * rate, 45 degrees out of phase with the samples, so every sample lands
 * 3 dB under the crest: sample peak -9.03 dBFS, true peak -6.02 dBTP,
 * allowed +0.2 / -0.4 dB. */
START_TEST(test_true_peak)
{
    make_tmpdir();
    seg s[] = {{-6.0206, 5}};
    write_sine(tmp("tp.wav"), SF_FORMAT_WAV | SF_FORMAT_FLOAT, RATE / 4.0, 45, s, 1, RATE, 2);
    json_t *o = measure1(tmp("tp.wav"));
    double tp = num(o, "true_peak_dbtp");
    ck_assert_msg(tp <= -6.02 + 0.2 && tp >= -6.02 - 0.4, "true peak %.3f dBTP", tp);
    NEAR(o, "sample_peak_dbfs", -9.03, 0.05);
    ck_assert(tp > num(o, "sample_peak_dbfs") + 2.5);
    json_decref(o);
    remove_tmpdir();
}
END_TEST

/* ---- EBU Tech 3342 ------------------------------------------------------- */

/* Case 1: 1 kHz alternating -20 / -30 dBFS, 20 s each: LRA 10 LU.
 * Case 2: -20 / -15 dBFS: LRA 5 LU. Tolerance ±1 LU. */
START_TEST(test_3342_cases_1_2)
{
    make_tmpdir();
    seg c1[] = {{-20, 20}, {-30, 20}};
    seg c2[] = {{-20, 20}, {-15, 20}};
    write_sine(tmp("lra1.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_24, 1000, 0, c1, 2, RATE, 2);
    write_sine(tmp("lra2.flac"), SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 1000, 0, c2, 2, RATE, 2);
    json_t *o = measure1(tmp("lra1.wav"));
    NEAR(o, "loudness_range_lu", 10, 1);
    json_decref(o);
    o = measure1(tmp("lra2.flac"));
    NEAR(o, "loudness_range_lu", 5, 1);
    json_decref(o);
    remove_tmpdir();
}
END_TEST

/* ---- everything else a user sees ----------------------------------------- */

/* Full-scale samples of a 16-bit file count as clipped: +32767 reads back
 * as 1 - 1/32768, -32768 as -1. */
START_TEST(test_clipped_samples)
{
    make_tmpdir();
    uint64_t frames = RATE;
    short *x = calloc(frames * 2, sizeof *x);
    for (uint64_t i = 0; i < frames * 2; i++)
        x[i] = (short)(8000 * sin(2 * M_PI * 440.0 * (double)(i / 2) / RATE));
    x[1000] = 32767;
    x[2001] = -32768;
    x[3000] = 32767;
    x[3001] = 32766; /* not full scale: not clipped */
    SF_INFO info = {.samplerate = RATE, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open(tmp("clip.wav"), SFM_WRITE, &info);
    ck_assert_ptr_nonnull(sf);
    sf_writef_short(sf, x, (sf_count_t)frames);
    sf_close(sf);
    free(x);
    json_t *o = measure1(tmp("clip.wav"));
    ck_assert_int_eq(num(o, "clipped_samples"), 3);
    NEAR(o, "sample_peak_dbfs", 0.0, 0.01);
    json_decref(o);
    remove_tmpdir();
}
END_TEST

/* AIFF (mono, 44.1 kHz) and Ogg Vorbis read too. */
START_TEST(test_other_formats)
{
    make_tmpdir();
    seg s[] = {{-23, 10}};
    write_sine(tmp("mono.aiff"), SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 1000, 0, s, 1, 44100, 1);
    json_t *o = measure1(tmp("mono.aiff"));
    ck_assert_int_eq(num(o, "sample_rate"), 44100);
    ck_assert_int_eq(num(o, "channels"), 1);
    NEAR(o, "duration_s", 10.0, 0.001);
    /* One channel of a -23 dBFS sine: 3 dB under the stereo case. */
    NEAR(o, "integrated_lufs", -26.0, 0.1);
    ck_assert(strstr(json_string_value(json_object_get(o, "format")), "AIFF") != NULL);
    json_decref(o);

    write_sine(tmp("song.ogg"), SF_FORMAT_OGG | SF_FORMAT_VORBIS, 1000, 0, s, 1, RATE, 2);
    o = measure1(tmp("song.ogg"));
    NEAR(o, "integrated_lufs", -23.0, 0.3);
    ck_assert(strstr(json_string_value(json_object_get(o, "format")), "OGG") != NULL);
    json_decref(o);
    remove_tmpdir();
}
END_TEST

/* Several files: one report entry each, in order; text for people, or the
 * JSON itself with analyze.json. */
START_TEST(test_text_and_json)
{
    make_tmpdir();
    seg a[] = {{-23, 5}};
    seg b[] = {{-33, 4}};
    write_sine(tmp("a.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_24, 1000, 0, a, 1, RATE, 2);
    write_sine(tmp("b.flac"), SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 1000, 0, b, 1, RATE, 2);
    const char *paths[] = {tmp("a.wav"), tmp("b.flac")};
    czh *h = load();
    cz_error err = {0};
    ck_assert_int_eq(analyze(h, paths, 2, 0, &err), 0);
    const json_t *rep = NULL;
    const char *text = NULL;
    ck_assert_int_eq(cz_bus_get_json(czh_bus(h), "analyze.report", &rep), 0);
    ck_assert_uint_eq(json_array_size(rep), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rep, 0), "file")), paths[0]);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rep, 1), "file")), paths[1]);
    ck_assert_int_eq(cz_bus_get_string(czh_bus(h), "analyze.text", &text), 0);
    ck_assert(strstr(text, paths[0]) && strstr(text, paths[1]));
    ck_assert_msg(strstr(text, "integrated      -23.0 LUFS") != NULL, "text:\n%s", text);
    ck_assert(strstr(text, "integrated      -33.0 LUFS") != NULL);
    ck_assert(strstr(text, "48000 Hz, 2 channels") != NULL);
    char *want = json_dumps(rep, JSON_SORT_KEYS);

    ck_assert_int_eq(analyze(h, paths, 2, 1, &err), 0);
    ck_assert_int_eq(cz_bus_get_string(czh_bus(h), "analyze.text", &text), 0);
    json_error_t je;
    json_t *parsed = json_loads(text, 0, &je);
    ck_assert_msg(parsed != NULL, "analyze.text is not JSON: %s", je.text);
    char *got = json_dumps(parsed, JSON_SORT_KEYS);
    ck_assert_str_eq(got, want);
    free(got);
    free(want);
    json_decref(parsed);
    czh_free(h);
    remove_tmpdir();
}
END_TEST

START_TEST(test_silence)
{
    make_tmpdir();
    float *x = calloc(2 * RATE * 2, sizeof *x);
    write_file(tmp("silent.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, RATE, 2, x, 2 * RATE);
    free(x);
    const char *paths[] = {tmp("silent.wav")};
    czh *h = load();
    cz_error err = {0};
    ck_assert_int_eq(analyze(h, paths, 1, 0, &err), 0);
    const json_t *rep = NULL;
    const char *text = NULL;
    cz_bus_get_json(czh_bus(h), "analyze.report", &rep);
    ck_assert(json_is_null(json_object_get(json_array_get(rep, 0), "integrated_lufs")));
    ck_assert(json_is_null(json_object_get(json_array_get(rep, 0), "true_peak_dbtp")));
    cz_bus_get_string(czh_bus(h), "analyze.text", &text);
    ck_assert(strstr(text, "-inf LUFS") != NULL);
    czh_free(h);
    remove_tmpdir();
}
END_TEST

/* A missing or unreadable file fails the stage, and the error names it,
 * even when it is not the first. */
START_TEST(test_bad_files)
{
    make_tmpdir();
    seg a[] = {{-23, 1}};
    write_sine(tmp("ok.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1000, 0, a, 1, RATE, 2);
    FILE *f = fopen(tmp("text.wav"), "w");
    fputs("this is not audio\n", f);
    fclose(f);
    czh *h = load();
    cz_error err = {0};
    const char *missing[] = {tmp("ok.wav"), tmp("nope.wav")};
    ck_assert_int_eq(analyze(h, missing, 2, 0, &err), CZ_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "nope.wav") != NULL, "error: %s", err.msg);
    err = (cz_error){0};
    const char *unreadable[] = {tmp("text.wav")};
    ck_assert_int_ne(analyze(h, unreadable, 1, 0, &err), 0);
    ck_assert_msg(strstr(err.msg, "text.wav") != NULL, "error: %s", err.msg);
    czh_free(h);
    remove_tmpdir();
}
END_TEST

START_TEST(test_bad_bus_input)
{
    czh *h = load();
    cz_error err = {0};
    ck_assert_int_ne(czh_run(h, 1, &err), 0); /* nothing on the bus */
    ck_assert(strstr(err.msg, "analyze.files") != NULL);
    ck_assert_int_eq(cz_bus_put_json(czh_bus(h), "analyze.files", json_array()), 0);
    ck_assert_int_ne(czh_run(h, 1, &err), 0);
    ck_assert_int_eq(cz_bus_put_json(czh_bus(h), "analyze.files", json_pack("[i]", 3)), 0);
    ck_assert_int_ne(czh_run(h, 1, &err), 0);
    ck_assert_int_eq(cz_bus_put_string(czh_bus(h), "analyze.files", "a.wav"), 0);
    ck_assert_int_ne(czh_run(h, 1, &err), 0);
    czh_free(h);
}
END_TEST

static Suite *analyze_suite(void)
{
    Suite *s = suite_create("analysis.loudness");
    TCase *tc = tcase_create("ebu");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_3341_cases_1_2);
    tcase_add_test(tc, test_3341_case_3);
    tcase_add_test(tc, test_3341_case_4);
    tcase_add_test(tc, test_true_peak);
    tcase_add_test(tc, test_3342_cases_1_2);
    suite_add_tcase(s, tc);
    TCase *tu = tcase_create("use");
    tcase_set_timeout(tu, 60);
    tcase_add_test(tu, test_clipped_samples);
    tcase_add_test(tu, test_other_formats);
    tcase_add_test(tu, test_text_and_json);
    tcase_add_test(tu, test_silence);
    tcase_add_test(tu, test_bad_files);
    tcase_add_test(tu, test_bad_bus_input);
    suite_add_tcase(s, tu);
    return s;
}

int main(void)
{
    return czh_run_suite(analyze_suite());
}
