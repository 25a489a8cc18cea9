/*
 * bass.c - the bass line: the harmony's foundation in the genre's groove.
 *
 * Every chord change is played: the first note of each chord starts on the
 * change and is the chord's bass note (its root, or the slash note of an
 * inversion). Between changes the style's pattern decides: repeated roots,
 * fifths and octaves, walking quarter notes, syncopated 16ths with ghost
 * notes, offbeat house notes, reggae figures, tresillo 808 hits, boogie
 * lines. Approach notes (a step or a semitone into the next chord's bass
 * note) come in the last beat before a change; notes that are not chord
 * tones are flagged CZ_NOTE_PASSING, and CZ_NOTE_CHROMATIC as well when
 * they are outside the key. Range: E1 (28) to G3 (55), chord bass notes
 * between E1 and B2 (47), each placed nearest the previous one.
 */
#include <stdlib.h>
#include <string.h>

#include "cmp.h"

#define BLO 28
#define BHI 55
#define ROOT_HI 47

enum { B_ROOT, B_FIFTH, B_OCT, B_THIRD, B_SEVENTH, B_APPROACH, B_GHOST, B_REL };

typedef struct bev {
    uint32_t tick, len;
    int kind;
    int rel;    /* B_REL: semitones above the bass note */
    int accent;
} bev;

static int add(bev *e, int n, int max, uint32_t tick, uint32_t len, int kind, int rel,
               int accent)
{
    if (n >= max || len == 0)
        return n;
    e[n].tick = tick;
    e[n].len = len;
    e[n].kind = kind;
    e[n].rel = rel;
    e[n].accent = accent;
    return n + 1;
}

/* Bar-relative 16th patterns for 4/4: {step, kind, length, rel}. */
typedef struct pat {
    int step, kind, len, rel;
} pat;

static const pat POP_BAR[] = {{0, B_ROOT, 5, 0}, {6, B_ROOT, 2, 0}, {8, B_ROOT, 3, 0},
                              {12, B_FIFTH, 2, 0}, {14, B_APPROACH, 2, 0}, {-1, 0, 0, 0}};
static const pat FUNK_BAR[2][12] = {
    {{0, B_ROOT, 3, 0}, {3, B_GHOST, 1, 0}, {6, B_OCT, 1, 0}, {7, B_ROOT, 2, 0},
     {10, B_FIFTH, 2, 0}, {12, B_SEVENTH, 1, 0}, {14, B_OCT, 1, 0}, {15, B_APPROACH, 1, 0},
     {-1, 0, 0, 0}},
    {{0, B_ROOT, 2, 0}, {2, B_GHOST, 1, 0}, {3, B_ROOT, 1, 0}, {6, B_ROOT, 2, 0},
     {9, B_OCT, 1, 0}, {10, B_SEVENTH, 2, 0}, {13, B_GHOST, 1, 0}, {14, B_FIFTH, 1, 0},
     {15, B_APPROACH, 1, 0}, {-1, 0, 0, 0}}};
static const pat REGGAE_BAR[] = {{0, B_ROOT, 4, 0}, {6, B_ROOT, 2, 0}, {8, B_FIFTH, 3, 0},
                                 {12, B_THIRD, 2, 0}, {14, B_ROOT, 2, 0}, {-1, 0, 0, 0}};
static const pat TRESILLO_BAR[2][4] = {
    {{0, B_ROOT, 6, 0}, {6, B_ROOT, 6, 0}, {12, B_OCT, 4, 0}, {-1, 0, 0, 0}},
    {{0, B_ROOT, 10, 0}, {10, B_ROOT, 6, 0}, {-1, 0, 0, 0}, {-1, 0, 0, 0}}};
static const pat BOSSA_BAR[] = {{0, B_ROOT, 6, 0}, {6, B_FIFTH, 2, 0}, {8, B_FIFTH, 6, 0},
                                {14, B_ROOT, 2, 0}, {-1, 0, 0, 0}};

typedef struct bctx {
    const cmp_song *s;
    const cmp_chord *c;
    uint32_t end;
    int four4;
    int approach_ok; /* a different chord follows */
} bctx;

