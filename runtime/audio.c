/*
 * runtime/audio.c - the host side of audio.h: reference-counted buffers
 * with named stems. Counts are atomic: a job's thread and a checkpoint
 * writer may hold the same buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

cz_audio *cz_audio_new(uint32_t rate, uint32_t channels, uint64_t frames)
{
    if (!rate || !channels || channels > 64 || frames > (UINT64_C(1) << 40))
        return NULL;
    cz_audio *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->rate = rate;
    a->channels = channels;
    a->frames = frames;
    a->refs = 1;
    a->samples = calloc(frames ? frames * channels : 1, sizeof(float));
    if (!a->samples) {
        free(a);
        return NULL;
    }
    return a;
}

cz_audio *cz_audio_clone(const cz_audio *src)
{
    cz_audio *a = cz_audio_new(src->rate, src->channels, src->frames);
    if (!a)
        return NULL;
    if (src->frames)
        memcpy(a->samples, src->samples, src->frames * src->channels * sizeof(float));
    for (uint32_t i = 0; i < src->n_stems; i++) {
        cz_audio_ref(src->stems[i].audio);
        if (cz_audio_add_stem(a, src->stems[i].name, src->stems[i].audio)) {
            cz_audio_unref(a);
            return NULL;
        }
    }
    return a;
}

void cz_audio_ref(const cz_audio *a)
{
    if (a)
        __atomic_add_fetch(&((cz_audio *)a)->refs, 1, __ATOMIC_RELAXED);
}

void cz_audio_unref(const cz_audio *ca)
{
    cz_audio *a = (cz_audio *)ca;
    if (!a || __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    for (uint32_t i = 0; i < a->n_stems; i++)
        cz_audio_unref(a->stems[i].audio);
    free(a->stems);
    free(a->samples);
    free(a);
}

int cz_audio_add_stem(cz_audio *a, const char *name, cz_audio *stem)
{
    int rc = CZ_EINVAL;
    if (!a || !stem || !name || !*name || strlen(name) >= sizeof a->stems[0].name ||
        stem->rate != a->rate || stem->channels != a->channels ||
        stem->frames != a->frames || cz_audio_stem(a, name))
        goto fail;
    rc = CZ_ENOMEM;
    if (cz_grow((void **)&a->stems, &a->cap_stems, a->n_stems + 1, sizeof *a->stems))
        goto fail;
    cz_copy_name(a->stems[a->n_stems].name, sizeof a->stems[0].name, name);
    a->stems[a->n_stems++].audio = stem;
    return 0;
fail:
    cz_audio_unref(stem);
    return rc;
}

const cz_audio *cz_audio_stem(const cz_audio *a, const char *name)
{
    for (uint32_t i = 0; a && name && i < a->n_stems; i++)
        if (!strcmp(a->stems[i].name, name))
            return a->stems[i].audio;
    return NULL;
}

static int exclusive(const cz_audio *a)
{
    return __atomic_load_n(&a->refs, __ATOMIC_ACQUIRE) == 1;
}

int cz_audio_make_writable(cz_audio **pa)
{
    cz_audio *a = *pa;
    if (!a)
        return CZ_EINVAL;
    if (!exclusive(a)) {
        /* A shell of our own: copied samples, stems shared for now. */
        cz_audio *c = cz_audio_clone(a);
        if (!c)
            return CZ_ENOMEM;
        cz_audio_unref(a);
        a = c;
        *pa = a;
    }
    for (uint32_t i = 0; i < a->n_stems; i++) {
        cz_audio *st = a->stems[i].audio;
        if (exclusive(st))
            continue;
        cz_audio *c = cz_audio_new(st->rate, st->channels, st->frames);
        if (!c)
            return CZ_ENOMEM;
        if (st->frames)
            memcpy(c->samples, st->samples, st->frames * st->channels * sizeof(float));
        a->stems[i].audio = c;
        cz_audio_unref(st);
    }
    return 0;
}
