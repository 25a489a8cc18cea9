/*
 * test_composition.c - composition.theory, run as a black box.
 *
 * Every test writes an ideation.spec by hand (jansson), runs the real module
 * through tests/harness.h and checks composition.score against what a
 * musician would hear: sections as the form names them, chords that tile
 * each section, a lead in the key with chord tones on the strong beats,
 * a bass on every chord change, a comping part that moves by small steps,
 * only the instruments the spec allows, and the same song for the same
 * seed. The big sweep runs 27 genres x 20 seeds with every mode and four
 * meters.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MOD "composition.theory"

static const char *const GENRES[] = {
    "pop", "rock", "jazz", "blues", "funk", "rnb", "trap", "lofi", "house", "trance",
    "reggae", "folk", "country", "cinematic", "ambient", "classical", "bossa nova",
    "metal", "synthwave", "hip hop", "edm", "disco", "punk", "ballad", "techno",
    "dubstep", "reggaeton"};
#define N_GENRES (int)(sizeof GENRES / sizeof GENRES[0])

static const char *const MODES[] = {"major", "minor", "dorian", "mixolydian", "phrygian",
                                    "lydian", "harmonic_minor", "melodic_minor",
                                    "locrian"};
#define N_MODES (int)(sizeof MODES / sizeof MODES[0])

/* ---- spec and run helpers ----------------------------------------------- */

static json_t *band(int lead, int bass, int chords, int drums)
{
    json_t *a = json_array();
    if (drums)
        json_array_append_new(a, json_pack("{s:s,s:s,s:i}", "name", "drum kit", "role",
                                           "drums", "program", 0));
    if (chords)
        json_array_append_new(a, json_pack("{s:s,s:s,s:i}", "name", "piano", "role",
                                           "chords", "program", 0));
    if (bass)
        json_array_append_new(a, json_pack("{s:s,s:s,s:i}", "name", "bass", "role",
                                           "bass", "program", 34));
    if (lead)
        json_array_append_new(a, json_pack("{s:s,s:s,s:i}", "name", "lead", "role",
                                           "lead", "program", 81));
    return a;
}

static json_t *form_of(const char *const *names)
{
    json_t *a = json_array();
    for (; *names; names++)
        json_array_append_new(a, json_string(*names));
    return a;
}

static const char *const POP_FORM[] = {"intro", "verse", "prechorus", "chorus", "verse",
                                       "chorus", "bridge", "chorus", "outro", NULL};

static json_t *make_spec(const char *genre, int tonic, const char *mode, int num, int den)
{
    static const char *const NAMES[12] = {"C", "Db", "D", "Eb", "E", "F",
                                          "F#", "G", "Ab", "A", "Bb", "B"};
    char meter[16];
    snprintf(meter, sizeof meter, "%d/%d", num, den);
    json_t *s = json_pack("{s:s,s:s,s:f,s:i,s:s,s:i,s:s,s:s,s:i,s:i,s:f,s:i}", "genre",
                          genre, "key", NAMES[tonic % 12], "energy", 0.6, "tempo_bpm", 110,
                          "mode", mode, "tonic_pc", tonic % 12, "meter", meter, "title",
                          "t", "meter_num", num, "meter_den", den, "swing", 0.0,
                          "duration_s", 180);
    json_object_set_new(s, "instruments", band(1, 1, 1, 1));
    json_object_set_new(s, "form", form_of(POP_FORM));
    return s;
}

static czh *open_mod(const char *opts)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path(MOD), opts, &err);
    ck_assert_msg(h != NULL, "load %s: %s", MOD, err.msg);
    return h;
}

/* Run with spec (reference taken); returns a score reference or NULL. */
static cz_score *run_spec(czh *h, json_t *spec, uint64_t seed, cz_error *err)
{
    cz_bus *bus = czh_bus(h);
    if (spec)
        ck_assert_int_eq(cz_bus_put_json(bus, "ideation.spec", spec), 0);
    if (czh_run(h, seed, err) != 0)
        return NULL;
    const cz_score *sc = NULL;
    ck_assert_int_eq(cz_bus_get_score(bus, "composition.score", &sc), 0);
    cz_score_ref(sc);
    return (cz_score *)sc;
}

static cz_score *run_once(json_t *spec, uint64_t seed, const char *opts)
{
    czh *h = open_mod(opts);
    cz_error err = {0};
    cz_score *sc = run_spec(h, spec, seed, &err);
    ck_assert_msg(sc != NULL, "run: %s", err.msg);
    czh_free(h);
    return sc;
}

static const cz_track *track_of(const cz_score *s, cz_role role)
{
    for (uint32_t i = 0; i < s->n_tracks; i++)
        if (s->tracks[i].role == role)
            return &s->tracks[i];
    return NULL;
}

static int pc(int p)
{
    return ((p % 12) + 12) % 12;
}

static int in_mask(uint16_t m, int p)
{
    return (m >> pc(p)) & 1;
}

/* Strong beats as the module documents them: the downbeat, and the
 * mid-bar beat when the bar splits in two (4/4 beat 3, 6/8 beat 2,
 * 12/8 beat 3, 2/4 beat 2, 5/4 beat 4). */
static int strong(const cz_score *s, uint32_t tick)
{
    uint32_t tpb = cz_score_ticks_per_bar(s);
    uint32_t off = tick % tpb;
    if (off == 0)
        return 1;
    int num = s->meter_num, den = s->meter_den;
    uint32_t ppq = s->ppq;
    if (den == 8 && num % 3 == 0 && (num / 3) % 2 == 0)
        return off == tpb / 2;
    if (den == 4 && num % 2 == 0)
        return off == tpb / 2;
    if (den == 4 && num == 5)
        return off == 3 * ppq;
    return 0;
}

