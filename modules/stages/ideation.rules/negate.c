/*
 * negate.c - mark the words a negation applies to.
 *
 * A negator ("no", "without", "not", "instead of", ...) applies to the
 * phrase after it, skipping filler words ("no heavy drums", "without any
 * piano"). A list of instruments joined by "or", "nor" or "and" stays
 * negated ("without drums or bass"); anything else, and any punctuation,
 * ends the scope ("no drums, just piano" keeps the piano). The parser then
 * reads a negated instrument as an exclusion, a negated genre as "never
 * infer this", and ignores negated moods and tempo words, with a trace
 * step each. Suffix forms ("drumless", "drum-free") are read in parse.c.
 */
#include <string.h>

#include "ideation.h"

static int is_list_kind(int kind)
{
    return kind == K_INSTR || kind == K_ROLE || kind == K_PART;
}

static size_t skip_fillers(const id_text *t, size_t j)
{
    while (j < t->n && !(t->tok[j].flags & ID_TOK_BREAK)) {
        size_t f = id_lex_filler(t, j);
        if (!f)
            break;
        /* a filler that starts a longer phrase ("heavy metal") is content */
        size_t n = 0;
        const id_lex *e = id_lex_match(t, j, &n);
        if (e && e->kind != K_FILLER && n > f)
            break;
        j += f;
    }
    return j;
}

void id_mark_negations(id_text *t)
{
    for (size_t i = 0; i < t->n; i++) {
        size_t n = 0;
        const id_lex *e = id_lex_match(t, i, &n);
        if (!e || e->kind != K_NEG)
            continue;
        size_t j = i + n;
        for (;;) {
            j = skip_fillers(t, j);
            if (j >= t->n || (t->tok[j].flags & ID_TOK_BREAK))
                break;
            size_t cn = 0;
            const id_lex *c = id_lex_match(t, j, &cn);
            if (!c || c->kind == K_NEG || c->kind == K_FILLER)
                break;
            for (size_t k = j; k < j + cn; k++)
                t->tok[k].flags |= ID_TOK_NEG;
            j += cn;
            if (!is_list_kind(c->kind))
                break;
            /* "or" / "nor" / "and" followed by another instrument */
            if (j >= t->n || (t->tok[j].flags & ID_TOK_BREAK))
                break;
            const char *w = t->tok[j].s;
            if (strcmp(w, "or") && strcmp(w, "nor") && strcmp(w, "and"))
                break;
            size_t k = skip_fillers(t, j + 1);
            if (k >= t->n || (t->tok[k].flags & ID_TOK_BREAK))
                break;
            const id_lex *d = id_lex_match(t, k, &cn);
            if (!d || !is_list_kind(d->kind))
                break;
            j = k;
        }
        i = j > i ? j - 1 : i;
    }
}
