/*
 * parse.c - step 1: the prompt's words become stated facts.
 *
 * One pass over the tokens, after negate.c has marked negated words. At
 * each token, in order: a key ("in F# minor"), a lexicon phrase (the
 * longest), a number with its unit, a suffix negation ("drumless"), a
 * close misspelling of a genre or instrument. Words nothing understands
 * are left for the title.
 *
 * Conflicts: a scalar stated twice keeps the last statement ("fast ... no,
 * slow" ends slow), except that a number beats a word for tempo and
 * length. Genres: adjacent genre words make one compound whose last word
 * is the head ("jazz hip hop" is hip hop); of several compounds the first
 * leads ("pop with jazz chords" is pop). Every fact read gets a trace step
 * with source "prompt".
 */
#include <stdio.h>
#include <string.h>

#include "ideation.h"

typedef struct cluster {
    size_t start, end;
    const id_lex *head;
    int count;
} cluster;

typedef struct pstate {
    id_text *t;
    id_facts *f;
    id_trace *tr;
    const id_opts *o;
    cluster cur, chosen;
    int have_cur, have_chosen;
    int others[6];
    int n_others;
    char mood_words[96];
    int ignored;
    int fuzzy_tries;
} pstate;

static void mark_used(id_text *t, size_t i, size_t n)
{
    for (size_t k = i; k < i + n && k < t->n; k++)
        t->tok[k].flags |= ID_TOK_USED;
}

static void close_cluster(pstate *p)
{
    if (!p->have_cur)
        return;
    if (!p->have_chosen) {
        p->chosen = p->cur;
        p->have_chosen = 1;
    } else {
        int g = p->cur.head->id;
        int seen = g == p->chosen.head->id;
        for (int k = 0; k < p->n_others; k++)
            seen |= p->others[k] == g;
        if (!seen && p->n_others < 6)
            p->others[p->n_others++] = g;
    }
    p->have_cur = 0;
}

static void on_genre(pstate *p, const id_lex *e, size_t i, size_t n, int neg)
{
    id_facts *f = p->f;
    if (neg) {
        if (!(f->banned_genres & (1u << e->id)))
            id_trace_add(p->tr, "genre", ID_SRC_PROMPT, json_string(id_genres[e->id].id),
                         "the prompt rules out %s: it will not be inferred",
                         id_genres[e->id].name);
        f->banned_genres |= 1u << e->id;
        return;
    }
    if (p->have_cur && i == p->cur.end && !(p->t->tok[i].flags & ID_TOK_BREAK)) {
        p->cur.end = i + n;
        p->cur.head = e;
        p->cur.count++;
        return;
    }
    close_cluster(p);
    p->cur = (cluster){i, i + n, e, 1};
    p->have_cur = 1;
}

static void on_mood(pstate *p, const id_lex *e, const char *said, int neg)
{
    id_facts *f = p->f;
    if (neg) {
        if (!(f->negated_moods & (1u << e->id)))
            id_trace_add(p->tr, "mood", ID_SRC_PROMPT, json_string(id_moods[e->id].id),
                         "'%s' is negated in the prompt: not used as a mood", said);
        f->negated_moods |= 1u << e->id;
        return;
    }
    for (int k = 0; k < f->n_moods; k++)
        if (f->moods[k] == e->id)
            return;
    if (f->n_moods >= ID_MAX_MOODS)
        return;
    f->moods[f->n_moods++] = e->id;
    f->mood_src = ID_SRC_PROMPT;
    size_t l = strlen(p->mood_words);
    snprintf(p->mood_words + l, sizeof p->mood_words - l, "%s'%s'", l ? ", " : "", said);
}

static void add_exclusion(id_facts *f, const char *text, unsigned roles,
                          unsigned family, int inst)
{
    for (int k = 0; k < f->n_excl; k++)
        if (!strcmp(f->excl[k].text, text)) {
            f->excl[k].roles |= roles;
            f->excl[k].family |= family;
            return;
        }
    if (f->n_excl >= ID_MAX_EXCL)
        return;
    id_excl *x = &f->excl[f->n_excl++];
    memset(x, 0, sizeof *x);
    id_copy(x->text, sizeof x->text, text, strlen(text));
    x->roles = roles;
    x->family = family;
    x->inst = inst;
    x->src = ID_SRC_PROMPT;
}

