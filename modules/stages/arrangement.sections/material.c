/*
 * material.c - composition's material copied onto the timeline.
 *
 * Every timeline section plays its material section bar by bar (looping it
 * when the section is longer, cutting it when shorter). Chords become the
 * song's chord track, with gaps closed so the harmony covers every tick.
 * Material tracks (lead, bass, comping) are copied at the density the
 * section's plan asks for; repeats get variation that leaves the harmony
 * alone: notes on strong beats keep their pitch, long notes may be split
 * into repeated notes, a scale neighbour may lead into a strong-beat note
 * from the weak sixteenth before it, and the final chorus doubles the
 * melody an octave up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"

static const char *const pc_names[12] = {"C", "C#", "D", "Eb", "E", "F",
                                         "F#", "G", "Ab", "A", "Bb", "B"};

static int push_chord(arr_chord_vec *v, const cz_chord *src, uint32_t tick,
                      uint32_t len)
{
    if (!len)
        return 0;
    if (v->n) {
        cz_chord *last = &v->v[v->n - 1];
        if (last->tick + last->len == tick && last->root == src->root &&
            last->bass == src->bass && last->tones == src->tones &&
            !strcmp(last->symbol, src->symbol)) {
            last->len += len;
            return 0;
        }
    }
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 64;
        cz_chord *nv = realloc(v->v, cap * sizeof *nv);
        if (!nv)
            return CZ_ENOMEM;
        v->v = nv;
        v->cap = cap;
    }
    cz_chord *d = &v->v[v->n++];
    *d = *src;
    d->tick = tick;
    d->len = len;
    return 0;
}

/* The tonic triad of the key, for stretches the material left empty. */
static cz_chord tonic_chord(const arr_ctx *c)
{
    cz_chord ch;
    memset(&ch, 0, sizeof ch);
    const uint8_t *st = cz_mode_steps((cz_mode)c->mat->mode);
    uint8_t t = (uint8_t)(c->mat->key_tonic % 12);
    uint8_t third = st[2], fifth = st[4];
    ch.root = t;
    ch.bass = t;
    ch.tones = (uint16_t)((1u << t) | (1u << ((t + third) % 12)) |
                          (1u << ((t + fifth) % 12)));
    const char *q = third == 3 ? (fifth == 6 ? "dim" : "m")
                               : (fifth == 8 ? "aug" : "");
    snprintf(ch.symbol, sizeof ch.symbol, "%s%s", pc_names[t], q);
    snprintf(ch.roman, sizeof ch.roman, "%s", third == 3 ? "i" : "I");
    return ch;
}

static int cmp_chord(const void *a, const void *b)
{
    const cz_chord *x = a, *y = b;
    return (x->tick > y->tick) - (x->tick < y->tick);
}

/* Make the chords cover [0, total) without gaps or overlaps. */
static int close_gaps(arr_ctx *c)
{
    arr_chord_vec in = c->chords, out = {0};
    cz_chord tonic = tonic_chord(c);
    uint32_t cur = 0;
    int rc = 0;
    if (in.n)
        qsort(in.v, in.n, sizeof in.v[0], cmp_chord);
    for (uint32_t i = 0; i < in.n && !rc; i++) {
        cz_chord ch = in.v[i];
        uint32_t end = ch.tick + ch.len;
        if (end > c->total)
            end = c->total;
        if (end <= cur)
            continue;
        if (ch.tick < cur)
            ch.tick = cur;
        if (ch.tick > cur) {
            if (out.n && out.v[out.n - 1].tick + out.v[out.n - 1].len == cur)
                out.v[out.n - 1].len += ch.tick - cur; /* let it ring */
            else
                rc = push_chord(&out, &tonic, cur, ch.tick - cur);
        }
        if (!rc)
            rc = push_chord(&out, &ch, ch.tick, end - ch.tick);
        cur = end;
    }
    if (!rc && cur < c->total) {
        if (out.n)
            out.v[out.n - 1].len += c->total - cur;
        else
            rc = push_chord(&out, &tonic, cur, c->total - cur);
    }
    free(in.v);
    c->chords = out;
    return rc;
}

