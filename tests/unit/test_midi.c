/*
 * test_midi.c - finalization.midi, run as a black box.
 *
 * Each test builds a score by hand with the score API, runs the real
 * module through tests/harness.h with an output folder, and reads the file
 * it wrote back with the small Standard MIDI File reader below. The reader
 * is written from the SMF 1.0 specification, independently of the module:
 * it checks chunk lengths, variable-length quantities (at most 4 bytes),
 * every event's length and data bytes, running status (only after a
 * channel message, cancelled by meta events), one end-of-track as the last
 * event of every chunk, and that nothing is left over.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <check.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* ---- a small independent SMF reader ------------------------------------ */

typedef struct sev {
    uint32_t tick;        /* absolute */
    uint8_t status;       /* 0xFF for meta, else the channel status byte */
    uint8_t type;         /* meta type */
    uint8_t d1, d2;       /* channel data (d2 unused for Cn/Dn) */
    const uint8_t *data;  /* meta payload, inside the file buffer */
    uint32_t len;
} sev;

typedef struct strk {
    sev *ev;
    size_t n, cap;
} strk;

typedef struct smf {
    uint16_t format, ntracks, division;
    strk *trk;
    size_t running; /* channel messages that used running status */
} smf;

static void smf_free(smf *m)
{
    for (unsigned i = 0; m->trk && i < m->ntracks; i++)
        free(m->trk[i].ev);
    free(m->trk);
    memset(m, 0, sizeof *m);
}

static uint32_t be(const uint8_t *p, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* A variable-length quantity of at most four bytes ending inside [*pos, end). */
static int rd_vlq(const uint8_t *p, size_t end, size_t *pos, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        if (*pos >= end)
            return -1;
        uint8_t c = p[(*pos)++];
        v = v << 7 | (c & 0x7Fu);
        if (!(c & 0x80u)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

static int push(strk *t, sev e)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        sev *ev = realloc(t->ev, cap * sizeof *ev);
        if (!ev)
            return -1;
        t->ev = ev;
        t->cap = cap;
    }
    t->ev[t->n++] = e;
    return 0;
}

#define BAD(...) (snprintf(why, 200, __VA_ARGS__), -1)

static int parse_track(const uint8_t *p, size_t pos, size_t end, strk *t,
                       size_t *running_uses, char *why)
{
    uint32_t tick = 0;
    uint8_t running = 0;
    int ended = 0;
    while (pos < end) {
        if (ended)
            return BAD("event after end-of-track at byte %zu", pos);
        uint32_t delta;
        if (rd_vlq(p, end, &pos, &delta))
            return BAD("bad delta VLQ at byte %zu", pos);
        tick += delta;
        if (pos >= end)
            return BAD("track ends after a delta time");
        sev e = {.tick = tick};
        uint8_t b = p[pos];
        if (b == 0xFF) {
            if (pos + 2 > end)
                return BAD("truncated meta event");
            e.status = 0xFF;
            e.type = p[pos + 1];
            pos += 2;
            if (e.type >= 0x80)
                return BAD("meta type 0x%02x has the high bit set", e.type);
            if (rd_vlq(p, end, &pos, &e.len) || pos + e.len > end)
                return BAD("bad meta length at byte %zu", pos);
            e.data = p + pos;
            pos += e.len;
            running = 0; /* meta events cancel running status */
            if (e.type == 0x2F) {
                if (e.len != 0)
                    return BAD("end-of-track with length %u", e.len);
                ended = 1;
            }
        } else if (b == 0xF0 || b == 0xF7) {
            return BAD("unexpected sysex at byte %zu", pos);
        } else {
            if (b & 0x80u) {
                if (b >= 0xF0)
                    return BAD("system message 0x%02x in a file", b);
                running = b;
                pos++;
            } else {
                if (!running)
                    return BAD("data byte 0x%02x without running status at "
                               "byte %zu", b, pos);
                (*running_uses)++;
            }
            e.status = running;
            unsigned hi = running & 0xF0u;
            unsigned nd = (hi == 0xC0 || hi == 0xD0) ? 1 : 2;
            if (pos + nd > end)
                return BAD("truncated channel message");
            for (unsigned i = 0; i < nd; i++)
                if (p[pos + i] & 0x80u)
                    return BAD("data byte 0x%02x >= 0x80 at byte %zu",
                               p[pos + i], pos + i);
            e.d1 = p[pos];
            e.d2 = nd == 2 ? p[pos + 1] : 0;
            pos += nd;
        }
        if (push(t, e))
            return BAD("out of memory");
    }
    if (!ended)
        return BAD("track has no end-of-track");
    return 0;
}

static int smf_parse(const uint8_t *p, size_t n, smf *m, char *why)
{
    memset(m, 0, sizeof *m);
    if (n < 14 || memcmp(p, "MThd", 4) || be(p + 4, 4) != 6)
        return BAD("no MThd chunk of length 6");
    m->format = (uint16_t)be(p + 8, 2);
    m->ntracks = (uint16_t)be(p + 10, 2);
    m->division = (uint16_t)be(p + 12, 2);
    if (m->division & 0x8000u)
        return BAD("SMPTE division");
    m->trk = calloc(m->ntracks ? m->ntracks : 1, sizeof *m->trk);
    if (!m->trk)
        return BAD("out of memory");
    size_t pos = 14;
    for (unsigned i = 0; i < m->ntracks; i++) {
        if (pos + 8 > n || memcmp(p + pos, "MTrk", 4))
            return BAD("track %u: no MTrk chunk at byte %zu", i, pos);
        size_t len = be(p + pos + 4, 4);
        pos += 8;
        if (pos + len > n)
            return BAD("track %u: chunk length %zu past the end", i, len);
        if (parse_track(p, pos, pos + len, &m->trk[i], &m->running, why))
            return -1;
        pos += len;
    }
    if (pos != n)
        return BAD("%zu bytes after the last track", n - pos);
    return 0;
}

/* The first meta event of a type in a track, or NULL. */
static const sev *find_meta(const strk *t, uint8_t type)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->ev[i].status == 0xFF && t->ev[i].type == type)
            return &t->ev[i];
    return NULL;
}

