/*
 * harmony.c - the chords of each section.
 *
 * Per section (its own random stream, so sections do not shift each other):
 *  1. cells: the section is cut into cells of the harmonic rhythm (one or
 *     two bars, or half a bar with harmonic_rhythm: half_bar);
 *  2. body: a template of the style (or the mode's modal vamps) fills the
 *     cells, repeated; sections of 12+ cells take a second template for
 *     their third quarter, for contrast;
 *  3. cadence: the last cells become a cadence formula: full (ends on the
 *     tonic: V-I, IV-I, modal cadences) for chorus/drop/outro, half (ends
 *     on V or the modal equivalent) for intro/prechorus/build/bridge,
 *     either for verses;
 *  4. colour: secondary dominants (V/x, V7/x before x) and borrowed chords
 *     (iv, bVI, bVII in major; IV, V in minor), at most two of each per
 *     section, never on the final chord;
 *  5. extensions: sevenths and ninths by style and the `extensions` option,
 *     decided once per distinct chord of the section so repeats agree;
 *  6. timing: the chords of a cell share its beats (pulse groups).
 */
#include <stdlib.h>
#include <string.h>

#include "cmp.h"

#define MAX_CELLS 64

typedef struct hcell {
    int n;
    cmp_rn c[CMP_MAX_CELL_CHORDS];
    uint32_t tick;
    int n_groups;
    uint32_t gtick[CMP_MAX_GROUPS * 2]; /* absolute start of each group */
    uint32_t end;
} hcell;

void cmp_rng_for(cz_rng *r, const cmp_song *s, const char *what, int section)
{
    uint64_t h = cz_hash_str(0, "composition.");
    h = cz_hash_str(h, what);
    h = cz_hash_str(h, ":");
    h = cz_hash_str(h, section >= 0 ? s->sec[section].name : "*");
    cz_rng_init(r, s->seed ^ h, NULL);
}

static const char *pick(cz_rng *r, cmp_list l)
{
    uint32_t n = 0;
    while (l && l[n])
        n++;
    return n ? l[cz_rng_below(r, n)] : NULL;
}

/* Split "A B | C | D" into cells of parsed numerals; returns the count. */
static int parse_template(const char *t, hcell *cells, int max)
{
    int n = 0;
    char tok[24];
    if (!t)
        return 0;
    cells[0].n = 0;
    for (const char *p = t;; ) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        if (*p == '|') {
            if (++n >= max)
                return max;
            cells[n].n = 0;
            p++;
            continue;
        }
        size_t l = strcspn(p, " |");
        if (l >= sizeof tok)
            l = sizeof tok - 1;
        memcpy(tok, p, l);
        tok[l] = 0;
        p += l;
        cmp_rn rn;
        if (cmp_rn_parse(tok, &rn) == 0 && cells[n].n < CMP_MAX_CELL_CHORDS)
            cells[n].c[cells[n].n++] = rn;
    }
    return cells[n].n ? n + 1 : n;
}

/* Cut the section into cells and record each cell's group starts. */
static int layout_cells(const cmp_song *s, const cmp_sec *sec, hcell *cells)
{
    const cmp_meter *m = &s->m;
    int hr = s->opt->harmonic_rhythm;
    int bars_per_cell = s->spec->style->cell_bars;
    int half = 0;
    if (hr == HR_SLOW)
        bars_per_cell = 2;
    else if (hr == HR_BAR)
        bars_per_cell = 1;
    else if (hr == HR_HALF) {
        bars_per_cell = 1;
        half = m->n_groups >= 2;
    }
    if (bars_per_cell == 2 && sec->bars % 2)
        bars_per_cell = 1;
    int n = 0;
    for (uint32_t b = 0; b < sec->bars && n < MAX_CELLS; b += (uint32_t)bars_per_cell) {
        int parts = half ? 2 : 1;
        int split = (m->n_groups + 1) / 2;
        for (int part = 0; part < parts && n < MAX_CELLS; part++) {
            hcell *c = &cells[n++];
            c->n = 0;
            c->n_groups = 0;
            for (int bb = 0; bb < bars_per_cell; bb++) {
                uint32_t bar_tick = sec->tick + (b + (uint32_t)bb) * m->bar_ticks;
                int g0 = half ? (part ? split : 0) : 0;
                int g1 = half ? (part ? m->n_groups : split) : m->n_groups;
                for (int g = g0; g < g1; g++)
                    c->gtick[c->n_groups++] = bar_tick + m->g[g].step * m->step_ticks;
            }
            c->tick = c->gtick[0];
        }
    }
    for (int i = 0; i < n; i++)
        cells[i].end = i + 1 < n ? cells[i + 1].tick : sec->end;
    return n;
}

