/*
 * test_mixing.c - mixing.console, run as a black box through the harness.
 *
 * Each test builds what production would hand over: four stereo stems
 * (a kick-and-hats drum loop, a steady sine bass, a pad chord, a lead
 * melody) on production.stems with their plain sum as the main buffer, an
 * arrangement.score with matching tracks (kick notes on every beat at
 * 120 bpm) and an ideation.spec with a genre. Then it checks what a user
 * of mix.audio relies on: the stems (with the effect returns) add up to the
 * mix, the mix is finite and below 0 dBFS, the kick ducks the bass only
 * when the sidechain is on, the `eq` option swaps the EQ module, the genre
 * changes the mix, and the same input gives the same bytes. The strip's
 * per-sample code (compressor detector, gain ramp) and the reverb are
 * compiled in here too (like test_synth), so that every build of their
 * vector loops this CPU runs is checked against the baseline.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "../../modules/stages/mixing.console/comp.c"
#include "../../modules/stages/mixing.console/reverb.c"
#include "../../modules/stages/mixing.console/strip.c"

#define RATE 48000u
#define SECONDS 4.0
#define BEAT 0.5 /* 120 bpm */

/* ---- inputs ---------------------------------------------------------------- */

typedef double (*voice_fn)(double t, cz_rng *r);

static double kick_and_hats(double t, cz_rng *r)
{
    double tb = fmod(t, BEAT), th = fmod(t + BEAT / 2, BEAT);
    double kick = 0.9 * sin(2 * M_PI * (50 + 80 * exp(-tb / 0.02)) * tb) * exp(-tb / 0.12);
    double hat = 0.15 * cz_rng_range(r, -1, 1) * exp(-th / 0.02);
    return kick + hat;
}

static double steady_bass(double t, cz_rng *r)
{
    (void)r;
    return 0.4 * sin(2 * M_PI * 82.41 * t);
}

static double pad_chord(double t, cz_rng *r)
{
    (void)r;
    return 0.1 * (sin(2 * M_PI * 220 * t) + sin(2 * M_PI * 261.63 * t) +
                  sin(2 * M_PI * 329.63 * t));
}

static double lead_line(double t, cz_rng *r)
{
    (void)r;
    static const double notes[] = {440, 493.88, 523.25, 587.33, 659.25, 587.33, 523.25, 493.88};
    int n = (int)(t / (BEAT / 2)) % 8;
    double tn = fmod(t, BEAT / 2);
    return 0.3 * sin(2 * M_PI * notes[n] * t) * exp(-tn / 0.2);
}

typedef struct stem_def {
    const char *name;
    cz_role role;
    voice_fn fn;
} stem_def;

static const stem_def STEMS[] = {
    {"drums", CZ_ROLE_DRUMS, kick_and_hats},
    {"bass", CZ_ROLE_BASS, steady_bass},
    {"pad", CZ_ROLE_PAD, pad_chord},
    {"lead", CZ_ROLE_LEAD, lead_line},
};
#define N_STEMS 4

/* production.stems: stereo stems (slightly different L/R) and their sum. */
static cz_audio *make_stems(double gain, uint32_t channels)
{
    uint64_t frames = (uint64_t)(SECONDS * RATE);
    cz_audio *main = cz_audio_new(RATE, channels, frames);
    ck_assert_ptr_nonnull(main);
    for (int s = 0; s < N_STEMS; s++) {
        cz_audio *a = cz_audio_new(RATE, channels, frames);
        cz_rng r;
        cz_rng_init(&r, 99, STEMS[s].name);
        for (uint64_t i = 0; i < frames; i++) {
            double v = gain * STEMS[s].fn((double)i / RATE, &r);
            for (uint32_t c = 0; c < channels; c++) {
                a->samples[i * channels + c] = (float)(v * (c ? 0.9 : 1.0));
                main->samples[i * channels + c] += a->samples[i * channels + c];
            }
        }
        ck_assert_int_eq(cz_audio_add_stem(main, STEMS[s].name, a), 0);
    }
    return main;
}