static int meta_is(const sev *e, const char *text)
{
    return e && e->len == strlen(text) && !memcmp(e->data, text, e->len);
}

/* Tick of the track's end-of-track (its last event). */
static uint32_t end_tick(const strk *t)
{
    return t->n ? t->ev[t->n - 1].tick : 0;
}

/* Notes rebuilt from on/off pairs. */
typedef struct rnote {
    uint32_t tick, len;
    uint8_t pitch, vel, chan;
} rnote;

static int cmp_rnote(const void *pa, const void *pb)
{
    const rnote *a = pa, *b = pb;
    if (a->tick != b->tick)
        return a->tick < b->tick ? -1 : 1;
    if (a->pitch != b->pitch)
        return a->pitch < b->pitch ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

/* Pair the ons and offs of a track; fails on an off without an on, an on
 * over a sounding key, or a note left hanging. Sorted by (tick, pitch). */
static rnote *track_notes(const strk *t, size_t *count, char *why)
{
    int32_t on_at[16][128];
    uint8_t on_vel[16][128];
    memset(on_at, 0xFF, sizeof on_at);
    rnote *out = malloc((t->n + 1) * sizeof *out);
    size_t k = 0;
    for (size_t i = 0; out && i < t->n; i++) {
        const sev *e = &t->ev[i];
        unsigned hi = e->status & 0xF0u, ch = e->status & 0x0Fu;
        if (e->status == 0xFF || (hi != 0x80 && hi != 0x90))
            continue;
        int is_on = hi == 0x90 && e->d2 > 0;
        if (is_on) {
            if (on_at[ch][e->d1] >= 0) {
                snprintf(why, 200, "note-on over sounding pitch %u at %u",
                         e->d1, e->tick);
                free(out);
                return NULL;
            }
            on_at[ch][e->d1] = (int32_t)e->tick;
            on_vel[ch][e->d1] = e->d2;
        } else {
            if (on_at[ch][e->d1] < 0) {
                snprintf(why, 200, "note-off of silent pitch %u at %u",
                         e->d1, e->tick);
                free(out);
                return NULL;
            }
            out[k++] = (rnote){.tick = (uint32_t)on_at[ch][e->d1],
                               .len = e->tick - (uint32_t)on_at[ch][e->d1],
                               .pitch = e->d1, .vel = on_vel[ch][e->d1],
                               .chan = (uint8_t)ch};
            on_at[ch][e->d1] = -1;
        }
    }
    for (unsigned c = 0; out && c < 16; c++)
        for (unsigned p = 0; p < 128; p++)
            if (on_at[c][p] >= 0) {
                snprintf(why, 200, "pitch %u left sounding", p);
                free(out);
                return NULL;
            }
    if (out)
        qsort(out, k, sizeof *out, cmp_rnote);
    *count = k;
    return out;
}

/* ---- running the module --------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct result {
    int rc;
    cz_error err;
    uint8_t *bytes; /* the file, or NULL */
    size_t len;
    json_t *report; /* finalization.midi, or NULL */
    smf m;          /* parsed when bytes != NULL */
} result;

typedef struct run_args {
    const char *key;     /* bus key for the score (default arrangement.score) */
    const char *options; /* JSON options text, or NULL */
    const char *file;    /* file to read back (default song.mid) */
    json_t *spec;        /* put as ideation.spec when set (consumed) */
    int no_out;          /* run without an output folder */
} run_args;

/* Put s (consumed) on a fresh bus, run the module and read its file. */
static void run_midi(cz_score *s, run_args a, result *r)
{
    memset(r, 0, sizeof *r);
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("finalization.midi"), a.options, &err);
    ck_assert_msg(h != NULL, "load finalization.midi: %s", err.msg);
    cz_bus *bus = czh_bus(h);
    if (s)
        ck_assert_int_eq(cz_bus_put_score(bus, a.key ? a.key
                                          : "arrangement.score", s), 0);
    if (a.spec)
        ck_assert_int_eq(cz_bus_put_json(bus, "ideation.spec", a.spec), 0);
    char dir[] = "/tmp/cz-midi-test-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    if (!a.no_out)
        czh_set_out(h, dir);
    r->rc = czh_run(h, 7, &r->err);
    char why[200] = "";
    int parsed = 0;
    if (r->rc == 0) {
        const json_t *j = NULL;
        if (cz_bus_get_json(bus, "finalization.midi", &j) == 0)
            r->report = json_deep_copy(j);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, a.file ? a.file : "song.mid");
        r->bytes = (uint8_t *)czh_slurp(path, &r->len);
        if (r->bytes)
            parsed = smf_parse(r->bytes, r->len, &r->m, why) == 0;
    }
    czh_free(h);
    rm_rf(dir); /* before any assertion, so a failure leaves no folder */
    ck_assert_msg(!r->bytes || parsed, "invalid MIDI file: %s", why);
}

static void result_free(result *r)
{
    smf_free(&r->m);
    free(r->bytes);
    json_decref(r->report);
}

