/* A module whose constructor crashes: the registry scan must survive it. */
#include <signal.h>
#include <cadenza/cadenza.h>

__attribute__((constructor)) static void boom(void)
{
    raise(SIGSEGV);
}

static int run(void *i, cz_job *j, cz_error *e) { (void)i, (void)j, (void)e; return 0; }
CZ_MODULE(.name = "test.crash_on_load", .version = "1.0.0", .kind = CZ_KIND_STAGE, .run = run);
