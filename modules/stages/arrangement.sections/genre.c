/*
 * genre.c - what a genre means to an arranger: its usual form, drum groove,
 * percussion, fills, swing and which layers (pads, arps, counter-lines)
 * carry which sections. The table is constant; lookup normalises the
 * spec's genre/subgenre and tries exact aliases, then substrings.
 */
#include <string.h>

#include "arr.h"

#define POP_FORM \
    "intro verse prechorus chorus verse prechorus chorus bridge chorus outro"
#define SONG_FORM "intro verse chorus verse chorus bridge chorus outro"
#define EDM_FORM "intro build drop breakdown build drop outro"
#define RAP_FORM "intro verse chorus verse chorus outro"

/* genres[] rows, so the alias table can name them */
enum {
    GN_POP, GN_ROCK, GN_METAL, GN_HOUSE, GN_TECHNO, GN_TRANCE, GN_DISCO,
    GN_HIPHOP, GN_LOFI, GN_TRAP, GN_DNB, GN_REGGAE, GN_JAZZ, GN_FUNK, GN_RNB,
    GN_BLUES, GN_SYNTHWAVE, GN_AMBIENT, GN_CINEMATIC, GN_BOSSA, GN_FOLK,
    GN_DUBSTEP, GN_CHIPTUNE,
    GN_COUNT
};

/* What each genre does; fields as in arr.h. Zero fields: straight 16ths
 * swing off, not a dance-music build/drop genre, pads only in quiet
 * sections, arps only in choruses, counter-line only in the final chorus. */
