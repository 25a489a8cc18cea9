/*
 * melody.c - the lead: motifs, developed over phrases that end on cadences.
 *
 * Form. A section is cut into phrases of four bars (a shorter one when the
 * bars do not divide). Two phrases make a period: the consequent repeats
 * the antecedent's first two bars and then goes elsewhere; 12-bar sections
 * follow the blues AAB shape; a third phrase of four is the contrast.
 * Inside a phrase each bar takes a motif and a transformation: statement,
 * repetition, variation (one note split), sequence (shifted by scale
 * steps), inversion, or a second motif; the last bar is the cadence bar:
 * one to three notes and a long final note, then a rest of at least a beat
 * (the breath between phrases).
 *
 * Rhythm. A motif is one bar of rhythm built beat by beat from cells
 * ("x..." quarter, "x.x." two eighths, "-.x." offbeat, "...." tie ...),
 * weighted by the section's density (energy, style and melody_density) and
 * the style's taste for syncopation, 16ths and long notes. Each onset
 * carries a contour step (in scale steps, leaps recovered by a step back)
 * and an ornament preference.
 *
 * Pitch, in two passes. (1) Skeleton: onsets on beats, long notes, the
 * first note of a bar, of a phrase and of each chord are structural and
 * always chord tones of the chord sounding there, found nearest to the
 * motif's contour inside the section's register (verses low, choruses
 * high). So every note that starts on a strong beat is a chord tone
 * (100%; the tests assert at least 90%). (2) Ornaments: the notes between
 * two skeleton notes run by scale step into the next one (passing tones),
 * or turn around the previous one (neighbour tones), or arpeggiate; any of
 * them that is not a chord tone is flagged CZ_NOTE_PASSING and moves by
 * step to or from a neighbour note.
 *
 * Scale. Notes are in the key's scale. Over a chord with tones outside the
 * key (secondary dominants, borrowed chords), the scale notes a semitone
 * from those tones are avoided, and with probability `chromaticism` the
 * chord's first skeleton note takes the chromatic chord tone (the G# of
 * E7 in C): flagged CZ_NOTE_CHROMATIC, always a chord tone.
 *
 * Cadences. The section's last note is the tonic after a full cadence, a
 * tone of the final triad after a half cadence; other phrases end on a
 * triad tone of their last chord.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmp.h"

#define MAX_EV 64
#define MAX_NOTES 1024

typedef struct mev {
    int step, len; /* 16th steps, bar-relative */
    int delta;     /* scale steps from the previous skeleton note */
    int orn;       /* 0 run, 1 upper neighbour, 2 lower neighbour, 3 arpeggio */
} mev;

typedef struct motif {
    int n;
    mev e[MAX_EV];
} motif;

typedef struct cellpat {
    const char *p;
    int notes, syn, s16, tie, rest;
} cellpat;

static const cellpat C4[] = {
    {"x...", 1, 0, 0, 0, 0}, {"x.x.", 2, 0, 0, 0, 0}, {"-.x.", 1, 1, 0, 0, 1},
    {"x..x", 2, 0, 1, 0, 0}, {"x.xx", 3, 0, 1, 0, 0}, {"xxx.", 3, 0, 1, 0, 0},
    {"xxxx", 4, 0, 1, 0, 0}, {"-...", 0, 0, 0, 0, 1}, {"....", 0, 0, 0, 1, 0},
    {"..x.", 1, 1, 0, 1, 0}, {"-.xx", 2, 1, 1, 0, 1}, {"x.-.", 1, 0, 0, 0, 1},
};
static const cellpat C6[] = {
    {"x.....", 1, 0, 0, 0, 0}, {"x...x.", 2, 0, 0, 0, 0}, {"x.x.x.", 3, 0, 0, 0, 0},
    {"-...x.", 1, 1, 0, 0, 1}, {"x.xxx.", 4, 0, 1, 0, 0}, {"......", 0, 0, 0, 1, 0},
    {"x.x...", 2, 0, 0, 0, 0}, {"-.x.x.", 2, 1, 0, 0, 1}, {"x...-.", 1, 0, 0, 0, 1},
};

/* ---- rhythm ---------------------------------------------------------------- */