/* ---- the invariants ------------------------------------------------------ */

typedef struct stats {
    int strong, strong_ct; /* strong-beat lead notes, of which chord tones */
    int lead_notes, chromatic, passing;
} stats;

/* Check one song; fails the test with a message naming genre/seed. */
static void check_song(const cz_score *s, const json_t *spec, const char *tag, stats *st)
{
    uint32_t tpb = cz_score_ticks_per_bar(s);
    const char *mode_s = json_string_value(json_object_get(spec, "mode"));
    int tonic = (int)json_integer_value(json_object_get(spec, "tonic_pc"));
    int mode = cz_mode_parse(mode_s);
    ck_assert_msg(mode >= 0, "%s: bad mode in test", tag);
    ck_assert_int_eq(s->key_tonic, tonic);
    ck_assert_int_eq(s->mode, mode);
    uint16_t scale = cz_scale_mask((uint8_t)tonic, (cz_mode)mode);
    ck_assert_int_eq(s->meter_num, json_integer_value(json_object_get(spec, "meter_num")));
    ck_assert_int_eq(s->meter_den, json_integer_value(json_object_get(spec, "meter_den")));

    /* sections: distinct names of spec.form, first-appearance order, end to end */
    const json_t *form = json_object_get(spec, "form");
    const char *names[32];
    int nn = 0;
    size_t i;
    const json_t *it;
    json_array_foreach(form, i, it) {
        const char *n = json_string_value(it);
        int seen = 0;
        for (int k = 0; k < nn; k++)
            seen |= !strcmp(names[k], n);
        if (!seen)
            names[nn++] = n;
    }
    ck_assert_msg((int)s->n_sections == nn, "%s: %u sections, form has %d names", tag,
                  s->n_sections, nn);
    uint32_t bar = 0;
    for (uint32_t k = 0; k < s->n_sections; k++) {
        ck_assert_str_eq(s->sections[k].name, names[k]);
        ck_assert_uint_eq(s->sections[k].start_bar, bar);
        ck_assert_uint_gt(s->sections[k].bars, 0);
        bar += s->sections[k].bars;
    }
    ck_assert_uint_eq(s->bars, bar);
    ck_assert_uint_eq(s->total_ticks, bar * tpb);

    /* chords tile every section, never crossing a section boundary */
    uint32_t ci = 0;
    for (uint32_t k = 0; k < s->n_sections; k++) {
        uint32_t t0 = s->sections[k].start_bar * tpb;
        uint32_t t1 = t0 + s->sections[k].bars * tpb;
        uint32_t t = t0;
        ck_assert_msg(ci < s->n_chords, "%s: section %u has no chords", tag, k);
        while (ci < s->n_chords && s->chords[ci].tick < t1) {
            const cz_chord *c = &s->chords[ci];
            ck_assert_msg(c->tick == t, "%s: chord %u at %u, expected %u", tag, ci, c->tick,
                          t);
            ck_assert_uint_gt(c->len, 0);
            ck_assert_msg(c->tick + c->len <= t1, "%s: chord %u crosses a section end", tag,
                          ci);
            ck_assert_msg(in_mask(c->tones, c->root) && in_mask(c->tones, c->bass),
                          "%s: chord %s tones miss root or bass", tag, c->symbol);
            ck_assert_msg(c->symbol[0] && c->roman[0], "%s: chord %u unnamed", tag, ci);
            t = c->tick + c->len;
            ci++;
        }
        ck_assert_msg(t == t1, "%s: section %s chords end at %u, section at %u", tag,
                      s->sections[k].name, t, t1);
    }
    ck_assert_uint_eq(ci, s->n_chords);

    /* tracks: only lead/bass/chords, never the drum channel */
    for (uint32_t k = 0; k < s->n_tracks; k++) {
        const cz_track *t = &s->tracks[k];
        ck_assert_msg(t->role == CZ_ROLE_LEAD || t->role == CZ_ROLE_BASS ||
                          t->role == CZ_ROLE_CHORDS,
                      "%s: unexpected role %s", tag, cz_role_name(t->role));
        ck_assert_msg(t->channel != CZ_DRUM_CHANNEL, "%s: %s on channel 10", tag, t->name);
        for (uint32_t n = 0; n < t->n_notes; n++) {
            const cz_note *no = &t->notes[n];
            const cz_section *sec = cz_score_section_at(s, no->tick / tpb);
            ck_assert_msg(sec != NULL, "%s: %s note outside the song", tag, t->name);
            uint32_t end = (sec->start_bar + sec->bars) * tpb;
            ck_assert_msg(no->len > 0 && no->tick + no->len <= end,
                          "%s: %s note at %u+%u leaves section %s (ends %u)", tag, t->name,
                          no->tick, no->len, sec->name, end);
            ck_assert(no->velocity >= 1 && no->velocity <= 127);
            if (n)
                ck_assert_msg(t->notes[n - 1].tick <= no->tick, "%s: unsorted", tag);
        }
    }

    /* lead: in the key unless flagged chromatic; chord tones on strong beats */
    const cz_track *lead = track_of(s, CZ_ROLE_LEAD);
    if (lead) {
        int lo = 127, hi = 0;
        for (uint32_t n = 0; n < lead->n_notes; n++) {
            const cz_note *no = &lead->notes[n];
            const cz_chord *c = cz_score_chord_at(s, no->tick);
            ck_assert(c != NULL);
            int ct = in_mask(c->tones, no->pitch);
            if (n)
                ck_assert_msg(lead->notes[n - 1].tick + lead->notes[n - 1].len <= no->tick,
                              "%s: the lead overlaps itself at %u", tag, no->tick);
            if (!in_mask(scale, no->pitch)) {
                ck_assert_msg(no->flags & CZ_NOTE_CHROMATIC,
                              "%s: lead pitch %d at %u outside the key, not flagged", tag,
                              no->pitch, no->tick);
                ck_assert_msg(ct, "%s: chromatic lead note %d over %s is no chord tone", tag,
                              no->pitch, c->symbol);
            } else {
                ck_assert_msg(!(no->flags & CZ_NOTE_CHROMATIC), "%s: diatonic note flagged",
                              tag);
            }
            if (!ct) {
                ck_assert_msg(no->flags & CZ_NOTE_PASSING,
                              "%s: non-chord tone %d over %s at %u not flagged passing", tag,
                              no->pitch, c->symbol, no->tick);
                /* a passing/neighbour tone moves by step to or from a neighbour */
                int step_prev = n > 0 && abs(lead->notes[n - 1].pitch - no->pitch) <= 3;
                int step_next = n + 1 < lead->n_notes &&
                                abs(lead->notes[n + 1].pitch - no->pitch) <= 3;
                ck_assert_msg(step_prev || step_next,
                              "%s: non-chord tone %d at %u leaps both ways", tag, no->pitch,
                              no->tick);
                st->passing++;
            } else {
                ck_assert_msg(!(no->flags & CZ_NOTE_PASSING), "%s: chord tone flagged passing",
                              tag);
            }
            if (strong(s, no->tick)) {
                st->strong++;
                st->strong_ct += ct;
            }
            if (no->flags & CZ_NOTE_CHROMATIC)
                st->chromatic++;
            st->lead_notes++;
            lo = no->pitch < lo ? no->pitch : lo;
            hi = no->pitch > hi ? no->pitch : hi;
        }
        if (lead->n_notes)
            ck_assert_msg(hi - lo <= 19, "%s: lead spans %d semitones (more than a 12th)",
                          tag, hi - lo);
        /* each section ends on a stable tone, with a rest before the end */
        for (uint32_t k = 0; k < s->n_sections; k++) {
            uint32_t t0 = s->sections[k].start_bar * tpb;
            uint32_t t1 = t0 + s->sections[k].bars * tpb;
            const cz_note *last = NULL;
            for (uint32_t n = 0; n < lead->n_notes; n++)
                if (lead->notes[n].tick >= t0 && lead->notes[n].tick < t1)
                    last = &lead->notes[n];
            ck_assert_msg(last != NULL, "%s: section %s has no melody", tag,
                          s->sections[k].name);
            const cz_chord *fc = cz_score_chord_at(s, t1 - 1);
            ck_assert_msg(in_mask(fc->tones, last->pitch) && !(last->flags & CZ_NOTE_CHROMATIC),
                          "%s: section %s ends on %d over %s", tag, s->sections[k].name,
                          last->pitch, fc->symbol);
            if (fc->root == tonic && fc->bass == tonic)
                ck_assert_msg(pc(last->pitch) == tonic,
                              "%s: section %s cadences on the tonic chord but the melody "
                              "ends on %d", tag, s->sections[k].name, last->pitch);
            ck_assert_msg(last->tick + last->len < t1, "%s: no rest at the end of %s", tag,
                          s->sections[k].name);
            /* every four-bar phrase breathes: a rest of at least a beat */
            for (uint32_t ph = t0; ph < t1; ph += 4 * tpb) {
                uint32_t pe = ph + 4 * tpb < t1 ? ph + 4 * tpb : t1, end = ph, gap = 0;
                for (uint32_t n = 0; n < lead->n_notes; n++) {
                    const cz_note *no = &lead->notes[n];
                    if (no->tick < ph || no->tick >= pe)
                        continue;
                    if (no->tick > end && no->tick - end > gap)
                        gap = no->tick - end;
                    end = no->tick + no->len;
                }
                if (pe > end && pe - end > gap)
                    gap = pe - end;
                ck_assert_msg(gap >= s->ppq, "%s: %s phrase at %u has no rest of a beat",
                              tag, s->sections[k].name, ph);
            }
        }
    }

    /* bass: a chord tone sounds on every chord change */
    const cz_track *bass = track_of(s, CZ_ROLE_BASS);
    if (bass) {
        uint32_t n = 0;
        for (uint32_t k = 0; k < s->n_chords; k++) {
            const cz_chord *c = &s->chords[k];
            while (n < bass->n_notes && bass->notes[n].tick + bass->notes[n].len <= c->tick)
                n++;
            int ok = 0;
            for (uint32_t m = n; m < bass->n_notes && bass->notes[m].tick <= c->tick; m++)
                if (bass->notes[m].tick + bass->notes[m].len > c->tick &&
                    in_mask(c->tones, bass->notes[m].pitch))
                    ok = 1;
            ck_assert_msg(ok, "%s: no chord tone in the bass on the change to %s at %u", tag,
                          c->symbol, c->tick);
        }
    }

    /* chords track: four voices, chord tones, no voice leaps over an octave */
    const cz_track *comp = track_of(s, CZ_ROLE_CHORDS);
    if (comp) {
        int prev[4], have = 0;
        uint32_t n = 0;
        for (uint32_t k = 0; k < s->n_chords; k++) {
            const cz_chord *c = &s->chords[k];
            if (k > 0 && cz_score_section_at(s, c->tick / tpb) !=
                             cz_score_section_at(s, s->chords[k - 1].tick / tpb))
                have = 0; /* sections stand alone */
            int v[8], nv = 0;
            while (n < comp->n_notes && comp->notes[n].tick < c->tick)
                n++;
            for (uint32_t m = n; m < comp->n_notes && comp->notes[m].tick < c->tick + c->len;
                 m++) {
                int p = comp->notes[m].pitch, dup = 0;
                ck_assert_msg(in_mask(c->tones, p), "%s: comping note %d not in %s", tag, p,
                              c->symbol);
                ck_assert_msg(p >= 48 && p <= 72, "%s: comping note %d outside C3..C5", tag,
                              p);
                for (int q = 0; q < nv; q++)
                    dup |= v[q] == p;
                if (!dup && nv < 8)
                    v[nv++] = p;
            }
            ck_assert_msg(nv == 4, "%s: %s voiced with %d notes", tag, c->symbol, nv);
            for (int a = 1; a < 4; a++)
                for (int b = a; b > 0 && v[b - 1] > v[b]; b--) {
                    int tmp = v[b];
                    v[b] = v[b - 1];
                    v[b - 1] = tmp;
                }
            if (have)
                for (int q = 0; q < 4; q++)
                    ck_assert_msg(abs(v[q] - prev[q]) <= 12,
                                  "%s: voice %d leaps %d -> %d into %s", tag, q, prev[q],
                                  v[q], c->symbol);
            memcpy(prev, v, sizeof prev);
            have = 1;
        }
    }
}

