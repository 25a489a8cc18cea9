/*
 * engine_sub.c - the subtractive voice: two oscillators (each with up to
 * SY_MAXUNI detuned unison copies spread in stereo) plus noise, a
 * zero-delay-feedback state-variable filter (TPT form) with key, velocity
 * and envelope tracking, an amplitude ADSR, a pitch envelope, vibrato,
 * tremolo and PWM.
 *
 * Eight voices run in the lanes of one pack. Per block the oscillators fill
 * a lane-interleaved buffer (one pass per oscillator with all its unison
 * copies, the waveform chosen outside the sample loop), then one fused loop
 * runs the filter, the envelope and the gain and adds into the track
 * accumulator. Filter coefficients are computed once per block from the
 * filter envelope (fast exp2 and tan approximations) and ramped linearly
 * across the block, so cutoff sweeps do not zipper.
 *
 * The filter runs in state-space form: the TPT update
 *     v1 = a1 s1 + a2 (x - s2),  v2 = s2 + a2 s1 + a3 (x - s2),
 *     s1' = 2 v1 - s1,           s2' = 2 v2 - s2
 * rewritten as s1' = p s1 + q u, s2' = (s2 + q s1) + r u with u = x - s2,
 * p = 2 a1 - 1, q = 2 a2, r = 2 a3; then v1 = (s1 + s1') / 2 and
 * v2 = (s2 + s2') / 2. Same filter, a loop-carried chain of three
 * operations instead of five.
 */
#include <math.h>
#include <string.h>

#include "synth.h"

typedef struct sub_pack {
    vu ph[2][SY_MAXUNI]; /* phases, 2^32 per cycle */
    vf inc[2];          /* per lane, osc transpose included */
    vu rng;
    sy_env amp, flt;
    vf s1[2], s2[2];    /* SVF states, left/right */
    vf fp, fq, fr;      /* SVF coefficients now (p, q, r above) */
    vf cut;             /* log2 cutoff Hz before the filter envelope */
    vf gain, gcur;      /* velocity gain; gain now (with tremolo) */
    vf pe;              /* pitch envelope, semitones */
    vf age;             /* seconds since note on */
    unsigned fresh;     /* lanes started this block: no ramps */
} sub_pack;

/* ---- oscillators -------------------------------------------------------
 *
 * Phases are 32-bit fixed point (2^32 per cycle): one integer add per
 * sample, exact, wrapping by itself; the top 10 bits index the table and
 * the next 22 are the interpolation fraction. One pass per oscillator
 * renders all of its unison copies: their phases stay in registers and
 * the block buffer is loaded and stored once per sample. The first
 * oscillator of a voice stores, later ones add. Each (waveform, copies,
 * stereo, first) combination is its own loop: the dispatch happens once
 * per block, never per sample. */

#define SY_PH_FRAC_BITS 22 /* 32 - log2(SY_TABN) */

/* Linear interpolation in eight tables at once (one wave, a mip level per
 * lane given as an offset from `base`). Each lane's (value, delta) pair
 * is one 8-byte load; shuffles split values from deltas. */
