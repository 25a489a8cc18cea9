/*
 * finish.c - note buffers, timing helpers and the last passes: section
 * dynamics (energy, outro fade), humanised timing and velocity, clean-up
 * (inside the song, no same-pitch overlaps), the track budget, and the
 * output score.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"

int arr_part_add(arr_part *p, uint32_t tick, uint32_t len, int pitch,
                 int velocity, uint8_t flags)
{
    if (!len || pitch < 0 || pitch > 127)
        return 0;
    if (velocity < 1)
        velocity = 1;
    if (velocity > 127)
        velocity = 127;
    if (p->n == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 256;
        cz_note *nv = realloc(p->notes, cap * sizeof *nv);
        if (!nv)
            return CZ_ENOMEM;
        p->notes = nv;
        p->cap = cap;
    }
    cz_note *n = &p->notes[p->n++];
    n->tick = tick;
    n->len = len;
    n->pitch = (uint8_t)pitch;
    n->velocity = (uint8_t)velocity;
    n->flags = flags;
    n->reserved = 0;
    return 0;
}

static int cmp_note(const void *a, const void *b)
{
    const cz_note *x = a, *y = b;
    if (x->tick != y->tick)
        return (x->tick > y->tick) - (x->tick < y->tick);
    if (x->pitch != y->pitch)
        return (int)x->pitch - (int)y->pitch;
    if (x->velocity != y->velocity)
        return (int)y->velocity - (int)x->velocity; /* louder first */
    if (x->len != y->len)
        return (x->len < y->len) - (x->len > y->len); /* longer first */
    return (int)x->flags - (int)y->flags; /* a total order: qsort is not
                                             stable */
}

void arr_part_sort(arr_part *p)
{
    if (p->n > 1)
        qsort(p->notes, p->n, sizeof p->notes[0], cmp_note);
}

uint32_t arr_swing(const arr_ctx *c, uint32_t tick)
{
    if (c->swing <= 0 || c->compound)
        return tick;
    uint32_t unit = c->genre->swing16 ? c->ppq / 4 : c->ppq / 2;
    if (!unit || tick % (2 * unit) != unit)
        return tick;
    /* full swing puts the off-beat at 2/3 of the pair: a third of a unit */
    return tick + (uint32_t)lround(c->swing * unit / 3.0);
}

static const arr_item *item_at(const arr_ctx *c, uint32_t tick)
{
    uint32_t bar = tick / c->tpb;
    for (uint32_t i = 0; i < c->n_items; i++)
        if (bar < c->items[i].start_bar + c->items[i].bars)
            return &c->items[i];
    return c->n_items ? &c->items[c->n_items - 1] : NULL;
}

int arr_strong(const arr_ctx *c, uint32_t off)
{
    if (off == 0)
        return 1;
    if (c->compound)
        return off % c->beat == 0;
    if (c->mat->meter_den <= 4 && c->beats_per_bar % 2 == 0)
        return off % (2 * c->ppq) == 0;
    return 0;
}

void arr_dynamics(arr_ctx *c)
{
    for (uint32_t k = 0; k < c->n_parts; k++) {
        arr_part *p = &c->parts[k];
        const arr_item *it = NULL;
        for (uint32_t i = 0; i < p->n; i++) {
            cz_note *n = &p->notes[i];
            if (!it || n->tick / c->tpb < it->start_bar ||
                n->tick / c->tpb >= it->start_bar + it->bars)
                it = item_at(c, n->tick);
            if (!it)
                continue;
            double f = 0.72 + 0.34 * it->energy;
            if (it->type == SEC_OUTRO && c->opt.outro_fade) {
                double s0 = (double)it->start_bar * c->tpb;
                double pos = (n->tick - s0) / ((double)it->bars * c->tpb);
                f *= 1.0 - 0.55 * (pos < 0 ? 0 : pos > 1 ? 1 : pos);
            }
            long v = lround(n->velocity * f);
            n->velocity = (uint8_t)(v < 1 ? 1 : v > 127 ? 127 : v);
        }
    }
}

/* Triangular noise in [-1, 1]: small nudges are likelier than large. */
static double tri(cz_rng *r)
{
    return cz_rng_unit(r) - cz_rng_unit(r);
}

/* Sort, then end each note before the next one of the same pitch starts
 * (two starting together: the louder stays). */
static void tidy(arr_part *p)
{
    int32_t last[128];
    for (int i = 0; i < 128; i++)
        last[i] = -1;
    arr_part_sort(p);
    for (uint32_t i = 0; i < p->n; i++) {
        cz_note *n = &p->notes[i];
        int32_t j = last[n->pitch];
        if (j >= 0) {
            cz_note *m = &p->notes[j];
            if (m->tick == n->tick) {
                n->len = 0; /* duplicate: the earlier (louder) one wins */
                continue;
            }
            if (m->tick + m->len > n->tick)
                m->len = n->tick - m->tick;
        }
        last[n->pitch] = (int32_t)i;
    }
    uint32_t w = 0;
    for (uint32_t i = 0; i < p->n; i++)
        if (p->notes[i].len)
            p->notes[w++] = p->notes[i];
    p->n = w;
}