static cz_score *make_score(void)
{
    cz_score *s = cz_score_new(480);
    s->bpm = 120;
    s->bars = (uint32_t)(SECONDS / (4 * BEAT));
    s->total_ticks = s->bars * 4 * 480;
    for (int i = 0; i < N_STEMS; i++) {
        cz_track *t = cz_score_add_track(s, STEMS[i].name, STEMS[i].role, 0,
                                         STEMS[i].role == CZ_ROLE_DRUMS ? CZ_DRUM_CHANNEL : (uint8_t)i);
        ck_assert_ptr_nonnull(t);
        if (STEMS[i].role == CZ_ROLE_DRUMS)
            for (uint32_t b = 0; b < s->bars * 4; b++) {
                ck_assert_int_eq(cz_track_add_note(t, b * 480, 120, 36, 110, 0), 0);
                ck_assert_int_eq(cz_track_add_note(t, b * 480 + 240, 60, 42, 70, 0), 0);
            }
        else
            ck_assert_int_eq(cz_track_add_note(t, 0, s->total_ticks, 40 + (uint8_t)i, 90, 0), 0);
    }
    return s;
}

typedef struct inputs {
    int score, spec;
    int spooled; /* stems handed over spooled, as production.synth does */
    const char *genre;
    double gain;
    uint32_t channels;
} inputs;

/* The same stems, each moved to a scratch file (audio.h). */
static cz_audio *spool_stems(cz_audio *mem)
{
    for (uint32_t i = 0; i < mem->n_stems; i++) {
        cz_audio *m = mem->stems[i].audio, *sp = NULL;
        ck_assert_int_eq(cz_audio_new_spooled(m->rate, m->channels, m->frames, &sp, NULL), 0);
        ck_assert_ptr_null(sp->samples);
        ck_assert_int_eq(cz_audio_write(sp, 0, m->frames, m->samples), 0);
        mem->stems[i].audio = sp;
        cz_audio_unref(m);
    }
    return mem;
}

static czh *setup(const char *options, inputs in)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("mixing.console"), options, &err);
    ck_assert_msg(h != NULL, "init: %s", err.msg);
    cz_bus *bus = czh_bus(h);
    cz_audio *stems = make_stems(in.gain > 0 ? in.gain : 1, in.channels ? in.channels : 2);
    ck_assert_int_eq(cz_bus_put_audio(bus, "production.stems",
                                      in.spooled ? spool_stems(stems) : stems), 0);
    if (in.score)
        ck_assert_int_eq(cz_bus_put_score(bus, "arrangement.score", make_score()), 0);
    if (in.spec)
        ck_assert_int_eq(cz_bus_put_json(bus, "ideation.spec",
                                         json_pack("{s:s,s:i}", "genre",
                                                   in.genre ? in.genre : "house",
                                                   "tempo_bpm", 120)), 0);
    return h;
}

static const cz_audio *run_mix(czh *h)
{
    cz_error err = {0};
    int rc = czh_run(h, 42, &err);
    ck_assert_msg(rc == 0, "run: %s", err.msg);
    const cz_audio *mix = NULL;
    ck_assert_int_eq(cz_bus_get_audio(czh_bus(h), "mix.audio", &mix), 0);
    ck_assert_int_eq(cz_audio_load_all((cz_audio *)mix), 0); /* stems may be spooled */
    return mix;
}

static const inputs FULL = {.score = 1, .spec = 1};

/* ---- checks ----------------------------------------------------------------- */

static double peak_of(const cz_audio *a)
{
    double p = 0;
    for (uint64_t i = 0; i < a->frames * a->channels; i++)
        p = fmax(p, fabs(a->samples[i]));
    return p;
}

