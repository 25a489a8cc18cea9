/* An option whose default is outside its own range: malformed. */
#include <cadenza/cadenza.h>

static int run(void *i, cz_job *j, cz_error *e) { (void)i, (void)j, (void)e; return 0; }
static const cz_option options[] = {CZ_OPTION_INT("level", "11", 0, 10, "goes to eleven"), CZ_OPTIONS_END};
CZ_MODULE(.name = "test.bad_default", .version = "1.0.0", .kind = CZ_KIND_STAGE, .options = options, .run = run);
