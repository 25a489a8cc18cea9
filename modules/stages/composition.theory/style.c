/*
 * style.c - what each genre does with harmony, grooves and form.
 *
 * One row per style. The spec's subgenre and genre are matched against the
 * ids and aliases: whole names first (subgenre, then genre), then as
 * substrings (so "lo-fi hip hop" finds lofi before hiphop: order matters).
 * Unknown genres fall back to pop.
 *
 * Progressions are roman numerals (grammar in chord.c), cells split by '|';
 * a cell lasts `cell_bars` bars (the harmonic rhythm), and two chords in
 * one cell split it. Templates are the body of a section; the last cells
 * are then replaced by a cadence formula (cad_full ends on the tonic,
 * cad_half on the dominant or the mode's characteristic chord). Styles
 * without their own cadences use the mode group's below. The modes other
 * than major and minor use shared modal vamps (cmp_modal_templates).
 */
#include <ctype.h>
#include <string.h>

#include "cmp.h"

#define L(...) ((cmp_list)(const char *const[]){__VA_ARGS__, NULL})

/* intro verse pre chorus bridge solo breakdown build drop outro */
#define BARS_POP {4, 8, 4, 8, 8, 8, 8, 4, 8, 4}
#define BARS_LONGVERSE {4, 16, 4, 8, 8, 8, 8, 4, 8, 4}
#define BARS_EDM {8, 16, 8, 8, 8, 16, 8, 8, 16, 8}
#define BARS_BLUES {4, 12, 4, 12, 8, 12, 8, 4, 12, 4}

