/*
 * engine_sub.c - the subtractive voice: two oscillators (each with up to
 * SY_MAXUNI detuned unison copies spread in stereo) plus noise, a
 * zero-delay-feedback state-variable filter (TPT form) with key, velocity
 * and envelope tracking, an amplitude ADSR, a pitch envelope, vibrato,
 * tremolo and PWM.
 *
 * Four voices run in the lanes of one pack. Per block the oscillators fill
 * a lane-interleaved buffer (one pass per oscillator and unison copy, the
 * waveform chosen outside the sample loop), then one fused loop runs the
 * filter, the envelope and the gain and adds into the track accumulator.
 * Filter coefficients are computed once per block from the filter
 * envelope (fast exp2 and tan approximations) and ramped linearly across
 * the block, so cutoff sweeps do not zipper.
 */
#include <math.h>
#include <string.h>

#include "synth.h"

typedef struct sub_pack {
    v4 ph[2][SY_MAXUNI];
    v4 inc[2];          /* per lane, osc transpose included */
    v4u rng;
    sy_env amp, flt;
    v4 s1[2], s2[2];    /* SVF integrator states, left/right */
    v4 a1, a2, a3;      /* SVF coefficients now */
    v4 cut;             /* log2 cutoff Hz before the filter envelope */
    v4 gain, gcur;      /* velocity gain; gain now (with tremolo) */
    v4 pe;              /* pitch envelope, semitones */
    v4 age;             /* seconds since note on */
    unsigned fresh;     /* lanes started this block: no ramps */
} sub_pack;

/* ---- oscillators -------------------------------------------------------
 *
 * One pass per oscillator renders all of its unison copies: their phases
 * stay in registers and the block buffer is loaded and stored once per
 * sample. The first oscillator of a voice stores, later ones add. Each
 * (waveform, copies, stereo, first) combination is its own loop: the
 * dispatch happens once per block, never per sample. */

/* Linear interpolation in four tables at once, from a phase that has not
 * been wrapped (0 <= ph < 2^13): the integer index is masked instead.
 * Each lane's (value, delta) pair is one 8-byte load; two shuffles split
 * values from deltas. */
static inline v4 table_read(const float *const tb[4], v4 ph)
{
    v4 pos = ph * v4s((float)SY_TABN);
    v4i ix = __builtin_convertvector(pos, v4i);
    v4 fr = pos - __builtin_convertvector(ix, v4);
    ix = (ix & (SY_TABN - 1)) * 2;
    typedef float v2 __attribute__((vector_size(8), aligned(8)));
    v2 q0 = *(const v2 *)(tb[0] + ix[0]), q1 = *(const v2 *)(tb[1] + ix[1]);
    v2 q2 = *(const v2 *)(tb[2] + ix[2]), q3 = *(const v2 *)(tb[3] + ix[3]);
    v4 lo = __builtin_shufflevector(q0, q1, 0, 1, 2, 3);
    v4 hi = __builtin_shufflevector(q2, q3, 0, 1, 2, 3);
    v4 a = __builtin_shufflevector(lo, hi, 0, 2, 4, 6);
    v4 d = __builtin_shufflevector(lo, hi, 1, 3, 5, 7);
    return a + fr * d;
}

enum { OSC_TABLE, OSC_PULSE, OSC_SINE };

typedef struct osc_args {
    v4 *ph;               /* [uni] phases */
    v4 inc[SY_MAXUNI];    /* per copy */
    float gl[SY_MAXUNI], gr[SY_MAXUNI];
    const float *tb[4];   /* per lane table level */
    v4 pw;
} osc_args;

/* Phases are not accumulated sample by sample (a wrap in a loop-carried
 * chain costs ~10 cycles per sample): sample i reads p0 + inc * (i + 1),
 * and only the block's end phase is wrapped and stored. */
static inline __attribute__((always_inline)) void
osc_run(const osc_args *a, int n, v4 *bl, v4 *br, const int kind, const int uni,
        const int stereo, const int first)
{
    v4 ph[SY_MAXUNI], inc[SY_MAXUNI], gl[SY_MAXUNI], gr[SY_MAXUNI];
    for (int u = 0; u < uni; u++) {
        ph[u] = a->ph[u];
        inc[u] = a->inc[u];
        gl[u] = v4s(a->gl[u]);
        gr[u] = v4s(a->gr[u]);
    }
    v4 k = v4s(1.0f);
    for (int i = 0; i < n; i++) {
        v4 sl = first ? v4s(0.0f) : bl[i];
        v4 sr = first || !stereo ? v4s(0.0f) : br[i];
        for (int u = 0; u < uni; u++) {
            v4 p = ph[u] + inc[u] * k;
            v4 y;
            if (kind == OSC_SINE)
                y = v4sin_turn_half(p - v4round(p));
            else if (kind == OSC_PULSE)
                y = table_read(a->tb, p) - table_read(a->tb, p + a->pw);
            else
                y = table_read(a->tb, p);
            sl += y * gl[u];
            if (stereo)
                sr += y * gr[u];
        }
        k += v4s(1.0f);
        bl[i] = sl;
        if (stereo)
            br[i] = sr;
    }
    v4 fn = v4s((float)n);
    for (int u = 0; u < uni; u++) {
        v4 p = ph[u] + inc[u] * fn;
        a->ph[u] = p - v4floor(p);
    }
}

