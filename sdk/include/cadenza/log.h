/*
 * cadenza/log.h - leveled logging routed by the host.
 *
 * Modules never write to stdout/stderr themselves: the host decides where a
 * line goes (human text on stderr, or one JSON object per line for log
 * collectors) and which levels pass. `who` names the source, normally the
 * module name; cz_job_log() in job.h fills it in from the running stage.
 *
 * Thread-safety: any thread. Lines are written whole (one write per line).
 */
#ifndef CADENZA_LOG_H
#define CADENZA_LOG_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cz_log_level {
    CZ_LOG_ERROR = 0,
    CZ_LOG_WARN = 1,
    CZ_LOG_INFO = 2,
    CZ_LOG_DEBUG = 3
} cz_log_level;

/* Log one line. A trailing newline in fmt is not needed. */
void cz_log(cz_log_level level, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* va_list form, for wrappers. */
void cz_logv(cz_log_level level, const char *who, const char *fmt, va_list ap);

/* Non-zero when a line at `level` would be written (skip costly formatting). */
int cz_log_enabled(cz_log_level level);

#ifdef __cplusplus
}
#endif
#endif