static void assert_stems_sum_to_mix(const cz_audio *mix)
{
    ck_assert_uint_eq(mix->channels, 2);
    ck_assert_uint_eq(mix->rate, RATE);
    double worst = 0;
    uint64_t bad = 0;
    for (uint64_t i = 0; i < mix->frames * 2; i++) {
        double sum = 0;
        for (uint32_t s = 0; s < mix->n_stems; s++)
            sum += mix->stems[s].audio->samples[i];
        bad += !isfinite(mix->samples[i]);
        worst = fmax(worst, fabs(sum - mix->samples[i]));
    }
    ck_assert_msg(!bad, "%llu non-finite mix samples", (unsigned long long)bad);
    ck_assert_msg(worst < 1e-5, "stems differ from the mix by %g", worst);
}

START_TEST(stems_and_returns_sum_to_a_finite_mix_below_full_scale)
{
    czh *h = setup(NULL, FULL);
    const cz_audio *mix = run_mix(h);
    ck_assert_uint_eq(mix->frames, (uint64_t)(SECONDS * RATE));
    ck_assert_uint_eq(mix->n_stems, N_STEMS + 2);
    for (int s = 0; s < N_STEMS; s++)
        ck_assert_str_eq(mix->stems[s].name, STEMS[s].name);
    ck_assert_str_eq(mix->stems[N_STEMS].name, "reverb");
    ck_assert_str_eq(mix->stems[N_STEMS + 1].name, "delay");
    assert_stems_sum_to_mix(mix);
    double p = peak_of(mix);
    ck_assert_msg(p < 1.0 && p > 0.05, "mix peak %g", p);
    /* Every stem comes out audible, the returns too. */
    for (uint32_t s = 0; s < mix->n_stems; s++)
        ck_assert_msg(peak_of(mix->stems[s].audio) > 1e-3, "stem %s is silent",
                      mix->stems[s].name);
    czh_free(h);
}
END_TEST

START_TEST(hot_stems_are_brought_down_to_the_headroom)
{
    /* Stems far too loud, and no score or spec: the console must still
     * stage them, and with 12 dB of headroom asked (more than staging
     * leaves) scale stems and mix down together to peak at -12 dBFS. */
    inputs in = {.gain = 30, .channels = 2};
    czh *h = setup("{\"headroom_db\": 12}", in);
    const cz_audio *mix = run_mix(h);
    assert_stems_sum_to_mix(mix);
    double p = peak_of(mix);
    ck_assert_msg(p <= pow(10, -12.0 / 20) * 1.0001, "mix peak %g above -12 dBFS", p);
    ck_assert_msg(p >= pow(10, -12.0 / 20) * 0.999, "mix peak %g: trimmed too far", p);
    czh_free(h);
}
END_TEST

START_TEST(mono_stems_come_out_stereo)
{
    inputs in = {.score = 1, .spec = 1, .channels = 1};
    czh *h = setup(NULL, in);
    const cz_audio *mix = run_mix(h);
    ck_assert_uint_eq(mix->channels, 2);
    assert_stems_sum_to_mix(mix);
    czh_free(h);
}
END_TEST

/* Bass level right after the kicks against between them, in dB. */
static double bass_duck_db(const cz_audio *mix)
{
    const cz_audio *bass = cz_audio_stem(mix, "bass");
    ck_assert_ptr_nonnull(bass);
    double in = 0, out = 0;
    for (int b = 2; b < (int)(SECONDS / BEAT) - 1; b++) {
        uint64_t k = (uint64_t)(b * BEAT * RATE);
        for (uint64_t i = k + RATE / 200; i < k + RATE / 25; i++) /* 5-40 ms */
            in += bass->samples[2 * i] * bass->samples[2 * i];
        for (uint64_t i = k + RATE * 35 / 100; i < k + RATE * 45 / 100; i++) /* 350-450 ms */
            out += bass->samples[2 * i] * bass->samples[2 * i];
    }
    double in_ms = in / (RATE * 0.035), out_ms = out / (RATE * 0.1);
    return 10 * log10(in_ms / out_ms);
}