#define OSC_U(kind, st, fi)                                                   \
    switch (uni) {                                                            \
    case 1: osc_run(a, n, bl, br, kind, 1, st, fi); break;                    \
    case 2: osc_run(a, n, bl, br, kind, 2, st, fi); break;                    \
    case 3: osc_run(a, n, bl, br, kind, 3, st, fi); break;                    \
    case 4: osc_run(a, n, bl, br, kind, 4, st, fi); break;                    \
    case 5: osc_run(a, n, bl, br, kind, 5, st, fi); break;                    \
    case 6: osc_run(a, n, bl, br, kind, 6, st, fi); break;                    \
    default: osc_run(a, n, bl, br, kind, 7, st, fi); break;                   \
    }
#define OSC_K(st, fi)                                                         \
    switch (kind) {                                                           \
    case OSC_SINE: OSC_U(OSC_SINE, st, fi) break;                             \
    case OSC_PULSE: OSC_U(OSC_PULSE, st, fi) break;                           \
    default: OSC_U(OSC_TABLE, st, fi) break;                                  \
    }

static void osc_dispatch(const osc_args *a, int n, v4 *bl, v4 *br, int kind, int uni,
                         int stereo, int first)
{
    if (stereo) {
        if (first) {
            OSC_K(1, 1)
        } else {
            OSC_K(1, 0)
        }
    } else {
        if (first) {
            OSC_K(0, 1)
        } else {
            OSC_K(0, 0)
        }
    }
}

static void osc_noise(v4u *rng, int n, float g, v4 *bl, v4 *br, int first)
{
    v4 vg = v4s(g);
    for (int i = 0; i < n; i++) {
        v4 y = v4noise(rng) * vg;
        bl[i] = first ? y : bl[i] + y;
        if (br)
            br[i] = first ? y : br[i] + y;
    }
}

/* ---- filter + amplitude: specialised per mode and channel count ------ */

static inline __attribute__((always_inline)) void
sub_out(sub_pack *p, int n, const v4 *bl, const v4 *br, v4 *accL, v4 *accR,
        v4 da1, v4 da2, v4 da3, v4 k, v4 dg, const int mode, const int stereo)
{
    v4 a1 = p->a1, a2 = p->a2, a3 = p->a3, g = p->gcur;
    v4 s1l = p->s1[0], s2l = p->s2[0], s1r = p->s1[1], s2r = p->s2[1];
    /* env: v_i = tgt + (v0 - tgt) * m^i, m = 1 - c; only w = m^i is
     * carried (one multiply), the clamp stays off the chain */
    v4 et = p->amp.tgt, ed = p->amp.v - et, em = v4s(1.0f) - p->amp.c, ew = v4s(1.0f);
    v4 e = p->amp.v;
    for (int i = 0; i < n; i++) {
        v4 yl = bl[i], yr = stereo ? br[i] : yl;
        if (mode != SY_F_OFF) {
            a1 += da1;
            a2 += da2;
            a3 += da3;
            v4 v3 = yl - s2l;
            v4 v1 = a1 * s1l + a2 * v3;
            v4 v2 = s2l + a2 * s1l + a3 * v3;
            s1l = v1 + v1 - s1l;
            s2l = v2 + v2 - s2l;
            v4 outl = mode == SY_F_LP ? v2 : mode == SY_F_BP ? v1 : yl - k * v1 - v2;
            if (stereo) {
                v3 = yr - s2r;
                v1 = a1 * s1r + a2 * v3;
                v2 = s2r + a2 * s1r + a3 * v3;
                s1r = v1 + v1 - s1r;
                s2r = v2 + v2 - s2r;
                yr = mode == SY_F_LP ? v2 : mode == SY_F_BP ? v1 : yr - k * v1 - v2;
            }
            yl = outl;
        }
        ew *= em;
        e = v4min(v4max(et + ed * ew, v4s(0.0f)), v4s(1.0f));
        g += dg;
        v4 ge = e * g;
        accL[i] += yl * ge;
        if (stereo)
            accR[i] += yr * ge;
    }
    p->a1 = a1;
    p->a2 = a2;
    p->a3 = a3;
    p->gcur = g;
    p->s1[0] = s1l;
    p->s2[0] = s2l;
    p->s1[1] = s1r;
    p->s2[1] = s2r;
    p->amp.v = e;
}