static int is_tonic(const cmp_key *k, const cmp_rn *rn)
{
    return cmp_rn_root(k, rn) == k->tonic && !rn->has_target;
}

/* The chord that follows cell c, position p (NULL at the section end). */
static cmp_rn *next_of(hcell *cells, int n, int c, int p)
{
    if (p + 1 < cells[c].n)
        return &cells[c].c[p + 1];
    return c + 1 < n && cells[c + 1].n ? &cells[c + 1].c[0] : NULL;
}

/* Secondary dominant of y, or -1 when y is no good target. */
static int secondary_of(const cmp_key *k, const cmp_rn *y, cmp_rn *out, int seventh)
{
    if (y->has_target || is_tonic(k, y))
        return -1;
    if (y->qual == Q_DIM || y->qual == Q_HDIM7 || y->qual == Q_DIM7 || y->qual == Q_AUG)
        return -1;
    if (cmp_rn_tones(k, y) & ~k->scale)
        return -1; /* tonicise diatonic chords only */
    memset(out, 0, sizeof *out);
    out->deg = 4;
    out->qual = (int8_t)(seventh ? Q_DOM7 : Q_MAJ);
    out->has_target = 1;
    out->tdeg = y->deg;
    out->tacc = y->acc;
    out->tupper = (int8_t)!cmp_quality_is_minor((cmp_quality)y->qual);
    if (!(cmp_rn_tones(k, out) & ~k->scale))
        return -1; /* it would be a diatonic chord: no colour */
    return 0;
}

/* Swap x for a borrowed chord; 0 when done. */
static int borrow(const cmp_key *k, cmp_mgroup g, cmp_rn *x, const cmp_rn *next,
                  const cmp_style *st)
{
    int seventh = cmp_quality_ntones((cmp_quality)x->qual) >= 4;
    if (x->has_target || x->acc || x->inv)
        return -1;
    if (g == MG_MAJOR) {
        if (x->deg == 3 && x->qual == Q_MAJ) { /* IV -> iv */
            x->qual = Q_MIN;
            return 0;
        }
        if (x->deg == 3 && x->qual == Q_MAJ7) {
            x->qual = Q_MIN7;
            return 0;
        }
        if (x->deg == 5 && (x->qual == Q_MIN || x->qual == Q_MIN7)) { /* vi -> bVI */
            x->acc = -1;
            x->qual = (int8_t)(seventh ? Q_MAJ7 : Q_MAJ);
            return 0;
        }
        if (x->deg == 4 && x->qual == Q_MAJ && st->borrow >= 0.25f) { /* V -> bVII */
            x->deg = 6;
            x->acc = -1;
            return 0;
        }
    } else if (g == MG_MINOR) {
        if (x->deg == 3 && (x->qual == Q_MIN || x->qual == Q_MIN7)) { /* iv -> IV */
            x->qual = (int8_t)(seventh ? Q_DOM7 : Q_MAJ);
            return 0;
        }
        if (x->deg == 4 && (x->qual == Q_MIN || x->qual == Q_MIN7)) { /* v -> V */
            x->qual = (int8_t)(seventh ? Q_DOM7 : Q_MAJ);
            return 0;
        }
    }
    return -1;
}

static void colour(const cmp_song *s, hcell *cells, int n, cz_rng *r)
{
    const cmp_style *st = s->spec->style;
    const cmp_key *k = &s->key;
    cmp_mgroup g = cmp_mode_group(k->mode);
    double chrom = s->opt->chromaticism;
    double p_sec = cmp_clampd(st->secdom * 2.0 * chrom, 0, 0.9);
    double p_bor = cmp_clampd(st->borrow * 2.0 * chrom, 0, 0.9);
    int n_sec = 0, n_bor = 0;
    for (int c = 0; c < n; c++) {
        for (int p = 0; p < cells[c].n; p++) {
            int final = c == n - 1 && p == cells[c].n - 1;
            if (final)
                break;
            cmp_rn *x = &cells[c].c[p];
            cmp_rn *y = next_of(cells, n, c, p);
            if (!y)
                continue;
            double u = cz_rng_unit(r);
            cmp_rn sd;
            if (n_sec < 2 && u < p_sec &&
                secondary_of(k, y, &sd, cz_rng_chance(r, 0.7)) == 0 &&
                cmp_rn_root(k, &sd) != cmp_rn_root(k, x)) {
                if (cells[c].n == 1 && cells[c].n_groups >= 2 && p == 0) {
                    cells[c].c[cells[c].n++] = sd; /* x then V/y */
                    p++;
                } else if (!is_tonic(k, x) && !(c == 0 && p == 0)) {
                    *x = sd;
                } else {
                    continue;
                }
                n_sec++;
                continue;
            }
            if (n_bor < 2 && cz_rng_chance(r, p_bor) && !(c == 0 && p == 0) &&
                borrow(k, g, x, y, st) == 0)
                n_bor++;
        }
    }
}

