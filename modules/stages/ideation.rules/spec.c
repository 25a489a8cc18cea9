/*
 * spec.c - step 4: the ideation.spec object, exactly as docs/bus-keys.md
 * shapes it. Numbers that are whole are written as JSON integers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ideation.h"

static json_t *num_json(double v)
{
    double r = (double)(long long)v;
    return r == v ? json_integer((json_int_t)v) : json_real(v);
}

static json_t *str_json(const char *s)
{
    json_t *j = json_string(s);
    if (!j) {
        char *c = id_utf8_clean(s, strlen(s));
        j = json_string(c ? c : "");
        free(c);
    }
    return j;
}

static id_src band_source(const id_facts *f)
{
    if (f->n_req || f->req_roles || f->n_excl)
        return ID_SRC_PROMPT;
    return f->band_src ? f->band_src : ID_SRC_DEFAULT;
}

json_t *id_spec_build(const id_facts *f, const char *prompt_clean)
{
    json_t *s = json_object();
    if (!s)
        return NULL;
    char meter[16];
    snprintf(meter, sizeof meter, "%d/%d", f->meter_num, f->meter_den);

    json_object_set_new(s, "prompt", str_json(prompt_clean ? prompt_clean : ""));
    json_object_set_new(s, "title", str_json(f->title));
    json_object_set_new(s, "caption", str_json(f->caption));
    json_object_set_new(s, "genre", json_string(id_genres[f->genre].id));
    json_object_set_new(s, "subgenre", f->subgenre[0] ? str_json(f->subgenre) : json_null());
    json_t *mood = json_array();
    for (int k = 0; k < f->n_moods; k++)
        json_array_append_new(mood, json_string(id_moods[f->moods[k]].id));
    json_object_set_new(s, "mood", mood);
    json_object_set_new(s, "energy", json_real(floor(f->energy * 100 + 0.5) / 100));
    json_object_set_new(s, "tempo_bpm", num_json(f->tempo));
    json_object_set_new(s, "key", json_string(f->key));
    json_object_set_new(s, "tonic_pc", json_integer(f->tonic));
    json_object_set_new(s, "mode", json_string(id_mode_name(f->mode)));
    json_object_set_new(s, "meter", json_string(meter));
    json_object_set_new(s, "meter_num", json_integer(f->meter_num));
    json_object_set_new(s, "meter_den", json_integer(f->meter_den));
    json_object_set_new(s, "duration_s", num_json(floor(f->duration + 0.5)));
    json_object_set_new(s, "swing", json_real(f->swing));
    json_t *inst = json_array();
    for (int k = 0; k < f->n_band; k++) {
        json_t *m = json_object();
        json_object_set_new(m, "name", str_json(f->band[k].name));
        json_object_set_new(m, "role", json_string(id_role_name(f->band[k].role)));
        json_object_set_new(m, "program", json_integer(f->band[k].program));
        json_array_append_new(inst, m);
    }
    json_object_set_new(s, "instruments", inst);
    json_t *ex = json_array();
    for (int k = 0; k < f->n_excl; k++)
        json_array_append_new(ex, str_json(f->excl[k].text));
    json_object_set_new(s, "exclude", ex);
    json_object_set_new(s, "use", f->use >= 0 ? json_string(id_uses[f->use].id) : json_null());
    json_t *form = json_array();
    for (int k = 0; k < f->n_form; k++)
        json_array_append_new(form, json_string(f->form[k]));
    json_object_set_new(s, "form", form);

    json_t *src = json_object();
    id_src excl_src = ID_SRC_DEFAULT;
    for (int k = 0; k < f->n_excl; k++)
        if (f->excl[k].src > excl_src)
            excl_src = f->excl[k].src;
    struct { const char *k; id_src v; } fields[] = {
        {"title", f->title_src},       {"genre", f->genre_src},
        {"subgenre", f->subgenre_src}, {"mood", f->mood_src},
        {"energy", f->energy_src},     {"tempo_bpm", f->tempo_src},
        {"key", f->key_src},           {"mode", f->mode_src},
        {"meter", f->meter_src},       {"duration_s", f->duration_src},
        {"swing", f->swing_src},       {"instruments", band_source(f)},
        {"exclude", excl_src},         {"use", f->use_src},
        {"form", f->form_src},
    };
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
        json_object_set_new(src, fields[k].k, json_string(id_src_name(fields[k].v)));
    json_object_set_new(s, "sources", src);
    return s;
}
