/* test.audio_maker: puts `test.audio`, one second of stereo 0.25 with two
 * stems, for the take/make-writable tests. */
#include <cadenza/cadenza.h>

static cz_audio *filled(float v)
{
    cz_audio *a = cz_audio_new(8000, 2, 8000);
    for (uint64_t i = 0; a && i < a->frames * 2; i++)
        a->samples[i] = v;
    return a;
}

static int m_run(void *inst, cz_job *job, cz_error *err)
{
    (void)inst;
    cz_audio *a = filled(0.25f);
    if (!a || cz_audio_add_stem(a, "x", filled(0.125f)) || cz_audio_add_stem(a, "y", filled(0.125f)))
        return cz_err(err, CZ_ENOMEM, "out of memory");
    return cz_bus_put_audio(cz_job_bus(job), "test.audio", a);
}

static const cz_port writes[] = {CZ_WRITE("test.audio", CZ_TYPE_AUDIO, "a buffer with stems"), CZ_PORTS_END};

CZ_MODULE(.name = "test.audio_maker", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Puts a small buffer with stems", .writes = writes, .run = m_run);
