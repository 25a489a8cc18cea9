/*
 * presets.c - mix presets: a role table per genre family, and one row per
 * genre that picks a family and sets what differs (level offsets,
 * sidechain, reverb and delay character, send amounts, tone).
 *
 * A role row: fader dB, pan, EQ bands, compressor (threshold relative to
 * the gain-staged level, ratio, attack ms, release ms, knee dB, makeup dB,
 * detector), reverb send, delay send (post-fader, linear) and the share of
 * the sidechain depth the role takes. Roles are cz_role order.
 */
#include <ctype.h>
#include <string.h>

#include "console.h"

#define HP(f, q) {"highpass", f, 0, q}
#define LP(f, q) {"lowpass", f, 0, q}
#define PK(f, g, q) {"peak", f, g, q}
#define LS(f, g) {"lowshelf", f, g, 0.7071f}
#define HS(f, g) {"highshelf", f, g, 0.7071f}
#define C(t, r, a, rl, k, m, d) {t, r, a, rl, k, m, d}
#define RMS 1
#define PEAK 0

/* Gain-staging targets (gated RMS dBFS) by role: loud enough to use the
 * float headroom well, quiet enough that eight stems sum to a mix with its
 * peaks near -8 dBFS (a mix RMS near -20 dBFS), leaving mastering the loudness. */
static const float target_db[CZ_ROLE_COUNT] = {
    [CZ_ROLE_OTHER] = -32, [CZ_ROLE_DRUMS] = -26, [CZ_ROLE_PERC] = -33,
    [CZ_ROLE_BASS] = -28,  [CZ_ROLE_CHORDS] = -30, [CZ_ROLE_PAD] = -32,
    [CZ_ROLE_LEAD] = -28,  [CZ_ROLE_COUNTER] = -31, [CZ_ROLE_ARP] = -32,
    [CZ_ROLE_FX] = -36,
};

/* Electronic: tight low end carved for the kick, bright tops, pumping. */
static const role_preset electronic[CZ_ROLE_COUNT] = {
    [CZ_ROLE_OTHER] = {0, 0, {HP(80, 0.7f)}, C(4, 2, 15, 150, 6, 0, RMS), 0.20f, 0.10f, 0.5f},
    [CZ_ROLE_DRUMS] = {0, 0, {HP(28, 0.7f), PK(60, 2, 1), HS(9000, 2)}, C(5, 4, 4, 80, 6, 1, PEAK), 0.06f, 0, 0},
    [CZ_ROLE_PERC] = {0, 0.35f, {HP(250, 0.7f), HS(9000, 2)}, C(5, 3, 3, 60, 6, 0.5f, PEAK), 0.15f, 0.08f, 0.3f},
    [CZ_ROLE_BASS] = {0, 0, {HP(30, 0.7f), PK(250, -3, 1.2f)}, C(2, 4, 10, 120, 6, 1.5f, RMS), 0, 0, 1},
    [CZ_ROLE_CHORDS] = {0, -0.25f, {HP(160, 0.7f), PK(400, -2, 1)}, C(4, 2.5f, 15, 150, 6, 0.5f, RMS), 0.20f, 0.12f, 0.6f},
    [CZ_ROLE_PAD] = {0, 0, {HP(180, 0.7f), HS(10000, -2)}, C(5, 2, 30, 250, 8, 0, RMS), 0.35f, 0.10f, 1},
    [CZ_ROLE_LEAD] = {1, 0.05f, {HP(150, 0.7f), PK(3000, 2, 1)}, C(3, 3, 8, 120, 6, 1, RMS), 0.25f, 0.25f, 0},
    [CZ_ROLE_COUNTER] = {0, -0.40f, {HP(200, 0.7f), PK(2500, 1, 1)}, C(4, 2.5f, 10, 150, 6, 0.5f, RMS), 0.25f, 0.20f, 0.3f},
    [CZ_ROLE_ARP] = {0, 0.40f, {HP(250, 0.7f), HS(8000, 1.5f)}, C(4, 2.5f, 5, 100, 6, 0.5f, PEAK), 0.25f, 0.30f, 0.7f},
    [CZ_ROLE_FX] = {0, 0, {HP(200, 0.7f)}, C(6, 2, 20, 250, 8, 0, RMS), 0.45f, 0.20f, 0.5f},
};