START_TEST(sidechain_ducks_the_bass_on_kicks_only_when_on)
{
    czh *on = setup("{\"sidechain\": \"on\"}", FULL);
    czh *off = setup("{\"sidechain\": \"off\"}", FULL);
    double d_on = bass_duck_db(run_mix(on)), d_off = bass_duck_db(run_mix(off));
    ck_assert_msg(d_on < -4.0, "sidechain on: bass only %.2f dB lower on kicks", d_on);
    ck_assert_msg(fabs(d_off) < 1.0, "sidechain off: bass moves %.2f dB on kicks", d_off);
    czh_free(on);
    czh_free(off);
}
END_TEST

START_TEST(sidechain_finds_the_kick_in_the_drums_stem_without_a_score)
{
    inputs in = {.spec = 1};
    czh *on = setup("{\"sidechain\": \"on\"}", in);
    double d = bass_duck_db(run_mix(on));
    ck_assert_msg(d < -4.0, "no score: bass only %.2f dB lower on kicks", d);
    czh_free(on);
}
END_TEST

static double max_diff(const cz_audio *a, const cz_audio *b)
{
    ck_assert_uint_eq(a->frames, b->frames);
    double w = 0;
    for (uint64_t i = 0; i < a->frames * a->channels; i++)
        w = fmax(w, fabs((double)a->samples[i] - b->samples[i]));
    return w;
}

START_TEST(eq_option_swaps_the_eq_module)
{
    czh *bq = setup("{\"eq\": \"dsp.eq_biquad\"}", FULL);
    czh *ff = setup("{\"eq\": \"dsp.eq_fft\"}", FULL);
    const cz_audio *a = run_mix(bq), *b = run_mix(ff);
    assert_stems_sum_to_mix(b);
    ck_assert(peak_of(b) > 0.05);
    /* Same magnitude response, different phase and rounding: close, not
     * identical. */
    double d = max_diff(a, b);
    ck_assert_msg(d > 0 && d < 0.1 * peak_of(a), "biquad vs fft mix differ by %g", d);
    czh_free(bq);
    czh_free(ff);

    cz_error err = {0};
    czh *bad = czh_new(czh_module_path("mixing.console"), "{\"eq\": \"dsp.no_such_eq\"}", &err);
    ck_assert_ptr_null(bad);
    ck_assert_msg(strstr(err.msg, "eq") && strstr(err.msg, "dsp.no_such_eq"),
                  "error does not name the option and module: %s", err.msg);
}
END_TEST

START_TEST(genre_picks_the_preset)
{
    inputs techno = {.score = 1, .spec = 1, .genre = "Techno"};
    inputs jazz = {.score = 1, .spec = 1, .genre = "jazz"};
    czh *a = setup(NULL, techno), *b = setup(NULL, jazz), *c = setup("{\"preset\": \"techno\"}", jazz);
    const cz_audio *ma = run_mix(a), *mb = run_mix(b), *mc = run_mix(c);
    /* A different genre changes the mix audibly... */
    ck_assert_msg(max_diff(ma, mb) > 0.01, "techno and jazz mixes are the same");
    /* ...and the spec's genre maps to the same preset as naming it. */
    ck_assert_msg(max_diff(ma, mc) == 0, "genre 'Techno' is not preset techno");
    czh_free(a);
    czh_free(b);
    czh_free(c);
}
END_TEST

START_TEST(every_listed_preset_exists)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("mixing.console"), NULL, &err);
    ck_assert_ptr_nonnull(h);
    const cz_option *o = czh_desc(h)->options;
    while (o->name && strcmp(o->name, "preset"))
        o++;
    ck_assert_ptr_nonnull(o->choices);
    int n = 0;
    for (const char *const *c = o->choices; *c; c++, n++) {
        char opts[96];
        snprintf(opts, sizeof opts, "{\"preset\": \"%s\"}", *c);
        czh *p = czh_new(czh_module_path("mixing.console"), opts, &err);
        ck_assert_msg(p != NULL, "preset %s: %s", *c, err.msg);
        czh_free(p);
    }
    ck_assert_int_ge(n, 12); /* auto, default and at least ten genres */
    czh_free(h);
}
END_TEST