static const char *pick_cell(const cmp_style *st, double density, int len, int first,
                             cz_rng *r)
{
    const cellpat *t = len == 6 ? C6 : C4;
    int n = len == 6 ? (int)(sizeof C6 / sizeof C6[0]) : (int)(sizeof C4 / sizeof C4[0]);
    double target = (0.4 + 2.6 * density) * (len == 6 ? 1.5 : 1.0);
    double w[16];
    for (int i = 0; i < n; i++) {
        double d = t[i].notes - target;
        w[i] = exp(-d * d / 1.2);
        if (t[i].syn)
            w[i] *= st->synco;
        if (t[i].s16)
            w[i] *= st->sixteenths;
        if (t[i].tie)
            w[i] *= st->longnotes * (first ? 0 : 1);
        if (t[i].rest)
            w[i] *= cmp_clampd(1.15 - density, 0.1, 1);
    }
    return t[cz_rng_pick(r, w, (uint32_t)n)].p;
}

static void gen_motif(const cmp_song *s, double density, cz_rng *r, motif *mo)
{
    const cmp_meter *m = &s->m;
    const cmp_style *st = s->spec->style;
    char pat[80];
    int pos = 0;
    for (int g = 0; g < m->n_groups; g++) {
        int len = m->g[g].len;
        if (len == 4 || len == 6) {
            memcpy(pat + pos, pick_cell(st, density, len, g == 0, r), (size_t)len);
        } else {
            memset(pat + pos, '.', (size_t)len);
            pat[pos] = 'x';
            if (density > 0.5 && len >= 4)
                pat[pos + len / 2] = 'x';
        }
        pos += len;
    }
    pat[pos] = 0;
    if (pat[0] == '.')
        pat[0] = 'x';
    /* decode: 'x' starts a note, '-' a rest, '.' continues either */
    mo->n = 0;
    int cur = -1;
    for (int i = 0; i <= pos; i++) {
        char ch = i < pos ? pat[i] : '-';
        if (ch == '.')
            continue;
        if (cur >= 0) {
            mo->e[mo->n - 1].len = i - cur;
            cur = -1;
        }
        if (ch == 'x' && i < pos && mo->n < MAX_EV) {
            mo->e[mo->n].step = i;
            mo->e[mo->n].len = 1;
            mo->n++;
            cur = i;
        }
    }
    if (mo->n == 0) {
        mo->e[0].step = 0;
        mo->e[0].len = m->g[0].len;
        mo->n = 1;
    }
    static const double W[9] = {0.03, 0.05, 0.13, 0.24, 0.07, 0.24, 0.13, 0.07, 0.04};
    for (int i = 0; i < mo->n; i++) {
        mo->e[i].delta = i == 0 ? 0 : (int)cz_rng_pick(r, W, 9) - 4;
        if (i > 0 && abs(mo->e[i - 1].delta) >= 3) /* recover a leap by step */
            mo->e[i].delta = (mo->e[i - 1].delta > 0 ? -1 : 1) * (1 + (int)cz_rng_below(r, 2));
        mo->e[i].orn = (int)cz_rng_below(r, 4);
    }
}

/* Variation: split the longest note in two. */
static void vary(const motif *in, motif *out)
{
    *out = *in;
    int best = -1;
    for (int i = 0; i < in->n; i++)
        if (in->e[i].len >= 4 && (best < 0 || in->e[i].len > in->e[best].len))
            best = i;
    if (best < 0 || out->n >= MAX_EV) {
        if (out->n > 1) /* nothing to split: change the contour instead */
            out->e[out->n - 1].delta = -out->e[out->n - 1].delta;
        return;
    }
    memmove(&out->e[best + 2], &out->e[best + 1], sizeof(mev) * (size_t)(out->n - best - 1));
    int h = in->e[best].len / 2;
    out->e[best].len = h;
    out->e[best + 1] = in->e[best];
    out->e[best + 1].step = in->e[best].step + h;
    out->e[best + 1].len = in->e[best].len - h;
    out->e[best + 1].delta = 1;
    out->n++;
}

/* ---- phrase plans ------------------------------------------------------------ */

enum { T_MOTIF, T_CADENCE };
typedef struct barplan {
    int kind;    /* T_MOTIF or T_CADENCE */
    int motif;   /* 0 A, 1 A', 2 B */
    int shift;   /* sequence: scale steps added to the anchor */
    int invert;
} barplan;

#define BP(m, sh, inv) {T_MOTIF, (m), (sh), (inv)}

