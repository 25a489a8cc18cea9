/*
 * presets.c - the instrument presets, one or more per General MIDI program
 * family, and the map from the 128 GM programs to them.
 *
 * A preset is data (sy_preset in synth.h): which engine, its oscillators,
 * filter, envelopes and modulation. Programs of one family share a preset
 * where the instruments are close (violin and viola), with a per-program
 * variation (cutoff shift, time scale) in program_map below. To add a
 * preset: append an entry to `presets` (and its id to the enum), point
 * programs at it in `program_map`, and run the unit tests (they render
 * every program and check level, headroom and finiteness).
 *
 * Levels: a preset's `gain` is set so that one note at velocity 100 peaks
 * around -14 dBFS before the track's volume and pan.
 */
#include <string.h>

#include "synth.h"

enum {
    P_GRAND, P_HONKY, P_EP1, P_EP2, P_HARPSI, P_CLAV,
    P_CELESTA, P_GLOCK, P_VIBES, P_MARIMBA, P_TUBULAR, P_DULCIMER,
    P_DRAWBAR, P_ROCKORGAN, P_CHURCH, P_REEDORGAN, P_ACCORDION, P_HARMONICA,
    P_NYLON, P_STEEL, P_JAZZGTR, P_CLEANGTR, P_MUTEDGTR, P_OVERDRIVE, P_DISTORTION,
    P_ACBASS, P_FINGERBASS, P_PICKBASS, P_FRETLESS, P_SLAPBASS, P_SYNBASS1, P_SYNBASS2,
    P_VIOLIN, P_CELLO, P_TREMSTR, P_PIZZ, P_HARP, P_TIMPANI,
    P_STRINGS, P_SYNSTR, P_CHOIR, P_OOHS, P_SYNVOICE, P_ORCHHIT,
    P_TRUMPET, P_TROMBONE, P_HORN, P_MUTETPT, P_BRASSSEC, P_SYNBRASS,
    P_SAX, P_DOUBLEREED, P_CLARINET,
    P_FLUTE, P_PANFLUTE, P_OCARINA,
    P_SQUARELEAD, P_SAWLEAD, P_CALLIOPE, P_CHARANG, P_FIFTHS, P_BASSLEAD,
    P_WARMPAD, P_POLYSYNTH, P_HALO, P_SWEEPPAD, P_METALPAD,
    P_CRYSTAL, P_GOBLIN, P_SCIFI,
    P_SITAR, P_BANJO, P_KOTO, P_KALIMBA, P_BAGPIPE,
    P_STEELDRUM, P_WOODBLOCK, P_TAIKO, P_SYNDRUM, P_REVCYMBAL,
    P_NOISEFX, P_SEASHORE, P_BIRD,
    P_KIT,
    P_COUNT
};

#define ENV(a, d, s, r) {a, d, s, r}
#define OSC(w, lvl) {.wave = (w), .unison = 1, .level = (lvl), .pw = 0.5f}
#define OSCT(w, lvl, semi_) {.wave = (w), .unison = 1, .level = (lvl), .semi = (semi_), .pw = 0.5f}
#define OSCD(w, lvl, semi_, det) \
    {.wave = (w), .unison = 1, .level = (lvl), .semi = (semi_), .detune = (det), .pw = 0.5f}
#define UNI(w, lvl, n, spr, wid) \
    {.wave = (w), .unison = (n), .level = (lvl), .spread = (spr), .width = (wid), .pw = 0.5f}
#define PULSE(lvl, pw_) {.wave = SY_W_PULSE, .unison = 1, .level = (lvl), .pw = (pw_)}
#define PAIR(cr, mr, idx, t, s, lvl) {cr, mr, idx, t, s, lvl}
/* drawbar spectrum on the 16' fundamental: 16', 8', 5 1/3', 4', 2 2/3',
 * 2', 1 3/5', 1 1/3', 1' sit on harmonics 1, 2, 3, 4, 6, 8, 10, 12, 16 */
#define DRAWBARS(b16, b513, b8, b4, b223, b2, b135, b113, b1) \
    {b16, b8, b513, b4, 0, b223, 0, b2, 0, b135, 0, b113, 0, 0, 0, b1}