START_TEST(returns_can_be_switched_off)
{
    czh *h = setup("{\"reverb_mix\": 0, \"delay_mix\": 0}", FULL);
    const cz_audio *mix = run_mix(h);
    ck_assert_uint_eq(mix->n_stems, N_STEMS);
    ck_assert_ptr_null(cz_audio_stem(mix, "reverb"));
    ck_assert_ptr_null(cz_audio_stem(mix, "delay"));
    assert_stems_sum_to_mix(mix);
    czh_free(h);
}
END_TEST

START_TEST(same_input_same_bytes)
{
    czh *a = setup(NULL, FULL), *b = setup(NULL, FULL);
    const cz_audio *ma = run_mix(a), *mb = run_mix(b);
    ck_assert(!memcmp(ma->samples, mb->samples, ma->frames * 2 * sizeof(float)));
    for (uint32_t s = 0; s < ma->n_stems; s++)
        ck_assert(!memcmp(ma->stems[s].audio->samples, mb->stems[s].audio->samples,
                          ma->frames * 2 * sizeof(float)));
    czh_free(a);
    czh_free(b);
}
END_TEST

/* production.levels: each stem's level as production measured it while
 * writing (audio.h cz_level). Exact figures give the very bytes mixing gets
 * by measuring; figures are used only when put after the stems by the
 * same writer (else they may describe other stems). */
static json_t *levels_of(const cz_audio *stems, double force)
{
    json_t *lv = json_object();
    for (uint32_t i = 0; i < stems->n_stems; i++) {
        cz_level m;
        const cz_audio *st = stems->stems[i].audio;
        ck_assert_int_eq(cz_level_init(&m, st->rate, st->channels), 0);
        ck_assert_int_eq(cz_level_feed(&m, st->samples, st->frames), 0);
        json_object_set_new(lv, stems->stems[i].name,
                            json_real(isnan(force) ? cz_level_db(&m) : force));
        cz_level_free(&m);
    }
    return lv;
}

static int same_mix(const cz_audio *a, const cz_audio *b)
{
    return !memcmp(a->samples, b->samples, a->frames * 2 * sizeof(float));
}

START_TEST(levels_from_production_spare_the_pass_and_change_nothing)
{
    czh *measured = setup(NULL, FULL), *given = setup(NULL, FULL), *wrong = setup(NULL, FULL);
    const cz_audio *st = NULL;
    ck_assert_int_eq(cz_bus_get_audio(czh_bus(given), "production.stems", &st), 0);
    ck_assert_int_eq(cz_bus_put_json(czh_bus(given), "production.levels", levels_of(st, NAN)), 0);
    ck_assert_int_eq(cz_bus_put_json(czh_bus(wrong), "production.levels", levels_of(st, -60)), 0);
    const cz_audio *mm = run_mix(measured), *mg = run_mix(given), *mw = run_mix(wrong);
    ck_assert_msg(same_mix(mm, mg), "exact levels changed the mix");
    ck_assert_msg(!same_mix(mm, mw), "the given levels were not used");

    /* put before the stems (a later put of production.stems): ignored */
    czh *stale = setup(NULL, FULL);
    cz_bus *bus = czh_bus(stale);
    const cz_audio *old = NULL;
    ck_assert_int_eq(cz_bus_get_audio(bus, "production.stems", &old), 0);
    ck_assert_int_eq(cz_bus_put_json(bus, "production.levels", levels_of(old, -60)), 0);
    cz_audio *again = (cz_audio *)old;
    cz_audio_ref(again);
    ck_assert_int_eq(cz_bus_put_audio(bus, "production.stems", again), 0);
    ck_assert_msg(same_mix(mm, run_mix(stale)), "stale levels were used");
    czh_free(measured);
    czh_free(given);
    czh_free(wrong);
    czh_free(stale);
}
END_TEST

/* Stems that come spooled are mixed to the very same bytes as stems in
 * memory, and the processed stems and returns stay spooled (the process
 * never holds them whole); the mix itself is in memory for mastering. */
