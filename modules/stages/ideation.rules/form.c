/*
 * form.c - the song form: an ordered list of section names.
 *
 * Names are the ones later stages know: intro, verse, prechorus, chorus,
 * bridge, build, drop, breakdown, outro. The genre offers one or two
 * templates (the seed picks); the list is then fitted to the length: about
 * eight bars per section, at least three sections (intro, the peak, outro).
 * When a short song drops sections, the peak (chorus or drop) stays.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ideation.h"

static int split_form(const char *s, char out[][24], int max)
{
    int n = 0;
    while (*s && n < max) {
        while (*s == ' ')
            s++;
        const char *e = strchr(s, ' ');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l) {
            id_copy(out[n], 24, s, l);
            n++;
        }
        s += l;
    }
    return n;
}

static json_t *form_json(const id_facts *f)
{
    json_t *a = json_array();
    for (int k = 0; k < f->n_form; k++)
        json_array_append_new(a, json_string(f->form[k]));
    return a;
}

static const char *peak_of(char form[][24], int n)
{
    for (int k = 0; k < n; k++)
        if (!strcmp(form[k], "drop"))
            return "drop";
    for (int k = 0; k < n; k++)
        if (!strcmp(form[k], "chorus"))
            return "chorus";
    return NULL;
}

void id_form_build(id_facts *f, id_trace *tr, const id_opts *o, uint64_t seed)
{
    if (f->form_src >= ID_SRC_MODEL && f->n_form) {
        id_trace_add(tr, "form", f->form_src, form_json(f), "the %s's form is kept",
                     f->form_src == ID_SRC_PROMPT ? "prompt" : "model");
        return;
    }
    const char *tmpl = "intro verse chorus verse chorus outro";
    char from[64] = "a neutral verse-chorus form (enhance is off)";
    if (o->enhance && f->genre >= 0) {
        const id_genre *g = &id_genres[f->genre];
        int n = 0;
        while (n < 3 && g->forms[n])
            n++;
        cz_rng r;
        cz_rng_init(&r, seed, "ideation.form");
        tmpl = g->forms[n > 1 ? cz_rng_below(&r, (uint32_t)n) : 0];
        snprintf(from, sizeof from, "the form of %s", g->name);
    }
    char full[ID_MAX_FORM][24];
    int len = split_form(tmpl, full, ID_MAX_FORM);

    double beats = f->meter_num * 4.0 / (f->meter_den ? f->meter_den : 4);
    double section_s = 8 * beats * 60.0 / (f->tempo > 0 ? f->tempo : 120);
    int want = (int)floor(f->duration / section_s + 0.5);
    if (want < 3)
        want = 3;
    if (want >= len) {
        memcpy(f->form, full, sizeof full[0] * (size_t)len);
        f->n_form = len;
        f->form_src = o->enhance ? ID_SRC_RULES : ID_SRC_DEFAULT;
        id_trace_add(tr, "form", f->form_src, form_json(f), "%s", from);
        return;
    }
    /* keep intro and outro, the first sections between, and the peak */
    const char *peak = peak_of(full, len);
    int n = 0;
    snprintf(f->form[n++], 24, "%s", full[0]);
    for (int k = 1; k < len - 1 && n < want - 1; k++)
        snprintf(f->form[n++], 24, "%s", full[k]);
    if (peak) {
        int has = 0;
        for (int k = 1; k < n; k++)
            has |= !strcmp(f->form[k], peak);
        if (!has)
            snprintf(f->form[n - 1 > 0 ? n - 1 : n++], 24, "%s", peak);
    }
    snprintf(f->form[n++], 24, "%s", full[len - 1]);
    f->n_form = n;
    f->form_src = o->enhance ? ID_SRC_RULES : ID_SRC_DEFAULT;
    id_trace_add(tr, "form", f->form_src, form_json(f),
                 "%s, cut to %d sections for %g s at %g bpm (about 8 bars each)",
                 from, n, f->duration, f->tempo);
}