static void add_request(id_facts *f, const id_lex *e, const char *said)
{
    int inst = e->id;
    unsigned fam = e->a == 1 ? (unsigned)e->b : 0;
    for (int k = 0; k < f->n_req; k++) {
        if (fam ? f->req[k].family == fam : (f->req[k].inst == inst && !f->req[k].family))
            return;
    }
    if (f->n_req >= ID_MAX_REQ)
        return;
    id_member *m = &f->req[f->n_req++];
    memset(m, 0, sizeof *m);
    const id_inst *d = &id_instruments[inst];
    id_copy(m->name, sizeof m->name, d->name, strlen(d->name));
    m->inst = inst;
    m->family = fam;
    m->role = d->roles[0];
    m->program = d->program;
    m->src = ID_SRC_PROMPT;
    id_copy(m->said, sizeof m->said, said, strlen(said));
}

/* How a negated entry is written in exclude: "drums" for every drum word. */
static const char *excl_text(const id_lex *e, const char *words)
{
    if (e->kind == K_PART)
        return e->sub;
    if (e->kind == K_ROLE && (e->id & (1u << CZ_ROLE_DRUMS)) &&
        (!strncmp(words, "drum", 4) || !strncmp(words, "beat", 4)))
        return "drums";
    return words;
}

static void on_instrument_like(pstate *p, const id_lex *e, const char *words, int neg)
{
    id_facts *f = p->f;
    switch (e->kind) {
    case K_INSTR:
        if (neg)
            add_exclusion(f, excl_text(e, words), 0, e->a == 1 ? (unsigned)e->b : 0,
                          e->a == 1 ? I_NONE : e->id);
        else
            add_request(f, e, words);
        break;
    case K_ROLE:
        if (neg) {
            add_exclusion(f, excl_text(e, words), e->id, 0, I_NONE);
        } else {
            f->req_roles |= 1u << e->a;
            if (!f->req_role_inst[e->a])
                f->req_role_inst[e->a] = e->b;
        }
        break;
    case K_PART:
        if (neg || e->id == 1) {
            add_exclusion(f, e->sub, 0, 0, I_NONE);
            if (!strcmp(e->sub, "vocals"))
                f->vocals = -1;
        } else if (!strcmp(e->sub, "vocals") && f->vocals == 0) {
            f->vocals = 1;
        }
        break;
    default:
        break;
    }
}

/* "drumless", "beatless", "piano-free": the negated entry, or NULL. */
static const id_lex *suffix_negation(const char *w, char *stem, size_t cap)
{
    static const char *const suffixes[] = {"less", "free"};
    size_t n = strlen(w);
    for (int s = 0; s < 2; s++) {
        size_t l = strlen(suffixes[s]);
        if (n < l + 3 || strcmp(w + n - l, suffixes[s]))
            continue;
        if (n - l + 1 > cap)
            continue;
        memcpy(stem, w, n - l);
        stem[n - l] = 0;
        const id_lex *e = id_lex_word(stem);
        if (e && (e->kind == K_INSTR || e->kind == K_ROLE || e->kind == K_PART))
            return e;
    }
    return NULL;
}

static int is_free_or_less(const id_text *t, size_t j)
{
    return j < t->n && !(t->tok[j].flags & ID_TOK_BREAK) &&
           (!strcmp(t->tok[j].s, "free") || !strcmp(t->tok[j].s, "less"));
}