START_TEST(spooled_stems_mix_to_the_same_bytes)
{
    inputs sp = FULL, mono = FULL;
    sp.spooled = 1;
    mono.spooled = 1;
    mono.channels = 1;
    czh *a = setup(NULL, FULL), *b = setup(NULL, sp), *m = setup(NULL, mono);
    cz_error err = {0};
    ck_assert_msg(czh_run(b, 42, &err) == 0, "run: %s", err.msg);
    ck_assert_msg(czh_run(m, 42, &err) == 0, "run: %s", err.msg);
    const cz_audio *mb = NULL, *mm = NULL;
    ck_assert_int_eq(cz_bus_get_audio(czh_bus(b), "mix.audio", &mb), 0);
    ck_assert_int_eq(cz_bus_get_audio(czh_bus(m), "mix.audio", &mm), 0);
    ck_assert_ptr_nonnull(mb->samples);
    ck_assert_uint_eq(mb->n_stems, N_STEMS + 2);
    for (uint32_t s = 0; s < mb->n_stems; s++) {
        ck_assert_msg(mb->stems[s].audio->samples == NULL, "stem %s in memory", mb->stems[s].name);
        ck_assert_msg(mm->stems[s].audio->samples == NULL, "mono stem %s in memory",
                      mm->stems[s].name);
    }
    ck_assert_int_eq(cz_audio_load_all((cz_audio *)mb), 0);
    const cz_audio *ma = run_mix(a);
    ck_assert(!memcmp(ma->samples, mb->samples, ma->frames * 2 * sizeof(float)));
    for (uint32_t s = 0; s < ma->n_stems; s++)
        ck_assert_msg(!memcmp(ma->stems[s].audio->samples, mb->stems[s].audio->samples,
                              ma->frames * 2 * sizeof(float)), "stem %s differs", ma->stems[s].name);
    czh_free(a);
    czh_free(b);
    czh_free(m);
}
END_TEST

/* strip_dynamics with the detector and gain ramp of build `isa` over three
 * blocks (all sends; the reverb alone; none, ragged: an odd number of pairs
 * and an odd last frame); the strip's samples, mix and buses end up in
 * out[4]. */
static void strip_blocks(int isa, int rms, float *out[4])
{
    const comp_spec cs = {.thr_db = -12, .ratio = 4, .attack_ms = 3, .release_ms = 80,
                          .knee_db = 6, .makeup_db = 2, .rms = rms};
    strip s = {.gain_db = 4, .pan_l = 1.2f, .pan_r = 0.7f, .send_rv = 0.3f,
               .send_dl = 0.2f, .duck = 0.5f, .isa = isa};
    comp_init(&s.comp, &cs, -20, RATE);
    s.comp.isa = isa;
    cz_rng r;
    cz_rng_init(&r, 3, "ramp");
    float duck[BLOCK / CTL];
    for (int p = 0; p < BLOCK / CTL; p++)
        duck[p] = -6.0f * (float)(p % 9) / 8;
    size_t count = 3 * 2 * (size_t)BLOCK;
    for (int b = 0; b < 4; b++) {
        out[b] = malloc(count * sizeof(float));
        for (size_t i = 0; i < count; i++)
            out[b][i] = (float)cz_rng_range(&r, -0.5, 0.5) * (b ? 0.1f : (float)(1 + i / 4096));
    }
    const uint32_t n[3] = {BLOCK, BLOCK, BLOCK - 37};
    for (int k = 0; k < 3; k++) {
        size_t off = 2 * (size_t)BLOCK * k;
        strip_dynamics(&s, out[0] + off, n[k], k == 1 ? NULL : duck, out[1] + off,
                       k < 2 ? out[2] + off : NULL, k < 1 ? out[3] + off : NULL);
    }
}