static const sy_preset presets[P_COUNT] = {
    /* ---- piano ---- */
    [P_GRAND] = {.name = "grand piano", .engine = SY_E_FM,
        .fm = {PAIR(1, 1, 2.0f, 1.4f, 0.22f, 0.75f), PAIR(1.0015f, 3, 1.1f, 0.18f, 0.05f, 0.35f)},
        .amp = ENV(0.002f, 7.0f, 0, 0.45f), .key_decay = 0.68f, .gain = 0.30f, .vel_sens = 0.9f},
    [P_HONKY] = {.name = "honky-tonk", .engine = SY_E_FM,
        .fm = {PAIR(1, 1, 2.0f, 1.2f, 0.25f, 0.6f), PAIR(1.009f, 1, 1.8f, 1.0f, 0.25f, 0.55f)},
        .amp = ENV(0.002f, 5.0f, 0, 0.4f), .key_decay = 0.7f, .gain = 0.28f, .vel_sens = 0.9f},
    [P_EP1] = {.name = "tine electric piano", .engine = SY_E_FM,
        .fm = {PAIR(1, 1, 1.5f, 2.2f, 0.3f, 0.8f), PAIR(1, 14, 0.9f, 0.05f, 0.0f, 0.3f)},
        .amp = ENV(0.002f, 5.5f, 0, 0.35f), .key_decay = 0.72f, .trem_rate = 4.2f,
        .trem_depth = 0.12f, .gain = 0.32f, .vel_sens = 0.85f},
    [P_EP2] = {.name = "fm electric piano", .engine = SY_E_FM,
        .fm = {PAIR(1, 1, 1.2f, 1.5f, 0.35f, 0.7f), PAIR(1.003f, 5, 1.1f, 0.25f, 0.08f, 0.4f)},
        .amp = ENV(0.002f, 4.5f, 0, 0.35f), .key_decay = 0.72f, .gain = 0.30f, .vel_sens = 0.85f},
    [P_HARPSI] = {.name = "harpsichord", .engine = SY_E_KS, .ks_t60 = 2.2f, .ks_bright = 0.95f,
        .ks_damp = 0.9f, .ks_pos = 0.1f, .key_decay = 0.8f, .gain = 0.30f, .vel_sens = 0.3f},
    [P_CLAV] = {.name = "clavinet", .engine = SY_E_SUB, .osc = {PULSE(0.8f, 0.22f)},
        .fmode = SY_F_LP, .cutoff = 2200, .res = 0.45f, .keytrack = 0.6f, .fenv_oct = 2.2f,
        .fvel_oct = 2.0f, .fenv = ENV(0.001f, 0.25f, 0.0f, 0.1f),
        .amp = ENV(0.001f, 1.6f, 0, 0.07f), .key_decay = 0.8f, .gain = 0.30f, .vel_sens = 0.8f},

    /* ---- chromatic percussion ---- */
    [P_CELESTA] = {.name = "celesta", .engine = SY_E_FM,
        .fm = {PAIR(1, 3, 1.0f, 0.3f, 0.1f, 0.8f), PAIR(4, 1, 0.3f, 0.1f, 0.0f, 0.12f)},
        .amp = ENV(0.001f, 2.2f, 0, 0.5f), .key_decay = 0.7f, .gain = 0.30f, .vel_sens = 0.8f},
    [P_GLOCK] = {.name = "glockenspiel", .engine = SY_E_FM,
        .fm = {PAIR(1, 3.5f, 1.4f, 0.5f, 0.2f, 0.85f), PAIR(2.76f, 1, 0.0f, 0.1f, 0.0f, 0.15f)},
        .amp = ENV(0.001f, 3.0f, 0, 0.6f), .key_decay = 0.75f, .gain = 0.26f, .vel_sens = 0.8f},
    [P_VIBES] = {.name = "vibraphone", .engine = SY_E_FM,
        .fm = {PAIR(1, 4, 0.6f, 0.15f, 0.1f, 0.85f), PAIR(3.98f, 1, 0.0f, 0.1f, 0.0f, 0.1f)},
        .amp = ENV(0.001f, 4.0f, 0, 0.8f), .key_decay = 0.8f, .trem_rate = 5.5f,
        .trem_depth = 0.35f, .gain = 0.30f, .vel_sens = 0.85f},
    [P_MARIMBA] = {.name = "marimba", .engine = SY_E_FM,
        .fm = {PAIR(1, 4, 1.1f, 0.04f, 0.0f, 0.85f), PAIR(3.9f, 1, 0.0f, 0.1f, 0.0f, 0.2f)},
        .amp = ENV(0.001f, 0.7f, 0, 0.2f), .key_decay = 0.7f, .gain = 0.36f, .vel_sens = 0.85f},
    [P_TUBULAR] = {.name = "tubular bells", .engine = SY_E_FM,
        .fm = {PAIR(1, 3.5f, 2.4f, 1.2f, 0.3f, 0.7f), PAIR(2.01f, 7.1f, 0.8f, 0.3f, 0.1f, 0.25f)},
        .amp = ENV(0.001f, 5.0f, 0, 1.5f), .key_decay = 0.8f, .gain = 0.24f, .vel_sens = 0.8f},
    [P_DULCIMER] = {.name = "dulcimer", .engine = SY_E_KS, .ks_t60 = 3.0f, .ks_bright = 0.8f,
        .ks_damp = 0.75f, .ks_pos = 0.2f, .key_decay = 0.8f, .gain = 0.32f, .vel_sens = 0.7f},

    /* ---- organ ---- */
    [P_DRAWBAR] = {.name = "drawbar organ", .engine = SY_E_SUB,
        .osc = {OSCT(SY_W_SPEC, 1.0f, -12)}, .spec = DRAWBARS(1, 0.7f, 1, 0.5f, 0, 0.35f, 0, 0, 0.2f),
        .amp = ENV(0.006f, 0.1f, 1.0f, 0.05f), .vib_rate = 6.3f, .vib_cents = 5,
        .trem_rate = 6.3f, .trem_depth = 0.12f, .noise = 0.0f, .gain = 0.22f, .vel_sens = 0.15f},
    [P_ROCKORGAN] = {.name = "rock organ", .engine = SY_E_SUB,
        .osc = {OSCT(SY_W_SPEC, 1.0f, -12)}, .spec = DRAWBARS(1, 1, 1, 1, 0.3f, 0.3f, 0, 0, 0),
        .amp = ENV(0.004f, 0.1f, 1.0f, 0.05f), .vib_rate = 6.8f, .vib_cents = 7,
        .trem_rate = 6.8f, .trem_depth = 0.18f, .drive = 2.2f, .tone_hz = 6000,
        .gain = 0.22f, .vel_sens = 0.15f},
    [P_CHURCH] = {.name = "church organ", .engine = SY_E_SUB,
        .osc = {OSCT(SY_W_SPEC, 1.0f, -12), OSCD(SY_W_SPEC, 0.5f, -12, 4)},
        .spec = DRAWBARS(0.8f, 0.3f, 1, 0.8f, 0.5f, 0.6f, 0.3f, 0.3f, 0.4f),
        .amp = ENV(0.06f, 0.2f, 1.0f, 0.5f), .gain = 0.17f, .vel_sens = 0.0f},
    [P_REEDORGAN] = {.name = "reed organ", .engine = SY_E_SUB, .osc = {PULSE(0.9f, 0.3f)},
        .fmode = SY_F_LP, .cutoff = 1800, .keytrack = 0.5f,
        .amp = ENV(0.04f, 0.2f, 1.0f, 0.15f), .gain = 0.24f, .vel_sens = 0.2f},
    [P_ACCORDION] = {.name = "accordion", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SAW, 0.6f), OSCD(SY_W_PULSE, 0.5f, 0, 12)},
        .fmode = SY_F_LP, .cutoff = 2600, .res = 0.2f, .keytrack = 0.5f,
        .amp = ENV(0.03f, 0.2f, 0.95f, 0.1f), .trem_rate = 5.0f, .trem_depth = 0.08f,
        .gain = 0.24f, .vel_sens = 0.4f},
    [P_HARMONICA] = {.name = "harmonica", .engine = SY_E_SUB, .osc = {PULSE(0.9f, 0.2f)},
        .fmode = SY_F_LP, .cutoff = 2000, .res = 0.35f, .keytrack = 0.5f, .fenv_oct = 0.8f,
        .fenv = ENV(0.05f, 0.3f, 0.3f, 0.1f), .noise = 0.03f,
        .amp = ENV(0.03f, 0.3f, 0.85f, 0.1f), .vib_rate = 5.2f, .vib_cents = 15, .vib_delay = 0.3f,
        .gain = 0.26f, .vel_sens = 0.7f},

    /* ---- guitar ---- */
    [P_NYLON] = {.name = "nylon guitar", .engine = SY_E_KS, .ks_t60 = 2.6f, .ks_bright = 0.45f,
        .ks_damp = 0.35f, .ks_pos = 0.15f, .key_decay = 0.8f, .gain = 0.36f, .vel_sens = 0.8f},
    [P_STEEL] = {.name = "steel guitar", .engine = SY_E_KS, .ks_t60 = 3.5f, .ks_bright = 0.75f,
        .ks_damp = 0.7f, .ks_pos = 0.12f, .key_decay = 0.8f, .gain = 0.32f, .vel_sens = 0.8f},
    [P_JAZZGTR] = {.name = "jazz guitar", .engine = SY_E_KS, .ks_t60 = 2.2f, .ks_bright = 0.3f,
        .ks_damp = 0.2f, .ks_pos = 0.25f, .key_decay = 0.8f, .gain = 0.40f, .vel_sens = 0.8f},
    [P_CLEANGTR] = {.name = "clean electric guitar", .engine = SY_E_KS, .ks_t60 = 4.0f,
        .ks_bright = 0.6f, .ks_damp = 0.6f, .ks_pos = 0.18f, .key_decay = 0.8f, .gain = 0.34f,
        .vel_sens = 0.8f},
    [P_MUTEDGTR] = {.name = "muted guitar", .engine = SY_E_KS, .ks_t60 = 0.2f, .ks_bright = 0.5f,
        .ks_damp = 0.4f, .ks_pos = 0.15f, .gain = 0.40f, .vel_sens = 0.8f},
    [P_OVERDRIVE] = {.name = "overdriven guitar", .engine = SY_E_KS, .ks_t60 = 5.0f,
        .ks_bright = 0.6f, .ks_damp = 0.6f, .ks_pos = 0.15f, .drive = 4.0f, .tone_hz = 4500,
        .gain = 0.30f, .vel_sens = 0.5f},
    [P_DISTORTION] = {.name = "distortion guitar", .engine = SY_E_KS, .ks_t60 = 6.0f,
        .ks_bright = 0.7f, .ks_damp = 0.65f, .ks_pos = 0.12f, .drive = 10.0f, .tone_hz = 3800,
        .gain = 0.30f, .vel_sens = 0.4f},

    /* ---- bass ---- */
    [P_ACBASS] = {.name = "acoustic bass", .engine = SY_E_KS, .ks_t60 = 1.6f, .ks_bright = 0.25f,
        .ks_damp = 0.15f, .ks_pos = 0.2f, .gain = 0.50f, .vel_sens = 0.7f},
    [P_FINGERBASS] = {.name = "finger bass", .engine = SY_E_KS, .ks_t60 = 2.5f, .ks_bright = 0.35f,
        .ks_damp = 0.3f, .ks_pos = 0.2f, .gain = 0.46f, .vel_sens = 0.7f},
    [P_PICKBASS] = {.name = "picked bass", .engine = SY_E_KS, .ks_t60 = 2.5f, .ks_bright = 0.7f,
        .ks_damp = 0.5f, .ks_pos = 0.1f, .gain = 0.42f, .vel_sens = 0.7f},
    [P_FRETLESS] = {.name = "fretless bass", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_TRI, 0.7f), OSC(SY_W_SINE, 0.6f)}, .fmode = SY_F_LP, .cutoff = 900,
        .keytrack = 0.5f, .fenv_oct = 1.0f, .fenv = ENV(0.01f, 0.4f, 0.2f, 0.2f),
        .amp = ENV(0.012f, 1.5f, 0.6f, 0.12f), .vib_rate = 5.0f, .vib_cents = 8, .vib_delay = 0.4f,
        .gain = 0.42f, .vel_sens = 0.6f},
    [P_SLAPBASS] = {.name = "slap bass", .engine = SY_E_KS, .ks_t60 = 1.3f, .ks_bright = 0.95f,
        .ks_damp = 0.85f, .ks_pos = 0.08f, .gain = 0.40f, .vel_sens = 0.7f},
    [P_SYNBASS1] = {.name = "synth bass", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SAW, 0.8f), OSCT(SY_W_SQUARE, 0.45f, -12)}, .fmode = SY_F_LP,
        .cutoff = 380, .res = 0.5f, .keytrack = 0.3f, .fenv_oct = 3.0f, .fvel_oct = 1.5f,
        .fenv = ENV(0.001f, 0.22f, 0.0f, 0.1f), .amp = ENV(0.002f, 0.6f, 0.75f, 0.06f),
        .gain = 0.34f, .vel_sens = 0.6f},
    [P_SYNBASS2] = {.name = "square bass", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SQUARE, 0.7f), OSCD(SY_W_SAW, 0.4f, 0, 7)}, .fmode = SY_F_LP,
        .cutoff = 600, .res = 0.3f, .keytrack = 0.3f, .fenv_oct = 2.0f, .fvel_oct = 1.0f,
        .fenv = ENV(0.001f, 0.3f, 0.1f, 0.1f), .amp = ENV(0.002f, 0.3f, 0.8f, 0.06f),
        .gain = 0.32f, .vel_sens = 0.6f},

    /* ---- strings ---- */
    [P_VIOLIN] = {.name = "solo string", .engine = SY_E_SUB, .osc = {UNI(SY_W_SAW, 0.9f, 2, 8, 0.3f)},
        .fmode = SY_F_LP, .cutoff = 3200, .res = 0.1f, .keytrack = 0.6f, .fenv_oct = 0.5f,
        .fenv = ENV(0.15f, 0.5f, 0.7f, 0.3f), .amp = ENV(0.12f, 0.3f, 0.9f, 0.3f),
        .vib_rate = 5.5f, .vib_cents = 14, .vib_delay = 0.35f, .gain = 0.26f, .vel_sens = 0.6f},
    [P_CELLO] = {.name = "low string", .engine = SY_E_SUB, .osc = {UNI(SY_W_SAW, 0.9f, 2, 6, 0.2f)},
        .fmode = SY_F_LP, .cutoff = 1800, .res = 0.1f, .keytrack = 0.5f, .fenv_oct = 0.5f,
        .fenv = ENV(0.15f, 0.5f, 0.7f, 0.3f), .amp = ENV(0.12f, 0.3f, 0.9f, 0.35f),
        .vib_rate = 5.0f, .vib_cents = 12, .vib_delay = 0.4f, .gain = 0.28f, .vel_sens = 0.6f},
    [P_TREMSTR] = {.name = "tremolo strings", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SAW, 1.0f, 4, 16, 0.7f)}, .fmode = SY_F_LP, .cutoff = 2800,
        .keytrack = 0.4f, .amp = ENV(0.1f, 0.3f, 0.9f, 0.4f), .trem_rate = 7.5f,
        .trem_depth = 0.5f, .gain = 0.20f, .vel_sens = 0.5f},
    [P_PIZZ] = {.name = "pizzicato", .engine = SY_E_KS, .ks_t60 = 0.45f, .ks_bright = 0.45f,
        .ks_damp = 0.35f, .ks_pos = 0.2f, .gain = 0.45f, .vel_sens = 0.8f},
    [P_HARP] = {.name = "harp", .engine = SY_E_KS, .ks_t60 = 3.5f, .ks_bright = 0.5f,
        .ks_damp = 0.45f, .ks_pos = 0.3f, .key_decay = 0.8f, .gain = 0.38f, .vel_sens = 0.8f},
    [P_TIMPANI] = {.name = "timpani", .engine = SY_E_SUB, .osc = {OSC(SY_W_SINE, 1.0f),
        OSCT(SY_W_TRI, 0.3f, 12)}, .noise = 0.08f, .penv_semi = 3.0f, .penv_t = 0.05f,
        .fmode = SY_F_LP, .cutoff = 900, .amp = ENV(0.002f, 2.5f, 0, 0.8f), .gain = 0.5f,
        .vel_sens = 0.9f},

    /* ---- ensemble ---- */
    [P_STRINGS] = {.name = "string ensemble", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SAW, 1.0f, 3, 18, 0.7f)}, .fmode = SY_F_LP, .cutoff = 3000, .res = 0.05f,
        .keytrack = 0.4f, .amp = ENV(0.25f, 0.5f, 0.85f, 0.6f), .vib_rate = 5.0f, .vib_cents = 6,
        .vib_delay = 0.5f, .gain = 0.20f, .vel_sens = 0.5f},
    [P_SYNSTR] = {.name = "synth strings", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SAW, 1.0f, 4, 28, 0.8f)}, .fmode = SY_F_LP, .cutoff = 2200,
        .keytrack = 0.3f, .fenv_oct = 1.0f, .fenv = ENV(0.3f, 1.0f, 0.5f, 0.6f),
        .amp = ENV(0.15f, 0.3f, 0.9f, 0.5f), .gain = 0.20f, .vel_sens = 0.4f},
    [P_CHOIR] = {.name = "choir", .engine = SY_E_SUB, .osc = {UNI(SY_W_SAW, 1.0f, 3, 10, 0.6f)},
        .fmode = SY_F_LP, .cutoff = 1300, .res = 0.2f, .keytrack = 0.3f,
        .amp = ENV(0.35f, 0.5f, 0.9f, 0.6f), .vib_rate = 5.0f, .vib_cents = 10, .vib_delay = 0.3f,
        .gain = 0.22f, .vel_sens = 0.4f},
    [P_OOHS] = {.name = "voice oohs", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_TRI, 1.0f, 3, 8, 0.5f), OSC(SY_W_SINE, 0.4f)}, .fmode = SY_F_LP,
        .cutoff = 900, .keytrack = 0.3f, .amp = ENV(0.3f, 0.5f, 0.9f, 0.5f), .vib_rate = 5.0f,
        .vib_cents = 8, .vib_delay = 0.3f, .gain = 0.30f, .vel_sens = 0.4f},
    [P_SYNVOICE] = {.name = "synth voice", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SAW, 1.0f, 2, 12, 0.5f)}, .fmode = SY_F_BP, .cutoff = 1100, .res = 0.5f,
        .keytrack = 0.2f, .amp = ENV(0.15f, 0.5f, 0.85f, 0.5f), .vib_rate = 4.5f, .vib_cents = 8,
        .gain = 0.34f, .vel_sens = 0.4f},
    [P_ORCHHIT] = {.name = "orchestra hit", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SAW, 1.0f, 5, 30, 0.8f), OSCT(SY_W_SAW, 0.6f, -12)}, .fmode = SY_F_LP,
        .cutoff = 3500, .fenv_oct = 1.5f, .fenv = ENV(0.001f, 0.3f, 0, 0.2f),
        .amp = ENV(0.001f, 0.6f, 0, 0.25f), .gain = 0.20f, .vel_sens = 0.7f},

    /* ---- brass ---- */
    [P_TRUMPET] = {.name = "trumpet", .engine = SY_E_SUB, .osc = {OSC(SY_W_SAW, 1.0f)},
        .fmode = SY_F_LP, .cutoff = 800, .res = 0.15f, .keytrack = 0.6f, .fenv_oct = 2.5f,
        .fvel_oct = 2.0f, .fenv = ENV(0.04f, 0.35f, 0.45f, 0.2f),
        .amp = ENV(0.03f, 0.3f, 0.85f, 0.12f), .vib_rate = 5.5f, .vib_cents = 10,
        .vib_delay = 0.3f, .gain = 0.30f, .vel_sens = 0.7f},
    [P_TROMBONE] = {.name = "trombone", .engine = SY_E_SUB, .osc = {OSC(SY_W_SAW, 1.0f)},
        .fmode = SY_F_LP, .cutoff = 550, .res = 0.1f, .keytrack = 0.6f, .fenv_oct = 2.2f,
        .fvel_oct = 1.8f, .fenv = ENV(0.05f, 0.4f, 0.45f, 0.2f),
        .amp = ENV(0.05f, 0.3f, 0.85f, 0.15f), .vib_rate = 5.0f, .vib_cents = 8,
        .vib_delay = 0.4f, .gain = 0.32f, .vel_sens = 0.7f},
    [P_HORN] = {.name = "french horn", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SAW, 0.7f), OSC(SY_W_TRI, 0.5f)}, .fmode = SY_F_LP, .cutoff = 450,
        .keytrack = 0.6f, .fenv_oct = 1.2f, .fvel_oct = 1.2f, .fenv = ENV(0.08f, 0.5f, 0.5f, 0.3f),
        .amp = ENV(0.07f, 0.3f, 0.9f, 0.25f), .vib_rate = 4.8f, .vib_cents = 6,
        .vib_delay = 0.5f, .gain = 0.34f, .vel_sens = 0.6f},
    [P_MUTETPT] = {.name = "muted trumpet", .engine = SY_E_SUB, .osc = {OSC(SY_W_SAW, 1.0f)},
        .fmode = SY_F_BP, .cutoff = 1400, .res = 0.55f, .keytrack = 0.5f, .fenv_oct = 0.8f,
        .fenv = ENV(0.03f, 0.3f, 0.5f, 0.2f), .amp = ENV(0.02f, 0.3f, 0.8f, 0.1f),
        .vib_rate = 5.5f, .vib_cents = 8, .vib_delay = 0.3f, .gain = 0.40f, .vel_sens = 0.7f},
    [P_BRASSSEC] = {.name = "brass section", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SAW, 1.0f, 3, 14, 0.6f)}, .fmode = SY_F_LP, .cutoff = 700, .res = 0.1f,
        .keytrack = 0.5f, .fenv_oct = 2.3f, .fvel_oct = 1.8f, .fenv = ENV(0.05f, 0.4f, 0.5f, 0.2f),
        .amp = ENV(0.04f, 0.3f, 0.85f, 0.15f), .gain = 0.24f, .vel_sens = 0.7f},
    [P_SYNBRASS] = {.name = "synth brass", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SAW, 1.0f, 2, 16, 0.5f)}, .fmode = SY_F_LP, .cutoff = 550, .res = 0.35f,
        .keytrack = 0.4f, .fenv_oct = 3.5f, .fvel_oct = 1.5f, .fenv = ENV(0.01f, 0.4f, 0.3f, 0.2f),
        .amp = ENV(0.01f, 0.4f, 0.8f, 0.2f), .gain = 0.26f, .vel_sens = 0.6f},

    /* ---- reed ---- */
    [P_SAX] = {.name = "saxophone", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SAW, 0.7f), PULSE(0.4f, 0.4f)}, .fmode = SY_F_LP, .cutoff = 1800,
        .res = 0.25f, .keytrack = 0.5f, .fenv_oct = 1.0f, .fvel_oct = 1.5f,
        .fenv = ENV(0.03f, 0.3f, 0.5f, 0.1f), .noise = 0.02f, .amp = ENV(0.03f, 0.3f, 0.85f, 0.1f),
        .vib_rate = 5.0f, .vib_cents = 12, .vib_delay = 0.3f, .gain = 0.30f, .vel_sens = 0.7f},
    [P_DOUBLEREED] = {.name = "double reed", .engine = SY_E_SUB, .osc = {PULSE(0.9f, 0.3f)},
        .fmode = SY_F_LP, .cutoff = 2400, .res = 0.4f, .keytrack = 0.5f, .noise = 0.01f,
        .amp = ENV(0.04f, 0.3f, 0.9f, 0.1f), .vib_rate = 5.2f, .vib_cents = 9, .vib_delay = 0.3f,
        .gain = 0.30f, .vel_sens = 0.6f},
    [P_CLARINET] = {.name = "clarinet", .engine = SY_E_SUB, .osc = {OSC(SY_W_SQUARE, 0.9f)},
        .fmode = SY_F_LP, .cutoff = 1800, .keytrack = 0.6f, .fenv_oct = 0.6f,
        .fenv = ENV(0.04f, 0.3f, 0.6f, 0.1f), .noise = 0.01f, .amp = ENV(0.03f, 0.3f, 0.9f, 0.1f),
        .vib_rate = 5.0f, .vib_cents = 4, .vib_delay = 0.5f, .gain = 0.30f, .vel_sens = 0.6f},

    /* ---- pipe ---- */
    [P_FLUTE] = {.name = "flute", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SINE, 0.9f), OSCT(SY_W_TRI, 0.2f, 12)}, .noise = 0.04f,
        .fmode = SY_F_LP, .cutoff = 4000, .keytrack = 0.5f, .amp = ENV(0.05f, 0.2f, 0.9f, 0.15f),
        .vib_rate = 5.0f, .vib_cents = 12, .vib_delay = 0.3f, .gain = 0.34f, .vel_sens = 0.5f},
    [P_PANFLUTE] = {.name = "pan flute", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SINE, 0.9f), OSCT(SY_W_SINE, 0.15f, 12)}, .noise = 0.09f,
        .fmode = SY_F_LP, .cutoff = 3000, .keytrack = 0.5f, .amp = ENV(0.07f, 0.2f, 0.85f, 0.2f),
        .vib_rate = 4.5f, .vib_cents = 10, .vib_delay = 0.4f, .gain = 0.34f, .vel_sens = 0.5f},
    [P_OCARINA] = {.name = "ocarina", .engine = SY_E_SUB, .osc = {OSC(SY_W_SINE, 1.0f)},
        .amp = ENV(0.04f, 0.2f, 0.9f, 0.12f), .vib_rate = 4.5f, .vib_cents = 6,
        .vib_delay = 0.4f, .gain = 0.34f, .vel_sens = 0.5f},

    /* ---- synth lead ---- */
    [P_SQUARELEAD] = {.name = "square lead", .engine = SY_E_SUB, .osc = {OSC(SY_W_SQUARE, 1.0f)},
        .amp = ENV(0.004f, 0.1f, 0.9f, 0.08f), .vib_rate = 5.5f, .vib_cents = 15,
        .vib_delay = 0.5f, .gain = 0.20f, .vel_sens = 0.5f},
    [P_SAWLEAD] = {.name = "saw lead", .engine = SY_E_SUB, .osc = {OSC(SY_W_SAW, 1.0f)},
        .amp = ENV(0.004f, 0.1f, 0.9f, 0.08f), .vib_rate = 5.5f, .vib_cents = 15,
        .vib_delay = 0.5f, .gain = 0.20f, .vel_sens = 0.5f},
    [P_CALLIOPE] = {.name = "calliope", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SINE, 0.8f), OSCT(SY_W_TRI, 0.3f, 12)}, .noise = 0.05f,
        .fmode = SY_F_LP, .cutoff = 3000, .keytrack = 0.5f, .amp = ENV(0.02f, 0.2f, 0.9f, 0.1f),
        .vib_rate = 6.0f, .vib_cents = 10, .gain = 0.32f, .vel_sens = 0.5f},
    [P_CHARANG] = {.name = "charang", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SAW, 0.8f), PULSE(0.5f, 0.3f)}, .fmode = SY_F_LP, .cutoff = 3000,
        .res = 0.2f, .keytrack = 0.4f, .amp = ENV(0.003f, 0.8f, 0.6f, 0.1f), .drive = 2.0f,
        .tone_hz = 5000, .gain = 0.24f, .vel_sens = 0.5f},
    [P_FIFTHS] = {.name = "fifths lead", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SAW, 0.7f), OSCT(SY_W_SAW, 0.5f, 7)}, .fmode = SY_F_LP, .cutoff = 2800,
        .keytrack = 0.4f, .amp = ENV(0.005f, 0.2f, 0.85f, 0.1f), .gain = 0.22f, .vel_sens = 0.5f},
    [P_BASSLEAD] = {.name = "bass and lead", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SAW, 0.8f), OSCT(SY_W_SQUARE, 0.5f, -12)}, .fmode = SY_F_LP,
        .cutoff = 1800, .res = 0.3f, .keytrack = 0.4f, .fenv_oct = 1.5f,
        .fenv = ENV(0.002f, 0.3f, 0.3f, 0.1f), .amp = ENV(0.003f, 0.3f, 0.85f, 0.08f),
        .gain = 0.24f, .vel_sens = 0.5f},

    /* ---- synth pad ---- */
    [P_WARMPAD] = {.name = "warm pad", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SAW, 1.0f, 3, 14, 0.7f)}, .fmode = SY_F_LP,
        .cutoff = 1100, .res = 0.1f, .keytrack = 0.3f, .fenv_oct = 0.8f,
        .fenv = ENV(1.0f, 2.0f, 0.4f, 1.5f), .amp = ENV(0.6f, 1.0f, 0.9f, 1.5f),
        .gain = 0.20f, .vel_sens = 0.3f},
    [P_POLYSYNTH] = {.name = "polysynth", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SAW, 0.9f, 2, 10, 0.6f), OSCT(SY_W_SQUARE, 0.35f, -12)}, .fmode = SY_F_LP,
        .cutoff = 1500, .res = 0.2f, .keytrack = 0.4f, .fenv_oct = 1.5f,
        .fenv = ENV(0.01f, 0.6f, 0.3f, 0.5f), .amp = ENV(0.01f, 0.5f, 0.7f, 0.4f),
        .gain = 0.24f, .vel_sens = 0.5f},
    [P_HALO] = {.name = "halo pad", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SAW, 1.0f, 5, 20, 0.9f)}, .fmode = SY_F_LP, .cutoff = 2200,
        .keytrack = 0.3f, .amp = ENV(1.0f, 1.0f, 0.9f, 2.0f), .vib_rate = 0.3f, .vib_cents = 4,
        .gain = 0.18f, .vel_sens = 0.3f},
    [P_SWEEPPAD] = {.name = "sweep pad", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SAW, 1.0f, 3, 12, 0.7f)}, .fmode = SY_F_LP, .cutoff = 350, .res = 0.55f,
        .keytrack = 0.3f, .fenv_oct = 3.0f, .fenv = ENV(2.0f, 3.0f, 0.3f, 2.0f),
        .amp = ENV(0.5f, 1.0f, 0.9f, 1.8f), .gain = 0.20f, .vel_sens = 0.3f},
    [P_METALPAD] = {.name = "metallic pad", .engine = SY_E_SUB,
        .osc = {UNI(SY_W_SQUARE, 1.0f, 3, 20, 0.7f)}, .fmode = SY_F_BP, .cutoff = 2000,
        .res = 0.6f, .keytrack = 0.3f, .amp = ENV(0.4f, 1.0f, 0.85f, 1.5f), .gain = 0.28f,
        .vel_sens = 0.3f},

    /* ---- synth effects ---- */
    [P_CRYSTAL] = {.name = "crystal", .engine = SY_E_FM,
        .fm = {PAIR(1, 5.8f, 1.8f, 0.6f, 0.1f, 0.7f), PAIR(2, 3.01f, 1.0f, 1.0f, 0.3f, 0.3f)},
        .amp = ENV(0.002f, 3.5f, 0, 1.2f), .key_decay = 0.8f, .gain = 0.26f, .vel_sens = 0.7f},
    [P_GOBLIN] = {.name = "goblins", .engine = SY_E_SUB, .osc = {UNI(SY_W_SAW, 1.0f, 2, 25, 0.6f)},
        .fmode = SY_F_LP, .cutoff = 300, .res = 0.8f, .fenv_oct = 2.5f,
        .fenv = ENV(1.5f, 2.0f, 0.2f, 1.0f), .amp = ENV(0.5f, 1.0f, 0.8f, 1.2f),
        .vib_rate = 0.5f, .vib_cents = 30, .gain = 0.22f, .vel_sens = 0.3f},
    [P_SCIFI] = {.name = "sci-fi", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SINE, 0.8f), OSCT(SY_W_TRI, 0.4f, 19)}, .penv_semi = 12.0f,
        .penv_t = 0.25f, .amp = ENV(0.01f, 1.5f, 0.5f, 0.8f), .vib_rate = 7.0f, .vib_cents = 25,
        .gain = 0.30f, .vel_sens = 0.5f},

    /* ---- ethnic ---- */
    [P_SITAR] = {.name = "sitar", .engine = SY_E_KS, .ks_t60 = 3.0f, .ks_bright = 0.95f,
        .ks_damp = 0.92f, .ks_pos = 0.05f, .drive = 1.4f, .gain = 0.30f, .vel_sens = 0.7f},
    [P_BANJO] = {.name = "banjo", .engine = SY_E_KS, .ks_t60 = 1.0f, .ks_bright = 0.9f,
        .ks_damp = 0.8f, .ks_pos = 0.1f, .gain = 0.34f, .vel_sens = 0.7f},
    [P_KOTO] = {.name = "koto", .engine = SY_E_KS, .ks_t60 = 2.5f, .ks_bright = 0.7f,
        .ks_damp = 0.65f, .ks_pos = 0.12f, .key_decay = 0.8f, .gain = 0.34f, .vel_sens = 0.7f},
    [P_KALIMBA] = {.name = "kalimba", .engine = SY_E_FM,
        .fm = {PAIR(1, 1, 0.6f, 0.06f, 0.0f, 0.85f), PAIR(1, 7, 1.0f, 0.02f, 0.0f, 0.25f)},
        .amp = ENV(0.001f, 1.2f, 0, 0.3f), .key_decay = 0.75f, .gain = 0.34f, .vel_sens = 0.8f},
    [P_BAGPIPE] = {.name = "bagpipe", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SAW, 0.7f), OSCT(SY_W_SAW, 0.4f, -12)}, .fmode = SY_F_LP,
        .cutoff = 2500, .res = 0.3f, .keytrack = 0.3f, .amp = ENV(0.02f, 0.1f, 1.0f, 0.1f),
        .gain = 0.24f, .vel_sens = 0.1f},

    /* ---- percussive ---- */
    [P_STEELDRUM] = {.name = "steel drum", .engine = SY_E_FM,
        .fm = {PAIR(1, 2, 1.3f, 0.3f, 0.15f, 0.75f), PAIR(2.02f, 1, 0.4f, 0.2f, 0.0f, 0.3f)},
        .amp = ENV(0.001f, 1.6f, 0, 0.4f), .key_decay = 0.8f, .gain = 0.30f, .vel_sens = 0.8f},
    [P_WOODBLOCK] = {.name = "wood block", .engine = SY_E_SUB,
        .osc = {OSC(SY_W_SINE, 1.0f), OSCT(SY_W_SINE, 0.3f, 14.4f)}, .penv_semi = 5.0f,
        .penv_t = 0.01f, .amp = ENV(0.001f, 0.12f, 0, 0.05f), .gain = 0.40f, .vel_sens = 0.8f},
    [P_TAIKO] = {.name = "taiko", .engine = SY_E_SUB, .osc = {OSC(SY_W_SINE, 1.0f)},
        .noise = 0.3f, .penv_semi = 4.0f, .penv_t = 0.05f, .fmode = SY_F_LP, .cutoff = 800,
        .amp = ENV(0.001f, 1.2f, 0, 0.4f), .gain = 0.55f, .vel_sens = 0.9f},
    [P_SYNDRUM] = {.name = "synth drum", .engine = SY_E_SUB, .osc = {OSC(SY_W_TRI, 1.0f)},
        .penv_semi = 12.0f, .penv_t = 0.05f, .amp = ENV(0.001f, 0.6f, 0, 0.2f), .gain = 0.45f,
        .vel_sens = 0.9f},
    [P_REVCYMBAL] = {.name = "reverse cymbal", .engine = SY_E_SUB, .osc = {OSC(SY_W_NOISE, 1.0f)},
        .fmode = SY_F_HP, .cutoff = 4000, .amp = ENV(1.5f, 0.1f, 1.0f, 0.05f), .gain = 0.22f,
        .vel_sens = 0.5f},

    /* ---- sound effects ---- */
    [P_NOISEFX] = {.name = "noise effect", .engine = SY_E_SUB, .osc = {OSC(SY_W_NOISE, 1.0f)},
        .fmode = SY_F_BP, .cutoff = 1500, .res = 0.3f, .keytrack = 0.5f,
        .amp = ENV(0.1f, 0.3f, 0.6f, 0.3f), .gain = 0.35f, .vel_sens = 0.5f},
    [P_SEASHORE] = {.name = "seashore", .engine = SY_E_SUB, .osc = {OSC(SY_W_NOISE, 1.0f)},
        .fmode = SY_F_LP, .cutoff = 900, .amp = ENV(1.5f, 2.0f, 0.7f, 2.0f), .trem_rate = 0.15f,
        .trem_depth = 0.6f, .gain = 0.35f, .vel_sens = 0.3f},
    [P_BIRD] = {.name = "bird", .engine = SY_E_SUB, .osc = {OSC(SY_W_SINE, 1.0f)},
        .penv_semi = 5.0f, .penv_t = 0.05f, .amp = ENV(0.01f, 0.3f, 0.5f, 0.1f),
        .vib_rate = 12.0f, .vib_cents = 150, .gain = 0.25f, .vel_sens = 0.5f},

    /* ---- the kit: gain only, pieces live in engine_drum.c ---- */
    [P_KIT] = {.name = "drum kit", .engine = SY_E_DRUM, .gain = 0.7f},
};