/* ---- engine ------------------------------------------------------------ */

static float vel_gain(const sy_preset *pr, int vel)
{
    float v = vel / 127.0f;
    return pr->gain * ((1.0f - pr->vel_sens) + pr->vel_sens * v * v);
}

static float key_time(const sy_preset *pr, int pitch)
{
    if (!(pr->key_decay > 0.0f))
        return 1.0f;
    return sy_exp2f((pitch - 60) / 12.0f * log2f(pr->key_decay));
}

static void sub_note_on(sy_track *t, void *vp, int l, int pitch, int vel)
{
    sub_pack *p = vp;
    const sy_preset *pr = &t->p;
    double hz = sy_pitch_hz(pitch);
    for (int o = 0; o < 2; o++) {
        const sy_oscp *op = &pr->osc[o];
        double f = hz * pow(2.0, (op->semi + op->detune / 100.0) / 12.0);
        p->inc[o][l] = (float)(f / t->rate);
        int uni = op->unison ? op->unison : 1;
        for (int u = 0; u < SY_MAXUNI; u++)
            p->ph[o][u][l] = uni > 1 ? (float)cz_rng_unit(&t->rng) : 0.0f;
    }
    uint32_t seed = (uint32_t)cz_rng_next(&t->rng);
    p->rng[l] = seed ? seed : 0x9e3779b9u;
    sy_env_start(&p->amp, l, &pr->amp, key_time(pr, pitch), t->rate);
    sy_env_start(&p->flt, l, &pr->fenv, 1.0f, t->rate);
    p->cut[l] = log2f(pr->cutoff > 1.0f ? pr->cutoff : 1.0f) +
                pr->keytrack * (pitch - 60) / 12.0f +
                pr->fvel_oct * (vel - 100) / 127.0f;
    p->gain[l] = vel_gain(pr, vel);
    p->pe[l] = pr->penv_semi;
    p->age[l] = 0.0f;
    p->s1[0][l] = p->s2[0][l] = p->s1[1][l] = p->s2[1][l] = 0.0f;
    p->fresh |= 1u << l;
}

static void sub_note_off(sy_track *t, void *vp, int l)
{
    sub_pack *p = vp;
    sy_env_release(&p->amp, l);
    sy_env_release(&p->flt, l);
}

static void sub_kill(sy_track *t, void *vp, int l, float seconds)
{
    sub_pack *p = vp;
    sy_env_fade(&p->amp, l, seconds, t->rate);
}

