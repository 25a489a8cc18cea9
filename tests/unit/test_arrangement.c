/*
 * test_arrangement.c - arrangement.sections, run as a black box.
 *
 * Each test builds the material by hand with the score API (one section per
 * section name, a diatonic I-V-vi-IV progression one chord a bar, a lead
 * with chord tones on the strong beats and scale tones between, a bass on
 * the roots, a comping track), writes the spec as JSON, runs the real
 * module through tests/harness.h and reads arrangement.score back.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PPQ 480u
#define MOD "arrangement.sections"

enum { KICK = 36, SNARE = 38, CLAP = 39, HAT = 42, CRASH = 49, RIDE = 51 };

/* ---- material -------------------------------------------------------- */

typedef struct mat_def {
    double bpm;
    int num, den;
    int tonic;
    cz_mode mode;
    const char *sections; /* "intro:4 verse:8 chorus:8 outro:4" */
    int tracks;           /* bit 0 lead, 1 bass, 2 chords */
    float swing;
} mat_def;

static mat_def mat_default(void)
{
    mat_def d = {120, 4, 4, 0, CZ_MODE_MAJOR,
                 "intro:4 verse:8 chorus:8 bridge:8 outro:4", 7, 0};
    return d;
}

static uint32_t tpb_of(int num, int den)
{
    return PPQ * 4u * (uint32_t)num / (uint32_t)den;
}

/* Strong positions as the arranger counts them: the downbeat; beat 3 in
 * 4/4; every dotted-quarter beat in compound meters. */
static int strong(int num, int den, uint32_t off)
{
    if (off == 0)
        return 1;
    if (den == 8 && num % 3 == 0 && num >= 6)
        return off % (PPQ * 3 / 2) == 0;
    if (den <= 4 && (tpb_of(num, den) / (PPQ * 4 / den)) % 2 == 0)
        return off % (2 * PPQ) == 0;
    return 0;
}

/* Diatonic triad on scale degree deg (0-based) of tonic/mode. */
static cz_chord triad(int tonic, cz_mode mode, int deg, uint32_t tick,
                      uint32_t len)
{
    const uint8_t *st = cz_mode_steps(mode);
    cz_chord c;
    memset(&c, 0, sizeof c);
    c.tick = tick;
    c.len = len;
    c.root = (uint8_t)((tonic + st[deg % 7]) % 12);
    c.bass = c.root;
    for (int k = 0; k < 3; k++)
        c.tones |= (uint16_t)(1u << ((tonic + st[(deg + 2 * k) % 7]) % 12));
    snprintf(c.symbol, sizeof c.symbol, "deg%d", deg + 1);
    snprintf(c.roman, sizeof c.roman, "%d", deg + 1);
    return c;
}

static int pc_at_or_above(int pc, int lo)
{
    int p = lo;
    while (p % 12 != pc)
        p++;
    return p;
}

static cz_score *make_material(const mat_def *d)
{
    static const int prog[4] = {0, 4, 5, 3};
    cz_score *s = cz_score_new(PPQ);
    ck_assert_ptr_nonnull(s);
    s->bpm = d->bpm;
    s->meter_num = (uint8_t)d->num;
    s->meter_den = (uint8_t)d->den;
    s->key_tonic = (uint8_t)d->tonic;
    s->mode = (uint8_t)d->mode;
    s->swing = d->swing;
    uint32_t tpb = tpb_of(d->num, d->den);
    uint16_t scale = cz_scale_mask((uint8_t)d->tonic, d->mode);

    /* sections */
    uint32_t bar = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", d->sections);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        char *colon = strchr(tok, ':');
        ck_assert_ptr_nonnull(colon);
        *colon = 0;
        uint32_t bars = (uint32_t)atoi(colon + 1);
        float e = !strcmp(tok, "chorus") ? 0.85f
                  : !strcmp(tok, "intro") || !strcmp(tok, "outro") ? 0.3f
                                                                   : 0.5f;
        ck_assert_int_eq(cz_score_add_section(s, tok, bar, bars, e), 0);
        bar += bars;
    }
    s->bars = bar;
    s->total_ticks = bar * tpb;

    /* chords, one a bar; a section starts its own cycle */
    for (uint32_t i = 0; i < s->n_sections; i++) {
        const cz_section *sec = &s->sections[i];
        for (uint32_t b = 0; b < sec->bars; b++) {
            int deg = prog[(b + (!strcmp(sec->name, "chorus") ? 2 : 0)) % 4];
            cz_chord c = triad(d->tonic, d->mode, deg,
                               (sec->start_bar + b) * tpb, tpb);
            ck_assert_int_eq(cz_score_add_chord(s, &c), 0);
        }
    }
    if (d->tracks & 1) {
        cz_track *t = cz_score_add_track(s, "lead", CZ_ROLE_LEAD, 80, 0);
        ck_assert_ptr_nonnull(t);
        uint32_t eighth = PPQ / 2;
        for (uint32_t b = 0; b < bar; b++) {
            const cz_chord *c = cz_score_chord_at(s, b * tpb);
            int k = 0;
            for (uint32_t off = 0; off < tpb; off += eighth) {
                uint32_t tick = b * tpb + off;
                if (strong(d->num, d->den, off)) {
                    /* a chord tone, a quarter long */
                    int pcs[3], n = 0;
                    for (int q = 0; q < 12; q++)
                        if (c->tones & (1u << ((c->root + q) % 12)))
                            pcs[n++] = (c->root + q) % 12;
                    int p = pc_at_or_above(pcs[(b + k++) % n], 64);
                    uint32_t len = off + 2 * eighth <= tpb ? 2 * eighth : eighth;
                    ck_assert_int_eq(cz_track_add_note(t, tick, len, (uint8_t)p,
                                                       90, 0), 0);
                    off += len - eighth;
                } else if ((b + off / eighth) % 3 != 0) {
                    /* a scale tone, an eighth */
                    int p = 67 + (int)((b * 3 + off / eighth) % 7);
                    while (!(scale & (1u << (p % 12))))
                        p++;
                    ck_assert_int_eq(cz_track_add_note(t, tick, eighth,
                                                       (uint8_t)p, 80, 0), 0);
                }
            }
        }
        /* one intentional chromatic note, flagged */
        int chrom = 66;
        while (scale & (1u << (chrom % 12)))
            chrom++;
        ck_assert_int_eq(cz_track_add_note(t, tpb * 5 + PPQ / 2 + PPQ / 4,
                                           PPQ / 4, (uint8_t)chrom, 70,
                                           CZ_NOTE_CHROMATIC), 0);
        cz_track_sort(t);
    }
    if (d->tracks & 2) {
        cz_track *t = cz_score_add_track(s, "bass", CZ_ROLE_BASS, 33, 1);
        ck_assert_ptr_nonnull(t);
        for (uint32_t b = 0; b < bar; b++) {
            const cz_chord *c = cz_score_chord_at(s, b * tpb);
            for (uint32_t off = 0; off < tpb; off += PPQ)
                ck_assert_int_eq(cz_track_add_note(t, b * tpb + off, PPQ - 20,
                                                   (uint8_t)(36 + c->root), 96,
                                                   0), 0);
        }
    }
    if (d->tracks & 4) {
        cz_track *t = cz_score_add_track(s, "piano", CZ_ROLE_CHORDS, 0, 2);
        ck_assert_ptr_nonnull(t);
        for (uint32_t b = 0; b < bar; b++) {
            const cz_chord *c = cz_score_chord_at(s, b * tpb);
            for (int q = 0; q < 12; q++)
                if (c->tones & (1u << q))
                    ck_assert_int_eq(cz_track_add_note(t, b * tpb, tpb,
                                                       (uint8_t)(60 + q), 70,
                                                       0), 0);
        }
    }
    return s;
}