/* ---- tests ---------------------------------------------------------------- */

START_TEST(test_sweep_genres_modes_seeds)
{
    static const int METERS[][2] = {{4, 4}, {4, 4}, {3, 4}, {6, 8}, {4, 4}, {12, 8}};
    czh *h = open_mod(NULL);
    stats st = {0};
    int runs = 0;
    for (int g = 0; g < N_GENRES; g++)
        for (int seed = 1; seed <= 20; seed++) {
            int idx = g * 20 + seed;
            const char *mode = MODES[idx % N_MODES];
            const int *me = METERS[idx % 6];
            int tonic = (idx * 7) % 12;
            json_t *spec = make_spec(GENRES[g], tonic, mode, me[0], me[1]);
            char tag[128];
            snprintf(tag, sizeof tag, "%s/%s/%d-%d/tonic %d/seed %d", GENRES[g], mode, me[0],
                     me[1], tonic, seed);
            cz_error err = {0};
            json_incref(spec);
            cz_score *sc = run_spec(h, spec, (uint64_t)seed * 7919u, &err);
            ck_assert_msg(sc != NULL, "%s: %s", tag, err.msg);
            check_song(sc, spec, tag, &st);
            cz_score_unref(sc);
            json_decref(spec);
            runs++;
        }
    czh_free(h);
    ck_assert_int_eq(runs, N_GENRES * 20);
    ck_assert_int_gt(st.strong, 1000);
    /* the stated guarantee: >= 90% of strong-beat lead notes are chord tones */
    ck_assert_msg(st.strong_ct * 10 >= st.strong * 9, "strong-beat chord tones %d of %d",
                  st.strong_ct, st.strong);
    ck_assert_int_gt(st.passing, 100); /* the melodies do use passing tones */
    ck_assert_int_gt(st.chromatic, 0);
}
END_TEST

