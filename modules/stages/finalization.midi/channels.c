/*
 * channels.c - which MIDI channel each score track plays on.
 *
 * General MIDI plays channel 10 (index 9) as the drum kit, whatever the
 * program. So drums and percussion always go there, and a pitched track
 * that claims channel 9 would sound as random drum hits: it is moved to
 * the lowest channel no other track uses. Everything else keeps the
 * channel the arranger gave it.
 */
#include "midi_internal.h"

static int is_kit(const cz_track *t)
{
    return t->role == CZ_ROLE_DRUMS || t->role == CZ_ROLE_PERC;
}

int midi_assign_channels(const cz_score *s, uint8_t *chan, cz_error *err)
{
    uint32_t used = 1u << CZ_DRUM_CHANNEL; /* never handed to a pitched track */
    for (uint32_t i = 0; i < s->n_tracks; i++) {
        const cz_track *t = &s->tracks[i];
        if (t->channel > 15)
            return cz_err(err, CZ_EINVAL,
                          "finalization.midi: track %u \"%.32s\" has channel "
                          "%u (MIDI channels are 0..15)", i, t->name,
                          t->channel);
        chan[i] = is_kit(t) ? (uint8_t)CZ_DRUM_CHANNEL : t->channel;
        used |= 1u << chan[i];
    }
    for (uint32_t i = 0; i < s->n_tracks; i++) {
        if (chan[i] != CZ_DRUM_CHANNEL || is_kit(&s->tracks[i]))
            continue;
        uint8_t c = 0;
        while (c < 16 && (used >> c) & 1u)
            c++;
        if (c == 16)
            return cz_err(err, CZ_EINVAL,
                          "finalization.midi: track %u \"%.32s\" (%s) is on "
                          "the drum channel 10 and no other channel is free",
                          i, s->tracks[i].name,
                          cz_role_name(s->tracks[i].role));
        chan[i] = c;
        used |= 1u << c;
    }
    return 0;
}