/* ---- spec -------------------------------------------------------------- */

static json_t *make_spec(const char *genre, const mat_def *d, double duration,
                         const char *roles, const char *form)
{
    static const struct {
        const char *role;
        int program;
    } progs[] = {{"lead", 80}, {"bass", 33}, {"chords", 0}, {"drums", 0},
                 {"perc", 0},  {"pad", 89},  {"arp", 81},   {"counter", 73},
                 {"fx", 99}};
    json_t *inst = json_array();
    char buf[256];
    snprintf(buf, sizeof buf, "%s", roles);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        int prog = 0;
        for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++)
            if (!strcmp(progs[i].role, tok))
                prog = progs[i].program;
        json_array_append_new(inst, json_pack("{s:s, s:s, s:i}", "name", tok,
                                              "role", tok, "program", prog));
    }
    json_t *spec = json_pack("{s:s, s:f, s:i, s:i, s:f, s:f, s:o}", "genre",
                             genre, "tempo_bpm", d->bpm, "meter_num", d->num,
                             "meter_den", d->den, "swing", (double)d->swing,
                             "energy", 0.7, "instruments", inst);
    if (duration > 0)
        json_object_set_new(spec, "duration_s", json_real(duration));
    if (form) {
        json_t *f = json_array();
        snprintf(buf, sizeof buf, "%s", form);
        for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " "))
            json_array_append_new(f, json_string(tok));
        json_object_set_new(spec, "form", f);
    }
    return spec;
}

#define ALL_ROLES "lead bass chords drums perc pad arp counter"
#define POP_FORM "intro verse chorus verse chorus bridge chorus outro"

/* ---- running ----------------------------------------------------------- */

static czh *new_h(const char *options)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path(MOD), options, &err);
    ck_assert_msg(h != NULL, "load %s: %s", MOD, err.msg);
    return h;
}

/* Put the inputs (taking them over), run, return the output (borrowed:
 * valid until the next run on h). */
static const cz_score *arrange(czh *h, cz_score *mat, json_t *spec,
                               uint64_t seed)
{
    cz_bus *bus = czh_bus(h);
    ck_assert_int_eq(cz_bus_put_score(bus, "composition.score", mat), 0);
    ck_assert_int_eq(cz_bus_put_json(bus, "ideation.spec", spec), 0);
    cz_error err = {0};
    int rc = czh_run(h, seed, &err);
    ck_assert_msg(rc == 0, "run: %s (%s)", err.msg, cz_strerror(rc));
    const cz_score *out = NULL;
    ck_assert_int_eq(cz_bus_get_score(bus, "arrangement.score", &out), 0);
    return out;
}

/* One run with its own harness; the caller unrefs the score. */
static const cz_score *arrange_once(const char *options, const char *genre,
                                    const mat_def *d, double duration,
                                    const char *roles, const char *form,
                                    uint64_t seed)
{
    czh *h = new_h(options);
    const cz_score *out = arrange(h, make_material(d),
                                  make_spec(genre, d, duration, roles, form),
                                  seed);
    cz_score_ref(out);
    czh_free(h);
    return out;
}

static const cz_track *track_of(const cz_score *s, cz_role role)
{
    for (uint32_t i = 0; i < s->n_tracks; i++)
        if (s->tracks[i].role == role)
            return &s->tracks[i];
    return NULL;
}

static const cz_section *section_named(const cz_score *s, const char *name,
                                       int nth)
{
    for (uint32_t i = 0; i < s->n_sections; i++)
        if (!strcmp(s->sections[i].name, name) && nth-- == 0)
            return &s->sections[i];
    return NULL;
}

static int count_named(const cz_score *s, const char *name)
{
    int n = 0;
    for (uint32_t i = 0; i < s->n_sections; i++)
        n += !strcmp(s->sections[i].name, name);
    return n;
}

/* Is there a note of pitch on t with tick in [lo, hi]? */
static int has_hit(const cz_track *t, int pitch, uint32_t lo, uint32_t hi)
{
    for (uint32_t i = 0; t && i < t->n_notes; i++)
        if (t->notes[i].pitch == pitch && t->notes[i].tick >= lo &&
            t->notes[i].tick <= hi)
            return 1;
    return 0;
}

