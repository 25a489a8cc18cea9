/*
 * Bus: typed values, wrong-type gets, reference counts, lineage, and the
 * save/load round trip that checkpoints will rely on.
 */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernel/kernel.h"
#include "../runtime/runtime.h"
#include "harness.h"
#include "kit.h"

START_TEST(scalars_round_trip_and_types_are_enforced)
{
    cz_bus *b = cz_bus_new();
    ck_assert_int_eq(cz_bus_put_int(b, "a.int", -5), 0);
    ck_assert_int_eq(cz_bus_put_float(b, "a.float", 2.5), 0);
    ck_assert_int_eq(cz_bus_put_bool(b, "a.bool", 7), 0);
    ck_assert_int_eq(cz_bus_put_string(b, "a.str", "hello"), 0);
    int64_t i;
    double f;
    int bo;
    const char *s;
    ck_assert_int_eq(cz_bus_get_int(b, "a.int", &i), 0);
    ck_assert_int_eq(i, -5);
    ck_assert_int_eq(cz_bus_get_float(b, "a.float", &f), 0);
    ck_assert(f == 2.5);
    ck_assert_int_eq(cz_bus_get_bool(b, "a.bool", &bo), 0);
    ck_assert_int_eq(bo, 1);
    ck_assert_int_eq(cz_bus_get_string(b, "a.str", &s), 0);
    ck_assert_str_eq(s, "hello");
    /* A wrong-type get is an error, never a reinterpretation. */
    ck_assert_int_eq(cz_bus_get_string(b, "a.int", &s), CZ_ETYPE);
    ck_assert_int_eq(cz_bus_get_int(b, "a.float", &i), CZ_ETYPE);
    const json_t *j;
    ck_assert_int_eq(cz_bus_get_json(b, "a.str", &j), CZ_ETYPE);
    ck_assert_int_eq(cz_bus_get_int(b, "nope", &i), CZ_ENOTFOUND);
    /* An int may feed a float read (YAML "5" for a float port). */
    ck_assert_int_eq(cz_bus_get_float(b, "a.int", &f), 0);
    ck_assert(f == -5.0);
    ck_assert_int_eq(cz_bus_type(b, "a.str"), CZ_TYPE_STRING);
    ck_assert_int_eq(cz_bus_type(b, "nope"), CZ_TYPE_NONE);
    ck_assert_int_eq(cz_bus_put_int(b, "", 1), CZ_EINVAL);
    ck_assert_int_eq(cz_bus_put_int(b, NULL, 1), CZ_EINVAL);
    cz_bus_free(b);
}
END_TEST

START_TEST(many_keys_keep_order_and_remove_works)
{
    cz_bus *b = cz_bus_new();
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k.%d", i);
        ck_assert_int_eq(cz_bus_put_int(b, key, i), 0);
    }
    ck_assert_uint_eq(cz_bus_count(b), 1000);
    ck_assert_str_eq(cz_bus_key_at(b, 0), "k.0");
    ck_assert_str_eq(cz_bus_key_at(b, 999), "k.999");
    ck_assert_ptr_null(cz_bus_key_at(b, 1000));
    ck_assert_int_eq(cz_bus_remove(b, "k.500"), 0);
    ck_assert_int_eq(cz_bus_remove(b, "k.500"), CZ_ENOTFOUND);
    int64_t v;
    ck_assert_int_eq(cz_bus_get_int(b, "k.501", &v), 0);
    ck_assert_int_eq(v, 501);
    ck_assert_str_eq(cz_bus_key_at(b, 500), "k.501");
    /* Overwriting keeps the key's place and replaces the type. */
    ck_assert_int_eq(cz_bus_put_string(b, "k.0", "now a string"), 0);
    ck_assert_str_eq(cz_bus_key_at(b, 0), "k.0");
    ck_assert_int_eq(cz_bus_type(b, "k.0"), CZ_TYPE_STRING);
    cz_bus_free(b);
}
END_TEST

