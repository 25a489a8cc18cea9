/*
 * kernel/job_impl.h - the job object, shared by runner.c and job.c only.
 */
#ifndef CZ_JOB_IMPL_H
#define CZ_JOB_IMPL_H

#include "kernel.h"

struct cz_job {
    cz_graph *g;
    cz_bus *bus;
    uint64_t seed;
    char *key;
    const char *stage;       /* running stage name */
    const cz_instance *cur;  /* running stage instance */
    size_t stage_index;      /* index of the running stage */
    int keep_all;            /* values are kept: nothing may be taken */
    char status[160];        /* the stage's cz_job_status note */
    char *out_dir;           /* --out, or NULL */
    char *staging;           /* private folder inside out_dir */
    int created_out;         /* out_dir did not exist before the job */
    json_t *attempts;        /* router.attempts so far */
    const volatile int *cancel;
};

/* Does a stage after `done` declare it reads key? (runner.c) */
int cz_job_key_live(const cz_job *job, const char *key, size_t done);

int cz_job_outputs_begin(cz_job *job, const char *out_dir, cz_error *err);
/* Publish (success) or discard the staged files; `files` collects the
 * published relative paths. */
int cz_job_outputs_end(cz_job *job, int success, json_t *files, cz_error *err);

#endif