/* Everything a timeline must satisfy, whatever the genre. */
static void check_timeline(const cz_score *s, const mat_def *d)
{
    uint32_t tpb = cz_score_ticks_per_bar(s);
    ck_assert_uint_eq(s->ppq, PPQ);
    ck_assert(fabs(s->bpm - d->bpm) < 1e-9);
    ck_assert_uint_eq(s->meter_num, d->num);
    ck_assert_uint_eq(s->meter_den, d->den);
    ck_assert_uint_eq(s->key_tonic, d->tonic);
    ck_assert_uint_eq(s->mode, d->mode);
    ck_assert_uint_gt(s->bars, 0);
    ck_assert_uint_eq(s->total_ticks, s->bars * tpb);
    /* sections: contiguous from bar 0 to the end */
    uint32_t bar = 0;
    ck_assert_uint_gt(s->n_sections, 0);
    for (uint32_t i = 0; i < s->n_sections; i++) {
        ck_assert_uint_eq(s->sections[i].start_bar, bar);
        ck_assert_uint_gt(s->sections[i].bars, 0);
        bar += s->sections[i].bars;
    }
    ck_assert_uint_eq(bar, s->bars);
    /* chords: contiguous from tick 0 to the end */
    uint32_t tick = 0;
    ck_assert_uint_gt(s->n_chords, 0);
    for (uint32_t i = 0; i < s->n_chords; i++) {
        ck_assert_uint_eq(s->chords[i].tick, tick);
        ck_assert_uint_gt(s->chords[i].len, 0);
        tick += s->chords[i].len;
    }
    ck_assert_uint_eq(tick, s->total_ticks);
    /* notes: inside the song, valid, sorted */
    for (uint32_t k = 0; k < s->n_tracks; k++) {
        const cz_track *t = &s->tracks[k];
        for (uint32_t i = 0; i < t->n_notes; i++) {
            const cz_note *n = &t->notes[i];
            ck_assert_uint_lt(n->tick, s->total_ticks);
            ck_assert_uint_gt(n->len, 0);
            ck_assert_uint_le((uint64_t)n->tick + n->len, s->total_ticks);
            ck_assert(n->velocity >= 1 && n->velocity <= 127);
            ck_assert(n->pitch <= 127);
            if (i)
                ck_assert_uint_le(t->notes[i - 1].tick, n->tick);
        }
    }
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(test_length_fits_request)
{
    static const double bpms[] = {72, 120, 174};
    static const int meters[][2] = {{4, 4}, {3, 4}, {6, 8}};
    static const double durs[] = {30, 75, 150, 300};
    czh *h = new_h(NULL);
    for (size_t b = 0; b < 3; b++)
        for (size_t m = 0; m < 3; m++)
            for (size_t k = 0; k < 4; k++) {
                mat_def d = mat_default();
                d.bpm = bpms[b];
                d.num = meters[m][0];
                d.den = meters[m][1];
                const cz_score *s = arrange(h, make_material(&d),
                                            make_spec("pop", &d, durs[k],
                                                      ALL_ROLES, POP_FORM),
                                            11 + k);
                check_timeline(s, &d);
                double quarters = (double)cz_score_ticks_per_bar(s) / PPQ;
                double bar_s = quarters * 60.0 / d.bpm;
                double len_s = s->bars * bar_s;
                ck_assert_msg(fabs(len_s - durs[k]) <= bar_s,
                              "%g bpm %d/%d: asked %g s, got %g s (%u bars)",
                              d.bpm, d.num, d.den, durs[k], len_s, s->bars);
                /* a song, not a loop: it has its chorus and an ending */
                ck_assert_int_ge(count_named(s, "chorus"), 1);
            }
    czh_free(h);
}
END_TEST

START_TEST(test_long_song_repeats_sections)
{
    mat_def d = mat_default();
    const cz_score *s = arrange_once(NULL, "pop", &d, 300, ALL_ROLES,
                                     POP_FORM, 5);
    check_timeline(s, &d);
    ck_assert_int_ge(count_named(s, "chorus"), 3);
    ck_assert_int_ge(count_named(s, "verse"), 2);
    ck_assert_str_eq(s->sections[0].name, "intro");
    ck_assert_str_eq(s->sections[s->n_sections - 1].name, "outro");
    cz_score_unref(s);
}
END_TEST

START_TEST(test_drums_channel_10_gm_notes)
{
    static const char *genres[] = {
        "house", "techno", "trance", "disco", "rock", "pop", "hiphop", "lofi",
        "trap", "dnb", "reggae", "jazz", "funk", "synthwave", "metal",
        "ambient", "cinematic", "latin", "country", "blues", "rnb", "dubstep",
        "chiptune", "polka"};
    czh *h = new_h(NULL);
    for (size_t g = 0; g < sizeof genres / sizeof genres[0]; g++) {
        mat_def d = mat_default();
        if (!strcmp(genres[g], "dnb"))
            d.bpm = 174;
        const cz_score *s = arrange(h, make_material(&d),
                                    make_spec(genres[g], &d, 90, ALL_ROLES,
                                              NULL), 3);
        check_timeline(s, &d);
        int drum_notes = 0;
        for (uint32_t k = 0; k < s->n_tracks; k++) {
            const cz_track *t = &s->tracks[k];
            int kit = t->role == CZ_ROLE_DRUMS || t->role == CZ_ROLE_PERC;
            ck_assert_msg(kit == (t->channel == CZ_DRUM_CHANNEL),
                          "%s: track %s (%s) on channel %u", genres[g], t->name,
                          cz_role_name(t->role), t->channel);
            if (!kit)
                continue;
            for (uint32_t i = 0; i < t->n_notes; i++)
                ck_assert_msg(t->notes[i].pitch >= 35 && t->notes[i].pitch <= 81,
                              "%s: drum note %u not in the GM map", genres[g],
                              t->notes[i].pitch);
            if (t->role == CZ_ROLE_DRUMS)
                drum_notes += (int)t->n_notes;
        }
        ck_assert_msg(drum_notes > 0, "%s: no drums", genres[g]);
    }
    czh_free(h);
}
END_TEST

START_TEST(test_negated_roles_absent)
{
    mat_def d = mat_default();
    const cz_score *s = arrange_once(NULL, "house", &d, 120,
                                     "lead bass chords pad", NULL, 1);
    check_timeline(s, &d);
    for (uint32_t k = 0; k < s->n_tracks; k++) {
        cz_role r = s->tracks[k].role;
        ck_assert_msg(r != CZ_ROLE_DRUMS && r != CZ_ROLE_PERC &&
                      r != CZ_ROLE_ARP && r != CZ_ROLE_COUNTER,
                      "track %s with role %s was not asked for",
                      s->tracks[k].name, cz_role_name(r));
        ck_assert_uint_ne(s->tracks[k].channel, CZ_DRUM_CHANNEL);
    }
    ck_assert_ptr_nonnull(track_of(s, CZ_ROLE_PAD));
    cz_score_unref(s);

    /* a material lead the band no longer has is left out too */
    s = arrange_once(NULL, "rock", &d, 60, "bass chords drums", NULL, 1);
    ck_assert_ptr_null(track_of(s, CZ_ROLE_LEAD));
    ck_assert_ptr_nonnull(track_of(s, CZ_ROLE_DRUMS));
    ck_assert_ptr_nonnull(track_of(s, CZ_ROLE_BASS));
    cz_score_unref(s);
}
END_TEST

/* Lead in the key (except flagged chromatic notes), chord tones on strong
 * beats; pads and arps play chord tones; the counter-line stays in the
 * scale and below the lead. */
START_TEST(test_harmony_kept)
{
    static const struct {
        int tonic;
        cz_mode mode;
        int num, den;
    } keys[] = {{0, CZ_MODE_MAJOR, 4, 4}, {9, CZ_MODE_MINOR, 4, 4},
                {2, CZ_MODE_DORIAN, 3, 4}, {7, CZ_MODE_MIXOLYDIAN, 6, 8}};
    czh *h = new_h("{\"humanize_ms\": 0, \"variation\": 1}");
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            mat_def d = mat_default();
            d.tonic = keys[k].tonic;
            d.mode = keys[k].mode;
            d.num = keys[k].num;
            d.den = keys[k].den;
            const cz_score *s = arrange(h, make_material(&d),
                                        make_spec("synthwave", &d, 150,
                                                  ALL_ROLES, POP_FORM), seed);
            check_timeline(s, &d);
            uint16_t scale = cz_scale_mask((uint8_t)d.tonic, d.mode);
            uint32_t tpb = cz_score_ticks_per_bar(s);
            const cz_track *lead = track_of(s, CZ_ROLE_LEAD);
            ck_assert_ptr_nonnull(lead);
            int chromatic = 0;
            for (uint32_t i = 0; i < lead->n_notes; i++) {
                const cz_note *n = &lead->notes[i];
                if (n->flags & CZ_NOTE_CHROMATIC) {
                    chromatic++;
                    continue;
                }
                ck_assert_msg(scale & (1u << (n->pitch % 12)),
                              "lead note %u at %u out of the key", n->pitch,
                              n->tick);
                if (strong(d.num, d.den, n->tick % tpb) &&
                    !(n->flags & CZ_NOTE_PASSING)) {
                    const cz_chord *c = cz_score_chord_at(s, n->tick);
                    ck_assert_ptr_nonnull(c);
                    ck_assert_msg(c->tones & (1u << (n->pitch % 12)),
                                  "strong-beat lead note %u at %u is not in "
                                  "%s", n->pitch, n->tick, c->symbol);
                }
            }
            ck_assert_int_gt(chromatic, 0); /* the flagged one survived */
            static const cz_role chordal[] = {CZ_ROLE_PAD, CZ_ROLE_ARP};
            for (int r = 0; r < 2; r++) {
                const cz_track *t = track_of(s, chordal[r]);
                ck_assert_ptr_nonnull(t);
                ck_assert_uint_gt(t->n_notes, 0);
                for (uint32_t i = 0; i < t->n_notes; i++) {
                    const cz_chord *c = cz_score_chord_at(s, t->notes[i].tick);
                    ck_assert_msg(c->tones & (1u << (t->notes[i].pitch % 12)),
                                  "%s note %u at %u not in %s",
                                  cz_role_name(chordal[r]), t->notes[i].pitch,
                                  t->notes[i].tick, c->symbol);
                }
            }
            const cz_track *ctr = track_of(s, CZ_ROLE_COUNTER);
            ck_assert_ptr_nonnull(ctr);
            ck_assert_uint_gt(ctr->n_notes, 0);
            for (uint32_t i = 0; i < ctr->n_notes; i++) {
                const cz_note *n = &ctr->notes[i];
                ck_assert(scale & (1u << (n->pitch % 12)));
                /* below every lead note sounding at its start */
                for (uint32_t j = 0; j < lead->n_notes; j++) {
                    const cz_note *l = &lead->notes[j];
                    if (l->tick <= n->tick && l->tick + l->len > n->tick)
                        ck_assert_msg(n->pitch < l->pitch, "counter %u at %u "
                                      "not below lead %u", n->pitch, n->tick,
                                      l->pitch);
                }
            }
        }
    czh_free(h);
}
END_TEST

