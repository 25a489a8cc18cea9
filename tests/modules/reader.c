/* test.reader: requires `test.value` (int) and writes its double as
 * `test.doubled`; fails cleanly when the input is missing. */
#include <cadenza/cadenza.h>

static int r_run(void *inst, cz_job *job, cz_error *err)
{
    (void)inst;
    int64_t v;
    int rc = cz_bus_get_int(cz_job_bus(job), "test.value", &v);
    if (rc)
        return cz_err(err, rc, "cannot read test.value: %s", cz_strerror(rc));
    return cz_bus_put_int(cz_job_bus(job), "test.doubled", 2 * v);
}

static const cz_port reads[] = {CZ_READ("test.value", CZ_TYPE_INT, "input"), CZ_PORTS_END};
static const cz_port writes[] = {CZ_WRITE("test.doubled", CZ_TYPE_INT, "2 x input"), CZ_PORTS_END};

CZ_MODULE(.name = "test.reader", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Doubles test.value", .reads = reads, .writes = writes, .run = r_run);
