/*
 * engine_drum.c - the GM drum kit (channel 10): every piece synthesised.
 *
 * Each GM percussion note maps to a recipe (kick: sine with a pitch sweep
 * and a click; snare: two body modes plus band-passed noise; hats and
 * cymbals: a cluster of six band-limited square waves at inharmonic ratios
 * plus noise, high-passed; clap: four noise bursts and a tail; toms,
 * congas, bongos, timbales: swept sines with a slap; bells, blocks,
 * shakers, guiro, cuica, triangle ...). The recipe is coloured by the kit
 * the genre asks for (acoustic, 808, 909, 80s gated).
 *
 * A piece sounds the same on every hit except for level and brightness,
 * so each piece the track uses is synthesised once at the start of the
 * render (a few milliseconds) and voices play it back with a velocity
 * gain and a velocity-controlled lowpass: a drum voice costs a few
 * operations per sample instead of a dozen oscillators and filters.
 * Hi-hats choke: a closed or pedal hat fades any ringing open hat (in
 * track.c, through the choke groups below).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

typedef struct drum_recipe {
    float f0, f1, sweep;  /* tone: start/end Hz, sweep time constant */
    float tdecay, tlev;   /* tone decay to -60 dB, level */
    float f2, t2lev;      /* second partial (Hz, 0 = none) */
    int tsq;              /* tones are square waves */
    float nlev, ndecay, nattack; /* noise */
    float nlo, nhi;       /* noise highpass / lowpass, Hz (0 = off) */
    float mlev, mfreq, mdecay;   /* metallic cluster */
    float mhp;            /* metallic highpass Hz */
    float click;          /* attack click */
    int bursts;           /* clap: noise bursts before the tail */
    float am;             /* amplitude modulation rate (guiro, vibraslap) */
    float gate;           /* hard gate after this many seconds (0 = off) */
    float flo, fhi;       /* band-pass on the whole piece (0 = off) */
    float drive;          /* saturation (808 kick) */
    float level, pan;
} drum_recipe;

typedef struct drum_piece {
    float *s;
    uint32_t len;
    float level, pl, pr;
} drum_piece;

typedef struct drum_kit {
    drum_piece piece[128];
} drum_kit;

typedef struct drum_voice {
    const float *s;
    uint32_t len, pos;
    float gain, c, lp, pl, pr, fade, fstep;
} drum_voice;

typedef struct drum_pack {
    drum_voice v[SY_LANES];
} drum_pack;

/* ---- recipes ---------------------------------------------------------- */

static void tom(drum_recipe *r, float hz, float pan, int kit)
{
    r->f0 = hz * 1.6f;
    r->f1 = hz;
    r->sweep = 0.05f;
    r->tdecay = 0.9f - hz / 400.0f;
    r->tlev = 1.0f;
    r->nlev = kit == SY_KIT_808 ? 0.0f : 0.18f;
    r->ndecay = 0.08f;
    r->nlo = 300;
    r->nhi = 5000;
    r->level = 0.8f;
    r->pan = pan;
    if (kit == SY_KIT_808 || kit == SY_KIT_80S) {
        r->sweep = 0.12f;
        r->f0 = hz * 2.0f;
    }
}

static void hat(drum_recipe *r, float decay, int kit)
{
    r->mlev = 0.7f;
    r->mfreq = kit == SY_KIT_808 ? 410 : 360;
    r->mdecay = decay;
    r->mhp = 7000;
    r->nlev = kit == SY_KIT_909 ? 0.9f : 0.55f;
    r->ndecay = decay;
    r->nlo = 7500;
    r->nhi = 0;
    r->level = 0.55f;
    r->pan = -0.3f;
}

static void cymbal(drum_recipe *r, float mfreq, float hp, float decay,
                   float pan)
{
    r->mlev = 0.75f;
    r->mfreq = mfreq;
    r->mdecay = decay;
    r->mhp = hp;
    r->nlev = 0.7f;
    r->ndecay = decay * 0.8f;
    r->nlo = hp;
    r->nhi = 16000;
    r->level = 0.6f;
    r->pan = pan;
}

static void tone(drum_recipe *r, float hz, float decay, float level)
{
    r->f0 = r->f1 = hz;
    r->tdecay = decay;
    r->tlev = 1.0f;
    r->level = level;
}