/* Band: guitars and keys spread, drums punchy, a medium room. */
static const role_preset band[CZ_ROLE_COUNT] = {
    [CZ_ROLE_OTHER] = {0, 0, {HP(80, 0.7f)}, C(4, 2, 15, 150, 6, 0, RMS), 0.18f, 0.05f, 0},
    [CZ_ROLE_DRUMS] = {0, 0, {HP(40, 0.7f), PK(4000, 1.5f, 1), PK(350, -2, 1.4f)}, C(5, 4, 8, 100, 6, 1, PEAK), 0.12f, 0, 0},
    [CZ_ROLE_PERC] = {0, 0.30f, {HP(200, 0.7f)}, C(5, 2.5f, 5, 80, 6, 0, PEAK), 0.18f, 0, 0},
    [CZ_ROLE_BASS] = {0, 0, {HP(35, 0.7f), PK(800, 1.5f, 1), PK(200, -1.5f, 1)}, C(2, 4, 15, 150, 6, 1.5f, RMS), 0, 0, 0},
    [CZ_ROLE_CHORDS] = {0, -0.45f, {HP(120, 0.7f), PK(300, -2, 1), PK(3000, 1.5f, 1)}, C(4, 3, 12, 150, 6, 0.5f, RMS), 0.18f, 0.05f, 0},
    [CZ_ROLE_PAD] = {0, 0.20f, {HP(150, 0.7f)}, C(5, 2, 30, 250, 8, 0, RMS), 0.30f, 0.05f, 0},
    [CZ_ROLE_LEAD] = {1, 0, {HP(120, 0.7f), PK(3000, 2, 1)}, C(3, 3, 10, 120, 6, 1, RMS), 0.22f, 0.15f, 0},
    [CZ_ROLE_COUNTER] = {0, 0.45f, {HP(150, 0.7f)}, C(4, 2.5f, 10, 150, 6, 0.5f, RMS), 0.22f, 0.10f, 0},
    [CZ_ROLE_ARP] = {0, -0.35f, {HP(200, 0.7f)}, C(4, 2.5f, 5, 100, 6, 0.5f, PEAK), 0.20f, 0.15f, 0},
    [CZ_ROLE_FX] = {0, 0, {HP(200, 0.7f)}, C(6, 2, 20, 250, 8, 0, RMS), 0.40f, 0.15f, 0},
};

/* Urban: big low end and dry, forward drums and lead. */
static const role_preset urban[CZ_ROLE_COUNT] = {
    [CZ_ROLE_OTHER] = {0, 0, {HP(80, 0.7f)}, C(4, 2, 15, 150, 6, 0, RMS), 0.12f, 0.08f, 0},
    [CZ_ROLE_DRUMS] = {0, 0, {HP(30, 0.7f), PK(80, 2, 1), HS(8000, 1.5f)}, C(5, 4, 6, 90, 6, 1, PEAK), 0.05f, 0, 0},
    [CZ_ROLE_PERC] = {0, -0.30f, {HP(250, 0.7f)}, C(5, 3, 3, 60, 6, 0, PEAK), 0.10f, 0.05f, 0},
    [CZ_ROLE_BASS] = {0, 0, {HP(25, 0.7f), PK(55, 2, 1)}, C(2, 3, 12, 150, 6, 1, RMS), 0, 0, 0.5f},
    [CZ_ROLE_CHORDS] = {0, -0.30f, {HP(180, 0.7f), PK(500, -2, 1)}, C(4, 2.5f, 15, 150, 6, 0.5f, RMS), 0.15f, 0.08f, 0},
    [CZ_ROLE_PAD] = {0, 0.20f, {HP(200, 0.7f), HS(9000, -2)}, C(5, 2, 30, 250, 8, 0, RMS), 0.25f, 0.05f, 0},
    [CZ_ROLE_LEAD] = {1, 0, {HP(120, 0.7f), PK(2500, 2, 1)}, C(3, 3.5f, 6, 100, 6, 1, RMS), 0.12f, 0.15f, 0},
    [CZ_ROLE_COUNTER] = {0, 0.40f, {HP(180, 0.7f)}, C(4, 2.5f, 10, 150, 6, 0.5f, RMS), 0.15f, 0.12f, 0},
    [CZ_ROLE_ARP] = {0, -0.40f, {HP(250, 0.7f)}, C(4, 2.5f, 5, 100, 6, 0.5f, PEAK), 0.15f, 0.15f, 0},
    [CZ_ROLE_FX] = {0, 0, {HP(200, 0.7f)}, C(6, 2, 20, 250, 8, 0, RMS), 0.30f, 0.15f, 0},
};

