/* A descriptor from a future ABI major: must be refused by version. */
#include <cadenza/cadenza.h>

static int run(void *i, cz_job *j, cz_error *e) { (void)i, (void)j, (void)e; return 0; }
CZ_EXPORT const cz_module_desc cadenza_module_v1 = {
    .size = sizeof(cz_module_desc), .abi_major = CZ_ABI_MAJOR + 1, .abi_minor = 0,
    .name = "test.bad_major", .version = "1.0.0", .kind = CZ_KIND_STAGE, .run = run};