static void notes_equal(const cz_score *a, const cz_score *b, int *same_tracks, int *same_lead)
{
    *same_tracks = a->n_tracks == b->n_tracks && a->n_chords == b->n_chords &&
                   a->n_sections == b->n_sections && a->bpm == b->bpm &&
                   a->total_ticks == b->total_ticks &&
                   !memcmp(a->sections, b->sections, sizeof(cz_section) * a->n_sections) &&
                   !memcmp(a->chords, b->chords, sizeof(cz_chord) * a->n_chords);
    *same_lead = 0;
    for (uint32_t i = 0; *same_tracks && i < a->n_tracks; i++) {
        const cz_track *x = &a->tracks[i], *y = &b->tracks[i];
        int same = x->n_notes == y->n_notes &&
                   !memcmp(x->notes, y->notes, sizeof(cz_note) * x->n_notes) &&
                   x->program == y->program && x->channel == y->channel;
        if (x->role == CZ_ROLE_LEAD)
            *same_lead = same;
        *same_tracks &= same;
    }
}

START_TEST(test_deterministic_per_seed)
{
    for (int g = 0; g < 5; g++) {
        json_t *spec = make_spec(GENRES[g * 5], 2, "minor", 4, 4);
        json_incref(spec);
        json_incref(spec);
        cz_score *a = run_once(spec, 42, NULL);
        cz_score *b = run_once(spec, 42, NULL);
        cz_score *c = run_once(spec, 43, NULL);
        int st, sl;
        notes_equal(a, b, &st, &sl);
        ck_assert_msg(st && sl, "%s: same seed, different score", GENRES[g * 5]);
        notes_equal(a, c, &st, &sl);
        ck_assert_msg(!sl, "%s: seeds 42 and 43 give the same melody", GENRES[g * 5]);
        cz_score_unref(a);
        cz_score_unref(b);
        cz_score_unref(c);
    }
}
END_TEST

