/*
 * synth.h - production.synth internals: presets, engines, voices, tracks.
 *
 * Shape of a render (see docs/synth.md for the long form):
 *
 *   module.c   options, bus in and out; calls sy_render.
 *   render.c   makes one sy_track per score track, then walks the song in
 *              chunks of SY_CHUNK frames (time-major): every track renders
 *              the chunk, and a track that made sound writes its stem chunk
 *              and adds it to the main buffer while that chunk is still in
 *              cache. Silent chunks touch nothing, so the zero pages of an
 *              untouched stem never become resident.
 *   track.c    turns notes into sample-accurate on/off events, allocates
 *              voices (polyphony limit, click-free stealing, hi-hat choke),
 *              splits the chunk at events and at SY_BLOCK frames (the
 *              control period), and runs the track's engine over every
 *              pack that has a sounding voice; sums the pack lanes.
 *   halfrate.c decides which tracks may run their voices at half the output
 *              rate (dark presets), and the 2x half-band upsampler for them.
 *   output.c   drive, volume, constant-power pan, soft clip, the final
 *              fade; writes the stem chunk and adds it to the main buffer.
 *   engine_*.c one voice architecture each, chosen per track from its
 *              preset: sub (wavetable/sine/noise oscillators with unison,
 *              SVF, ADSRs), fm (two carrier/modulator pairs), ks
 *              (Karplus-Strong), drum (GM kit pieces synthesised once per
 *              render, played back with velocity level and brightness).
 *
 * Voices live in packs of eight lanes. A pack's state is stored as 8-lane
 * vectors, so the sub and fm engines advance eight voices per operation;
 * ks and drum voices are scalar and loop over their lanes. Voices are
 * allocated in the lowest free slot, so sounding voices stay packed into
 * the first packs and empty packs are skipped. The vector loops exist in a
 * baseline and an AVX2 build with identical results (sy_math.h).
 */
#ifndef SY_SYNTH_H
#define SY_SYNTH_H

/* first: its pragmas apply to everything after it */
#include "sy_math.h"

#include <cadenza/cadenza.h>

#define SY_BLOCK 64   /* control period: frames per engine call, at most */
#define SY_CHUNK 512  /* output frames per track render call */
#define SY_FLUSH (16 * SY_CHUNK) /* frames staged per track between stem writes (64 KB) */
#define SY_MAXUNI 7   /* unison voices per oscillator */
#define SY_TABN 1024  /* wavetable length (a power of two) */
#define SY_TABLEVELS 19 /* half-octave mip levels, 1 .. 511 harmonics */
#define SY_NSPEC 16   /* harmonics in a preset's custom spectrum */
/* Sounding voices up to which a pack's oscillators run time-major
 * (engine_sub.c). Break-even is near k = 8 D / (D + 8 C): D the voice-major
 * oscillator cost per sample, C the cost of moving one voice's sample
 * into its lane; measured, a 3-copy stereo pad gains up to 7 voices, a
 * single saw about breaks even at 4. */
#define SY_SPARSE_MAX 4

/* ---- presets --------------------------------------------------------- */

enum sy_wave {
    SY_W_OFF = 0,
    SY_W_SINE,   /* polynomial sine */
    SY_W_SAW,    /* band-limited wavetables (mip-mapped, alias-free) */
    SY_W_SQUARE,
    SY_W_TRI,
    SY_W_PULSE,  /* difference of two band-limited saws: width pw, PWM */
    SY_W_SPEC,   /* the preset's own harmonic spectrum (organs, voices) */
    SY_W_NOISE
};

enum sy_engine_id { SY_E_SUB = 0, SY_E_FM, SY_E_KS, SY_E_DRUM };
enum sy_fmode { SY_F_OFF = 0, SY_F_LP, SY_F_BP, SY_F_HP };

typedef struct sy_oscp {
    uint8_t wave;   /* enum sy_wave */
    uint8_t unison; /* voices, 1..SY_MAXUNI (0 means 1) */
    float level;
    float semi;     /* transpose, semitones */
    float detune;   /* cents */
    float spread;   /* unison spread, cents between the outermost voices */
    float width;    /* unison stereo width 0..1 */
    float pw;       /* SY_W_PULSE width 0.05..0.5 */
} sy_oscp;