static void noise(drum_recipe *r, float lo, float hi, float attack,
                  float decay, float level)
{
    r->nlev = 1.0f;
    r->nlo = lo;
    r->nhi = hi;
    r->nattack = attack;
    r->ndecay = decay;
    r->level = level;
}

/* The recipe for GM percussion note `n` in `kit`; 0 when the note has no
 * sound in this kit (outside 27..87). */
static int recipe(drum_recipe *r, int n, int kit)
{
    memset(r, 0, sizeof *r);
    switch (n) {
    case 35:
    case 36: /* kicks */
        r->tlev = 1.0f;
        r->level = 1.0f;
        switch (kit) {
        case SY_KIT_808:
            r->f0 = 115; r->f1 = 46; r->sweep = 0.07f; r->tdecay = 1.5f;
            r->click = 0.06f; r->drive = 1.6f;
            break;
        case SY_KIT_909:
            r->f0 = 280; r->f1 = 52; r->sweep = 0.022f; r->tdecay = 0.6f;
            r->click = 0.5f; r->drive = 1.3f;
            break;
        case SY_KIT_80S:
            r->f0 = 190; r->f1 = 56; r->sweep = 0.03f; r->tdecay = 0.45f;
            r->click = 0.45f;
            break;
        default:
            r->f0 = 150; r->f1 = 54; r->sweep = 0.035f; r->tdecay = 0.5f;
            r->click = 0.35f; r->nlev = 0.06f; r->ndecay = 0.05f;
            r->nlo = 800; r->nhi = 6000;
            break;
        }
        if (n == 35) {
            r->f1 *= 0.88f;
            r->f0 *= 0.9f;
        }
        return 1;
    case 38:
    case 40: /* snares */
        r->level = 0.85f;
        r->tlev = 0.9f;
        r->t2lev = 0.45f;
        switch (kit) {
        case SY_KIT_808:
            r->f0 = 270; r->f1 = 238; r->sweep = 0.02f; r->tdecay = 0.16f;
            r->f2 = 476; r->nlev = 0.75f; r->ndecay = 0.18f; r->nlo = 1200; r->nhi = 11000;
            break;
        case SY_KIT_909:
            r->f0 = 250; r->f1 = 195; r->sweep = 0.015f; r->tdecay = 0.12f;
            r->f2 = 340; r->nlev = 1.0f; r->ndecay = 0.26f; r->nlo = 500; r->nhi = 12000;
            break;
        case SY_KIT_80S:
            r->f0 = 230; r->f1 = 190; r->sweep = 0.02f; r->tdecay = 0.2f;
            r->f2 = 335; r->nlev = 1.1f; r->ndecay = 0.9f; r->nlo = 300; r->nhi = 9000;
            r->gate = 0.3f;
            break;
        default:
            r->f0 = 230; r->f1 = 188; r->sweep = 0.02f; r->tdecay = 0.2f;
            r->f2 = 332; r->nlev = 0.9f; r->ndecay = 0.3f; r->nlo = 250; r->nhi = 9000;
            break;
        }
        if (n == 40) {
            r->nlo *= 2.0f;
            r->ndecay *= 0.8f;
        }
        return 1;
    case 37: /* side stick */
        tone(r, 1650, 0.04f, 0.45f);
        r->f2 = 460; r->t2lev = 0.8f;
        r->nlev = 0.6f; r->nlo = 1500; r->nhi = 6000; r->ndecay = 0.03f;
        return 1;
    case 39: /* clap */
        noise(r, 750, 2600, 0.0f, kit == SY_KIT_808 ? 0.3f : 0.22f, 0.75f);
        r->bursts = 4;
        return 1;
    case 42: hat(r, kit == SY_KIT_808 ? 0.045f : 0.065f, kit); return 1;
    case 44: hat(r, 0.09f, kit); r->level = 0.4f; r->click = 0.15f; return 1;
    case 46: hat(r, kit == SY_KIT_808 ? 0.6f : 1.1f, kit); r->level = 0.5f; return 1;
    case 41: tom(r, 82, 0.45f, kit); return 1;
    case 43: tom(r, 98, 0.3f, kit); return 1;
    case 45: tom(r, 110, 0.1f, kit); return 1;
    case 47: tom(r, 131, -0.1f, kit); return 1;
    case 48: tom(r, 147, -0.25f, kit); return 1;
    case 50: tom(r, 175, -0.45f, kit); return 1;
    case 49: cymbal(r, 520, 3500, 2.4f, -0.4f); return 1;
    case 57: cymbal(r, 470, 3200, 2.6f, 0.4f); return 1;
    case 55: cymbal(r, 640, 4500, 1.0f, -0.2f); r->level = 0.45f; return 1;
    case 52: cymbal(r, 300, 1500, 1.6f, -0.3f); r->nlev = 1.0f; return 1;
    case 51:
    case 59: /* rides: darker wash plus a ping */
        cymbal(r, 380, 2500, 2.0f, 0.35f);
        r->nlev = 0.3f; r->level = 0.45f;
        r->f0 = r->f1 = n == 51 ? 2850 : 3050; r->tdecay = 0.5f; r->tlev = 0.25f;
        return 1;
    case 53: /* ride bell */
        tone(r, 2450, 1.3f, 0.45f);
        r->f2 = 3930; r->t2lev = 0.6f; r->mlev = 0.25f; r->mfreq = 380;
        r->mdecay = 1.2f; r->mhp = 2500; r->pan = 0.35f;
        return 1;
    case 54: /* tambourine */
        r->mlev = 0.8f; r->mfreq = 1600; r->mdecay = 0.25f; r->mhp = 6000;
        r->nlev = 0.6f; r->nlo = 6000; r->ndecay = 0.22f; r->nattack = 0.004f;
        r->level = 0.45f; r->pan = 0.3f;
        return 1;
    case 56: /* cowbell */
        tone(r, 560, 0.35f, 0.5f);
        r->f2 = 845; r->t2lev = 0.8f; r->tsq = 1; r->flo = 500; r->fhi = 3500;
        r->pan = 0.2f;
        return 1;
    case 58: noise(r, 2000, 6000, 0.0f, 0.9f, 0.4f); r->am = 28; return 1;
    case 60: tone(r, 420, 0.25f, 0.6f); r->f0 = 525; r->sweep = 0.01f;
        r->nlev = 0.3f; r->nlo = 1500; r->nhi = 6000; r->ndecay = 0.02f; r->pan = 0.3f; return 1;
    case 61: tone(r, 300, 0.3f, 0.6f); r->f0 = 375; r->sweep = 0.01f;
        r->nlev = 0.3f; r->nlo = 1500; r->nhi = 6000; r->ndecay = 0.02f; r->pan = 0.2f; return 1;
    case 62: tone(r, 330, 0.1f, 0.6f); r->nlev = 0.5f; r->nlo = 1200; r->nhi = 6000;
        r->ndecay = 0.03f; r->pan = -0.2f; return 1;
    case 63: tone(r, 330, 0.4f, 0.6f); r->f0 = 380; r->sweep = 0.02f; r->pan = -0.2f; return 1;
    case 64: tone(r, 220, 0.5f, 0.65f); r->f0 = 260; r->sweep = 0.02f; r->pan = -0.3f; return 1;
    case 65:
    case 66: /* timbales */
        tone(r, n == 65 ? 390 : 280, 0.5f, 0.55f);
        r->f2 = r->f1 * 2.3f; r->t2lev = 0.3f;
        r->nlev = 0.4f; r->nlo = 3000; r->nhi = 10000; r->ndecay = 0.1f;
        r->pan = n == 65 ? 0.3f : 0.15f;
        return 1;
    case 67:
    case 68: /* agogo */
        tone(r, n == 67 ? 920 : 690, 0.5f, 0.45f);
        r->f2 = r->f1 * 2.74f; r->t2lev = 0.4f; r->pan = 0.25f;
        return 1;
    case 69: noise(r, 5000, 14000, 0.008f, 0.09f, 0.35f); r->pan = 0.35f; return 1;
    case 70:
    case 82: noise(r, 6000, 0, 0.004f, 0.06f, 0.35f); r->pan = 0.4f; return 1;
    case 71:
    case 72: tone(r, 2300, n == 71 ? 0.12f : 0.45f, 0.35f); r->nattack = 0.01f;
        r->nlev = 0.05f; r->nlo = 2000; r->nhi = 4000; r->ndecay = r->tdecay; return 1;
    case 73:
    case 74: noise(r, 2000, 5000, 0.0f, n == 73 ? 0.12f : 0.35f, 0.4f); r->am = 55; return 1;
    case 75:
    case 31: tone(r, 2500, 0.07f, 0.5f); r->pan = 0.15f; return 1;
    case 76:
    case 77: tone(r, n == 76 ? 1250 : 880, 0.08f, 0.5f); r->f0 = r->f1 * 1.1f;
        r->sweep = 0.005f; r->f2 = r->f1 * 2.3f; r->t2lev = 0.3f; r->pan = -0.15f; return 1;
    case 78: tone(r, 500, 0.12f, 0.45f); r->f0 = 650; r->sweep = 0.04f; return 1;
    case 79: tone(r, 650, 0.35f, 0.45f); r->f0 = 320; r->sweep = 0.08f; return 1;
    case 80:
    case 81:
    case 84: tone(r, 4700, n == 80 ? 0.12f : 1.4f, 0.35f);
        r->f2 = 4700 * 2.6f; r->t2lev = 0.3f; r->pan = 0.4f; return 1;
    case 83: r->mlev = 0.8f; r->mfreq = 2200; r->mdecay = 0.35f; r->mhp = 6000;
        r->level = 0.35f; r->pan = 0.3f; return 1;
    case 85: noise(r, 1500, 7000, 0.0f, 0.04f, 0.4f); r->bursts = 2; return 1;
    case 86:
    case 87: tom(r, 68, 0.0f, kit); r->tdecay = n == 86 ? 0.2f : 0.9f; return 1;
    case 27: tone(r, 600, 0.07f, 0.5f); r->f0 = 2200; r->sweep = 0.01f; return 1;
    case 28: noise(r, 1000, 8000, 0.0f, 0.02f, 0.5f); return 1;
    case 29:
    case 30: noise(r, 800, 4000, 0.01f, n == 29 ? 0.15f : 0.3f, 0.4f); r->am = 20; return 1;
    case 32: tone(r, 1500, 0.02f, 0.4f); r->tsq = 1; return 1;
    case 33: tone(r, 2000, 0.02f, 0.4f); return 1;
    case 34: tone(r, 3000, 0.2f, 0.4f); return 1;
    default:
        return 0;
    }
}

