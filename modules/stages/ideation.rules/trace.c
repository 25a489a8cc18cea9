/*
 * trace.c - the reasoning record: one JSON object per decision.
 *
 * A step is {"step": n, "field": ..., "source": prompt|model|rules|default,
 * "value": ..., "why": sentence}. Sentences may quote the prompt, so they
 * are cut on a UTF-8 character boundary and checked before they become
 * JSON strings. A 10 KB prompt must not make a 10 MB trace, so steps past
 * ID_TRACE_MAX are counted and summarised in one last step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ideation.h"

const char *id_src_name(id_src s)
{
    switch (s) {
    case ID_SRC_PROMPT: return "prompt";
    case ID_SRC_MODEL: return "model";
    case ID_SRC_RULES: return "rules";
    default: return "default";
    }
}

int id_trace_init(id_trace *t)
{
    memset(t, 0, sizeof *t);
    t->steps = json_array();
    return t->steps ? 0 : CZ_ENOMEM;
}

void id_trace_free(id_trace *t)
{
    json_decref(t->steps);
    t->steps = NULL;
}

static json_t *text_json(const char *s)
{
    json_t *j = json_string(s);
    if (!j) { /* not valid UTF-8: should not happen, but never lose a step */
        char *c = id_utf8_clean(s, strlen(s));
        j = json_string(c ? c : "");
        free(c);
    }
    return j;
}

static void trace_vadd(id_trace *t, int force, const char *field, id_src src,
                       json_t *value, const char *fmt, va_list ap)
{
    if (!t->steps) {
        json_decref(value);
        return;
    }
    if (t->n >= ID_TRACE_MAX && !force) {
        t->dropped++;
        json_decref(value);
        return;
    }
    char why[400];
    int w = vsnprintf(why, sizeof why, fmt, ap);
    if (w < 0)
        why[0] = 0;
    size_t len = strlen(why);
    why[id_utf8_prefix(why, len, len)] = 0;

    json_t *o = json_object();
    if (!o) {
        json_decref(value);
        return;
    }
    json_object_set_new(o, "step", json_integer(t->n + 1));
    json_object_set_new(o, "field", json_string(field));
    json_object_set_new(o, "source", json_string(id_src_name(src)));
    json_object_set_new(o, "value", value ? value : json_null());
    json_object_set_new(o, "why", text_json(why));
    if (json_array_append_new(t->steps, o) == 0)
        t->n++;
}

void id_trace_add(id_trace *t, const char *field, id_src src, json_t *value,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    trace_vadd(t, 0, field, src, value, fmt, ap);
    va_end(ap);
}

static void trace_force(id_trace *t, const char *field, id_src src,
                        json_t *value, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void trace_force(id_trace *t, const char *field, id_src src,
                        json_t *value, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    trace_vadd(t, 1, field, src, value, fmt, ap);
    va_end(ap);
}

void id_trace_finish(id_trace *t)
{
    if (t->dropped && t->steps) {
        int dropped = t->dropped;
        t->dropped = 0;
        trace_force(t, "trace", ID_SRC_DEFAULT, json_integer(dropped),
                     "%d further steps were left out to keep the trace short",
                     dropped);
    }
}