static void antecedent(cmp_kind k, cz_rng *r, barplan out[3])
{
    static const barplan VERSE[4][3] = {
        {BP(0, 0, 0), BP(1, 0, 0), BP(2, 0, 0)}, {BP(0, 0, 0), BP(2, 0, 0), BP(1, 0, 0)},
        {BP(0, 0, 0), BP(0, -1, 0), BP(0, -2, 0)}, {BP(0, 0, 0), BP(1, 0, 0), BP(0, 1, 0)}};
    static const barplan HOOK[4][3] = {
        {BP(0, 0, 0), BP(0, 0, 0), BP(2, 0, 0)}, {BP(0, 0, 0), BP(0, 1, 0), BP(0, 0, 0)},
        {BP(0, 0, 0), BP(2, 0, 0), BP(0, 0, 0)}, {BP(0, 0, 0), BP(1, 0, 0), BP(0, 2, 0)}};
    static const barplan BRIDGE[3][3] = {
        {BP(0, 0, 0), BP(0, 0, 1), BP(0, 1, 0)}, {BP(2, 0, 0), BP(2, 1, 0), BP(0, 0, 1)},
        {BP(0, 0, 0), BP(2, 0, 0), BP(2, -1, 0)}};
    static const barplan BUILD[1][3] = {{BP(0, 0, 0), BP(0, 1, 0), BP(0, 2, 0)}};
    const barplan(*set)[3] = VERSE;
    int n = 4;
    if (k == SK_CHORUS || k == SK_DROP) {
        set = HOOK;
    } else if (k == SK_BRIDGE || k == SK_BREAKDOWN || k == SK_SOLO) {
        set = BRIDGE;
        n = 3;
    } else if (k == SK_BUILD) {
        set = BUILD;
        n = 1;
    }
    memcpy(out, set[cz_rng_below(r, (uint32_t)n)], sizeof(barplan) * 3);
}

/* ---- pitch helpers ------------------------------------------------------------- */

/* Move p by n scale steps (p snapped into the scale first). */
static int scale_move(int p, int n, uint16_t scale)
{
    while (!cmp_in(scale, p))
        p--;
    while (n > 0) {
        p++;
        while (!cmp_in(scale, p))
            p++;
        n--;
    }
    while (n < 0) {
        p--;
        while (!cmp_in(scale, p))
            p--;
        n++;
    }
    return p;
}

/* Scale notes usable as non-chord tones over c (see the header comment). */
static uint16_t pass_mask(const cmp_key *k, const cmp_chord *c, int chrom_ok)
{
    uint16_t chrom = (uint16_t)(c->tones & ~k->scale);
    uint16_t m = k->scale;
    for (int pc = 0; pc < 12; pc++)
        if ((chrom >> pc) & 1) {
            uint16_t nb = (uint16_t)((1u << cmp_pc(pc + 1)) | (1u << cmp_pc(pc - 1)));
            m &= (uint16_t)~(nb & ~c->tones);
        }
    if (chrom_ok)
        m |= chrom;
    return m & 0x0fff;
}

/* Triad tones (root, third, fifth) of a chord. */
static uint16_t triad_mask(const cmp_chord *c)
{
    const int *iv = cmp_quality_intervals(c->qual);
    return (uint16_t)((1u << c->root) | (1u << cmp_pc(c->root + iv[1])) |
                      (1u << cmp_pc(c->root + iv[2])));
}

/* ---- the section ------------------------------------------------------------------ */

typedef struct mnote {
    uint32_t tick, len;
    int pitch;
    int delta, orn;
    int structural;
    int anchor;     /* first note of a bar: pitch target set by the plan */
    int anchor_p;
    int final;      /* phrase-final note: stable tone */
    int sec_final;  /* section-final note */
    int level;
    uint8_t flags;
} mnote;

typedef struct mctx {
    const cmp_song *s;
    const cmp_sec *sec;
    int si;
    int lo, hi;          /* section register for skeleton notes */
    double density;
    cz_rng r;
    int chrom_used[256]; /* per chord of the section: -1 undecided, 0/1 */
    mnote *nt;
    int n;
} mctx;

static int chord_idx(const mctx *x, const cmp_chord *c)
{
    int i = (int)(c - x->s->ch) - x->sec->chord0;
    return i >= 0 && i < 256 ? i : 0;
}

