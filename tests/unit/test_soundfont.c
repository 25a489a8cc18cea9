/*
 * test_soundfont.c - production.soundfont, run as a black box through the
 * harness with Debian's FluidR3_GM SoundFont (fluid-soundfont-gm, installed
 * by tools/install-deps).
 *
 * A four-bar score with piano chords, a bass line and a drum groove is
 * rendered; the checks are what production.stems promises: one audible
 * stereo stem per track named after it at the requested rate, drums
 * included, the main buffer their sum, the same bytes every time, and a
 * clear error when the SoundFont is missing.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SF2 "/usr/share/sounds/sf2/FluidR3_GM.sf2"

static cz_score *make_score(void)
{
    cz_score *s = cz_score_new(480);
    s->bpm = 120;
    s->bars = 4;
    s->total_ticks = 4 * 1920;
    cz_track *p = cz_score_add_track(s, "piano", CZ_ROLE_CHORDS, 0, 0);
    p->volume = 0.8f;
    for (uint32_t b = 0; b < 4; b++)
        for (int k = 0; k < 3; k++)
            ck_assert_int_eq(cz_track_add_note(p, b * 1920, 1800, (uint8_t)(60 + 4 * k - (b & 1) * 2), 90, 0), 0);
    cz_track *bass = cz_score_add_track(s, "bass", CZ_ROLE_BASS, 33, 1);
    bass->volume = 0.9f;
    for (uint32_t q = 0; q < 16; q++)
        ck_assert_int_eq(cz_track_add_note(bass, q * 480, 400, (uint8_t)(36 + (q % 4 == 3 ? 7 : 0)), 100, 0), 0);
    cz_track *d = cz_score_add_track(s, "drums", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL);
    d->volume = 0.9f;
    for (uint32_t e = 0; e < 32; e++) {
        ck_assert_int_eq(cz_track_add_note(d, e * 240, 120, 42, 70, 0), 0); /* hats */
        if (e % 4 == 0)
            ck_assert_int_eq(cz_track_add_note(d, e * 240, 120, 36, 110, 0), 0);
        if (e % 4 == 2)
            ck_assert_int_eq(cz_track_add_note(d, e * 240, 120, 38, 100, 0), 0);
    }
    for (uint32_t i = 0; i < s->n_tracks; i++)
        cz_track_sort(&s->tracks[i]);
    return s;
}

static czh *loaded(const char *options)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("production.soundfont"), options, &err);
    ck_assert_msg(h != NULL, "init: %s", err.msg);
    ck_assert_int_eq(cz_bus_put_score(czh_bus(h), "arrangement.score", make_score()), 0);
    return h;
}

static const cz_audio *render(czh *h)
{
    cz_error err = {0};
    ck_assert_msg(czh_run(h, 7, &err) == 0, "run: %s", err.msg);
    const cz_audio *a = NULL;
    ck_assert_int_eq(cz_bus_get_audio(czh_bus(h), "production.stems", &a), 0);
    /* the stems may come spooled (audio.h); the checks read them whole */
    ck_assert_int_eq(cz_audio_load_all((cz_audio *)a), 0);
    return a;
}

static double rms(const cz_audio *a, uint64_t from, uint64_t to)
{
    double s = 0;
    for (uint64_t i = from * a->channels; i < to * a->channels; i++)
        s += (double)a->samples[i] * a->samples[i];
    return sqrt(s / (double)((to - from) * a->channels));
}

START_TEST(renders_audible_stems_named_after_tracks_at_the_rate)
{
    czh *h = loaded("{\"rate\": 44100, \"tail_s\": 1.5}");
    const cz_audio *a = render(h);
    ck_assert_uint_eq(a->rate, 44100);
    ck_assert_uint_eq(a->channels, 2);
    ck_assert_uint_eq(a->frames, (uint64_t)(8.0 * 44100) + (uint64_t)(1.5 * 44100));
    ck_assert_uint_eq(a->n_stems, 3);
    static const char *const names[] = {"piano", "bass", "drums"};
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(a->stems[i].name, names[i]);
        const cz_audio *s = a->stems[i].audio;
        ck_assert_uint_eq(s->rate, 44100);
        ck_assert_uint_eq(s->channels, 2);
        double r = rms(s, 0, s->frames);
        ck_assert_msg(r > 1e-3, "stem %s is silent (rms %g)", names[i], r);
    }
    /* The main buffer is the plain sum of the stems. */
    double worst = 0;
    uint64_t bad = 0;
    for (uint64_t i = 0; i < a->frames * 2; i++) {
        float sum = 0;
        for (int k = 0; k < 3; k++)
            sum += a->stems[k].audio->samples[i];
        worst = fmax(worst, fabs((double)a->samples[i] - sum));
        bad += !isfinite(a->samples[i]);
    }
    ck_assert_msg(!bad, "%llu non-finite samples", (unsigned long long)bad);
    ck_assert_msg(worst < 1e-6, "main differs from the sum of stems by %g", worst);
    czh_free(h);
}
END_TEST