typedef struct sy_envp {
    float a, d, s, r; /* attack/decay/release seconds (to silence), sustain */
} sy_envp;

typedef struct sy_fmpair {
    float cr, mr;   /* carrier and modulator frequency ratios */
    float idx;      /* peak modulation index, radians */
    float idx_t;    /* seconds for the index to fall to idx_s of its peak */
    float idx_s;    /* sustained fraction of the index */
    float lvl;      /* carrier level */
} sy_fmpair;

typedef struct sy_preset {
    const char *name;
    uint8_t engine; /* enum sy_engine_id */
    uint8_t fmode;  /* enum sy_fmode */
    sy_oscp osc[2];
    float noise;            /* sub: white noise level */
    float spec[SY_NSPEC];   /* SY_W_SPEC harmonic amplitudes, 1..16 */
    float cutoff;           /* Hz at C4, velocity 100, filter env at 0 */
    float res;              /* 0..1 */
    float keytrack;         /* 0..1: cutoff octaves per pitch octave */
    float fenv_oct;         /* filter env depth, octaves */
    float fvel_oct;         /* velocity brightness, octaves over 1..127 */
    sy_envp amp, fenv;
    float key_decay;        /* decay/release factor per octave above C4 */
    float penv_semi, penv_t;/* pitch envelope: start offset, decay s */
    float vib_rate, vib_cents, vib_delay;
    float trem_rate, trem_depth;
    float pwm_rate, pwm_depth;
    float gain;             /* voice level */
    float vel_sens;         /* 0 = flat, 1 = full velocity-to-level */
    sy_fmpair fm[2];        /* fm engine */
    float ks_t60;           /* ks: seconds to -60 dB at C4 */
    float ks_bright;        /* ks: excitation brightness 0..1 */
    float ks_damp;          /* ks: loop lowpass 0 (dark) .. 1 (bright) */
    float ks_pos;           /* ks: pluck position 0..0.5 (0 = off) */
    float drive;            /* track saturation, 0 = clean */
    float tone_hz;          /* track lowpass after drive, 0 = off */
} sy_preset;

/* The preset for a GM program 0..127 (every program has one). */
const sy_preset *sy_preset_for_program(int program);
/* Per-program variation on the shared preset: cutoff shift in octaves and
 * a multiplier for attack/decay/release times. */
void sy_program_variation(int program, float *bright, float *time_mul);
/* The preset of channel-10 (drum kit) tracks. */
const sy_preset *sy_drum_preset(void);
int sy_preset_count(void);
const sy_preset *sy_preset_at(int i);
int sy_preset_index(const sy_preset *p);

/* Genre and mood colour the presets: brightness, attack/release, drive,
 * width, and which drum kit plays. */
enum sy_kit { SY_KIT_ACOUSTIC = 0, SY_KIT_808, SY_KIT_909, SY_KIT_80S, SY_KIT_COUNT };

typedef struct sy_style {
    float bright;      /* octaves added to filter cutoffs */
    float attack_mul;  /* for slow-attack sounds (pads, strings, choirs) */
    float release_mul;
    float drive_mul;   /* for presets with drive */
    float width_mul;   /* unison stereo width */
    int kit;           /* enum sy_kit */
    char genre[32];
} sy_style;

void sy_style_init(sy_style *st, const char *genre, const json_t *mood);
/* A copy of `base` coloured by the style. */
void sy_preset_styled(sy_preset *dst, const sy_preset *base, const sy_style *st);

/* ---- wavetables (instance-wide, read-only after init) ----------------- */

typedef struct sy_wavetable {
    /* SY_TABLEVELS levels of SY_TABN + 1 (value, next - value) pairs */
    float *data;
} sy_wavetable;

/* The 2x upsampler of half-rate tracks: a linear-phase half-band FIR.
 * Even output samples are the input samples; odd ones are
 * sum_k c[k] * (x[m - k] + x[m + 1 + k]), k < SY_UPK. */
#define SY_UPK 20

typedef struct sy_shared {
    sy_wavetable saw, square, tri;
    sy_wavetable *spec; /* one per preset (data NULL when unused) */
    int n_spec;
    int isa;            /* SY_ISA_*: which build of the vector loops runs */
    int sparse_max;     /* packs with at most this many voices run their
                         * oscillators time-major (engine_sub.c); 0: never */
    float up_c[SY_UPK]; /* half-band coefficients (halfrate.c) */
} sy_shared;

