/*
 * voicing.c - the chords track: four voices led smoothly, comped per genre.
 *
 * Voicing. Every chord is voiced in four voices between C3 and C5 (MIDI 48
 * to 72): triads double the root, seventh chords use their four tones,
 * ninth chords drop the fifth. Of all placements of those four pitch
 * classes in the register (each voice distinct, span at most a 12th, no
 * close interval below E3), the one with the smallest total movement from
 * the previous chord wins, voice by voice in pitch order, with a small
 * pull towards the middle of the register so the part does not drift.
 * A placement that moves any voice by more than an octave is refused, and
 * common tones stay where they are because holding them costs nothing.
 * Each section starts from the placement nearest the register's middle,
 * so its material stands alone wherever arrangement puts it.
 *
 * Comping. The style's pattern turns each chord into hits (all four
 * voices) or, for arpeggios, single voices cycling through all four; every
 * chord's span sounds every voice of its voicing at least once, inside the
 * span. Low-energy sections fall back to sustained chords.
 */
#include <stdlib.h>
#include <string.h>

#include "cmp.h"

#define VLO 48
#define VHI 72

static void sort4(int *v)
{
    for (int i = 1; i < 4; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            int t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* Best placement of pcs[4] after prev (NULL at a section start). */
static void voice(const int pcs[4], const int *prev, int out[4])
{
    int opt[4][3], nopt[4];
    for (int v = 0; v < 4; v++) {
        nopt[v] = 0;
        for (int p = VLO; p <= VHI; p++)
            if (cmp_pc(p) == pcs[v] && nopt[v] < 3)
                opt[v][nopt[v]++] = p;
    }
    double best = 1e18, best_any = 1e18;
    int have = 0, fallback[4] = {60, 64, 67, 72};
    memcpy(out, fallback, sizeof fallback);
    for (int a = 0; a < nopt[0]; a++)
        for (int b = 0; b < nopt[1]; b++)
            for (int c = 0; c < nopt[2]; c++)
                for (int d = 0; d < nopt[3]; d++) {
                    int v[4] = {opt[0][a], opt[1][b], opt[2][c], opt[3][d]};
                    sort4(v);
                    if (v[0] == v[1] || v[1] == v[2] || v[2] == v[3])
                        continue;
                    if (v[3] - v[0] > 19)
                        continue;
                    if (v[0] < 52 && v[1] - v[0] < 3)
                        continue;
                    double mean = (v[0] + v[1] + v[2] + v[3]) / 4.0;
                    double cost = 0.6 * (mean > 60 ? mean - 60 : 60 - mean);
                    int leap = 0;
                    if (prev) {
                        for (int i = 0; i < 4; i++) {
                            int m = abs(v[i] - prev[i]);
                            cost += m;
                            if (m > 12)
                                leap = 1;
                        }
                    }
                    if (!leap && cost < best) {
                        best = cost;
                        memcpy(out, v, sizeof v);
                        have = 1;
                    } else if (!have && cost + 1000 < best_any) {
                        best_any = cost + 1000;
                        memcpy(out, v, sizeof v);
                    }
                }
}

typedef struct hit {
    uint32_t tick, len;
    int voice; /* -1: all four */
    int accent;
} hit;

typedef struct grp {
    uint32_t tick, len;
    int level;
    int bar_group; /* index of the group in its bar */
    int steps;
} grp;

/* The pulse groups inside a chord's span (spans are group-aligned). */
static int span_groups(const cmp_song *s, const cmp_chord *c, grp *out, int max)
{
    const cmp_meter *m = &s->m;
    const cmp_sec *sec = &s->sec[c->section];
    int n = 0;
    uint32_t end = c->tick + c->len;
    uint32_t bar = (c->tick - sec->tick) / m->bar_ticks;
    for (;; bar++) {
        uint32_t bt = sec->tick + bar * m->bar_ticks;
        if (bt >= end)
            break;
        for (int g = 0; g < m->n_groups && n < max; g++) {
            uint32_t t = bt + m->g[g].step * m->step_ticks;
            if (t < c->tick || t >= end)
                continue;
            out[n].tick = t;
            out[n].len = m->g[g].len * m->step_ticks;
            if (t + out[n].len > end)
                out[n].len = end - t;
            out[n].level = m->g[g].level;
            out[n].bar_group = g;
            out[n].steps = m->g[g].len;
            n++;
        }
    }
    return n;
}

static int add_hit(hit *h, int n, int max, uint32_t tick, uint32_t len, int voice,
                   int accent)
{
    if (n >= max || len == 0)
        return n;
    h[n].tick = tick;
    h[n].len = len;
    h[n].voice = voice;
    h[n].accent = accent;
    return n + 1;
}

/* Bar-relative 16th-step patterns for 4/4. */
static const int FUNK_PATTERNS[3][8] = {
    {2, 6, 7, 10, 14, -1}, {0, 3, 6, 10, 11, 14, -1}, {2, 5, 8, 11, 14, -1}};

static int comp_hits(const cmp_song *s, const cmp_chord *c, cmp_comp_style style,
                     int funk, hit *h, int max)
{
    grp g[CMP_MAX_GROUPS * 2];
    int ng = span_groups(s, c, g, CMP_MAX_GROUPS * 2);
    const cmp_meter *m = &s->m;
    uint32_t st = m->step_ticks, end = c->tick + c->len;
    int four4 = m->steps_per_bar == 16 && m->n_groups == 4;
    int n = 0;
    if ((style == COMP_POPSYNC || style == COMP_FUNK) && !four4)
        style = COMP_BEATS;
    switch (style) {
    case COMP_SUSTAIN:
        n = add_hit(h, n, max, c->tick, c->len, -1, 1);
        break;
    case COMP_BEATS:
        for (int i = 0; i < ng; i++)
            n = add_hit(h, n, max, g[i].tick, g[i].len - st / 2, -1, g[i].level >= 2);
        break;
    case COMP_PULSE8:
        for (int i = 0; i < ng; i++)
            for (int k = 0; k + 1 < g[i].steps + 1; k += 2)
                n = add_hit(h, n, max, g[i].tick + (uint32_t)k * st,
                            (uint32_t)(k + 2 <= g[i].steps ? 2 : 1) * st * 3 / 4, -1,
                            k == 0 && g[i].level >= 1);
        break;
    case COMP_POPSYNC: {
        static const int STEPS[3] = {0, 6, 12};
        uint32_t last = 0;
        int have = 0;
        for (int i = 0; i < ng; i++) {
            if (g[i].bar_group != 0 && i != 0)
                continue;
            uint32_t bar_start = g[i].tick - m->g[g[i].bar_group].step * st;
            for (int k = 0; k < 3; k++) {
                uint32_t t = bar_start + (uint32_t)STEPS[k] * st;
                if (t < c->tick || t >= end || (have && t <= last))
                    continue;
                n = add_hit(h, n, max, t, 1, -1, k == 0); /* length set below */
                last = t;
                have = 1;
            }
        }
        if (!n || h[0].tick != c->tick) { /* always sound the change */
            memmove(h + 1, h, sizeof *h * (size_t)(n < max ? n : max - 1));
            h[0].tick = c->tick;
            h[0].voice = -1;
            h[0].accent = 1;
            n = n < max ? n + 1 : max;
        }
        for (int i = 0; i < n; i++) /* each hit lasts until the next */
            h[i].len = (i + 1 < n ? h[i + 1].tick : end) - h[i].tick - st / 4;
        break;
    }
    case COMP_OFFBEAT:
        for (int i = 0; i < ng; i++) {
            int k = g[i].steps == 6 ? 3 : g[i].steps / 2;
            if (k == 0)
                k = g[i].steps > 1 ? 1 : 0;
            uint32_t t = g[i].tick + (uint32_t)k * st;
            if (t < end)
                n = add_hit(h, n, max, t, st + st / 2 < end - t ? st + st / 2 : end - t,
                            -1, 0);
        }
        break;
    case COMP_SKANK:
        for (int i = 0; i < ng; i++)
            if (g[i].bar_group % 2 == 1)
                n = add_hit(h, n, max, g[i].tick, st + st / 2, -1, 1);
        if (!n && ng)
            n = add_hit(h, n, max, g[0].tick + (uint32_t)(g[0].steps / 2) * st,
                        st + st / 2, -1, 1);
        break;
    case COMP_JAZZ:
        /* Charleston-like: on the change, then the "and" of the next beat. */
        n = add_hit(h, n, max, c->tick, 3 * st, -1, 1);
        for (int i = 1; i < ng; i += 2) {
            uint32_t t = g[i].tick + (uint32_t)(g[i].steps / 2) * st;
            if (t + st < end)
                n = add_hit(h, n, max, t, 2 * st, -1, 0);
        }
        break;
    case COMP_ARPEGGIO: {
        static const int ORDER[6] = {0, 1, 2, 3, 2, 1};
        int slots = 0;
        for (int i = 0; i < ng; i++)
            slots += (g[i].steps + 1) / 2;
        if (slots < 4) {
            n = add_hit(h, n, max, c->tick, c->len, -1, 1);
            break;
        }
        int k = 0;
        for (int i = 0; i < ng; i++)
            for (int q = 0; q < g[i].steps; q += 2) {
                uint32_t t = g[i].tick + (uint32_t)q * st;
                uint32_t len = 6 * st < end - t ? 6 * st : end - t;
                n = add_hit(h, n, max, t, len, ORDER[k % 6], q == 0 && g[i].level >= 2);
                k++;
            }
        break;
    }
    case COMP_WALTZ:
    case COMP_BACKBEAT:
        for (int i = 0; i < ng; i++) {
            int on = style == COMP_WALTZ ? g[i].bar_group >= 1 : g[i].bar_group % 2 == 1;
            if (on)
                n = add_hit(h, n, max, g[i].tick, g[i].len * 2 / 3, -1, 0);
        }
        if (!n)
            n = add_hit(h, n, max, c->tick, ng ? g[0].len * 2 / 3 : c->len, -1, 1);
        break;
    case COMP_FUNK: {
        const int *pat = FUNK_PATTERNS[funk % 3];
        for (int i = 0; i < ng; i++) {
            if (g[i].bar_group != 0 && i != 0)
                continue;
            uint32_t bar_start = g[i].tick - m->g[g[i].bar_group].step * st;
            for (int k = 0; pat[k] >= 0; k++) {
                uint32_t t = bar_start + (uint32_t)pat[k] * st;
                if (t >= c->tick && t < end)
                    n = add_hit(h, n, max, t, st, -1, pat[k] % 4 == 2);
            }
        }
        if (!n)
            n = add_hit(h, n, max, c->tick, st, -1, 1);
        break;
    }
    }
    for (int i = 0; i < n; i++)
        if (h[i].tick + h[i].len > end)
            h[i].len = end - h[i].tick;
    return n;
}

int cmp_chords_track(const cmp_song *s, cz_track *t, cz_error *err)
{
    hit h[256];
    for (int si = 0; si < s->n_sec; si++) {
        const cmp_sec *sec = &s->sec[si];
        cz_rng r;
        cmp_rng_for(&r, s, "chords", si);
        cmp_comp_style style = s->spec->style->comp;
        if (s->m.n_groups == 3 && s->m.steps_per_bar == 12 &&
            (style == COMP_POPSYNC || style == COMP_BACKBEAT || style == COMP_PULSE8 ||
             style == COMP_BEATS || style == COMP_SKANK))
            style = COMP_WALTZ; /* 3/4: "oom" is the bass, "pah-pah" the chords */
        if (sec->energy < 0.36f && style != COMP_ARPEGGIO)
            style = COMP_SUSTAIN;
        int funk = (int)cz_rng_below(&r, 3);
        int prev[4], have_prev = 0;
        for (int ci = sec->chord0; ci < sec->chord0 + sec->n_chords; ci++) {
            const cmp_chord *c = &s->ch[ci];
            int v[4];
            voice(c->voice_pcs, have_prev ? prev : NULL, v);
            memcpy(prev, v, sizeof v);
            have_prev = 1;
            int n = comp_hits(s, c, style, funk, h, 256);
            for (int i = 0; i < n; i++) {
                int vel = 44 + (int)(40 * sec->energy) + (h[i].accent ? 8 : 0) +
                          (int)cz_rng_below(&r, 7) - 3;
                vel = cmp_clampi(vel, 1, 127);
                for (int k = 0; k < 4; k++) {
                    if (h[i].voice >= 0 && h[i].voice != k)
                        continue;
                    int rc = cz_track_add_note(t, h[i].tick, h[i].len, (uint8_t)v[k],
                                               (uint8_t)vel, 0);
                    if (rc)
                        return cz_err(err, rc, "%s: adding a chords note failed",
                                      CMP_NAME);
                }
            }
        }
    }
    return 0;
}
