/*
 * spec.c - read ideation.spec (docs/bus-keys.md) into a cmp_spec.
 *
 * Every field has a fallback so a half-written spec still gives a song:
 * a missing or malformed field logs one warning naming the field and the
 * value used instead. Only a spec that is not a JSON object is an error.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cmp.h"

#define WARN(job, ...) cz_job_log((job), CZ_LOG_WARN, __VA_ARGS__)

/* Pitch class of a note name ("C", "F#", "Bb", "eb"); -1 if not one.
 * *flats is set when the name is spelled with a flat, cleared with a sharp. */
static int parse_note(const char *s, int *flats)
{
    static const int BASE[7] = {9, 11, 0, 2, 4, 5, 7}; /* A..G */
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    int c = toupper((unsigned char)*s);
    if (c < 'A' || c > 'G')
        return -1;
    int pc = BASE[c - 'A'];
    s++;
    if (*s == '#' || strncmp(s, "\xe2\x99\xaf", 3) == 0) {
        *flats = 0;
        return cmp_pc(pc + 1);
    }
    if (*s == 'b' || strncmp(s, "\xe2\x99\xad", 3) == 0) {
        *flats = 1;
        return cmp_pc(pc - 1);
    }
    return pc;
}

/* Flats or sharps from the key signature of the mode's parent major. */
static int signature_flats(int tonic, cz_mode mode)
{
    static const int PARENT[9] = {0, 2, 4, 5, 7, 9, 11, 9, 9};
    int rel = cmp_pc(tonic - PARENT[(unsigned)mode < 9 ? mode : 0]);
    return rel == 5 || rel == 10 || rel == 3 || rel == 8 || rel == 1;
}

/* General MIDI channel for the i-th instrument: in order, never 9. */
static uint8_t channel_for(int i)
{
    int c = i % 15;
    return (uint8_t)(c >= 9 ? c + 1 : c);
}

static void set_instr(cmp_instr *in, const char *name, int program, int index)
{
    in->present = 1;
    in->program = (uint8_t)program;
    in->channel = channel_for(index);
    snprintf(in->name, sizeof in->name, "%s", name);
}

static void read_instruments(cz_job *job, const json_t *arr, cmp_spec *o)
{
    static const int DEF_PROGRAM[CZ_ROLE_COUNT] = {
        [CZ_ROLE_LEAD] = 80, [CZ_ROLE_BASS] = 33, [CZ_ROLE_CHORDS] = 0};
    if (!arr) {
        WARN(job, "ideation.spec has no \"instruments\"; using lead, bass and "
                  "chords (piano)");
        set_instr(&o->lead, "lead", 80, 0);
        set_instr(&o->bass, "bass", 33, 1);
        set_instr(&o->chords, "piano", 0, 2);
        return;
    }
    if (!json_is_array(arr)) {
        WARN(job, "ideation.spec \"instruments\" is not an array; writing no "
                  "tracks, only the harmony");
        return;
    }
    size_t i;
    const json_t *it;
    json_array_foreach(arr, i, it) {
        const char *role_s = json_string_value(json_object_get(it, "role"));
        int role = role_s ? cz_role_parse(role_s) : -1;
        if (!json_is_object(it) || role < 0) {
            WARN(job, "ideation.spec instruments[%zu] has no known \"role\"; "
                      "skipped", i);
            continue;
        }
        cmp_instr *slot = role == CZ_ROLE_LEAD     ? &o->lead
                          : role == CZ_ROLE_BASS   ? &o->bass
                          : role == CZ_ROLE_CHORDS ? &o->chords
                                                   : NULL;
        if (!slot || slot->present)
            continue; /* other roles are arrangement's; one track per role */
        const json_t *pj = json_object_get(it, "program");
        int prog = DEF_PROGRAM[role];
        if (json_is_integer(pj) && json_integer_value(pj) >= 0 &&
            json_integer_value(pj) <= 127)
            prog = (int)json_integer_value(pj);
        else
            WARN(job, "ideation.spec instruments[%zu] (%s) has no valid "
                      "\"program\" 0..127; using %d", i, role_s, prog);
        const char *name = json_string_value(json_object_get(it, "name"));
        set_instr(slot, name && *name ? name : role_s, prog, (int)i);
    }
}