/* Run and insist on success and a file. */
static void run_ok(cz_score *s, run_args a, result *r)
{
    run_midi(s, a, r);
    ck_assert_msg(r->rc == 0, "run failed (%s): %s", cz_strerror(r->rc),
                  r->err.msg);
    ck_assert_msg(r->bytes != NULL, "no MIDI file written");
}

/* A score with the given meter and no tracks, 8 bars long. */
static cz_score *new_score(uint32_t ppq, uint8_t num, uint8_t den)
{
    cz_score *s = cz_score_new(ppq);
    ck_assert_ptr_nonnull(s);
    s->meter_num = num;
    s->meter_den = den;
    s->bars = 8;
    s->total_ticks = 8 * cz_score_ticks_per_bar(s);
    return s;
}

static cz_track *add_track(cz_score *s, const char *name, cz_role role,
                           uint8_t program, uint8_t channel)
{
    cz_track *t = cz_score_add_track(s, name, role, program, channel);
    ck_assert_ptr_nonnull(t);
    t->volume = 0.8f;
    t->pan = 0.0f;
    return t;
}

static void add_note(cz_track *t, uint32_t tick, uint32_t len, uint8_t pitch,
                     uint8_t vel)
{
    ck_assert_int_eq(cz_track_add_note(t, tick, len, pitch, vel, 0), 0);
}

