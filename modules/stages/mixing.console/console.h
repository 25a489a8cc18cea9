/*
 * console.h - mixing.console internals: presets, channel strip parts,
 * sidechain, effect returns. Nothing here is visible outside the module.
 *
 * Processing model (console.c): the song is processed time-major in blocks
 * of BLOCK frames; inside a block every stem runs its whole strip, then the
 * effect returns run on the send buses, then the mix is summed. So each
 * stem's samples are read once and written once, and the working set of a
 * block (all stems, buses and the mix) stays in the CPU cache. Dynamics
 * (compressor, sidechain) run at a control rate of one value per CTL frames
 * and their gains are ramped linearly across each period, so no libm call is
 * made per sample.
 */
#ifndef MIXING_CONSOLE_H
#define MIXING_CONSOLE_H

#include <stdint.h>
#include <string.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

#include <cadenza/cadenza.h>

#define CTL 64      /* frames per control period (1.3 ms at 48 kHz) */
#define BLOCK 4096  /* frames per processing block, a multiple of CTL */

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

/* Eight floats, for the loops built once per ISA (strip.c, reverb.c): the
 * baseline build computes them as two SSE vectors, the AVX2 one as one,
 * the same operations element for element (no FMA in the AVX2 build), so
 * both give the same bits. Accessed through V8() only: a function taking
 * or returning a 32-byte vector would differ between the builds' ABIs. */
typedef float v8f __attribute__((vector_size(32)));
typedef float v8fu __attribute__((vector_size(32), aligned(4), may_alias));
#define V8(p) (*(v8fu *)(p))

enum { ISA_BASE = 0, ISA_AVX2 = 1, N_ISA = 2 };
/* The widest build this CPU runs (strip.c); the tests run each. */
int isa_detect(void);

static inline v4f v4_load(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void v4_store(float *p, v4f v)
{
    memcpy(p, &v, sizeof v);
}

/* Frames k..k+3 of interleaved stereo at x: their left and right
 * samples, and back. */
static inline void v4_deinterleave(const float *x, v4f *l, v4f *r)
{
    v4f a = v4_load(x), b = v4_load(x + 4);
    *l = __builtin_shufflevector(a, b, 0, 2, 4, 6);
    *r = __builtin_shufflevector(a, b, 1, 3, 5, 7);
}
static inline void v4_interleave(float *x, v4f l, v4f r)
{
    v4_store(x, __builtin_shufflevector(l, r, 0, 4, 1, 5));
    v4_store(x + 4, __builtin_shufflevector(l, r, 2, 6, 3, 7));
}

/* The mono send of an effect, (L + R) / 2, of four frames; the constant
 * 1e-18 (-340 dBFS) keeps the effect's decaying tail out of subnormal
 * floats. */
static inline v4f v4_send_mid(const float *x)
{
    v4f l, r;
    v4_deinterleave(x, &l, &r);
    return 0.5f * (l + r) + 1e-18f;
}

/* ---- fast math for control-rate envelopes (no libm per period) ---------- */

/* Each is written once, on four lanes: the compressor runs it on four
 * control periods at a time, and the scalar form is lane 0 of the same
 * operations, so both give the same bits. */

static inline v4f v4_splat(float x)
{
    return (v4f){x, x, x, x};
}

/* Lane-wise a > b ? a : b (b where either is NaN). */
static inline v4f v4_max(v4f a, v4f b)
{
#ifdef __SSE__
    return (v4f)_mm_max_ps((__m128)a, (__m128)b);
#else
    v4i gt = a > b;
    return (v4f)((gt & (v4i)a) | (~gt & (v4i)b));
#endif
}

/* Lane-wise c ? a : b, c a comparison result (all ones or all zeros). */
static inline v4f v4_select(v4i c, v4f a, v4f b)
{
    return (v4f)((c & (v4i)a) | (~c & (v4i)b));
}

/* log2(x) for x > 0, |error| < 2e-5 (atanh series on the mantissa). */
static inline v4f v4_log2(v4f x)
{
    v4i u = (v4i)x;
    v4i e = ((u >> 23) & 255) - 127;
    v4f m = (v4f)((u & 0x7fffff) | 0x3f800000); /* mantissa in [1, 2) */
    v4f t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
    v4f s = t * (1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7))));
    return __builtin_convertvector(e, v4f) + s * 2.8853900818f; /* 2 / ln 2 */
}

/* 2^x, relative error < 2e-6 (degree-6 Taylor of e^(f ln 2)); 0 below
 * -126, saturating above 126. */
static inline v4f v4_exp2(v4f x)
{
    v4i under = x < -126.0f;
    x = v4_select(under, v4_splat(0.0f), x); /* keeps the conversions in range */
    x = v4_select(x > 126.0f, v4_splat(126.0f), x);
    v4f fl = __builtin_convertvector(__builtin_convertvector(x, v4i), v4f);
    fl -= (v4f)((fl > x) & (v4i)v4_splat(1.0f)); /* floor */
    v4f f = (x - fl) * 0.6931471806f;
    v4f p = 1.0f + f * (1.0f + f * (0.5f + f * (1.0f / 6 + f * (1.0f / 24 +
            f * (1.0f / 120 + f * (1.0f / 720))))));
    v4f scale = (v4f)((__builtin_convertvector(fl, v4i) + 127) << 23);
    return (v4f)(~under & (v4i)(p * scale));
}

static inline float fast_log2(float x)
{
    return v4_log2(v4_splat(x))[0];
}

static inline float fast_exp2(float x)
{
    return v4_exp2(v4_splat(x))[0];
}

static inline v4f v4_db_to_lin(v4f db)
{
    return v4_exp2(db * 0.1660964047f); /* log2(10) / 20 */
}