/* Acoustic: light compression, natural spread, a shared room or hall. */
static const role_preset acoustic[CZ_ROLE_COUNT] = {
    [CZ_ROLE_OTHER] = {0, 0, {HP(60, 0.7f)}, C(6, 1.5f, 25, 250, 10, 0, RMS), 0.25f, 0, 0},
    [CZ_ROLE_DRUMS] = {0, 0, {HP(40, 0.7f), PK(5000, 1, 0.8f)}, C(6, 2, 15, 150, 10, 0.5f, PEAK), 0.20f, 0, 0},
    [CZ_ROLE_PERC] = {0, 0.35f, {HP(150, 0.7f)}, C(6, 1.5f, 10, 150, 10, 0, PEAK), 0.25f, 0, 0},
    [CZ_ROLE_BASS] = {0, 0.05f, {HP(35, 0.7f), PK(180, -1.5f, 1)}, C(4, 2, 20, 200, 10, 0.5f, RMS), 0.08f, 0, 0},
    [CZ_ROLE_CHORDS] = {0, -0.30f, {HP(80, 0.7f), PK(250, -1.5f, 1)}, C(6, 1.5f, 25, 250, 10, 0, RMS), 0.28f, 0, 0},
    [CZ_ROLE_PAD] = {0, 0.25f, {HP(100, 0.7f)}, C(6, 1.5f, 40, 300, 10, 0, RMS), 0.35f, 0, 0},
    [CZ_ROLE_LEAD] = {1, 0.05f, {HP(90, 0.7f), PK(2500, 1, 1)}, C(5, 2, 15, 200, 10, 0.5f, RMS), 0.28f, 0.05f, 0},
    [CZ_ROLE_COUNTER] = {0, 0.45f, {HP(100, 0.7f)}, C(6, 1.5f, 20, 250, 10, 0, RMS), 0.28f, 0, 0},
    [CZ_ROLE_ARP] = {0, -0.45f, {HP(120, 0.7f)}, C(6, 1.5f, 15, 200, 10, 0, RMS), 0.28f, 0.05f, 0},
    [CZ_ROLE_FX] = {0, 0, {HP(150, 0.7f)}, C(6, 1.5f, 30, 300, 10, 0, RMS), 0.40f, 0.05f, 0},
};

/* Ambient: pads in front, everything in a large wet space. */
static const role_preset ambient[CZ_ROLE_COUNT] = {
    [CZ_ROLE_OTHER] = {0, 0, {HP(80, 0.7f)}, C(6, 1.5f, 30, 300, 10, 0, RMS), 0.45f, 0.25f, 0},
    [CZ_ROLE_DRUMS] = {-2, 0, {HP(40, 0.7f), HS(8000, -2)}, C(6, 2, 15, 150, 10, 0.5f, PEAK), 0.30f, 0.10f, 0},
    [CZ_ROLE_PERC] = {-1, 0.35f, {HP(200, 0.7f)}, C(6, 1.5f, 10, 150, 10, 0, PEAK), 0.40f, 0.20f, 0},
    [CZ_ROLE_BASS] = {-1, 0, {HP(30, 0.7f), LP(3000, 0.7f)}, C(4, 2, 25, 250, 10, 0.5f, RMS), 0.10f, 0, 0},
    [CZ_ROLE_CHORDS] = {0, -0.35f, {HP(120, 0.7f)}, C(6, 1.5f, 30, 300, 10, 0, RMS), 0.50f, 0.25f, 0},
    [CZ_ROLE_PAD] = {2, 0, {HP(100, 0.7f), HS(10000, -1)}, C(6, 1.5f, 50, 400, 10, 0, RMS), 0.55f, 0.20f, 0},
    [CZ_ROLE_LEAD] = {0, 0.10f, {HP(150, 0.7f)}, C(5, 2, 20, 250, 10, 0.5f, RMS), 0.50f, 0.35f, 0},
    [CZ_ROLE_COUNTER] = {0, 0.45f, {HP(150, 0.7f)}, C(6, 1.5f, 20, 300, 10, 0, RMS), 0.50f, 0.30f, 0},
    [CZ_ROLE_ARP] = {0, -0.45f, {HP(200, 0.7f)}, C(6, 1.5f, 15, 250, 10, 0, RMS), 0.45f, 0.40f, 0},
    [CZ_ROLE_FX] = {0, 0, {HP(150, 0.7f)}, C(6, 1.5f, 40, 400, 10, 0, RMS), 0.60f, 0.30f, 0},
};