/* Bar patterns laid over the span; the change itself always gets a root. */
static int bar_pattern(const bctx *x, const pat *p, bev *e, int max)
{
    const cmp_meter *m = &x->s->m;
    const cmp_sec *sec = &x->s->sec[x->c->section];
    uint32_t st = m->step_ticks;
    int n = 0;
    uint32_t bar = (x->c->tick - sec->tick) / m->bar_ticks;
    for (;; bar++) {
        uint32_t bt = sec->tick + bar * m->bar_ticks;
        if (bt >= x->end)
            break;
        for (int k = 0; p[k].step >= 0; k++) {
            uint32_t t = bt + (uint32_t)p[k].step * st;
            if (t < x->c->tick || t >= x->end)
                continue;
            int kind = p[k].kind;
            if (kind == B_APPROACH && (!x->approach_ok || t + 4 * st < x->end))
                kind = B_OCT;
            if (n == 0 && t != x->c->tick)
                n = add(e, n, max, x->c->tick, t - x->c->tick, B_ROOT, 0, 1);
            if (n == 0)
                kind = B_ROOT;
            n = add(e, n, max, t, (uint32_t)p[k].len * st, kind, p[k].rel, p[k].step == 0);
        }
    }
    if (n == 0)
        n = add(e, n, max, x->c->tick, x->c->len, B_ROOT, 0, 1);
    return n;
}

typedef struct bgrp {
    uint32_t tick, len;
    int steps, level;
} bgrp;

static int groups(const bctx *x, bgrp *g, int max)
{
    const cmp_meter *m = &x->s->m;
    const cmp_sec *sec = &x->s->sec[x->c->section];
    int n = 0;
    uint32_t bar = (x->c->tick - sec->tick) / m->bar_ticks;
    for (;; bar++) {
        uint32_t bt = sec->tick + bar * m->bar_ticks;
        if (bt >= x->end)
            break;
        for (int k = 0; k < m->n_groups && n < max; k++) {
            uint32_t t = bt + m->g[k].step * m->step_ticks;
            if (t < x->c->tick || t >= x->end)
                continue;
            g[n].tick = t;
            g[n].steps = m->g[k].len;
            g[n].len = m->g[k].len * m->step_ticks;
            g[n].level = m->g[k].level;
            n++;
        }
    }
    return n;
}

static int events(const bctx *x, cmp_bass_style style, int var, bev *e, int max)
{
    bgrp g[CMP_MAX_GROUPS * 2];
    int ng = groups(x, g, CMP_MAX_GROUPS * 2);
    uint32_t st = x->s->m.step_ticks;
    int n = 0;
    if (!x->four4 && (style == BASS_POP || style == BASS_FUNK || style == BASS_REGGAE ||
                      style == BASS_BOOGIE || style == BASS_BOSSA))
        style = BASS_ROOT_FIFTH;
    if (!x->four4 && style == BASS_TRESILLO)
        style = BASS_SUSTAIN;
    switch (style) {
    case BASS_SUSTAIN:
        return add(e, 0, max, x->c->tick, x->c->len, B_ROOT, 0, 1);
    case BASS_POP: return bar_pattern(x, POP_BAR, e, max);
    case BASS_FUNK: return bar_pattern(x, FUNK_BAR[var % 2], e, max);
    case BASS_REGGAE: return bar_pattern(x, REGGAE_BAR, e, max);
    case BASS_TRESILLO: return bar_pattern(x, TRESILLO_BAR[var % 2], e, max);
    case BASS_BOSSA: return bar_pattern(x, BOSSA_BAR, e, max);
    case BASS_ROOT8:
    case BASS_OCTAVE8:
        for (int i = 0; i < ng; i++)
            for (int k = 0; k < g[i].steps; k += 2) {
                int kind = style == BASS_OCTAVE8 && (k / 2) % 2 ? B_OCT : B_ROOT;
                n = add(e, n, max, g[i].tick + (uint32_t)k * st,
                        (uint32_t)(k + 2 <= g[i].steps ? 2 : 1) * st - st / 4, kind, 0,
                        k == 0);
            }
        return n;
    case BASS_BOOGIE: {
        int minor = cmp_in(x->c->tones, x->c->root + 3) && !cmp_in(x->c->tones, x->c->root + 4);
        int third = minor ? 3 : 4;
        int line[8] = {0, third, 7, 9, 10, 9, 7, third};
        int k = 0;
        for (int i = 0; i < ng; i++)
            for (int q = 0; q < g[i].steps; q += 2, k++)
                n = add(e, n, max, g[i].tick + (uint32_t)q * st, 2 * st - st / 4,
                        k == 0 ? B_ROOT : B_REL, line[k % 8], q == 0);
        return n;
    }
    case BASS_OFFBEAT:
        for (int i = 0; i < ng; i++) {
            int off = g[i].steps == 6 ? 3 : g[i].steps / 2;
            if (i == 0)
                n = add(e, n, max, g[i].tick, (uint32_t)(off ? off : 1) * st - st / 4,
                        B_ROOT, 0, 1);
            if (off)
                n = add(e, n, max, g[i].tick + (uint32_t)off * st,
                        (uint32_t)(g[i].steps - off) * st - st / 4,
                        i % 2 ? B_OCT : B_ROOT, 0, 0);
        }
        return n;
    case BASS_WALKING:
        for (int i = 0; i < ng; i++) {
            if (g[i].steps == 6) {
                n = add(e, n, max, g[i].tick, 4 * st, i == 0 ? B_ROOT : B_REL, -1, i == 0);
                n = add(e, n, max, g[i].tick + 4 * st, 2 * st, B_REL, -1, 0);
            } else {
                n = add(e, n, max, g[i].tick, g[i].len, i == 0 ? B_ROOT : B_REL, -1, i == 0);
            }
        }
        /* walk: B_REL with rel -1 is planned later; the last one approaches */
        if (n > 1 && x->approach_ok)
            e[n - 1].kind = B_APPROACH;
        return n;
    case BASS_ROOT_FIFTH:
    default:
        if (x->s->m.n_groups == 3 && x->s->m.steps_per_bar == 12) {
            /* waltz: the "oom" on each downbeat, root then fifth */
            int bars = 0;
            for (int i = 0; i < ng; i++)
                if (i == 0 || g[i].level == 3)
                    n = add(e, n, max, g[i].tick, g[i].len, bars++ % 2 ? B_FIFTH : B_ROOT,
                            0, 1);
            return n;
        }
        for (int i = 0; i < ng; i++) {
            int kind = i == 0 ? B_ROOT : (i % 2 ? B_FIFTH : B_ROOT);
            if (i == ng - 1 && i > 0 && x->approach_ok && g[i].steps >= 4 && var % 2 == 0) {
                uint32_t h = (uint32_t)(g[i].steps / 2) * st;
                n = add(e, n, max, g[i].tick, h, kind, 0, 0);
                n = add(e, n, max, g[i].tick + h, g[i].len - h, B_APPROACH, 0, 0);
            } else {
                n = add(e, n, max, g[i].tick, g[i].len - st / 4, kind, 0, g[i].level >= 2);
            }
        }
        return n;
    }
}