static const cmp_style STYLES[] = {
    {.id = "lofi", .aliases = L("lo-fi", "lo fi", "lofi hip hop", "chillhop", "study beats"),
     .prog = {{L("IVmaj7 | iii7 | ii7 | Imaj7", "Imaj7 | vi7 | ii7 | V7",
                 "ii9 | V9 | Imaj9 | vi9"),
               L("IVmaj7 | V7 | iii7 | vi7", "ii7 | V7 | Imaj7 | vi7"), NULL,
               L("vi7 | ii7 | IVmaj7 | V7")},
              {L("i7 | iv7 | VII7 | IIImaj7", "i9 | iv9 | i9 | iv9",
                 "VImaj7 | v7 | i7 | i7"),
               L("iv7 | v7 | VImaj7 | VII7", "i7 | iv7 | VII7 | IIImaj7"), NULL,
               L("VImaj7 | VII7 | IIImaj7 | V7")}},
     .cell_bars = 1, .seventh = 0.95f, .ninth = 0.35f, .secdom = 0.2f, .borrow = 0.15f,
     .bass = BASS_SUSTAIN, .comp = COMP_JAZZ, .density = -0.15f, .synco = 0.8f,
     .sixteenths = 0.3f, .longnotes = 0.7f, .swing = 0.3f, .tempo = 80,
     .chromatic_approach = 1, .bars = BARS_LONGVERSE},

    {.id = "trap", .aliases = L("drill", "phonk", "rage"),
     .prog = {{L("vi | IV | I | V", "vi | vi | IV | V"), NULL, NULL, NULL},
              {L("i | VI | iv | V", "i | VI | III | VII", "i | iv | VI | V",
                 "i | i | VI | VII"),
               L("i | VI | iv | V", "VI | VII | i | i"), NULL,
               L("iv | VI | i | V")}},
     .cell_bars = 2, .seventh = 0.2f, .ninth = 0.0f, .secdom = 0.0f, .borrow = 0.1f,
     .bass = BASS_TRESILLO, .comp = COMP_SUSTAIN, .density = -0.05f, .synco = 1.0f,
     .sixteenths = 0.9f, .longnotes = 0.3f, .swing = 0.0f, .tempo = 140, .minor = 1,
     .bars = BARS_LONGVERSE},

    {.id = "hiphop", .aliases = L("hip hop", "hip-hop", "rap", "boom bap", "boombap"),
     .prog = {{L("Imaj7 | vi7 | ii7 | V7", "ii7 | V7 | Imaj7 | vi7",
                 "IVmaj7 | iii7 | vi7 | vi7"), NULL, NULL, NULL},
              {L("i7 | iv7 | i7 | iv7", "i7 | VImaj7 | iv7 | v7", "i7 | i7 | VI7 | V7"),
               L("VImaj7 | iv7 | i7 | v7", "i7 | iv7 | VImaj7 | V7"), NULL, NULL}},
     .cell_bars = 1, .seventh = 0.7f, .ninth = 0.15f, .secdom = 0.1f, .borrow = 0.1f,
     .bass = BASS_POP, .comp = COMP_SUSTAIN, .density = 0.0f, .synco = 0.9f,
     .sixteenths = 0.7f, .longnotes = 0.3f, .swing = 0.25f, .tempo = 90, .minor = 1,
     .chromatic_approach = 1, .bars = BARS_LONGVERSE},

    {.id = "jazz", .aliases = L("swing", "bebop", "big band", "jazz standard", "cool jazz"),
     .prog = {{L("Imaj7 | vi7 | ii7 | V7", "ii7 V7 | Imaj7 | ii7 V7 | Imaj7",
                 "Imaj7 | V7/ii | ii7 | V7", "iii7 V7/ii | ii7 V7 | Imaj7 vi7 | ii7 V7"),
               L("IVmaj7 | iii7 vi7 | ii7 | V7", "Imaj7 | IVmaj7 | iii7 vi7 | ii7 V7",
                 "ii7 | V7 | Imaj7 | V7/ii"),
               L("ii7 | V7 | ii7 | V7"),
               L("iv7 | bVII7 | Imaj7 | Imaj7", "V7/IV | IVmaj7 | V7/V | V7",
                 "iii7 | V7/ii | ii7 | V7")},
              {L("i7 | iv7 | VII7 | IIImaj7", "iih7 V7 | i7 | iih7 V7 | i7",
                 "i7 | VImaj7 | iih7 | V7"),
               L("iv7 | VII7 | IIImaj7 | VImaj7", "i7 | iv7 | iih7 V7 | i7"),
               L("iih7 | V7 | iih7 | V7"),
               L("IIImaj7 | VImaj7 | iih7 | V7")}},
     .cad_full = {L("ii7 V7 | Imaj7", "ii7 bII7 | Imaj7", "IVmaj7 V7 | Imaj7"),
                  L("iih7 V7 | i7", "iv7 V7 | i7")},
     .cad_half = {L("ii7 | V7", "vi7 | ii7 | V7"), L("iih7 | V7", "iv7 | V7")},
     .cell_bars = 1, .seventh = 1.0f, .ninth = 0.35f, .secdom = 0.5f, .borrow = 0.2f,
     .bass = BASS_WALKING, .comp = COMP_JAZZ, .density = 0.05f, .synco = 0.7f,
     .sixteenths = 0.1f, .longnotes = 0.4f, .swing = 0.6f, .tempo = 130,
     .chromatic_approach = 1, .bars = BARS_POP},

    {.id = "bossa", .aliases = L("bossa nova", "samba", "latin jazz", "latin", "salsa"),
     .prog = {{L("Imaj7 | V7/V | ii7 | V7", "Imaj7 | vi7 | ii7 | V7",
                 "ii7 | V7 | Imaj7 | Imaj7"),
               L("IVmaj7 | iv7 | iii7 | V7/ii", "ii7 | V7 | iii7 | vi7"), NULL, NULL},
              {L("i7 | iv7 | iih7 | V7", "i7 | VImaj7 | iih7 | V7"),
               L("iv7 | VII7 | IIImaj7 | VImaj7"), NULL, NULL}},
     .cad_full = {L("ii7 V7 | Imaj7", "ii7 bII7 | Imaj7"), L("iih7 V7 | i7")},
     .cad_half = {L("ii7 | V7"), L("iih7 | V7")},
     .cell_bars = 1, .seventh = 0.9f, .ninth = 0.3f, .secdom = 0.4f, .borrow = 0.2f,
     .bass = BASS_BOSSA, .comp = COMP_JAZZ, .density = 0.0f, .synco = 0.8f,
     .sixteenths = 0.2f, .longnotes = 0.5f, .swing = 0.0f, .tempo = 128,
     .chromatic_approach = 0, .bars = BARS_POP},

    {.id = "blues", .aliases = L("delta blues", "chicago blues", "boogie", "shuffle",
                                 "rock and roll", "rock n roll", "rockabilly"),
     .prog = {{L("I7 | IV7 | I7 | I7 | IV7 | IV7 | I7 | I7 | V7 | IV7 | I7 | V7",
                 "I7 | I7 | I7 | I7 | IV7 | IV7 | I7 | I7 | V7 | IV7 | I7 | V7"),
               NULL, L("IV7 | IV7 | I7 | V7"),
               L("IV7 | IV7 | I7 | I7 | IV7 | IV7 | V7 | V7")},
              {L("i7 | iv7 | i7 | i7 | iv7 | iv7 | i7 | i7 | VI7 | V7 | i7 | V7"),
               NULL, L("iv7 | iv7 | i7 | V7"),
               L("iv7 | iv7 | i7 | i7 | iv7 | iv7 | V7 | V7")}},
     .cad_full = {L("V7 | IV7 | I7 | I7"), L("VI7 | V7 | i7 | i7")},
     .cad_half = {L("V7 | IV7 | I7 | V7"), L("VI7 | V7 | i7 | V7")},
     .cell_bars = 1, .seventh = 1.0f, .ninth = 0.0f, .secdom = 0.0f, .borrow = 0.0f,
     .bass = BASS_BOOGIE, .comp = COMP_BACKBEAT, .density = -0.05f, .synco = 0.6f,
     .sixteenths = 0.1f, .longnotes = 0.5f, .swing = 0.55f, .tempo = 92,
     .chromatic_approach = 1, .bars = BARS_BLUES},

    {.id = "funk", .aliases = L("p-funk", "funky", "jazz funk"),
     .prog = {{L("I9 | I9 | IV9 | IV9", "I7 | I7 | I7 | IV7", "I7 | IV7 | I7 | IV7"),
               L("IV9 | IV9 | I9 | I9", "ii7 | V7 | I7 | I7"), NULL,
               L("iii7 | vi7 | ii7 | V7")},
              {L("i7 | IV7 | i7 | IV7", "i7 | i7 | iv7 | VII7", "i9 | i9 | IV9 | IV9"),
               L("iv7 | VII7 | i7 | i7", "i7 | IV7 | VII7 | i7"), NULL,
               L("IIImaj7 | VImaj7 | iv7 | V7")}},
     .cell_bars = 1, .seventh = 1.0f, .ninth = 0.4f, .secdom = 0.1f, .borrow = 0.1f,
     .bass = BASS_FUNK, .comp = COMP_FUNK, .density = 0.1f, .synco = 1.0f,
     .sixteenths = 0.9f, .longnotes = 0.1f, .swing = 0.1f, .tempo = 104,
     .chromatic_approach = 1, .bars = BARS_POP},

    {.id = "disco", .aliases = L("nu disco", "nu-disco", "boogie funk"),
     .prog = {{L("I | vi | ii | V", "ii7 | V7 | Imaj7 | vi7", "IVmaj7 | iii7 | ii7 | V7"),
               NULL, NULL, NULL},
              {L("i7 | iv7 | i7 | iv7", "i7 | VII | VI | V", "iv7 | v7 | VImaj7 | VII")},
              },
     .cell_bars = 1, .seventh = 0.6f, .ninth = 0.1f, .secdom = 0.25f, .borrow = 0.15f,
     .bass = BASS_OCTAVE8, .comp = COMP_OFFBEAT, .density = 0.1f, .synco = 0.8f,
     .sixteenths = 0.5f, .longnotes = 0.2f, .tempo = 118, .chromatic_approach = 0,
     .bars = BARS_POP},

    {.id = "rnb", .aliases = L("r&b", "r and b", "soul", "neo soul", "neo-soul", "gospel",
                               "motown", "contemporary r&b"),
     .prog = {{L("Imaj7 | vi7 | ii7 | V7", "IVmaj7 | iii7 | ii7 | Imaj7",
                 "ii7 | iii7 | IVmaj7 | V7"),
               L("IVmaj7 | V7/vi | vi7 | V7", "vi7 | ii7 | V7 | Imaj7",
                 "IVmaj7 | V7 | iii7 | vi7"),
               L("ii7 | iii7 | IVmaj7 | V7sus4"), L("iii7 | vi7 | ii7 | V7")},
              {L("i7 | iv7 | VII7 | IIImaj7", "VImaj7 | iv7 | i7 | V7"),
               L("iv7 | v7 | VImaj7 | VII7", "VImaj7 | VII7 | i7 | i7"), NULL,
               L("IIImaj7 | VImaj7 | iv7 | V7")}},
     .cell_bars = 1, .seventh = 0.9f, .ninth = 0.35f, .secdom = 0.35f, .borrow = 0.25f,
     .bass = BASS_POP, .comp = COMP_SUSTAIN, .density = 0.0f, .synco = 0.8f,
     .sixteenths = 0.6f, .longnotes = 0.4f, .swing = 0.15f, .tempo = 86,
     .chromatic_approach = 1, .bars = BARS_POP},

    {.id = "house", .aliases = L("deep house", "tech house", "garage", "uk garage",
                                 "progressive house"),
     .prog = {{L("vi7 | IVmaj7 | Imaj7 | V", "ii7 | iii7 | IVmaj7 | iii7",
                 "I | vi | IV | V"), NULL, NULL, NULL},
              {L("i7 | iv7 | i7 | iv7", "i7 | VImaj7 | iv7 | v7", "i7 | VII | VI | VII"),
               NULL, NULL, L("VImaj7 | iv7 | VII | VII")}},
     .cell_bars = 1, .seventh = 0.7f, .ninth = 0.2f, .secdom = 0.05f, .borrow = 0.1f,
     .bass = BASS_OFFBEAT, .comp = COMP_OFFBEAT, .density = 0.0f, .synco = 0.8f,
     .sixteenths = 0.5f, .longnotes = 0.3f, .tempo = 124, .minor = 1, .bars = BARS_EDM},

    {.id = "techno", .aliases = L("minimal", "industrial techno", "acid"),
     .prog = {{L("I | I | IV | IV", "I | bVII | I | bVII"), NULL, NULL, NULL},
              {L("i | i | VI | VI", "i | VII | i | VII", "i | iv | i | iv"), NULL, NULL,
               L("VI | VII | iv | iv")}},
     .cell_bars = 2, .seventh = 0.4f, .ninth = 0.0f, .secdom = 0.0f, .borrow = 0.05f,
     .bass = BASS_OFFBEAT, .comp = COMP_OFFBEAT, .density = -0.1f, .synco = 0.8f,
     .sixteenths = 0.7f, .longnotes = 0.3f, .tempo = 130, .minor = 1, .bars = BARS_EDM},

    {.id = "trance", .aliases = L("progressive trance", "psytrance", "uplifting"),
     .prog = {{L("vi | IV | I | V", "I | V | vi | IV", "IV | V | vi | vi"), NULL, NULL, NULL},
              {L("i | VI | III | VII", "VI | VII | i | i", "i | VII | VI | VII"),
               L("VI | VII | i | III", "i | VI | III | VII"), NULL,
               L("iv | VI | VII | VII")}},
     .cell_bars = 2, .seventh = 0.1f, .ninth = 0.0f, .secdom = 0.05f, .borrow = 0.1f,
     .bass = BASS_OFFBEAT, .comp = COMP_PULSE8, .density = 0.1f, .synco = 0.5f,
     .sixteenths = 0.6f, .longnotes = 0.3f, .tempo = 138, .minor = 1, .bars = BARS_EDM},

    {.id = "dubstep", .aliases = L("drum and bass", "drum & bass", "dnb", "d&b",
                                   "jungle", "bass music", "riddim", "neurofunk"),
     .prog = {{L("vi | IV | I | V"), NULL, NULL, NULL},
              {L("i | VI | iv | V", "i | VI | III | VII", "i | VII | VI | V"), NULL, NULL,
               L("VI | iv | VII | V")}},
     .cell_bars = 2, .seventh = 0.15f, .ninth = 0.0f, .secdom = 0.0f, .borrow = 0.1f,
     .bass = BASS_SUSTAIN, .comp = COMP_SUSTAIN, .density = 0.0f, .synco = 0.9f,
     .sixteenths = 0.8f, .longnotes = 0.4f, .tempo = 140, .minor = 1, .bars = BARS_EDM},

    {.id = "synthwave", .aliases = L("retrowave", "outrun", "darksynth", "vaporwave",
                                     "80s", "chillwave", "synth pop", "synthpop", "chiptune",
                                     "8-bit", "8 bit"),
     .prog = {{L("I | V | vi | IV", "IV | V | I | vi", "vi | IV | I | V"), NULL, NULL,
               L("ii | IV | V | V")},
              {L("i | VI | III | VII", "i | VI | VII | i", "VI | VII | i | i",
                 "i | III | VII | VI"),
               L("VI | VII | i | III", "i | VI | III | VII"), NULL,
               L("iv | VI | VII | V")}},
     .cell_bars = 1, .seventh = 0.2f, .ninth = 0.05f, .secdom = 0.1f, .borrow = 0.2f,
     .bass = BASS_OCTAVE8, .comp = COMP_PULSE8, .density = 0.0f, .synco = 0.5f,
     .sixteenths = 0.3f, .longnotes = 0.5f, .tempo = 100, .minor = 1, .bars = BARS_POP},

    {.id = "edm", .aliases = L("electronic", "electro", "future bass", "big room",
                               "electropop", "dance pop", "club", "dance"),
     .prog = {{L("vi | IV | I | V", "I | V | vi | IV", "IV | V | vi | I"), NULL, NULL,
               L("ii | IV | vi | V")},
              {L("i | VI | III | VII", "VI | VII | i | i", "i | VII | VI | VII"), NULL,
               NULL, L("iv | VI | VII | V")}},
     .cell_bars = 1, .seventh = 0.3f, .ninth = 0.1f, .secdom = 0.1f, .borrow = 0.15f,
     .bass = BASS_OFFBEAT, .comp = COMP_POPSYNC, .density = 0.1f, .synco = 0.7f,
     .sixteenths = 0.6f, .longnotes = 0.3f, .tempo = 126, .bars = BARS_EDM},

    {.id = "reggaeton", .aliases = L("dancehall", "dembow", "moombahton", "afrobeats", "afrobeat"),
     .prog = {{L("vi | IV | I | V", "I | V | vi | IV"), NULL, NULL, NULL},
              {L("i | VI | III | VII", "i | iv | VII | III", "i | VI | VII | VII"), NULL,
               NULL, NULL}},
     .cell_bars = 1, .seventh = 0.2f, .ninth = 0.0f, .secdom = 0.05f, .borrow = 0.1f,
     .bass = BASS_TRESILLO, .comp = COMP_POPSYNC, .density = 0.05f, .synco = 1.0f,
     .sixteenths = 0.6f, .longnotes = 0.2f, .tempo = 95, .minor = 1, .bars = BARS_POP},

    {.id = "reggae", .aliases = L("ska", "dub", "roots reggae", "rocksteady", "lovers rock"),
     .prog = {{L("I | IV | I | V", "I | IV | V | IV", "I | I | IV | IV", "ii | V | ii | V"),
               L("IV | I | V | I", "I | IV | I | V"), NULL, L("vi | IV | ii | V")},
              {L("i | iv | i | iv", "i | VII | i | VII", "i | iv | VII | III"), NULL, NULL,
               L("VI | VII | iv | V")}},
     .cell_bars = 1, .seventh = 0.15f, .ninth = 0.0f, .secdom = 0.1f, .borrow = 0.05f,
     .bass = BASS_REGGAE, .comp = COMP_SKANK, .density = -0.05f, .synco = 1.0f,
     .sixteenths = 0.2f, .longnotes = 0.3f, .swing = 0.15f, .tempo = 76, .bars = BARS_POP},

    {.id = "metal", .aliases = L("heavy metal", "thrash", "death metal", "doom",
                                 "metalcore", "djent", "hard rock"),
     .prog = {{L("I | bVII | IV | I", "I | bVI | bVII | I"), NULL, NULL, NULL},
              {L("i | VI | VII | i", "i | bII | i | VII", "i | i | VI | VII"),
               L("VI | VII | i | i", "i | VI | III | VII", "iv | VI | VII | i"),
               L("iv | v | VI | VII"), L("VI | iv | VII | V")}},
     .cell_bars = 1, .seventh = 0.0f, .ninth = 0.0f, .secdom = 0.0f, .borrow = 0.2f,
     .bass = BASS_ROOT8, .comp = COMP_PULSE8, .density = 0.05f, .synco = 0.4f,
     .sixteenths = 0.5f, .longnotes = 0.4f, .tempo = 140, .minor = 1, .bars = BARS_POP},

    {.id = "punk", .aliases = L("pop punk", "pop-punk", "hardcore", "emo", "grunge"),
     .prog = {{L("I | IV | V | IV", "I | V | vi | IV", "I | IV | I | V"),
               L("IV | I | V | V", "I | V | IV | IV"), NULL, L("vi | IV | I | V")},
              {L("i | VI | VII | i", "i | VII | VI | VII")}},
     .cell_bars = 1, .seventh = 0.0f, .ninth = 0.0f, .secdom = 0.0f, .borrow = 0.1f,
     .bass = BASS_ROOT8, .comp = COMP_PULSE8, .density = 0.15f, .synco = 0.3f,
     .sixteenths = 0.2f, .longnotes = 0.2f, .tempo = 172, .bars = BARS_POP},

    {.id = "rock", .aliases = L("indie rock", "alt rock", "alternative", "classic rock",
                                "garage rock", "indie", "britpop", "shoegaze"),
     .prog = {{L("I | bVII | IV | I", "I | IV | V | IV", "I | V | IV | IV", "I | I | IV | V"),
               L("I | IV | V | IV", "IV | I | V | V", "I | V | vi | IV", "IV | V | I | I"),
               L("IV | V | IV | V", "ii | IV | V | V"),
               L("vi | IV | V | V", "bVI | bVII | I | I", "IV | bVII | IV | V")},
              {L("i | VII | VI | VII", "i | VI | VII | i", "i | i | VI | VII"),
               L("VI | VII | i | i", "i | VII | VI | VII", "III | VII | i | VI"),
               L("iv | VI | VII | VII"), L("VI | VII | iv | V")}},
     .cell_bars = 1, .seventh = 0.05f, .ninth = 0.0f, .secdom = 0.15f, .borrow = 0.35f,
     .bass = BASS_ROOT8, .comp = COMP_PULSE8, .density = 0.0f, .synco = 0.5f,
     .sixteenths = 0.2f, .longnotes = 0.4f, .tempo = 120, .bars = BARS_POP},

    {.id = "country", .aliases = L("bluegrass", "americana", "honky tonk", "western"),
     .prog = {{L("I | I | IV | I", "I | IV | V | I", "I | IV | I | V"),
               L("IV | I | V | I", "I | V7/V | V | I", "IV | IV | I | V"), NULL,
               L("vi | IV | I | V", "IV | I | V7/V | V")},
              {L("i | VII | VI | V", "i | iv | VII | III")}},
     .cell_bars = 1, .seventh = 0.15f, .ninth = 0.0f, .secdom = 0.35f, .borrow = 0.15f,
     .bass = BASS_ROOT_FIFTH, .comp = COMP_BACKBEAT, .density = 0.0f, .synco = 0.3f,
     .sixteenths = 0.1f, .longnotes = 0.4f, .tempo = 110, .bars = BARS_LONGVERSE},

    {.id = "folk", .aliases = L("acoustic", "singer-songwriter", "singer songwriter",
                                "indie folk", "celtic", "lullaby", "children"),
     .prog = {{L("I | IV | I | V", "I | V | IV | I", "I | vi | IV | V", "I | IV | vi | V"),
               L("IV | I | V | I", "IV | I | IV | V", "I | V | vi | IV"), NULL,
               L("vi | IV | I | V", "ii | IV | I | V")},
              {L("i | VII | VI | VII", "i | III | VII | i", "i | iv | i | V"),
               L("VI | III | VII | i", "i | VII | VI | V"), NULL,
               L("III | VII | iv | V")}},
     .cell_bars = 1, .seventh = 0.05f, .ninth = 0.0f, .secdom = 0.2f, .borrow = 0.1f,
     .bass = BASS_ROOT_FIFTH, .comp = COMP_ARPEGGIO, .density = -0.05f, .synco = 0.2f,
     .sixteenths = 0.1f, .longnotes = 0.5f, .tempo = 100, .bars = BARS_LONGVERSE},

    {.id = "cinematic", .aliases = L("orchestral", "epic", "soundtrack", "film score",
                                     "trailer", "film", "game music"),
     .prog = {{L("I | iii | IV | iv", "vi | IV | I | V", "I | bVI | bVII | I",
                 "IV | I | V | vi"),
               L("I | V | vi | IV", "IV | I^1 | V | vi"), NULL,
               L("vi | iii | IV | V")},
              {L("i | VI | III | VII", "i | VI | iv | V", "i | III | VII | iv",
                 "VI | iv | i | V"),
               L("VI | VII | i | i", "i | VI | III | VII", "iv | VI | VII | i"), NULL,
               L("VI | VII | iv | V")}},
     .cell_bars = 2, .seventh = 0.1f, .ninth = 0.0f, .secdom = 0.15f, .borrow = 0.4f,
     .bass = BASS_SUSTAIN, .comp = COMP_SUSTAIN, .density = -0.2f, .synco = 0.1f,
     .sixteenths = 0.05f, .longnotes = 1.0f, .tempo = 90, .minor = 1, .bars = BARS_POP},

    {.id = "ambient", .aliases = L("new age", "downtempo", "chillout", "chill", "meditation",
                                   "drone", "atmospheric"),
     .prog = {{L("Imaj7 | IVmaj7 | Imaj7 | IVmaj7", "Iadd9 | vi7 | IVmaj7 | Iadd9",
                 "IVmaj7 | Imaj7 | vi7 | IVmaj7"), NULL, NULL, NULL},
              {L("i7 | VImaj7 | i7 | VImaj7", "i9 | iv7 | VImaj7 | i9",
                 "VImaj7 | IIImaj7 | iv7 | i7"), NULL, NULL, NULL}},
     .cell_bars = 2, .seventh = 0.6f, .ninth = 0.3f, .secdom = 0.0f, .borrow = 0.1f,
     .bass = BASS_SUSTAIN, .comp = COMP_SUSTAIN, .density = -0.3f, .synco = 0.1f,
     .sixteenths = 0.0f, .longnotes = 1.0f, .tempo = 70, .bars = BARS_POP},

    {.id = "classical", .aliases = L("baroque", "romantic", "waltz", "minuet", "chamber",
                                     "string quartet", "sonata", "nocturne"),
     .prog = {{L("I | IV | V | I", "I | vi | ii | V", "I | ii^1 | V | I", "I | V^1 | vi | IV"),
               L("IV | I^1 | ii | V", "I | IV | ii | V"), L("ii | V | vi | V"),
               L("vi | ii | V/V | V", "iii | vi | ii | V")},
              {L("i | iv | V | i", "i | VI | iv | V", "i | iv^1 | V | i"),
               L("iv | i^1 | iio | V", "VI | iv | V | i"), L("iv | V | VI | V"),
               L("III | VI | iio | V")}},
     .cad_full = {L("ii^1 V | I", "IV V7 | I", "I^2 V | I"), L("iv^1 V | i", "iv V7 | i")},
     .cad_half = {L("IV | V", "ii^1 | V", "I^2 | V"), L("iv | V", "VI | V")},
     .cell_bars = 1, .seventh = 0.15f, .ninth = 0.0f, .secdom = 0.35f, .borrow = 0.1f,
     .bass = BASS_SUSTAIN, .comp = COMP_ARPEGGIO, .density = 0.0f, .synco = 0.05f,
     .sixteenths = 0.3f, .longnotes = 0.5f, .tempo = 100, .bars = BARS_POP},

    {.id = "ballad", .aliases = L("piano ballad", "power ballad", "love song", "torch song"),
     .prog = {{L("I | V^1 | vi | IV", "I | iii | IV | V", "vi | IV | I | V", "I | vi | IV | V"),
               L("IV | V | I | vi", "IV | V | iii | vi", "I | V^1 | vi | IV"),
               L("ii | iii | IV | V"), L("vi | iii | IV | I^1", "IV | iv | I | V")},
              {L("i | VI | III | VII", "i | VI | iv | V", "i | v | VI | III"),
               L("VI | VII | i | III", "iv | VI | VII | i"), NULL,
               L("III | VII | VI | V")}},
     .cell_bars = 1, .seventh = 0.25f, .ninth = 0.05f, .secdom = 0.3f, .borrow = 0.3f,
     .bass = BASS_SUSTAIN, .comp = COMP_ARPEGGIO, .density = -0.15f, .synco = 0.3f,
     .sixteenths = 0.2f, .longnotes = 0.7f, .tempo = 72, .bars = BARS_POP},

    {.id = "pop", .aliases = L("dance-pop", "k-pop", "kpop", "j-pop", "jpop", "teen pop",
                               "pop rock", "indie pop", "bubblegum", "mainstream"),
     .prog = {{L("I | V | vi | IV", "I | vi | IV | V", "vi | IV | I | V", "I | IV | vi | V",
                 "IV | I | V | vi"),
               L("I | V | vi | IV", "IV | I | V | vi", "vi | IV | I | V", "IV | V | I | vi"),
               L("vi | IV | ii | V", "IV | V | vi | V", "ii | iii | IV | V", "IV | IV | V | V"),
               L("vi | IV | I | V", "IV | V | iii | vi", "ii | IV | vi | V", "vi | V | IV | V")},
              {L("i | VI | III | VII", "i | VII | VI | VII", "i | iv | VI | VII",
                 "VI | VII | i | i"),
               L("i | VI | III | VII", "VI | VII | i | i", "VI | III | VII | i",
                 "iv | VI | VII | i"),
               L("iv | VI | VII | VII", "VI | VII | iv | V", "iv | iv | V | V"),
               L("iv | i | VI | VII", "VI | VII | iv | V", "III | VII | VI | V")}},
     .cell_bars = 1, .seventh = 0.2f, .ninth = 0.05f, .secdom = 0.25f, .borrow = 0.25f,
     .bass = BASS_POP, .comp = COMP_POPSYNC, .density = 0.0f, .synco = 0.6f,
     .sixteenths = 0.35f, .longnotes = 0.4f, .tempo = 112, .bars = BARS_POP},
};