static void push(mctx *x, uint32_t tick, uint32_t len, int delta, int orn, int anchor,
                 int anchor_p, int final)
{
    if (x->n >= MAX_NOTES || len == 0)
        return;
    mnote *m = &x->nt[x->n++];
    memset(m, 0, sizeof *m);
    m->tick = tick;
    m->len = len;
    m->delta = delta;
    m->orn = orn;
    m->anchor = anchor;
    m->anchor_p = anchor_p;
    m->final = final;
}

/* The cadence bar: up to two approach notes and a long final note. */
static void cadence_bar(mctx *x, uint32_t bar_tick, int prev_anchor, int sec_last)
{
    const cmp_meter *m = &x->s->m;
    uint32_t st = m->step_ticks;
    int steps = m->steps_per_bar;
    int G = m->n_groups;
    /* the breath: the last beat, at least a quarter note */
    int rest = G > 1 ? m->g[G - 1].len : (m->g[0].len + 1) / 2;
    if (rest < 4 && steps >= 8)
        rest = 4;
    int fstep = 0;
    /* a chord starting inside this bar (half-bar harmony) takes the final
     * note when there is room for it and the breath; the section's final
     * chord always does */
    const cmp_chord *last = cmp_chord_at(x->s, bar_tick + (uint32_t)(steps - 1) * st);
    if (last && last->tick > bar_tick) {
        int at = (int)((last->tick - bar_tick) / st);
        if (steps - rest - at >= 2 || sec_last)
            fstep = at;
    } else if (G >= 3 && cz_rng_chance(&x->r, 0.5)) {
        fstep = m->g[1].step;
    }
    if (fstep > 0) {
        int two = fstep >= 4 && x->density > 0.45 && cz_rng_chance(&x->r, 0.5);
        int a = two ? fstep / 2 : fstep;
        push(x, bar_tick, (uint32_t)a * st, 0, 0, 1, prev_anchor, 0);
        if (two)
            push(x, bar_tick + (uint32_t)a * st, (uint32_t)(fstep - a) * st,
                 cz_rng_chance(&x->r, 0.5) ? 1 : -1, 0, 0, 0, 0);
    }
    int flen = steps - rest - fstep;
    if (flen < 2)
        flen = (steps - fstep) / 2 > 0 ? (steps - fstep) / 2 : 1;
    push(x, bar_tick + (uint32_t)fstep * st, (uint32_t)flen * st, 0, 0, fstep == 0,
         prev_anchor, 1);
}

static void motif_bar(mctx *x, uint32_t bar_tick, const motif *mo, int anchor_p, int invert)
{
    uint32_t st = x->s->m.step_ticks;
    /* place the motif so that its contour fits the register */
    int cum = 0, lo = 0, hi = 0;
    for (int i = 1; i < mo->n; i++) {
        cum += invert ? -mo->e[i].delta : mo->e[i].delta;
        lo = cum < lo ? cum : lo;
        hi = cum > hi ? cum : hi;
    }
    int floor_p = x->lo - lo * 2, ceil_p = x->hi - hi * 2;
    if (floor_p <= ceil_p)
        anchor_p = cmp_clampi(anchor_p, floor_p, ceil_p);
    else
        anchor_p = (x->lo + x->hi) / 2 - (lo + hi);
    for (int i = 0; i < mo->n; i++)
        push(x, bar_tick + (uint32_t)mo->e[i].step * st, (uint32_t)mo->e[i].len * st,
             invert ? -mo->e[i].delta : mo->e[i].delta, mo->e[i].orn, i == 0, anchor_p, 0);
}