/* ---- piece synthesis -------------------------------------------------- */

typedef struct svf1 {
    float g, k, a1, a2, a3, s1, s2;
} svf1;

static void svf1_set(svf1 *f, float hz, float rate, float q)
{
    float top = 0.45f * rate;
    if (hz > top)
        hz = top;
    f->g = (float)tan(M_PI * hz / rate);
    f->k = 1.0f / q;
    f->a1 = 1.0f / (1.0f + f->g * (f->g + f->k));
    f->a2 = f->g * f->a1;
    f->a3 = f->g * f->a2;
    f->s1 = f->s2 = 0.0f;
}

/* mode 0 lowpass, 1 bandpass, 2 highpass */
static float svf1_run(svf1 *f, float x, int mode)
{
    float v3 = x - f->s2;
    float v1 = f->a1 * f->s1 + f->a2 * v3;
    float v2 = f->s2 + f->a2 * f->s1 + f->a3 * v3;
    f->s1 = 2.0f * v1 - f->s1;
    f->s2 = 2.0f * v2 - f->s2;
    return mode == 0 ? v2 : mode == 1 ? v1 : x - f->k * v1 - v2;
}

static float decay_mul(float seconds, float rate)
{
    return seconds > 0.0f ? (float)pow(10.0, -3.0 / (seconds * rate)) : 0.0f;
}

