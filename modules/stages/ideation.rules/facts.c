/*
 * facts.c - the facts record and small shared helpers.
 */
#include <math.h>
#include <string.h>

#include "ideation.h"

void id_facts_init(id_facts *f)
{
    memset(f, 0, sizeof *f);
    f->genre = -1;
    f->tonic = -1;
    f->mode = -1;
    f->use = -1;
}

void id_said_note(id_said *s, const char *words)
{
    if (s->n == 0)
        id_copy(s->first, sizeof s->first, words, strlen(words));
    id_copy(s->last, sizeof s->last, words, strlen(words));
    s->n++;
}

double id_clampd(double v, double lo, double hi)
{
    if (!(v >= lo)) /* also catches NaN */
        return lo;
    return v > hi ? hi : v;
}

uint32_t id_pick_weighted(cz_rng *r, const uint8_t *w, uint32_t n)
{
    double d[16];
    if (n > 16)
        n = 16;
    for (uint32_t i = 0; i < n; i++)
        d[i] = w[i];
    return cz_rng_pick(r, d, n);
}

void id_pick_word(cz_rng *r, const char *list, char *out, size_t cap)
{
    uint32_t count = 1;
    for (const char *p = list; *p; p++)
        count += *p == '|';
    uint32_t k = cz_rng_below(r, count);
    const char *p = list;
    while (k-- && (p = strchr(p, '|')))
        p++;
    if (!p)
        p = list;
    const char *e = strchr(p, '|');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    id_copy(out, cap, p, n);
}
