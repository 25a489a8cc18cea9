/*
 * engine_fm.c - phase-modulation voice: two carrier/modulator pairs
 * (2-op each, 4 operators), mixed. Electric pianos (a body pair plus a
 * fast-decaying "tine" pair), bells, mallets, kalimba, steel drums.
 *
 * The modulation index of each pair starts at its peak (scaled by
 * velocity, so harder notes are brighter, and lowered for high notes) and
 * glides to a sustained fraction; it is computed at block rate and ramped
 * per sample. The peak index is capped per voice so that the significant
 * sidebands (carrier + modulator * (index + 1)) stay below Nyquist: FM
 * aliases otherwise. Four voices per pack run in vector lanes.
 */
#include <math.h>

#include "synth.h"

typedef struct fm_pack {
    v4 pc[2], pm[2];   /* carrier and modulator phases, turns */
    v4 inc;            /* base phase increment per lane */
    v4 idx[2];         /* index now, turns (radians / 2 pi) */
    v4 idx_s[2];       /* sustained index */
    v4 idx_lc[2];      /* log2 of the per-sample glide factor */
    sy_env amp;
    v4 gain, gcur;
    v4 age;
    unsigned fresh;
} fm_pack;

static void fm_note_on(sy_track *t, void *vp, int l, int pitch, int vel)
{
    fm_pack *p = vp;
    const sy_preset *pr = &t->p;
    float inc = (float)(sy_pitch_hz(pitch) / t->rate);
    p->inc[l] = inc;
    float v = vel / 127.0f;
    float key = pitch > 60 ? sy_exp2f(-(pitch - 60) / 30.0f) : 1.0f;
    for (int q = 0; q < 2; q++) {
        const sy_fmpair *fp = &pr->fm[q];
        float peak = fp->idx * (0.35f + 0.65f * v) * key;
        if (fp->mr > 0.0f) {
            float room = (0.45f / inc - fp->cr) / fp->mr - 1.0f;
            if (peak > room)
                peak = room > 0.0f ? room : 0.0f;
        }
        peak *= 1.0f / SY_TWO_PI;
        p->idx[q][l] = peak;
        p->idx_s[q][l] = peak * fp->idx_s;
        float c = sy_env_coef(fp->idx_t, 4.6151205f, t->rate);
        p->idx_lc[q][l] = c >= 1.0f ? -100.0f : (float)log2(1.0 - (double)c);
        p->pc[q][l] = 0.0f;
        p->pm[q][l] = 0.0f;
    }
    float kt = pr->key_decay > 0.0f
                   ? sy_exp2f((pitch - 60) / 12.0f * log2f(pr->key_decay))
                   : 1.0f;
    sy_env_start(&p->amp, l, &pr->amp, kt, t->rate);
    p->gain[l] = pr->gain * ((1.0f - pr->vel_sens) + pr->vel_sens * v * v);
    p->age[l] = 0.0f;
    p->fresh |= 1u << l;
}

static void fm_note_off(sy_track *t, void *vp, int l)
{
    sy_env_release(&((fm_pack *)vp)->amp, l);
}

static void fm_kill(sy_track *t, void *vp, int l, float seconds)
{
    sy_env_fade(&((fm_pack *)vp)->amp, l, seconds, t->rate);
}

/* Phases are p0 + inc * (i + 1) (no wrap in a loop-carried chain; the
 * sine takes any phase) and the envelope is tgt + (v0 - tgt) * m^i, so
 * the only carried chains are single adds and multiplies. */
