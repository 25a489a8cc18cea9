/* test.liar: declares a write it never makes; the runner must catch it. */
#include <cadenza/cadenza.h>

static int l_run(void *inst, cz_job *job, cz_error *err)
{
    (void)inst, (void)job, (void)err;
    return 0;
}

static const cz_port writes[] = {CZ_WRITE("test.promised", CZ_TYPE_JSON, "never written"), CZ_PORTS_END};

CZ_MODULE(.name = "test.liar", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Breaks its promise", .writes = writes, .run = l_run);
