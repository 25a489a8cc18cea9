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
 * aliases otherwise. Eight voices per pack run in vector lanes.
 */
#include <math.h>

#include "synth.h"

typedef struct fm_pack {
    vf pc[2], pm[2];   /* carrier and modulator phases, turns */
    vf inc;            /* base phase increment per lane */
    vf idx[2];         /* index now, turns (radians / 2 pi) */
    vf idx_s[2];       /* sustained index */
    vf idx_lc[2];      /* log2 of the per-sample glide factor */
    sy_env amp;
    vf gain, gcur;
    vf age;
    unsigned fresh;
} fm_pack;

static void fm_note_on(sy_track *t, void *vp, int l, int pitch, int vel, float pre)
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
        /* the part of a sample period that passed before the first one */
        p->pc[q][l] = inc * fp->cr * pre;
        p->pm[q][l] = inc * fp->mr * pre;
    }
    float kt = pr->key_decay > 0.0f
                   ? sy_exp2f((pitch - 60) / 12.0f * log2f(pr->key_decay))
                   : 1.0f;
    sy_env_start(&p->amp, l, &pr->amp, kt, t->rate, pre);
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
SY_INL void fm_loop(fm_pack *p, int n, vf *acc, const vf incc[2], const vf incm[2],
                    const vf didx[2], const vf *dgp, float lvl0, float lvl1, const int pairs,
                    const int mod1, /* 1 modulated, 0 plain, -1 plain = modulator 0 */
                    const int store)
{
    vf pc0 = p->pc[0], pm0 = p->pm[0], pc1 = p->pc[1], pm1 = p->pm[1];
    vf ic0 = incc[0], im0 = incm[0], ic1 = incc[1], im1 = incm[1];
    vf d0 = didx[0], d1 = didx[1];
    vf i0 = p->idx[0], i1 = p->idx[1], g = p->gcur, dg = *dgp;
    vf et = p->amp.tgt, ed = p->amp.v - et, em = vs(1.0f) - p->amp.c, ew = vs(1.0f);
    vf e = p->amp.v, k = vs(1.0f);
    vf l0 = vs(lvl0), l1 = vs(lvl1);
    for (int i = 0; i < n; i++) {
        i0 += d0;
        vf m0 = vsin_any(pm0 + im0 * k);
        vf y = l0 * vsin_any(pc0 + ic0 * k + i0 * m0);
        if (pairs > 1) {
            i1 += d1;
            if (mod1 > 0)
                y += l1 * vsin_any(pc1 + ic1 * k + i1 * vsin_any(pm1 + im1 * k));
            else if (mod1 < 0) /* the same phase as the first modulator */
                y += l1 * m0;
            else /* its index has decayed to nothing: a plain sine */
                y += l1 * vsin_any(pc1 + ic1 * k);
        }
        k += vs(1.0f);
        ew *= em;
        e = vclamp(et + ed * ew, 0.0f, 1.0f);
        g += dg;
        acc[i] = (store ? vs(0.0f) : acc[i]) + y * e * g;
    }
    vf fn = vs((float)n);
    vf x;
    x = pc0 + ic0 * fn;
    p->pc[0] = x - vfloor(x);
    x = pm0 + im0 * fn;
    p->pm[0] = x - vfloor(x);
    x = pc1 + ic1 * fn;
    p->pc[1] = x - vfloor(x);
    x = pm1 + im1 * fn;
    p->pm[1] = x - vfloor(x);
    p->idx[0] = i0;
    p->idx[1] = i1;
    p->gcur = g;
    p->amp.v = e;
}