START_TEST(audio_is_shared_by_reference)
{
    cz_bus *b1 = cz_bus_new(), *b2 = cz_bus_new();
    cz_audio *a = cz_audio_new(48000, 2, 480);
    a->samples[0] = 0.5f;
    cz_audio_ref(a); /* one for each bus */
    ck_assert_int_eq(cz_bus_put_audio(b1, "x.audio", a), 0);
    ck_assert_int_eq(cz_bus_put_audio(b2, "x.audio", a), 0);
    ck_assert_int_eq(a->refs, 2);
    const cz_audio *got;
    ck_assert_int_eq(cz_bus_get_audio(b2, "x.audio", &got), 0);
    ck_assert_ptr_eq(got, a); /* no copy */
    cz_bus_free(b1);
    ck_assert_int_eq(a->refs, 1);
    ck_assert(got->samples[0] == 0.5f);
    cz_bus_free(b2); /* last reference: freed (ASan would catch a leak) */
}
END_TEST

/* Spooled audio (audio.h): a scratch file that reads as silence until
 * written, round trips block writes, copies and loads like memory audio,
 * and is saved with the bus like any other. */
START_TEST(spooled_audio_reads_writes_copies_and_saves)
{
    cz_audio *a = NULL;
    cz_error err = {0};
    ck_assert_int_eq(cz_audio_new_spooled(48000, 2, 10000, &a, &err), 0);
    ck_assert_ptr_null(a->samples);
    float blk[2 * 100], back[2 * 100];
    ck_assert_int_eq(cz_audio_read(a, 9900, 100, back), 0);
    for (int k = 0; k < 200; k++)
        ck_assert(back[k] == 0.0f); /* never written: silence */
    for (int k = 0; k < 200; k++)
        blk[k] = (float)k / 200.0f - 0.5f;
    ck_assert_int_eq(cz_audio_write(a, 4321, 100, blk), 0);
    ck_assert_int_eq(cz_audio_read(a, 4321, 100, back), 0);
    ck_assert(!memcmp(blk, back, sizeof blk));
    ck_assert_int_eq(cz_audio_read(a, 9950, 100, back), CZ_EINVAL); /* past the end */
    ck_assert_int_eq(cz_audio_write(a, 10001, 0, blk), CZ_EINVAL);

    /* a shared spooled stem is copied by make_writable, spooled again */
    cz_audio *main = cz_audio_new(48000, 2, 10000);
    cz_audio_ref(a);
    ck_assert_int_eq(cz_audio_add_stem(main, "s", a), 0);
    cz_audio_ref(main);
    cz_audio *w = main;
    ck_assert_int_eq(cz_audio_make_writable(&w), 0);
    ck_assert_ptr_ne(w, main);
    ck_assert_ptr_ne(w->stems[0].audio, a);
    ck_assert_ptr_null(w->stems[0].audio->samples);
    ck_assert_int_eq(cz_audio_read(w->stems[0].audio, 4321, 100, back), 0);
    ck_assert(!memcmp(blk, back, sizeof blk));
    cz_audio_unref(w);

    /* saved and loaded with the bus: the same frames, now in memory */
    cz_bus *b = cz_bus_new();
    ck_assert_int_eq(cz_bus_put_audio(b, "mix", main), 0);
    char *dir = kit_tmpdir();
    ck_assert_msg(cz_bus_save(b, dir, &err) == 0, "%s", err.msg);
    cz_bus *r;
    ck_assert_msg(cz_bus_load(dir, &r, &err) == 0, "%s", err.msg);
    const cz_audio *got;
    ck_assert_int_eq(cz_bus_get_audio(r, "mix", &got), 0);
    ck_assert(!memcmp(cz_audio_stem(got, "s")->samples + 2 * 4321, blk, sizeof blk));
    cz_bus_free(r);
    cz_bus_free(b);
    kit_rm(dir);
    free(dir);

    /* load: into memory, same frames, the scratch file gone */
    ck_assert_int_eq(cz_audio_load(a), 0);
    ck_assert_ptr_nonnull(a->samples);
    ck_assert_int_eq(a->spool_fd, -1);
    ck_assert(!memcmp(a->samples + 2 * 4321, blk, sizeof blk));
    cz_audio_unref(a);
}
END_TEST

/* Publishing (audio.h): the scratch file becomes the delivered file, head +
 * frames + tail, and from then on nobody writes those frames in place. */
