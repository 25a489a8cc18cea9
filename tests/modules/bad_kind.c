/* A descriptor of an unknown kind: malformed. */
#include <cadenza/cadenza.h>

static int run(void *i, cz_job *j, cz_error *e) { (void)i, (void)j, (void)e; return 0; }
CZ_MODULE(.name = "test.bad_kind", .version = "1.0.0", .kind = (cz_kind)42, .run = run);
