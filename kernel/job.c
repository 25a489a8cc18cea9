/*
 * kernel/job.c - the cz_job_* calls a stage makes, and its output folder.
 *
 * Outputs are staged: a stage writes into a private folder inside --out
 * (".cadenza-staging-XXXXXX"), and only when every stage has succeeded
 * does the kernel move each file into place with rename(2), which is
 * atomic per file. A failed job removes its staging folder, so the user
 * never finds a half-written song, and no path a module asks for can
 * escape --out (absolute paths and ".." are refused here, once, for every
 * module).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job_impl.h"

cz_bus *cz_job_bus(cz_job *job)
{
    return job->bus;
}

uint64_t cz_job_seed(const cz_job *job)
{
    return job->seed;
}

const char *cz_job_key(const cz_job *job)
{
    return job->key;
}

const char *cz_job_pipeline(const cz_job *job)
{
    return job->g->pipe->name;
}

const char *cz_job_stage(const cz_job *job)
{
    return job->stage ? job->stage : "";
}

int cz_job_cancelled(const cz_job *job)
{
    return job->cancel && *job->cancel;
}

int cz_job_has_output(const cz_job *job)
{
    return job->staging != NULL;
}

void cz_job_log(cz_job *job, cz_log_level level, const char *fmt, ...)
{
    char who[160];
    snprintf(who, sizeof who, "%s (%s)", cz_job_stage(job),
             job->cur ? job->cur->mod->desc.name : "kernel");
    va_list ap;
    va_start(ap, fmt);
    cz_logv(level, who, fmt, ap);
    va_end(ap);
}

void cz_job_status(cz_job *job, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->status, sizeof job->status, fmt, ap);
    va_end(ap);
}

int cz_job_take_audio(cz_job *job, const char *key, cz_audio **out, cz_error *err)
{
    const cz_audio *a;
    *out = NULL;
    int rc = cz_bus_get_audio(job->bus, key, &a);
    if (rc)
        return cz_err(err, rc, "cannot take '%s': %s", key ? key : "(null)",
                      rc == CZ_ETYPE ? "it is not audio" : "no such key");
    cz_audio_ref(a);
    *out = (cz_audio *)a;
    /* The bus's reference goes with the value when nobody after us needs it. */
    if (!job->keep_all && !cz_job_key_live(job, key, job->stage_index))
        cz_bus_remove(job->bus, key);
    return 0;
}

/* A relative path of plain components: no "", ".", ".." or hidden names. */
static int safe_relpath(const char *rel)
{
    if (!rel || !*rel || rel[0] == '/' || strlen(rel) > 1024)
        return 0;
    const char *p = rel;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 0 || p[0] == '.')
            return 0;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)p[i] < 0x20 || p[i] == '\\')
                return 0;
        p += n;
        if (*p == '/')
            p++;
    }
    return p[-1] != '/';
}

int cz_job_output_path(cz_job *job, const char *rel, char *buf, size_t size, cz_error *err)
{
    if (!job->staging)
        return cz_err(err, CZ_ENOTFOUND, "this job has no output folder (run with --out DIR)");
    if (!safe_relpath(rel))
        return cz_err(err, CZ_EINVAL, "output path '%s' refused: it must be relative, inside the output folder, without '..' or hidden names",
                      rel ? rel : "(null)");
    int n = snprintf(buf, size, "%s/%s", job->staging, rel);
    if (n < 0 || (size_t)n >= size)
        return cz_err(err, CZ_EINVAL, "output path '%s' is too long", rel);
    char *slash = strrchr(buf, '/');
    *slash = 0;
    int rc = cz_mkdirs(buf, err);
    *slash = '/';
    return rc;
}

int cz_job_outputs_begin(cz_job *job, const char *out_dir, cz_error *err)
{
    struct stat st;
    job->created_out = stat(out_dir, &st) != 0;
    if (cz_mkdirs(out_dir, err))
        return CZ_EIO;
    job->out_dir = cz_strdup(out_dir);
    job->staging = cz_strfmt("%s/.cadenza-staging-XXXXXX", out_dir);
    if (!job->staging || !mkdtemp(job->staging)) {
        int e = errno;
        free(job->staging);
        job->staging = NULL;
        return cz_err(err, CZ_EIO, "cannot create a staging folder in '%s': %s", out_dir, strerror(e));
    }
    return 0;
}

/* Move every file under staging/rel to out/rel. */
static int publish_dir(cz_job *job, const char *rel, json_t *files, cz_error *err)
{
    char *src_dir = *rel ? cz_strfmt("%s/%s", job->staging, rel) : cz_strdup(job->staging);
    DIR *d = src_dir ? opendir(src_dir) : NULL;
    if (!d) {
        free(src_dir);
        return cz_err(err, CZ_EIO, "cannot read the staging folder: %s", strerror(errno));
    }
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *r = *rel ? cz_strfmt("%s/%s", rel, de->d_name) : cz_strdup(de->d_name);
        char *src = cz_strfmt("%s/%s", job->staging, r);
        char *dst = cz_strfmt("%s/%s", job->out_dir, r);
        struct stat st;
        if (!r || !src || !dst) {
            rc = cz_err(err, CZ_ENOMEM, "out of memory");
        } else if (!lstat(src, &st) && S_ISDIR(st.st_mode)) {
            rc = cz_mkdirs(dst, err);
            if (!rc)
                rc = publish_dir(job, r, files, err);
        } else if (rename(src, dst)) {
            rc = cz_err(err, CZ_EIO, "cannot move '%s' into the output folder: %s", r, strerror(errno));
        } else {
            json_array_append_new(files, json_string(r));
        }
        free(r);
        free(src);
        free(dst);
    }
    closedir(d);
    free(src_dir);
    return rc;
}

int cz_job_outputs_end(cz_job *job, int success, json_t *files, cz_error *err)
{
    if (!job->staging)
        return 0;
    int rc = success ? publish_dir(job, "", files, err) : 0;
    cz_rmtree(job->staging);
    if (!success && job->created_out)
        rmdir(job->out_dir); /* only succeeds when it is empty */
    return rc;
}