int arr_copy_chords(arr_ctx *c)
{
    const cz_score *m = c->mat;
    for (uint32_t i = 0; i < c->n_items; i++) {
        const arr_item *it = &c->items[i];
        const arr_msec *ms = &c->msec[it->src];
        uint32_t mstart = ms->start_bar * c->tpb;
        for (uint32_t b = 0; b < it->bars; b++) {
            uint32_t ws = mstart + (b % ms->bars) * c->tpb, we = ws + c->tpb;
            uint32_t dst = (it->start_bar + b) * c->tpb;
            for (uint32_t k = 0; k < m->n_chords; k++) {
                const cz_chord *ch = &m->chords[k];
                uint64_t end = (uint64_t)ch->tick + ch->len;
                uint32_t s = ch->tick, e = end > we ? we : (uint32_t)end;
                if (e <= ws || s >= we)
                    continue;
                if (s < ws)
                    s = ws;
                int rc = push_chord(&c->chords, ch, dst + (s - ws), e - s);
                if (rc)
                    return rc;
            }
        }
    }
    return close_gaps(c);
}

const cz_chord *arr_chord_at(const arr_ctx *c, uint32_t tick)
{
    uint32_t lo = 0, hi = c->chords.n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        const cz_chord *ch = &c->chords.v[mid];
        if (tick < ch->tick)
            hi = mid;
        else if (tick >= ch->tick + ch->len)
            lo = mid + 1;
        else
            return ch;
    }
    return c->chords.n ? &c->chords.v[c->chords.n - 1] : NULL;
}

/* How densely a material track of this role plays in a section. */
static int part_level(const arr_item *it, cz_role role)
{
    const sec_plan *p = &it->plan;
    int lvl;
    switch (role) {
    case CZ_ROLE_LEAD:
    case CZ_ROLE_COUNTER:
        lvl = p->lead ? 2 : 0;
        break;
    case CZ_ROLE_BASS:
        lvl = p->bass;
        break;
    case CZ_ROLE_DRUMS:
    case CZ_ROLE_PERC:
        lvl = p->drums ? 2 : 0;
        break;
    case CZ_ROLE_PAD:
        lvl = p->pad ? 2 : 0;
        break;
    case CZ_ROLE_ARP:
        lvl = p->arp ? 2 : 0;
        break;
    default:
        lvl = p->chords;
        break;
    }
    /* a section the material lacks plays its borrowed material sparsely,
     * and only sections built around the tune carry the borrowed melody */
    if (it->derived && it->type != SEC_CHORUS && it->type != SEC_DROP &&
        it->type != SEC_VERSE) {
        if (role == CZ_ROLE_LEAD || role == CZ_ROLE_COUNTER)
            lvl = 0;
        else if (lvl > 1)
            lvl = 1;
    }
    return lvl;
}

/* Next pitch above p in the key's scale. */
static int scale_above(const arr_ctx *c, int p)
{
    for (int q = p + 1; q <= p + 3 && q <= 127; q++)
        if (c->scale & (1u << (q % 12)))
            return q;
    return -1;
}

static int cmp_note(const void *a, const void *b)
{
    const cz_note *x = a, *y = b;
    if (x->tick != y->tick)
        return (x->tick > y->tick) - (x->tick < y->tick);
    return (int)x->pitch - (int)y->pitch;
}

/* May a note of this pitch start at tick? Off the strong beats anything
 * the melody had goes; on them only a tone of the chord sounding there. */
static int may_start(const arr_ctx *c, uint32_t tick, int pitch)
{
    if (!arr_strong(c, tick % c->tpb))
        return 1;
    const cz_chord *ch = arr_chord_at(c, tick);
    return ch && (ch->tones & (1u << (pitch % 12)));
}

/* Where to split a note in two: half way, on the 16th grid, swung like
 * everything else; 0 when it is too short. */
static uint32_t split_point(const arr_ctx *c, const cz_note *n)
{
    uint32_t half = n->len / 2 / c->step * c->step;
    if (!half)
        return 0;
    uint32_t at = arr_swing(c, n->tick + half);
    return at < n->tick + n->len ? at - n->tick : 0;
}

