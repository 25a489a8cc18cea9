/*
 * report.c - a measurement as JSON and as text for people.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

/* Rounded to `decimals` places as the double nearest that decimal, so
 * the JSON text (printed with 10 significant digits) reads back equal;
 * null for -inf (silence). */
static json_t *num(double v, int decimals)
{
    if (!isfinite(v))
        return json_null();
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return json_real(strtod(buf, NULL));
}

json_t *az_result_json(const char *path, const az_result *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "file", json_string(path));
    json_object_set_new(o, "format", json_string(r->format));
    json_object_set_new(o, "encoding", json_string(r->encoding));
    json_object_set_new(o, "sample_rate", json_integer(r->rate));
    json_object_set_new(o, "channels", json_integer(r->channels));
    json_object_set_new(o, "frames", json_integer((json_int_t)r->frames));
    json_object_set_new(o, "duration_s", num(r->rate ? (double)r->frames / r->rate : 0, 3));
    json_object_set_new(o, "integrated_lufs", num(r->integrated, 2));
    json_object_set_new(o, "loudness_range_lu", num(r->lra, 2));
    json_object_set_new(o, "true_peak_dbtp", num(r->true_peak, 2));
    json_object_set_new(o, "sample_peak_dbfs", num(r->sample_peak, 2));
    json_object_set_new(o, "clipped_samples", json_integer((json_int_t)r->clipped));
    json_object_set_new(o, "momentary_max_lufs", num(r->momentary_max, 2));
    json_object_set_new(o, "short_term_max_lufs", num(r->short_term_max, 2));
    return o;
}

static int append(char **text, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int append(char **text, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return CZ_EINVAL;
    char *t = realloc(*text, *len + (size_t)n + 1);
    if (!t)
        return CZ_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(t + *len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *text = t;
    *len += (size_t)n;
    return 0;
}

/* "-14.0 LUFS", or "-inf LUFS" when nothing passed the gates. */
static const char *val(char *buf, size_t n, double v, const char *unit)
{
    if (isfinite(v))
        snprintf(buf, n, "%.1f %s", v, unit);
    else
        snprintf(buf, n, "-inf %s", unit);
    return buf;
}

int az_result_text(const char *path, const az_result *r, char **text, size_t *len)
{
    char a[32], b[32], c[32], d[32], e[32];
    double secs = r->rate ? (double)r->frames / r->rate : 0;
    int mins = (int)(secs / 60);
    return append(text, len,
                  "%s\n"
                  "  format          %s, %s\n"
                  "  duration        %d:%06.3f (%llu frames), %u Hz, %u channel%s\n"
                  "  integrated      %s\n"
                  "  loudness range  %.1f LU\n"
                  "  true peak       %s\n"
                  "  sample peak     %s\n"
                  "  clipped samples %llu\n"
                  "  momentary max   %s\n"
                  "  short-term max  %s\n",
                  path, r->format, r->encoding, mins, secs - 60.0 * mins,
                  (unsigned long long)r->frames, r->rate, r->channels,
                  r->channels == 1 ? "" : "s", val(a, sizeof a, r->integrated, "LUFS"), r->lra,
                  val(b, sizeof b, r->true_peak, "dBTP"), val(c, sizeof c, r->sample_peak, "dBFS"),
                  (unsigned long long)r->clipped, val(d, sizeof d, r->momentary_max, "LUFS"),
                  val(e, sizeof e, r->short_term_max, "LUFS"));
}

int az_text_sep(char **text, size_t *len)
{
    return append(text, len, "\n");
}