START_TEST(drums_sound_on_the_drum_channel)
{
    czh *h = loaded("{\"rate\": 48000, \"tail_s\": 0.5}");
    const cz_audio *a = render(h);
    const cz_audio *d = cz_audio_stem(a, "drums");
    ck_assert_ptr_nonnull(d);
    /* A kick every second (with a hat): loud in the 50 ms after it, and
     * the kit (bank 128) is used: a melodic patch on these keys would
     * sustain instead of decaying by 400 ms, before the next hat. */
    double onset = 0, late = 0;
    for (uint64_t k = 0; k < 8; k++) {
        uint64_t f = k * 48000;
        onset += rms(d, f, f + 2400);
        late += rms(d, f + 19200, f + 21600);
    }
    ck_assert_msg(onset > 1e-2, "drum hits are silent (%g)", onset);
    ck_assert_msg(onset > 2 * late, "drums do not decay after hits (%g vs %g)", onset, late);
    czh_free(h);
}
END_TEST

START_TEST(same_score_same_bytes)
{
    czh *a = loaded(NULL), *b = loaded(NULL);
    const cz_audio *x = render(a), *y = render(b);
    ck_assert_uint_eq(x->frames, y->frames);
    ck_assert(!memcmp(x->samples, y->samples, x->frames * 2 * sizeof(float)));
    for (uint32_t i = 0; i < x->n_stems; i++)
        ck_assert(!memcmp(x->stems[i].audio->samples, y->stems[i].audio->samples,
                          x->frames * 2 * sizeof(float)));
    /* A second job on the same instance starts from the same state. */
    float *first = malloc(x->frames * 2 * sizeof(float));
    memcpy(first, x->samples, x->frames * 2 * sizeof(float));
    const cz_audio *again = render(a);
    ck_assert(!memcmp(first, again->samples, again->frames * 2 * sizeof(float)));
    free(first);
    czh_free(a);
    czh_free(b);
}
END_TEST

/* Stems spooled by default (the process holds 64 KB blocks, not the
 * stems), their sum in memory (audio.h: only stems are spooled), and the
 * same bytes as with the stems in memory. */
START_TEST(stems_are_spooled_unless_asked_and_sound_the_same)
{
    czh *a = loaded(NULL), *b = loaded("{\"spool\": false}");
    cz_error err = {0};
    ck_assert_msg(czh_run(a, 7, &err) == 0, "run: %s", err.msg);
    const cz_audio *x = NULL;
    ck_assert_int_eq(cz_bus_get_audio(czh_bus(a), "production.stems", &x), 0);
    ck_assert_ptr_nonnull(x->samples);
    for (uint32_t i = 0; i < x->n_stems; i++)
        ck_assert_ptr_null(x->stems[i].audio->samples);
    ck_assert_int_eq(cz_audio_load_all((cz_audio *)x), 0);
    const cz_audio *y = render(b);
    ck_assert(!memcmp(x->samples, y->samples, x->frames * 2 * sizeof(float)));
    for (uint32_t i = 0; i < x->n_stems; i++)
        ck_assert_msg(!memcmp(x->stems[i].audio->samples, y->stems[i].audio->samples,
                              x->frames * 2 * sizeof(float)), "stem %s differs", x->stems[i].name);
    czh_free(a);
    czh_free(b);
}
END_TEST

START_TEST(missing_soundfont_is_an_init_error_naming_option_and_path)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("production.soundfont"),
                     "{\"soundfont\": \"/nonexistent/piano.sf2\"}", &err);
    ck_assert_ptr_null(h);
    ck_assert_msg(strstr(err.msg, "soundfont") && strstr(err.msg, "/nonexistent/piano.sf2"),
                  "%s", err.msg);
    memset(&err, 0, sizeof err);
    h = czh_new(czh_module_path("production.soundfont"), "{\"soundfont\": \"/etc/passwd\"}", &err);
    ck_assert_ptr_null(h);
    ck_assert_msg(strstr(err.msg, "not a SoundFont") && strstr(err.msg, "/etc/passwd"), "%s", err.msg);
    memset(&err, 0, sizeof err);
    h = czh_new(czh_module_path("production.soundfont"), "{\"rate\": 50000}", &err);
    ck_assert_ptr_null(h);
    ck_assert_msg(strstr(err.msg, "rate"), "%s", err.msg);
}
END_TEST

START_TEST(missing_score_is_a_clean_error)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("production.soundfont"), NULL, &err);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_lt(czh_run(h, 1, &err), 0);
    ck_assert_msg(strstr(err.msg, "arrangement.score"), "%s", err.msg);
    ck_assert_int_eq(cz_bus_put_score(czh_bus(h), "arrangement.score", cz_score_new(0)), 0);
    memset(&err, 0, sizeof err);
    ck_assert_int_lt(czh_run(h, 1, &err), 0);
    ck_assert_msg(strstr(err.msg, "no tracks"), "%s", err.msg);
    czh_free(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("soundfont");
    TCase *tc = tcase_create("soundfont");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, renders_audible_stems_named_after_tracks_at_the_rate);
    tcase_add_test(tc, drums_sound_on_the_drum_channel);
    tcase_add_test(tc, same_score_same_bytes);
    tcase_add_test(tc, stems_are_spooled_unless_asked_and_sound_the_same);
    tcase_add_test(tc, missing_soundfont_is_an_init_error_naming_option_and_path);
    tcase_add_test(tc, missing_score_is_a_clean_error);
    suite_add_tcase(s, tc);
    return czh_run_suite(s);
}