/* Sevenths and ninths, decided once per distinct chord of the section. */
static void extend(const cmp_song *s, hcell *cells, int n, cz_rng *r)
{
    const cmp_style *st = s->spec->style;
    const cmp_key *k = &s->key;
    double ext = s->opt->extensions;
    double p7 = cmp_clampd(st->seventh * 2.0 * ext, 0, 1);
    double p9 = cmp_clampd(st->ninth * 2.0 * ext, 0, 1);
    struct {
        cmp_rn from, to;
    } memo[48];
    int n_memo = 0;
    for (int c = 0; c < n; c++) {
        for (int p = 0; p < cells[c].n; p++) {
            cmp_rn *x = &cells[c].c[p];
            if (x->qual != Q_MAJ && x->qual != Q_MIN && x->qual != Q_DIM)
                continue;
            int m;
            for (m = 0; m < n_memo; m++)
                if (!memcmp(&memo[m].from, x, sizeof *x))
                    break;
            if (m < n_memo) {
                *x = memo[m].to;
                continue;
            }
            cmp_rn orig = *x;
            int dominant = (x->deg == 4 && x->qual == Q_MAJ && !x->acc) || x->has_target;
            double pr = dominant && st->seventh > 0 ? cmp_clampd(p7 + 0.6 * ext, 0, 1) : p7;
            if (cz_rng_chance(r, pr) && cmp_rn_add_seventh(k, x) == 0 &&
                cz_rng_chance(r, p9))
                cmp_rn_add_ninth(k, x);
            if (n_memo < 48) {
                memo[n_memo].from = orig;
                memo[n_memo].to = *x;
                n_memo++;
            }
        }
    }
}

static int push_chord(cmp_song *s, int si, const cmp_rn *rn, uint32_t tick, uint32_t len,
                      cz_error *err)
{
    if (s->n_ch == s->cap_ch) {
        int cap = s->cap_ch ? s->cap_ch * 2 : 64;
        cmp_chord *p = realloc(s->ch, (size_t)cap * sizeof *p);
        if (!p)
            return cz_err(err, CZ_ENOMEM, "%s: out of memory for chords", CMP_NAME);
        s->ch = p;
        s->cap_ch = cap;
    }
    cmp_chord *c = &s->ch[s->n_ch++];
    const cmp_key *k = &s->key;
    memset(c, 0, sizeof *c);
    c->tick = tick;
    c->len = len;
    c->section = si;
    c->rn = *rn;
    c->qual = (cmp_quality)rn->qual;
    c->root = cmp_rn_root(k, rn);
    c->bass = cmp_rn_bass(k, rn);
    c->tones = cmp_rn_tones(k, rn);
    const int *iv = cmp_quality_intervals(c->qual);
    int nt = cmp_quality_ntones(c->qual);
    if (nt == 3) {
        c->voice_pcs[0] = c->root;
        c->voice_pcs[1] = cmp_pc(c->root + iv[1]);
        c->voice_pcs[2] = cmp_pc(c->root + iv[2]);
        c->voice_pcs[3] = c->root;
    } else if (nt == 4) {
        for (int i = 0; i < 4; i++)
            c->voice_pcs[i] = cmp_pc(c->root + iv[i]);
    } else { /* ninth chords: root, third, seventh, ninth */
        c->voice_pcs[0] = c->root;
        c->voice_pcs[1] = cmp_pc(c->root + iv[1]);
        c->voice_pcs[2] = cmp_pc(c->root + iv[3]);
        c->voice_pcs[3] = cmp_pc(c->root + iv[4]);
    }
    cmp_rn_symbol(k, rn, c->symbol, sizeof c->symbol);
    cmp_rn_roman(rn, c->roman, sizeof c->roman);
    return 0;
}

