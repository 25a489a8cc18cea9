/*
 * runtime/score.c - the host side of score.h: scores, tracks, notes.
 *
 * The music data model is the SDK's, not the kernel's (the kernel knows
 * nothing about music); its functions live in the host binary so that one
 * allocator and one refcount discipline own every score on the bus: a
 * score made by one module and freed after another was unloaded must not
 * depend on code in either.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime.h"

/* ---- score --------------------------------------------------------------- */

cz_score *cz_score_new(uint32_t ppq)
{
    cz_score *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ppq = ppq ? ppq : CZ_PPQ_DEFAULT;
    s->bpm = 120.0;
    s->meter_num = 4;
    s->meter_den = 4;
    s->mode = CZ_MODE_MAJOR;
    s->refs = 1;
    return s;
}


cz_score *cz_score_clone(const cz_score *src)
{
    cz_score *s = cz_score_new(src->ppq);
    if (!s)
        return NULL;
    cz_score keep = *s;
    *s = *src;
    s->refs = keep.refs;
    s->sections = NULL;
    s->chords = NULL;
    s->tracks = NULL;
    s->cap_sections = s->cap_chords = s->cap_tracks = 0;
    s->n_sections = s->n_chords = s->n_tracks = 0;
    if (cz_grow((void **)&s->sections, &s->cap_sections, src->n_sections, sizeof *s->sections) ||
        cz_grow((void **)&s->chords, &s->cap_chords, src->n_chords, sizeof *s->chords) ||
        cz_grow((void **)&s->tracks, &s->cap_tracks, src->n_tracks, sizeof *s->tracks))
        goto fail;
    if (src->n_sections)
        memcpy(s->sections, src->sections, src->n_sections * sizeof *s->sections);
    if (src->n_chords)
        memcpy(s->chords, src->chords, src->n_chords * sizeof *s->chords);
    s->n_sections = src->n_sections;
    s->n_chords = src->n_chords;
    for (uint32_t i = 0; i < src->n_tracks; i++) {
        cz_track *t = &s->tracks[i];
        *t = src->tracks[i];
        t->notes = NULL;
        t->cap_notes = t->n_notes = 0;
        s->n_tracks = i + 1;
        if (cz_grow((void **)&t->notes, &t->cap_notes, src->tracks[i].n_notes, sizeof *t->notes))
            goto fail;
        if (src->tracks[i].n_notes)
            memcpy(t->notes, src->tracks[i].notes, src->tracks[i].n_notes * sizeof *t->notes);
        t->n_notes = src->tracks[i].n_notes;
    }
    return s;
fail:
    cz_score_unref(s);
    return NULL;
}

void cz_score_ref(const cz_score *s)
{
    if (s)
        __atomic_add_fetch(&((cz_score *)s)->refs, 1, __ATOMIC_RELAXED);
}

void cz_score_unref(const cz_score *cs)
{
    cz_score *s = (cz_score *)cs;
    if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    for (uint32_t i = 0; i < s->n_tracks; i++)
        free(s->tracks[i].notes);
    free(s->tracks);
    free(s->chords);
    free(s->sections);
    free(s);
}

int cz_score_add_section(cz_score *s, const char *name, uint32_t start_bar,
                         uint32_t bars, float energy)
{
    if (!s || !name || !*name || !bars)
        return CZ_EINVAL;
    if (cz_grow((void **)&s->sections, &s->cap_sections, s->n_sections + 1, sizeof *s->sections))
        return CZ_ENOMEM;
    cz_section *x = &s->sections[s->n_sections++];
    memset(x, 0, sizeof *x);
    cz_copy_name(x->name, sizeof x->name, name);
    x->start_bar = start_bar;
    x->bars = bars;
    x->energy = energy;
    return 0;
}

int cz_score_add_chord(cz_score *s, const cz_chord *c)
{
    if (!s || !c || !c->len)
        return CZ_EINVAL;
    if (cz_grow((void **)&s->chords, &s->cap_chords, s->n_chords + 1, sizeof *s->chords))
        return CZ_ENOMEM;
    s->chords[s->n_chords++] = *c;
    return 0;
}