/* Place pitch class pc nearest to near within [lo, hi]. */
static int place(int pc, int near, int lo, int hi)
{
    int best = -1;
    for (int p = lo; p <= hi; p++)
        if (cmp_pc(p) == pc && (best < 0 || abs(p - near) < abs(best - near)))
            best = p;
    return best;
}

static int tone_above(const cmp_chord *c, int bass_p, int interval_idx, int fallback)
{
    const int *iv = cmp_quality_intervals(c->qual);
    int nt = cmp_quality_ntones(c->qual);
    int rel = interval_idx < nt ? iv[interval_idx] : fallback;
    int p = bass_p + cmp_pc(c->root + rel - c->bass);
    if (p == bass_p)
        p += 12;
    while (p > BHI)
        p -= 12;
    return p;
}

/* A walking line over one chord: the root, then chord and scale tones
 * heading for the note before the next change (a semitone or a scale step
 * from its bass note), never repeating a pitch; when the next bass note is
 * close, the line first swings out to the fifth (or down to the fourth). */
static void plan_walk(const cmp_chord *c, const cmp_key *k, bev *e, int n, int bp, int np,
                      int approach, cz_rng *r, int *out)
{
    int dir = np >= bp ? -1 : 1; /* approach from the side the line comes from */
    int ap = approach ? (cz_rng_chance(r, 0.6) ? np + dir : np + 2 * dir) : bp + 7;
    if (approach && !cmp_in(k->scale, ap) && ap == np + 2 * dir)
        ap = np + dir;
    if (ap > BHI)
        ap -= 12;
    int last_i = n - 1;
    int ex = bp + 7 <= BHI - 2 ? bp + 7 : bp - 5;
    int swing_out = abs(ap - bp) < 2 * last_i;
    int mid = last_i / 2 > 0 ? last_i / 2 : 1;
    out[0] = bp;
    for (int i = 1; i < n; i++) {
        if (i == last_i && e[i].kind == B_APPROACH) {
            out[i] = ap;
            break;
        }
        int target;
        if (swing_out)
            target = i <= mid ? bp + (ex - bp) * i / mid
                              : ex + (ap - ex) * (i - mid) / (last_i - mid + 1);
        else
            target = bp + (ap - bp) * i / (last_i + 1);
        uint16_t mask = i % 2 ? (uint16_t)(c->tones | k->scale) : c->tones;
        int up = target >= out[i - 1] ? 1 : -1;
        int p = -1;
        for (int off = 0; off <= 6; off++) { /* no repeated pitch, none = the approach */
            int cand = cmp_nearest(target + (off % 2 ? -1 : 1) * up * ((off + 1) / 2) * 2,
                                   mask, BLO, BHI, up);
            if (cand >= 0 && cand != out[i - 1] &&
                !(i == last_i - 1 && e[last_i].kind == B_APPROACH && cand == ap)) {
                p = cand;
                break;
            }
        }
        out[i] = p < 0 ? bp : p;
    }
}