static const arr_genre genres[GN_COUNT] = {
    [GN_POP] = {.id = "pop", .groove = GRV_POP, .perc = PERC_TAMB,
        .fill = FILL_TOMS, .drum_cap = 3, .pad_mode = 1, .arp_div = 2,
        .counter_mode = 1, .form = POP_FORM},
    [GN_ROCK] = {.id = "rock", .groove = GRV_ROCK, .perc = PERC_TAMB,
        .fill = FILL_TOMS, .drum_cap = 3, .arp_div = 2, .form = SONG_FORM},
    [GN_METAL] = {.id = "metal", .groove = GRV_METAL, .perc = PERC_SHAKER,
        .fill = FILL_TOMS, .drum_cap = 3, .arp_div = 4, .form = SONG_FORM},
    [GN_HOUSE] = {.id = "house", .groove = GRV_HOUSE, .perc = PERC_CONGA,
        .fill = FILL_SNARE, .swing16 = 1, .edm = 1, .drum_cap = 3,
        .pad_mode = 1, .arp_mode = 1, .arp_div = 4, .counter_mode = 1,
        .form = EDM_FORM},
    [GN_TECHNO] = {.id = "techno", .groove = GRV_TECHNO, .perc = PERC_SHAKER,
        .fill = FILL_SNARE, .edm = 1, .drum_cap = 3, .arp_mode = 1,
        .arp_div = 4, .form = EDM_FORM},
    [GN_TRANCE] = {.id = "trance", .groove = GRV_TRANCE, .perc = PERC_SHAKER,
        .fill = FILL_SNARE, .edm = 1, .drum_cap = 3, .pad_mode = 2,
        .arp_mode = 2, .arp_div = 4, .counter_mode = 1, .form = EDM_FORM},
    [GN_DISCO] = {.id = "disco", .groove = GRV_DISCO, .perc = PERC_CONGA,
        .fill = FILL_SNARE, .drum_cap = 3, .pad_mode = 1, .arp_mode = 1,
        .arp_div = 4, .counter_mode = 1, .form = SONG_FORM},
    [GN_HIPHOP] = {.id = "hiphop", .groove = GRV_BOOMBAP, .perc = PERC_SHAKER,
        .fill = FILL_SOFT, .swing16 = 1, .drum_cap = 3, .arp_div = 2,
        .form = RAP_FORM},
    [GN_LOFI] = {.id = "lofi", .groove = GRV_LOFI, .perc = PERC_SHAKER,
        .fill = FILL_SOFT, .swing16 = 1, .drum_cap = 2, .pad_mode = 2,
        .arp_div = 2, .form = "intro verse chorus verse chorus outro"},
    [GN_TRAP] = {.id = "trap", .groove = GRV_TRAP, .perc = PERC_SHAKER,
        .fill = FILL_TRAP, .drum_cap = 3, .pad_mode = 1, .arp_div = 4,
        .form = RAP_FORM},
    [GN_DNB] = {.id = "dnb", .groove = GRV_DNB, .perc = PERC_SHAKER,
        .fill = FILL_SNARE, .edm = 1, .drum_cap = 3, .pad_mode = 1,
        .arp_mode = 1, .arp_div = 4, .form = EDM_FORM},
    [GN_REGGAE] = {.id = "reggae", .groove = GRV_ONEDROP, .perc = PERC_SHAKER,
        .fill = FILL_TOMS, .drum_cap = 3, .arp_div = 2, .form = SONG_FORM},
    [GN_JAZZ] = {.id = "jazz", .groove = GRV_JAZZ, .perc = PERC_SHAKER,
        .fill = FILL_JAZZ, .drum_cap = 2, .arp_div = 2,
        .form = "intro verse verse bridge verse outro"},
    [GN_FUNK] = {.id = "funk", .groove = GRV_FUNK, .perc = PERC_COWBELL,
        .fill = FILL_TOMS, .swing16 = 1, .drum_cap = 3, .arp_div = 4,
        .counter_mode = 1, .form = SONG_FORM},
    [GN_RNB] = {.id = "rnb", .groove = GRV_RNB, .perc = PERC_TAMB,
        .fill = FILL_SOFT, .swing16 = 1, .drum_cap = 3, .pad_mode = 1,
        .arp_div = 2, .counter_mode = 1, .form = POP_FORM},
    [GN_BLUES] = {.id = "blues", .groove = GRV_SHUFFLE, .perc = PERC_TAMB,
        .fill = FILL_TOMS, .drum_cap = 3, .arp_div = 2,
        .form = "intro verse verse chorus verse chorus outro"},
    [GN_SYNTHWAVE] = {.id = "synthwave", .groove = GRV_SYNTHWAVE,
        .perc = PERC_TAMB, .fill = FILL_TOMS, .drum_cap = 3, .pad_mode = 1,
        .arp_mode = 2, .arp_div = 4, .counter_mode = 1, .form = SONG_FORM},
    [GN_AMBIENT] = {.id = "ambient", .groove = GRV_AMBIENT,
        .perc = PERC_SHAKER, .fill = FILL_SOFT, .drum_cap = 1, .pad_mode = 2,
        .arp_mode = 2, .arp_div = 2, .counter_mode = 2,
        .form = "intro verse breakdown verse outro"},
    [GN_CINEMATIC] = {.id = "cinematic", .groove = GRV_CINEMATIC,
        .perc = PERC_SHAKER, .fill = FILL_SOFT, .drum_cap = 3, .pad_mode = 2,
        .arp_mode = 1, .arp_div = 4, .counter_mode = 2,
        .form = "intro verse build chorus breakdown chorus outro"},
    [GN_BOSSA] = {.id = "bossa", .groove = GRV_BOSSA, .perc = PERC_CONGA,
        .fill = FILL_SOFT, .drum_cap = 2, .arp_div = 2,
        .form = "intro verse chorus verse chorus outro"},
    [GN_FOLK] = {.id = "folk", .groove = GRV_FOLK, .perc = PERC_TAMB,
        .fill = FILL_SOFT, .drum_cap = 2, .arp_div = 2, .counter_mode = 1,
        .form = SONG_FORM},
    [GN_DUBSTEP] = {.id = "dubstep", .groove = GRV_DUBSTEP,
        .perc = PERC_SHAKER, .fill = FILL_SNARE, .edm = 1, .drum_cap = 3,
        .pad_mode = 1, .arp_mode = 1, .arp_div = 4, .form = EDM_FORM},
    [GN_CHIPTUNE] = {.id = "chiptune", .groove = GRV_POP, .perc = PERC_SHAKER,
        .fill = FILL_SNARE, .drum_cap = 3, .arp_mode = 2, .arp_div = 4,
        .counter_mode = 1, .form = SONG_FORM},
};

