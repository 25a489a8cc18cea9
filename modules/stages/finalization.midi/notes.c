/*
 * notes.c - note-on/off events for every track, ready to write.
 *
 * MIDI has no notes, only key presses and releases per (channel, pitch):
 * two overlapping notes of one pitch on one channel become on, on, off,
 * off, and the first off silences the second note. So before writing, the
 * notes of each (channel, pitch) - across all tracks sharing the channel,
 * since a synthesizer cannot tell tracks apart - are put in time order and
 * each note ends no later than the next one starts ("truncate the
 * earlier"). Two notes starting together are one key press: the longer is
 * kept. Within a track, events at one tick are written offs first, so a
 * re-struck note is released and then pressed again, never the reverse.
 *
 * Orders are total (ties broken by track and note index), so qsort, which
 * is not stable, still gives the same bytes every run.
 */
#include <stdlib.h>

#include "midi_internal.h"

typedef struct note_rec {
    uint32_t tick, end;
    uint32_t track, idx;
    uint8_t chan, pitch, vel, keep;
} note_rec;

static int cmp_u32(uint32_t a, uint32_t b)
{
    return (a > b) - (a < b);
}

/* (channel, pitch, start, longest first, track, index) */
static int cmp_chain(const void *pa, const void *pb)
{
    const note_rec *a = pa, *b = pb;
    int c;
    if ((c = cmp_u32(a->chan, b->chan)) || (c = cmp_u32(a->pitch, b->pitch)) ||
        (c = cmp_u32(a->tick, b->tick)) || (c = cmp_u32(b->end, a->end)) ||
        (c = cmp_u32(a->track, b->track)))
        return c;
    return cmp_u32(a->idx, b->idx);
}

/* (tick, offs before ons, pitch, velocity) */
static int cmp_event(const void *pa, const void *pb)
{
    const midi_event *a = pa, *b = pb;
    int c;
    if ((c = cmp_u32(a->tick, b->tick)) || (c = cmp_u32(a->on, b->on)) ||
        (c = cmp_u32(a->pitch, b->pitch)))
        return c;
    return cmp_u32(a->velocity, b->velocity);
}

void midi_events_free(midi_events *e)
{
    free(e->ev);
    free(e->first);
    e->ev = NULL;
    e->first = NULL;
}

static int collect(const cz_score *s, const uint8_t *chan, note_rec *r,
                   cz_error *err)
{
    size_t k = 0;
    for (uint32_t i = 0; i < s->n_tracks; i++) {
        const cz_track *t = &s->tracks[i];
        for (uint32_t j = 0; j < t->n_notes; j++) {
            const cz_note *n = &t->notes[j];
            if (n->len == 0 || n->pitch > 127 || n->velocity == 0 ||
                n->velocity > 127)
                return cz_err(err, CZ_EINVAL,
                              "finalization.midi: track %u \"%.32s\" note %u "
                              "(tick %u) is invalid: length %u, pitch %u, "
                              "velocity %u (need length > 0, pitch 0..127, "
                              "velocity 1..127)", i, t->name, j, n->tick,
                              n->len, n->pitch, n->velocity);
            if (n->tick > SMF_MAX_VLQ || n->len > SMF_MAX_VLQ - n->tick)
                return cz_err(err, CZ_EINVAL,
                              "finalization.midi: track %u \"%.32s\" note %u "
                              "ends at tick %llu, past the %u a MIDI file "
                              "can address", i, t->name, j,
                              (unsigned long long)n->tick + n->len,
                              SMF_MAX_VLQ);
            r[k++] = (note_rec){.tick = n->tick, .end = n->tick + n->len,
                                .track = i, .idx = j, .chan = chan[i],
                                .pitch = n->pitch, .vel = n->velocity,
                                .keep = 1};
        }
    }
    return 0;
}

/* Walk each (channel, pitch) chain in time order; see the top comment. */
static void resolve(note_rec *r, size_t n, midi_events *out)
{
    note_rec *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        note_rec *c = &r[i];
        if (prev && (prev->chan != c->chan || prev->pitch != c->pitch))
            prev = NULL;
        if (prev && c->tick == prev->tick) {
            c->keep = 0;
            out->dropped++;
            continue;
        }
        if (prev && c->tick < prev->end) {
            prev->end = c->tick;
            out->truncated++;
        }
        prev = c;
    }
}

int midi_build_events(const cz_score *s, const uint8_t *chan, midi_events *out,
                      cz_error *err)
{
    *out = (midi_events){.n_tracks = s->n_tracks};
    size_t total = 0;
    for (uint32_t i = 0; i < s->n_tracks; i++)
        total += s->tracks[i].n_notes;

    note_rec *r = malloc((total ? total : 1) * sizeof *r);
    out->first = calloc((size_t)s->n_tracks + 1, sizeof *out->first);
    out->ev = malloc((total ? total : 1) * 2 * sizeof *out->ev);
    if (!r || !out->first || !out->ev) {
        free(r);
        midi_events_free(out);
        return cz_err(err, CZ_ENOMEM,
                      "finalization.midi: out of memory for %zu notes", total);
    }
    int rc = collect(s, chan, r, err);
    if (rc) {
        free(r);
        midi_events_free(out);
        return rc;
    }
    qsort(r, total, sizeof *r, cmp_chain);
    resolve(r, total, out);

    /* Two events per kept note, placed in their track's slice. */
    for (size_t k = 0; k < total; k++)
        if (r[k].keep)
            out->first[r[k].track + 1] += 2;
    for (uint32_t i = 0; i < s->n_tracks; i++)
        out->first[i + 1] += out->first[i];
    size_t *fill = calloc((size_t)s->n_tracks + 1, sizeof *fill);
    if (!fill) {
        free(r);
        midi_events_free(out);
        return cz_err(err, CZ_ENOMEM, "finalization.midi: out of memory");
    }
    for (size_t k = 0; k < total; k++) {
        const note_rec *n = &r[k];
        if (!n->keep)
            continue;
        midi_event *e = &out->ev[out->first[n->track] + fill[n->track]];
        fill[n->track] += 2;
        e[0] = (midi_event){.tick = n->tick, .on = 1, .pitch = n->pitch,
                            .velocity = n->vel};
        e[1] = (midi_event){.tick = n->end, .on = 0, .pitch = n->pitch,
                            .velocity = 64};
    }
    free(fill);
    free(r);
    for (uint32_t i = 0; i < s->n_tracks; i++)
        qsort(out->ev + out->first[i], out->first[i + 1] - out->first[i],
              sizeof *out->ev, cmp_event);
    return 0;
}