void arr_humanize(arr_ctx *c)
{
    double ticks_per_ms = c->mat->bpm * c->ppq / 60000.0;
    double max_dt = c->opt.humanize_ms * ticks_per_ms;
    int hv = c->opt.humanize_velocity;
    for (uint32_t k = 0; k < c->n_parts; k++) {
        arr_part *p = &c->parts[k];
        char name[64];
        cz_rng r;
        snprintf(name, sizeof name, "arrangement.humanize.%u.%s", k,
                 cz_role_name(p->role));
        cz_rng_init(&r, c->seed, name);
        for (uint32_t i = 0; i < p->n; i++) {
            cz_note *n = &p->notes[i];
            double dt = max_dt > 0 ? tri(&r) * max_dt : 0;
            /* the kick and crash on a downbeat are the anchor: keep tight */
            if ((p->role == CZ_ROLE_DRUMS) && n->tick % c->tpb == 0)
                dt *= 0.5;
            int64_t t = (int64_t)n->tick + (int64_t)llround(dt);
            if (t < 0)
                t = 0;
            if (t >= (int64_t)c->total)
                t = (int64_t)c->total - 1;
            n->tick = (uint32_t)t;
            if (hv > 0) {
                int v = (int)n->velocity + (int)cz_rng_below(&r, 2u * hv + 1) - hv;
                n->velocity = (uint8_t)(v < 1 ? 1 : v > 127 ? 127 : v);
            }
        }
        /* keep every note inside the song */
        for (uint32_t i = 0; i < p->n; i++) {
            cz_note *n = &p->notes[i];
            if (n->tick >= c->total) {
                n->len = 0;
                continue;
            }
            if (n->len > c->total - n->tick)
                n->len = c->total - n->tick;
        }
        tidy(p);
    }
}

static int cmp_priority(const void *a, const void *b)
{
    const arr_part *const *x = a, *const *y = b;
    if ((*x)->priority != (*y)->priority)
        return (*x)->priority - (*y)->priority;
    return (*x < *y) ? -1 : (*x > *y);
}

cz_score *arr_build_score(arr_ctx *c, cz_error *err)
{
    const cz_score *m = c->mat;
    cz_score *out = cz_score_new(c->ppq);
    if (!out) {
        cz_err(err, CZ_ENOMEM, "arrangement.sections: out of memory");
        return NULL;
    }
    out->ppq = c->ppq;
    out->bpm = m->bpm;
    out->meter_num = m->meter_num;
    out->meter_den = m->meter_den;
    out->key_tonic = m->key_tonic;
    out->mode = m->mode;
    out->swing = c->swing;
    out->bars = c->bars;
    out->total_ticks = c->total;
    int rc = 0;
    for (uint32_t i = 0; i < c->n_items && !rc; i++) {
        const arr_item *it = &c->items[i];
        rc = cz_score_add_section(out, it->name, it->start_bar, it->bars,
                                  it->energy);
    }
    for (uint32_t i = 0; i < c->chords.n && !rc; i++)
        rc = cz_score_add_chord(out, &c->chords.v[i]);

    /* the track budget: keep the most essential non-empty parts */
    arr_part *order[ARR_MAX_PARTS + 4];
    uint32_t n = 0;
    for (uint32_t k = 0; k < c->n_parts; k++)
        if (c->parts[k].n)
            order[n++] = &c->parts[k];
    qsort(order, n, sizeof order[0], cmp_priority);
    uint32_t keep = n < (uint32_t)c->opt.max_tracks ? n : (uint32_t)c->opt.max_tracks;
    for (uint32_t k = 0; k < c->n_parts && !rc; k++) {
        arr_part *p = &c->parts[k];
        int kept = 0;
        for (uint32_t j = 0; j < keep; j++)
            kept |= order[j] == p;
        if (!kept) {
            if (p->n)
                cz_job_log(c->job, CZ_LOG_INFO, "track '%s' (%s) left out: "
                           "max_tracks is %d", p->name, cz_role_name(p->role),
                           c->opt.max_tracks);
            continue;
        }
        cz_track *t = cz_score_add_track(out, p->name, p->role, p->program,
                                         p->channel);
        if (!t) {
            rc = CZ_ENOMEM;
            break;
        }
        t->volume = p->volume;
        t->pan = p->pan;
        for (uint32_t i = 0; i < p->n && !rc; i++) {
            const cz_note *nt = &p->notes[i];
            rc = cz_track_add_note(t, nt->tick, nt->len, nt->pitch,
                                   nt->velocity, nt->flags);
        }
        cz_track_sort(t);
    }
    if (rc) {
        cz_score_unref(out);
        cz_err(err, rc, "arrangement.sections: building the output score "
               "failed (%s)", cz_strerror(rc));
        return NULL;
    }
    return out;
}

void arr_ctx_free(arr_ctx *c)
{
    if (!c)
        return;
    for (uint32_t k = 0; k < c->n_parts; k++)
        free(c->parts[k].notes);
    free(c->chords.v);
    free(c);
}
