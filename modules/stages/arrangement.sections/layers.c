/*
 * layers.c - parts the arranger adds over the material: pads, arpeggios,
 * counter-melodies and effects hits. Each plays only in the sections whose
 * plan asks for it (form.c), and only when the spec's band has its role.
 *
 *   pad      the chord tones, held, voiced close around the last voicing
 *   arp      chord tones cycled up / up-down over two octaves, in eighths
 *            or the genre's rate (trance and synthwave: sixteenths)
 *   counter  a slower line in the scale, a third to an octave below the
 *            lead (above it when the lead sits low), chord tones on each
 *            half-bar, an occasional scale passing tone on the weak beat
 *   fx       a riser held through builds, an impact on peak downbeats
 */
#include <stdio.h>
#include <stdlib.h>

#include "arr.h"

/* Pitch classes of a chord, root first, then upwards from the root. */
static int chord_pcs(const cz_chord *ch, uint16_t fallback, int *pcs)
{
    uint16_t tones = ch ? ch->tones : fallback;
    int root = ch ? ch->root % 12 : 0;
    if (!tones) {
        tones = fallback;
    }
    int n = 0;
    for (int k = 0; k < 12 && n < 12; k++)
        if (tones & (1u << ((root + k) % 12)))
            pcs[n++] = (root + k) % 12;
    return n;
}

static int nearest_with_pc(int target, int pc, int lo, int hi)
{
    int best = -1, bd = 1000;
    for (int p = lo; p <= hi; p++) {
        if (p % 12 != pc)
            continue;
        int d = abs(p - target);
        if (d < bd) {
            bd = d;
            best = p;
        }
    }
    return best;
}

int arr_pad(arr_ctx *c, arr_part *p)
{
    int center = 62;
    for (uint32_t i = 0; i < c->n_items; i++) {
        const arr_item *it = &c->items[i];
        if (!it->plan.pad)
            continue;
        uint32_t s0 = it->start_bar * c->tpb, s1 = s0 + it->bars * c->tpb;
        uint32_t t = s0;
        while (t < s1) {
            const cz_chord *ch = arr_chord_at(c, t);
            uint32_t e = ch ? ch->tick + ch->len : s1;
            if (e > s1 || e <= t)
                e = s1;
            int pcs[12], n = chord_pcs(ch, c->scale, pcs);
            if (n > 4)
                n = 4;
            int used[4], nu = 0, sum = 0;
            for (int k = 0; k < n; k++) {
                int q = nearest_with_pc(center + (k - n / 2) * 4, pcs[k], 50, 79);
                int dup = 0;
                for (int u = 0; u < nu; u++)
                    dup |= used[u] == q;
                if (q < 0 || dup)
                    continue;
                used[nu++] = q;
                sum += q;
                int rc = arr_part_add(p, t, e - t, q, 64, 0);
                if (rc)
                    return rc;
            }
            if (nu)
                center = (center + sum / nu) / 2; /* drift slowly */
            t = e;
        }
    }
    arr_part_sort(p);
    return 0;
}

int arr_arp(arr_ctx *c, arr_part *p)
{
    cz_rng r;
    cz_rng_init(&r, c->seed, "arrangement.arp");
    for (uint32_t i = 0; i < c->n_items; i++) {
        const arr_item *it = &c->items[i];
        if (!it->plan.arp)
            continue;
        uint32_t rate = it->plan.arp == 2 ? c->genre->arp_div : 2;
        uint32_t dt = c->ppq / rate ? c->ppq / rate : 1;
        uint32_t len = dt * 4 / 5 ? dt * 4 / 5 : 1;
        int shape = (int)cz_rng_below(&r, 3); /* up, up-down, up 2 octaves */
        uint32_t s0 = it->start_bar * c->tpb, s1 = s0 + it->bars * c->tpb;
        const cz_chord *last = NULL;
        uint32_t j = 0;
        for (uint32_t t = s0; t < s1; t += dt) {
            const cz_chord *ch = arr_chord_at(c, t);
            if (ch != last || t % c->tpb == 0)
                j = 0; /* restart the figure on chord changes and bars */
            last = ch;
            int pcs[12], n = chord_pcs(ch, c->scale, pcs);
            int pitches[32], m = 0;
            int lo = 57, span = shape == 2 ? 24 : 12;
            for (int q = lo; q < lo + span + 1 && m < 32; q++)
                for (int k = 0; k < n; k++)
                    if (q % 12 == pcs[k])
                        pitches[m++] = q;
            if (!m)
                continue;
            uint32_t k;
            if (shape == 1 && m > 1) {
                uint32_t per = (uint32_t)(2 * m - 2);
                k = j % per;
                if (k >= (uint32_t)m)
                    k = per - k;
            } else {
                k = j % (uint32_t)m;
            }
            j++;
            int vel = (t - s0) % c->beat == 0 ? 84 : 68;
            uint32_t st = arr_swing(c, t), en = arr_swing(c, t + len);
            int rc = arr_part_add(p, st, en > st ? en - st : len, pitches[k],
                                  vel, 0);
            if (rc)
                return rc;
        }
    }
    arr_part_sort(p);
    return 0;
}