/* program -> preset, cutoff shift (tenths of an octave), time scale (tenths) */
typedef struct prog_map {
    uint8_t preset;
    int8_t bright;
    uint8_t time;
} prog_map;

static const prog_map program_map[128] = {
    /* piano */
    {P_GRAND, 0, 10}, {P_GRAND, 5, 9}, {P_EP2, 0, 10}, {P_HONKY, 0, 10},
    {P_EP1, 0, 10}, {P_EP2, 0, 10}, {P_HARPSI, 0, 10}, {P_CLAV, 0, 10},
    /* chromatic percussion */
    {P_CELESTA, 0, 10}, {P_GLOCK, 0, 10}, {P_CELESTA, 0, 7}, {P_VIBES, 0, 10},
    {P_MARIMBA, 0, 10}, {P_MARIMBA, 6, 5}, {P_TUBULAR, 0, 10}, {P_DULCIMER, 0, 10},
    /* organ */
    {P_DRAWBAR, 0, 10}, {P_DRAWBAR, 0, 6}, {P_ROCKORGAN, 0, 10}, {P_CHURCH, 0, 10},
    {P_REEDORGAN, 0, 10}, {P_ACCORDION, 0, 10}, {P_HARMONICA, 0, 10}, {P_ACCORDION, -3, 10},
    /* guitar */
    {P_NYLON, 0, 10}, {P_STEEL, 0, 10}, {P_JAZZGTR, 0, 10}, {P_CLEANGTR, 0, 10},
    {P_MUTEDGTR, 0, 10}, {P_OVERDRIVE, 0, 10}, {P_DISTORTION, 0, 10}, {P_CLEANGTR, 8, 5},
    /* bass */
    {P_ACBASS, 0, 10}, {P_FINGERBASS, 0, 10}, {P_PICKBASS, 0, 10}, {P_FRETLESS, 0, 10},
    {P_SLAPBASS, 0, 10}, {P_SLAPBASS, 3, 8}, {P_SYNBASS1, 0, 10}, {P_SYNBASS2, 0, 10},
    /* strings */
    {P_VIOLIN, 0, 10}, {P_VIOLIN, -3, 10}, {P_CELLO, 0, 10}, {P_CELLO, -5, 10},
    {P_TREMSTR, 0, 10}, {P_PIZZ, 0, 10}, {P_HARP, 0, 10}, {P_TIMPANI, 0, 10},
    /* ensemble */
    {P_STRINGS, 0, 10}, {P_STRINGS, -3, 20}, {P_SYNSTR, 0, 10}, {P_SYNSTR, 4, 12},
    {P_CHOIR, 0, 10}, {P_OOHS, 0, 10}, {P_SYNVOICE, 0, 10}, {P_ORCHHIT, 0, 10},
    /* brass */
    {P_TRUMPET, 0, 10}, {P_TROMBONE, 0, 10}, {P_TROMBONE, -8, 12}, {P_MUTETPT, 0, 10},
    {P_HORN, 0, 10}, {P_BRASSSEC, 0, 10}, {P_SYNBRASS, 0, 10}, {P_SYNBRASS, 5, 8},
    /* reed */
    {P_SAX, 3, 10}, {P_SAX, 0, 10}, {P_SAX, -3, 10}, {P_SAX, -6, 10},
    {P_DOUBLEREED, 0, 10}, {P_DOUBLEREED, -4, 10}, {P_DOUBLEREED, -9, 10}, {P_CLARINET, 0, 10},
    /* pipe */
    {P_FLUTE, 3, 8}, {P_FLUTE, 0, 10}, {P_FLUTE, -4, 10}, {P_PANFLUTE, 0, 10},
    {P_PANFLUTE, -6, 12}, {P_PANFLUTE, 3, 10}, {P_OCARINA, 0, 8}, {P_OCARINA, 0, 10},
    /* synth lead */
    {P_SQUARELEAD, 0, 10}, {P_SAWLEAD, 0, 10}, {P_CALLIOPE, 0, 10}, {P_CALLIOPE, 5, 6},
    {P_CHARANG, 0, 10}, {P_SYNVOICE, 3, 6}, {P_FIFTHS, 0, 10}, {P_BASSLEAD, 0, 10},
    /* synth pad */
    {P_POLYSYNTH, -3, 20}, {P_WARMPAD, 0, 10}, {P_POLYSYNTH, 0, 10}, {P_CHOIR, -2, 20},
    {P_SWEEPPAD, 4, 6}, {P_METALPAD, 0, 10}, {P_HALO, 0, 10}, {P_SWEEPPAD, 0, 10},
    /* synth effects */
    {P_CRYSTAL, -5, 15}, {P_WARMPAD, -5, 20}, {P_CRYSTAL, 0, 10}, {P_HALO, -4, 15},
    {P_HALO, 8, 10}, {P_GOBLIN, 0, 10}, {P_METALPAD, -5, 20}, {P_SCIFI, 0, 10},
    /* ethnic */
    {P_SITAR, 0, 10}, {P_BANJO, 0, 10}, {P_BANJO, -2, 8}, {P_KOTO, 0, 10},
    {P_KALIMBA, 0, 10}, {P_BAGPIPE, 0, 10}, {P_VIOLIN, 3, 8}, {P_DOUBLEREED, 5, 10},
    /* percussive */
    {P_GLOCK, 5, 6}, {P_STEELDRUM, 6, 5}, {P_STEELDRUM, 0, 10}, {P_WOODBLOCK, 0, 10},
    {P_TAIKO, 0, 10}, {P_SYNDRUM, -3, 14}, {P_SYNDRUM, 0, 10}, {P_REVCYMBAL, 0, 10},
    /* sound effects */
    {P_NOISEFX, 8, 2}, {P_NOISEFX, 0, 10}, {P_SEASHORE, 0, 10}, {P_BIRD, 0, 10},
    {P_SQUARELEAD, 5, 3}, {P_SEASHORE, -6, 5}, {P_NOISEFX, 10, 20}, {P_TAIKO, 12, 3},
};

