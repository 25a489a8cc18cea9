/*
 * summary.c - what song.json says about the score.
 */
#include <stdio.h>
#include <stdlib.h>

#include "files.h"

/* A float field (energy 0.7f) as the decimal it was meant to be. */
static double dec3(double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.3f", v);
    return strtod(buf, NULL);
}

const char *fz_pitch_name(unsigned pc)
{
    static const char *const names[12] = {"C", "C#", "D", "D#", "E", "F",
                                          "F#", "G", "G#", "A", "A#", "B"};
    return names[pc % 12];
}

json_t *fz_score_summary(const cz_score *s, const char *key_name)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    double secs = s->bpm > 0 && s->ppq ? (double)s->total_ticks * 60.0 / (s->bpm * s->ppq) : 0;
    char meter[16];
    snprintf(meter, sizeof meter, "%u/%u", s->meter_num, s->meter_den);
    json_object_set_new(o, "tempo_bpm", json_real(s->bpm));
    json_object_set_new(o, "key", json_string(key_name ? key_name : fz_pitch_name(s->key_tonic)));
    json_object_set_new(o, "mode", json_string(cz_mode_name((cz_mode)s->mode)));
    json_object_set_new(o, "meter", json_string(meter));
    json_object_set_new(o, "swing", json_real(dec3(s->swing)));
    json_object_set_new(o, "bars", json_integer(s->bars));
    json_object_set_new(o, "ppq", json_integer(s->ppq));
    json_object_set_new(o, "duration_s", json_real(dec3(secs)));
    json_object_set_new(o, "chords", json_integer(s->n_chords));
    json_t *secs_a = json_array(), *tracks = json_array();
    for (uint32_t i = 0; i < s->n_sections; i++) {
        const cz_section *c = &s->sections[i];
        json_array_append_new(secs_a, json_pack("{s:s, s:I, s:I, s:f}", "name", c->name,
                                                "start_bar", (json_int_t)c->start_bar, "bars",
                                                (json_int_t)c->bars, "energy", dec3(c->energy)));
    }
    uint64_t notes = 0;
    for (uint32_t i = 0; i < s->n_tracks; i++) {
        const cz_track *t = &s->tracks[i];
        notes += t->n_notes;
        json_array_append_new(tracks, json_pack("{s:s, s:s, s:I, s:I, s:I}", "name", t->name,
                                                "role", cz_role_name(t->role), "program",
                                                (json_int_t)t->program, "channel",
                                                (json_int_t)t->channel, "notes",
                                                (json_int_t)t->n_notes));
    }
    json_object_set_new(o, "sections", secs_a);
    json_object_set_new(o, "tracks", tracks);
    json_object_set_new(o, "notes", json_integer((json_int_t)notes));
    return o;
}
