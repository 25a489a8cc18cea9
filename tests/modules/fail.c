/* test.fail: fails with the message in its option. */
#include <cadenza/cadenza.h>

static int f_run(void *inst, cz_job *job, cz_error *err)
{
    (void)job;
    return cz_err(err, CZ_EINVAL, "%s", (const char *)inst);
}

static int f_init(const cz_init *a, void **inst, cz_error *err)
{
    (void)err;
    *inst = (void *)cz_opt_str(a->options, "message"); /* borrowed until fini */
    return 0;
}

static const cz_option options[] = {CZ_OPTION_STRING("message", "planned failure", "the error"),
                                    CZ_OPTIONS_END};

CZ_MODULE(.name = "test.fail", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Always fails", .options = options, .init = f_init, .run = f_run);