static void add_section(cmp_spec *o, const char *name)
{
    char n[24];
    snprintf(n, sizeof n, "%s", name);
    for (int i = 0; i < o->n_sections; i++)
        if (strcmp(o->sec[i].name, n) == 0)
            return;
    if (o->n_sections >= CMP_MAX_SECTIONS)
        return;
    memcpy(o->sec[o->n_sections].name, n, sizeof n);
    o->sec[o->n_sections].kind = cmp_kind_from_name(n);
    o->n_sections++;
}

static void default_form(cmp_spec *o)
{
    static const char *const POP[] = {"intro", "verse", "prechorus", "chorus",
                                      "bridge", "outro", NULL};
    static const char *const EDM[] = {"intro", "build", "drop", "breakdown",
                                      "outro", NULL};
    static const char *const BLUES[] = {"intro", "verse", "solo", "outro", NULL};
    const char *id = o->style->id;
    const char *const *f = POP;
    if (!strcmp(id, "house") || !strcmp(id, "techno") || !strcmp(id, "trance") ||
        !strcmp(id, "dubstep") || !strcmp(id, "edm"))
        f = EDM;
    else if (!strcmp(id, "blues") || !strcmp(id, "jazz"))
        f = BLUES;
    for (; *f; f++)
        add_section(o, *f);
}

static void read_form(cz_job *job, const json_t *form, cmp_spec *o)
{
    size_t i;
    const json_t *it;
    int dropped = 0;
    if (json_is_array(form)) {
        json_array_foreach(form, i, it) {
            const char *n = json_string_value(it);
            if (!n || !*n) {
                WARN(job, "ideation.spec form[%zu] is not a section name; "
                          "skipped", i);
                continue;
            }
            if (strlen(n) >= sizeof o->sec[0].name)
                WARN(job, "ideation.spec form[%zu] \"%s\" is longer than %zu "
                          "characters; truncated", i, n,
                     sizeof o->sec[0].name - 1);
            int before = o->n_sections;
            add_section(o, n);
            if (o->n_sections == before && before == CMP_MAX_SECTIONS)
                dropped++;
        }
        if (dropped)
            WARN(job, "ideation.spec form has more than %d distinct sections; "
                      "%d names ignored", CMP_MAX_SECTIONS, dropped);
    }
    if (o->n_sections == 0) {
        WARN(job, "ideation.spec has no usable \"form\"; using the %s default",
             o->style->id);
        default_form(o);
    }
}

static void read_key(cz_job *job, const json_t *j, cmp_spec *o)
{
    const json_t *tp = json_object_get(j, "tonic_pc");
    const char *key = json_string_value(json_object_get(j, "key"));
    int flats = -1, pc = -1;
    int from_name = parse_note(key, &flats);
    if (json_is_integer(tp) && json_integer_value(tp) >= 0 &&
        json_integer_value(tp) <= 11)
        pc = (int)json_integer_value(tp);
    else if (from_name >= 0)
        pc = from_name;
    if (pc < 0) {
        pc = o->style->minor ? 9 : 0;
        WARN(job, "ideation.spec has no valid \"tonic_pc\" or \"key\"; using %s",
             cmp_pc_name(pc, 0));
    }
    o->tonic = pc;

    const char *mode = json_string_value(json_object_get(j, "mode"));
    int m = mode ? cz_mode_parse(mode) : -1;
    if (m < 0) {
        m = o->style->minor ? CZ_MODE_AEOLIAN : CZ_MODE_IONIAN;
        WARN(job, "ideation.spec has no valid \"mode\"%s%s%s; using %s",
             mode ? " (\"" : "", mode ? mode : "", mode ? "\")" : "",
             cz_mode_name((cz_mode)m));
    }
    o->mode = (cz_mode)m;
    /* A spelled key decides when it names this pitch class. */
    if (from_name == pc && flats >= 0)
        o->flats = flats;
    else
        o->flats = signature_flats(pc, o->mode);
}