static double notes_per_bar(const cz_score *s, const cz_section *sec)
{
    uint32_t tpb = cz_score_ticks_per_bar(s);
    uint32_t a = sec->start_bar * tpb, b = a + sec->bars * tpb;
    uint32_t n = 0;
    for (uint32_t k = 0; k < s->n_tracks; k++)
        for (uint32_t i = 0; i < s->tracks[k].n_notes; i++)
            n += s->tracks[k].notes[i].tick >= a && s->tracks[k].notes[i].tick < b;
    return (double)n / sec->bars;
}

START_TEST(test_intro_sparser_than_chorus)
{
    static const char *genres[] = {"pop", "house", "rock", "synthwave", "trap"};
    czh *h = new_h(NULL);
    for (size_t g = 0; g < 5; g++) {
        mat_def d = mat_default();
        const cz_score *s = arrange(h, make_material(&d),
                                    make_spec(genres[g], &d, 120, ALL_ROLES,
                                              POP_FORM), 9);
        const cz_section *intro = section_named(s, "intro", 0);
        const cz_section *chorus = section_named(s, "chorus", 0);
        ck_assert_ptr_nonnull(intro);
        ck_assert_ptr_nonnull(chorus);
        double a = notes_per_bar(s, intro), b = notes_per_bar(s, chorus);
        ck_assert_msg(a < 0.7 * b, "%s: intro %.1f notes/bar, chorus %.1f",
                      genres[g], a, b);
        /* and the lead waits for the verse */
        const cz_track *lead = track_of(s, CZ_ROLE_LEAD);
        uint32_t tpb = cz_score_ticks_per_bar(s);
        for (uint32_t i = 0; i < lead->n_notes; i++)
            ck_assert_uint_ge(lead->notes[i].tick + 64,
                              (intro->start_bar + intro->bars) * tpb);
    }
    czh_free(h);
}
END_TEST

START_TEST(test_crash_on_chorus_downbeats)
{
    mat_def d = mat_default();
    const cz_score *s = arrange_once(NULL, "pop", &d, 180, ALL_ROLES,
                                     POP_FORM, 4);
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    ck_assert_ptr_nonnull(dr);
    uint32_t tpb = cz_score_ticks_per_bar(s);
    int n = 0;
    for (uint32_t i = 0; i < s->n_sections; i++) {
        const cz_section *sec = &s->sections[i];
        if (strcmp(sec->name, "chorus"))
            continue;
        uint32_t t = sec->start_bar * tpb;
        ck_assert_msg(has_hit(dr, CRASH, t > 30 ? t - 30 : 0, t + 30),
                      "no crash on the chorus at bar %u", sec->start_bar);
        n++;
    }
    ck_assert_int_ge(n, 2);
    cz_score_unref(s);

    /* crashes: false takes them away */
    s = arrange_once("{\"crashes\": false}", "pop", &d, 180, ALL_ROLES,
                     POP_FORM, 4);
    ck_assert(!has_hit(track_of(s, CZ_ROLE_DRUMS), CRASH, 0, UINT32_MAX));
    cz_score_unref(s);
}
END_TEST