START_TEST(test_meters_bar_length)
{
    static const struct {
        int num, den;
        uint32_t tpb;
    } M[] = {{3, 4, 1440}, {6, 8, 1440}, {4, 4, 1920}, {12, 8, 2880}, {7, 8, 1680},
             {5, 4, 2400}, {2, 2, 1920}};
    for (size_t k = 0; k < sizeof M / sizeof M[0]; k++) {
        json_t *spec = make_spec("folk", 7, "major", M[k].num, M[k].den);
        json_incref(spec);
        cz_score *s = run_once(spec, 5, NULL);
        ck_assert_uint_eq(s->meter_num, M[k].num);
        ck_assert_uint_eq(s->meter_den, M[k].den);
        ck_assert_uint_eq(cz_score_ticks_per_bar(s), M[k].tpb);
        ck_assert_uint_eq(s->total_ticks, s->bars * M[k].tpb);
        for (uint32_t i = 0; i < s->n_sections; i++) {
            /* every chord starts on a beat of its bar, inside its section */
            uint32_t t0 = s->sections[i].start_bar * M[k].tpb;
            ck_assert_ptr_nonnull(cz_score_chord_at(s, t0));
            ck_assert_uint_eq(cz_score_chord_at(s, t0)->tick, t0);
        }
        const cz_track *lead = track_of(s, CZ_ROLE_LEAD);
        ck_assert_ptr_nonnull(lead);
        /* every bar's downbeat is a chord change or inside a chord */
        for (uint32_t b = 0; b < s->bars; b++)
            ck_assert_ptr_nonnull(cz_score_chord_at(s, b * M[k].tpb));
        char tag[32];
        snprintf(tag, sizeof tag, "folk %d/%d", M[k].num, M[k].den);
        stats st = {0};
        check_song(s, spec, tag, &st);
        cz_score_unref(s);
        json_decref(spec);
    }
}
END_TEST

START_TEST(test_negated_roles_absent)
{
    json_t *spec = make_spec("pop", 0, "major", 4, 4);
    json_object_set_new(spec, "instruments", band(0, 1, 0, 1)); /* "no piano, no vocals" */
    json_incref(spec);
    cz_score *s = run_once(spec, 3, NULL);
    ck_assert_uint_eq(s->n_tracks, 1);
    ck_assert_int_eq(s->tracks[0].role, CZ_ROLE_BASS);
    ck_assert_int_eq(s->tracks[0].program, 34);
    ck_assert_ptr_null(track_of(s, CZ_ROLE_LEAD));
    ck_assert_ptr_null(track_of(s, CZ_ROLE_CHORDS));
    ck_assert_ptr_null(track_of(s, CZ_ROLE_DRUMS));
    ck_assert_uint_gt(s->n_chords, 0); /* the harmony is still written */
    cz_score_unref(s);

    json_object_set_new(spec, "instruments", json_array());
    s = run_once(spec, 3, NULL);
    ck_assert_uint_eq(s->n_tracks, 0);
    ck_assert_uint_gt(s->n_chords, 0);
    cz_score_unref(s);
}
END_TEST

START_TEST(test_programs_and_channels)
{
    json_t *spec = make_spec("rock", 4, "minor", 4, 4);
    json_t *a = json_array();
    /* nine other instruments first so that the lead would land on channel 9 */
    for (int i = 0; i < 9; i++)
        json_array_append_new(a, json_pack("{s:s,s:s,s:i}", "name", "pad", "role", "pad",
                                           "program", 89));
    json_array_append_new(a, json_pack("{s:s,s:s,s:i}", "name", "gtr", "role", "lead",
                                       "program", 29));
    json_array_append_new(a, json_pack("{s:s,s:s,s:i}", "name", "organ", "role", "chords",
                                       "program", 16));
    json_object_set_new(spec, "instruments", a);
    cz_score *s = run_once(spec, 9, NULL);
    ck_assert_uint_eq(s->n_tracks, 2);
    const cz_track *lead = track_of(s, CZ_ROLE_LEAD), *ch = track_of(s, CZ_ROLE_CHORDS);
    ck_assert_int_eq(lead->program, 29);
    ck_assert_str_eq(lead->name, "gtr");
    ck_assert_int_eq(ch->program, 16);
    ck_assert_int_ne(lead->channel, CZ_DRUM_CHANNEL);
    ck_assert_int_ne(ch->channel, CZ_DRUM_CHANNEL);
    ck_assert_int_ne(lead->channel, ch->channel);
    cz_score_unref(s);
}
END_TEST

START_TEST(test_missing_and_wrong_spec)
{
    czh *h = open_mod(NULL);
    cz_error err = {0};
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "ideation.spec") != NULL, "message: %s", err.msg);

    ck_assert_int_eq(cz_bus_put_string(czh_bus(h), "ideation.spec", "pop song"), 0);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_ETYPE);
    ck_assert_msg(strstr(err.msg, "ideation.spec") != NULL, "message: %s", err.msg);
    czh_free(h);

    h = open_mod(NULL);
    ck_assert_int_eq(cz_bus_put_json(czh_bus(h), "ideation.spec", json_pack("[s]", "pop")), 0);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_EINVAL);
    ck_assert_msg(strstr(err.msg, "object") != NULL, "message: %s", err.msg);
    ck_assert_int_eq(cz_bus_type(czh_bus(h), "composition.score"), CZ_TYPE_NONE);
    czh_free(h);
}
END_TEST

