/*
 * meta.c - tempo, time signature and key signature as SMF meta data.
 *
 * Time signature (FF 58 04 nn dd cc bb): dd is the denominator as a power
 * of two; cc is MIDI clocks (24 per quarter) per metronome click. The click
 * is the beat a musician counts: the denominator's note in simple meters
 * (4/4 and 3/4 -> 24, 2/2 -> 48, 7/8 -> 12) and the dotted note in compound
 * meters, whose numerator is a multiple of 3 above 3 (6/8, 9/8, 12/8 -> 36,
 * 6/4 -> 72). bb is always 8 thirty-second notes per quarter.
 *
 * Key signature (FF 59 02 sf mi): a score has a tonic and a mode, and MIDI
 * only knows major and minor, so:
 *  - sf is the signature the mode is written with: the accidentals of its
 *    parent major scale (D dorian -> 0, E phrygian -> 0, F lydian -> 0,
 *    A mixolydian -> 2 sharps). Harmonic and melodic minor take the natural
 *    minor signature (their raised degrees are accidentals in the music).
 *  - mi is 1 when the mode's third is minor (dorian, phrygian, aeolian,
 *    locrian, harmonic and melodic minor), 0 otherwise (ionian, lydian,
 *    mixolydian). So D dorian is written sf 0, mi 1.
 *  - Enharmonic choice: a spelled tonic ("F#", "Gb") decides when it names
 *    the score's pitch class and gives at most 7 accidentals. Otherwise the
 *    signature with the fewest accidentals; at 6 against 6, sharps for
 *    modes with a major third (F# major) and flats for the others
 *    (Eb minor).
 */
#include <math.h>
#include <string.h>

#include "midi_internal.h"

uint32_t midi_tempo_us(double bpm)
{
    double us = 60000000.0 / bpm;
    if (!(us >= 1.0))
        return 1;
    if (us > 16777215.0)
        return 16777215u;
    return (uint32_t)lround(us);
}

int midi_time_signature(uint8_t num, uint8_t den, uint8_t out[4],
                        cz_error *err)
{
    if (num == 0)
        return cz_err(err, CZ_EINVAL,
                      "finalization.midi: score meter %u/%u has a zero "
                      "numerator", num, den);
    if (den == 0 || (den & (den - 1)) != 0)
        return cz_err(err, CZ_EINVAL,
                      "finalization.midi: score meter %u/%u: the denominator "
                      "must be a power of two (1, 2, 4, 8 ... 128)", num, den);
    uint8_t pow2 = 0;
    while ((1u << pow2) < den)
        pow2++;
    /* clocks per denominator note: 96 / den (24 per quarter). */
    unsigned clocks = 96u / den;
    if (!clocks) /* 1/128 notes are finer than a MIDI clock */
        clocks = 1;
    if (num > 3 && num % 3 == 0)
        clocks *= 3; /* compound: the click is the dotted beat */
    if (clocks > 255)
        clocks = 255;
    out[0] = num;
    out[1] = pow2;
    out[2] = (uint8_t)clocks;
    out[3] = 8;
    return 0;
}

/* Sharps (negative: flats) of the major key on each tonic pitch class,
 * fewest accidentals; F#/Gb is resolved by the caller. */
static const int8_t major_sf[12] = {0, -5, 2, -3, 4, -1, 6, 1, -4, 3, -2, 5};

/* How many sharps fewer than the major key on the same tonic each mode
 * has, in cz_mode order; harmonic and melodic minor as natural minor. */
static const int8_t mode_shift[9] = {0, 2, 4, -1, 1, 3, 5, 3, 3};

/* 1 when the mode's third is minor. */
static const uint8_t mode_minor[9] = {0, 1, 1, 0, 0, 1, 1, 1, 1};

/* Parse "C", "F#", "Bb", "C##": letter, then any '#' or 'b'. Returns 0 and
 * the pitch class and sharps of the major key on it, or -1. */
static int parse_spelling(const char *s, int *pc, int *sf)
{
    static const char letters[] = "CDEFGAB";
    static const int letter_pc[7] = {0, 2, 4, 5, 7, 9, 11};
    static const int letter_sf[7] = {0, 2, 4, -1, 1, 3, 5};
    if (!s || !*s)
        return -1;
    char c = *s;
    if (c >= 'a' && c <= 'g')
        c = (char)(c - 'a' + 'A');
    const char *at = strchr(letters, c);
    if (!at || !c)
        return -1;
    int li = (int)(at - letters), acc = 0;
    for (s++; *s; s++) {
        if (*s == '#')
            acc++;
        else if (*s == 'b')
            acc--;
        else
            return -1;
        if (acc > 2 || acc < -2)
            return -1;
    }
    *pc = ((letter_pc[li] + acc) % 12 + 12) % 12;
    *sf = letter_sf[li] + 7 * acc;
    return 0;
}

int midi_key_signature(uint8_t tonic, uint8_t mode, const char *spelling,
                       int8_t *sf, uint8_t *mi, cz_error *err)
{
    if (tonic > 11)
        return cz_err(err, CZ_EINVAL,
                      "finalization.midi: score key_tonic %u is not a pitch "
                      "class (0..11)", tonic);
    if (mode > CZ_MODE_MELODIC_MINOR)
        return cz_err(err, CZ_EINVAL,
                      "finalization.midi: score mode %u is not a cz_mode "
                      "(0..%d)", mode, (int)CZ_MODE_MELODIC_MINOR);
    *mi = mode_minor[mode];

    int pc, major;
    if (parse_spelling(spelling, &pc, &major) == 0 && pc == tonic) {
        int v = major - mode_shift[mode];
        if (v >= -7 && v <= 7) {
            *sf = (int8_t)v;
            return 0;
        }
    }
    int v = major_sf[tonic] - mode_shift[mode];
    v = ((v + 6) % 12 + 12) % 12 - 6; /* -6 .. 5, enharmonic (12 fifths) */
    if (v == -6 && !mode_minor[mode])
        v = 6;
    *sf = (int8_t)v;
    return 0;
}