static inline __attribute__((always_inline)) void
fm_loop(fm_pack *p, int n, v4 *acc, const v4 incc[2], const v4 incm[2],
        const v4 didx[2], v4 dg, float lvl0, float lvl1, const int pairs,
        const int mod1)
{
    v4 pc0 = p->pc[0], pm0 = p->pm[0], pc1 = p->pc[1], pm1 = p->pm[1];
    v4 i0 = p->idx[0], i1 = p->idx[1], g = p->gcur;
    v4 et = p->amp.tgt, ed = p->amp.v - et, em = v4s(1.0f) - p->amp.c, ew = v4s(1.0f);
    v4 e = p->amp.v, k = v4s(1.0f);
    v4 l0 = v4s(lvl0), l1 = v4s(lvl1);
    for (int i = 0; i < n; i++) {
        i0 += didx[0];
        v4 y = l0 * v4sin_any(pc0 + incc[0] * k + i0 * v4sin_any(pm0 + incm[0] * k));
        if (pairs > 1) {
            i1 += didx[1];
            if (mod1)
                y += l1 * v4sin_any(pc1 + incc[1] * k + i1 * v4sin_any(pm1 + incm[1] * k));
            else /* its index has decayed to nothing: a plain sine */
                y += l1 * v4sin_any(pc1 + incc[1] * k);
        }
        k += v4s(1.0f);
        ew *= em;
        e = v4min(v4max(et + ed * ew, v4s(0.0f)), v4s(1.0f));
        g += dg;
        acc[i] += y * e * g;
    }
    v4 fn = v4s((float)n);
#define FM_WRAP(x, inc) ((x) + (inc) * fn - v4floor((x) + (inc) * fn))
    p->pc[0] = FM_WRAP(pc0, incc[0]);
    p->pm[0] = FM_WRAP(pm0, incm[0]);
    p->pc[1] = FM_WRAP(pc1, incc[1]);
    p->pm[1] = FM_WRAP(pm1, incm[1]);
#undef FM_WRAP
    p->idx[0] = i0;
    p->idx[1] = i1;
    p->gcur = g;
    p->amp.v = e;
}

static unsigned fm_render(sy_track *t, void *vp, int pidx, unsigned active,
                          int n, float *accL, float *accR)
{
    fm_pack *p = vp;
    const sy_preset *pr = &t->p;
    v4 semis = v4s(0.0f);
    if (pr->vib_cents > 0.0f) {
        float s = sy_sin_any(t->lfo_vib) * pr->vib_cents / 100.0f;
        /* none for vib_delay seconds, then a fade-in as long */
        v4 ramp = v4s(1.0f);
        if (pr->vib_delay > 0.0f)
            ramp = v4min(v4max((p->age - v4s(pr->vib_delay)) * v4s(1.0f / pr->vib_delay),
                               v4s(0.0f)),
                         v4s(1.0f));
        semis = ramp * v4s(s);
    }
    v4 inc = p->inc * v4exp2(semis * v4s(1.0f / 12.0f));
    v4 rn = v4s(1.0f / (float)n);
    v4 incc[2], incm[2], didx[2];
    for (int q = 0; q < 2; q++) {
        incc[q] = inc * v4s(pr->fm[q].cr);
        incm[q] = inc * v4s(pr->fm[q].mr);
        v4 m = v4exp2(v4s((float)n) * p->idx_lc[q]);
        v4 end = p->idx_s[q] + (p->idx[q] - p->idx_s[q]) * m;
        didx[q] = (end - p->idx[q]) * rn;
    }
    v4i fresh = {(p->fresh & 1) ? -1 : 0, (p->fresh & 2) ? -1 : 0,
                 (p->fresh & 4) ? -1 : 0, (p->fresh & 8) ? -1 : 0};
    v4 gend = p->gain;
    if (pr->trem_depth > 0.0f)
        gend *= v4s(1.0f - pr->trem_depth * (0.5f + 0.5f * sy_sin_any(t->lfo_trem)));
    p->gcur = v4sel(fresh, gend, p->gcur);
    v4 dg = (gend - p->gcur) * rn;
    p->fresh = 0;

    /* a pair whose index stays below 1e-5 turns (-100 dB sidebands) over
     * the whole block, in every lane, needs no modulator */
    v4 i1end = p->idx[1] + didx[1] * v4s((float)n);
    v4 big = v4max(v4abs(p->idx[1]), v4abs(i1end));
    int mod1 = big[0] > 1e-5f || big[1] > 1e-5f || big[2] > 1e-5f || big[3] > 1e-5f;
    if (pr->fm[1].lvl == 0.0f)
        fm_loop(p, n, (v4 *)accL, incc, incm, didx, dg, pr->fm[0].lvl, 0.0f, 1, 0);
    else if (mod1)
        fm_loop(p, n, (v4 *)accL, incc, incm, didx, dg, pr->fm[0].lvl, pr->fm[1].lvl, 2, 1);
    else
        fm_loop(p, n, (v4 *)accL, incc, incm, didx, dg, pr->fm[0].lvl, pr->fm[1].lvl, 2, 0);

    p->age += v4s((float)n * t->inv_rate);
    unsigned done = sy_env_control(&p->amp, active);
    for (int l = 0; l < SY_LANES; l++)
        t->slots[pidx * SY_LANES + l].level = p->amp.v[l];
    return done;
}

const sy_engine sy_engine_fm = {
    .pack_size = sizeof(fm_pack),
    .note_on = fm_note_on,
    .note_off = fm_note_off,
    .kill = fm_kill,
    .render = fm_render,
};