START_TEST(test_malformed_fields_fall_back)
{
    /* every field wrong: the module still writes a sensible song */
    json_t *spec = json_pack(
        "{s:i,s:s,s:s,s:s,s:i,s:s,s:i,s:s,s:[i,n,s,s,s],s:[{s:s},i,{s:s,s:i},{s:s,s:s}]}",
        "genre", 7, "key", "H#", "mode", "mixolydianish", "tempo_bpm", "fast", "tonic_pc",
        99, "meter", "x/y", "meter_den", 3, "swing", "lots", "form", 1, "verse",
        "chorus", "verse", "instruments", "role", "kazoo", 5, "role", "lead", "program",
        999, "role", "bass", "program", "x");
    json_incref(spec);
    cz_score *s = run_once(spec, 11, NULL);
    ck_assert_uint_eq(s->meter_num, 4);
    ck_assert_uint_eq(s->meter_den, 4);
    ck_assert(s->bpm >= 40 && s->bpm <= 220);
    ck_assert(s->swing >= 0 && s->swing <= 1);
    ck_assert_uint_eq(s->n_sections, 2);
    ck_assert_str_eq(s->sections[0].name, "verse");
    ck_assert_str_eq(s->sections[1].name, "chorus");
    ck_assert_uint_eq(s->n_tracks, 2);
    ck_assert_int_eq(track_of(s, CZ_ROLE_LEAD)->program, 80); /* the default lead */
    ck_assert_uint_gt(track_of(s, CZ_ROLE_LEAD)->n_notes, 8);
    ck_assert_uint_gt(track_of(s, CZ_ROLE_BASS)->n_notes, 8);
    cz_score_unref(s);

    /* an empty object: pop, C major, 4/4, a default form and band */
    s = run_once(json_object(), 11, NULL);
    ck_assert_uint_ge(s->n_sections, 3);
    ck_assert_uint_eq(s->n_tracks, 3);
    ck_assert_uint_gt(s->n_chords, 4);
    cz_score_unref(s);
    json_decref(spec);
}
END_TEST

static double mean_of(const cz_score *s, const char *section, int what)
{
    uint32_t tpb = cz_score_ticks_per_bar(s);
    const cz_track *lead = track_of(s, CZ_ROLE_LEAD);
    for (uint32_t k = 0; k < s->n_sections; k++) {
        if (strcmp(s->sections[k].name, section))
            continue;
        uint32_t t0 = s->sections[k].start_bar * tpb, t1 = t0 + s->sections[k].bars * tpb;
        double n = 0, vel = 0, pitch = 0;
        for (uint32_t i = 0; i < lead->n_notes; i++)
            if (lead->notes[i].tick >= t0 && lead->notes[i].tick < t1) {
                n++;
                vel += lead->notes[i].velocity;
                pitch += lead->notes[i].pitch;
            }
        if (what == 0)
            return n / s->sections[k].bars;
        return n ? (what == 1 ? vel : pitch) / n : 0;
    }
    return 0;
}

START_TEST(test_chorus_denser_louder_higher_than_verse)
{
    double d[2] = {0}, v[2] = {0}, p[2] = {0};
    for (int seed = 1; seed <= 20; seed++) {
        json_t *spec = make_spec(GENRES[seed % 12], seed % 12, "major", 4, 4);
        cz_score *s = run_once(spec, (uint64_t)seed, NULL);
        d[0] += mean_of(s, "verse", 0);
        d[1] += mean_of(s, "chorus", 0);
        v[0] += mean_of(s, "verse", 1);
        v[1] += mean_of(s, "chorus", 1);
        p[0] += mean_of(s, "verse", 2);
        p[1] += mean_of(s, "chorus", 2);
        float ev = 0, ec = 0;
        for (uint32_t k = 0; k < s->n_sections; k++) {
            if (!strcmp(s->sections[k].name, "verse"))
                ev = s->sections[k].energy;
            if (!strcmp(s->sections[k].name, "chorus"))
                ec = s->sections[k].energy;
        }
        ck_assert(ec > ev);
        cz_score_unref(s);
    }
    ck_assert_msg(d[1] > d[0] * 1.1, "notes per bar: verse %.2f chorus %.2f", d[0] / 20,
                  d[1] / 20);
    ck_assert_msg(v[1] > v[0] + 20 * 4, "velocity: verse %.1f chorus %.1f", v[0] / 20,
                  v[1] / 20);
    ck_assert_msg(p[1] > p[0] + 20 * 1, "pitch: verse %.1f chorus %.1f", p[0] / 20,
                  p[1] / 20);
}
END_TEST

static int count_roman(const cz_score *s, const char *needle)
{
    int n = 0;
    for (uint32_t i = 0; i < s->n_chords; i++)
        n += strstr(s->chords[i].roman, needle) != NULL;
    return n;
}

