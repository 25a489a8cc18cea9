/* test.audio_taker: takes `test.audio`, doubles it in place after
 * cz_audio_make_writable, puts it as `test.doubled_audio` and records in
 * `test.in_place` whether no copy was needed. It says it was built against
 * ABI 1.0, before spooled audio: it touches every stem's samples directly,
 * so the host must bring spooled stems into memory for it. */
#include <cadenza/cadenza.h>

static int t_run(void *inst, cz_job *job, cz_error *err)
{
    (void)inst;
    cz_audio *a;
    int rc = cz_job_take_audio(job, "test.audio", &a, err);
    if (rc)
        return rc;
    const float *before = a->samples, *stem_before = a->stems[0].audio->samples;
    if (cz_audio_make_writable(&a)) {
        cz_audio_unref(a);
        return cz_err(err, CZ_ENOMEM, "out of memory");
    }
    int in_place = a->samples == before && a->stems[0].audio->samples == stem_before;
    for (uint64_t i = 0; i < a->frames * a->channels; i++)
        a->samples[i] *= 2;
    for (uint32_t s = 0; s < a->n_stems; s++)
        for (uint64_t i = 0; i < a->frames * a->channels; i++)
            a->stems[s].audio->samples[i] *= 2;
    cz_bus_put_bool(cz_job_bus(job), "test.in_place", in_place);
    cz_bus_put_float(cz_job_bus(job), "test.first", a->samples[0] + a->stems[1].audio->samples[7]);
    return cz_bus_put_audio(cz_job_bus(job), "test.doubled_audio", a);
}

static const cz_port reads[] = {CZ_READ("test.audio", CZ_TYPE_AUDIO, "input"), CZ_PORTS_END};
static const cz_port writes[] = {CZ_WRITE("test.doubled_audio", CZ_TYPE_AUDIO, "input x 2"),
                                 CZ_WRITE("test.in_place", CZ_TYPE_BOOL, "no copy was made"),
                                 CZ_WRITE("test.first", CZ_TYPE_FLOAT, "first sample + stem y's 8th"),
                                 CZ_PORTS_END};

#pragma GCC diagnostic ignored "-Woverride-init" /* abi_minor below replaces CZ_MODULE's */
CZ_MODULE(.abi_minor = 0, .name = "test.audio_taker", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Doubles a buffer in place when it may", .reads = reads, .writes = writes, .run = t_run);