static unsigned sub_render(sy_track *t, void *vp, int pidx, unsigned active,
                           int n, float *accLf, float *accRf)
{
    sub_pack *p = vp;
    const sy_preset *pr = &t->p;
    v4 bl[SY_BLOCK], br[SY_BLOCK];
    v4 *brp = t->stereo ? br : NULL;
    int first = 1;

    /* pitch modulation for this block, in semitones per lane */
    v4 semis = p->pe;
    if (pr->vib_cents > 0.0f) {
        float s = sy_sin_any(t->lfo_vib) * pr->vib_cents / 100.0f;
        /* none for vib_delay seconds, then a fade-in as long */
        v4 ramp = v4s(1.0f);
        if (pr->vib_delay > 0.0f)
            ramp = v4min(v4max((p->age - v4s(pr->vib_delay)) * v4s(1.0f / pr->vib_delay),
                               v4s(0.0f)),
                         v4s(1.0f));
        semis += ramp * v4s(s);
    }
    v4 mod = v4exp2(semis * v4s(1.0f / 12.0f));
    if (pr->penv_semi != 0.0f)
        p->pe *= v4s(sy_exp2f(-(float)n / (pr->penv_t * t->rate) * 1.4426950f));

    for (int o = 0; o < 2; o++) {
        const sy_oscp *op = &pr->osc[o];
        if (op->wave == SY_W_OFF)
            continue;
        int uni = op->unison ? op->unison : 1;
        if (uni > SY_MAXUNI)
            uni = SY_MAXUNI;
        v4 inc = p->inc[o] * mod;
        if (op->wave == SY_W_NOISE) {
            osc_noise(&p->rng, n, t->uni_gl[o][0] * sqrtf((float)uni), bl, brp, first);
            first = 0;
            continue;
        }
        osc_args a;
        a.ph = p->ph[o];
        for (int u = 0; u < uni; u++) {
            a.inc[u] = inc * v4s(t->uni_ratio[o][u]);
            a.gl[u] = t->uni_gl[o][u];
            a.gr[u] = t->uni_gr[o][u];
        }
        int kind = op->wave == SY_W_SINE ? OSC_SINE : op->wave == SY_W_PULSE ? OSC_PULSE : OSC_TABLE;
        if (op->wave == SY_W_PULSE) {
            float pw = op->pw + pr->pwm_depth * sy_sin_any(t->lfo_pwm);
            a.pw = v4s(pw < 0.05f ? 0.05f : pw > 0.95f ? 0.95f : pw);
        }
        if (t->tab[o])
            for (int l = 0; l < SY_LANES; l++)
                a.tb[l] = sy_table_for(t->tab[o], inc[l] * t->uni_margin[o]);
        osc_dispatch(&a, n, bl, br, kind, uni, t->stereo, first);
        first = 0;
    }
    if (pr->noise > 0.0f) {
        osc_noise(&p->rng, n, pr->noise, bl, brp, first);
        first = 0;
    }
    if (first) {
        memset(bl, 0, sizeof(v4) * (size_t)n);
        if (brp)
            memset(br, 0, sizeof(v4) * (size_t)n);
    }

    /* filter coefficients at the end of this block, ramped from now */
    v4 da1 = v4s(0), da2 = v4s(0), da3 = v4s(0), k = v4s(2.0f);
    v4 rn = v4s(1.0f / (float)n);
    v4i fresh = {(p->fresh & 1) ? -1 : 0, (p->fresh & 2) ? -1 : 0,
                 (p->fresh & 4) ? -1 : 0, (p->fresh & 8) ? -1 : 0};
    if (pr->fmode != SY_F_OFF) {
        float res = pr->res > 0.97f ? 0.97f : pr->res < 0.0f ? 0.0f : pr->res;
        k = v4s(2.0f - 2.0f * res);
        v4 lc = p->cut + v4s(pr->fenv_oct) * p->flt.v;
        float top = 0.42f * t->rate < 20000.0f ? 0.42f * t->rate : 20000.0f;
        v4 fc = v4min(v4max(v4exp2(lc), v4s(16.0f)), v4s(top));
        v4 g = v4tan(fc * v4s(SY_PI * t->inv_rate));
        v4 a1 = v4s(1.0f) / (v4s(1.0f) + g * (g + k));
        v4 a2 = g * a1, a3 = g * a2;
        p->a1 = v4sel(fresh, a1, p->a1);
        p->a2 = v4sel(fresh, a2, p->a2);
        p->a3 = v4sel(fresh, a3, p->a3);
        da1 = (a1 - p->a1) * rn;
        da2 = (a2 - p->a2) * rn;
        da3 = (a3 - p->a3) * rn;
        sy_env_advance(&p->flt, n);
    }
    /* gain ramp: velocity gain times tremolo at the end of the block */
    v4 gend = p->gain;
    if (pr->trem_depth > 0.0f) {
        float tr = 1.0f - pr->trem_depth * (0.5f + 0.5f * sy_sin_any(t->lfo_trem));
        gend *= v4s(tr);
    }
    p->gcur = v4sel(fresh, gend, p->gcur);
    v4 dg = (gend - p->gcur) * rn;
    p->fresh = 0;

    v4 *aL = (v4 *)accLf, *aR = (v4 *)accRf;
    if (t->stereo) {
        switch (pr->fmode) {
        case SY_F_LP: sub_out(p, n, bl, br, aL, aR, da1, da2, da3, k, dg, SY_F_LP, 1); break;
        case SY_F_BP: sub_out(p, n, bl, br, aL, aR, da1, da2, da3, k, dg, SY_F_BP, 1); break;
        case SY_F_HP: sub_out(p, n, bl, br, aL, aR, da1, da2, da3, k, dg, SY_F_HP, 1); break;
        default: sub_out(p, n, bl, br, aL, aR, da1, da2, da3, k, dg, SY_F_OFF, 1); break;
        }
    } else {
        switch (pr->fmode) {
        case SY_F_LP: sub_out(p, n, bl, bl, aL, aL, da1, da2, da3, k, dg, SY_F_LP, 0); break;
        case SY_F_BP: sub_out(p, n, bl, bl, aL, aL, da1, da2, da3, k, dg, SY_F_BP, 0); break;
        case SY_F_HP: sub_out(p, n, bl, bl, aL, aL, da1, da2, da3, k, dg, SY_F_HP, 0); break;
        default: sub_out(p, n, bl, bl, aL, aL, da1, da2, da3, k, dg, SY_F_OFF, 0); break;
        }
    }

    p->age += v4s((float)n * t->inv_rate);
    sy_env_control(&p->flt, active);
    unsigned done = sy_env_control(&p->amp, active);
    for (int l = 0; l < SY_LANES; l++)
        t->slots[pidx * SY_LANES + l].level = p->amp.v[l];
    return done;
}

const sy_engine sy_engine_sub = {
    .pack_size = sizeof(sub_pack),
    .note_on = sub_note_on,
    .note_off = sub_note_off,
    .kill = sub_kill,
    .render = sub_render,
};