static int scores_equal(const cz_score *a, const cz_score *b)
{
    if (a->ppq != b->ppq || a->total_ticks != b->total_ticks ||
        a->bpm != b->bpm || a->bars != b->bars ||
        a->n_sections != b->n_sections || a->n_chords != b->n_chords ||
        a->n_tracks != b->n_tracks || a->swing != b->swing)
        return 0;
    for (uint32_t i = 0; i < a->n_sections; i++)
        if (strcmp(a->sections[i].name, b->sections[i].name) ||
            a->sections[i].bars != b->sections[i].bars ||
            a->sections[i].energy != b->sections[i].energy)
            return 0;
    for (uint32_t i = 0; i < a->n_chords; i++)
        if (a->chords[i].tick != b->chords[i].tick ||
            a->chords[i].len != b->chords[i].len ||
            a->chords[i].tones != b->chords[i].tones ||
            strcmp(a->chords[i].symbol, b->chords[i].symbol))
            return 0;
    for (uint32_t k = 0; k < a->n_tracks; k++) {
        const cz_track *x = &a->tracks[k], *y = &b->tracks[k];
        if (strcmp(x->name, y->name) || x->role != y->role ||
            x->program != y->program || x->channel != y->channel ||
            x->n_notes != y->n_notes ||
            (x->n_notes && memcmp(x->notes, y->notes,
                                  x->n_notes * sizeof x->notes[0])))
            return 0;
    }
    return 1;
}

START_TEST(test_input_untouched)
{
    mat_def d = mat_default();
    cz_score *mat = make_material(&d);
    cz_score *copy = cz_score_clone(mat);
    cz_score_ref(mat);
    czh *h = new_h(NULL);
    const cz_score *out = arrange(h, mat, make_spec("pop", &d, 200, ALL_ROLES,
                                                    POP_FORM), 3);
    ck_assert_ptr_ne(out, mat);
    ck_assert(scores_equal(mat, copy));
    czh_free(h);
    cz_score_unref(mat);
    cz_score_unref(copy);
}
END_TEST

START_TEST(test_deterministic_per_seed)
{
    mat_def d = mat_default();
    const cz_score *a = arrange_once(NULL, "funk", &d, 150, ALL_ROLES,
                                     POP_FORM, 42);
    const cz_score *b = arrange_once(NULL, "funk", &d, 150, ALL_ROLES,
                                     POP_FORM, 42);
    const cz_score *c = arrange_once(NULL, "funk", &d, 150, ALL_ROLES,
                                     POP_FORM, 43);
    ck_assert(scores_equal(a, b));
    ck_assert(!scores_equal(a, c));
    cz_score_unref(a);
    cz_score_unref(b);
    cz_score_unref(c);
}
END_TEST

/* Bar ticks of the sections called name, without their first and last
 * bar and every eighth bar (crash and fill bars). */
static uint32_t inner_bars(const cz_score *s, const char *name,
                           uint32_t *ticks, uint32_t max)
{
    uint32_t tpb = cz_score_ticks_per_bar(s), n = 0;
    for (uint32_t i = 0; i < s->n_sections; i++) {
        const cz_section *sec = &s->sections[i];
        if (strcmp(sec->name, name))
            continue;
        for (uint32_t b = 1; b + 1 < sec->bars && n < max; b++)
            if (b % 8)
                ticks[n++] = (sec->start_bar + b) * tpb;
    }
    ck_assert_msg(n > 0, "no inner bars in sections called %s", name);
    return n;
}

#define FOR_INNER_BARS(s, nm, t)                                              \
    uint32_t bars_[512], nbars_ = inner_bars((s), (nm), bars_, 512);          \
    for (uint32_t k_ = 0, t = 0; k_ < nbars_ && (t = bars_[k_], 1); k_++)

static const char *grid_opts = "{\"humanize_ms\": 0, \"humanize_velocity\": 0}";

START_TEST(test_groove_house_four_on_the_floor)
{
    mat_def d = mat_default();
    d.bpm = 124;
    d.sections = "intro:8 build:4 drop:16 breakdown:8 outro:8";
    const cz_score *s = arrange_once(grid_opts, "house", &d, 180, ALL_ROLES,
                                     "intro build drop breakdown build drop outro",
                                     2);
    check_timeline(s, &d);
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    FOR_INNER_BARS(s, "drop", t) {
        for (uint32_t beat = 0; beat < 4; beat++)
            ck_assert_msg(has_hit(dr, KICK, t + beat * PPQ, t + beat * PPQ),
                          "no kick on beat %u of bar at %u", beat + 1, t);
        ck_assert(has_hit(dr, CLAP, t + PPQ, t + PPQ));
    }
    /* the breakdown drops the kick */
    const cz_section *bd = section_named(s, "breakdown", 0);
    uint32_t tpb = cz_score_ticks_per_bar(s);
    ck_assert(!has_hit(dr, KICK, bd->start_bar * tpb,
                       (bd->start_bar + bd->bars) * tpb - 1));
    cz_score_unref(s);
}
END_TEST

START_TEST(test_groove_rock_backbeat)
{
    mat_def d = mat_default();
    const cz_score *s = arrange_once(grid_opts, "rock", &d, 150, ALL_ROLES,
                                     POP_FORM, 2);
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    FOR_INNER_BARS(s, "chorus", t) {
        ck_assert(has_hit(dr, SNARE, t + PPQ, t + PPQ));
        ck_assert(has_hit(dr, SNARE, t + 3 * PPQ, t + 3 * PPQ));
        ck_assert(!has_hit(dr, SNARE, t, t));
        ck_assert(!has_hit(dr, SNARE, t + 2 * PPQ, t + 2 * PPQ));
        ck_assert(has_hit(dr, KICK, t, t));
    }
    cz_score_unref(s);
}
END_TEST

START_TEST(test_groove_trap_half_time_rolls)
{
    mat_def d = mat_default();
    d.bpm = 140;
    const cz_score *s = arrange_once(grid_opts, "trap", &d, 150, ALL_ROLES,
                                     POP_FORM, 2);
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    FOR_INNER_BARS(s, "chorus", t) {
        ck_assert(has_hit(dr, CLAP, t + 2 * PPQ, t + 2 * PPQ));
        ck_assert(!has_hit(dr, CLAP, t + PPQ, t + PPQ));
        ck_assert(!has_hit(dr, CLAP, t + 3 * PPQ, t + 3 * PPQ));
    }
    /* hi-hat rolls: hats closer together than a sixteenth */
    int rolls = 0;
    uint32_t last = UINT32_MAX;
    for (uint32_t i = 0; i < dr->n_notes; i++) {
        if (dr->notes[i].pitch != HAT)
            continue;
        if (last != UINT32_MAX && dr->notes[i].tick - last < PPQ / 4)
            rolls++;
        last = dr->notes[i].tick;
    }
    ck_assert_int_gt(rolls, 10);
    cz_score_unref(s);
}
END_TEST