START_TEST(published_audio_is_a_file_and_read_only)
{
    char *dir = kit_tmpdir();
    setenv("CADENZA_SPOOL_DIR", dir, 1); /* scratch and output on one file system */
    cz_audio *a = NULL;
    cz_error err = {0};
    ck_assert_int_eq(cz_audio_new_spooled(48000, 2, 5000, &a, &err), 0);
    float blk[2 * 5000];
    for (int k = 0; k < 2 * 5000; k++)
        blk[k] = (float)sin(k * 0.01);
    ck_assert_int_eq(cz_audio_write(a, 0, 5000, blk), 0);
    unsigned char head[CZ_SPOOL_HEAD];
    memset(head, 'h', sizeof head);
    const char tail[] = "the tail";
    char *path = cz_strfmt("%s/stem.raw", dir);
    kit_write(path, "an older file, replaced");
    ck_assert_msg(cz_audio_publish(a, path, head, tail, sizeof tail, &err) == 0, "%s", err.msg);

    size_t n = 0;
    unsigned char *file = (unsigned char *)czh_slurp(path, &n);
    ck_assert_ptr_nonnull(file);
    ck_assert_uint_eq(n, CZ_SPOOL_HEAD + sizeof blk + sizeof tail);
    ck_assert(!memcmp(file, head, sizeof head));
    ck_assert(!memcmp(file + CZ_SPOOL_HEAD, blk, sizeof blk));
    ck_assert(!memcmp(file + CZ_SPOOL_HEAD + sizeof blk, tail, sizeof tail));
    free(file);

    /* still readable; read-only even for its only holder */
    float back[2 * 10];
    ck_assert_int_eq(cz_audio_read(a, 4990, 10, back), 0);
    ck_assert(!memcmp(back, blk + 2 * 4990, sizeof back));
    ck_assert_int_eq(cz_audio_write(a, 0, 10, back), CZ_EINVAL);
    ck_assert_int_eq(cz_audio_publish(a, path, head, NULL, 0, &err), CZ_ENOTSUP);
    cz_audio *w = a;
    cz_audio_ref(w);
    ck_assert_int_eq(cz_audio_make_writable(&w), 0); /* a copy, spooled again */
    ck_assert_ptr_ne(w, a);
    ck_assert_int_eq(cz_audio_write(w, 0, 10, back), 0);
    cz_audio_unref(w);
    cz_audio_unref(a);
    /* the file outlives the buffer, unchanged */
    file = (unsigned char *)czh_slurp(path, &n);
    ck_assert_uint_eq(n, CZ_SPOOL_HEAD + sizeof blk + sizeof tail);
    ck_assert(!memcmp(file + CZ_SPOOL_HEAD, blk, sizeof blk));
    free(file);

    /* a buffer in memory cannot be published: the caller copies */
    cz_audio *m = cz_audio_new(48000, 2, 10);
    char *other = cz_strfmt("%s/memory.raw", dir);
    ck_assert_int_eq(cz_audio_publish(m, other, head, NULL, 0, &err), CZ_ENOTSUP);
    ck_assert_int_eq(access(other, F_OK), -1);
    cz_audio_unref(m);

    /* nor across file systems (when /dev/shm is one of its own here) */
    struct stat shm, here;
    if (stat("/dev/shm", &shm) == 0 && stat(dir, &here) == 0 && shm.st_dev != here.st_dev &&
        access("/dev/shm", W_OK) == 0) {
        setenv("CADENZA_SPOOL_DIR", "/dev/shm", 1);
        cz_audio *x = NULL;
        ck_assert_int_eq(cz_audio_new_spooled(48000, 1, 100, &x, &err), 0);
        ck_assert_int_eq(cz_audio_publish(x, other, head, tail, sizeof tail, &err), CZ_ENOTSUP);
        ck_assert_int_eq(access(other, F_OK), -1);
        ck_assert_int_eq(cz_audio_write(x, 0, 1, back), 0); /* still its own */
        cz_audio_unref(x);
    }
    unsetenv("CADENZA_SPOOL_DIR");
    free(other);
    free(path);
    kit_rm(dir);
    free(dir);
}
END_TEST

/* cz_audio_recycle: the donor's memory when it is the caller's alone,
 * always zeroed, never another holder's samples. */
