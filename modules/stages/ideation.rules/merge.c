/*
 * merge.c - step 2, the enrichment seam: fields a model proposes.
 *
 * llm.c asks a language model (through the job's router) to enrich the
 * spec and hands the reply's JSON object to id_merge_model(); the
 * `model_proposal` option feeds one in instead (to replay a model's answer
 * offline, or to test this code without a server). Every field is
 * validated on its own; a wrong type or an out-of-range value is dropped
 * with a trace step that says why. Precedence: prompt wins over model wins
 * over rules, so a field the prompt stated keeps the prompt's value (also
 * traced), and whatever the model sets here, the rules will not touch.
 *
 * Fields: genre, subgenre, mood [..], energy 0..1, tempo_bpm 40..220, key,
 * mode, meter "N/D", duration_s 10..1200, instruments [{name, role?,
 * program?} or name], exclude [..], form [..], reasoning [..]; also
 * swing 0..1, title and use. Words go through the rules' own vocabulary:
 * a genre may be any alias or contain one ("Dark Synthwave" is synthwave),
 * a subgenre the lexicon knows brings its tempo range (and is dropped when
 * it belongs to another genre than the song's), moods may be synonyms.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ideation.h"

#define MODEL ID_SRC_MODEL

static int same_value(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return fabs(json_number_value(a) - json_number_value(b)) < 1e-9;
    if (json_is_string(a) && json_is_string(b))
        return !strcasecmp(json_string_value(a), json_string_value(b));
    return json_equal((json_t *)a, (json_t *)b);
}

/* The prompt stated this field: keep it, and trace the model's proposal. */
static int prompt_wins(id_trace *tr, const char *field, id_src have, const json_t *proposed,
                       json_t *kept)
{
    if (have != ID_SRC_PROMPT) {
        json_decref(kept);
        return 0;
    }
    char *p = json_dumps(proposed, JSON_COMPACT | JSON_ENCODE_ANY);
    char shown[80];
    id_copy(shown, sizeof shown, p ? p : "?", p ? strlen(p) : 1);
    free(p);
    if (kept && same_value(proposed, kept))
        id_trace_add(tr, field, ID_SRC_PROMPT, kept,
                     "the model proposes %s too: the prompt states it", shown);
    else
        id_trace_add(tr, field, ID_SRC_PROMPT, kept,
                     "the model proposes %s, but the prompt states this: the prompt wins", shown);
    return 1;
}

/* The genre a model's string names, read with the rules' own vocabulary:
 * a canonical id, any alias ("Hip-Hop", "drum n bass"), the first genre
 * phrase inside a longer string ("dark synthwave"), or a close spelling.
 * *entry gets the lexicon entry that named it (NULL for a canonical id or
 * a close spelling); *whole is 1 when that entry spans the whole string.
 * -1 when the string names no genre. */
static int model_genre(const char *s, const id_lex **entry, int *whole)
{
    *entry = NULL;
    *whole = 0;
    for (int g = 0; g < G_COUNT; g++)
        if (!strcmp(s, id_genres[g].id)) {
            *whole = 1;
            return g;
        }
    id_text t;
    if (id_text_split(&t, s, strlen(s)))
        return -1;
    int g = -1;
    for (size_t i = 0; i < t.n && g < 0; i++) {
        size_t n = 0;
        const id_lex *e = id_lex_match(&t, i, &n);
        if (e && e->kind == K_GENRE) {
            g = e->id;
            *entry = e;
            *whole = i == 0 && n == t.n;
        }
    }
    for (size_t i = 0; i < t.n && g < 0; i++) {
        const id_lex *e = id_lex_fuzzy(t.tok[i].s);
        if (e && e->kind == K_GENRE)
            g = e->id;
    }
    id_text_free(&t);
    return g;
}

/* A subgenre the lexicon knows gets its tempo range; one that names
 * another genre than the song's is dropped; one alone decides the genre
 * when nothing else did. */