START_TEST(test_groove_reggae_one_drop)
{
    mat_def d = mat_default();
    d.bpm = 76;
    const cz_score *s = arrange_once(grid_opts, "reggae", &d, 150, ALL_ROLES,
                                     POP_FORM, 2);
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    FOR_INNER_BARS(s, "chorus", t) {
        ck_assert(has_hit(dr, KICK, t + 2 * PPQ, t + 2 * PPQ));
        ck_assert(!has_hit(dr, KICK, t, t));
    }
    cz_score_unref(s);
}
END_TEST

START_TEST(test_groove_jazz_ride_swings)
{
    mat_def d = mat_default();
    d.swing = 0.66f;
    d.bpm = 140;
    const cz_score *s = arrange_once(grid_opts, "jazz", &d, 120,
                                     "lead bass chords drums", NULL, 2);
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    ck_assert_ptr_nonnull(dr);
    uint32_t late = PPQ / 2 + (uint32_t)lround(0.66 * (PPQ / 2) / 3.0);
    int on = 0, skip = 0;
    for (uint32_t i = 0; i < dr->n_notes; i++) {
        if (dr->notes[i].pitch != RIDE)
            continue;
        uint32_t pos = dr->notes[i].tick % PPQ;
        ck_assert_msg(pos == 0 || pos == late, "ride at %u: beat offset %u",
                      dr->notes[i].tick, pos);
        if (pos)
            skip++;
        else
            on++;
    }
    ck_assert_int_gt(on, 0);
    ck_assert_int_gt(skip, 0);
    /* the band swings with the drums: composition's straight off-beat
     * eighths are played late too */
    const cz_track *lead = track_of(s, CZ_ROLE_LEAD);
    int swung = 0;
    for (uint32_t i = 0; i < lead->n_notes; i++) {
        ck_assert_uint_ne(lead->notes[i].tick % PPQ, PPQ / 2);
        swung += lead->notes[i].tick % PPQ == late;
    }
    ck_assert_int_gt(swung, 10);
    /* feathered kick, not four-on-the-floor accents */
    for (uint32_t i = 0; i < dr->n_notes; i++)
        if (dr->notes[i].pitch == KICK && dr->notes[i].tick % (4 * PPQ))
            ck_assert_uint_lt(dr->notes[i].velocity, 90);
    cz_score_unref(s);
}
END_TEST

START_TEST(test_groove_dnb_breakbeat)
{
    mat_def d = mat_default();
    d.bpm = 174;
    d.sections = "intro:8 build:8 drop:16 breakdown:8 outro:8";
    const cz_score *s = arrange_once(grid_opts, "drum and bass", &d, 200,
                                     ALL_ROLES, NULL, 2);
    check_timeline(s, &d);
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    FOR_INNER_BARS(s, "drop", t) {
        ck_assert(has_hit(dr, SNARE, t + PPQ, t + PPQ));
        ck_assert(has_hit(dr, SNARE, t + 3 * PPQ, t + 3 * PPQ));
        ck_assert(has_hit(dr, KICK, t, t + PPQ / 2));
        ck_assert(!has_hit(dr, KICK, t + PPQ, t + PPQ)); /* not four-on-floor */
    }
    cz_score_unref(s);
}
END_TEST

START_TEST(test_groove_three_four)
{
    mat_def d = mat_default();
    d.num = 3;
    const cz_score *s = arrange_once(grid_opts, "pop", &d, 120, ALL_ROLES,
                                     POP_FORM, 2);
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    FOR_INNER_BARS(s, "chorus", t) {
        ck_assert(has_hit(dr, KICK, t, t));
        ck_assert(has_hit(dr, SNARE, t + PPQ, t + PPQ));
        ck_assert(has_hit(dr, SNARE, t + 2 * PPQ, t + 2 * PPQ));
        ck_assert(!has_hit(dr, KICK, t + PPQ, t + 2 * PPQ));
    }
    cz_score_unref(s);
}
END_TEST

START_TEST(test_groove_six_eight)
{
    mat_def d = mat_default();
    d.num = 6;
    d.den = 8;
    const cz_score *s = arrange_once(grid_opts, "folk", &d, 120, ALL_ROLES,
                                     POP_FORM, 2);
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    FOR_INNER_BARS(s, "chorus", t) {
        ck_assert(has_hit(dr, KICK, t, t));
        ck_assert(has_hit(dr, SNARE, t + 3 * PPQ / 2, t + 3 * PPQ / 2));
        ck_assert(!has_hit(dr, SNARE, t, t));
        for (uint32_t e = 0; e < 6; e++) /* hats on every eighth */
            ck_assert(has_hit(dr, HAT, t + e * PPQ / 2, t + e * PPQ / 2));
    }
    cz_score_unref(s);
}
END_TEST

static int is_tom(int p)
{
    return p == 41 || p == 43 || p == 45 || p == 47 || p == 48 || p == 50;
}

START_TEST(test_fills_option)
{
    mat_def d = mat_default();
    const cz_score *s = arrange_once(grid_opts, "pop", &d, 120, ALL_ROLES,
                                     POP_FORM, 6);
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    uint32_t tpb = cz_score_ticks_per_bar(s);
    /* the bar before each chorus ends with a fill */
    int fills = 0;
    for (uint32_t i = 1; i < s->n_sections; i++) {
        if (strcmp(s->sections[i].name, "chorus"))
            continue;
        uint32_t end = s->sections[i].start_bar * tpb;
        for (uint32_t k = 0; k < dr->n_notes; k++)
            if (dr->notes[k].tick >= end - 2 * PPQ && dr->notes[k].tick < end &&
                is_tom(dr->notes[k].pitch)) {
                fills++;
                break;
            }
    }
    ck_assert_int_ge(fills, 2);
    cz_score_unref(s);

    s = arrange_once("{\"fills\": false, \"humanize_ms\": 0}", "pop", &d, 120,
                     ALL_ROLES, POP_FORM, 6);
    dr = track_of(s, CZ_ROLE_DRUMS);
    for (uint32_t k = 0; k < dr->n_notes; k++)
        ck_assert(!is_tom(dr->notes[k].pitch));
    cz_score_unref(s);
}
END_TEST