/* Rhythm and ornament variation of a repeated melody (notes [first, n)). */
static int vary_lead(arr_ctx *c, arr_part *p, uint32_t first, uint32_t idx)
{
    char name[48];
    cz_rng r;
    snprintf(name, sizeof name, "arrangement.vary.lead.%u", idx);
    cz_rng_init(&r, c->seed, name);
    double prob = c->opt.variation * 0.35;
    uint32_t n0 = p->n;
    qsort(p->notes + first, n0 - first, sizeof p->notes[0], cmp_note);
    for (uint32_t i = first; i < n0; i++) {
        if (!cz_rng_chance(&r, prob))
            continue;
        cz_note nt = p->notes[i];
        if (cz_rng_below(&r, 2) == 0) {
            /* split a long note into a repeated pair */
            uint32_t half = split_point(c, &nt);
            if (nt.len < c->ppq || !half ||
                !may_start(c, nt.tick + half, nt.pitch))
                continue;
            p->notes[i].len = half;
            int v = nt.velocity > 12 ? nt.velocity - 8 : nt.velocity;
            int rc = arr_part_add(p, nt.tick + half, nt.len - half, nt.pitch,
                                  v, nt.flags);
            if (rc)
                return rc;
        } else {
            /* upper neighbour from the weak 16th before a strong beat */
            if (i == first || (nt.flags & CZ_NOTE_CHROMATIC) ||
                !arr_strong(c, nt.tick % c->tpb) || nt.tick < c->step)
                continue;
            cz_note *prev = &p->notes[i - 1];
            uint32_t gs = arr_swing(c, nt.tick - c->step);
            if (prev->tick >= gs || prev->tick + prev->len > nt.tick)
                continue; /* chord or overlap: leave it */
            int q = scale_above(c, nt.pitch);
            if (q < 0)
                continue;
            if (prev->tick + prev->len > gs)
                prev->len = gs - prev->tick;
            int v = nt.velocity > 20 ? nt.velocity - 14 : nt.velocity;
            int rc = arr_part_add(p, gs, nt.tick - gs, q, v, CZ_NOTE_PASSING);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Repeated bass: some long notes on the beat answer with their octave. */
static int vary_bass(arr_ctx *c, arr_part *p, uint32_t first, uint32_t idx)
{
    char name[48];
    cz_rng r;
    snprintf(name, sizeof name, "arrangement.vary.bass.%u", idx);
    cz_rng_init(&r, c->seed, name);
    double prob = c->opt.variation * 0.25;
    uint32_t n0 = p->n;
    for (uint32_t i = first; i < n0; i++) {
        cz_note nt = p->notes[i];
        if (nt.len < c->ppq || (nt.tick % c->tpb) % c->beat ||
            !cz_rng_chance(&r, prob))
            continue;
        uint32_t half = split_point(c, &nt);
        if (!half || !may_start(c, nt.tick + half, nt.pitch))
            continue;
        int q = nt.pitch + 12 <= 64 ? nt.pitch + 12 : nt.pitch - 12;
        if (q < 0)
            continue;
        p->notes[i].len = half;
        int rc = arr_part_add(p, nt.tick + half, nt.len - half, q,
                              nt.velocity > 10 ? nt.velocity - 6 : nt.velocity,
                              nt.flags);
        if (rc)
            return rc;
    }
    return 0;
}

/* Final chorus: the melody doubled an octave up (down if very high). */
static int double_octave(arr_part *p, uint32_t first)
{
    uint32_t n0 = p->n;
    for (uint32_t i = first; i < n0; i++) {
        cz_note nt = p->notes[i];
        int q = nt.pitch + 12 <= 100 ? nt.pitch + 12 : nt.pitch - 12;
        if (q < 0)
            continue;
        int rc = arr_part_add(p, nt.tick, nt.len, q, nt.velocity * 4 / 5 + 1,
                              nt.flags);
        if (rc)
            return rc;
    }
    return 0;
}

#define SPARSE_SPANS 32

/* A material track's notes sorted by tick, so each bar is a binary search
 * away rather than a scan of the whole track. */
typedef struct note_list {
    cz_note *v;
    uint32_t n;
} note_list;

/* Index of the first note at or after tick. */
static uint32_t first_at(const note_list *l, uint32_t tick)
{
    uint32_t lo = 0, hi = l->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (l->v[mid].tick < tick)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint32_t sparse_span(uint32_t off, uint32_t span)
{
    uint32_t k = off / span;
    return k < SPARSE_SPANS ? k : SPARSE_SPANS - 1;
}

/* The first note onset in each span of the bar [ws, we). */
static void first_onsets(const note_list *t, uint32_t ws, uint32_t we,
                         uint32_t span, uint32_t *out)
{
    for (int k = 0; k < SPARSE_SPANS; k++)
        out[k] = UINT32_MAX;
    for (uint32_t k = first_at(t, ws); k < t->n && t->v[k].tick < we; k++) {
        uint32_t tick = t->v[k].tick;
        uint32_t i = sparse_span(tick - ws, span);
        if (tick < out[i])
            out[i] = tick;
    }
}

static int copy_section(arr_ctx *c, arr_part *p, const note_list *t,
                        uint32_t idx)
{
    const arr_item *it = &c->items[idx];
    int lvl = part_level(it, p->role);
    if (!lvl)
        return 0;
    const arr_msec *ms = &c->msec[it->src];
    uint32_t mstart = ms->start_bar * c->tpb, mend = mstart + ms->bars * c->tpb;
    uint32_t dend = (it->start_bar + it->bars) * c->tpb;
    uint32_t first = p->n;
    /* sparse: only the first onset of every two beats (half a bar in 4/4),
     * whatever the material's syncopation */
    uint32_t span = 2 * c->beat;
    for (uint32_t b = 0; b < it->bars; b++) {
        uint32_t ws = mstart + (b % ms->bars) * c->tpb, we = ws + c->tpb;
        uint32_t dbar = (it->start_bar + b) * c->tpb;
        uint32_t lead_in[SPARSE_SPANS];
        if (lvl == 1)
            first_onsets(t, ws, we, span, lead_in);
        for (uint32_t k = first_at(t, ws); k < t->n && t->v[k].tick < we; k++) {
            const cz_note *nt = &t->v[k];
            uint32_t off = nt->tick - ws;
            if (lvl == 1 && nt->tick != lead_in[sparse_span(off, span)])
                continue;
            uint32_t len = nt->len;
            if (len > mend - nt->tick)
                len = mend - nt->tick;
            if (len > dend - (dbar + off))
                len = dend - (dbar + off);
            /* composition writes straight time: swing start and end */
            uint32_t st = arr_swing(c, dbar + off);
            uint32_t en = arr_swing(c, dbar + off + len);
            int rc = arr_part_add(p, st, en > st ? en - st : len, nt->pitch,
                                  nt->velocity, nt->flags);
            if (rc)
                return rc;
        }
    }
    int rc = 0;
    if (c->opt.variation > 0 && it->occurrence > 0) {
        if (p->role == CZ_ROLE_LEAD)
            rc = vary_lead(c, p, first, idx);
        else if (p->role == CZ_ROLE_BASS)
            rc = vary_bass(c, p, first, idx);
    }
    if (!rc && c->opt.variation > 0 && it->final_peak &&
        p->role == CZ_ROLE_LEAD)
        rc = double_octave(p, first);
    return rc;
}

int arr_copy_material(arr_ctx *c)
{
    for (uint32_t k = 0; k < c->n_parts; k++) {
        arr_part *p = &c->parts[k];
        if (p->src_track < 0)
            continue;
        const cz_track *t = &c->mat->tracks[p->src_track];
        note_list l = {NULL, t->n_notes};
        if (l.n) {
            l.v = malloc(l.n * sizeof *l.v);
            if (!l.v)
                return CZ_ENOMEM;
            memcpy(l.v, t->notes, l.n * sizeof *l.v);
            qsort(l.v, l.n, sizeof *l.v, cmp_note);
        }
        int rc = 0;
        for (uint32_t i = 0; i < c->n_items && !rc; i++)
            rc = copy_section(c, p, &l, i);
        free(l.v);
        if (rc)
            return rc;
        arr_part_sort(p);
    }
    return 0;
}