int cmp_bass_track(const cmp_song *s, cz_track *t, cz_error *err)
{
    bev e[160];
    int walk[160];
    const cmp_key *k = &s->key;
    int four4 = s->m.steps_per_bar == 16 && s->m.n_groups == 4;
    for (int si = 0; si < s->n_sec; si++) {
        const cmp_sec *sec = &s->sec[si];
        cz_rng r;
        cmp_rng_for(&r, s, "bass", si);
        cmp_bass_style style = s->spec->style->bass;
        if (sec->energy < 0.36f && style != BASS_WALKING)
            style = BASS_SUSTAIN;
        int var = (int)cz_rng_below(&r, 4);
        int prev_root = place(s->ch[sec->chord0].bass, 38, BLO, ROOT_HI);
        int last = prev_root;
        for (int ci = sec->chord0; ci < sec->chord0 + sec->n_chords; ci++) {
            const cmp_chord *c = &s->ch[ci];
            int last_in_sec = ci + 1 == sec->chord0 + sec->n_chords;
            const cmp_chord *next = last_in_sec ? &s->ch[sec->chord0] : &s->ch[ci + 1];
            bctx x = {.s = s, .c = c, .end = c->tick + c->len, .four4 = four4,
                      .approach_ok = next->bass != c->bass};
            int n = events(&x, style, var, e, 160);
            int bp = place(c->bass, prev_root, BLO, ROOT_HI);
            int np = place(next->bass, bp, BLO, ROOT_HI);
            prev_root = bp;
            if (style == BASS_WALKING)
                plan_walk(c, k, e, n, bp, np, x.approach_ok, &r, walk);
            for (int i = 0; i < n; i++) {
                int p = bp;
                uint8_t flags = 0;
                switch (e[i].kind) {
                case B_ROOT: p = bp; break;
                case B_GHOST: p = bp; flags |= CZ_NOTE_GHOST; break;
                case B_FIFTH: p = tone_above(c, bp, 2, 7); break;
                case B_THIRD: p = tone_above(c, bp, 1, 4); break;
                case B_SEVENTH:
                    p = cmp_quality_ntones(c->qual) >= 4 ? tone_above(c, bp, 3, 12) : bp + 12;
                    break;
                case B_OCT: p = bp + 12 <= BHI ? bp + 12 : bp; break;
                case B_REL:
                    if (e[i].rel >= 0) {
                        p = bp + e[i].rel;
                    } else {
                        p = walk[i];
                    }
                    break;
                case B_APPROACH: {
                    if (style == BASS_WALKING) {
                        p = walk[i];
                        break;
                    }
                    int dir = np >= last ? -1 : 1; /* come from the side we are on */
                    if (s->spec->style->chromatic_approach && cz_rng_chance(&r, 0.6))
                        p = np + dir;
                    else
                        p = cmp_nearest(np + 2 * dir, k->scale, np + 2 * dir - 1,
                                        np + 2 * dir + 1, dir);
                    if (p < 0 || p == np)
                        p = np + dir;
                    break;
                }
                }
                if (p < 0)
                    p = bp;
                while (p > BHI)
                    p -= 12;
                while (p < BLO)
                    p += 12;
                if (!cmp_in(c->tones, p))
                    flags |= CZ_NOTE_PASSING;
                if (!cmp_in(k->scale, p))
                    flags |= CZ_NOTE_CHROMATIC;
                int vel = 70 + (int)(36 * sec->energy) + (e[i].accent ? 7 : 0) +
                          (int)cz_rng_below(&r, 7) - 3;
                if (flags & CZ_NOTE_GHOST)
                    vel = 34 + (int)cz_rng_below(&r, 8);
                vel = cmp_clampi(vel, 1, 127);
                uint32_t len = e[i].len;
                if (e[i].tick + len > x.end)
                    len = x.end - e[i].tick;
                if (!len)
                    continue;
                int rc = cz_track_add_note(t, e[i].tick, len, (uint8_t)p, (uint8_t)vel, flags);
                if (rc)
                    return cz_err(err, rc, "%s: adding a bass note failed", CMP_NAME);
                last = p;
            }
        }
    }
    return 0;
}