START_TEST(every_build_of_the_strip_gives_the_same_bits)
{
    for (int rms = 0; rms < 2; rms++) {
        float *base[4], *other[4];
        strip_blocks(ISA_BASE, rms, base);
        for (int isa = ISA_BASE + 1; isa <= isa_detect(); isa++) {
            strip_blocks(isa, rms, other);
            for (int b = 0; b < 4; b++) {
                ck_assert_msg(!memcmp(base[b], other[b], 3 * 2 * (size_t)BLOCK * sizeof(float)),
                              "build %d (rms %d) differs from the baseline in buffer %d",
                              isa, rms, b);
                free(other[b]);
            }
        }
        for (int b = 0; b < 4; b++)
            free(base[b]);
    }
}
END_TEST

/* The reverb's network loop of build `isa` on noise bursts, in calls of
 * uneven lengths (ragged chunk ends); returns the wet output. */
static float *reverb_run(int isa)
{
    static const uint32_t calls[] = {4096, 1000, 7, 3001, 4096, 513, 4096};
    size_t total = 0;
    for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++)
        total += calls[c];
    float *x = malloc(2 * total * sizeof *x);
    cz_rng r;
    cz_rng_init(&r, 4, "reverb");
    for (size_t i = 0; i < 2 * total; i++)
        x[i] = (i / 2) % 6000 < 500 ? (float)cz_rng_range(&r, -0.5, 0.5) : 0.0f;
    reverb *rv = reverb_new(RATE, 2.2f, 0.5f, 20, 1.0f);
    ck_assert_ptr_nonnull(rv);
    rv->isa = isa;
    float *p = x;
    for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++) {
        reverb_process(rv, p, calls[c]);
        p += 2 * (size_t)calls[c];
    }
    reverb_free(rv);
    return x;
}

START_TEST(every_build_of_the_reverb_gives_the_same_bits)
{
    float *base = reverb_run(ISA_BASE);
    size_t bytes = 2 * (4096 * 3 + 1000 + 7 + 3001 + 513) * sizeof(float);
    for (int isa = ISA_BASE + 1; isa <= isa_detect(); isa++) {
        float *other = reverb_run(isa);
        ck_assert_msg(!memcmp(base, other, bytes), "build %d differs from the baseline", isa);
        free(other);
    }
    free(base);
}
END_TEST

START_TEST(missing_or_mistyped_input_is_a_clean_error)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("mixing.console"), NULL, &err);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_lt(czh_run(h, 1, &err), 0);
    ck_assert_msg(strstr(err.msg, "production.stems"), "%s", err.msg);
    ck_assert_int_eq(cz_bus_put_string(czh_bus(h), "production.stems", "oops"), 0);
    memset(&err, 0, sizeof err);
    ck_assert_int_lt(czh_run(h, 1, &err), 0);
    ck_assert_msg(strstr(err.msg, "production.stems"), "%s", err.msg);
    czh_free(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mixing");
    TCase *tc = tcase_create("mixing");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, stems_and_returns_sum_to_a_finite_mix_below_full_scale);
    tcase_add_test(tc, hot_stems_are_brought_down_to_the_headroom);
    tcase_add_test(tc, mono_stems_come_out_stereo);
    tcase_add_test(tc, sidechain_ducks_the_bass_on_kicks_only_when_on);
    tcase_add_test(tc, sidechain_finds_the_kick_in_the_drums_stem_without_a_score);
    tcase_add_test(tc, eq_option_swaps_the_eq_module);
    tcase_add_test(tc, genre_picks_the_preset);
    tcase_add_test(tc, every_listed_preset_exists);
    tcase_add_test(tc, returns_can_be_switched_off);
    tcase_add_test(tc, same_input_same_bytes);
    tcase_add_test(tc, levels_from_production_spare_the_pass_and_change_nothing);
    tcase_add_test(tc, spooled_stems_mix_to_the_same_bytes);
    tcase_add_test(tc, missing_or_mistyped_input_is_a_clean_error);
    tcase_add_test(tc, every_build_of_the_strip_gives_the_same_bits);
    tcase_add_test(tc, every_build_of_the_reverb_gives_the_same_bits);
    suite_add_tcase(s, tc);
    return czh_run_suite(s);
}
