/* A descriptor from a newer ABI minor than the kernel's: refused. */
#include <cadenza/cadenza.h>

static int run(void *i, cz_job *j, cz_error *e) { (void)i, (void)j, (void)e; return 0; }
CZ_EXPORT const cz_module_desc cadenza_module_v1 = {
    .size = sizeof(cz_module_desc), .abi_major = CZ_ABI_MAJOR, .abi_minor = CZ_ABI_MINOR + 1,
    .name = "test.bad_minor", .version = "1.0.0", .kind = CZ_KIND_STAGE, .run = run};