START_TEST(recycle_reuses_only_what_nobody_else_holds)
{
    cz_audio *d = cz_audio_new(48000, 2, 1000);
    for (int k = 0; k < 2000; k++)
        d->samples[k] = 0.5f;
    ck_assert_int_eq(cz_audio_add_stem(d, "s", cz_audio_new(48000, 2, 1000)), 0);
    float *mem = d->samples;
    cz_audio *r = cz_audio_recycle(d, 44100, 1, 1500); /* fewer samples: fits */
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_eq(r->samples, mem);
    ck_assert(r->rate == 44100 && r->channels == 1 && r->frames == 1500 && r->n_stems == 0);
    for (int k = 0; k < 1500; k++)
        ck_assert(r->samples[k] == 0.0f);

    /* shared: the other holder keeps its samples, the result is new */
    r->samples[7] = 1.0f;
    cz_audio_ref(r);
    cz_audio *n = cz_audio_recycle(r, 44100, 1, 1500);
    ck_assert_ptr_ne(n->samples, mem);
    ck_assert(r->samples[7] == 1.0f && n->samples[7] == 0.0f);
    cz_audio_unref(n);
    /* too small for the shape asked: new memory */
    n = cz_audio_recycle(r, 48000, 2, 1000);
    ck_assert_ptr_nonnull(n);
    for (int k = 0; k < 2000; k++)
        ck_assert(n->samples[k] == 0.0f);
    cz_audio_unref(n);

    /* a spooled donor has no memory to give */
    cz_audio *sp = NULL;
    ck_assert_int_eq(cz_audio_new_spooled(48000, 2, 100, &sp, NULL), 0);
    n = cz_audio_recycle(sp, 48000, 2, 100);
    ck_assert_ptr_nonnull(n->samples);
    ck_assert_int_eq(n->spool_fd, -1);
    cz_audio_unref(n);
    ck_assert_ptr_null(cz_audio_recycle(cz_audio_new(48000, 2, 10), 0, 2, 10));

    /* prefaulting maps pages, and changes no sample; a spooled buffer or
     * NULL is left alone */
    cz_audio *big = cz_audio_new(48000, 2, 48000 * 3);
    cz_audio_prefault(big);
    for (size_t k = 0; k < 2 * 48000 * 3; k += 997)
        ck_assert(big->samples[k] == 0.0f);
    cz_audio_unref(big);
    ck_assert_int_eq(cz_audio_new_spooled(48000, 2, 100, &sp, NULL), 0);
    cz_audio_prefault(sp);
    ck_assert_ptr_null(sp->samples);
    cz_audio_unref(sp);
    cz_audio_prefault(NULL);
}
END_TEST

/* The gated level (audio.h cz_level): the documented measure, and the
 * very same figure however the signal is cut into blocks. */