cz_track *cz_score_add_track(cz_score *s, const char *name, cz_role role,
                             uint8_t program, uint8_t channel)
{
    if (!s || channel > 15 || program > 127 || (unsigned)role >= CZ_ROLE_COUNT)
        return NULL;
    if (cz_grow((void **)&s->tracks, &s->cap_tracks, s->n_tracks + 1, sizeof *s->tracks))
        return NULL;
    cz_track *t = &s->tracks[s->n_tracks++];
    memset(t, 0, sizeof *t);
    cz_copy_name(t->name, sizeof t->name, name && *name ? name : cz_role_name(role));
    t->role = role;
    t->program = program;
    t->channel = channel;
    t->volume = 0.8f;
    return t;
}

void cz_score_filter_tracks(cz_score *s, int (*keep)(const cz_track *, void *),
                            void *user)
{
    uint32_t w = 0;
    for (uint32_t r = 0; r < s->n_tracks; r++) {
        if (keep(&s->tracks[r], user))
            s->tracks[w++] = s->tracks[r];
        else
            free(s->tracks[r].notes);
    }
    s->n_tracks = w;
}

int cz_track_add_note(cz_track *t, uint32_t tick, uint32_t len, uint8_t pitch,
                      uint8_t velocity, uint8_t flags)
{
    if (!t || !len || pitch > 127 || !velocity || velocity > 127)
        return CZ_EINVAL;
    if (cz_grow((void **)&t->notes, &t->cap_notes, t->n_notes + 1, sizeof *t->notes))
        return CZ_ENOMEM;
    t->notes[t->n_notes++] = (cz_note){tick, len, pitch, velocity, flags, 0};
    return 0;
}

static int note_cmp(const void *a, const void *b)
{
    const cz_note *x = a, *y = b;
    if (x->tick != y->tick)
        return x->tick < y->tick ? -1 : 1;
    if (x->pitch != y->pitch)
        return x->pitch < y->pitch ? -1 : 1;
    return x->len < y->len ? -1 : x->len > y->len;
}

void cz_track_sort(cz_track *t)
{
    if (t && t->n_notes > 1)
        qsort(t->notes, t->n_notes, sizeof *t->notes, note_cmp);
}

const cz_chord *cz_score_chord_at(const cz_score *s, uint32_t tick)
{
    uint32_t lo = 0, hi = s ? s->n_chords : 0;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        const cz_chord *c = &s->chords[mid];
        if (tick < c->tick)
            hi = mid;
        else if (tick >= c->tick + c->len)
            lo = mid + 1;
        else
            return c;
    }
    return NULL;
}

const cz_section *cz_score_section_at(const cz_score *s, uint32_t bar)
{
    for (uint32_t i = 0; s && i < s->n_sections; i++)
        if (bar >= s->sections[i].start_bar &&
            bar < s->sections[i].start_bar + s->sections[i].bars)
            return &s->sections[i];
    return NULL;
}

static const char *const mode_names[] = {
    "ionian", "dorian", "phrygian", "lydian", "mixolydian",
    "aeolian", "locrian", "harmonic_minor", "melodic_minor"};
static const char *const role_names[CZ_ROLE_COUNT] = {
    "other", "drums", "perc", "bass", "chords", "pad", "lead", "counter", "arp", "fx"};

const char *cz_mode_name(cz_mode m)
{
    if (m == CZ_MODE_MAJOR)
        return "major";
    if (m == CZ_MODE_MINOR)
        return "minor";
    return (unsigned)m < 9 ? mode_names[m] : "major";
}

const char *cz_role_name(cz_role r)
{
    return (unsigned)r < CZ_ROLE_COUNT ? role_names[r] : "other";
}

int cz_mode_parse(const char *name)
{
    if (!name)
        return -1;
    if (!strcasecmp(name, "major"))
        return CZ_MODE_MAJOR;
    if (!strcasecmp(name, "minor") || !strcasecmp(name, "natural_minor"))
        return CZ_MODE_MINOR;
    for (int i = 0; i < 9; i++)
        if (!strcasecmp(name, mode_names[i]))
            return i;
    return -1;
}

int cz_role_parse(const char *name)
{
    for (int i = 0; name && i < CZ_ROLE_COUNT; i++)
        if (!strcasecmp(name, role_names[i]))
            return i;
    return -1;
}

