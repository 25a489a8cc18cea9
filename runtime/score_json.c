/*
 * runtime/score_json.c - a score as JSON and back, exactly (checkpoints,
 * --save-bus). Loading validates every field: the input may be any file.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

json_t *cz_score_to_json(const cz_score *s)
{
    json_t *secs = json_array(), *chords = json_array(), *tracks = json_array();
    for (uint32_t i = 0; i < s->n_sections; i++) {
        const cz_section *x = &s->sections[i];
        json_array_append_new(secs, json_pack("{s:s,s:i,s:i,s:f}", "name", x->name, "start_bar",
                                              (int)x->start_bar, "bars", (int)x->bars, "energy", (double)x->energy));
    }
    for (uint32_t i = 0; i < s->n_chords; i++) {
        const cz_chord *c = &s->chords[i];
        json_array_append_new(chords, json_pack("{s:I,s:I,s:i,s:i,s:i,s:s,s:s}", "tick", (json_int_t)c->tick,
                                                "len", (json_int_t)c->len, "root", c->root, "bass", c->bass,
                                                "tones", c->tones, "symbol", c->symbol, "roman", c->roman));
    }
    for (uint32_t i = 0; i < s->n_tracks; i++) {
        const cz_track *t = &s->tracks[i];
        json_t *notes = json_array();
        for (uint32_t k = 0; k < t->n_notes; k++) {
            const cz_note *n = &t->notes[k];
            json_array_append_new(notes, json_pack("[I,I,i,i,i]", (json_int_t)n->tick, (json_int_t)n->len,
                                                   n->pitch, n->velocity, n->flags));
        }
        json_array_append_new(tracks, json_pack("{s:s,s:s,s:i,s:i,s:f,s:f,s:o}", "name", t->name, "role",
                                                cz_role_name(t->role), "program", t->program, "channel",
                                                t->channel, "volume", (double)t->volume, "pan", (double)t->pan,
                                                "notes", notes));
    }
    return json_pack("{s:i,s:I,s:f,s:[i,i],s:i,s:s,s:f,s:i,s:o,s:o,s:o}", "ppq", (int)s->ppq, "total_ticks",
                     (json_int_t)s->total_ticks, "bpm", s->bpm, "meter", s->meter_num, s->meter_den,
                     "key_tonic", s->key_tonic, "mode", cz_mode_name((cz_mode)s->mode), "swing",
                     (double)s->swing, "bars", (int)s->bars, "sections", secs, "chords", chords,
                     "tracks", tracks);
}

#define UINT_FIELD(obj, key, max, dst)                                          \
    do {                                                                        \
        uint64_t v_;                                                            \
        if (cz_json_uint(obj, key, max, &v_)) {                                     \
            cz_err(err, CZ_EINVAL, "score: '%s' missing or out of range", key); \
            goto fail;                                                          \
        }                                                                       \
        dst = v_;                                                               \
    } while (0)

cz_score *cz_score_from_json(const json_t *j, cz_error *err)
{
    cz_score *s = NULL;
    uint64_t ppq;
    if (cz_json_uint(j, "ppq", 65535, &ppq) || !ppq) {
        cz_err(err, CZ_EINVAL, "score: 'ppq' missing or out of range");
        return NULL;
    }
    s = cz_score_new((uint32_t)ppq);
    if (!s) {
        cz_err(err, CZ_ENOMEM, "out of memory");
        return NULL;
    }
    UINT_FIELD(j, "total_ticks", UINT32_MAX, s->total_ticks);
    UINT_FIELD(j, "key_tonic", 11, s->key_tonic);
    UINT_FIELD(j, "bars", UINT32_MAX, s->bars);
    json_t *meter = json_object_get(j, "meter");
    s->bpm = json_number_value(json_object_get(j, "bpm"));
    s->swing = (float)json_number_value(json_object_get(j, "swing"));
    int mode = cz_mode_parse(json_string_value(json_object_get(j, "mode")));
    if (!(s->bpm > 0 && s->bpm < 10000) || mode < 0 || json_array_size(meter) != 2 ||
        json_integer_value(json_array_get(meter, 0)) < 1 || json_integer_value(json_array_get(meter, 0)) > 64 ||
        json_integer_value(json_array_get(meter, 1)) < 1 || json_integer_value(json_array_get(meter, 1)) > 64) {
        cz_err(err, CZ_EINVAL, "score: bpm, mode or meter invalid");
        goto fail;
    }
    s->mode = (uint8_t)mode;
    s->meter_num = (uint8_t)json_integer_value(json_array_get(meter, 0));
    s->meter_den = (uint8_t)json_integer_value(json_array_get(meter, 1));
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(j, "sections"), i, x) {
        uint64_t sb, b;
        if (cz_json_uint(x, "start_bar", UINT32_MAX, &sb) || cz_json_uint(x, "bars", UINT32_MAX, &b) ||
            cz_score_add_section(s, json_string_value(json_object_get(x, "name")), (uint32_t)sb, (uint32_t)b,
                                 (float)json_number_value(json_object_get(x, "energy")))) {
            cz_err(err, CZ_EINVAL, "score: section %zu invalid", i);
            goto fail;
        }
    }
    json_array_foreach(json_object_get(j, "chords"), i, x) {
        cz_chord c = {0};
        uint64_t v;
        UINT_FIELD(x, "tick", UINT32_MAX, c.tick);
        UINT_FIELD(x, "len", UINT32_MAX, c.len);
        UINT_FIELD(x, "root", 11, c.root);
        UINT_FIELD(x, "bass", 11, c.bass);
        if (cz_json_uint(x, "tones", 0xfff, &v)) {
            cz_err(err, CZ_EINVAL, "score: chord %zu tones invalid", i);
            goto fail;
        }
        c.tones = (uint16_t)v;
        snprintf(c.symbol, sizeof c.symbol, "%s", json_string_value(json_object_get(x, "symbol")) ?: "");
        snprintf(c.roman, sizeof c.roman, "%s", json_string_value(json_object_get(x, "roman")) ?: "");
        if (cz_score_add_chord(s, &c)) {
            cz_err(err, CZ_EINVAL, "score: chord %zu invalid", i);
            goto fail;
        }
    }
    json_array_foreach(json_object_get(j, "tracks"), i, x) {
        uint64_t prog, ch;
        int role = cz_role_parse(json_string_value(json_object_get(x, "role")));
        cz_track *t = NULL;
        if (role < 0 || cz_json_uint(x, "program", 127, &prog) || cz_json_uint(x, "channel", 15, &ch) ||
            !(t = cz_score_add_track(s, json_string_value(json_object_get(x, "name")), (cz_role)role,
                                     (uint8_t)prog, (uint8_t)ch))) {
            cz_err(err, CZ_EINVAL, "score: track %zu invalid", i);
            goto fail;
        }
        t->volume = (float)json_number_value(json_object_get(x, "volume"));
        t->pan = (float)json_number_value(json_object_get(x, "pan"));
        size_t k;
        json_t *n;
        json_array_foreach(json_object_get(x, "notes"), k, n) {
            json_int_t f[5];
            if (json_unpack(n, "[IIIII!]", &f[0], &f[1], &f[2], &f[3], &f[4]) || f[0] < 0 ||
                f[0] > UINT32_MAX || f[1] < 0 || f[1] > UINT32_MAX || f[2] < 0 || f[3] < 0 ||
                f[4] < 0 || f[4] > 255 ||
                cz_track_add_note(t, (uint32_t)f[0], (uint32_t)f[1], (uint8_t)(f[2] > 255 ? 255 : f[2]),
                                  (uint8_t)(f[3] > 255 ? 255 : f[3]), (uint8_t)f[4])) {
                cz_err(err, CZ_EINVAL, "score: track %zu note %zu invalid", i, k);
                goto fail;
            }
        }
    }
    return s;
fail:
    cz_score_unref(s);
    return NULL;
}