START_TEST(level_is_the_gated_mean_and_independent_of_the_cut)
{
    enum { RATE = 44100, CH = 2, FRAMES = RATE * 3 + 1234 };
    float *x = malloc(sizeof(float) * FRAMES * CH);
    cz_rng r;
    cz_rng_init(&r, 5, "level");
    for (int i = 0; i < FRAMES * CH; i++) {
        /* a loud second, a quiet one (-30 dB: gated relative), silence */
        double g = i < RATE * CH ? 0.5 : i < 2 * RATE * CH ? 0.5 * 0.0316 : 0.0;
        x[i] = (float)(g * (cz_rng_unit(&r) * 2 - 1));
    }
    /* reference: windows of RATE / 10 frames, gates at -70 dBFS and -20 dB */
    long double sum = 0, ms[40];
    int nw = 0, used = 0;
    for (int f0 = 0; f0 < FRAMES; f0 += RATE / 10, nw++) {
        int f1 = f0 + RATE / 10 < FRAMES ? f0 + RATE / 10 : FRAMES;
        long double s = 0;
        for (int i = f0 * CH; i < f1 * CH; i++)
            s += (long double)x[i] * x[i];
        ms[nw] = s / ((f1 - f0) * CH);
        if (ms[nw] > 1e-7L)
            sum += ms[nw], used++;
    }
    long double rel = sum / used * 0.01L, s2 = 0;
    int n2 = 0;
    for (int w = 0; w < nw; w++)
        if (ms[w] > 1e-7L && ms[w] > rel)
            s2 += ms[w], n2++;
    double want = 10.0 * log10((double)(s2 / n2));

    cz_level whole, cut;
    ck_assert_int_eq(cz_level_init(&whole, RATE, CH), 0);
    ck_assert_int_eq(cz_level_feed(&whole, x, FRAMES), 0);
    double got = cz_level_db(&whole);
    ck_assert_msg(fabs(got - want) < 1e-4, "level %.6f, want %.6f", got, want);
    ck_assert_int_eq(cz_level_init(&cut, RATE, CH), 0);
    for (int f = 0, k = 1; f < FRAMES; k = k * 7 % 1009 + 1) {
        int n = FRAMES - f < k ? FRAMES - f : k;
        int silent = 1;
        for (int i = f * CH; i < (f + n) * CH && silent; i++)
            silent = x[i] == 0.0f;
        /* silence may be fed as NULL */
        ck_assert_int_eq(cz_level_feed(&cut, silent ? NULL : x + f * CH, (uint64_t)n), 0);
        f += n;
    }
    ck_assert_msg(cz_level_db(&cut) == got, "%.17g against %.17g", cz_level_db(&cut), got);
    cz_level_free(&whole);
    cz_level_free(&cut);

    /* silence, and nothing at all */
    ck_assert_int_eq(cz_level_init(&cut, RATE, 1), 0);
    ck_assert(cz_level_db(&cut) == -200.0);
    ck_assert_int_eq(cz_level_feed(&cut, NULL, RATE), 0);
    ck_assert(cz_level_db(&cut) == -200.0);
    cz_level_free(&cut);
    ck_assert_int_eq(cz_level_init(&cut, 0, 2), CZ_EINVAL);
    free(x);
}
END_TEST

/* A spool folder the operator named but that cannot be used is an error
 * naming it, never a silent fallback elsewhere. */
START_TEST(unusable_spool_dir_is_named)
{
    const char *old = getenv("CADENZA_SPOOL_DIR");
    char *keep = old ? strdup(old) : NULL;
    setenv("CADENZA_SPOOL_DIR", "/nonexistent/cadenza-spool", 1);
    cz_audio *a = NULL;
    cz_error err = {0};
    ck_assert_int_eq(cz_audio_new_spooled(48000, 2, 100, &a, &err), CZ_EIO);
    ck_assert_ptr_null(a);
    ck_assert_msg(strstr(err.msg, "/nonexistent/cadenza-spool"), "%s", err.msg);
    if (keep)
        setenv("CADENZA_SPOOL_DIR", keep, 1);
    else
        unsetenv("CADENZA_SPOOL_DIR");
    free(keep);
}
END_TEST

/* A scratch file that cannot be given its size (here: past the process's
 * file size limit, as a full or quota-bound disk would) is a clean CZ_EIO
 * naming the size and the folder, and nothing leaks. */
START_TEST(spool_that_cannot_be_sized_is_a_clean_error)
{
    signal(SIGXFSZ, SIG_IGN); /* Check runs each test in its own process */
    struct rlimit small = {1 << 20, 1 << 20};
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    cz_audio *a = NULL;
    cz_error err = {0};
    ck_assert_int_eq(cz_audio_new_spooled(48000, 2, 48000 * 10, &a, &err), CZ_EIO);
    ck_assert_ptr_null(a);
    ck_assert_msg(strstr(err.msg, "4 MB scratch file in"), "%s", err.msg);
}
END_TEST

START_TEST(failed_put_releases_the_reference)
{
    cz_bus *b = cz_bus_new();
    /* Must not leak: the put takes the reference even when it fails. */
    ck_assert_int_eq(cz_bus_put_json(b, "", json_object()), CZ_EINVAL);
    ck_assert_int_eq(cz_bus_put_score(b, NULL, cz_score_new(0)), CZ_EINVAL);
    ck_assert_int_eq(cz_bus_put_audio(b, "", cz_audio_new(48000, 1, 10)), CZ_EINVAL);
    cz_bus_free(b);
}
END_TEST

