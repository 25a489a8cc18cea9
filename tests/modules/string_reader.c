/* test.string_reader: reads `test.value` as a string: a type mismatch
 * with test.writer for the static check. */
#include <cadenza/cadenza.h>

static int s_run(void *inst, cz_job *job, cz_error *err)
{
    (void)inst, (void)job;
    return cz_err(err, CZ_EINTERNAL, "must never run: the static check refuses it");
}

static const cz_port reads[] = {CZ_READ("test.value", CZ_TYPE_STRING, "input"), CZ_PORTS_END};

CZ_MODULE(.name = "test.string_reader", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Reads test.value as a string", .reads = reads, .run = s_run);