const sy_preset *sy_preset_for_program(int program)
{
    if (program < 0 || program > 127)
        program = 0;
    return &presets[program_map[program].preset];
}

void sy_program_variation(int program, float *bright, float *time_mul)
{
    if (program < 0 || program > 127)
        program = 0;
    *bright = program_map[program].bright / 10.0f;
    *time_mul = program_map[program].time / 10.0f;
}

const sy_preset *sy_drum_preset(void)
{
    return &presets[P_KIT];
}

int sy_preset_count(void)
{
    return P_COUNT;
}

const sy_preset *sy_preset_at(int i)
{
    return &presets[i < 0 || i >= P_COUNT ? 0 : i];
}

int sy_preset_index(const sy_preset *p)
{
    return (int)(p - presets);
}

/* ---- style: genre and mood ------------------------------------------- */

static int has(const char *s, const char *word)
{
    return s && *s && strstr(s, word) != NULL;
}

void sy_style_init(sy_style *st, const char *genre, const json_t *mood)
{
    memset(st, 0, sizeof *st);
    st->attack_mul = st->release_mul = st->drive_mul = st->width_mul = 1.0f;
    st->kit = SY_KIT_ACOUSTIC;
    char g[32] = "";
    for (size_t i = 0; genre && genre[i] && i + 1 < sizeof g; i++) {
        char c = genre[i];
        g[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        g[i + 1] = 0;
    }
    memcpy(st->genre, g, sizeof g);

    if (has(g, "synthwave") || has(g, "retrowave") || has(g, "synthpop") ||
        has(g, "new wave") || has(g, "new_wave") || has(g, "vaporwave") || has(g, "80s")) {
        st->kit = SY_KIT_80S;
        st->width_mul = 1.3f;
    } else if (has(g, "hip") || has(g, "trap") || has(g, "rap") || has(g, "r&b") ||
               has(g, "rnb") || has(g, "lofi") || has(g, "lo-fi") || has(g, "phonk") ||
               has(g, "reggaeton")) {
        st->kit = SY_KIT_808;
    } else if (has(g, "house") || has(g, "techno") || has(g, "edm") || has(g, "trance") ||
               has(g, "dance") || has(g, "electro") || has(g, "disco") || has(g, "dubstep") ||
               has(g, "drum") || has(g, "garage") || has(g, "electronic")) {
        st->kit = SY_KIT_909;
        st->bright += 0.2f;
        st->width_mul = 1.3f;
    }
    if (has(g, "lofi") || has(g, "lo-fi")) {
        st->bright -= 0.8f;
        st->release_mul = 1.2f;
    }
    if (has(g, "jazz") || has(g, "blues") || has(g, "soul"))
        st->bright -= 0.3f;
    if (has(g, "metal")) {
        st->drive_mul = 1.6f;
        st->bright += 0.2f;
    } else if (has(g, "rock") || has(g, "punk") || has(g, "grunge")) {
        st->drive_mul = 1.25f;
    }
    if (has(g, "ambient") || has(g, "cinematic") || has(g, "orchestral") ||
        has(g, "classical") || has(g, "new age")) {
        st->attack_mul = 1.5f;
        st->release_mul = 1.5f;
        st->width_mul = 1.2f;
    }

    /* mood: a list of words (or one string) */
    for (size_t i = 0; mood && i < (json_is_array(mood) ? json_array_size(mood) : 1); i++) {
        const json_t *m = json_is_array(mood) ? json_array_get(mood, i) : mood;
        const char *w = json_string_value(m);
        if (!w)
            continue;
        if (has(w, "dark") || has(w, "sad") || has(w, "melanchol") || has(w, "moody") ||
            has(w, "somber") || has(w, "gloomy") || has(w, "ominous"))
            st->bright -= 0.4f;
        if (has(w, "bright") || has(w, "happy") || has(w, "uplifting") || has(w, "energetic") ||
            has(w, "euphoric") || has(w, "joyful"))
            st->bright += 0.3f;
        if (has(w, "calm") || has(w, "chill") || has(w, "relax") || has(w, "dreamy") ||
            has(w, "peaceful") || has(w, "serene")) {
            st->attack_mul *= 1.3f;
            st->release_mul *= 1.3f;
        }
        if (has(w, "aggressive") || has(w, "angry") || has(w, "intense"))
            st->drive_mul *= 1.3f;
    }
    if (st->bright > 1.0f)
        st->bright = 1.0f;
    if (st->bright < -1.5f)
        st->bright = -1.5f;
}

void sy_preset_styled(sy_preset *dst, const sy_preset *base, const sy_style *st)
{
    *dst = *base;
    if (dst->engine == SY_E_DRUM)
        return;
    dst->cutoff *= sy_exp2f(st->bright);
    if (dst->engine == SY_E_KS) {
        float b = dst->ks_bright * sy_exp2f(st->bright * 0.5f);
        dst->ks_bright = b > 1.0f ? 1.0f : b;
    }
    /* slow attacks (pads, strings, choirs) follow the style's tempo of
     * breath; percussive attacks stay put */
    if (dst->amp.a >= 0.05f) {
        dst->amp.a *= st->attack_mul;
        dst->amp.r *= st->release_mul;
    }
    dst->drive *= st->drive_mul;
    for (int o = 0; o < 2; o++) {
        float w = dst->osc[o].width * st->width_mul;
        dst->osc[o].width = w > 1.0f ? 1.0f : w;
    }
}