/* A small band: lead, bass, drums. */
static cz_score *band_score(void)
{
    cz_score *s = new_score(480, 4, 4);
    s->bpm = 100;
    cz_track *lead = add_track(s, "saw lead", CZ_ROLE_LEAD, 81, 0);
    add_note(lead, 0, 480, 72, 100);
    add_note(lead, 480, 480, 74, 90);
    cz_track *bass = add_track(s, "analog bass", CZ_ROLE_BASS, 38, 1);
    add_note(bass, 0, 1920, 45, 110);
    cz_track *drums = add_track(s, "drum kit", CZ_ROLE_DRUMS, 0, 9);
    for (uint32_t b = 0; b < 8; b++)
        add_note(drums, b * 480, 120, 36, 120);
    return s;
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(test_header_tracks_names)
{
    result r;
    run_ok(band_score(), (run_args){0}, &r);
    ck_assert_int_eq(r.m.format, 1);
    ck_assert_int_eq(r.m.ntracks, 4);
    ck_assert_int_eq(r.m.division, 480);
    ck_assert(meta_is(find_meta(&r.m.trk[0], 0x03), "Cadenza"));
    ck_assert(meta_is(find_meta(&r.m.trk[1], 0x03), "saw lead"));
    ck_assert(meta_is(find_meta(&r.m.trk[2], 0x03), "analog bass"));
    ck_assert(meta_is(find_meta(&r.m.trk[3], 0x03), "drum kit"));
    /* the conductor track holds no channel messages */
    for (size_t i = 0; i < r.m.trk[0].n; i++)
        ck_assert_int_eq(r.m.trk[0].ev[i].status, 0xFF);
    /* every track ends at the song end, 8 bars of 4/4 */
    for (unsigned i = 0; i < 4; i++)
        ck_assert_uint_eq(end_tick(&r.m.trk[i]), 8 * 1920);
    result_free(&r);
}
END_TEST

START_TEST(test_division_follows_ppq)
{
    result r;
    cz_score *s = new_score(96, 4, 4);
    add_note(add_track(s, "keys", CZ_ROLE_CHORDS, 0, 0), 96, 48, 60, 64);
    run_ok(s, (run_args){0}, &r);
    ck_assert_int_eq(r.m.division, 96);
    size_t n;
    char why[200];
    rnote *notes = track_notes(&r.m.trk[1], &n, why);
    ck_assert_msg(notes != NULL, "%s", why);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(notes[0].tick, 96);
    ck_assert_uint_eq(notes[0].len, 48);
    free(notes);
    result_free(&r);
}
END_TEST

START_TEST(test_title_from_spec)
{
    result r;
    json_t *spec = json_pack("{s:s, s:s}", "title", "Night Drive", "key", "C");
    run_ok(band_score(), (run_args){.spec = spec}, &r);
    ck_assert(meta_is(find_meta(&r.m.trk[0], 0x03), "Night Drive"));
    result_free(&r);
}
END_TEST

START_TEST(test_tempo)
{
    static const struct {
        double bpm;
        uint32_t us;
    } cases[] = {{120, 500000}, {100, 600000}, {93.5, 641711}, {60, 1000000},
                 {174, 344828}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        result r;
        cz_score *s = new_score(480, 4, 4);
        s->bpm = cases[i].bpm;
        run_ok(s, (run_args){0}, &r);
        const sev *t = find_meta(&r.m.trk[0], 0x51);
        ck_assert_ptr_nonnull(t);
        ck_assert_uint_eq(t->tick, 0);
        ck_assert_uint_eq(t->len, 3);
        ck_assert_msg(be(t->data, 3) == cases[i].us, "%g bpm: %u us, want %u",
                      cases[i].bpm, be(t->data, 3), cases[i].us);
        result_free(&r);
    }
}
END_TEST

START_TEST(test_time_signatures)
{
    /* num, den -> nn dd cc bb; bar length in ticks at ppq 480 */
    static const struct {
        uint8_t num, den, dd, cc;
        uint32_t bar;
    } cases[] = {{4, 4, 2, 24, 1920}, {3, 4, 2, 24, 1440}, {6, 8, 3, 36, 1440},
                 {7, 8, 3, 12, 1680}, {2, 2, 1, 48, 1920}, {12, 8, 3, 36, 2880}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        result r;
        cz_score *s = new_score(480, cases[i].num, cases[i].den);
        ck_assert_int_eq(cz_score_add_section(s, "intro", 0, 2, 0.3f), 0);
        ck_assert_int_eq(cz_score_add_section(s, "verse", 2, 6, 0.6f), 0);
        run_ok(s, (run_args){0}, &r);
        const sev *t = find_meta(&r.m.trk[0], 0x58);
        ck_assert_ptr_nonnull(t);
        ck_assert_uint_eq(t->len, 4);
        ck_assert_msg(t->data[0] == cases[i].num && t->data[1] == cases[i].dd &&
                          t->data[2] == cases[i].cc && t->data[3] == 8,
                      "%u/%u: got %u %u %u %u", cases[i].num, cases[i].den,
                      t->data[0], t->data[1], t->data[2], t->data[3]);
        /* the verse marker sits two bars in, in this meter's bars */
        size_t markers = 0;
        for (size_t k = 0; k < r.m.trk[0].n; k++) {
            const sev *e = &r.m.trk[0].ev[k];
            if (e->status != 0xFF || e->type != 0x06)
                continue;
            markers++;
            if (meta_is(e, "verse"))
                ck_assert_uint_eq(e->tick, 2 * cases[i].bar);
            else
                ck_assert(meta_is(e, "intro") && e->tick == 0);
        }
        ck_assert_uint_eq(markers, 2);
        ck_assert_uint_eq(end_tick(&r.m.trk[0]), 8 * cases[i].bar);
        result_free(&r);
    }
}
END_TEST

START_TEST(test_key_signatures)
{
    static const struct {
        uint8_t tonic;
        cz_mode mode;
        const char *spelling; /* spec "key", or NULL */
        int8_t sf;
        uint8_t mi;
    } cases[] = {
        {0, CZ_MODE_MAJOR, NULL, 0, 0},      /* C major */
        {9, CZ_MODE_MINOR, NULL, 0, 1},      /* A minor */
        {2, CZ_MODE_DORIAN, NULL, 0, 1},     /* D dorian: C major's notes */
        {4, CZ_MODE_PHRYGIAN, NULL, 0, 1},   /* E phrygian */
        {5, CZ_MODE_LYDIAN, NULL, 0, 0},     /* F lydian */
        {9, CZ_MODE_MIXOLYDIAN, NULL, 2, 0}, /* A mixolydian: D major's */
        {11, CZ_MODE_LOCRIAN, NULL, 0, 1},   /* B locrian */
        {7, CZ_MODE_MAJOR, NULL, 1, 0},      /* G major */
        {5, CZ_MODE_MAJOR, NULL, -1, 0},     /* F major */
        {4, CZ_MODE_MINOR, NULL, 1, 1},      /* E minor */
        {10, CZ_MODE_MAJOR, NULL, -2, 0},    /* Bb major */
        {1, CZ_MODE_MINOR, NULL, 4, 1},      /* C# minor */
        {1, CZ_MODE_MAJOR, NULL, -5, 0},     /* Db major */
        {3, CZ_MODE_MINOR, NULL, -6, 1},     /* Eb minor */
        {6, CZ_MODE_MAJOR, NULL, 6, 0},      /* F# major */
        {8, CZ_MODE_MINOR, NULL, 5, 1},      /* G# minor */
        {9, CZ_MODE_HARMONIC_MINOR, NULL, 0, 1},
        {0, CZ_MODE_MELODIC_MINOR, NULL, -3, 1},
        {6, CZ_MODE_MAJOR, "Gb", -6, 0},     /* spelled with flats */
        {3, CZ_MODE_MINOR, "D#", 6, 1},      /* spelled with sharps */
        {1, CZ_MODE_MAJOR, "C#", 7, 0},
        {2, CZ_MODE_DORIAN, "E", 0, 1},      /* spelling of another key: ignored */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        result r;
        cz_score *s = new_score(480, 4, 4);
        s->key_tonic = cases[i].tonic;
        s->mode = (uint8_t)cases[i].mode;
        json_t *spec = cases[i].spelling
            ? json_pack("{s:s}", "key", cases[i].spelling) : NULL;
        run_ok(s, (run_args){.spec = spec}, &r);
        const sev *k = find_meta(&r.m.trk[0], 0x59);
        ck_assert_ptr_nonnull(k);
        ck_assert_uint_eq(k->len, 2);
        ck_assert_msg((int8_t)k->data[0] == cases[i].sf &&
                          k->data[1] == cases[i].mi,
                      "tonic %u %s (%s): sf %d mi %u, want %d %u",
                      cases[i].tonic, cz_mode_name(cases[i].mode),
                      cases[i].spelling ? cases[i].spelling : "-",
                      (int8_t)k->data[0], k->data[1], cases[i].sf,
                      cases[i].mi);
        result_free(&r);
    }
}
END_TEST

START_TEST(test_programs_volume_pan_channels)
{
    cz_score *s = new_score(480, 4, 4);
    cz_track *lead = add_track(s, "lead", CZ_ROLE_LEAD, 81, 0);
    lead->volume = 1.0f;
    lead->pan = -1.0f;
    add_note(lead, 0, 480, 72, 100);
    cz_track *bass = add_track(s, "bass", CZ_ROLE_BASS, 38, 1);
    bass->volume = 0.5f;
    bass->pan = 1.0f;
    add_note(bass, 0, 480, 40, 100);
    cz_track *drums = add_track(s, "drums", CZ_ROLE_DRUMS, 0, 9);
    add_note(drums, 0, 120, 36, 100);
    cz_track *perc = add_track(s, "shaker", CZ_ROLE_PERC, 0, 9);
    add_note(perc, 0, 60, 70, 60);
    result r;
    run_ok(s, (run_args){0}, &r);
    ck_assert_int_eq(r.m.ntracks, 5);

    static const struct {
        int program; /* -1: none expected */
        uint8_t chan, vol, pan;
    } want[] = {{81, 0, 127, 0}, {38, 1, 64, 127}, {-1, 9, 102, 64},
                {-1, 9, 102, 64}};
    for (unsigned i = 0; i < 4; i++) {
        const strk *t = &r.m.trk[i + 1];
        int program = -1, vol = -1, pan = -1;
        size_t channel_msgs = 0;
        for (size_t k = 0; k < t->n; k++) {
            const sev *e = &t->ev[k];
            if (e->status == 0xFF)
                continue;
            channel_msgs++;
            ck_assert_msg((e->status & 0x0F) == want[i].chan,
                          "track %u: message on channel %u, want %u", i + 1,
                          e->status & 0x0F, want[i].chan);
            if ((e->status & 0xF0) == 0xC0)
                program = e->d1;
            if ((e->status & 0xF0) == 0xB0 && e->d1 == 7)
                vol = e->d2;
            if ((e->status & 0xF0) == 0xB0 && e->d1 == 10)
                pan = e->d2;
        }
        ck_assert_uint_gt(channel_msgs, 0);
        ck_assert_int_eq(program, want[i].program);
        ck_assert_int_eq(vol, want[i].vol);
        ck_assert_int_eq(pan, want[i].pan);
    }
    result_free(&r);
}
END_TEST

START_TEST(test_drum_channel_only_for_drums)
{
    /* A bass that claims channel 9 is moved off it; drums put on channel 2
     * by mistake go to channel 9. */
    cz_score *s = new_score(480, 4, 4);
    add_note(add_track(s, "lead", CZ_ROLE_LEAD, 81, 0), 0, 480, 72, 100);
    add_note(add_track(s, "bass", CZ_ROLE_BASS, 33, 9), 0, 480, 40, 100);
    add_note(add_track(s, "kit", CZ_ROLE_DRUMS, 0, 2), 0, 120, 36, 100);
    result r;
    run_ok(s, (run_args){0}, &r);
    for (unsigned i = 1; i < r.m.ntracks; i++) {
        int drums = i == 3;
        const strk *t = &r.m.trk[i];
        for (size_t k = 0; k < t->n; k++) {
            if (t->ev[k].status == 0xFF)
                continue;
            unsigned ch = t->ev[k].status & 0x0F;
            if (drums)
                ck_assert_uint_eq(ch, 9);
            else
                ck_assert_uint_ne(ch, 9);
        }
    }
    /* the bass went to the lowest free channel: 1 (0 is the lead's) */
    ck_assert_uint_eq(r.m.trk[2].ev[1].status, 0xC1);
    ck_assert_uint_eq(r.m.trk[2].ev[1].d1, 33);
    result_free(&r);
}
END_TEST

/* Many notes, drawn deterministically, come back exactly. */
START_TEST(test_notes_round_trip)
{
    cz_score *s = new_score(480, 4, 4);
    s->bars = 64;
    s->total_ticks = 64 * 1920;
    cz_rng rng;
    cz_rng_init(&rng, 1234, "midi-test");
    enum { NT = 3, PER = 400 };
    cz_note want[NT][PER];
    for (unsigned ti = 0; ti < NT; ti++) {
        cz_track *t = add_track(s, ti == 2 ? "kit" : ti ? "bass" : "lead",
                                ti == 2 ? CZ_ROLE_DRUMS : ti ? CZ_ROLE_BASS
                                                             : CZ_ROLE_LEAD,
                                (uint8_t)(10 * ti), ti == 2 ? 9 : (uint8_t)ti);
        /* each pitch gets its own time line, so no two notes of one pitch
         * overlap and nothing is truncated */
        uint32_t next_free[128] = {0};
        unsigned k = 0;
        while (k < PER) {
            uint8_t pitch = (uint8_t)(36 + cz_rng_below(&rng, 48));
            uint32_t tick = next_free[pitch] + cz_rng_below(&rng, 3000);
            uint32_t len = 1 + cz_rng_below(&rng, 2000);
            uint8_t vel = (uint8_t)(1 + cz_rng_below(&rng, 127));
            if (tick + len > s->total_ticks)
                continue;
            next_free[pitch] = tick + len;
            add_note(t, tick, len, pitch, vel);
            want[ti][k++] = (cz_note){.tick = tick, .len = len, .pitch = pitch,
                                      .velocity = vel};
        }
        cz_track_sort(t);
    }
    result r;
    run_ok(s, (run_args){0}, &r);
    ck_assert_int_eq(r.m.ntracks, NT + 1);
    ck_assert_uint_gt(r.m.running, 0); /* the reader did see running status */
    for (unsigned ti = 0; ti < NT; ti++) {
        size_t n;
        char why[200] = "";
        rnote *got = track_notes(&r.m.trk[ti + 1], &n, why);
        ck_assert_msg(got != NULL, "track %u: %s", ti + 1, why);
        ck_assert_uint_eq(n, PER);
        rnote exp[PER];
        for (unsigned k = 0; k < PER; k++)
            exp[k] = (rnote){.tick = want[ti][k].tick, .len = want[ti][k].len,
                             .pitch = want[ti][k].pitch,
                             .vel = want[ti][k].velocity,
                             .chan = ti == 2 ? 9 : (uint8_t)ti};
        qsort(exp, PER, sizeof exp[0], cmp_rnote);
        for (unsigned k = 0; k < PER; k++)
            ck_assert_msg(got[k].tick == exp[k].tick && got[k].len == exp[k].len &&
                              got[k].pitch == exp[k].pitch &&
                              got[k].vel == exp[k].vel &&
                              got[k].chan == exp[k].chan,
                          "track %u note %u: got %u+%u p%u v%u c%u, want "
                          "%u+%u p%u v%u c%u", ti + 1, k, got[k].tick,
                          got[k].len, got[k].pitch, got[k].vel, got[k].chan,
                          exp[k].tick, exp[k].len, exp[k].pitch, exp[k].vel,
                          exp[k].chan);
        free(got);
    }
    result_free(&r);
}
END_TEST

/* A re-struck note: off comes before on at the same tick. */
START_TEST(test_restrike_off_before_on)
{
    cz_score *s = new_score(480, 4, 4);
    cz_track *t = add_track(s, "keys", CZ_ROLE_CHORDS, 0, 0);
    add_note(t, 0, 480, 60, 100);
    add_note(t, 480, 480, 60, 90);
    add_note(t, 480, 240, 64, 80);
    result r;
    run_ok(s, (run_args){0}, &r);
    const strk *k = &r.m.trk[1];
    int off60 = -1, on60 = -1;
    for (size_t i = 0; i < k->n; i++) {
        const sev *e = &k->ev[i];
        if (e->status == 0xFF || e->tick != 480 || e->d1 != 60)
            continue;
        if ((e->status & 0xF0) == 0x90 && e->d2)
            on60 = (int)i;
        else if ((e->status & 0xF0) == 0x80 ||
                 ((e->status & 0xF0) == 0x90 && !e->d2))
            off60 = (int)i;
    }
    ck_assert_int_ge(off60, 0);
    ck_assert_int_gt(on60, off60);
    size_t n;
    char why[200];
    rnote *got = track_notes(k, &n, why);
    ck_assert_msg(got != NULL, "%s", why);
    ck_assert_uint_eq(n, 3);
    ck_assert(got[0].tick == 0 && got[0].len == 480 && got[0].vel == 100);
    ck_assert(got[1].tick == 480 && got[1].pitch == 60 && got[1].len == 480);
    free(got);
    result_free(&r);
}
END_TEST

/* Overlaps of one pitch on one channel: the earlier note is cut, a note
 * starting with another of its pitch is merged into the longer one, and
 * this holds across tracks that share a channel. */
START_TEST(test_overlaps_truncate_earlier)
{
    cz_score *s = new_score(480, 4, 4);
    cz_track *a = add_track(s, "a", CZ_ROLE_CHORDS, 0, 0);
    add_note(a, 0, 960, 60, 100);   /* cut at 480 by the next */
    add_note(a, 480, 960, 60, 90);
    add_note(a, 2000, 100, 62, 70); /* same start as a longer one: dropped */
    add_note(a, 2000, 400, 62, 80);
    cz_track *b = add_track(s, "b", CZ_ROLE_PAD, 0, 0); /* shares channel 0 */
    add_note(b, 3000, 900, 65, 50);
    add_note(a, 3100, 200, 65, 60); /* cuts b's note at 3100 */
    cz_track_sort(a);
    result r;
    run_ok(s, (run_args){0}, &r);
    size_t na, nb;
    char why[200];
    rnote *ga = track_notes(&r.m.trk[1], &na, why);
    ck_assert_msg(ga != NULL, "%s", why);
    rnote *gb = track_notes(&r.m.trk[2], &nb, why);
    ck_assert_msg(gb != NULL, "%s", why);
    ck_assert_uint_eq(na, 4);
    ck_assert(ga[0].tick == 0 && ga[0].len == 480 && ga[0].pitch == 60);
    ck_assert(ga[1].tick == 480 && ga[1].len == 960 && ga[1].vel == 90);
    ck_assert(ga[2].tick == 2000 && ga[2].len == 400 && ga[2].vel == 80);
    ck_assert(ga[3].tick == 3100 && ga[3].len == 200);
    ck_assert_uint_eq(nb, 1);
    ck_assert(gb[0].tick == 3000 && gb[0].len == 100);
    free(ga);
    free(gb);
    result_free(&r);
}
END_TEST

/* Long gaps need multi-byte delta times (up to four bytes). */
START_TEST(test_large_delta_times)
{
    cz_score *s = new_score(480, 4, 4);
    cz_track *t = add_track(s, "long", CZ_ROLE_PAD, 0, 0);
    static const uint32_t ticks[] = {0, 127, 128, 16383, 16384, 2097151,
                                     2097152, 200000000};
    for (size_t i = 0; i < sizeof ticks / sizeof ticks[0]; i++)
        add_note(t, ticks[i], 1, 60, 100);
    add_note(t, 250000000, 18435455, 61, 100); /* ends at 0x0FFFFFFF */
    s->total_ticks = 268435455u;
    result r;
    run_ok(s, (run_args){0}, &r);
    size_t n;
    char why[200];
    rnote *got = track_notes(&r.m.trk[1], &n, why);
    ck_assert_msg(got != NULL, "%s", why);
    ck_assert_uint_eq(n, 9);
    for (size_t i = 0; i < 8; i++)
        ck_assert_uint_eq(got[i].tick, ticks[i]);
    ck_assert_uint_eq(got[8].tick + got[8].len, 268435455u);
    ck_assert_uint_eq(end_tick(&r.m.trk[1]), 268435455u);
    ck_assert_uint_eq(end_tick(&r.m.trk[0]), 268435455u);
    free(got);
    result_free(&r);

    /* one tick further cannot be written */
    s = new_score(480, 4, 4);
    add_note(add_track(s, "x", CZ_ROLE_PAD, 0, 0), 268435455u, 1, 60, 100);
    run_midi(s, (run_args){0}, &r);
    ck_assert_int_eq(r.rc, CZ_EINVAL);
    ck_assert_ptr_nonnull(strstr(r.err.msg, "\"x\""));
    result_free(&r);
}
END_TEST

START_TEST(test_end_of_track_placement)
{
    cz_score *s = new_score(480, 3, 4); /* total 8 * 1440 = 11520 */
    add_note(add_track(s, "short", CZ_ROLE_LEAD, 0, 0), 0, 480, 60, 100);
    add_note(add_track(s, "long", CZ_ROLE_PAD, 0, 1), 11000, 1000, 60, 100);
    add_track(s, "silent", CZ_ROLE_FX, 0, 2);
    result r;
    run_ok(s, (run_args){0}, &r);
    ck_assert_uint_eq(end_tick(&r.m.trk[0]), 11520);
    ck_assert_uint_eq(end_tick(&r.m.trk[1]), 11520);
    ck_assert_uint_eq(end_tick(&r.m.trk[2]), 12000); /* the last note's end */
    ck_assert_uint_eq(end_tick(&r.m.trk[3]), 11520);
    ck_assert(meta_is(find_meta(&r.m.trk[3], 0x03), "silent"));
    result_free(&r);
}
END_TEST

START_TEST(test_markers_in_time_order)
{
    cz_score *s = new_score(480, 4, 4);
    s->bars = 16;
    s->total_ticks = 16 * 1920;
    ck_assert_int_eq(cz_score_add_section(s, "chorus", 8, 8, 0.9f), 0);
    ck_assert_int_eq(cz_score_add_section(s, "intro", 0, 4, 0.2f), 0);
    ck_assert_int_eq(cz_score_add_section(s, "verse", 4, 4, 0.5f), 0);
    result r;
    run_ok(s, (run_args){0}, &r);
    static const char *names[] = {"intro", "verse", "chorus"};
    static const uint32_t at[] = {0, 4 * 1920, 8 * 1920};
    unsigned k = 0;
    for (size_t i = 0; i < r.m.trk[0].n; i++) {
        const sev *e = &r.m.trk[0].ev[i];
        if (e->status != 0xFF || e->type != 0x06)
            continue;
        ck_assert_uint_lt(k, 3);
        ck_assert_msg(meta_is(e, names[k]), "marker %u is not %s", k, names[k]);
        ck_assert_uint_eq(e->tick, at[k]);
        k++;
    }
    ck_assert_uint_eq(k, 3);
    result_free(&r);
}
END_TEST

START_TEST(test_deterministic_bytes)
{
    result a, b;
    json_t *spec = json_pack("{s:s}", "title", "Same Song");
    run_ok(band_score(), (run_args){.spec = spec}, &a);
    spec = json_pack("{s:s}", "title", "Same Song");
    run_ok(band_score(), (run_args){.spec = spec}, &b);
    ck_assert_uint_eq(a.len, b.len);
    ck_assert(memcmp(a.bytes, b.bytes, a.len) == 0);
    result_free(&a);
    result_free(&b);
}
END_TEST

START_TEST(test_report_on_bus)
{
    result r;
    run_ok(band_score(), (run_args){.options = "{\"file\": \"midi/take1.mid\"}",
                                    .file = "midi/take1.mid"}, &r);
    ck_assert_ptr_nonnull(r.report);
    ck_assert_str_eq(json_string_value(json_object_get(r.report, "file")),
                     "midi/take1.mid");
    ck_assert_int_eq(json_integer_value(json_object_get(r.report, "tracks")), 4);
    ck_assert_int_eq(json_integer_value(json_object_get(r.report, "bytes")),
                     (json_int_t)r.len);
    ck_assert_int_eq(json_integer_value(json_object_get(r.report, "notes")), 11);
    result_free(&r);
}
END_TEST

START_TEST(test_score_key_option)
{
    result r;
    run_ok(band_score(), (run_args){.key = "composition.score",
                                    .options = "{\"score_key\": \"composition.score\"}"},
           &r);
    ck_assert_int_eq(r.m.ntracks, 4);
    result_free(&r);

    /* the default key is not there: a clear not-found */
    run_midi(band_score(), (run_args){.key = "composition.score"}, &r);
    ck_assert_int_eq(r.rc, CZ_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(r.err.msg, "arrangement.score"));
    result_free(&r);
}
END_TEST

START_TEST(test_missing_or_mistyped_score)
{
    result r;
    run_midi(NULL, (run_args){0}, &r);
    ck_assert_int_eq(r.rc, CZ_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(r.err.msg, "arrangement.score"));
    ck_assert_ptr_null(r.bytes);
    result_free(&r);

    cz_error err = {0};
    czh *h = czh_new(czh_module_path("finalization.midi"), NULL, &err);
    ck_assert_msg(h != NULL, "%s", err.msg);
    ck_assert_int_eq(cz_bus_put_string(czh_bus(h), "arrangement.score", "x"), 0);
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_ETYPE);
    ck_assert_ptr_nonnull(strstr(err.msg, "string"));
    czh_free(h);
}
END_TEST