START_TEST(lineage_records_the_writer)
{
    cz_bus *b = cz_bus_new();
    cz_bus_set_writer(b, "composition", "composition.theory", "1.2.0");
    cz_bus_put_int(b, "a", 1);
    cz_bus_set_writer(b, "mixing", "mixing.console", "2.0.0");
    cz_bus_put_int(b, "b", 2);
    cz_lineage l;
    ck_assert_int_eq(cz_bus_lineage(b, "a", &l), 0);
    ck_assert_str_eq(l.stage, "composition");
    ck_assert_str_eq(l.module, "composition.theory");
    ck_assert_str_eq(l.version, "1.2.0");
    ck_assert_int_eq(l.seq, 1);
    ck_assert_int_eq(cz_bus_lineage(b, "b", &l), 0);
    ck_assert_str_eq(l.stage, "mixing");
    ck_assert_int_eq(l.seq, 2);
    /* A rewrite is attributed to the new writer. */
    cz_bus_put_int(b, "a", 3);
    cz_bus_lineage(b, "a", &l);
    ck_assert_str_eq(l.module, "mixing.console");
    ck_assert_int_eq(l.seq, 3);
    ck_assert_int_eq(cz_bus_lineage(b, "zz", &l), CZ_ENOTFOUND);
    cz_bus_free(b);
}
END_TEST

static cz_score *sample_score(void)
{
    cz_score *s = cz_score_new(480);
    s->bpm = 97.5;
    s->meter_num = 6;
    s->meter_den = 8;
    s->key_tonic = 9;
    s->mode = CZ_MODE_DORIAN;
    s->swing = 0.25f;
    s->bars = 8;
    s->total_ticks = 8 * cz_score_ticks_per_bar(s);
    cz_score_add_section(s, "verse", 0, 8, 0.4f);
    cz_chord c = {.tick = 0, .len = 1440, .root = 9, .bass = 9, .tones = 0x211};
    strcpy(c.symbol, "Am");
    strcpy(c.roman, "i");
    cz_score_add_chord(s, &c);
    cz_track *t = cz_score_add_track(s, "bass", CZ_ROLE_BASS, 33, 1);
    t->pan = -0.25f;
    cz_track_add_note(t, 0, 240, 45, 100, 0);
    cz_track_add_note(t, 240, 240, 52, 90, CZ_NOTE_PASSING);
    t = cz_score_add_track(s, "drums", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL);
    cz_track_add_note(t, 0, 60, 36, 127, CZ_NOTE_ACCENT);
    return s;
}

