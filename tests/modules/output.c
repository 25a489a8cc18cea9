/* test.output: writes files through cz_job_output_path: `file` (default
 * out.txt) with `text`, so staging, publishing and path refusal are tested. */
#include <stdio.h>
#include <cadenza/cadenza.h>

static int o_run(void *inst, cz_job *job, cz_error *err)
{
    const json_t *o = inst;
    char path[4096];
    int rc = cz_job_output_path(job, cz_opt_str(o, "file"), path, sizeof path, err);
    if (rc)
        return rc;
    FILE *f = fopen(path, "w");
    if (!f)
        return cz_err(err, CZ_EIO, "cannot write %s", path);
    fputs(cz_opt_str(o, "text"), f);
    fclose(f);
    return 0;
}

static int o_init(const cz_init *a, void **inst, cz_error *err)
{
    (void)err;
    *inst = (void *)a->options;
    return 0;
}

static const cz_option options[] = {CZ_OPTION_STRING("file", "out.txt", "relative path"),
                                    CZ_OPTION_STRING("text", "hello", "content"), CZ_OPTIONS_END};

CZ_MODULE(.name = "test.output", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Writes one output file", .options = options, .init = o_init, .run = o_run);