/* Genre rows. role_db order: other drums perc bass chords pad lead counter
 * arp fx. */
#define DB(o, d, pc, b, c, pd, l, ct, a, fx) {o, d, pc, b, c, pd, l, ct, a, fx}
static const genre_preset genres[] = {
    /* id, aliases, family, offsets, sidechain, duck dB, duck beats,
     * t60, hf, predelay, size, delay beats, feedback, rv scale, dl scale, tone */
    {"default", "default", band, DB(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
     0, -6, 0.5f, 1.6f, 0.5f, 15, 1.0f, 0.75f, 0.30f, 1.0f, 1.0f, 0},
    {"pop", "pop dancepop electropop kpop indiepop synthpop", band,
     DB(0, 0, 0, 0, -0.5f, -1, 1, 0, 0, 0),
     0, -6, 0.5f, 1.8f, 0.5f, 20, 1.0f, 0.75f, 0.30f, 1.0f, 1.0f, 0},
    {"rock", "rock indierock alternative altrock punk poprock grunge", band,
     DB(0, 1, 0, 0, 0.5f, -1, 0, 0, 0, 0),
     0, -6, 0.5f, 1.4f, 0.4f, 10, 0.9f, 0.50f, 0.25f, 0.8f, 0.6f, 0},
    {"metal", "metal heavymetal metalcore hardrock", band,
     DB(0, 1, 0, 0.5f, 1, -2, 0, 0, 0, 0),
     0, -6, 0.5f, 1.2f, 0.4f, 8, 0.8f, 0.50f, 0.20f, 0.6f, 0.4f, 0},
    {"country", "country americana bluegrass", acoustic,
     DB(0, 0, 0, 0, 0, -1, 1, 0, 0, 0),
     0, -6, 0.5f, 1.5f, 0.55f, 15, 0.9f, 0.50f, 0.20f, 0.9f, 0.6f, 0},
    {"hiphop", "hiphop hip hop rap trap boombap drill", urban,
     DB(0, 1, 0, 1.5f, -1, -1, 1, 0, 0, 0),
     0, -6, 0.5f, 1.2f, 0.45f, 10, 0.8f, 0.50f, 0.25f, 0.7f, 0.8f, 0},
    {"rnb", "rnb randb soul neosoul funk", urban,
     DB(0, 0, 0, 1, 0, 0, 1, 0, 0, 0),
     0, -6, 0.5f, 2.0f, 0.55f, 25, 1.0f, 0.75f, 0.30f, 1.1f, 1.0f, 0},
    {"lofi", "lofi lofihiphop chillhop", urban,
     DB(0, 0, 0, 0.5f, 0, 0, -1, 0, 0, 0),
     0, -6, 0.5f, 1.6f, 0.35f, 15, 0.9f, 0.50f, 0.35f, 1.2f, 1.0f, 9000},
    {"edm", "edm electro electronic dubstep bigroom futurebass dance", electronic,
     DB(0, 1, 0, 1, 0, 0, 0, 0, 0, 0),
     1, -9, 0.5f, 2.2f, 0.5f, 25, 1.1f, 0.75f, 0.40f, 1.2f, 1.2f, 0},
    {"house", "house deephouse techhouse progressivehouse disco", electronic,
     DB(0, 1, 0, 0.5f, 0, 0, 0, 0, 0, 0),
     1, -8, 0.45f, 1.6f, 0.5f, 20, 1.0f, 0.75f, 0.35f, 1.0f, 1.0f, 0},
    {"techno", "techno minimaltechno industrial", electronic,
     DB(0, 1.5f, 0, 0.5f, -1, 0, -1, 0, 0, 0),
     1, -6, 0.4f, 1.8f, 0.4f, 10, 1.2f, 0.75f, 0.45f, 1.0f, 1.0f, 0},
    {"trance", "trance psytrance upliftingtrance", electronic,
     DB(0, 0.5f, 0, 0, 0, 1, 0.5f, 0, 0, 0),
     1, -8, 0.5f, 2.8f, 0.55f, 30, 1.3f, 0.75f, 0.45f, 1.4f, 1.3f, 0},
    {"synthwave", "synthwave retrowave outrun vaporwave darksynth", electronic,
     DB(0, 0.5f, 0, 0, 0, 0.5f, 0, 0, 0, 0),
     1, -5, 0.5f, 2.4f, 0.5f, 20, 1.2f, 0.75f, 0.40f, 1.3f, 1.2f, 0},
    {"dnb", "dnb drumandbass drumnbass jungle liquiddnb neurofunk", electronic,
     DB(0, 1, 0, 1, -1, 0, 0, 0, 0, 0),
     1, -5, 0.25f, 1.4f, 0.5f, 10, 0.9f, 0.75f, 0.35f, 0.9f, 0.9f, 0},
    {"jazz", "jazz swing bebop smoothjazz blues", acoustic,
     DB(0, -1, 0, 0, 0, 0, 0.5f, 0, 0, 0),
     0, -6, 0.5f, 1.8f, 0.6f, 20, 1.0f, 0.75f, 0.20f, 1.0f, 0.3f, 0},
    {"classical", "classical orchestral baroque romantic chamber piano", acoustic,
     DB(0, -2, 0, 0, 0, 0, 0, 0, 0, 0),
     0, -6, 0.5f, 2.6f, 0.65f, 30, 1.4f, 1.0f, 0.20f, 1.5f, 0, 0},
    {"folk", "folk acoustic singersongwriter indiefolk", acoustic,
     DB(0, -1, 0, 0, 0.5f, 0, 1, 0, 0, 0),
     0, -6, 0.5f, 1.5f, 0.6f, 15, 0.9f, 0.75f, 0.25f, 0.9f, 0.5f, 0},
    {"reggae", "reggae dub ska dancehall", urban,
     DB(0, 0, 0, 1.5f, 0, 0, 0, 0, 0, 0),
     0, -6, 0.5f, 1.6f, 0.5f, 15, 1.0f, 0.75f, 0.50f, 1.0f, 1.6f, 0},
    {"latin", "latin salsa bossanova bossa reggaeton cumbia samba", band,
     DB(0, 0, 1.5f, 0.5f, 0, -1, 0.5f, 0, 0, 0),
     0, -6, 0.5f, 1.5f, 0.55f, 15, 0.9f, 0.75f, 0.25f, 0.9f, 0.6f, 0},
    {"chiptune", "chiptune 8bit bitpop", electronic,
     DB(0, 0, 0, 0, 0, 0, 0.5f, 0, 0, 0),
     0, -6, 0.5f, 0.9f, 0.6f, 5, 0.7f, 0.75f, 0.25f, 0.4f, 0.6f, 0},
    {"ambient", "ambient chillout newage drone downtempo", ambient,
     DB(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
     0, -6, 0.5f, 4.5f, 0.55f, 40, 1.5f, 1.5f, 0.55f, 1.6f, 1.6f, 0},
    {"cinematic", "cinematic soundtrack filmscore epic trailer", ambient,
     DB(0, 1, 0, 0, 0, 1, 0, 0, 0, 0),
     0, -6, 0.5f, 3.2f, 0.6f, 30, 1.5f, 1.0f, 0.30f, 1.3f, 0.6f, 0},
};

#define N_GENRES (sizeof genres / sizeof genres[0])

float preset_target_db(cz_role role)
{
    return (unsigned)role < CZ_ROLE_COUNT ? target_db[role] : target_db[0];
}

const genre_preset *preset_default(void)
{
    return &genres[0];
}

const char *preset_id_at(int i)
{
    return i >= 0 && (size_t)i < N_GENRES ? genres[i].id : NULL;
}

/* Lower-case letters and digits only: "Drum & Bass" -> "drumbass". */
static void normalise(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; s && *s && n + 1 < size; s++)
        if (isalnum((unsigned char)*s))
            out[n++] = (char)tolower((unsigned char)*s);
    out[n] = 0;
}

const genre_preset *preset_find(const char *genre)
{
    char key[64];
    normalise(genre, key, sizeof key);
    if (!key[0])
        return NULL;
    if (!strcmp(key, "drumbass"))
        strcpy(key, "dnb");
    for (size_t i = 0; i < N_GENRES; i++) {
        const char *a = genres[i].aliases;
        size_t kl = strlen(key);
        while (*a) {
            size_t l = strcspn(a, " ");
            if (l == kl && !strncmp(a, key, l))
                return &genres[i];
            a += l;
            while (*a == ' ')
                a++;
        }
    }
    return NULL;
}