SY_INL vf table_read_p(const float *base, const vi *off, const vu *ph)
{
    vf fr = vtof((vi)(*ph & ((1u << SY_PH_FRAC_BITS) - 1))) *
            vs(1.0f / (float)(1u << SY_PH_FRAC_BITS));
    /* The indices go through memory (the empty asm keeps GCC from turning
     * the store back into lane extracts): eight zero-extending scalar
     * loads are cheaper than moving lanes to general registers. */
    uint32_t at[SY_LANES] __attribute__((aligned(32)));
    *(vu *)at = ((*ph >> (SY_PH_FRAC_BITS - 1)) & ~1u) + (vu)*off;
    __asm__("" : "+m"(at));
    /* a pair is loaded as one double: two pairs fill an SSE register with
     * a load and a load-to-high-half */
    typedef double d2 __attribute__((vector_size(16)));
    typedef float v4 __attribute__((vector_size(16)));
    typedef double dpair __attribute__((aligned(8), may_alias));
    v4 a01 = (v4)(d2){*(const dpair *)(base + at[0]), *(const dpair *)(base + at[1])};
    v4 a23 = (v4)(d2){*(const dpair *)(base + at[2]), *(const dpair *)(base + at[3])};
    v4 a45 = (v4)(d2){*(const dpair *)(base + at[4]), *(const dpair *)(base + at[5])};
    v4 a67 = (v4)(d2){*(const dpair *)(base + at[6]), *(const dpair *)(base + at[7])};
    vf lo = __builtin_shufflevector(a01, a45, 0, 1, 2, 3, 4, 5, 6, 7);
    vf hi = __builtin_shufflevector(a23, a67, 0, 1, 2, 3, 4, 5, 6, 7);
    vf a = __builtin_shufflevector(lo, hi, 0, 2, 8, 10, 4, 6, 12, 14);
    vf d = __builtin_shufflevector(lo, hi, 1, 3, 9, 11, 5, 7, 13, 15);
    return a + fr * d;
}
#define table_read(base, off, ph) table_read_p(base, VIP(off), (const vu[1]){(ph)})

/* sin(2 pi ph) of a fixed-point phase: as a signed number it is already
 * the turn in [-1/2, 1/2). */
SY_INL vf sine_ph(const vu *ph)
{
    return vsin_turn_half(vtof((vi)*ph) * vs(1.0f / 4294967296.0f));
}

/* A phase increment in cycles per sample as fixed point (below 1/2). */
SY_INL vu phase_inc_p(const vf *inc)
{
    return (vu)vtoi(vclamp(*inc, 0.0f, 0.4999f) * vs(4294967296.0f));
}
#define phase_inc(inc) phase_inc_p(VP(inc))

enum { OSC_TABLE, OSC_PULSE, OSC_SINE };

typedef struct osc_args {
    vu *ph;               /* [uni] phases */
    vu inc[SY_MAXUNI];    /* per copy */
    float gl[SY_MAXUNI], gr[SY_MAXUNI];
    const float *base;    /* the wave's tables */
    vi off;               /* per lane mip level */
    vu pw;
} osc_args;