#define N_STYLES (sizeof STYLES / sizeof STYLES[0])

const cmp_style *cmp_style_default(void)
{
    return &STYLES[N_STYLES - 1]; /* pop */
}

static void lower(const char *in, char *out, size_t n)
{
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++)
        out[i] = (char)(in[i] == '_' ? ' ' : tolower((unsigned char)in[i]));
    out[i] = 0;
}

const cmp_style *cmp_style_find(const char *genre, int whole_only)
{
    char g[64];
    if (!genre || !*genre)
        return NULL;
    lower(genre, g, sizeof g);
    for (size_t i = 0; i < N_STYLES; i++) {
        if (strcmp(g, STYLES[i].id) == 0)
            return &STYLES[i];
        for (cmp_list a = STYLES[i].aliases; a && *a; a++)
            if (strcmp(g, *a) == 0)
                return &STYLES[i];
    }
    if (whole_only)
        return NULL;
    for (size_t i = 0; i < N_STYLES; i++) {
        if (strstr(g, STYLES[i].id))
            return &STYLES[i];
        for (cmp_list a = STYLES[i].aliases; a && *a; a++)
            if (strstr(g, *a))
                return &STYLES[i];
    }
    return NULL;
}

/* ---- modal vamps -------------------------------------------------------- */

static const cmp_list MODAL[MG_COUNT][PC_COUNT] = {
    [MG_DORIAN] = {L("i | IV | i | IV", "i | VII | IV | i", "i | i | IV | IV", "i | III | IV | i"),
                   L("i | IV | III | VII", "III | IV | i | i", "i | IV | VII | IV"),
                   L("III | IV | v | IV"), L("VII | IV | v | i", "ii | III | IV | IV")},
    [MG_MIXOLYDIAN] = {L("I | bVII | IV | I", "I | bVII | I | bVII", "I | IV | bVII | IV"),
                       L("I | bVII | IV | I", "IV | bVII | I | I", "bVII | IV | I | I"),
                       L("IV | IV | bVII | bVII"), L("v | IV | ii | bVII", "ii | IV | v | bVII")},
    [MG_PHRYGIAN] = {L("i | bII | i | bII", "i | bII | III | bII", "i | vii | VI | bII"),
                     L("iv | bII | i | i", "VI | vii | i | bII"), L("iv | VI | vii | bII"),
                     L("VI | III | iv | bII")},
    [MG_LYDIAN] = {L("I | II | I | II", "I | II | iii | II", "I | II | vii | I"),
                   L("vi | II | I | I", "I | II | vi | II"), L("iii | II | iii | II"),
                   L("vi | vii | II | II")},
};