int sy_shared_init(sy_shared *sh);
void sy_shared_free(sy_shared *sh);

/* The mip level that keeps every harmonic below Nyquist for phase
 * increment `inc` (cycles per sample), as an offset in floats from the
 * start of the wave's data. */
static inline int32_t sy_table_offset(float inc)
{
    /* Level j holds harmonics 1 .. floor(2^(j/2)) (at most SY_TABN/2 - 1)
     * and serves inc <= 0.5 * 2^(-j/2): its top harmonic stays at or
     * below Nyquist. Pick the highest such j from the float's bits. */
    union { float f; uint32_t u; } x = {inc * 2.0f};
    int e = (int)((x.u >> 23) & 0xff) - 127; /* floor(log2(2 inc)) */
    int j;
    if (x.u == 0 || e < -40)
        j = SY_TABLEVELS - 1;
    else {
        /* -2*log2(2 inc) = -2e - 2*log2(mantissa) */
        float m = (float)(x.u & 0x7fffff) / 8388608.0f; /* mantissa - 1 */
        j = -2 * e - (m > 0.0f ? 1 : 0) - (m > 0.41421356f ? 1 : 0);
        if (j < 0)
            j = 0;
        if (j > SY_TABLEVELS - 1)
            j = SY_TABLEVELS - 1;
    }
    return (int32_t)j * (SY_TABN + 1) * 2;
}

/* sy_table_offset for eight increments (inc > 0 or 0), bit for bit. */
SY_INL vi vtable_offset_p(const vf *inc)
{
    vu x = (vu)(*inc * vs(2.0f));
    vi e = (vi)((x >> 23) & 0xff) - vis(127);
    vf m = vtof((vi)(x & 0x7fffff)) / vs(8388608.0f);
    /* comparisons are -1 where true */
    vi j = vis(0) - (e + e) + vgt(m, vs(0.0f)) + vgt(m, vs(0.41421356f));
    j = (vi)vsel(vilt(j, vis(0)), (vf)vis(0), (vf)j);
    j = (vi)vsel(vilt(vis(SY_TABLEVELS - 1), j), (vf)vis(SY_TABLEVELS - 1), (vf)j);
    j = (vi)vsel(~vinz(x) | vilt(e, vis(-40)), (vf)vis(SY_TABLEVELS - 1), (vf)j);
    return j * vis((SY_TABN + 1) * 2);
}
#define vtable_offset(inc) vtable_offset_p(VP(inc))

static inline const float *sy_table_for(const sy_wavetable *w, float inc)
{
    return w->data + sy_table_offset(inc);
}

/* ---- envelopes (8 lanes) ------------------------------------------- */

enum { SY_ENV_OFF = 0, SY_ENV_ATT, SY_ENV_DEC, SY_ENV_REL, SY_ENV_FADE };

typedef struct sy_env {
    vf v, tgt, c;       /* value, one-pole target and coefficient */
    vf lc;              /* log2(1 - c), for block-rate advance */
    float ac[SY_LANES], dc[SY_LANES], rc[SY_LANES], s[SY_LANES];
    uint8_t st[SY_LANES];
} sy_env;

/* One-pole coefficient that covers `seconds` with `taus` time constants. */
float sy_env_coef(float seconds, float taus, float rate);
/* Start the attack; `pre` samples of it have already passed (0..1). */
void sy_env_start(sy_env *e, int lane, const sy_envp *p, float time_mul,
                  float rate, float pre);
void sy_env_release(sy_env *e, int lane);
void sy_env_fade(sy_env *e, int lane, float seconds, float rate);
/* Stage transitions after a block; returns lanes that reached OFF. */
unsigned sy_env_control(sy_env *e, unsigned lanes);
/* Advance by n samples at block rate (filter envelopes). */
SY_INL void sy_env_advance(sy_env *e, int n)
{
    vf m = vexp2(vs((float)n) * e->lc);
    e->v = vclamp(e->tgt + (e->v - e->tgt) * m, 0.0f, 1.0f);
}

/* ---- tracks and engines ---------------------------------------------- */