static float square_at(const sy_shared *sh, float ph, float inc)
{
    const float *tb = sy_table_for(&sh->square, inc);
    float pos = ph * SY_TABN;
    int i = (int)pos;
    return tb[2 * i] + (pos - i) * tb[2 * i + 1];
}

static int synth_piece(drum_piece *pc, const drum_recipe *r, float rate,
                       cz_rng *rng, const sy_shared *sh)
{
    float longest = r->tdecay;
    if (r->nlev > 0 && r->ndecay > longest)
        longest = r->ndecay;
    if (r->mlev > 0 && r->mdecay > longest)
        longest = r->mdecay;
    if (r->gate > 0 && r->gate + 0.01f < longest)
        longest = r->gate + 0.01f;
    if (longest < 0.02f)
        longest = 0.02f;
    if (longest > 4.0f)
        longest = 4.0f;
    uint32_t len = (uint32_t)(longest * rate) + 1;
    float *s = calloc(len, sizeof *s);
    if (!s)
        return CZ_ENOMEM;

    static const float mratio[6] = {1.0f, 1.4471f, 1.617f, 1.9265f, 2.5028f, 2.6637f};
    float tph = 0, t2ph = 0, mph[6] = {0};
    float freq = r->f0, tenv = r->tlev, t2env = r->t2lev, nenv = r->nlev, menv = r->mlev;
    float tmul = decay_mul(r->tdecay, rate), nmul = decay_mul(r->ndecay, rate);
    float mmul = decay_mul(r->mdecay, rate);
    float sweep = r->sweep > 0 ? (float)exp(-1.0 / (r->sweep * rate)) : 0.0f;
    float t2ratio = r->f1 > 0 ? r->f2 / r->f1 : 0.0f;
    uint32_t seed = (uint32_t)cz_rng_next(rng) | 1u;
    svf1 nhp, nlp, mhp, mlp, fhp, flp, chp;
    svf1_set(&nhp, r->nlo > 0 ? r->nlo : 20, rate, 0.707f);
    svf1_set(&nlp, r->nhi > 0 ? r->nhi : 20000, rate, 0.707f);
    svf1_set(&mhp, r->mhp > 0 ? r->mhp : 20, rate, 0.9f);
    svf1_set(&mlp, 15000, rate, 0.707f);
    svf1_set(&fhp, r->flo > 0 ? r->flo : 20, rate, 0.707f);
    svf1_set(&flp, r->fhi > 0 ? r->fhi : 20000, rate, 0.707f);
    svf1_set(&chp, 2500, rate, 0.707f);
    uint32_t click_len = (uint32_t)(0.004f * rate) + 1;
    uint32_t burst_gap = (uint32_t)(0.009f * rate);
    uint32_t gate_at = r->gate > 0 ? (uint32_t)(r->gate * rate) : len;
    uint32_t gate_fade = (uint32_t)(0.006f * rate) + 1;
    uint32_t att = (uint32_t)(r->nattack * rate);
    float peak = 1e-9f;

    for (uint32_t i = 0; i < len; i++) {
        float x = 0.0f;
        /* tone with pitch sweep (and a second partial) */
        if (r->tlev > 0.0f) {
            float inc = freq / rate;
            tph += inc;
            tph -= (float)(int)tph;
            float y = r->tsq ? square_at(sh, tph, inc) : sy_sin_any(tph);
            x += y * tenv;
            if (r->f2 > 0.0f) {
                float inc2 = freq * t2ratio / rate;
                t2ph += inc2;
                t2ph -= (float)(int)t2ph;
                x += (r->tsq ? square_at(sh, t2ph, inc2) : sy_sin_any(t2ph)) * t2env;
                t2env *= tmul;
            }
            tenv *= tmul;
            freq = r->f1 + (freq - r->f1) * sweep;
        }
        /* noise: band-limited, with bursts, attack and AM */
        if (r->nlev > 0.0f) {
            float nz = sy_noise(&seed);
            if (r->nlo > 0)
                nz = svf1_run(&nhp, nz, 2);
            if (r->nhi > 0)
                nz = svf1_run(&nlp, nz, 0);
            float e = nenv;
            if (r->bursts > 0 && i < (uint32_t)r->bursts * burst_gap) {
                float ph = (float)(i % burst_gap) / (float)burst_gap;
                e = r->nlev * (1.0f - ph) * (1.0f - ph);
            } else {
                nenv *= nmul;
            }
            if (att > 0 && i < att)
                e *= (float)i / (float)att;
            if (r->am > 0.0f) {
                float ph = (float)i * r->am / rate;
                e *= 0.5f + 0.5f * sy_sin_any(ph);
            }
            x += nz * e;
        }
        /* metallic cluster */
        if (r->mlev > 0.0f) {
            float m = 0.0f;
            for (int k = 0; k < 6; k++) {
                float inc = r->mfreq * mratio[k] / rate;
                mph[k] += inc;
                mph[k] -= (float)(int)mph[k];
                m += square_at(sh, mph[k], inc);
            }
            m = svf1_run(&mhp, m, 2);
            m = svf1_run(&mlp, m, 0);
            x += m * menv * (1.0f / 3.0f);
            menv *= mmul;
        }
        /* click */
        if (r->click > 0.0f && i < click_len) {
            float c = svf1_run(&chp, sy_noise(&seed), 2);
            x += c * r->click * (1.0f - (float)i / (float)click_len);
        }
        if (r->flo > 0)
            x = svf1_run(&fhp, x, 2);
        if (r->fhi > 0)
            x = svf1_run(&flp, x, 0);
        if (r->drive > 0.0f)
            x = sy_tanh(x * r->drive) / sy_tanh(r->drive);
        if (i >= gate_at)
            x *= i >= gate_at + gate_fade ? 0.0f : 1.0f - (float)(i - gate_at) / gate_fade;
        s[i] = x;
        if (fabsf(x) > peak)
            peak = fabsf(x);
    }
    /* fade the last 5 ms so a truncated tail never clicks */
    uint32_t fl = (uint32_t)(0.005f * rate);
    for (uint32_t i = 0; i < fl && i < len; i++)
        s[len - 1 - i] *= (float)i / (float)fl;
    float norm = 1.0f / peak;
    for (uint32_t i = 0; i < len; i++)
        s[i] *= norm;
    pc->s = s;
    pc->len = len;
    pc->level = r->level;
    float a = (r->pan + 1.0f) * (float)(M_PI / 4);
    pc->pl = cosf(a) * (float)M_SQRT2;
    pc->pr = sinf(a) * (float)M_SQRT2;
    return 0;
}