SY_INL unsigned fm_render_body(sy_track *t, void *vp, int pidx, unsigned active, int n,
                               int store, float *accL, float *accR)
{
    fm_pack *p = vp;
    const sy_preset *pr = &t->p;
    vf semis = vs(0.0f);
    if (pr->vib_cents > 0.0f) {
        float s = sy_sin_any(t->lfo_vib) * pr->vib_cents / 100.0f;
        /* none for vib_delay seconds, then a fade-in as long */
        vf ramp = vs(1.0f);
        if (pr->vib_delay > 0.0f)
            ramp = vclamp((p->age - vs(pr->vib_delay)) * vs(1.0f / pr->vib_delay), 0.0f, 1.0f);
        semis = ramp * vs(s);
    }
    vf inc = p->inc * vexp2(semis * vs(1.0f / 12.0f));
    vf rn = vs(1.0f / (float)n);
    vf incc[2], incm[2], didx[2];
    for (int q = 0; q < 2; q++) {
        incc[q] = inc * vs(pr->fm[q].cr);
        incm[q] = inc * vs(pr->fm[q].mr);
        vf m = vexp2(vs((float)n) * p->idx_lc[q]);
        vf end = p->idx_s[q] + (p->idx[q] - p->idx_s[q]) * m;
        didx[q] = (end - p->idx[q]) * rn;
    }
    vi fresh = vmask(p->fresh);
    vf gend = p->gain;
    if (pr->trem_depth > 0.0f)
        gend *= vs(1.0f - pr->trem_depth * (0.5f + 0.5f * sy_sin_any(t->lfo_trem)));
    p->gcur = vsel(fresh, gend, p->gcur);
    vf dg = (gend - p->gcur) * rn;
    p->fresh = 0;

    /* a pair whose index stays below 1e-5 turns (-100 dB sidebands) over
     * the whole block, in every lane, needs no modulator */
    vf i1end = p->idx[1] + didx[1] * vs((float)n);
    int mod1 = vhmax(vmax(vabs(p->idx[1]), vabs(i1end))) > 1e-5f;
    /* a plain second carrier often runs at the phase of the first
     * modulator (both ratios 1, as in the electric pianos): one sine */
    int shared = !mod1;
    for (int l = 0; shared && l < SY_LANES; l++)
        shared = p->pc[1][l] == p->pm[0][l] && incc[1][l] == incm[0][l];
    int variant = pr->fm[1].lvl == 0.0f ? 0 : mod1 ? 1 : shared ? 2 : 3;
#define FM_LOOP(sto)                                                                             \
    switch (variant) {                                                                           \
    case 0: fm_loop(p, n, (vf *)accL, incc, incm, didx, &dg, pr->fm[0].lvl, 0.0f, 1, 0, sto); break; \
    case 1: fm_loop(p, n, (vf *)accL, incc, incm, didx, &dg, pr->fm[0].lvl, pr->fm[1].lvl, 2, 1, sto); break; \
    case 2: fm_loop(p, n, (vf *)accL, incc, incm, didx, &dg, pr->fm[0].lvl, pr->fm[1].lvl, 2, -1, sto); break; \
    default: fm_loop(p, n, (vf *)accL, incc, incm, didx, &dg, pr->fm[0].lvl, pr->fm[1].lvl, 2, 0, sto); break; \
    }
    if (store) {
        FM_LOOP(1)
    } else {
        FM_LOOP(0)
    }
#undef FM_LOOP

    p->age += vs((float)n * t->inv_rate);
    unsigned done = sy_env_control(&p->amp, active);
    for (int l = 0; l < SY_LANES; l++)
        t->slots[pidx * SY_LANES + l].level = p->amp.v[l];
    return done;
}

SY_ISA_PAIR(unsigned, fm_render,
            (sy_track * t, void *vp, int pidx, unsigned active, int n, int store, float *accL,
             float *accR),
            (t, vp, pidx, active, n, store, accL, accR))

const sy_engine sy_engine_fm = {
    .pack_size = sizeof(fm_pack),
    .note_on = fm_note_on,
    .note_off = fm_note_off,
    .kill = fm_kill,
    .render = SY_ISA_FNS(fm_render),
};