START_TEST(test_genre_harmony)
{
    int sevenths_jazz = 0, chords_jazz = 0, triads_punk = 0, chords_punk = 0;
    int blues_ok = 0, walking = 0, jazz_bars = 0, trap_long = 0, trap_notes = 0;
    for (int seed = 1; seed <= 20; seed++) {
        cz_score *s = run_once(make_spec("jazz", 5, "major", 4, 4), (uint64_t)seed, NULL);
        for (uint32_t i = 0; i < s->n_chords; i++) {
            chords_jazz++;
            sevenths_jazz += __builtin_popcount(s->chords[i].tones) >= 4;
        }
        /* walking bass: four quarter notes in most bars */
        const cz_track *b = track_of(s, CZ_ROLE_BASS);
        uint32_t tpb = cz_score_ticks_per_bar(s);
        for (uint32_t bar = 0; bar < s->bars; bar++) {
            int n = 0;
            for (uint32_t i = 0; i < b->n_notes; i++)
                n += b->notes[i].tick / tpb == bar;
            walking += n == 4;
            jazz_bars++;
        }
        cz_score_unref(s);

        s = run_once(make_spec("punk", 5, "major", 4, 4), (uint64_t)seed, NULL);
        for (uint32_t i = 0; i < s->n_chords; i++) {
            chords_punk++;
            triads_punk += __builtin_popcount(s->chords[i].tones) == 3;
        }
        cz_score_unref(s);

        json_t *bl = make_spec("blues", 7, "major", 4, 4);
        json_object_set_new(bl, "form", json_pack("[s,s,s]", "verse", "verse", "outro"));
        s = run_once(bl, (uint64_t)seed, NULL);
        /* a 12-bar verse over I7, IV7 and V7 */
        blues_ok += s->sections[0].bars == 12 && count_roman(s, "I7") > 0 &&
                    count_roman(s, "IV7") > 0 && count_roman(s, "V7") > 0;
        cz_score_unref(s);

        s = run_once(make_spec("trap", 1, "minor", 4, 4), (uint64_t)seed, NULL);
        b = track_of(s, CZ_ROLE_BASS);
        for (uint32_t i = 0; i < b->n_notes; i++) {
            trap_notes++;
            trap_long += b->notes[i].len >= s->ppq; /* 808s ring */
        }
        cz_score_unref(s);
    }
    ck_assert_msg(sevenths_jazz * 10 >= chords_jazz * 9, "jazz sevenths %d/%d", sevenths_jazz,
                  chords_jazz);
    ck_assert_msg(triads_punk == chords_punk, "punk triads %d/%d", triads_punk, chords_punk);
    ck_assert_int_eq(blues_ok, 20);
    ck_assert_msg(walking * 2 >= jazz_bars, "walking bars %d/%d", walking, jazz_bars);
    ck_assert_msg(trap_long * 2 >= trap_notes, "trap long bass %d/%d", trap_long, trap_notes);
}
END_TEST

START_TEST(test_chromaticism_option)
{
    int sec = 0, chrom = 0;
    for (int seed = 1; seed <= 20; seed++) {
        cz_score *s = run_once(make_spec("pop", seed % 12, "major", 4, 4), (uint64_t)seed,
                               "{\"chromaticism\": 0}");
        ck_assert_int_eq(count_roman(s, "/"), 0);
        const cz_track *lead = track_of(s, CZ_ROLE_LEAD);
        for (uint32_t i = 0; i < lead->n_notes; i++)
            ck_assert(!(lead->notes[i].flags & CZ_NOTE_CHROMATIC));
        cz_score_unref(s);

        s = run_once(make_spec("pop", seed % 12, "major", 4, 4), (uint64_t)seed,
                     "{\"chromaticism\": 1}");
        sec += count_roman(s, "/");
        lead = track_of(s, CZ_ROLE_LEAD);
        for (uint32_t i = 0; i < lead->n_notes; i++)
            chrom += (lead->notes[i].flags & CZ_NOTE_CHROMATIC) != 0;
        cz_score_unref(s);
    }
    ck_assert_int_gt(sec, 5);
    ck_assert_int_gt(chrom, 5);
}
END_TEST

START_TEST(test_rhythm_and_density_options)
{
    /* harmonic_rhythm */
    cz_score *s = run_once(make_spec("pop", 0, "major", 4, 4), 1,
                           "{\"harmonic_rhythm\": \"half_bar\"}");
    uint32_t tpb = cz_score_ticks_per_bar(s);
    for (uint32_t i = 0; i < s->n_chords; i++)
        ck_assert_uint_le(s->chords[i].len, tpb / 2);
    cz_score_unref(s);
    s = run_once(make_spec("pop", 0, "major", 4, 4), 1, "{\"harmonic_rhythm\": \"slow\"}");
    uint32_t long_ones = 0;
    for (uint32_t i = 0; i < s->n_chords; i++) {
        ck_assert_uint_le(s->chords[i].len, 2 * tpb);
        long_ones += s->chords[i].len >= tpb;
    }
    ck_assert_uint_ge(long_ones * 2, s->n_chords);
    cz_score_unref(s);

    /* melody_density */
    uint32_t sparse = 0, dense = 0;
    for (int seed = 1; seed <= 10; seed++) {
        s = run_once(make_spec("pop", 0, "major", 4, 4), (uint64_t)seed,
                     "{\"melody_density\": 0}");
        sparse += track_of(s, CZ_ROLE_LEAD)->n_notes;
        cz_score_unref(s);
        s = run_once(make_spec("pop", 0, "major", 4, 4), (uint64_t)seed,
                     "{\"melody_density\": 1}");
        dense += track_of(s, CZ_ROLE_LEAD)->n_notes;
        cz_score_unref(s);
    }
    ck_assert_msg(dense > sparse * 3 / 2, "density 0: %u notes, 1: %u", sparse, dense);

    /* extensions: more sevenths and ninths */
    uint32_t plain = 0, rich = 0;
    for (int seed = 1; seed <= 10; seed++) {
        s = run_once(make_spec("pop", 0, "major", 4, 4), (uint64_t)seed, "{\"extensions\": 0}");
        for (uint32_t i = 0; i < s->n_chords; i++)
            plain += __builtin_popcount(s->chords[i].tones) >= 4;
        cz_score_unref(s);
        s = run_once(make_spec("pop", 0, "major", 4, 4), (uint64_t)seed, "{\"extensions\": 1}");
        for (uint32_t i = 0; i < s->n_chords; i++)
            rich += __builtin_popcount(s->chords[i].tones) >= 4;
        cz_score_unref(s);
    }
    ck_assert_msg(rich > plain * 3 / 2 + 10, "extended chords: %u at 0, %u at 1", plain, rich);

    /* ppq */
    s = run_once(make_spec("pop", 0, "major", 4, 4), 1, "{\"ppq\": 960}");
    ck_assert_uint_eq(s->ppq, 960);
    ck_assert_uint_eq(cz_score_ticks_per_bar(s), 3840);
    cz_score_unref(s);
    cz_error err = {0};
    czh *h = czh_new(czh_module_path(MOD), "{\"ppq\": 962}", &err);
    ck_assert_ptr_null(h);
    ck_assert_msg(strstr(err.msg, "ppq") != NULL, "message: %s", err.msg);
}
END_TEST