/* ---- engine ------------------------------------------------------------ */

static int drum_setup(sy_track *t, cz_error *err)
{
    drum_kit *kit = calloc(1, sizeof *kit);
    if (!kit)
        return cz_err(err, CZ_ENOMEM, "production.synth: out of memory for the kit of track '%s'",
                      t->src->name);
    t->ext = kit;
    t->stereo = 1;
    for (uint32_t i = 0; i < t->src->n_notes; i++) {
        int n = t->src->notes[i].pitch;
        drum_recipe r;
        if (kit->piece[n].s || !recipe(&r, n, t->style->kit))
            continue;
        if (synth_piece(&kit->piece[n], &r, t->rate, &t->rng, t->sh))
            return cz_err(err, CZ_ENOMEM, "production.synth: out of memory for drum note %d of track '%s'",
                          n, t->src->name);
    }
    return 0;
}

static void drum_cleanup(sy_track *t)
{
    drum_kit *kit = t->ext;
    if (!kit)
        return;
    for (int i = 0; i < 128; i++)
        free(kit->piece[i].s);
    free(kit);
    t->ext = NULL;
}

static void drum_note_on(sy_track *t, void *vp, int l, int pitch, int vel, float pre)
{
    drum_voice *v = &((drum_pack *)vp)->v[l];
    const drum_piece *pc = &((drum_kit *)t->ext)->piece[pitch & 127];
    float v01 = vel / 127.0f;
    v->s = pc->s;
    v->len = pc->s ? pc->len : 0;
    v->pos = 0;
    v->gain = t->p.gain * pc->level * (0.08f + 0.92f * v01 * v01);
    /* softer hits are darker: lowpass from ~1.2 kHz (vel 1) to open */
    float fc = 1200.0f * sy_exp2f(4.2f * v01);
    v->c = fc >= 0.45f * t->rate ? 1.0f : 1.0f - (float)exp(-2.0 * M_PI * fc / t->rate);
    v->lp = 0.0f;
    v->pl = pc->pl;
    v->pr = pc->pr;
    v->fade = 1.0f;
    v->fstep = 0.0f;
}