enum { SY_SLOT_FREE = 0, SY_SLOT_ON, SY_SLOT_OFF, SY_SLOT_FADE };

typedef struct sy_slot {
    uint8_t state;   /* SY_SLOT_* */
    uint8_t pitch;
    uint8_t vel;
    uint8_t choke;   /* drum choke group, 0 = none */
    uint32_t note;   /* index of the score note that owns the slot */
    uint64_t age;    /* note-on order */
    float level;     /* envelope level at the end of the last block */
} sy_slot;

typedef struct sy_event {
    uint64_t at;     /* voice-rate frame */
    uint32_t note;   /* index into the track's notes */
    uint8_t on;      /* 1 = note on, 0 = note off */
    uint8_t pre;     /* note on between two voice-rate frames (half rate) */
} sy_event;

typedef struct sy_track sy_track;

/* Render n <= SY_BLOCK frames of the lanes in `active` into acc
 * (lane-interleaved: acc[SY_LANES * i + lane]), adding, or storing when
 * `store` is set (the block's first pack: the accumulators are not
 * cleared beforehand); accR is used only when the track is stereo.
 * Writes each lane's level into its slot and returns the lanes that
 * finished. */
typedef unsigned (*sy_render_fn)(sy_track *t, void *pack, int pack_index, unsigned active,
                                 int n, int store, float *accL, float *accR);

typedef struct sy_engine {
    size_t pack_size;
    /* Per-track resources (delay lines, drum pieces); may be NULL. */
    int (*setup)(sy_track *t, cz_error *err);
    void (*cleanup)(sy_track *t);
    /* `pre`: how much of the first sample period (0..1) had already passed
     * at the onset (half-rate tracks start notes between two samples). */
    void (*note_on)(sy_track *t, void *pack, int lane, int pitch, int vel, float pre);
    void (*note_off)(sy_track *t, void *pack, int lane);
    /* Fade out to silence over `seconds` (voice stealing, choke). */
    void (*kill)(sy_track *t, void *pack, int lane, float seconds);
    sy_render_fn render[SY_NISA]; /* baseline, AVX2 */
} sy_engine;

extern const sy_engine sy_engine_sub, sy_engine_fm, sy_engine_ks, sy_engine_drum;

struct sy_track {
    const cz_track *src;
    sy_preset p;              /* styled copy */
    const sy_engine *eng;
    sy_render_fn render;      /* eng->render for the ISA in use */
    const sy_shared *sh;
    const sy_style *style;
    float rate, inv_rate;     /* the voices' rate: out_rate or half of it */
    uint32_t out_rate;
    int half;                 /* voices run at half rate (halfrate.c) */
    int isa;
    int stereo;               /* engine writes accR */

    /* voices */
    int poly;                 /* sounding-voice limit */
    int nslots, npacks;
    sy_slot *slots;
    unsigned char *packs;     /* npacks * eng->pack_size, 64-byte aligned */
    unsigned *pack_active;    /* lane mask per pack */
    uint64_t age;
    int sounding;             /* slots ON or OFF (not FADE) */

    /* events, in voice-rate frames */
    sy_event *ev;
    uint32_t n_ev, ev_i;
    uint64_t pos;             /* next voice-rate frame to render */

    cz_rng rng;               /* per-track stream: the track's name */

    /* control-rate modulators */
    float lfo_vib, lfo_trem, lfo_pwm; /* phases in turns */

    /* sub engine: unison layout */
    float uni_ratio[2][SY_MAXUNI];
    float uni_gl[2][SY_MAXUNI], uni_gr[2][SY_MAXUNI];
    float uni_margin[2];      /* largest unison ratio, for table choice */
    const sy_wavetable *tab[2];

    /* half-rate tracks: upsampler input, 2 * SY_UPK samples of history
     * then the chunk being rendered (per channel) */
    float *upL, *upR;
    int up_primed, up_was_live;

    /* output stage */
    float gl, gr;             /* volume x constant-power pan */
    float drive, drive_norm, tone_c, tone_l, tone_r;

    void *ext;                /* engine-specific per-track data */
    uint64_t steals, hard_steals;
};