START_TEST(test_no_output_folder)
{
    result r;
    run_midi(band_score(), (run_args){.no_out = 1}, &r);
    ck_assert_int_eq(r.rc, CZ_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(r.err.msg, "output folder"));
    result_free(&r);

    run_midi(band_score(), (run_args){.no_out = 1,
                                      .options = "{\"required\": false}"}, &r);
    ck_assert_msg(r.rc == 0, "%s", r.err.msg);
    ck_assert_ptr_nonnull(r.report);
    ck_assert(json_is_null(json_object_get(r.report, "file")));
    ck_assert(json_is_true(json_object_get(r.report, "skipped")));
    ck_assert_int_eq(json_integer_value(json_object_get(r.report, "tracks")), 4);
    result_free(&r);
}
END_TEST

START_TEST(test_refuses_paths_outside_out)
{
    static const char *bad[] = {"{\"file\": \"/tmp/escape.mid\"}",
                                "{\"file\": \"../escape.mid\"}",
                                "{\"file\": \"a/../../escape.mid\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        result r;
        run_midi(band_score(), (run_args){.options = bad[i]}, &r);
        ck_assert_msg(r.rc == CZ_EINVAL, "%s: rc %d", bad[i], r.rc);
        ck_assert_ptr_nonnull(strstr(r.err.msg, "escape.mid"));
        result_free(&r);
    }
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("finalization.midi"), "{\"file\": \"\"}",
                     &err);
    ck_assert_ptr_null(h);
    ck_assert_ptr_nonnull(strstr(err.msg, "file"));
}
END_TEST

