/*
 * kernel/diag.c - a list of located problems.
 *
 * `cadenza validate` must report every problem, not the first, so parsing
 * and checking code adds to a list and carries on instead of returning at
 * the first error. Each message starts with file:line:col when known.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "kernel.h"

void cz_diag_add(cz_diags *d, cz_mark m, const char *fmt, ...)
{
    char body[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    char *msg;
    if (m.file && m.line)
        msg = cz_strfmt("%s:%d:%d: %s", m.file, m.line, m.col, body);
    else if (m.file)
        msg = cz_strfmt("%s: %s", m.file, body);
    else
        msg = cz_strdup(body);
    if (!msg)
        return;
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 8;
        char **nm = realloc(d->msgs, nc * sizeof *nm);
        if (!nm) {
            free(msg);
            return;
        }
        d->msgs = nm;
        d->cap = nc;
    }
    d->msgs[d->n++] = msg;
}

void cz_diag_print(const cz_diags *d, FILE *f)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(f, "%s\n", d->msgs[i]);
}

const char *cz_diag_first(const cz_diags *d)
{
    return d->n ? d->msgs[0] : "";
}

void cz_diag_free(cz_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->msgs[i]);
    free(d->msgs);
    *d = (cz_diags){0};
}
