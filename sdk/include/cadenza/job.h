/*
 * cadenza/job.h - what a stage sees of the job it runs in.
 *
 * A job is one song being made: its bus, its seed, its output folder and
 * its place in the pipeline. A stage's run() gets the job and should need
 * nothing else: no globals, no environment, no clock.
 *
 * Outputs: a stage never opens a path of its own. It asks
 * cz_job_output_path() for where to write "song.flac"; the host answers
 * with a path inside a private staging folder and moves every file into the
 * user's --out folder only when the whole job has succeeded. So a failure
 * leaves nothing half-written, and no stage can write outside --out.
 *
 * Thread-safety: a job runs on one thread; these calls are for that thread.
 */
#ifndef CADENZA_JOB_H
#define CADENZA_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "error.h"
#include "log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cz_job cz_job;

/* The job's bus (never NULL). */
cz_bus *cz_job_bus(cz_job *job);

/* The job's seed: the root of all randomness (see rng.h). */
uint64_t cz_job_seed(const cz_job *job);

/* The job key that A/B variant assignment hashes (stable per user/job). */
const char *cz_job_key(const cz_job *job);

/* Name of the pipeline and of the stage now running ("mixing"). */
const char *cz_job_pipeline(const cz_job *job);
const char *cz_job_stage(const cz_job *job);

/* Non-zero when the job has an output folder (--out was given). */
int cz_job_has_output(const cz_job *job);

/* Where to write the output file `relpath` (e.g. "stems/bass.wav"): a path
 * in the job's staging folder, with parent folders created. CZ_EINVAL for
 * an absolute path, "..", an empty name or a path that does not fit in
 * size; CZ_ENOTFOUND when the job has no output folder. Write the whole
 * file there; the host publishes it when the job succeeds. */
int cz_job_output_path(cz_job *job, const char *relpath, char *buf,
                       size_t size, cz_error *err);

/* Take the audio at `key` for processing in place. When no later stage
 * declares it reads `key` (and the job is not keeping every value, as a
 * checkpoint or --save-bus does), the key is removed from the bus and *out
 * gets the bus's reference: with cz_audio_make_writable() the buffers are
 * then written in place, without a copy. Otherwise the value stays and
 * *out is a new reference, which make_writable copies. Either way the
 * caller owns one reference to release (or to put back under another key).
 * CZ_ENOTFOUND / CZ_ETYPE as for cz_bus_get_audio. */
int cz_job_take_audio(cz_job *job, const char *key, cz_audio **out, cz_error *err);

/* Log a line attributed to the running stage and module. */
void cz_job_log(cz_job *job, cz_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A short note for this stage's progress line ("via openai", "bar 12/64").
 * The last note set is kept with the stage's record. */
void cz_job_status(cz_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Non-zero once the job was asked to stop; long loops should check it and
 * return CZ_ECANCELED. */
int cz_job_cancelled(const cz_job *job);

#ifdef __cplusplus
}
#endif
#endif
