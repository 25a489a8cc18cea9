/*
 * cli/progress.c - how the CLI shows a job's stages.
 *
 * On a terminal each stage gets one line that is redrawn in place while it
 * runs; anywhere else (CI logs, pipes) each change is a plain line, because
 * carriage returns make logs unreadable. Progress goes to stderr: stdout is
 * for results a script may parse.
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

void cz_progress_print(const cz_stage_event *ev, void *user)
{
    (void)user;
    int tty = isatty(2);
    const char *mod = ev->module && *ev->module ? ev->module : "-";
    char variant[24] = "";
    if (ev->variant >= 0)
        snprintf(variant, sizeof variant, " [variant %d]", ev->variant);
    if (tty) {
        static const char *const mark[] = {" ", "…", "✓", "✗", "-"};
        fprintf(stderr, "\r\033[K %s [%zu/%zu] %-13s %s %s%s", mark[ev->state], ev->index + 1, ev->count,
                ev->stage, mod, ev->version, variant);
        if (ev->state == CZ_STAGE_RUNNING) {
            fflush(stderr);
            return;
        }
        if (ev->state == CZ_STAGE_DONE || ev->state == CZ_STAGE_FAILED)
            fprintf(stderr, "  %.1f ms", ev->elapsed_ms);
        if (ev->status && *ev->status)
            fprintf(stderr, "  %s", ev->status);
        if (ev->state == CZ_STAGE_SKIPPED)
            fprintf(stderr, "skipped");
        fprintf(stderr, "\n");
    } else {
        if (ev->state == CZ_STAGE_RUNNING)
            return; /* one line per stage in logs */
        fprintf(stderr, "cadenza: [%zu/%zu] %s: %s", ev->index + 1, ev->count, ev->stage,
                cz_stage_state_name(ev->state));
        if (ev->state != CZ_STAGE_SKIPPED)
            fprintf(stderr, " in %.1f ms (%s %s%s)", ev->elapsed_ms, mod, ev->version, variant);
        if (ev->status && *ev->status)
            fprintf(stderr, ": %s", ev->status);
        fprintf(stderr, "\n");
    }
    fflush(stderr);
}