static void check_subgenre(id_facts *f, id_trace *tr)
{
    if (f->subgenre_src != MODEL || f->sub_bpm_lo > 0)
        return;
    const id_lex *e;
    int whole;
    int g = model_genre(f->subgenre, &e, &whole);
    if (g < 0 || !whole)
        return;
    if (f->genre < 0 && (f->banned_genres & (1u << g))) {
        id_trace_add(tr, "subgenre", MODEL, json_string(f->subgenre),
                     "dropped the model's subgenre: '%s' is a kind of %s, which the prompt "
                     "rules out",
                     f->subgenre, id_genres[g].name);
        f->subgenre[0] = 0;
        f->subgenre_src = ID_SRC_NONE;
        return;
    }
    if (f->genre < 0) {
        f->genre = g;
        f->genre_src = MODEL;
        id_trace_add(tr, "genre", MODEL, json_string(id_genres[g].id),
                     "the model's subgenre '%s' is a kind of %s", f->subgenre,
                     id_genres[g].name);
    }
    if (g != f->genre) {
        id_trace_add(tr, "subgenre", MODEL, json_string(f->subgenre),
                     "dropped the model's subgenre: '%s' is a kind of %s, not of %s",
                     f->subgenre, id_genres[g].name, id_genres[f->genre].name);
        f->subgenre[0] = 0;
        f->subgenre_src = ID_SRC_NONE;
        return;
    }
    if (e && e->sub)
        id_copy(f->subgenre, sizeof f->subgenre, e->sub, strlen(e->sub));
    if (e && e->a > 0 && e->b >= e->a) {
        f->sub_bpm_lo = e->a;
        f->sub_bpm_hi = e->b;
    }
}

/* A number as the spec writes it: whole numbers as JSON integers. */
static json_t *whole_json(double v)
{
    return floor(v) == v && fabs(v) < 1e15 ? json_integer((json_int_t)v) : json_real(v);
}

static void drop(id_trace *tr, const char *field, const json_t *v, const char *why)
{
    id_trace_add(tr, field, MODEL, v ? json_deep_copy(v) : NULL,
                 "dropped the model's %s: %s", field, why);
}

static int role_parse(const char *s)
{
    for (int r = 1; r < CZ_ROLE_COUNT; r++)
        if (!strcmp(s, id_role_name(r)))
            return r;
    return -1;
}

/* A lexicon entry covering all of `name`, or NULL. */
static const id_lex *whole_phrase(const char *name, id_text *t)
{
    if (id_text_split(t, name, strlen(name)))
        return NULL;
    size_t n = 0;
    const id_lex *e = t->n ? id_lex_match(t, 0, &n) : NULL;
    if (e && n != t->n)
        e = NULL;
    id_text_free(t);
    return e;
}

static int parse_key(const char *s, int *pc, char name[4], int *mode)
{
    id_text t;
    if (id_text_split(&t, s, strlen(s)))
        return 0;
    int ok = 0;
    const char *rest;
    *mode = -1;
    if (t.n >= 1 && id_note_parse(t.tok[0].s, pc, name, &rest)) {
        size_t j = 1;
        ok = 1;
        if (*rest) {
            if (!strcmp(rest, "m") || !strcmp(rest, "min"))
                *mode = CZ_MODE_AEOLIAN;
            else if (!strcmp(rest, "maj"))
                *mode = CZ_MODE_IONIAN;
            else
                ok = 0;
        }
        if (ok && !name[1] && j < t.n &&
            (!strcmp(t.tok[j].s, "sharp") || !strcmp(t.tok[j].s, "flat"))) {
            int sharp = t.tok[j].s[0] == 's';
            *pc = (*pc + (sharp ? 1 : 11)) % 12;
            name[1] = sharp ? '#' : 'b';
            name[2] = 0;
            j++;
        }
        if (ok && j < t.n) {
            size_t mn = 0;
            const id_lex *e = id_lex_match(&t, j, &mn);
            if (e && e->kind == K_MODE && j + mn == t.n && *mode < 0)
                *mode = e->id;
            else
                ok = 0;
        }
    }
    id_text_free(&t);
    if (ok && (!strcmp(name, "E#") || !strcmp(name, "B#") || !strcmp(name, "Cb") ||
               !strcmp(name, "Fb")))
        id_key_spell(*pc, CZ_MODE_IONIAN, name);
    return ok;
}