START_TEST(save_and_load_round_trip)
{
    cz_bus *b = cz_bus_new();
    cz_bus_set_writer(b, "s1", "m.one", "1.0.0");
    cz_bus_put_int(b, "i", INT64_MIN);
    cz_bus_put_float(b, "f", 0.1);
    cz_bus_put_float(b, "nan", NAN);
    cz_bus_put_bool(b, "b", 1);
    cz_bus_put_string(b, "s", "üñí \"quoted\"");
    cz_bus_put_json(b, "j", json_pack("{s:[i,i],s:s}", "a", 1, 2, "b", "c"));
    cz_bus_set_writer(b, "s2", "m.two", "2.0.0");
    cz_bus_put_score(b, "score", sample_score());
    cz_audio *a = cz_audio_new(44100, 2, 1000);
    for (int k = 0; k < 2000; k++)
        a->samples[k] = (float)k / 3000.0f - 0.3f;
    cz_audio *stem = cz_audio_new(44100, 2, 1000);
    stem->samples[1999] = -1.0f;
    ck_assert_int_eq(cz_audio_add_stem(a, "bass", stem), 0);
    cz_bus_put_audio(b, "audio", a);
    const unsigned char bytes[] = {0, 1, 2, 255};
    cz_bus_put_blob(b, "blob", bytes, sizeof bytes, "application/x-test");

    char *dir = kit_tmpdir();
    cz_error err = {0};
    ck_assert_msg(cz_bus_save(b, dir, &err) == 0, "%s", err.msg);
    cz_bus *r;
    ck_assert_msg(cz_bus_load(dir, &r, &err) == 0, "%s", err.msg);

    ck_assert_uint_eq(cz_bus_count(r), cz_bus_count(b));
    for (size_t k = 0; k < cz_bus_count(b); k++) {
        const char *key = cz_bus_key_at(b, k);
        ck_assert_str_eq(cz_bus_key_at(r, k), key);
        cz_lineage l1, l2;
        cz_bus_lineage(b, key, &l1);
        cz_bus_lineage(r, key, &l2);
        ck_assert_str_eq(l1.module, l2.module);
        ck_assert_str_eq(l1.stage, l2.stage);
        ck_assert_str_eq(l1.version, l2.version);
        ck_assert_int_eq(l1.seq, l2.seq);
    }
    int64_t i;
    cz_bus_get_int(r, "i", &i);
    ck_assert(i == INT64_MIN);
    double f;
    cz_bus_get_float(r, "f", &f);
    ck_assert(f == 0.1);
    cz_bus_get_float(r, "nan", &f);
    ck_assert(isnan(f));
    const char *s;
    cz_bus_get_string(r, "s", &s);
    ck_assert_str_eq(s, "üñí \"quoted\"");
    const json_t *j1, *j2;
    cz_bus_get_json(b, "j", &j1);
    cz_bus_get_json(r, "j", &j2);
    ck_assert(json_equal((json_t *)j1, (json_t *)j2));
    const cz_score *s1, *s2;
    cz_bus_get_score(b, "score", &s1);
    cz_bus_get_score(r, "score", &s2);
    json_t *sj1 = cz_score_to_json(s1), *sj2 = cz_score_to_json(s2);
    ck_assert(json_equal(sj1, sj2));
    json_decref(sj1);
    json_decref(sj2);
    ck_assert_int_eq(s2->tracks[0].notes[1].flags, CZ_NOTE_PASSING);
    ck_assert(s2->tracks[0].pan == -0.25f);
    const cz_audio *a2;
    cz_bus_get_audio(r, "audio", &a2);
    ck_assert_int_eq(a2->rate, 44100);
    ck_assert_int_eq(a2->channels, 2);
    ck_assert_int_eq(a2->frames, 1000);
    ck_assert_int_eq(memcmp(a2->samples, a->samples, 2000 * sizeof(float)), 0);
    ck_assert_int_eq(a2->n_stems, 1);
    ck_assert_str_eq(a2->stems[0].name, "bass");
    ck_assert(cz_audio_stem(a2, "bass")->samples[1999] == -1.0f);
    const void *data;
    size_t n;
    const char *mime;
    ck_assert_int_eq(cz_bus_get_blob(r, "blob", &data, &n, &mime), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(memcmp(data, bytes, 4), 0);
    ck_assert_str_eq(mime, "application/x-test");
    cz_bus_free(r);
    cz_bus_free(b);
    kit_rm(dir);
    free(dir);
}
END_TEST

START_TEST(loading_a_damaged_save_fails_cleanly)
{
    char *dir = kit_tmpdir();
    char *p = cz_strfmt("%s/bus.json", dir);
    cz_bus *r = NULL;
    cz_error err = {0};
    ck_assert_int_ne(cz_bus_load(dir, &r, &err), 0); /* missing */
    kit_write(p, "{\"format\":1,\"entries\":[{\"key\":\"a\",\"type\":\"audio\",\"seq\":1,"
                 "\"value\":{\"rate\":48000,\"channels\":2,\"frames\":10,\"file\":\"blobs/../../etc/passwd\"}}]}");
    ck_assert_int_ne(cz_bus_load(dir, &r, &err), 0);
    ck_assert_ptr_null(r);
    kit_write(p, "{\"format\":1,\"entries\":[{\"key\":\"s\",\"type\":\"score\",\"seq\":1,"
                 "\"value\":{\"ppq\":480,\"bpm\":-3}}]}");
    ck_assert_int_ne(cz_bus_load(dir, &r, &err), 0);
    ck_assert_msg(strstr(err.msg, "'s'") != NULL, "%s", err.msg);
    kit_write(p, "not json");
    ck_assert_int_ne(cz_bus_load(dir, &r, &err), 0);
    free(p);
    kit_rm(dir);
    free(dir);
}
END_TEST

START_TEST(score_helpers)
{
    cz_score *s = sample_score();
    ck_assert_uint_eq(cz_score_ticks_per_bar(s), 1440); /* 6/8 at 480 ppq */
    ck_assert_ptr_nonnull(cz_score_chord_at(s, 100));
    ck_assert_ptr_null(cz_score_chord_at(s, 1440));
    ck_assert_str_eq(cz_score_section_at(s, 3)->name, "verse");
    ck_assert_ptr_null(cz_score_section_at(s, 8));
    ck_assert_int_eq(cz_track_add_note(&s->tracks[0], 0, 0, 60, 100, 0), CZ_EINVAL);
    ck_assert_int_eq(cz_track_add_note(&s->tracks[0], 0, 10, 128, 100, 0), CZ_EINVAL);
    ck_assert_int_eq(cz_track_add_note(&s->tracks[0], 0, 10, 60, 0, 0), CZ_EINVAL);
    ck_assert_ptr_null(cz_score_add_track(s, "x", CZ_ROLE_LEAD, 0, 16));
    cz_track_add_note(&s->tracks[0], 5, 10, 40, 100, 0);
    cz_track_sort(&s->tracks[0]);
    ck_assert_int_eq(s->tracks[0].notes[1].tick, 5);
    cz_score *c = cz_score_clone(s);
    c->tracks[0].notes[0].pitch = 1;
    ck_assert_int_ne(s->tracks[0].notes[0].pitch, 1); /* deep copy */
    ck_assert_int_eq(cz_mode_parse("Minor"), CZ_MODE_AEOLIAN);
    ck_assert_int_eq(cz_mode_parse("dorian"), CZ_MODE_DORIAN);
    ck_assert_int_eq(cz_mode_parse("nope"), -1);
    ck_assert_int_eq(cz_role_parse("bass"), CZ_ROLE_BASS);
    ck_assert_uint_eq(cz_scale_mask(0, CZ_MODE_MAJOR), 0xAB5); /* C D E F G A B */
    cz_score_unref(c);
    cz_score_unref(s);
}
END_TEST

START_TEST(audio_stems_must_match)
{
    cz_audio *a = cz_audio_new(48000, 2, 100);
    ck_assert_int_eq(cz_audio_add_stem(a, "x", cz_audio_new(44100, 2, 100)), CZ_EINVAL);
    ck_assert_int_eq(cz_audio_add_stem(a, "x", cz_audio_new(48000, 1, 100)), CZ_EINVAL);
    ck_assert_int_eq(cz_audio_add_stem(a, "x", cz_audio_new(48000, 2, 99)), CZ_EINVAL);
    ck_assert_int_eq(cz_audio_add_stem(a, "x", cz_audio_new(48000, 2, 100)), 0);
    ck_assert_int_eq(cz_audio_add_stem(a, "x", cz_audio_new(48000, 2, 100)), CZ_EINVAL);
    ck_assert_ptr_null(cz_audio_new(0, 2, 10));
    cz_audio *c = cz_audio_clone(a);
    ck_assert_int_eq(c->n_stems, 1);
    cz_audio_unref(a);
    cz_audio_unref(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bus");
    TCase *tc = tcase_create("bus");
    tcase_add_test(tc, scalars_round_trip_and_types_are_enforced);
    tcase_add_test(tc, many_keys_keep_order_and_remove_works);
    tcase_add_test(tc, audio_is_shared_by_reference);
    tcase_add_test(tc, failed_put_releases_the_reference);
    tcase_add_test(tc, lineage_records_the_writer);
    tcase_add_test(tc, save_and_load_round_trip);
    tcase_add_test(tc, loading_a_damaged_save_fails_cleanly);
    tcase_add_test(tc, score_helpers);
    tcase_add_test(tc, audio_stems_must_match);
    tcase_add_test(tc, spooled_audio_reads_writes_copies_and_saves);
    tcase_add_test(tc, published_audio_is_a_file_and_read_only);
    tcase_add_test(tc, recycle_reuses_only_what_nobody_else_holds);
    tcase_add_test(tc, level_is_the_gated_mean_and_independent_of_the_cut);
    tcase_add_test(tc, unusable_spool_dir_is_named);
    tcase_add_test(tc, spool_that_cannot_be_sized_is_a_clean_error);
    suite_add_tcase(s, tc);
    return czh_run_suite(s);
}