/* The memory of pack p (packs are 64-byte aligned and padded). */
static inline void *sy_track_pack(sy_track *t, int p)
{
    return t->packs + (size_t)p * ((t->eng->pack_size + 63) & ~(size_t)63);
}

/* Working memory of one render, shared by its tracks in turn. */
typedef struct sy_scratch {
    float *accL, *accR;       /* lane accumulators, SY_CHUNK * SY_LANES */
    float *L, *R;             /* one track's chunk, SY_CHUNK (+ padding) */
} sy_scratch;

/* Build a track for score track `src`, rendered at `rate` for
 * `song_frames` frames (notes placed at `frames_per_tick`). */
int sy_track_init(sy_track *t, const cz_track *src, const sy_shared *sh,
                  const sy_style *style, uint32_t rate, int polyphony,
                  double frames_per_tick, uint64_t song_frames, uint64_t seed,
                  int allow_half, cz_error *err);
void sy_track_free(sy_track *t);

/* Render the next n <= SY_CHUNK output frames into s->L (and s->R for a
 * stereo track). Returns 0, writing nothing, when the track is silent
 * throughout. */
int sy_track_render(sy_track *t, sy_scratch *s, int n);

/* Drive, gain/pan, soft clip and the final fade on the rendered chunk;
 * write n stereo frames to `stem` and add them to `mix`. `fade_from` is
 * the frame (relative to this chunk, may be negative or beyond n) where
 * the final fade-out starts and `fade_len` its length. */
void sy_track_output(sy_track *t, const sy_scratch *s, int n, float *stem, float *mix,
                     int64_t fade_from, int fade_len);

/* ---- half rate (halfrate.c) ------------------------------------------ */

/* Fill sh->up_c. */
void sy_upsampler_init(sy_shared *sh);
/* Non-zero when the track's voices may run at half rate: its content above
 * the upsampler's passband is at least 60 dB below its total energy for
 * every note it plays (see docs/synth.md). */
int sy_halfrate_ok(const sy_preset *p, const cz_track *src, uint32_t rate);
/* The energy, relative to the total, that a voice of `p` at `pitch` and
 * velocity `vel` would have above `edge_hz` when rendered at `rate`
 * (filter envelope fully open); for tests and the decision above. */
double sy_energy_above(const sy_preset *p, int pitch, int vel, double edge_hz, double rate);
/* Passband edge of the upsampler for an output rate. */
double sy_halfrate_edge(uint32_t rate);
/* Upsample n half-rate samples at x[2 * SY_UPK ...] (history before) to
 * 2n output samples in y. */
void sy_upsample(int isa, const float *c, const float *x, int n, float *y);

/* ---- whole render (render.c) ------------------------------------------ */

typedef struct sy_render_args {
    const cz_score *score;
    const sy_shared *sh;
    const sy_style *style;
    uint32_t rate;
    int polyphony;
    double tail_s;
    uint64_t seed;
    int isa;                  /* SY_ISA_*; the tests force the baseline */
    int no_half_rate;         /* every track at the output rate (tests) */
    int voice_major;          /* never time-major oscillators (tests) */
    int spool;                /* stems in scratch files (audio.h) instead of memory */
    double *levels;           /* out when set: each stem's gated level (cz_level), dBFS */
    /* polled every 1024 chunks; non-zero stops the render (CZ_ECANCELED) */
    int (*cancelled)(void *user);
    void *user;
} sy_render_args;

typedef struct sy_render_stats {
    uint64_t notes, steals, hard_steals;
    uint32_t half_rate_tracks;
} sy_render_stats;

/* Render the score into `*out` (a new buffer with one stem per track,
 * named stem_names[i]). */
int sy_render(const sy_render_args *a, char (*stem_names)[32], cz_audio **out,
              sy_render_stats *stats, cz_error *err);

/* Lane sums: out[i] = the sum of acc[SY_LANES * i ... + 7], for n frames
 * (n rounded up to 8; acc and out padded accordingly). */
void sy_lanes_sum(int isa, const float *acc, int n, float *out);

/* Frequency of a MIDI pitch in Hz. */
double sy_pitch_hz(double pitch);

/* Drum choke groups (engine_drum.c): the group a note belongs to, and
 * the group a note silences when it starts; 0 for none. */
int sy_drum_choke_group(int pitch);
int sy_drum_chokes(int pitch);

#endif
