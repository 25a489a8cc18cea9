/* test.noop: a stage that does nothing; the unit of dispatch benchmarks. */
#include <cadenza/cadenza.h>

static int noop_run(void *inst, cz_job *job, cz_error *err)
{
    (void)inst, (void)job, (void)err;
    return 0;
}

CZ_MODULE(.name = "test.noop", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Does nothing (dispatch benchmarks and runner tests)", .run = noop_run);