/* Pitch class of the note name at the start of a symbol ("F#m7" -> 6). */
static int symbol_pc(const char *s, const char **rest)
{
    static const int BASE[7] = {9, 11, 0, 2, 4, 5, 7};
    int p = BASE[s[0] - 'A'];
    s++;
    if (*s == '#')
        p++, s++;
    else if (*s == 'b')
        p--, s++;
    *rest = s;
    return pc(p);
}

START_TEST(test_chord_names)
{
    for (int seed = 1; seed <= 20; seed++) {
        cz_score *s = run_once(make_spec(GENRES[seed], seed % 12, MODES[seed % N_MODES], 4, 4),
                               (uint64_t)seed, NULL);
        for (uint32_t i = 0; i < s->n_chords; i++) {
            const cz_chord *c = &s->chords[i];
            const char *rest;
            ck_assert_msg(symbol_pc(c->symbol, &rest) == c->root, "%s root %d", c->symbol,
                          c->root);
            const char *slash = strchr(rest, '/');
            if (c->bass != c->root) {
                ck_assert_msg(slash != NULL, "%s: bass %d not shown", c->symbol, c->bass);
                ck_assert_int_eq(symbol_pc(slash + 1, &rest), c->bass);
            } else {
                ck_assert_ptr_null(slash);
            }
            /* minor chords are lower case in roman and say m in the symbol */
            int minor = in_mask(c->tones, c->root + 3) && !in_mask(c->tones, c->root + 4);
            const char *r = c->roman;
            if (*r == 'b' || *r == '#')
                r++;
            ck_assert_msg(minor ? (*r == 'i' || *r == 'v') : (*r == 'I' || *r == 'V'),
                          "%s written %s", c->symbol, c->roman);
        }
        /* the song starts on the tonic or a chord of its key */
        cz_score_unref(s);
    }
    /* a known case: C major pop, every chord named in C */
    cz_score *s = run_once(make_spec("pop", 0, "major", 4, 4), 2, "{\"chromaticism\": 0}");
    for (uint32_t i = 0; i < s->n_chords; i++) {
        const char *sy = s->chords[i].symbol, *sl = strchr(sy, '/');
        ck_assert_msg(sy[1] != '#' && sy[1] != 'b' && (!sl || (sl[2] != '#' && sl[2] != 'b')),
                      "C major chord %s", sy);
    }
    cz_score_unref(s);
}
END_TEST

START_TEST(test_option_schema)
{
    czh *h = open_mod(NULL);
    const cz_module_desc *d = czh_desc(h);
    ck_assert_str_eq(d->name, MOD);
    const char *want[] = {"ppq", "melody_density", "chromaticism", "extensions",
                          "harmonic_rhythm"};
    for (size_t i = 0; i < 5; i++) {
        int found = 0;
        for (const cz_option *o = d->options; o->name; o++)
            found |= !strcmp(o->name, want[i]) && o->doc && o->doc[0];
        ck_assert_msg(found, "option %s missing or undocumented", want[i]);
    }
    ck_assert_str_eq(d->reads[0].key, "ideation.spec");
    ck_assert_str_eq(d->writes[0].key, "composition.score");
    czh_free(h);
    cz_error err = {0};
    ck_assert_ptr_null(czh_new(czh_module_path(MOD), "{\"chromaticsm\": 1}", &err));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("composition");
    TCase *tc = tcase_create("theory");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_sweep_genres_modes_seeds);
    tcase_add_test(tc, test_deterministic_per_seed);
    tcase_add_test(tc, test_meters_bar_length);
    tcase_add_test(tc, test_negated_roles_absent);
    tcase_add_test(tc, test_programs_and_channels);
    tcase_add_test(tc, test_missing_and_wrong_spec);
    tcase_add_test(tc, test_malformed_fields_fall_back);
    tcase_add_test(tc, test_chorus_denser_louder_higher_than_verse);
    tcase_add_test(tc, test_genre_harmony);
    tcase_add_test(tc, test_chromaticism_option);
    tcase_add_test(tc, test_rhythm_and_density_options);
    tcase_add_test(tc, test_chord_names);
    tcase_add_test(tc, test_option_schema);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return czh_run_suite(suite());
}