START_TEST(test_invalid_scores_refused)
{
    result r;
    cz_score *s = new_score(480, 4, 4);
    s->meter_den = 3;
    run_midi(s, (run_args){0}, &r);
    ck_assert_int_eq(r.rc, CZ_EINVAL);
    ck_assert_ptr_nonnull(strstr(r.err.msg, "power of two"));
    result_free(&r);

    s = new_score(480, 4, 4);
    s->bpm = 0;
    run_midi(s, (run_args){0}, &r);
    ck_assert_int_eq(r.rc, CZ_EINVAL);
    result_free(&r);

    s = new_score(40000, 4, 4);
    run_midi(s, (run_args){0}, &r);
    ck_assert_int_eq(r.rc, CZ_EINVAL);
    ck_assert_ptr_nonnull(strstr(r.err.msg, "ppq"));
    result_free(&r);

    s = new_score(480, 4, 4);
    cz_track *t = add_track(s, "broken", CZ_ROLE_LEAD, 0, 0);
    add_note(t, 0, 10, 60, 100);
    t->notes[0].velocity = 0; /* a velocity-0 note-on would be a note-off */
    run_midi(s, (run_args){0}, &r);
    ck_assert_int_eq(r.rc, CZ_EINVAL);
    ck_assert_ptr_nonnull(strstr(r.err.msg, "broken"));
    result_free(&r);

    s = new_score(480, 4, 4);
    ck_assert_int_eq(cz_score_add_section(s, "far", 200000, 4, 0.5f), 0);
    run_midi(s, (run_args){0}, &r);
    ck_assert_int_eq(r.rc, CZ_EINVAL);
    ck_assert_ptr_nonnull(strstr(r.err.msg, "far"));
    result_free(&r);

    s = new_score(480, 4, 4);
    s->mode = 42;
    run_midi(s, (run_args){0}, &r);
    ck_assert_int_eq(r.rc, CZ_EINVAL);
    result_free(&r);
}
END_TEST

