/* test.audio_maker: puts `test.audio`, one second of stereo 0.25 with two
 * stems, for the take/make-writable tests; option `spooled` keeps the stems
 * in scratch files (audio.h). */
#include <cadenza/cadenza.h>

static cz_audio *filled(float v)
{
    cz_audio *a = cz_audio_new(8000, 2, 8000);
    for (uint64_t i = 0; a && i < a->frames * 2; i++)
        a->samples[i] = v;
    return a;
}

static cz_audio *spooled(cz_audio *m)
{
    cz_audio *s = NULL;
    if (m && !cz_audio_new_spooled(m->rate, m->channels, m->frames, &s, NULL) &&
        cz_audio_write(s, 0, m->frames, m->samples)) {
        cz_audio_unref(s);
        s = NULL;
    }
    cz_audio_unref(m);
    return s;
}

static int m_init(const cz_init *args, void **inst, cz_error *err)
{
    (void)err;
    *inst = cz_opt_bool(args->options, "spooled") ? (void *)1 : NULL;
    return 0;
}

static int m_run(void *inst, cz_job *job, cz_error *err)
{
    cz_audio *a = filled(0.25f), *x = filled(0.125f), *y = filled(0.125f);
    if (inst) {
        x = spooled(x);
        y = spooled(y);
    }
    if (!a || !x || !y || cz_audio_add_stem(a, "x", x) || cz_audio_add_stem(a, "y", y))
        return cz_err(err, CZ_ENOMEM, "out of memory");
    return cz_bus_put_audio(cz_job_bus(job), "test.audio", a);
}

static const cz_port writes[] = {CZ_WRITE("test.audio", CZ_TYPE_AUDIO, "a buffer with stems"), CZ_PORTS_END};
static const cz_option options[] = {
    CZ_OPTION_BOOL("spooled", "false", "stems in scratch files"), CZ_OPTIONS_END};

CZ_MODULE(.name = "test.audio_maker", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Puts a small buffer with stems", .writes = writes, .options = options,
          .init = m_init, .run = m_run);