cmp_list cmp_modal_templates(cmp_mgroup g, int pclass)
{
    if (g >= MG_COUNT || !MODAL[g][PC_VERSE])
        return NULL;
    return MODAL[g][pclass] ? MODAL[g][pclass] : MODAL[g][PC_VERSE];
}

/* ---- cadences, by mode group: [group][0 half, 1 full] -------------------- */

static const cmp_list CADENCES[MG_COUNT][2] = {
    [MG_MAJOR] = {L("IV | V", "ii | V", "vi | V", "IV Vsus4 | V"),
                  L("V | I", "IV V | I", "ii V | I", "IV | I", "ii^1 V | I")},
    [MG_MINOR] = {L("iv | V", "VI | V", "VI | VII", "iv | VII"),
                  L("iv V | i", "V | i", "VI VII | i", "iv | i", "VII | i")},
    [MG_DORIAN] = {L("i | IV", "III | IV", "VII | IV"), L("IV | i", "VII IV | i", "v | i")},
    [MG_MIXOLYDIAN] = {L("I | bVII", "IV | bVII", "ii | v"),
                       L("bVII | I", "IV bVII | I", "v | I", "bVII IV | I")},
    [MG_PHRYGIAN] = {L("i | bII", "iv | bII", "VI | bII"), L("bII | i", "vii bII | i", "iv bII | i")},
    [MG_LYDIAN] = {L("I | II", "vii | II", "iii | II"), L("II | I", "vii II | I", "iii II | I")},
};