/* Lay out all bars of the section as rhythm with targets. */
static void plan_section(mctx *x, const motif mot[3], int base)
{
    const cmp_sec *sec = x->sec;
    const cmp_meter *m = &x->s->m;
    uint16_t scale = x->s->key.scale;
    int nbars = (int)sec->bars;
    int n_ph = 0, ph_len[32];
    for (int b = 0; b < nbars && n_ph < 32; ) {
        int l = nbars - b >= 4 ? 4 : nbars - b;
        ph_len[n_ph++] = l;
        b += l;
    }
    barplan ante[3];
    antecedent(sec->kind, &x->r, ante);
    int bar = 0;
    for (int p = 0; p < n_ph; p++) {
        barplan plan[4];
        memcpy(plan, ante, sizeof ante);
        int role = p == 0 ? 0 : (n_ph == 3 ? (p == 1 ? 0 : 2) : (p % 2 == 1 ? 1 : 2));
        int lift = 0;
        if (role == 1) /* consequent: same start, new third bar */
            plan[2] = ante[2].motif == 2 ? (barplan)BP(1, 1, 0) : (barplan)BP(2, 0, 0);
        if (role == 2) { /* contrast */
            plan[0] = (barplan)BP(2, 0, 0);
            plan[1] = (barplan)BP(2, 1, 0);
            plan[2] = (barplan)BP(0, 0, 1);
            lift = 2;
        }
        int L = ph_len[p];
        for (int b = 0; b < L; b++) {
            uint32_t bt = sec->tick + (uint32_t)(bar + b) * m->bar_ticks;
            if (b == L - 1) {
                cadence_bar(x, bt, scale_move(base, lift, scale), p == n_ph - 1);
                continue;
            }
            const barplan *bp = &plan[b < 3 ? b : 2];
            int anchor = scale_move(base, bp->shift + lift + (bp->motif == 2 ? 2 : 0), scale);
            motif_bar(x, bt, &mot[bp->motif], anchor, bp->invert);
        }
        bar += L;
    }
    if (x->n > 0)
        x->nt[x->n - 1].sec_final = 1;
}

/* Cut notes at chord changes and mark the skeleton. */
static void mark(mctx *x)
{
    const cmp_meter *m = &x->s->m;
    const cmp_chord *prev_chord = NULL;
    for (int i = 0; i < x->n; i++) {
        mnote *n = &x->nt[i];
        const cmp_chord *c = cmp_chord_at(x->s, n->tick);
        if (c && n->tick + n->len > c->tick + c->len)
            n->len = c->tick + c->len - n->tick;
        int step = (int)((n->tick - x->sec->tick) % m->bar_ticks / m->step_ticks);
        n->level = cmp_meter_level(m, step);
        int grp_len = m->g[cmp_meter_group_at(m, step)].len;
        n->structural = n->level >= 1 || n->len >= (uint32_t)grp_len * m->step_ticks ||
                        n->anchor || n->final || c != prev_chord || i == 0;
        prev_chord = c;
    }
}

static void skeleton(mctx *x)
{
    const cmp_key *k = &x->s->key;
    int prev = -1;
    for (int i = 0; i < x->n; i++) {
        mnote *n = &x->nt[i];
        if (!n->structural)
            continue;
        const cmp_chord *c = cmp_chord_at(x->s, n->tick);
        if (!c) {
            n->pitch = prev >= 0 ? prev : x->lo;
            continue;
        }
        int target = n->anchor ? n->anchor_p
                               : (prev >= 0 ? scale_move(prev, n->delta, k->scale) : x->lo);
        if (prev >= 0)
            target = cmp_clampi(target, prev - 7, prev + 7);
        uint16_t diatonic = (uint16_t)(c->tones & k->scale);
        uint16_t mask = diatonic ? diatonic : c->tones;
        int ci = chord_idx(x, c);
        if (n->final) {
            uint16_t stable = (uint16_t)(triad_mask(c) & k->scale);
            if (n->sec_final && x->sec->full_cadence && cmp_in(c->tones, k->tonic))
                stable = (uint16_t)(1u << k->tonic);
            mask = stable ? stable : mask;
        } else if (c->tones & ~k->scale) {
            if (x->chrom_used[ci] < 0) {
                x->chrom_used[ci] = cz_rng_chance(&x->r, x->s->opt->chromaticism);
                if (x->chrom_used[ci]) /* the chord's first skeleton note */
                    mask = (uint16_t)(c->tones & ~k->scale);
            }
        }
        int dir = n->delta > 0 ? 1 : n->delta < 0 ? -1 : 1;
        int p = -1;
        if (!n->anchor && !n->final && prev >= 0 && n->delta != 0) {
            /* keep the contour's direction: a step up must go up */
            p = n->delta > 0 ? cmp_nearest(target, mask, prev + 1, x->hi, dir)
                             : cmp_nearest(target, mask, x->lo, prev - 1, dir);
            if (p >= 0 && abs(p - prev) > 9)
                p = -1;
            if (p < 0) /* at the edge of the register: turn around */
                p = n->delta > 0 ? cmp_nearest(prev - 2, mask, x->lo, prev - 1, -1)
                                 : cmp_nearest(prev + 2, mask, prev + 1, x->hi, 1);
            if (p >= 0 && abs(p - prev) > 9)
                p = -1;
        }
        if (p < 0)
            p = cmp_nearest(target, mask, x->lo, x->hi, dir);
        if (p < 0)
            p = cmp_nearest(target, c->tones, x->lo, x->hi, dir);
        n->pitch = p < 0 ? (prev >= 0 ? prev : x->lo) : p;
        prev = n->pitch;
    }
}

