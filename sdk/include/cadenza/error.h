/*
 * cadenza/error.h - status codes and the error message buffer.
 *
 * Every SDK call and every module callback returns an int: 0 on success, a
 * negative CZ_E* code on failure, and (where it takes one) fills a cz_error
 * with a sentence a user can act on. The code tells a program what class of
 * failure it was (a router retries CZ_ETIMEOUT, never CZ_EPERM); the message
 * tells a person what and where. This mirrors errno plus a message buffer
 * instead of exceptions or global error state, so it is thread-safe and
 * needs no allocation on the error path.
 */
#ifndef CADENZA_ERROR_H
#define CADENZA_ERROR_H

#include <stdarg.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    CZ_OK = 0,
    CZ_EINVAL = -1,     /* bad argument, option or input data */
    CZ_ENOMEM = -2,     /* allocation failed */
    CZ_ETYPE = -3,      /* bus key holds another type than asked */
    CZ_ENOTFOUND = -4,  /* bus key, module, provider or file missing */
    CZ_EIO = -5,        /* file or network I/O failed */
    CZ_EABI = -6,       /* module built for an incompatible ABI */
    CZ_ERETRY = -7,     /* transient: worth retrying (429, 5xx, cut stream) */
    CZ_ETIMEOUT = -8,   /* transient: deadline passed */
    CZ_EPERM = -9,      /* permanent refusal (401/403, budget, policy) */
    CZ_EPROTO = -10,    /* the peer answered, but not in the expected format */
    CZ_EBUSY = -11,     /* resource in use (breaker open, budget spent) */
    CZ_ECANCELED = -12, /* the job was cancelled */
    CZ_EINTERNAL = -13, /* a bug: a broken invariant, please report it */
    CZ_ENOTSUP = -14    /* not possible here (ABI 1.2): take the ordinary way instead */
};

/* Room for one sentence with a file:line:col and a path in it. */
#define CZ_ERROR_MAX 512

/* A failure's code and message. Zero-initialise it ({0}); callees fill it. */
typedef struct cz_error {
    int code;
    char msg[CZ_ERROR_MAX];
} cz_error;

/* Fill err (which may be NULL) with code and a printf-style message.
 * Returns code, so a callee can write `return cz_err(err, CZ_EINVAL, ...)`. */
static inline int cz_err(cz_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int cz_err(cz_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

/* Short name of a status code ("EINVAL"), for logs and JSON records. */
static inline const char *cz_strerror(int code)
{
    switch (code) {
    case CZ_OK: return "OK";
    case CZ_EINVAL: return "EINVAL";
    case CZ_ENOMEM: return "ENOMEM";
    case CZ_ETYPE: return "ETYPE";
    case CZ_ENOTFOUND: return "ENOTFOUND";
    case CZ_EIO: return "EIO";
    case CZ_EABI: return "EABI";
    case CZ_ERETRY: return "ERETRY";
    case CZ_ETIMEOUT: return "ETIMEOUT";
    case CZ_EPERM: return "EPERM";
    case CZ_EPROTO: return "EPROTO";
    case CZ_EBUSY: return "EBUSY";
    case CZ_ECANCELED: return "ECANCELED";
    default: return "EINTERNAL";
    }
}

#ifdef __cplusplus
}
#endif
#endif
