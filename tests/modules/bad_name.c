/* A descriptor without a name: malformed. */
#include <cadenza/cadenza.h>

static int run(void *i, cz_job *j, cz_error *e) { (void)i, (void)j, (void)e; return 0; }
CZ_MODULE(.version = "1.0.0", .kind = CZ_KIND_STAGE, .run = run);
