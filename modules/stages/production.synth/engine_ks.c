/*
 * engine_ks.c - Karplus-Strong plucked strings: guitars, basses, harp,
 * pizzicato, harpsichord, koto, banjo, sitar, dulcimer.
 *
 * A delay line one period long is filled with a burst of filtered noise
 * (the pluck: brighter for harder notes, with a comb for the pluck
 * position) and fed back through a two-tap loss filter and a first-order
 * allpass that supplies the fractional part of the period, so the pitch
 * is exact. The loop gain is set per note so the string rings for the
 * preset's T60 (shorter for higher notes); note-off damps it like a
 * palm or damper. The voice ends when its output falls below -80 dB.
 *
 * Voices are scalar (each reads its own delay line) and loop over the
 * lanes of their pack; the work per sample is a handful of operations.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#define KS_LEN 4096u /* ring length: period of 32.7 Hz (C1) at 96 kHz fits */
#define KS_MASK (KS_LEN - 1u)

typedef struct ks_voice {
    float *line;
    uint32_t w, len;
    float b0, b1, x1;     /* loss filter y = g (b0 x + b1 x1) */
    float apc, apx, apy;  /* allpass fractional delay */
    float g, g_off;       /* loop gain held, after note-off */
    float gain;           /* output gain */
    float fade, fstep;    /* kill fade */
    int on;
} ks_voice;

typedef struct ks_pack {
    ks_voice v[SY_LANES];
} ks_pack;

static int ks_setup(sy_track *t, cz_error *err)
{
    t->ext = calloc((size_t)t->nslots * KS_LEN, sizeof(float));
    if (!t->ext)
        return cz_err(err, CZ_ENOMEM, "production.synth: out of memory for the strings of track '%s'",
                      t->src->name);
    for (int i = 0; i < t->nslots; i++) {
        ks_pack *p = sy_track_pack(t, i / SY_LANES);
        p->v[i % SY_LANES].line = (float *)t->ext + (size_t)i * KS_LEN;
    }
    return 0;
}

static void ks_cleanup(sy_track *t)
{
    free(t->ext);
    t->ext = NULL;
}

static void ks_note_on(sy_track *t, void *vp, int l, int pitch, int vel, float pre)
{
    ks_voice *v = &((ks_pack *)vp)->v[l];
    const sy_preset *pr = &t->p;
    if (pitch < 24)
        pitch += 12 * ((24 - pitch + 11) / 12); /* the ring holds C1 at most */
    double f = sy_pitch_hz(pitch);
    double period = t->rate / f;
    float vel01 = vel / 127.0f;

    /* loss filter: b1 = 0.5 is the classic two-point average (dark);
     * smaller b1 keeps more highs. Its delay at low frequencies is b1. */
    float damp = pr->ks_damp < 0.0f ? 0.0f : pr->ks_damp > 1.0f ? 1.0f : pr->ks_damp;
    v->b1 = 0.5f * (1.0f - damp) + 0.02f;
    v->b0 = 1.0f - v->b1;
    double rest = period - v->b1;
    uint32_t len = (uint32_t)(rest - 0.2);
    if (len < 2)
        len = 2;
    if (len > KS_LEN - 2)
        len = KS_LEN - 2;
    double d = rest - len; /* 0.2 .. 1.2 */
    v->apc = (float)((1.0 - d) / (1.0 + d));
    v->apx = v->apy = v->x1 = 0.0f;
    v->len = len;

    float t60 = pr->ks_t60 > 0.0f ? pr->ks_t60 : 2.0f;
    if (pr->key_decay > 0.0f)
        t60 *= sy_exp2f((pitch - 60) / 12.0f * log2f(pr->key_decay));
    v->g = (float)pow(10.0, -3.0 / (t60 * f));
    v->g_off = (float)pow(10.0, -3.0 / (0.12 * f));
    if (v->g_off > v->g)
        v->g_off = v->g;

    /* the pluck: noise through a one-pole lowpass, position comb, no DC */
    float bright = pr->ks_bright * (0.45f + 0.55f * vel01);
    float c = 0.04f + 0.96f * bright * bright;
    float *ex = v->line;
    memset(ex, 0, KS_LEN * sizeof(float));
    float lp = 0.0f, mean = 0.0f;
    uint32_t base = (0u - len) & KS_MASK;
    for (uint32_t i = 0; i < len; i++) {
        float nz = (float)(cz_rng_unit(&t->rng) * 2.0 - 1.0);
        lp += (nz - lp) * c;
        ex[(base + i) & KS_MASK] = lp;
    }
    uint32_t off = (uint32_t)(pr->ks_pos * len + 0.5f);
    if (off > 0 && off < len)
        for (uint32_t i = len; i-- > off;)
            ex[(base + i) & KS_MASK] -= ex[(base + i - off) & KS_MASK];
    for (uint32_t i = 0; i < len; i++)
        mean += ex[(base + i) & KS_MASK];
    mean /= (float)len;
    float pk = 1e-9f;
    for (uint32_t i = 0; i < len; i++) {
        float *x = &ex[(base + i) & KS_MASK];
        *x -= mean;
        if (fabsf(*x) > pk)
            pk = fabsf(*x);
    }
    float norm = 1.0f / pk;
    for (uint32_t i = 0; i < len; i++)
        ex[(base + i) & KS_MASK] *= norm;

    v->w = 0;
    v->gain = pr->gain * ((1.0f - pr->vel_sens) + pr->vel_sens * vel01 * vel01);
    v->fade = 1.0f;
    v->fstep = 0.0f;
    v->on = 1;
}