START_TEST(test_missing_sections_derived)
{
    mat_def d = mat_default();
    d.sections = "intro:4 verse:8 chorus:8 outro:4";
    const cz_score *s = arrange_once(grid_opts, "pop", &d, 0, ALL_ROLES,
                                     "intro verse chorus build breakdown chorus outro",
                                     3);
    check_timeline(s, &d);
    const cz_section *build = section_named(s, "build", 0);
    const cz_section *bd = section_named(s, "breakdown", 0);
    const cz_section *ch = section_named(s, "chorus", 0);
    ck_assert_ptr_nonnull(build);
    ck_assert_ptr_nonnull(bd);
    uint32_t tpb = cz_score_ticks_per_bar(s);
    /* their harmony is the chorus's */
    ck_assert_str_eq(cz_score_chord_at(s, build->start_bar * tpb)->symbol,
                     cz_score_chord_at(s, ch->start_bar * tpb)->symbol);
    ck_assert_str_eq(cz_score_chord_at(s, bd->start_bar * tpb)->symbol,
                     cz_score_chord_at(s, ch->start_bar * tpb)->symbol);
    /* sparse: no melody, and the breakdown has no drums */
    const cz_track *lead = track_of(s, CZ_ROLE_LEAD);
    for (uint32_t i = 0; i < lead->n_notes; i++) {
        uint32_t bar = lead->notes[i].tick / tpb;
        ck_assert(bar < build->start_bar || bar >= bd->start_bar + bd->bars);
    }
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    for (uint32_t i = 0; i < dr->n_notes; i++) {
        uint32_t bar = dr->notes[i].tick / tpb;
        ck_assert(bar < bd->start_bar || bar >= bd->start_bar + bd->bars);
    }
    /* no duration asked: the form keeps the material's lengths */
    ck_assert_uint_eq(s->bars, 4 + 8 + 8 + 4 + 8 + 8 + 4);
    cz_score_unref(s);
}
END_TEST

START_TEST(test_missing_inputs)
{
    czh *h = new_h(NULL);
    cz_error err = {0};
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "composition.score"));

    mat_def d = mat_default();
    ck_assert_int_eq(cz_bus_put_score(czh_bus(h), "composition.score",
                                      make_material(&d)), 0);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "ideation.spec"));

    ck_assert_int_eq(cz_bus_put_string(czh_bus(h), "ideation.spec", "{}"), 0);
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_ETYPE);
    ck_assert_int_eq(cz_bus_put_json(czh_bus(h), "ideation.spec",
                                     json_array()), 0);
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_EINVAL);
    ck_assert_int_eq(cz_bus_type(czh_bus(h), "arrangement.score"), CZ_TYPE_NONE);
    czh_free(h);
}
END_TEST

START_TEST(test_odd_material)
{
    czh *h = new_h(NULL);
    cz_error err = {0};
    /* sections but no chords and no tracks: a tonic chord, drums, pads */
    mat_def d = mat_default();
    d.tracks = 0;
    cz_score *m = make_material(&d);
    m->n_chords = 0;
    const cz_score *s = arrange(h, m, make_spec("pop", &d, 60, ALL_ROLES, NULL), 1);
    check_timeline(s, &d);
    ck_assert_str_eq(s->chords[0].symbol, "C");
    ck_assert_ptr_nonnull(track_of(s, CZ_ROLE_DRUMS));

    /* nothing at all: a clean error */
    m = cz_score_new(PPQ);
    ck_assert_int_eq(cz_bus_put_score(czh_bus(h), "composition.score", m), 0);
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "composition.score"));

    /* no sections, but notes: one section of material */
    m = cz_score_new(PPQ);
    cz_track *t = cz_score_add_track(m, "lead", CZ_ROLE_LEAD, 80, 0);
    for (uint32_t i = 0; i < 16; i++)
        cz_track_add_note(t, i * PPQ, PPQ, 60 + (i % 2) * 4, 90, 0);
    d = mat_default();
    s = arrange(h, m, make_spec("rock", &d, 45, ALL_ROLES, NULL), 1);
    check_timeline(s, &d);

    /* a very short request still makes a bar; odd meter 7/8 */
    d.num = 7;
    d.den = 8;
    s = arrange(h, make_material(&d), make_spec("pop", &d, 1, ALL_ROLES, NULL), 1);
    check_timeline(s, &d);
    ck_assert_uint_eq(s->bars, 1);

    /* 5/4, empty tracks, unknown genre, swing out of range */
    d = mat_default();
    d.num = 5;
    cz_score *m2 = make_material(&d);
    cz_score_add_track(m2, "empty", CZ_ROLE_CHORDS, 0, 3);
    json_t *spec = make_spec("polka", &d, 100, ALL_ROLES, POP_FORM);
    json_object_set_new(spec, "swing", json_real(7.5));
    s = arrange(h, m2, spec, 1);
    check_timeline(s, &d);
    ck_assert(s->swing <= 1.0f);

    /* an absurd length is refused, not attempted */
    d = mat_default();
    ck_assert_int_eq(cz_bus_put_score(czh_bus(h), "composition.score",
                                      make_material(&d)), 0);
    ck_assert_int_eq(cz_bus_put_json(czh_bus(h), "ideation.spec",
                                     make_spec("pop", &d, 1e9, ALL_ROLES, NULL)),
                     0);
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "bars"));
    czh_free(h);
}
END_TEST

START_TEST(test_max_tracks)
{
    mat_def d = mat_default();
    const cz_score *s = arrange_once("{\"max_tracks\": 3}", "synthwave", &d, 90,
                                     ALL_ROLES " fx", POP_FORM, 1);
    ck_assert_uint_eq(s->n_tracks, 3);
    ck_assert_ptr_nonnull(track_of(s, CZ_ROLE_LEAD));
    ck_assert_ptr_nonnull(track_of(s, CZ_ROLE_BASS));
    ck_assert_ptr_nonnull(track_of(s, CZ_ROLE_DRUMS));
    cz_score_unref(s);

    s = arrange_once(NULL, "synthwave", &d, 90, ALL_ROLES " fx", POP_FORM, 1);
    ck_assert_uint_eq(s->n_tracks, 9);
    for (uint32_t i = 0; i < s->n_tracks; i++)
        for (uint32_t j = i + 1; j < s->n_tracks; j++)
            if (s->tracks[i].channel != CZ_DRUM_CHANNEL)
                ck_assert_uint_ne(s->tracks[i].channel, s->tracks[j].channel);
    cz_score_unref(s);
}
END_TEST