/* Handle one lexicon entry at tokens [i, i+n); returns tokens consumed. */
static size_t handle(pstate *p, const id_lex *e, size_t i, size_t n)
{
    id_text *t = p->t;
    id_facts *f = p->f;
    int neg = (t->tok[i].flags & ID_TOK_NEG) != 0;
    char said[ID_SAID], words[ID_NAME];
    id_text_span(t, i, i + n, said, sizeof said);
    id_text_words(t, i, i + n, words, sizeof words);
    size_t used = n;

    switch (e->kind) {
    case K_GENRE:
        on_genre(p, e, i, n, neg);
        break;
    case K_MOOD:
        on_mood(p, e, said, neg);
        break;
    case K_INSTR:
    case K_ROLE:
    case K_PART:
        if (is_free_or_less(t, i + n)) { /* "drum free", "drum-less" */
            neg = 1;
            used++;
        }
        on_instrument_like(p, e, words, neg);
        break;
    case K_USE:
        if (neg) {
            id_trace_add(p->tr, "use", ID_SRC_PROMPT, json_string(id_uses[e->id].id),
                         "'%s' is negated in the prompt: not used", said);
        } else if (f->use < 0) {
            f->use = e->id;
            f->use_src = ID_SRC_PROMPT;
            id_said_note(&f->use_said, said);
        } else if (f->use != (int)e->id) {
            id_said_note(&f->use_said, said);
        }
        break;
    case K_TEMPO:
        if (neg) {
            id_trace_add(p->tr, "tempo_bpm", ID_SRC_PROMPT, json_string(said),
                         "'%s' is negated in the prompt: ignored", said);
        } else {
            f->tempo_word = e->id;
            f->tempo_word_bpm = e->a;
            id_said_note(&f->tempo_word_said, said);
        }
        break;
    case K_ENERGY:
        if (neg) {
            id_trace_add(p->tr, "energy", ID_SRC_PROMPT, json_string(said),
                         "'%s' is negated in the prompt: ignored", said);
        } else {
            f->energy = e->a / 100.0;
            f->energy_src = ID_SRC_PROMPT;
            id_said_note(&f->energy_said, said);
        }
        break;
    case K_LENGTH:
        if (!neg) {
            f->length_word = e->a;
            id_said_note(&f->length_said, said);
        }
        break;
    case K_METER:
        if (!neg) {
            f->meter_num = e->a;
            f->meter_den = e->b;
            f->meter_src = ID_SRC_PROMPT;
            id_said_note(&f->meter_said, said);
        }
        break;
    case K_SWING:
        f->swing = neg ? 0 : e->a / 100.0;
        f->swing_src = ID_SRC_PROMPT;
        id_said_note(&f->swing_said, neg ? "no swing" : said);
        break;
    case K_MODE:
        if (neg)
            break;
        used = id_parse_mode_word(t, i, e, f);
        if (!used)
            return n; /* not a mode here: consumed but unread */
        break;
    case K_ERA:
        id_copy(f->era, sizeof f->era, e->sub, strlen(e->sub));
        break;
    case K_NEG:
        mark_used(t, i, n); /* never title material */
        return n;
    default:
        return n;
    }
    f->read_words++;
    mark_used(t, i, used);
    if (e->kind == K_MOOD || e->kind == K_USE || e->kind == K_ENERGY ||
        e->kind == K_LENGTH || e->kind == K_ERA)
        for (size_t k = i; k < i + used && k < t->n; k++)
            t->tok[k].flags |= ID_TOK_SOFT;
    return used;
}

/* ---- the trace of what was read ---------------------------------------- */

static void trace_scalar(id_trace *tr, const char *field, json_t *value,
                         const id_said *s)
{
    if (s->n <= 1)
        id_trace_add(tr, field, ID_SRC_PROMPT, value, "read '%s' in the prompt", s->last);
    else
        id_trace_add(tr, field, ID_SRC_PROMPT, value,
                     "the prompt states this %d times ('%s' first, '%s' last): the "
                     "last statement wins",
                     s->n, s->first, s->last);
}

static json_t *num_json(double v)
{
    double r = (double)(long long)v;
    return r == v ? json_integer((json_int_t)v) : json_real(v);
}

