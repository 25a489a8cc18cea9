/*
 * kernel/log.c - where module and kernel log lines go.
 *
 * Text for people on stderr by default; JSON lines (one object per line:
 * ts, level, who, msg) for collectors. Each line is formatted into one
 * buffer and written with one fwrite so lines from threads never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kernel.h"

static struct {
    cz_log_level max;
    cz_log_format fmt;
    FILE *sink;
} L = {CZ_LOG_WARN, CZ_LOGFMT_TEXT, NULL};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void cz_log_configure(cz_log_level max, cz_log_format fmt, FILE *sink)
{
    L.max = max;
    L.fmt = fmt;
    L.sink = sink;
}

int cz_log_enabled(cz_log_level level)
{
    return level <= L.max;
}

void cz_logv(cz_log_level level, const char *who, const char *fmt, va_list ap)
{
    if (!cz_log_enabled(level))
        return;
    char msg[2048], line[4096];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = 0;
    const char *lv = level_names[(unsigned)level <= CZ_LOG_DEBUG ? level : CZ_LOG_DEBUG];
    if (L.fmt == CZ_LOGFMT_JSON) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        json_t *o = json_pack("{s:f,s:s,s:s,s:s}", "ts", ts.tv_sec + ts.tv_nsec / 1e9,
                              "level", lv, "who", who ? who : "", "msg", msg);
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        snprintf(line, sizeof line, "%s\n", s ? s : "{}");
        free(s);
        json_decref(o);
    } else {
        snprintf(line, sizeof line, "cadenza: %s: %s%s%s\n", lv, who ? who : "",
                 who && *who ? ": " : "", msg);
    }
    FILE *f = L.sink ? L.sink : stderr;
    fwrite(line, 1, strlen(line), f);
    fflush(f);
}

void cz_log(cz_log_level level, const char *who, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cz_logv(level, who, fmt, ap);
    va_end(ap);
}