/* Lead notes of a section, as (tick from section start, pitch). */
static uint32_t section_lead(const cz_score *s, const cz_section *sec,
                             uint32_t *out, uint32_t max)
{
    const cz_track *lead = track_of(s, CZ_ROLE_LEAD);
    uint32_t tpb = cz_score_ticks_per_bar(s);
    uint32_t a = sec->start_bar * tpb, b = a + sec->bars * tpb, n = 0;
    for (uint32_t i = 0; i < lead->n_notes && n + 1 < max; i++)
        if (lead->notes[i].tick >= a && lead->notes[i].tick < b) {
            out[n++] = lead->notes[i].tick - a;
            out[n++] = lead->notes[i].pitch;
        }
    return n;
}

START_TEST(test_repeats_vary_final_chorus_doubles)
{
    static uint32_t x[4096], y[4096];
    mat_def d = mat_default();
    const cz_score *s = arrange_once("{\"humanize_ms\": 0, \"variation\": 1}",
                                     "pop", &d, 0, ALL_ROLES, POP_FORM, 8);
    uint32_t nx = section_lead(s, section_named(s, "verse", 0), x, 4096);
    uint32_t ny = section_lead(s, section_named(s, "verse", 1), y, 4096);
    ck_assert(nx != ny || memcmp(x, y, nx * sizeof x[0]));
    /* the final chorus doubles the melody at the octave, the first not */
    int c = count_named(s, "chorus");
    ck_assert_int_ge(c, 2);
    for (int which = 0; which < 2; which++) {
        uint32_t n = section_lead(s, section_named(s, "chorus",
                                                   which ? c - 1 : 0), x, 4096);
        int octaves = 0;
        for (uint32_t i = 0; i + 3 < n; i += 2)
            for (uint32_t j = i + 2; j < n && x[j] == x[i]; j += 2)
                octaves += x[j + 1] == x[i + 1] + 12;
        if (which)
            ck_assert_int_gt(octaves, 4);
        else
            ck_assert_int_eq(octaves, 0);
    }
    cz_score_unref(s);

    /* variation 0: repeats are copies */
    s = arrange_once("{\"humanize_ms\": 0, \"humanize_velocity\": 0, "
                     "\"variation\": 0}", "pop", &d, 0, ALL_ROLES, POP_FORM, 8);
    nx = section_lead(s, section_named(s, "chorus", 0), x, 4096);
    ny = section_lead(s, section_named(s, "chorus", 1), y, 4096);
    ck_assert_uint_eq(nx, ny);
    ck_assert(!memcmp(x, y, nx * sizeof x[0]));
    cz_score_unref(s);
}
END_TEST

START_TEST(test_humanize_bounds)
{
    mat_def d = mat_default();
    /* on the grid without humanising (rock is straight) */
    const cz_score *s = arrange_once(grid_opts, "rock", &d, 60, ALL_ROLES,
                                     POP_FORM, 1);
    const cz_track *dr = track_of(s, CZ_ROLE_DRUMS);
    for (uint32_t i = 0; i < dr->n_notes; i++)
        ck_assert_uint_eq(dr->notes[i].tick % (PPQ / 4), 0);
    cz_score_unref(s);

    /* humanised: off the grid, but only by a few ms, and inside the song */
    s = arrange_once("{\"humanize_ms\": 10}", "rock", &d, 60, ALL_ROLES,
                     POP_FORM, 1);
    check_timeline(s, &d);
    dr = track_of(s, CZ_ROLE_DRUMS);
    double max_ticks = 10.0 * d.bpm * PPQ / 60000.0 + 1;
    int off = 0;
    for (uint32_t i = 0; i < dr->n_notes; i++) {
        uint32_t g = PPQ / 4, r = dr->notes[i].tick % g;
        uint32_t dist = r < g - r ? r : g - r;
        ck_assert_msg(dist <= max_ticks, "drum note %u ticks off the grid", dist);
        off += dist != 0;
    }
    ck_assert_int_gt(off, (int)dr->n_notes / 4);
    cz_score_unref(s);
}
END_TEST

START_TEST(test_option_schema)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path(MOD), "{\"humanize_ms\": 500}", &err);
    ck_assert_ptr_null(h);
    h = czh_new(czh_module_path(MOD), "{\"max_track\": 4}", &err);
    ck_assert_ptr_null(h);
    h = new_h("{\"form\": [\"intro\", \"chorus\", \"outro\"]}");
    mat_def d = mat_default();
    const cz_score *s = arrange(h, make_material(&d),
                                make_spec("pop", &d, 0, ALL_ROLES, POP_FORM), 1);
    ck_assert_uint_eq(s->n_sections, 3);
    ck_assert_str_eq(s->sections[1].name, "chorus");
    czh_free(h);
}
END_TEST

static Suite *arrangement_suite(void)
{
    Suite *s = suite_create("arrangement");
    TCase *tc = tcase_create("sections");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_length_fits_request);
    tcase_add_test(tc, test_long_song_repeats_sections);
    tcase_add_test(tc, test_drums_channel_10_gm_notes);
    tcase_add_test(tc, test_negated_roles_absent);
    tcase_add_test(tc, test_harmony_kept);
    tcase_add_test(tc, test_intro_sparser_than_chorus);
    tcase_add_test(tc, test_crash_on_chorus_downbeats);
    tcase_add_test(tc, test_deterministic_per_seed);
    tcase_add_test(tc, test_input_untouched);
    tcase_add_test(tc, test_groove_house_four_on_the_floor);
    tcase_add_test(tc, test_groove_rock_backbeat);
    tcase_add_test(tc, test_groove_trap_half_time_rolls);
    tcase_add_test(tc, test_groove_reggae_one_drop);
    tcase_add_test(tc, test_groove_jazz_ride_swings);
    tcase_add_test(tc, test_groove_dnb_breakbeat);
    tcase_add_test(tc, test_groove_three_four);
    tcase_add_test(tc, test_groove_six_eight);
    tcase_add_test(tc, test_fills_option);
    tcase_add_test(tc, test_missing_sections_derived);
    tcase_add_test(tc, test_missing_inputs);
    tcase_add_test(tc, test_odd_material);
    tcase_add_test(tc, test_max_tracks);
    tcase_add_test(tc, test_repeats_vary_final_chorus_doubles);
    tcase_add_test(tc, test_humanize_bounds);
    tcase_add_test(tc, test_option_schema);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return czh_run_suite(arrangement_suite());
}