cmp_list cmp_cadences(cmp_mgroup g, int full)
{
    return CADENCES[g < MG_COUNT ? g : MG_MAJOR][full ? 1 : 0];
}

cmp_mgroup cmp_mode_group(cz_mode m)
{
    switch (m) {
    case CZ_MODE_IONIAN: return MG_MAJOR;
    case CZ_MODE_DORIAN: return MG_DORIAN;
    case CZ_MODE_PHRYGIAN: return MG_PHRYGIAN;
    case CZ_MODE_LOCRIAN: return MG_PHRYGIAN;
    case CZ_MODE_LYDIAN: return MG_LYDIAN;
    case CZ_MODE_MIXOLYDIAN: return MG_MIXOLYDIAN;
    default: return MG_MINOR; /* aeolian, harmonic and melodic minor */
    }
}

/* ---- section kinds --------------------------------------------------------- */

cmp_kind cmp_kind_from_name(const char *name)
{
    static const struct {
        const char *word;
        cmp_kind kind;
    } W[] = {
        {"pre", SK_PRECHORUS}, {"lift", SK_PRECHORUS}, {"intro", SK_INTRO},
        {"verse", SK_VERSE},   {"chorus", SK_CHORUS},  {"hook", SK_CHORUS},
        {"refrain", SK_CHORUS}, {"bridge", SK_BRIDGE}, {"middle", SK_BRIDGE},
        {"solo", SK_SOLO},     {"instrumental", SK_SOLO}, {"interlude", SK_SOLO},
        {"breakdown", SK_BREAKDOWN}, {"break", SK_BREAKDOWN}, {"build", SK_BUILD},
        {"riser", SK_BUILD},   {"drop", SK_DROP},      {"outro", SK_OUTRO},
        {"coda", SK_OUTRO},    {"ending", SK_OUTRO},
    };
    char g[32];
    lower(name ? name : "", g, sizeof g);
    for (size_t i = 0; i < sizeof W / sizeof W[0]; i++)
        if (strstr(g, W[i].word))
            return W[i].kind;
    return SK_VERSE;
}

float cmp_kind_energy(cmp_kind k)
{
    static const float E[SK_COUNT] = {0.3f, 0.5f, 0.62f, 0.8f, 0.55f,
                                      0.7f, 0.35f, 0.68f, 0.95f, 0.32f};
    return E[k < SK_COUNT ? k : SK_VERSE];
}

int cmp_kind_pclass(cmp_kind k)
{
    switch (k) {
    case SK_CHORUS: case SK_DROP: case SK_OUTRO: return PC_CHORUS;
    case SK_PRECHORUS: case SK_BUILD: return PC_PRE;
    case SK_BRIDGE: case SK_BREAKDOWN: return PC_BRIDGE;
    default: return PC_VERSE;
    }
}

int cmp_kind_full_cadence(cmp_kind k)
{
    switch (k) {
    case SK_CHORUS: case SK_DROP: case SK_OUTRO: return 1;
    case SK_INTRO: case SK_PRECHORUS: case SK_BUILD: case SK_BRIDGE: return 0;
    default: return -1;
    }
}