/* Lowest and highest lead pitch sounding in [t, e), or -1. */
static void lead_range(const arr_part *lead, uint32_t t, uint32_t e,
                       uint32_t back, int *lo, int *hi)
{
    *lo = *hi = -1;
    if (!lead)
        return;
    /* notes are sorted by tick: find the first that could still sound */
    uint32_t a = 0, b = lead->n;
    uint32_t from = t > back ? t - back : 0;
    while (a < b) {
        uint32_t mid = (a + b) / 2;
        if (lead->notes[mid].tick < from)
            a = mid + 1;
        else
            b = mid;
    }
    for (uint32_t i = a; i < lead->n && lead->notes[i].tick < e; i++) {
        const cz_note *n = &lead->notes[i];
        if (n->tick + n->len <= t)
            continue;
        if (*lo < 0 || n->pitch < *lo)
            *lo = n->pitch;
        if (*hi < 0 || n->pitch > *hi)
            *hi = n->pitch;
    }
}

static int scale_between(const arr_ctx *c, int a, int b)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    for (int q = lo + 1; q < hi; q++)
        if (c->scale & (1u << (q % 12)))
            return q;
    return -1;
}

int arr_counter(arr_ctx *c, arr_part *p, const arr_part *lead)
{
    cz_rng r;
    cz_rng_init(&r, c->seed, "arrangement.counter");
    uint32_t unit = c->beat;        /* one counted beat */
    uint32_t span = 2 * unit;       /* a note every two beats */
    int prev = -1;
    for (uint32_t i = 0; i < c->n_items; i++) {
        const arr_item *it = &c->items[i];
        if (!it->plan.counter)
            continue;
        prev = -1;
        for (uint32_t b = 0; b < it->bars; b++) {
            uint32_t bar = (it->start_bar + b) * c->tpb;
            for (uint32_t off = 0; off < c->tpb; off += span) {
                uint32_t t = bar + off;
                uint32_t e = off + span < c->tpb ? t + span : bar + c->tpb;
                const cz_chord *ch = arr_chord_at(c, t);
                uint16_t allowed = ch ? (uint16_t)(ch->tones & c->scale) : 0;
                if (!allowed)
                    allowed = c->scale;
                int llo, lhi, lo, hi;
                lead_range(lead, t, e, 4 * c->tpb, &llo, &lhi);
                if (llo < 0) {
                    lo = 55;
                    hi = 69;
                } else if (llo >= 60) {
                    lo = llo - 12;
                    hi = llo - 3;
                } else {
                    lo = lhi + 3;
                    hi = lhi + 12;
                }
                if (lo < 36)
                    lo = 36;
                if (hi > 96)
                    hi = 96;
                int target = prev >= 0 ? prev : (lo + hi) / 2;
                int best = -1, bd = 1000;
                for (int q = lo; q <= hi; q++) {
                    if (!(allowed & (1u << (q % 12))))
                        continue;
                    int d = abs(q - target) * 4 + (int)cz_rng_below(&r, 3);
                    if (d < bd) {
                        bd = d;
                        best = q;
                    }
                }
                if (best < 0)
                    continue;
                /* a passing tone on the weak beat between a third's leap */
                if (p->n && prev >= 0 && (abs(best - prev) == 3 ||
                                          abs(best - prev) == 4) &&
                    cz_rng_chance(&r, 0.45)) {
                    cz_note *last = &p->notes[p->n - 1];
                    int q = scale_between(c, prev, best);
                    if (q >= 0 && last->tick + last->len == t &&
                        last->len >= span && t >= unit) {
                        last->len -= unit;
                        int rc = arr_part_add(p, t - unit, unit,
                                              q, 62, CZ_NOTE_PASSING);
                        if (rc)
                            return rc;
                    }
                }
                int rc = arr_part_add(p, t, e - t, best, 72, 0);
                if (rc)
                    return rc;
                prev = best;
            }
        }
    }
    arr_part_sort(p);
    return 0;
}

int arr_fx(arr_ctx *c, arr_part *p)
{
    for (uint32_t i = 0; i < c->n_items; i++) {
        const arr_item *it = &c->items[i];
        uint32_t s0 = it->start_bar * c->tpb;
        int rc = 0;
        if (it->type == SEC_BUILD || (it->type == SEC_PRECHORUS && it->bars <= 8))
            rc = arr_part_add(p, s0, it->bars * c->tpb, 72, 70, 0); /* riser */
        else if ((it->type == SEC_CHORUS || it->type == SEC_DROP) && i > 0)
            rc = arr_part_add(p, s0, 2 * c->beat, 36, 100, CZ_NOTE_ACCENT);
        if (rc)
            return rc;
    }
    arr_part_sort(p);
    return 0;
}