static int valid_section(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 23 || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int merge_instruments(id_facts *f, const json_t *v, id_trace *tr)
{
    if (!json_is_array(v)) {
        drop(tr, "instruments", v, "not a list");
        return 0;
    }
    id_member band[ID_MAX_BAND];
    int n = 0;
    size_t i;
    const json_t *it;
    json_array_foreach(v, i, it) {
        const char *name = NULL;
        const json_t *jr = NULL, *jp = NULL;
        if (json_is_string(it)) {
            name = json_string_value(it);
        } else if (json_is_object(it)) {
            name = json_string_value(json_object_get(it, "name"));
            jr = json_object_get(it, "role");
            jp = json_object_get(it, "program");
        }
        if (!name || !name[0]) {
            drop(tr, "instruments", it, "an entry needs a name");
            continue;
        }
        int role = -1, program = -1;
        if (jr && !json_is_null(jr)) {
            if (!json_is_string(jr) || (role = role_parse(json_string_value(jr))) < 0) {
                drop(tr, "instruments", it, "role is not one of drums, perc, bass, chords, "
                                            "pad, lead, counter, arp, fx");
                continue;
            }
        }
        if (jp && !json_is_null(jp)) {
            if (!json_is_integer(jp) || json_integer_value(jp) < 0 ||
                json_integer_value(jp) > 127) {
                drop(tr, "instruments", it, "program must be a whole number 0..127");
                continue;
            }
            program = (int)json_integer_value(jp);
        }
        int inst = I_NONE;
        for (int k = 1; k < I_COUNT && inst == I_NONE; k++)
            if (!strcasecmp(name, id_instruments[k].name))
                inst = k;
        if (inst == I_NONE) {
            id_text t;
            const id_lex *e = whole_phrase(name, &t);
            if (e && e->kind == K_INSTR)
                inst = e->id;
        }
        if (inst == I_NONE && (role < 0 || program < 0)) {
            drop(tr, "instruments", it, "an unknown instrument needs both role and program");
            continue;
        }
        if (n >= ID_MAX_BAND) {
            drop(tr, "instruments", it, "the band is full");
            break;
        }
        id_member *m = &band[n++];
        memset(m, 0, sizeof *m);
        if (inst != I_NONE) /* the table's name: what later stages know */
            name = id_instruments[inst].name;
        id_copy(m->name, sizeof m->name, name, strlen(name));
        m->inst = inst;
        m->role = role >= 0 ? role : id_instruments[inst].roles[0];
        m->program = program >= 0 ? program : id_instruments[inst].program;
        m->src = MODEL;
    }
    if (!n)
        return 0;
    memcpy(f->band, band, sizeof band[0] * (size_t)n);
    f->n_band = n;
    f->band_src = MODEL;
    json_t *names = json_array();
    for (int k = 0; k < n; k++)
        json_array_append_new(names, json_string(band[k].name));
    id_trace_add(tr, "instruments", MODEL, names,
                 "the model proposes this band; the prompt's requests and exclusions "
                 "still apply on top");
    return 1;
}

static int merge_exclude(id_facts *f, const json_t *v, id_trace *tr)
{
    if (!json_is_array(v)) {
        drop(tr, "exclude", v, "not a list");
        return 0;
    }
    int taken = 0;
    size_t i;
    const json_t *it;
    json_array_foreach(v, i, it) {
        const char *s = json_string_value(it);
        if (!s || !s[0] || strlen(s) >= ID_NAME) {
            drop(tr, "exclude", it, "each entry must be a short name");
            continue;
        }
        id_text t;
        const id_lex *e = whole_phrase(s, &t);
        unsigned roles = 0, fam = 0;
        int inst = I_NONE;
        if (e && e->kind == K_ROLE)
            roles = e->id;
        else if (e && e->kind == K_INSTR && e->a == 1)
            fam = (unsigned)e->b;
        else if (e && e->kind == K_INSTR)
            inst = e->id;
        int asked = 0;
        for (int k = 0; k < f->n_req; k++)
            if ((inst && f->req[k].inst == inst) ||
                (fam && (id_instruments[f->req[k].inst].family & fam)))
                asked = 1;
        for (int r = 1; r < CZ_ROLE_COUNT; r++)
            if ((roles & (1u << r)) && (f->req_roles & (1u << r)))
                asked = 1;
        if (asked) {
            id_trace_add(tr, "exclude", ID_SRC_PROMPT, json_string(s),
                         "the model would exclude '%s', but the prompt asks for it: the "
                         "prompt wins",
                         s);
            continue;
        }
        if (f->n_excl >= ID_MAX_EXCL)
            break;
        id_excl *x = &f->excl[f->n_excl++];
        memset(x, 0, sizeof *x);
        id_copy(x->text, sizeof x->text, s, strlen(s));
        x->roles = roles;
        x->family = fam;
        x->inst = inst;
        x->src = MODEL;
        id_trace_add(tr, "exclude", MODEL, json_string(s), "the model proposes no '%s'", s);
        taken = 1;
    }
    return taken;
}

static int merge_form(id_facts *f, const json_t *v, id_trace *tr)
{
    if (!json_is_array(v) || json_array_size(v) == 0) {
        drop(tr, "form", v, "not a non-empty list of section names");
        return 0;
    }
    char form[ID_MAX_FORM][24];
    int n = 0;
    size_t i;
    const json_t *it;
    json_array_foreach(v, i, it) {
        const char *s = json_string_value(it);
        if (!s || !valid_section(s)) {
            drop(tr, "form", it, "a section name is a short lower-case word");
            continue;
        }
        if (n >= ID_MAX_FORM) {
            drop(tr, "form", it, "more sections than a song form holds");
            break;
        }
        snprintf(form[n++], 24, "%s", s);
    }
    if (n < 1)
        return 0;
    memcpy(f->form, form, sizeof form[0] * (size_t)n);
    f->n_form = n;
    f->form_src = MODEL;
    json_t *a = json_array();
    for (int k = 0; k < n; k++)
        json_array_append_new(a, json_string(form[k]));
    id_trace_add(tr, "form", MODEL, a, "the model proposes this form");
    return 1;
}

static int number_in(const json_t *v, double lo, double hi, double *out)
{
    if (!json_is_number(v))
        return 0;
    double d = json_number_value(v);
    if (!(d >= lo && d <= hi))
        return -1;
    *out = d;
    return 1;
}

static int merge_number(id_trace *tr, const char *field, const json_t *v, double lo,
                        double hi, double *out)
{
    double d = 0;
    int r = number_in(v, lo, hi, &d);
    if (r == 0) {
        drop(tr, field, v, "not a number");
        return 0;
    }
    if (r < 0) {
        char why[64];
        snprintf(why, sizeof why, "outside %g..%g", lo, hi);
        drop(tr, field, v, why);
        return 0;
    }
    *out = d;
    return 1;
}

int id_merge_model(id_facts *f, const json_t *p, id_trace *tr)
{
    if (!json_is_object(p)) {
        id_trace_add(tr, "model", MODEL, NULL, "the model's proposal is not a JSON object: ignored");
        return 0;
    }
    int taken = 0;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)p, key, v) {
        double d;
        if (!strcmp(key, "genre")) {
            const char *s = json_string_value(v);
            const id_lex *ge = NULL;
            int whole = 0;
            int g = s ? model_genre(s, &ge, &whole) : -2;
            if (g == -2) {
                drop(tr, key, v, "not a string");
            } else if (g < 0) {
                drop(tr, key, v, "not a genre this module knows");
            } else if (f->banned_genres & (1u << g)) {
                id_trace_add(tr, key, ID_SRC_PROMPT, json_deep_copy(v),
                             "the model proposes %s, which the prompt rules out",
                             id_genres[g].name);
            } else if (!prompt_wins(tr, key, f->genre_src, v,
                                    json_string(f->genre >= 0 ? id_genres[f->genre].id : ""))) {
                f->genre = g;
                f->genre_src = MODEL;
                if (!strcmp(s, id_genres[g].id))
                    id_trace_add(tr, key, MODEL, json_string(id_genres[g].id),
                                 "the model proposes %s", id_genres[g].name);
                else
                    id_trace_add(tr, key, MODEL, json_string(id_genres[g].id),
                                 "the model proposes '%s', read as %s", s, id_genres[g].name);
                taken++;
                if (ge && ge->sub && f->subgenre_src < MODEL &&
                    !json_is_string(json_object_get(p, "subgenre"))) {
                    id_copy(f->subgenre, sizeof f->subgenre, ge->sub, strlen(ge->sub));
                    f->subgenre_src = MODEL;
                    f->sub_bpm_lo = ge->a > 0 ? ge->a : 0;
                    f->sub_bpm_hi = ge->a > 0 ? ge->b : 0;
                    id_trace_add(tr, "subgenre", MODEL, json_string(f->subgenre),
                                 "the model's genre '%s' names the subgenre", s);
                }
            }
        } else if (!strcmp(key, "subgenre")) {
            const char *s = json_string_value(v);
            if (json_is_null(v)) {
                continue;
            } else if (!s || !s[0] || strlen(s) >= sizeof f->subgenre) {
                drop(tr, key, v, "not a short string");
            } else if (!prompt_wins(tr, key, f->subgenre_src, v, json_string(f->subgenre))) {
                snprintf(f->subgenre, sizeof f->subgenre, "%s", s);
                f->subgenre_src = MODEL;
                id_trace_add(tr, key, MODEL, json_string(s), "the model proposes '%s'", s);
                taken++;
            }
        } else if (!strcmp(key, "mood")) {
            if (!json_is_array(v)) {
                drop(tr, key, v, "not a list");
                continue;
            }
            if (f->mood_src == ID_SRC_PROMPT) {
                json_t *kept = json_array();
                for (int k = 0; k < f->n_moods; k++)
                    json_array_append_new(kept, json_string(id_moods[f->moods[k]].id));
                prompt_wins(tr, key, f->mood_src, v, kept);
                continue;
            }
            int moods[ID_MAX_MOODS], n = 0;
            size_t i;
            const json_t *it;
            json_array_foreach(v, i, it) {
                int m = json_is_string(it) ? id_mood_find(json_string_value(it)) : -1;
                if (m < 0) {
                    drop(tr, key, it, "not a mood this module knows");
                    continue;
                }
                int dup = 0;
                for (int k = 0; k < n; k++)
                    dup |= moods[k] == m;
                if (!dup && n < ID_MAX_MOODS)
                    moods[n++] = m;
            }
            if (n) {
                memcpy(f->moods, moods, sizeof moods[0] * (size_t)n);
                f->n_moods = n;
                f->mood_src = MODEL;
                json_t *a = json_array();
                for (int k = 0; k < n; k++)
                    json_array_append_new(a, json_string(id_moods[moods[k]].id));
                id_trace_add(tr, key, MODEL, a, "the model proposes these moods");
                taken++;
            }
        } else if (!strcmp(key, "energy")) {
            if (merge_number(tr, key, v, 0, 1, &d) &&
                !prompt_wins(tr, key, f->energy_src, v, json_real(f->energy))) {
                f->energy = d;
                f->energy_src = MODEL;
                id_trace_add(tr, key, MODEL, json_real(d), "the model proposes %.2f", d);
                taken++;
            }
        } else if (!strcmp(key, "tempo_bpm")) {
            if (merge_number(tr, key, v, 40, 220, &d)) {
                id_src have = f->tempo_word ? ID_SRC_PROMPT : f->tempo_src;
                json_t *kept = f->tempo_word ? json_string(f->tempo_word_said.last)
                                             : json_real(f->tempo);
                if (!prompt_wins(tr, key, have, v, kept)) {
                    f->tempo = d;
                    f->tempo_src = MODEL;
                    id_trace_add(tr, key, MODEL, whole_json(d), "the model proposes %g bpm", d);
                    taken++;
                }
            }
        } else if (!strcmp(key, "key")) {
            int pc, mode;
            char name[4];
            const char *s = json_string_value(v);
            if (!s || !parse_key(s, &pc, name, &mode)) {
                drop(tr, key, v, "not a note name such as A, F#, Bb");
            } else if (!prompt_wins(tr, key, f->key_src, v, json_string(f->key))) {
                f->tonic = pc;
                snprintf(f->key, sizeof f->key, "%s", name);
                f->key_src = MODEL;
                id_trace_add(tr, key, MODEL, json_string(name), "the model proposes %s", name);
                if (mode >= 0 && f->mode_src < MODEL && !json_object_get(p, "mode")) {
                    f->mode = mode;
                    f->mode_src = MODEL;
                }
                taken++;
            }
        } else if (!strcmp(key, "mode")) {
            int m = json_is_string(v) ? id_mode_find(json_string_value(v)) : -1;
            if (m < 0) {
                drop(tr, key, v, "not a mode (major, minor, dorian, ...)");
            } else if (!prompt_wins(tr, key, f->mode_src, v, json_string(id_mode_name(f->mode)))) {
                f->mode = m;
                f->mode_src = MODEL;
                id_trace_add(tr, key, MODEL, json_string(id_mode_name(m)),
                             "the model proposes %s", id_mode_words(m));
                taken++;
            }
        } else if (!strcmp(key, "meter")) {
            const char *s = json_string_value(v);
            int a = 0, b = 0;
            char extra;
            if (!s || sscanf(s, "%d/%d%c", &a, &b, &extra) != 2 || a < 1 || a > 16 ||
                !(b == 2 || b == 4 || b == 8 || b == 16)) {
                drop(tr, key, v, "not a time signature like \"3/4\"");
            } else if (!prompt_wins(tr, key, f->meter_src, v,
                                    json_sprintf("%d/%d", f->meter_num, f->meter_den))) {
                f->meter_num = a;
                f->meter_den = b;
                f->meter_src = MODEL;
                id_trace_add(tr, key, MODEL, json_string(s), "the model proposes %s", s);
                taken++;
            }
        } else if (!strcmp(key, "duration_s")) {
            if (merge_number(tr, key, v, 10, 1200, &d) &&
                !prompt_wins(tr, key, f->duration_src, v,
                             f->duration_bars ? json_string(f->duration_said.last)
                                              : json_real(f->duration))) {
                f->duration = d;
                f->duration_bars = 0;
                f->duration_src = MODEL;
                id_trace_add(tr, key, MODEL, whole_json(d), "the model proposes %g s", d);
                taken++;
            }
        } else if (!strcmp(key, "swing")) {
            if (merge_number(tr, key, v, 0, 1, &d) &&
                !prompt_wins(tr, key, f->swing_src, v, json_real(f->swing))) {
                f->swing = d;
                f->swing_src = MODEL;
                id_trace_add(tr, key, MODEL, json_real(d), "the model proposes swing %.2f", d);
                taken++;
            }
        } else if (!strcmp(key, "title")) {
            const char *s = json_string_value(v);
            if (!s || !s[0] || strlen(s) >= sizeof f->title) {
                drop(tr, key, v, "not a short string");
            } else {
                snprintf(f->title, sizeof f->title, "%s", s);
                f->title_src = MODEL;
                id_trace_add(tr, key, MODEL, json_string(s), "the model proposes a title");
                taken++;
            }
        } else if (!strcmp(key, "use")) {
            int u = -1;
            const char *s = json_string_value(v);
            for (int k = 0; s && k < U_COUNT; k++)
                if (!strcmp(s, id_uses[k].id))
                    u = k;
            if (u < 0 && s) {
                id_text t;
                const id_lex *e = whole_phrase(s, &t);
                if (e && e->kind == K_USE)
                    u = e->id;
            }
            if (u < 0) {
                drop(tr, key, v, "not a use this module knows");
            } else if (!prompt_wins(tr, key, f->use_src, v,
                                    json_string(f->use >= 0 ? id_uses[f->use].id : ""))) {
                f->use = u;
                f->use_src = MODEL;
                id_trace_add(tr, key, MODEL, json_string(id_uses[u].id), "the model proposes %s",
                             id_uses[u].id);
                taken++;
            }
        } else if (!strcmp(key, "instruments")) {
            taken += merge_instruments(f, v, tr);
        } else if (!strcmp(key, "exclude")) {
            taken += merge_exclude(f, v, tr);
        } else if (!strcmp(key, "form")) {
            taken += merge_form(f, v, tr);
        } else if (!strcmp(key, "reasoning")) {
            if (!json_is_array(v)) {
                drop(tr, key, v, "not a list of sentences");
                continue;
            }
            size_t i;
            const json_t *it;
            int kept = 0;
            json_array_foreach(v, i, it) {
                const char *s = json_string_value(it);
                if (!s || kept >= 10)
                    continue;
                char line[300];
                id_copy(line, sizeof line, s, strlen(s));
                id_trace_add(tr, "reasoning", MODEL, NULL, "%s", line);
                kept++;
            }
        } else {
            id_trace_add(tr, "model", MODEL, json_string(key),
                         "ignored the model's field '%s': not part of the spec", key);
        }
    }
    check_subgenre(f, tr);
    return taken;
}