static void finish(pstate *p)
{
    id_facts *f = p->f;
    id_trace *tr = p->tr;
    id_text *t = p->t;
    const id_opts *o = p->o;

    close_cluster(p);
    if (p->have_chosen) {
        const id_lex *h = p->chosen.head;
        f->genre = h->id;
        f->genre_src = ID_SRC_PROMPT;
        char said[ID_SAID];
        id_text_span(t, p->chosen.start, p->chosen.end, said, sizeof said);
        id_said_note(&f->genre_said, said);
        if (h->sub) {
            id_copy(f->subgenre, sizeof f->subgenre, h->sub, strlen(h->sub));
            f->subgenre_src = ID_SRC_PROMPT;
        } else if (p->chosen.count > 1) {
            id_copy(f->subgenre, sizeof f->subgenre, said, strlen(said));
            id_ascii_lower(f->subgenre);
            f->subgenre_src = ID_SRC_PROMPT;
        }
        if (h->a > 0) {
            f->sub_bpm_lo = h->a;
            f->sub_bpm_hi = h->b;
        }
        id_trace_add(tr, "genre", ID_SRC_PROMPT, json_string(id_genres[f->genre].id),
                     "read '%s' as %s%s%s", said, id_genres[f->genre].name,
                     f->subgenre[0] ? ", subgenre " : "", f->subgenre);
        if (p->n_others) {
            json_t *list = json_array();
            char names[96] = "";
            for (int k = 0; k < p->n_others; k++) {
                json_array_append_new(list, json_string(id_genres[p->others[k]].id));
                size_t l = strlen(names);
                snprintf(names + l, sizeof names - l, "%s%s", k ? ", " : "",
                         id_genres[p->others[k]].name);
            }
            snprintf(f->others, sizeof f->others, "%s", names);
            id_trace_add(tr, "genre", ID_SRC_PROMPT, list,
                         "the prompt also names %s; the first genre named leads (%s)",
                         names, id_genres[f->genre].name);
        }
    }
    if (f->era[0])
        id_trace_add(tr, "subgenre", ID_SRC_PROMPT, json_string(f->era),
                     "read the era '%s'", f->era);

    if (f->n_moods) {
        json_t *list = json_array();
        for (int k = 0; k < f->n_moods; k++)
            json_array_append_new(list, json_string(id_moods[f->moods[k]].id));
        id_trace_add(tr, "mood", ID_SRC_PROMPT, list, "read %s in the prompt", p->mood_words);
    }

    if (f->use >= 0) {
        if (f->use_said.n > 1)
            id_trace_add(tr, "use", ID_SRC_PROMPT, json_string(id_uses[f->use].id),
                         "the prompt names several uses ('%s' first, '%s' last): the "
                         "first one is kept",
                         f->use_said.first, f->use_said.last);
        else
            id_trace_add(tr, "use", ID_SRC_PROMPT, json_string(id_uses[f->use].id),
                         "read '%s': the song is for %s", f->use_said.first,
                         id_uses[f->use].id);
    }

    if (f->tempo_src == ID_SRC_PROMPT) {
        trace_scalar(tr, "tempo_bpm", num_json(f->tempo), &f->tempo_said);
        if (f->tempo_word) {
            id_trace_add(tr, "tempo_bpm", ID_SRC_PROMPT, json_string(f->tempo_word_said.last),
                         "'%s' is vaguer than '%s': the number wins",
                         f->tempo_word_said.last, f->tempo_said.last);
            f->tempo_word = 0;
        }
        double c = id_clampd(f->tempo, 40, 220);
        if (c != f->tempo) {
            id_trace_add(tr, "tempo_bpm", ID_SRC_PROMPT, num_json(c),
                         "%g bpm is outside 40..220: clamped to %g", f->tempo, c);
            f->tempo = c;
        }
    } else if (f->tempo_word) {
        if (f->tempo_word_said.n > 1)
            id_trace_add(tr, "tempo_bpm", ID_SRC_PROMPT, json_string(f->tempo_word_said.last),
                         "the prompt asks for '%s' and for '%s': the later word, '%s', wins",
                         f->tempo_word_said.first, f->tempo_word_said.last,
                         f->tempo_word_said.last);
        else
            id_trace_add(tr, "tempo_bpm", ID_SRC_PROMPT, json_string(f->tempo_word_said.last),
                         "read '%s': sets the tempo once the genre is known",
                         f->tempo_word_said.last);
    }

    if (f->key_src == ID_SRC_PROMPT)
        trace_scalar(tr, "key", json_string(f->key), &f->key_said);
    if (f->mode_src == ID_SRC_PROMPT)
        trace_scalar(tr, "mode", json_string(id_mode_name(f->mode)), &f->mode_said);
    if (f->meter_src == ID_SRC_PROMPT) {
        char m[16];
        snprintf(m, sizeof m, "%d/%d", f->meter_num, f->meter_den);
        trace_scalar(tr, "meter", json_string(m), &f->meter_said);
    }

    if (f->duration_src == ID_SRC_PROMPT) {
        if (f->duration_bars) {
            trace_scalar(tr, "duration_s", json_integer(f->duration_bars), &f->duration_said);
        } else {
            trace_scalar(tr, "duration_s", num_json(f->duration), &f->duration_said);
            double c = id_clampd(f->duration, o->min_duration_s, o->max_duration_s);
            if (c != f->duration) {
                id_trace_add(tr, "duration_s", ID_SRC_PROMPT, num_json(c),
                             "%g s is outside %d..%d s: clamped to %g", f->duration,
                             o->min_duration_s, o->max_duration_s, c);
                f->duration = c;
            }
        }
        if (f->length_word) {
            id_trace_add(tr, "duration_s", ID_SRC_PROMPT, json_string(f->length_said.last),
                         "'%s' is vaguer than '%s': the number wins", f->length_said.last,
                         f->duration_said.last);
            f->length_word = 0;
        }
    } else if (f->length_word) {
        double c = id_clampd(f->length_word, o->min_duration_s, o->max_duration_s);
        f->duration = c;
        f->duration_src = ID_SRC_PROMPT;
        id_trace_add(tr, "duration_s", ID_SRC_PROMPT, num_json(c),
                     "read '%s': about %g seconds", f->length_said.last, c);
    }

    if (f->energy_src == ID_SRC_PROMPT)
        trace_scalar(tr, "energy", json_real(f->energy), &f->energy_said);
    if (f->swing_src == ID_SRC_PROMPT)
        trace_scalar(tr, "swing", json_real(f->swing), &f->swing_said);

    for (int k = 0; k < f->n_req; k++)
        id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(f->req[k].name),
                     "the prompt asks for '%s'", f->req[k].said);
    for (int r = 1; r < CZ_ROLE_COUNT; r++)
        if (f->req_roles & (1u << r))
            id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(id_role_name(r)),
                         "the prompt asks for a %s part", id_role_name(r));
    for (int k = 0; k < f->n_excl; k++)
        id_trace_add(tr, "exclude", ID_SRC_PROMPT, json_string(f->excl[k].text),
                     "the prompt says no '%s'", f->excl[k].text);
    if (f->vocals > 0)
        id_trace_add(tr, "caption", ID_SRC_PROMPT, json_string("vocals"),
                     "the prompt mentions vocals: no instrument sings here, so the "
                     "caption asks audio models for them");

    if (t->n == 0) {
        f->empty = 1;
        id_trace_add(tr, "prompt", ID_SRC_DEFAULT, json_string(""),
                     "the prompt is empty: every field below is a default or an inference");
    } else if (f->read_words == 0) {
        id_trace_add(tr, "prompt", ID_SRC_DEFAULT, json_integer((json_int_t)t->n),
                     "none of the prompt's %zu words says anything about the music: every "
                     "field below is a default or an inference",
                     t->n);
    }
}