static void ks_note_off(sy_track *t, void *vp, int l)
{
    ks_voice *v = &((ks_pack *)vp)->v[l];
    v->g = v->g_off;
}

static void ks_kill(sy_track *t, void *vp, int l, float seconds)
{
    ks_voice *v = &((ks_pack *)vp)->v[l];
    float st = 1.0f / (seconds * t->rate);
    if (v->fstep < st)
        v->fstep = st;
}

static unsigned ks_render(sy_track *t, void *vp, int pidx, unsigned active,
                          int n, int store, float *acc, float *accR)
{
    if (store)
        memset(acc, 0, (size_t)n * SY_LANES * sizeof(float));
    ks_pack *p = vp;
    unsigned done = 0;
    for (int l = 0; l < SY_LANES; l++) {
        if (!(active & (1u << l)))
            continue;
        ks_voice *v = &p->v[l];
        float *line = v->line;
        uint32_t w = v->w, len = v->len;
        float b0 = v->b0 * v->g, b1 = v->b1 * v->g, x1 = v->x1;
        float apc = v->apc, apx = v->apx, apy = v->apy;
        float gain = v->gain, fade = v->fade, fstep = v->fstep, pk = 0.0f;
        for (int i = 0; i < n; i++) {
            float x = line[(w - len) & KS_MASK];
            float y = b0 * x + b1 * x1;
            x1 = x;
            float ap = apc * (y - apy) + apx;
            apx = y;
            apy = ap;
            line[w & KS_MASK] = ap;
            w++;
            float o = x * gain * fade;
            fade = fade > fstep ? fade - fstep : 0.0f;
            acc[SY_LANES * i + l] += o;
            pk = fabsf(o) > pk ? fabsf(o) : pk;
        }
        v->w = w & KS_MASK;
        v->x1 = x1;
        v->apx = apx;
        v->apy = apy;
        v->fade = fade;
        t->slots[pidx * SY_LANES + l].level = pk / (gain > 0 ? gain : 1.0f);
        if (pk < 1e-4f * gain || fade <= 0.0f) {
            v->on = 0;
            done |= 1u << l;
        }
    }
    return done;
}

const sy_engine sy_engine_ks = {
    .pack_size = sizeof(ks_pack),
    .setup = ks_setup,
    .cleanup = ks_cleanup,
    .note_on = ks_note_on,
    .note_off = ks_note_off,
    .kill = ks_kill,
    .render = {ks_render, ks_render, ks_render}, /* scalar: one build */
};