/* alias -> genres[] row; normalised (lower case, [a-z0-9] only). */
static const struct alias {
    const char *name;
    uint8_t genre;
} aliases[] = {
    {"pop", GN_POP}, {"synthpop", GN_POP}, {"indiepop", GN_POP},
    {"kpop", GN_POP}, {"jpop", GN_POP}, {"dancepop", GN_POP},
    {"electropop", GN_POP}, {"ballad", GN_POP}, {"rock", GN_ROCK},
    {"indierock", GN_ROCK}, {"alternative", GN_ROCK}, {"altrock", GN_ROCK},
    {"punk", GN_ROCK}, {"poprock", GN_ROCK}, {"grunge", GN_ROCK},
    {"indie", GN_ROCK}, {"shoegaze", GN_ROCK}, {"metal", GN_METAL},
    {"heavymetal", GN_METAL}, {"hardrock", GN_METAL}, {"house", GN_HOUSE},
    {"deephouse", GN_HOUSE}, {"edm", GN_HOUSE}, {"dance", GN_HOUSE},
    {"electronic", GN_HOUSE}, {"garage", GN_HOUSE}, {"electro", GN_HOUSE},
    {"techno", GN_TECHNO}, {"minimaltechno", GN_TECHNO},
    {"industrial", GN_TECHNO}, {"trance", GN_TRANCE}, {"psytrance", GN_TRANCE},
    {"progressivehouse", GN_TRANCE}, {"eurodance", GN_TRANCE},
    {"disco", GN_DISCO}, {"nudisco", GN_DISCO}, {"hiphop", GN_HIPHOP},
    {"boombap", GN_HIPHOP}, {"rap", GN_HIPHOP}, {"lofi", GN_LOFI},
    {"lofihiphop", GN_LOFI}, {"chillhop", GN_LOFI}, {"chill", GN_LOFI},
    {"trap", GN_TRAP}, {"drill", GN_TRAP}, {"phonk", GN_TRAP}, {"dnb", GN_DNB},
    {"drumandbass", GN_DNB}, {"drumnbass", GN_DNB}, {"drumbass", GN_DNB},
    {"jungle", GN_DNB}, {"liquid", GN_DNB}, {"neurofunk", GN_DNB},
    {"breakbeat", GN_DNB}, {"reggae", GN_REGGAE}, {"dub", GN_REGGAE},
    {"ska", GN_REGGAE}, {"dancehall", GN_REGGAE}, {"jazz", GN_JAZZ},
    {"swing", GN_JAZZ}, {"bebop", GN_JAZZ}, {"bigband", GN_JAZZ},
    {"smoothjazz", GN_JAZZ}, {"jazzfusion", GN_JAZZ}, {"funk", GN_FUNK},
    {"rnb", GN_RNB}, {"rb", GN_RNB}, {"soul", GN_RNB}, {"neosoul", GN_RNB},
    {"gospel", GN_RNB}, {"blues", GN_BLUES}, {"shuffle", GN_BLUES},
    {"rockabilly", GN_BLUES}, {"synthwave", GN_SYNTHWAVE},
    {"retrowave", GN_SYNTHWAVE}, {"outrun", GN_SYNTHWAVE},
    {"darksynth", GN_SYNTHWAVE}, {"vaporwave", GN_SYNTHWAVE},
    {"80s", GN_SYNTHWAVE}, {"ambient", GN_AMBIENT}, {"drone", GN_AMBIENT},
    {"newage", GN_AMBIENT}, {"meditation", GN_AMBIENT},
    {"downtempo", GN_AMBIENT}, {"chillout", GN_AMBIENT},
    {"cinematic", GN_CINEMATIC}, {"orchestral", GN_CINEMATIC},
    {"soundtrack", GN_CINEMATIC}, {"score", GN_CINEMATIC},
    {"epic", GN_CINEMATIC}, {"trailer", GN_CINEMATIC},
    {"classical", GN_CINEMATIC}, {"film", GN_CINEMATIC}, {"bossa", GN_BOSSA},
    {"bossanova", GN_BOSSA}, {"latin", GN_BOSSA}, {"samba", GN_BOSSA},
    {"dubstep", GN_DUBSTEP}, {"brostep", GN_DUBSTEP}, {"riddim", GN_DUBSTEP},
    {"chiptune", GN_CHIPTUNE}, {"8bit", GN_CHIPTUNE},
    {"chipmusic", GN_CHIPTUNE}, {"videogame", GN_CHIPTUNE}, {"folk", GN_FOLK},
    {"country", GN_FOLK}, {"acoustic", GN_FOLK}, {"americana", GN_FOLK},
    {"bluegrass", GN_FOLK}, {"singersongwriter", GN_FOLK},
};

void arr_norm(const char *s, char *out, size_t n)
{
    size_t k = 0;
    if (!n)
        return;
    for (; s && *s && k + 1 < n; s++) {
        char ch = *s;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
            out[k++] = ch;
    }
    out[k] = 0;
}

static int lookup_exact(const char *norm)
{
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(aliases[i].name, norm))
            return aliases[i].genre;
    return -1;
}

/* The longest alias that occurs inside norm ("deepminimaltechno"). */
static int lookup_within(const char *norm)
{
    int best = -1;
    size_t best_len = 2; /* ignore one/two-letter aliases here */
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        size_t len = strlen(aliases[i].name);
        if (len > best_len && strstr(norm, aliases[i].name)) {
            best = aliases[i].genre;
            best_len = len;
        }
    }
    return best;
}

const arr_genre *arr_genre_find(const char *genre, const char *subgenre,
                                int *matched)
{
    char g[64], s[64];
    arr_norm(genre, g, sizeof g);
    arr_norm(subgenre, s, sizeof s);
    int idx = -1;
    if (s[0])
        idx = lookup_exact(s);
    if (idx < 0 && g[0])
        idx = lookup_exact(g);
    if (idx < 0 && s[0])
        idx = lookup_within(s);
    if (idx < 0 && g[0])
        idx = lookup_within(g);
    if (matched)
        *matched = idx >= 0;
    return &genres[idx >= 0 ? idx : 0];
}