static void drum_note_off(sy_track *t, void *vp, int l)
{
    /* drums ring out: GM kits ignore note-off */
}

static void drum_kill(sy_track *t, void *vp, int l, float seconds)
{
    drum_voice *v = &((drum_pack *)vp)->v[l];
    float st = 1.0f / (seconds * t->rate);
    if (v->fstep < st)
        v->fstep = st;
}

/* One voice from sample i0 to m, scalar: the end of a piece that stops
 * inside the block. A voice that is not fading has fade 1 and fstep 0, so
 * lp * fade is lp and fade stays 1: one loop serves both. */
static void lane_play(drum_voice *v, int l, int i0, int m, float *accL, float *accR)
{
    const float *s = v->s + v->pos;
    float lp = v->lp, c = v->c, fade = v->fade, fstep = v->fstep;
    float gl = v->gain * v->pl, gr = v->gain * v->pr;
    for (int i = i0; i < m; i++) {
        lp += (s[i] - lp) * c;
        float y = lp * fade;
        fade = fade > fstep ? fade - fstep : 0.0f;
        accL[SY_LANES * i + l] += y * gl;
        accR[SY_LANES * i + l] += y * gr;
    }
    v->lp = lp;
    v->fade = fade;
}

/* What idle lanes read. */
static const float drum_silence[SY_BLOCK];

