/* A descriptor with one read port listed twice: malformed. */
#include <cadenza/cadenza.h>

static int run(void *i, cz_job *j, cz_error *e) { (void)i, (void)j, (void)e; return 0; }
static const cz_port reads[] = {CZ_READ("a.b", CZ_TYPE_INT, ""), CZ_READ("a.b", CZ_TYPE_INT, ""),
                                CZ_PORTS_END};
CZ_MODULE(.name = "test.dup_port", .version = "1.0.0", .kind = CZ_KIND_STAGE, .reads = reads, .run = run);