SY_INL void osc_run(const osc_args *a, int n, vf *bl, vf *br, const int kind, const int uni,
                    const int stereo, const int first)
{
    vu ph[SY_MAXUNI], inc[SY_MAXUNI];
    vf gl[SY_MAXUNI], gr[SY_MAXUNI];
    for (int u = 0; u < uni; u++) {
        ph[u] = a->ph[u];
        inc[u] = a->inc[u];
        gl[u] = vs(a->gl[u]);
        gr[u] = vs(a->gr[u]);
    }
    const float *base = a->base;
    vi off = a->off;
    vu pw = a->pw;
    for (int i = 0; i < n; i++) {
        vf sl = first ? vs(0.0f) : bl[i];
        vf sr = first || !stereo ? vs(0.0f) : br[i];
#pragma GCC unroll 8
        for (int u = 0; u < uni; u++) {
            ph[u] += inc[u];
            vf y;
            if (kind == OSC_SINE)
                y = sine_ph(&ph[u]);
            else if (kind == OSC_PULSE)
                y = table_read(base, off, ph[u]) - table_read(base, off, ph[u] + pw);
            else
                y = table_read(base, off, ph[u]);
            sl += y * gl[u];
            if (stereo)
                sr += y * gr[u];
        }
        bl[i] = sl;
        if (stereo)
            br[i] = sr;
    }
    for (int u = 0; u < uni; u++)
        a->ph[u] = ph[u];
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

SY_INL void osc_dispatch(const osc_args *a, int n, vf *bl, vf *br, int kind, int uni,
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

SY_INL void osc_noise(vu *rng, int n, float g, vf *bl, vf *br, int first)
{
    vf vg = vs(g);
    for (int i = 0; i < n; i++) {
        vf y = vnoise(rng) * vg;
        bl[i] = first ? y : bl[i] + y;
        if (br)
            br[i] = first ? y : br[i] + y;
    }
}

/* ---- filter + amplitude: specialised per mode and channel count ------ */

typedef struct out_args {
    vf dp, dq, dr;      /* coefficient steps per sample */
    vf k;               /* SVF damping (high pass output) */
    vf dg;              /* gain step per sample */
} out_args;

SY_INL void sub_out(sub_pack *p, int n, const vf *bl, const vf *br, vf *accL, vf *accR,
                    const out_args *oa, const int mode, const int stereo, const int store)
{
    vf fp = p->fp, fq = p->fq, fr = p->fr, g = p->gcur;
    vf dp = oa->dp, dq = oa->dq, dr = oa->dr, dg = oa->dg, k = oa->k;
    vf s1l = p->s1[0], s2l = p->s2[0], s1r = p->s1[1], s2r = p->s2[1];
    /* env: v_i = tgt + (v0 - tgt) * m^i, m = 1 - c; only w = m^i is
     * carried (one multiply), the clamp stays off the chain */
    vf et = p->amp.tgt, ed = p->amp.v - et, em = vs(1.0f) - p->amp.c, ew = vs(1.0f);
    vf e = p->amp.v;
    /* low and band pass outputs are (s + s') / 2: the half is in the gain */
    const vf half = vs(mode == SY_F_LP || mode == SY_F_BP ? 0.5f : 1.0f);
    for (int i = 0; i < n; i++) {
        vf yl = bl[i], yr = stereo ? br[i] : yl;
        if (mode != SY_F_OFF) {
            fp += dp;
            fq += dq;
            fr += dr;
            vf u = yl - s2l;
            vf n1 = fp * s1l + fq * u;
            vf n2 = (s2l + fq * s1l) + fr * u;
            vf outl = mode == SY_F_LP   ? s2l + n2
                      : mode == SY_F_BP ? s1l + n1
                                        : yl - k * ((s1l + n1) * vs(0.5f)) - (s2l + n2) * vs(0.5f);
            s1l = n1;
            s2l = n2;
            if (stereo) {
                u = yr - s2r;
                n1 = fp * s1r + fq * u;
                n2 = (s2r + fq * s1r) + fr * u;
                yr = mode == SY_F_LP   ? s2r + n2
                     : mode == SY_F_BP ? s1r + n1
                                       : yr - k * ((s1r + n1) * vs(0.5f)) - (s2r + n2) * vs(0.5f);
                s1r = n1;
                s2r = n2;
            }
            yl = outl;
        }
        ew *= em;
        e = vclamp(et + ed * ew, 0.0f, 1.0f);
        g += dg;
        vf ge = e * g * half;
        accL[i] = (store ? vs(0.0f) : accL[i]) + yl * ge;
        if (stereo)
            accR[i] = (store ? vs(0.0f) : accR[i]) + yr * ge;
    }
    p->fp = fp;
    p->fq = fq;
    p->fr = fr;
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

static void sub_note_on(sy_track *t, void *vp, int l, int pitch, int vel, float pre)
{
    sub_pack *p = vp;
    const sy_preset *pr = &t->p;
    double hz = sy_pitch_hz(pitch);
    for (int o = 0; o < 2; o++) {
        const sy_oscp *op = &pr->osc[o];
        double f = hz * pow(2.0, (op->semi + op->detune / 100.0) / 12.0);
        float inc = (float)(f / t->rate);
        p->inc[o][l] = inc;
        int uni = op->unison ? op->unison : 1;
        for (int u = 0; u < SY_MAXUNI; u++) {
            double ph = uni > 1 ? cz_rng_unit(&t->rng) : 0.0;
            /* the part of a sample period that passed before the first */
            ph += (double)inc * t->uni_ratio[o][u] * pre;
            p->ph[o][u][l] = (uint32_t)(uint64_t)((ph - floor(ph)) * 4294967296.0);
        }
    }
    uint32_t seed = (uint32_t)cz_rng_next(&t->rng);
    p->rng[l] = seed ? seed : 0x9e3779b9u;
    sy_env_start(&p->amp, l, &pr->amp, key_time(pr, pitch), t->rate, pre);
    sy_env_start(&p->flt, l, &pr->fenv, 1.0f, t->rate, pre);
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

/* ---- time-major oscillators for sparse packs ------------------------------
 *
 * A pack costs the same whatever number of its lanes sound, and the table
 * reads (eight scalar loads per read) are most of that cost. Monophonic
 * lines (basses, leads, arpeggios) keep one or two of the eight lanes
 * busy, so a pack with few sounding voices runs its oscillators the other
 * way round: one voice at a time, eight consecutive samples in the lanes
 * of a vector, through the same osc_run loop. Fixed-point phases make
 * this exact: sample j of a block has phase ph0 + j * inc (mod 2^32)
 * however it is reached, and every other operation is per element in the
 * same order, so each voice gets the same bits as in the voice-major
 * layout. The samples are then moved into the voice's lane of the block
 * buffer, and the filter and envelope loop runs voice-major as ever. */

/* osc_run for one lane of `a`, time-major: n samples into tl (and tr),
 * rounded up to whole vectors. Advances the lane's phases by n samples. */
SY_INL void osc_lane(const osc_args *a, int lane, int n, vf *tl, vf *tr, int kind, int uni,
                     int stereo, int first)
{
    /* lane j of the first vector must come out as ph0 + (j + 1) inc after
     * the loop's first increment by 8 inc */
    const vu back = {(uint32_t)-7, (uint32_t)-6, (uint32_t)-5, (uint32_t)-4,
                     (uint32_t)-3, (uint32_t)-2, (uint32_t)-1, 0};
    osc_args b = *a;
    vu ph[SY_MAXUNI];
    for (int u = 0; u < uni; u++) {
        uint32_t ph0 = a->ph[u][lane], inc = a->inc[u][lane];
        ph[u] = back * inc + ph0;
        b.inc[u] = (vu){0} + 8u * inc;
        a->ph[u][lane] = ph0 + (uint32_t)n * inc;
    }
    b.ph = ph;
    b.off = vis(a->off[lane]);
    osc_dispatch(&b, (n + SY_LANES - 1) / SY_LANES, tl, tr, kind, uni, stereo, first);
}

/* osc_noise for one lane (scalar, the same bits: the generator is a
 * per-lane recursion). A first one also clears the rounding-up tail that
 * later oscillators add to. */
static void lane_noise(uint32_t *rng, int n, float g, float *tl, float *tr, int first)
{
    for (int i = 0; i < n; i++) {
        float y = sy_noise(rng) * g;
        tl[i] = first ? y : tl[i] + y;
        if (tr)
            tr[i] = first ? y : tr[i] + y;
    }
    for (int i = n; first && i % SY_LANES; i++) {
        tl[i] = 0.0f;
        if (tr)
            tr[i] = 0.0f;
    }
}

/* The block buffer from k voices' samples x[j] (time-major, rounded up to
 * whole vectors): lane l_j of b[i] is x[j][i], for i up to n rounded up
 * (b has room). The other lanes repeat the first voice: any finite value
 * will do there, as an idle lane's output is multiplied by its closed
 * envelope, and a splat costs less than clearing. In-register splats and
 * selects: a scalar broadcast per sample from memory compiled to eight
 * inserts. */
#define SPLAT(x, s) __builtin_shufflevector(x, x, s, s, s, s, s, s, s, s)
#define SPLAT_ALL(x, S) S(x, 0); S(x, 1); S(x, 2); S(x, 3); S(x, 4); S(x, 5); S(x, 6); S(x, 7)
SY_INL void lanes_from_voices(const vf (*x)[SY_BLOCK / SY_LANES], const vi *lane, int k, int n,
                              vf *b)
{
    for (int g = 0; g < (n + SY_LANES - 1) / SY_LANES; g++, b += SY_LANES) {
        vf x0 = x[0][g];
#define FIRST(v, s) b[s] = SPLAT(v, s)
        SPLAT_ALL(x0, FIRST);
#undef FIRST
        for (int j = 1; j < k; j++) {
            vf xj = x[j][g];
            vi m = lane[j];
#define MORE(v, s) b[s] = vsel(m, SPLAT(v, s), b[s])
            SPLAT_ALL(xj, MORE);
#undef MORE
        }
    }
}
#undef SPLAT_ALL
#undef SPLAT

/* ---- a block of oscillators ---------------------------------------------- */

/* Everything one oscillator needs for this block; `kind` < 0: none. */
typedef struct osc_block {
    osc_args a;
    int kind, uni;
    int noise;      /* a noise oscillator: its level is a.gl[0] */
} osc_block;

/* Set up oscillator o for this block with pitch modulation `mod`. */
SY_INL void osc_block_setup(sy_track *t, sub_pack *p, int o, const vf *mod, osc_block *ob)
{
    const sy_preset *pr = &t->p;
    const sy_oscp *op = &pr->osc[o];
    ob->kind = -1;
    ob->noise = 0;
    if (op->wave == SY_W_OFF)
        return;
    int uni = op->unison ? op->unison : 1;
    if (uni > SY_MAXUNI)
        uni = SY_MAXUNI;
    ob->uni = uni;
    osc_args *a = &ob->a;
    if (op->wave == SY_W_NOISE) {
        ob->noise = 1;
        a->gl[0] = t->uni_gl[o][0] * sqrtf((float)uni);
        return;
    }
    vf inc = p->inc[o] * *mod;
    a->ph = p->ph[o];
    for (int u = 0; u < uni; u++) {
        a->inc[u] = phase_inc(inc * vs(t->uni_ratio[o][u]));
        a->gl[u] = t->uni_gl[o][u];
        a->gr[u] = t->uni_gr[o][u];
    }
    ob->kind = op->wave == SY_W_SINE ? OSC_SINE : op->wave == SY_W_PULSE ? OSC_PULSE : OSC_TABLE;
    a->pw = (vu){0};
    if (op->wave == SY_W_PULSE) {
        float pw = op->pw + pr->pwm_depth * sy_sin_any(t->lfo_pwm);
        pw = pw < 0.05f ? 0.05f : pw > 0.95f ? 0.95f : pw;
        uint32_t ipw = (uint32_t)(int64_t)(pw * 4294967296.0);
        a->pw = (vu){0} + ipw;
    }
    a->base = NULL;
    a->off = vis(0);
    if (t->tab[o]) {
        a->base = t->tab[o]->data;
        a->off = vtable_offset(inc * vs(t->uni_margin[o]));
    }
}

/* Voice-major: all eight lanes at once, into bl (and br). */
SY_INL void osc_block_dense(sy_track *t, sub_pack *p, const osc_block *ob, int n, vf *bl,
                            vf *br)
{
    vf *brp = t->stereo ? br : NULL;
    int first = 1;
    for (int o = 0; o < 2; o++) {
        if (ob[o].noise)
            osc_noise(&p->rng, n, ob[o].a.gl[0], bl, brp, first);
        else if (ob[o].kind >= 0)
            osc_dispatch(&ob[o].a, n, bl, br, ob[o].kind, ob[o].uni, t->stereo, first);
        else
            continue;
        first = 0;
    }
    if (t->p.noise > 0.0f) {
        osc_noise(&p->rng, n, t->p.noise, bl, brp, first);
        first = 0;
    }
    if (first) {
        memset(bl, 0, sizeof(vf) * (size_t)n);
        if (brp)
            memset(br, 0, sizeof(vf) * (size_t)n);
    }
}

/* Time-major, one sounding voice after the other, then interleaved into
 * the voices' lanes. */
SY_INL int osc_sparse_body(sy_track *t, sub_pack *p, const osc_block *ob, unsigned active,
                           int n, vf *bl, vf *br)
{
    vf xl[SY_LANES][SY_BLOCK / SY_LANES], xr[SY_LANES][SY_BLOCK / SY_LANES];
    vi lane[SY_LANES];
    int k = 0, first = 1;
    for (int l = 0; l < SY_LANES; l++) {
        if (!(active & (1u << l)))
            continue;
        float *xrp = t->stereo ? (float *)xr[k] : NULL;
        uint32_t rng = p->rng[l];
        first = 1;
        for (int o = 0; o < 2; o++) {
            if (ob[o].noise)
                lane_noise(&rng, n, ob[o].a.gl[0], (float *)xl[k], xrp, first);
            else if (ob[o].kind >= 0)
                osc_lane(&ob[o].a, l, n, xl[k], xr[k], ob[o].kind, ob[o].uni, t->stereo, first);
            else
                continue;
            first = 0;
        }
        if (t->p.noise > 0.0f) {
            lane_noise(&rng, n, t->p.noise, (float *)xl[k], xrp, first);
            first = 0;
        }
        p->rng[l] = rng;
        lane[k++] = vmask(1u << l);
    }
    if (first) { /* no source at all (every voice alike) */
        memset(bl, 0, sizeof(vf) * (size_t)n);
        if (t->stereo)
            memset(br, 0, sizeof(vf) * (size_t)n);
        return 0;
    }
    lanes_from_voices((const vf(*)[SY_BLOCK / SY_LANES])xl, lane, k, n, bl);
    if (t->stereo)
        lanes_from_voices((const vf(*)[SY_BLOCK / SY_LANES])xr, lane, k, n, br);
    return 0;
}

/* A function of its own: inlined into the voice-major renderer, it made
 * that one's loops 15% slower. */
SY_ISA_PAIR(int, osc_sparse,
            (sy_track * t, sub_pack *p, const osc_block *ob, unsigned active, int n, vf *bl,
             vf *br),
            (t, p, ob, active, n, bl, br))

static void osc_block_sparse(sy_track *t, sub_pack *p, const osc_block *ob, unsigned active,
                             int n, vf *bl, vf *br)
{
    static int (*const fn[SY_NISA])(sy_track *, sub_pack *, const osc_block *, unsigned, int,
                                    vf *, vf *) = SY_ISA_FNS(osc_sparse);
    fn[t->isa](t, p, ob, active, n, bl, br);
}

SY_INL unsigned sub_render_body(sy_track *t, void *vp, int pidx, unsigned active, int n,
                                int store, float *accLf, float *accRf)
{
    sub_pack *p = vp;
    const sy_preset *pr = &t->p;
    vf bl[SY_BLOCK], br[SY_BLOCK];

    /* pitch modulation for this block, in semitones per lane */
    vf semis = p->pe;
    if (pr->vib_cents > 0.0f) {
        float s = sy_sin_any(t->lfo_vib) * pr->vib_cents / 100.0f;
        /* none for vib_delay seconds, then a fade-in as long */
        vf ramp = vs(1.0f);
        if (pr->vib_delay > 0.0f)
            ramp = vclamp((p->age - vs(pr->vib_delay)) * vs(1.0f / pr->vib_delay), 0.0f, 1.0f);
        semis += ramp * vs(s);
    }
    vf mod = vexp2(semis * vs(1.0f / 12.0f));
    if (pr->penv_semi != 0.0f)
        p->pe *= vs(sy_exp2f(-(float)n / (pr->penv_t * t->rate) * 1.4426950f));

    osc_block ob[2];
    for (int o = 0; o < 2; o++)
        osc_block_setup(t, p, o, &mod, &ob[o]);
    if (__builtin_popcount(active) <= t->sh->sparse_max)
        osc_block_sparse(t, p, ob, active, n, bl, br);
    else
        osc_block_dense(t, p, ob, n, bl, br);

    /* filter coefficients at the end of this block, ramped from now */
    out_args oa = {.dp = vs(0.0f), .dq = vs(0.0f), .dr = vs(0.0f), .k = vs(2.0f)};
    vf rn = vs(1.0f / (float)n);
    vi fresh = vmask(p->fresh);
    if (pr->fmode != SY_F_OFF) {
        float res = pr->res > 0.97f ? 0.97f : pr->res < 0.0f ? 0.0f : pr->res;
        vf k = vs(2.0f - 2.0f * res);
        oa.k = k;
        vf lc = p->cut + vs(pr->fenv_oct) * p->flt.v;
        float top = 0.42f * t->rate < 20000.0f ? 0.42f * t->rate : 20000.0f;
        vf fc = vclamp(vexp2(lc), 16.0f, top);
        vf g = vtan(fc * vs(SY_PI * t->inv_rate));
        vf a1 = vs(1.0f) / (vs(1.0f) + g * (g + k));
        vf a2 = g * a1, a3 = g * a2;
        vf np = (a1 + a1) - vs(1.0f), nq = a2 + a2, nr = a3 + a3;
        p->fp = vsel(fresh, np, p->fp);
        p->fq = vsel(fresh, nq, p->fq);
        p->fr = vsel(fresh, nr, p->fr);
        oa.dp = (np - p->fp) * rn;
        oa.dq = (nq - p->fq) * rn;
        oa.dr = (nr - p->fr) * rn;
        sy_env_advance(&p->flt, n);
    }
    /* gain ramp: velocity gain times tremolo at the end of the block */
    vf gend = p->gain;
    if (pr->trem_depth > 0.0f) {
        float tr = 1.0f - pr->trem_depth * (0.5f + 0.5f * sy_sin_any(t->lfo_trem));
        gend *= vs(tr);
    }
    p->gcur = vsel(fresh, gend, p->gcur);
    oa.dg = (gend - p->gcur) * rn;
    p->fresh = 0;

    vf *aL = (vf *)accLf, *aR = (vf *)accRf;
#define SUB_OUT(st, sto)                                                                  \
    switch (pr->fmode) {                                                                  \
    case SY_F_LP: sub_out(p, n, bl, st ? br : bl, aL, st ? aR : aL, &oa, SY_F_LP, st, sto); break; \
    case SY_F_BP: sub_out(p, n, bl, st ? br : bl, aL, st ? aR : aL, &oa, SY_F_BP, st, sto); break; \
    case SY_F_HP: sub_out(p, n, bl, st ? br : bl, aL, st ? aR : aL, &oa, SY_F_HP, st, sto); break; \
    default: sub_out(p, n, bl, st ? br : bl, aL, st ? aR : aL, &oa, SY_F_OFF, st, sto); break;     \
    }
    if (t->stereo) {
        if (store) {
            SUB_OUT(1, 1)
        } else {
            SUB_OUT(1, 0)
        }
    } else {
        if (store) {
            SUB_OUT(0, 1)
        } else {
            SUB_OUT(0, 0)
        }
    }
#undef SUB_OUT

    p->age += vs((float)n * t->inv_rate);
    sy_env_control(&p->flt, active);
    unsigned done = sy_env_control(&p->amp, active);
    for (int l = 0; l < SY_LANES; l++)
        t->slots[pidx * SY_LANES + l].level = p->amp.v[l];
    return done;
}

SY_ISA_PAIR(unsigned, sub_render,
            (sy_track * t, void *vp, int pidx, unsigned active, int n, int store, float *accL,
             float *accR),
            (t, vp, pidx, active, n, store, accL, accR))

const sy_engine sy_engine_sub = {
    .pack_size = sizeof(sub_pack),
    .note_on = sub_note_on,
    .note_off = sub_note_off,
    .kill = sub_kill,
    .render = SY_ISA_FNS(sub_render),
};