/* ---- presets (presets.c) ----------------------------------------------- */

typedef struct eq_spec {
    const char *type; /* dsp.eq_* band type; NULL ends the list */
    float freq, gain_db, q;
} eq_spec;

typedef struct comp_spec {
    float thr_db;     /* threshold relative to the stem's gain-staged level */
    float ratio;      /* 1 = off */
    float attack_ms, release_ms, knee_db, makeup_db;
    int rms;          /* detector: 1 RMS (10 ms), 0 peak */
} comp_spec;

#define MAX_EQ 4

typedef struct role_preset {
    float fader_db;       /* after gain staging */
    float pan;            /* -1 .. 1, used when the score gives none */
    eq_spec eq[MAX_EQ];
    comp_spec comp;
    float reverb_send;    /* post-fader send levels, linear */
    float delay_send;
    float duck;           /* share of the sidechain depth, 0..1 */
} role_preset;

typedef struct genre_preset {
    const char *id;
    const char *aliases;        /* normalised (a-z0-9), space-separated */
    const role_preset *roles;   /* [CZ_ROLE_COUNT], the genre's family */
    float role_db[CZ_ROLE_COUNT]; /* genre fader offsets on top */
    int sidechain;              /* ducks kick over bass/pads by default */
    float duck_db;              /* sidechain depth */
    float duck_beats;           /* sidechain release, in beats */
    float reverb_t60, reverb_hf;  /* decay (s); HF decay as a share of it */
    float reverb_predelay_ms, reverb_size;
    float delay_beats, delay_feedback;
    float reverb_scale, delay_scale; /* multiply every send */
    float tone_lp_hz;           /* 0, or a low-pass added to every strip */
} genre_preset;

/* Target level of each role after gain staging (gated RMS, dBFS). */
float preset_target_db(cz_role role);
/* Look a genre up by id or alias (case and punctuation ignored); NULL if
 * unknown. */
const genre_preset *preset_find(const char *genre);
const genre_preset *preset_default(void);
/* Ids in table order, for the option's choices and docs; NULL-terminated. */
const char *preset_id_at(int i);

/* ---- compressor (comp.c) ------------------------------------------------ */

typedef struct comp {
    float thr, slope, knee, makeup; /* dB; slope = 1/ratio - 1 */
    float att, rel;                 /* per-period smoothing coefficients */
    float rms_coef;                 /* RMS window, per period */
    int rms, active;
    int isa;                        /* ISA_*: which build of the detector runs */
    float ms;                       /* RMS detector state (mean square) */
    float gr;                       /* smoothed gain change, dB (<= 0) */
} comp;

void comp_init(comp *c, const comp_spec *s, float level_db, uint32_t rate);
/* Gain change in dB (reduction + makeup) of each control period of a
 * block of n <= BLOCK stereo frames: ceil(n / CTL) values into gdb. */
void comp_block(comp *c, const float *x, uint32_t n, float *gdb);

/* ---- channel strip (strip.c) ------------------------------------------- */

typedef struct strip {
    const cz_audio *in; /* input stem (a reference, released in job_free) */
    char name[32];
    cz_role role;
    cz_audio *out;      /* processed stem (ours until attached to the mix) */
    cz_dsp *eq;         /* NULL: flat */
    comp comp;
    float level_db;     /* measured gated RMS before staging */
    float gain_db;      /* gain staging + fader, applied after the EQ */
    float pan_l, pan_r; /* pan law gains */
    float send_rv, send_dl;
    float duck;         /* share of the sidechain depth */
    float gl, gr;       /* gains reached at the end of the last period */
    int started;
    int isa;            /* ISA_*: which build of the gain ramp runs */
    uint32_t quiet;     /* consecutive blocks of silent input */
} strip;

/* Non-zero when the count floats at y are all zero. */
int block_silent(const float *y, size_t count);
/* The strip was skipped through a silence: its dynamics start afresh. */
void strip_rest(strip *s);
/* Frames [pos, pos+n) of the input, as stereo, into y (zeros past its
 * end); CZ_EIO when a spooled stem cannot be read. */
int strip_load(const strip *s, float *y, uint64_t pos, uint32_t n);
/* Compressor, sidechain, fader and pan on y in place, then add y to mix
 * and y * sends to the buses (which may be NULL). duck: control-rate dB
 * values for this block, or NULL. */
void strip_dynamics(strip *s, float *y, uint32_t n, const float *duck,
                    float *mix, float *rv, float *dl);

/* ---- sidechain (sidechain.c) -------------------------------------------- */

/* Kick onsets (frame numbers, ascending) from the score's drum tracks
 * (GM notes 35/36). 0 with *n = 0 when the score has no drum track. */
int sc_kicks_from_score(const cz_score *s, uint32_t rate, uint64_t frames,
                        uint64_t **kicks, size_t *n);
/* Kick onsets found in a drums stem: low band (< 120 Hz) onsets. */
int sc_kicks_from_audio(const cz_audio *drums, uint64_t **kicks, size_t *n);
/* Ducking envelope in dB (<= 0), one value per control period. */
void sc_envelope(const uint64_t *kicks, size_t n, uint32_t rate,
                 float depth_db, float release_s, float *env, size_t periods);

/* ---- effect returns (reverb.c, delay.c) --------------------------------- */

typedef struct reverb reverb;
reverb *reverb_new(uint32_t rate, float t60, float hf_share,
                   float predelay_ms, float size);
/* In place: stereo send bus in, stereo wet return out. */
void reverb_process(reverb *r, float *x, uint32_t n);
void reverb_free(reverb *r);

typedef struct delay delay;
delay *delay_new(uint32_t rate, double seconds, float feedback);
void delay_process(delay *d, float *x, uint32_t n);
void delay_free(delay *d);

#endif