/* Neighbour of p in mask, up (dir > 0) or down, at most 2 semitones away. */
static int neighbour(int p, uint16_t mask, int dir)
{
    for (int d = 1; d <= 2; d++)
        if (cmp_in(mask, p + dir * d))
            return p + dir * d;
    return p;
}

static void ornaments(mctx *x)
{
    const cmp_key *k = &x->s->key;
    int i = 0;
    while (i < x->n) {
        if (x->nt[i].structural) {
            i++;
            continue;
        }
        int a = i - 1; /* the skeleton note before (note 0 is structural) */
        int b = i;
        while (b < x->n && !x->nt[b].structural)
            b++;
        int k_orn = b - i;
        int pa = x->nt[a].pitch;
        int pb = b < x->n ? x->nt[b].pitch : pa;
        const cmp_chord *c = cmp_chord_at(x->s, x->nt[i].tick);
        int ci = c ? chord_idx(x, c) : 0;
        uint16_t pm = c ? pass_mask(k, c, 0) : k->scale;
        (void)ci;
        if (!cmp_in(k->scale, pa)) { /* never repeat a chromatic tone */
            int q = cmp_nearest(pa + 1, pm, pa - 2, pa + 2, 1);
            pa = q >= 0 ? q : pa;
        }
        int orn = x->nt[i].orn;
        int path[32], m = 0;
        int dir = pb > pa ? 1 : -1;
        uint16_t pathmask = orn == 3 && c ? (uint16_t)(c->tones & pm) : pm;
        for (int p = pa + dir; p != pb && m < 32 && pb != pa; p += dir)
            if (cmp_in(pathmask, p))
                path[m++] = p;
        if (m < k_orn && pathmask != pm) { /* too few chord tones: scale run */
            m = 0;
            for (int p = pa + dir; p != pb && m < 32 && pb != pa; p += dir)
                if (cmp_in(pm, p))
                    path[m++] = p;
        }
        if (m > k_orn && pathmask == pm && c) {
            /* a gap wider than the notes that fill it: arpeggiate if the
             * chord has enough tones in it, so leaps land on chord tones */
            int arp[32], na = 0;
            for (int p = pa + dir; p != pb && na < 32; p += dir)
                if (cmp_in((uint16_t)(c->tones & pm), p))
                    arp[na++] = p;
            if (na >= k_orn) {
                memcpy(path, arp, sizeof(int) * (size_t)na);
                m = na;
            }
        }
        int seq[64], ns = 0;
        if (m >= k_orn) {
            for (int j = m - k_orn; j < m; j++)
                seq[ns++] = path[j];
        } else {
            int fill = k_orn - m;
            int ndir = orn == 2 ? -1 : orn == 1 ? 1 : (m > 0 ? -dir : 1);
            int nb = neighbour(pa, pm, ndir);
            if (nb == pa)
                nb = neighbour(pa, pm, -ndir);
            if (fill % 2)
                seq[ns++] = pa;
            for (int j = 0; j < fill / 2 && ns < 62; j++) {
                seq[ns++] = nb;
                seq[ns++] = pa;
            }
            for (int j = 0; j < m && ns < 64; j++)
                seq[ns++] = path[j];
        }
        for (int j = 0; j < k_orn && j < ns; j++) {
            mnote *n = &x->nt[i + j];
            n->pitch = seq[j];
            const cmp_chord *cc = cmp_chord_at(x->s, n->tick);
            if (cc && !cmp_in(cc->tones, n->pitch))
                n->flags |= CZ_NOTE_PASSING;
        }
        i = b;
    }
    /* A non-chord tone must move by step (at most 3 semitones, the
     * augmented second of harmonic minor) to or from a neighbour; where
     * gaps in the scale broke that, a chord tone takes its place. */
    for (int pass = 0, changed = 1; pass < 4 && changed; pass++) {
        changed = 0;
        for (int j = 0; j < x->n; j++) {
            mnote *n = &x->nt[j];
            if (!(n->flags & CZ_NOTE_PASSING))
                continue;
            int ok = (j > 0 && abs(x->nt[j - 1].pitch - n->pitch) <= 3) ||
                     (j + 1 < x->n && abs(x->nt[j + 1].pitch - n->pitch) <= 3);
            if (ok)
                continue;
            const cmp_chord *cc = cmp_chord_at(x->s, n->tick);
            uint16_t ct = cc ? (uint16_t)(cc->tones & k->scale) : k->scale;
            int p = cmp_nearest(n->pitch, ct ? ct : cc->tones, x->lo - 2, x->hi + 2, 1);
            if (p >= 0) {
                n->pitch = p;
                n->flags &= (uint8_t)~CZ_NOTE_PASSING;
                changed = 1;
            }
        }
    }
    for (int j = 0; j < x->n; j++)
        if (!cmp_in(k->scale, x->nt[j].pitch))
            x->nt[j].flags |= CZ_NOTE_CHROMATIC;
}