static int section_harmony(cmp_song *s, int si, cz_error *err)
{
    hcell cells[MAX_CELLS], tmpl_a[MAX_CELLS], tmpl_b[MAX_CELLS], cad[MAX_CELLS];
    cmp_sec *sec = &s->sec[si];
    const cmp_style *st = s->spec->style;
    cmp_mgroup g = cmp_mode_group(s->key.mode);
    int minor = g != MG_MAJOR;
    int major_tonic = g == MG_MAJOR || g == MG_MIXOLYDIAN || g == MG_LYDIAN;
    cz_rng r;
    cmp_rng_for(&r, s, "harmony", si);

    int n = layout_cells(s, sec, cells);
    int pclass = cmp_kind_pclass(sec->kind);
    cmp_list list;
    if (g == MG_MAJOR || g == MG_MINOR) {
        list = st->prog[minor][pclass] ? st->prog[minor][pclass] : st->prog[minor][PC_VERSE];
        if (!list) /* a style without minor (or major) tables */
            list = cmp_style_default()->prog[minor][pclass];
    } else {
        list = cmp_modal_templates(g, pclass);
    }
    int na = parse_template(pick(&r, list), tmpl_a, MAX_CELLS);
    int nb = parse_template(pick(&r, list), tmpl_b, MAX_CELLS);
    if (na == 0) {
        na = parse_template(major_tonic ? "I | IV | I | V" : "i | VI | iv | i", tmpl_a,
                            MAX_CELLS);
    }
    if (nb == 0) {
        memcpy(tmpl_b, tmpl_a, sizeof(hcell) * (size_t)na);
        nb = na;
    }
    for (int c = 0; c < n; c++) {
        int quarter = c * 4 / n;
        const hcell *src = n >= 12 && quarter == 2 ? &tmpl_b[c % nb] : &tmpl_a[c % na];
        cells[c].n = src->n;
        memcpy(cells[c].c, src->c, sizeof src->c);
    }

    int full = cmp_kind_full_cadence(sec->kind);
    if (full < 0)
        full = cz_rng_chance(&r, 0.4);
    sec->full_cadence = full;
    cmp_list cl = NULL;
    if (g == MG_MAJOR || g == MG_MINOR)
        cl = full ? st->cad_full[minor] : st->cad_half[minor];
    if (!cl)
        cl = cmp_cadences(g, full);
    int nc = parse_template(pick(&r, cl), cad, MAX_CELLS);
    if (nc > 0) {
        int from = n >= nc + 1 ? n - nc : n - 1;
        for (int c = from; c < n; c++) {
            const hcell *src = &cad[nc - (n - c)];
            cells[c].n = src->n;
            memcpy(cells[c].c, src->c, sizeof src->c);
        }
    }

    colour(s, cells, n, &r);
    extend(s, cells, n, &r);

    sec->chord0 = s->n_ch;
    for (int c = 0; c < n; c++) {
        hcell *cell = &cells[c];
        if (cell->n == 0) { /* an unparsable template cell: the tonic */
            cmp_rn_parse(major_tonic ? "I" : "i", &cell->c[0]);
            cell->n = 1;
        }
        int k = cell->n;
        if (k > cell->n_groups) { /* more chords than beats: keep first and last */
            cell->c[cell->n_groups - 1] = cell->c[k - 1];
            k = cell->n_groups;
        }
        int base = cell->n_groups / k, extra = cell->n_groups % k, g0 = 0;
        for (int i = 0; i < k; i++) {
            int ng = base + (i < extra);
            uint32_t t0 = cell->gtick[g0];
            uint32_t t1 = g0 + ng < cell->n_groups ? cell->gtick[g0 + ng] : cell->end;
            int rc = push_chord(s, si, &cell->c[i], t0, t1 - t0, err);
            if (rc)
                return rc;
            g0 += ng;
        }
    }
    sec->n_chords = s->n_ch - sec->chord0;
    return 0;
}

int cmp_harmony(cmp_song *s, cz_error *err)
{
    for (int i = 0; i < s->n_sec; i++) {
        int rc = section_harmony(s, i, err);
        if (rc)
            return rc;
    }
    return 0;
}

const cmp_chord *cmp_chord_at(const cmp_song *s, uint32_t tick)
{
    int lo = 0, hi = s->n_ch - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const cmp_chord *c = &s->ch[mid];
        if (tick < c->tick)
            hi = mid - 1;
        else if (tick >= c->tick + c->len)
            lo = mid + 1;
        else
            return c;
    }
    return NULL;
}