/* The voices' lowpasses are recursions of about 8 cycles per sample each:
 * one lane after the other they add up, side by side in the lanes of a
 * vector they overlap. So the stretch every voice of the pack plays runs
 * eight lanes at once (the same operations per lane as lane_play), and
 * only the ends of pieces run alone. Idle lanes read silence with a gain
 * of -0: they add -0, which leaves every accumulator as it was. */
SY_INL unsigned drum_render_body(sy_track *t, void *vp, int pidx, unsigned active, int n,
                                 int store, float *accL, float *accR)
{
    drum_pack *p = vp;
    unsigned done = 0, run = 0;
    const float *src[SY_LANES];
    int m[SY_LANES], common = n;
    vf lp = vs(0.0f), c = vs(0.0f), fade = vs(0.0f), fstep = vs(0.0f);
    vf gl = vs(-0.0f), gr = vs(-0.0f);
    for (int l = 0; l < SY_LANES; l++) {
        drum_voice *v = &p->v[l];
        src[l] = drum_silence;
        if (!(active & (1u << l)))
            continue;
        if (!v->s) {
            done |= 1u << l;
            continue;
        }
        uint32_t left = v->len - v->pos;
        m[l] = left < (uint32_t)n ? (int)left : n;
        if (m[l] < common)
            common = m[l];
        src[l] = v->s + v->pos;
        lp[l] = v->lp;
        c[l] = v->c;
        fade[l] = v->fade;
        fstep[l] = v->fstep;
        gl[l] = v->gain * v->pl;
        gr[l] = v->gain * v->pr;
        run |= 1u << l;
    }
    vf *aL = (vf *)accL, *aR = (vf *)accR;
    for (int i = 0; i < common; i++) {
        vf x = {src[0][i], src[1][i], src[2][i], src[3][i],
                src[4][i], src[5][i], src[6][i], src[7][i]};
        lp += (x - lp) * c;
        vf y = lp * fade;
        fade = vsel(vlt(fstep, fade), fade - fstep, vs(0.0f));
        /* the first pack of a block stores (adding to a zero) */
        aL[i] = (store ? vs(0.0f) : aL[i]) + y * gl;
        aR[i] = (store ? vs(0.0f) : aR[i]) + y * gr;
    }
    if (store && common < n) {
        memset(aL + common, 0, (size_t)(n - common) * sizeof(vf));
        memset(aR + common, 0, (size_t)(n - common) * sizeof(vf));
    }
    for (int l = 0; l < SY_LANES; l++) {
        if (!(run & (1u << l)))
            continue;
        drum_voice *v = &p->v[l];
        v->lp = lp[l];
        v->fade = fade[l];
        lane_play(v, l, common, m[l], accL, accR);
        v->pos += (uint32_t)m[l];
        t->slots[pidx * SY_LANES + l].level = v->fade * v->gain;
        if (v->pos >= v->len || v->fade <= 0.0f)
            done |= 1u << l;
    }
    return done;
}

SY_ISA_PAIR(unsigned, drum_render,
            (sy_track * t, void *vp, int pidx, unsigned active, int n, int store, float *accL,
             float *accR),
            (t, vp, pidx, active, n, store, accL, accR))

const sy_engine sy_engine_drum = {
    .pack_size = sizeof(drum_pack),
    .setup = drum_setup,
    .cleanup = drum_cleanup,
    .note_on = drum_note_on,
    .note_off = drum_note_off,
    .kill = drum_kill,
    .render = SY_ISA_FNS(drum_render),
};

/* Choke groups: open hat (1), open triangle (2), open cuica (3). */
int sy_drum_choke_group(int pitch)
{
    switch (pitch) {
    case 46: return 1;
    case 81: return 2;
    case 79: return 3;
    default: return 0;
    }
}

/* The group a note silences when it starts (closed/pedal hat, mute
 * triangle, mute cuica), 0 for none. */
int sy_drum_chokes(int pitch)
{
    switch (pitch) {
    case 42:
    case 44: return 1;
    case 80: return 2;
    case 78: return 3;
    default: return 0;
    }
}