static int valid_meter(int num, int den)
{
    return num >= 1 && num <= 16 && (den == 2 || den == 4 || den == 8 || den == 16) &&
           num * 16 / den >= 2 && num * 16 / den <= 64;
}

static void read_meter(cz_job *job, const json_t *j, cmp_spec *o)
{
    const json_t *nj = json_object_get(j, "meter_num");
    const json_t *dj = json_object_get(j, "meter_den");
    const char *ms = json_string_value(json_object_get(j, "meter"));
    int num = 0, den = 0;
    if (json_is_integer(nj) && json_is_integer(dj)) {
        num = (int)json_integer_value(nj);
        den = (int)json_integer_value(dj);
    } else if (ms && sscanf(ms, "%d/%d", &num, &den) != 2) {
        num = den = 0;
    }
    if (!valid_meter(num, den)) {
        WARN(job, "ideation.spec has no valid meter (meter_num/meter_den or "
                  "\"meter\"; supported: 1..16 over 2, 4, 8 or 16); using 4/4");
        num = den = 4;
    }
    o->num = num;
    o->den = den;
}

static double read_number(cz_job *job, const json_t *j, const char *field,
                          double lo, double hi, double def, int warn_missing)
{
    const json_t *v = json_object_get(j, field);
    if (json_is_number(v)) {
        double x = json_number_value(v);
        if (x >= lo && x <= hi)
            return x;
        WARN(job, "ideation.spec \"%s\" = %g is outside %g..%g; using %g", field,
             x, lo, hi, def);
        return def;
    }
    if (v && !json_is_null(v))
        WARN(job, "ideation.spec \"%s\" is not a number; using %g", field, def);
    else if (warn_missing)
        WARN(job, "ideation.spec has no \"%s\"; using %g", field, def);
    return def;
}

int cmp_spec_read(cz_job *job, const json_t *j, cmp_spec *o, cz_error *err)
{
    memset(o, 0, sizeof *o);
    if (!json_is_object(j))
        return cz_err(err, CZ_EINVAL,
                      "%s: ideation.spec must be a JSON object (see "
                      "docs/bus-keys.md), got a JSON %s", CMP_NAME,
                      json_is_array(j) ? "array" : json_is_string(j) ? "string"
                                                                      : "scalar");

    const char *sub = json_string_value(json_object_get(j, "subgenre"));
    const char *genre = json_string_value(json_object_get(j, "genre"));
    o->style = cmp_style_find(sub, 1);
    if (!o->style)
        o->style = cmp_style_find(genre, 1);
    if (!o->style)
        o->style = cmp_style_find(sub, 0);
    if (!o->style)
        o->style = cmp_style_find(genre, 0);
    if (!o->style) {
        o->style = cmp_style_default();
        if (genre)
            cz_job_log(job, CZ_LOG_INFO, "no composition style for genre "
                       "\"%s\"; writing it as pop", genre);
        else
            WARN(job, "ideation.spec has no \"genre\"; writing pop");
    }

    read_key(job, j, o);
    read_meter(job, j, o);
    o->bpm = read_number(job, j, "tempo_bpm", 40, 220, o->style->tempo, 1);
    o->swing = read_number(job, j, "swing", 0, 1, o->style->swing, 0);
    o->energy = read_number(job, j, "energy", 0, 1, 0.6, 0);
    read_instruments(job, json_object_get(j, "instruments"), o);
    read_form(job, json_object_get(j, "form"), o);
    return 0;
}
