/* test.variant_odd: writes test.variant as an int: a variant whose ports
 * disagree with test.variant_a. */
#include <cadenza/cadenza.h>

static int v_run(void *inst, cz_job *job, cz_error *err)
{
    (void)inst, (void)err;
    return cz_bus_put_int(cz_job_bus(job), "test.variant", 3);
}

static const cz_port writes[] = {CZ_WRITE("test.variant", CZ_TYPE_INT, "wrong type"), CZ_PORTS_END};

CZ_MODULE(.name = "test.variant_odd", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Variant with other ports", .writes = writes, .run = v_run);