static int section_melody(const cmp_song *s, int si, cz_track *t, mnote *buf, cz_error *err)
{
    mctx x;
    memset(&x, 0, sizeof x);
    x.s = s;
    x.sec = &s->sec[si];
    x.si = si;
    x.nt = buf;
    for (int i = 0; i < 256; i++)
        x.chrom_used[i] = -1;
    cmp_rng_for(&x.r, s, "melody", si);

    /* overall lead range: a 12th from the fifth below the tonic */
    int tonic_ref = s->key.tonic <= 7 ? 60 + s->key.tonic : 48 + s->key.tonic;
    int lo = tonic_ref - 5;
    static const int REG[SK_COUNT][2] = {
        [SK_INTRO] = {2, 14}, [SK_VERSE] = {2, 14}, [SK_PRECHORUS] = {3, 15},
        [SK_CHORUS] = {5, 17}, [SK_BRIDGE] = {4, 16}, [SK_SOLO] = {2, 17},
        [SK_BREAKDOWN] = {2, 14}, [SK_BUILD] = {2, 17}, [SK_DROP] = {5, 17},
        [SK_OUTRO] = {2, 14}};
    static const float BASE[SK_COUNT] = {0.3f, 0.3f, 0.45f, 0.5f, 0.5f, 0.5f,
                                         0.4f, 0.3f, 0.55f, 0.35f};
    cmp_kind kind = x.sec->kind;
    x.lo = lo + REG[kind][0];
    x.hi = lo + REG[kind][1];
    const cmp_style *st = s->spec->style;
    x.density = cmp_clampd(0.2 + 0.55 * x.sec->energy + (s->opt->melody_density - 0.5) * 0.8 +
                               st->density, 0.05, 0.95);

    motif mot[3];
    gen_motif(s, x.density, &x.r, &mot[0]);
    vary(&mot[0], &mot[1]);
    gen_motif(s, x.density, &x.r, &mot[2]);
    int base = x.lo + (int)((x.hi - x.lo) * BASE[kind]);
    base = scale_move(base, 0, s->key.scale);

    plan_section(&x, mot, base);
    mark(&x);
    skeleton(&x);
    ornaments(&x);

    for (int i = 0; i < x.n; i++) {
        mnote *n = &x.nt[i];
        if (n->tick + n->len > x.sec->end)
            n->len = x.sec->end - n->tick;
        if (!n->len)
            continue;
        int acc = n->level == 3 ? 8 : n->level == 2 ? 5 : n->level == 1 ? 2 : 0;
        int vel = 58 + (int)(48 * x.sec->energy) + acc - (n->structural ? 0 : 6) +
                  (int)cz_rng_below(&x.r, 9) - 4;
        vel = cmp_clampi(vel, 1, 127);
        int rc = cz_track_add_note(t, n->tick, n->len, (uint8_t)cmp_clampi(n->pitch, 0, 127),
                                   (uint8_t)vel, n->flags);
        if (rc)
            return cz_err(err, rc, "%s: adding a melody note failed", CMP_NAME);
    }
    return 0;
}

int cmp_melody_track(const cmp_song *s, cz_track *t, cz_error *err)
{
    mnote *buf = malloc(sizeof(mnote) * MAX_NOTES);
    if (!buf)
        return cz_err(err, CZ_ENOMEM, "%s: out of memory for the melody", CMP_NAME);
    int rc = 0;
    for (int si = 0; si < s->n_sec && !rc; si++)
        rc = section_melody(s, si, t, buf, err);
    free(buf);
    return rc;
}