int id_parse(id_text *t, id_facts *f, id_trace *tr, const id_opts *o)
{
    pstate p = {.t = t, .f = f, .tr = tr, .o = o};
    id_mark_negations(t);
    for (size_t i = 0; i < t->n;) {
        if (t->tok[i].flags & ID_TOK_USED) {
            i++;
            continue;
        }
        size_t c = id_parse_key(t, i, f);
        if (c) {
            f->read_words++;
            mark_used(t, i, c);
            i += c;
            continue;
        }
        size_t n = 0;
        const id_lex *e = id_lex_match(t, i, &n);
        if (!e || e->kind == K_FILLER || e->kind == K_NEG) {
            c = id_parse_number(t, i, f, tr, &p.ignored);
            if (c) {
                mark_used(t, i, c);
                i += c;
                continue;
            }
        }
        if (e) {
            i += handle(&p, e, i, n);
            continue;
        }
        const char *w = t->tok[i].s;
        char stem[32];
        const id_lex *s = suffix_negation(w, stem, sizeof stem);
        if (s) {
            on_instrument_like(&p, s, s->phrase, 1);
            f->read_words++;
            mark_used(t, i, 1);
            i++;
            continue;
        }
        if ((t->tok[i].flags & ID_TOK_ASCII) && p.fuzzy_tries < 300) {
            p.fuzzy_tries++;
            const id_lex *z = id_lex_fuzzy(w);
            if (z) {
                id_trace_add(tr, z->kind == K_GENRE ? "genre" : "instruments", ID_SRC_PROMPT,
                             json_string(z->phrase), "read '%s' as '%s' (close spelling)", w,
                             z->phrase);
                i += handle(&p, z, i, 1);
                continue;
            }
        }
        i++;
    }
    finish(&p);
    return 0;
}
