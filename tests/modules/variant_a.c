/* test.variant_a / test.variant_b (VARIANT_NAME): interchangeable A/B
 * variants that write which one ran. */
#include <cadenza/cadenza.h>

#ifndef VARIANT
#define VARIANT "a"
#endif

static int v_run(void *inst, cz_job *job, cz_error *err)
{
    (void)inst, (void)err;
    return cz_bus_put_string(cz_job_bus(job), "test.variant", VARIANT);
}

static const cz_port writes[] = {CZ_WRITE("test.variant", CZ_TYPE_STRING, "which variant ran"),
                                 CZ_PORTS_END};

CZ_MODULE(.name = "test.variant_" VARIANT, .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "A/B variant " VARIANT, .writes = writes, .run = v_run);