START_TEST(test_empty_score)
{
    result r;
    cz_score *s = cz_score_new(0);
    ck_assert_ptr_nonnull(s);
    run_ok(s, (run_args){0}, &r);
    ck_assert_int_eq(r.m.ntracks, 1);
    ck_assert_int_eq(r.m.division, CZ_PPQ_DEFAULT);
    ck_assert_ptr_nonnull(find_meta(&r.m.trk[0], 0x51));
    result_free(&r);
}
END_TEST

static Suite *midi_suite(void)
{
    Suite *s = suite_create("finalization.midi");
    TCase *tc = tcase_create("smf");
    tcase_add_test(tc, test_header_tracks_names);
    tcase_add_test(tc, test_division_follows_ppq);
    tcase_add_test(tc, test_title_from_spec);
    tcase_add_test(tc, test_tempo);
    tcase_add_test(tc, test_time_signatures);
    tcase_add_test(tc, test_key_signatures);
    tcase_add_test(tc, test_programs_volume_pan_channels);
    tcase_add_test(tc, test_drum_channel_only_for_drums);
    tcase_add_test(tc, test_notes_round_trip);
    tcase_add_test(tc, test_restrike_off_before_on);
    tcase_add_test(tc, test_overlaps_truncate_earlier);
    tcase_add_test(tc, test_large_delta_times);
    tcase_add_test(tc, test_end_of_track_placement);
    tcase_add_test(tc, test_markers_in_time_order);
    tcase_add_test(tc, test_deterministic_bytes);
    tcase_add_test(tc, test_report_on_bus);
    tcase_add_test(tc, test_score_key_option);
    tcase_add_test(tc, test_missing_or_mistyped_score);
    tcase_add_test(tc, test_no_output_folder);
    tcase_add_test(tc, test_refuses_paths_outside_out);
    tcase_add_test(tc, test_invalid_scores_refused);
    tcase_add_test(tc, test_empty_score);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return czh_run_suite(midi_suite());
}
