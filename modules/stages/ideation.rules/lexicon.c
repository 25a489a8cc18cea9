/*
 * lexicon.c - the words ideation understands, and how they are found.
 *
 * One table of phrases (normalised words: lower-case ASCII, no
 * apostrophes, hyphens read as spaces) with what each means. A phrase
 * matches whole tokens, never across punctuation; the longest phrase at a
 * position wins ("drum and bass" over "drum", "lo fi hip hop" over "lo
 * fi"), and among phrases of the same length the first in the table. A
 * final word also matches its plural with an -s ("guitars", "808s").
 * Common misspellings are listed as aliases; id_lex_fuzzy() catches the
 * rest for genre and instrument words of six letters or more.
 */
#include <string.h>

#include "ideation.h"

#define GEN(p, g) {p, K_GENRE, G_##g, 0, 0, NULL}
#define SUB(p, g, s, lo, hi) {p, K_GENRE, G_##g, lo, hi, s}
#define MOOD(p, m) {p, K_MOOD, M_##m, 0, 0, NULL}
#define INS(p, i) {p, K_INSTR, I_##i, 0, 0, NULL}
#define FAM(p, i, f) {p, K_INSTR, I_##i, 1, ID_F_##f, NULL}
#define RB(r) (1u << CZ_ROLE_##r)
#define ROLE(p, mask, r, i) {p, K_ROLE, (uint16_t)(mask), CZ_ROLE_##r, I_##i, NULL}
#define PART(p, text) {p, K_PART, 0, 0, 0, text}
#define SELFNEG(p, text) {p, K_PART, 1, 0, 0, text}
#define USE(p, u) {p, K_USE, U_##u, 0, 0, NULL}
#define TEMPO(p, w) {p, K_TEMPO, ID_TW_##w, 0, 0, NULL}
#define TABS(p, bpm) {p, K_TEMPO, ID_TW_ABS, bpm, 0, NULL}
#define ENERGY(p, e) {p, K_ENERGY, 0, e, 0, NULL}
#define LENGTH(p, s) {p, K_LENGTH, 0, s, 0, NULL}
#define METER(p, n, d) {p, K_METER, 0, n, d, NULL}
#define SWING(p, s) {p, K_SWING, 0, s, 0, NULL}
#define MODE(p, m, ctx) {p, K_MODE, CZ_MODE_##m, ctx, 0, NULL}
#define NEG(p) {p, K_NEG, 0, 0, 0, NULL}
#define FILL(p) {p, K_FILLER, 0, 0, 0, NULL}
#define ERA(p, e) {p, K_ERA, 0, 0, 0, e}

static const id_lex lexicon[] = {
    /* ---- genres and subgenres (sub bpm range 0,0 = the genre's) ---- */
    GEN("pop", POP), GEN("pop music", POP), GEN("top 40", POP), GEN("mainstream", POP),
    SUB("synth pop", POP, "synth-pop", 110, 130), SUB("synthpop", POP, "synth-pop", 110, 130),
    SUB("dance pop", POP, "dance-pop", 110, 128), SUB("electropop", POP, "electropop", 110, 128),
    SUB("electro pop", POP, "electropop", 110, 128), SUB("indie pop", POP, "indie pop", 95, 125),
    SUB("k pop", POP, "k-pop", 100, 130), SUB("kpop", POP, "k-pop", 100, 130),
    SUB("j pop", POP, "j-pop", 100, 140), SUB("jpop", POP, "j-pop", 100, 140),
    SUB("city pop", POP, "city pop", 95, 120), SUB("dream pop", POP, "dream pop", 75, 110),
    SUB("bedroom pop", POP, "bedroom pop", 75, 105), SUB("hyperpop", POP, "hyperpop", 140, 170),
    SUB("power pop", POP, "power pop", 120, 150), SUB("bubblegum pop", POP, "bubblegum pop", 110, 130),
    SUB("art pop", POP, "art pop", 0, 0), SUB("europop", POP, "europop", 115, 130),
    SUB("ballad", POP, "ballad", 60, 80), SUB("power ballad", POP, "power ballad", 60, 80),
    SUB("pop ballad", POP, "ballad", 60, 80), SUB("love ballad", POP, "ballad", 60, 80),
    GEN("rock", ROCK), GEN("rock music", ROCK),
    SUB("rock and roll", ROCK, "rock and roll", 140, 180), SUB("rock n roll", ROCK, "rock and roll", 140, 180),
    SUB("rocknroll", ROCK, "rock and roll", 140, 180), SUB("hard rock", ROCK, "hard rock", 110, 150),
    SUB("classic rock", ROCK, "classic rock", 100, 140), SUB("indie rock", ROCK, "indie rock", 100, 140),
    SUB("indie", ROCK, "indie", 95, 135), SUB("alternative", ROCK, "alternative", 0, 0),
    SUB("alt rock", ROCK, "alternative rock", 0, 0), SUB("alternative rock", ROCK, "alternative rock", 0, 0),
    SUB("punk", ROCK, "punk", 150, 190), SUB("punk rock", ROCK, "punk", 150, 190),
    SUB("pop punk", ROCK, "pop punk", 150, 190), SUB("grunge", ROCK, "grunge", 90, 130),
    SUB("emo", ROCK, "emo", 120, 170), SUB("shoegaze", ROCK, "shoegaze", 80, 120),
    SUB("post rock", ROCK, "post-rock", 70, 130), SUB("prog rock", ROCK, "progressive rock", 90, 150),
    SUB("progressive rock", ROCK, "progressive rock", 90, 150), SUB("garage rock", ROCK, "garage rock", 120, 160),
    SUB("surf rock", ROCK, "surf rock", 140, 180), SUB("stoner rock", ROCK, "stoner rock", 70, 110),
    SUB("psychedelic rock", ROCK, "psychedelic rock", 90, 130), SUB("psych rock", ROCK, "psychedelic rock", 90, 130),
    SUB("psychedelic", ROCK, "psychedelic rock", 90, 130), SUB("blues rock", ROCK, "blues rock", 90, 130),
    SUB("southern rock", ROCK, "southern rock", 0, 0), SUB("soft rock", ROCK, "soft rock", 80, 110),
    SUB("arena rock", ROCK, "arena rock", 0, 0), SUB("rockabilly", ROCK, "rockabilly", 150, 190),
    SUB("britpop", ROCK, "britpop", 100, 130), SUB("math rock", ROCK, "math rock", 110, 150),
    GEN("metal", METAL), GEN("heavy metal", METAL),
    SUB("death metal", METAL, "death metal", 160, 200), SUB("black metal", METAL, "black metal", 150, 200),
    SUB("thrash metal", METAL, "thrash metal", 160, 210), SUB("thrash", METAL, "thrash metal", 160, 210),
    SUB("doom metal", METAL, "doom metal", 55, 80), SUB("doom", METAL, "doom metal", 55, 80),
    SUB("metalcore", METAL, "metalcore", 120, 170), SUB("djent", METAL, "djent", 100, 140),
    SUB("nu metal", METAL, "nu metal", 90, 120), SUB("power metal", METAL, "power metal", 150, 190),
    SUB("symphonic metal", METAL, "symphonic metal", 110, 160),
    SUB("progressive metal", METAL, "progressive metal", 100, 150), SUB("sludge", METAL, "sludge metal", 60, 90),
    SUB("speed metal", METAL, "speed metal", 170, 210), SUB("industrial metal", METAL, "industrial metal", 110, 140),
    GEN("country", COUNTRY), GEN("country music", COUNTRY),
    SUB("bluegrass", COUNTRY, "bluegrass", 110, 170), SUB("honky tonk", COUNTRY, "honky-tonk", 100, 130),
    SUB("outlaw country", COUNTRY, "outlaw country", 0, 0), SUB("western", COUNTRY, "western", 90, 130),
    SUB("country western", COUNTRY, "country and western", 0, 0),
    GEN("folk", FOLK), GEN("folk music", FOLK), SUB("acoustic", FOLK, "acoustic", 0, 0),
    SUB("unplugged", FOLK, "acoustic", 0, 0), SUB("indie folk", FOLK, "indie folk", 0, 0),
    SUB("celtic", FOLK, "celtic", 100, 140), SUB("irish", FOLK, "celtic", 100, 140),
    SUB("sea shanty", FOLK, "sea shanty", 90, 120), SUB("shanty", FOLK, "sea shanty", 90, 120),
    SUB("singer songwriter", FOLK, "singer-songwriter", 70, 110), SUB("americana", FOLK, "americana", 0, 0),
    SUB("medieval", FOLK, "medieval", 0, 0), SUB("campfire", FOLK, "campfire", 0, 0),
    GEN("blues", BLUES), GEN("bluesy", BLUES), SUB("delta blues", BLUES, "delta blues", 60, 100),
    SUB("chicago blues", BLUES, "chicago blues", 90, 130), SUB("slow blues", BLUES, "slow blues", 50, 75),
    SUB("12 bar blues", BLUES, "12-bar blues", 0, 0), SUB("12 bar", BLUES, "12-bar blues", 0, 0),
    SUB("twelve bar", BLUES, "12-bar blues", 0, 0), SUB("boogie woogie", BLUES, "boogie-woogie", 150, 190),
    GEN("jazz", JAZZ), GEN("jazzy", JAZZ), SUB("smooth jazz", JAZZ, "smooth jazz", 80, 110),
    SUB("bebop", JAZZ, "bebop", 180, 220), SUB("be bop", JAZZ, "bebop", 180, 220),
    SUB("swing jazz", JAZZ, "swing", 120, 180), SUB("big band", JAZZ, "big band", 120, 180),
    SUB("jazz fusion", JAZZ, "jazz fusion", 100, 140), SUB("fusion", JAZZ, "jazz fusion", 100, 140),
    SUB("cool jazz", JAZZ, "cool jazz", 100, 140), SUB("acid jazz", JAZZ, "acid jazz", 95, 115),
    SUB("modal jazz", JAZZ, "modal jazz", 110, 150), SUB("free jazz", JAZZ, "free jazz", 0, 0),
    SUB("jazz ballad", JAZZ, "jazz ballad", 55, 80), SUB("latin jazz", JAZZ, "latin jazz", 110, 140),
    SUB("gypsy jazz", JAZZ, "gypsy jazz", 160, 220), SUB("manouche", JAZZ, "gypsy jazz", 160, 220),
    SUB("ragtime", JAZZ, "ragtime", 90, 130), SUB("dixieland", JAZZ, "dixieland", 160, 200),
    SUB("nu jazz", JAZZ, "nu jazz", 110, 125), SUB("lounge", JAZZ, "lounge", 90, 120),
    SUB("elevator music", JAZZ, "lounge", 90, 120), SUB("noir", JAZZ, "noir jazz", 60, 90),
    GEN("funk", FUNK), GEN("funky", FUNK), SUB("p funk", FUNK, "p-funk", 95, 115),
    SUB("afrobeat", FUNK, "afrobeat", 100, 125), SUB("funk rock", FUNK, "funk rock", 0, 0),
    GEN("reggae", REGGAE), SUB("roots reggae", REGGAE, "roots reggae", 65, 80),
    SUB("dub", REGGAE, "dub", 65, 80), SUB("ska", REGGAE, "ska", 140, 180),
    SUB("rocksteady", REGGAE, "rocksteady", 70, 90), SUB("dancehall", REGGAE, "dancehall", 90, 105),
    SUB("lovers rock", REGGAE, "lovers rock", 70, 85), SUB("one drop", REGGAE, "one drop", 0, 0),
    GEN("synthwave", SYNTHWAVE), GEN("synth wave", SYNTHWAVE), GEN("synthwav", SYNTHWAVE),
    GEN("synthwve", SYNTHWAVE), GEN("syntwave", SYNTHWAVE), GEN("sythwave", SYNTHWAVE),
    GEN("synthewave", SYNTHWAVE),
    SUB("retrowave", SYNTHWAVE, "retrowave", 0, 0), SUB("retro wave", SYNTHWAVE, "retrowave", 0, 0),
    SUB("outrun", SYNTHWAVE, "outrun", 100, 118), SUB("darksynth", SYNTHWAVE, "darksynth", 90, 120),
    SUB("vaporwave", SYNTHWAVE, "vaporwave", 60, 100), SUB("chillwave", SYNTHWAVE, "chillwave", 80, 110),
    SUB("dreamwave", SYNTHWAVE, "dreamwave", 80, 110), SUB("new wave", SYNTHWAVE, "new wave", 110, 140),
    SUB("cyberpunk", SYNTHWAVE, "cyberpunk", 90, 120),
    GEN("lofi", LOFI), GEN("lo fi", LOFI), GEN("lowfi", LOFI), GEN("low fi", LOFI),
    GEN("lo fi hip hop", LOFI), GEN("lofi hip hop", LOFI), GEN("lofi hiphop", LOFI),
    GEN("lo fi hiphop", LOFI), GEN("lofi beats", LOFI), GEN("lo fi beats", LOFI),
    GEN("lofi hip hop beats", LOFI), GEN("lofi beat", LOFI), GEN("lofi rap", LOFI), GEN("lofy", LOFI),
    SUB("chillhop", LOFI, "chillhop", 75, 95), SUB("chill hop", LOFI, "chillhop", 75, 95),
    SUB("jazzhop", LOFI, "jazzhop", 75, 90), SUB("jazz hop", LOFI, "jazzhop", 75, 90),
    GEN("hip hop", HIPHOP), GEN("hiphop", HIPHOP), GEN("hip hop music", HIPHOP), GEN("rap", HIPHOP),
    GEN("hip hop beat", HIPHOP), GEN("hiphop beat", HIPHOP), GEN("rap beat", HIPHOP), GEN("hip hop instrumental", HIPHOP),
    SUB("boom bap", HIPHOP, "boom bap", 85, 95), SUB("boombap", HIPHOP, "boom bap", 85, 95),
    SUB("old school hip hop", HIPHOP, "old-school hip hop", 85, 100),
    SUB("gangsta rap", HIPHOP, "gangsta rap", 85, 100), SUB("g funk", HIPHOP, "g-funk", 85, 100),
    SUB("conscious hip hop", HIPHOP, "conscious hip hop", 0, 0),
    SUB("underground hip hop", HIPHOP, "underground hip hop", 0, 0),
    SUB("east coast", HIPHOP, "east coast hip hop", 85, 100), SUB("west coast", HIPHOP, "west coast hip hop", 85, 100),
    SUB("grime", HIPHOP, "grime", 136, 142), SUB("beat tape", HIPHOP, "beat tape", 0, 0),
    SUB("jazz rap", HIPHOP, "jazz rap", 85, 95),
    GEN("trap", TRAP), GEN("trap music", TRAP), GEN("trap beat", TRAP),
    SUB("drill", TRAP, "drill", 138, 145), SUB("uk drill", TRAP, "uk drill", 138, 145),
    SUB("phonk", TRAP, "phonk", 120, 145), SUB("cloud rap", TRAP, "cloud rap", 130, 150),
    GEN("house", HOUSE), GEN("house music", HOUSE),
    SUB("deep house", HOUSE, "deep house", 118, 124), SUB("tech house", HOUSE, "tech house", 124, 128),
    SUB("progressive house", HOUSE, "progressive house", 124, 130), SUB("acid house", HOUSE, "acid house", 120, 128),
    SUB("tropical house", HOUSE, "tropical house", 100, 115), SUB("future house", HOUSE, "future house", 124, 128),
    SUB("afro house", HOUSE, "afro house", 118, 124), SUB("chicago house", HOUSE, "chicago house", 118, 126),
    SUB("french house", HOUSE, "french house", 118, 125), SUB("melodic house", HOUSE, "melodic house", 118, 124),
    SUB("uk garage", HOUSE, "uk garage", 128, 136), SUB("garage", HOUSE, "uk garage", 128, 136),
    SUB("2 step", HOUSE, "2-step", 128, 136), SUB("two step", HOUSE, "2-step", 128, 136),
    GEN("techno", TECHNO), GEN("techo", TECHNO), GEN("tekno", TECHNO), SUB("minimal techno", TECHNO, "minimal techno", 124, 130),
    SUB("industrial techno", TECHNO, "industrial techno", 130, 145), SUB("acid techno", TECHNO, "acid techno", 130, 145),
    SUB("hard techno", TECHNO, "hard techno", 140, 155), SUB("detroit techno", TECHNO, "detroit techno", 125, 135),
    SUB("melodic techno", TECHNO, "melodic techno", 120, 126), SUB("dub techno", TECHNO, "dub techno", 115, 125),
    SUB("berlin techno", TECHNO, "berlin techno", 0, 0), SUB("rave", TECHNO, "rave", 130, 150),
    SUB("industrial", TECHNO, "industrial", 125, 140),
    GEN("trance", TRANCE), SUB("psytrance", TRANCE, "psytrance", 138, 148),
    SUB("psy trance", TRANCE, "psytrance", 138, 148), SUB("psychedelic trance", TRANCE, "psytrance", 138, 148),
    SUB("goa trance", TRANCE, "goa trance", 135, 150), SUB("uplifting trance", TRANCE, "uplifting trance", 136, 140),
    SUB("progressive trance", TRANCE, "progressive trance", 128, 136), SUB("vocal trance", TRANCE, "vocal trance", 0, 0),
    SUB("hard trance", TRANCE, "hard trance", 145, 155), SUB("eurodance", TRANCE, "eurodance", 130, 145),
    GEN("edm", EDM), GEN("dance music", EDM), GEN("dance", EDM), GEN("electronic dance music", EDM),
    SUB("electro", EDM, "electro", 120, 130), SUB("electro house", EDM, "electro house", 126, 130),
    SUB("big room", EDM, "big room", 126, 130), SUB("future bass", EDM, "future bass", 140, 160),
    SUB("hardstyle", EDM, "hardstyle", 150, 160), SUB("moombahton", EDM, "moombahton", 100, 115),
    SUB("festival edm", EDM, "big room", 126, 130),
    GEN("drum and bass", DNB), GEN("drum n bass", DNB), GEN("drumnbass", DNB), GEN("drum&bass", DNB),
    GEN("d&b", DNB), GEN("d and b", DNB), GEN("dnb", DNB), GEN("d n b", DNB), GEN("drum bass", DNB),
    GEN("drum and base", DNB), GEN("drum n base", DNB), GEN("drumandbass", DNB),
    SUB("jungle", DNB, "jungle", 160, 175), SUB("liquid", DNB, "liquid", 170, 176),
    SUB("liquid dnb", DNB, "liquid", 170, 176), SUB("liquid drum and bass", DNB, "liquid", 170, 176),
    SUB("neurofunk", DNB, "neurofunk", 172, 176), SUB("jump up", DNB, "jump-up", 172, 176),
    SUB("breakbeat", DNB, "breakbeat", 125, 140), SUB("breakcore", DNB, "breakcore", 160, 200),
    GEN("dubstep", DUBSTEP), GEN("dub step", DUBSTEP), SUB("brostep", DUBSTEP, "brostep", 140, 150),
    SUB("riddim", DUBSTEP, "riddim", 140, 150), SUB("chillstep", DUBSTEP, "chillstep", 138, 142),
    SUB("melodic dubstep", DUBSTEP, "melodic dubstep", 138, 142),
    GEN("ambient", AMBIENT), GEN("ambient music", AMBIENT), GEN("ambiance", AMBIENT),
    SUB("dark ambient", AMBIENT, "dark ambient", 50, 80), SUB("drone", AMBIENT, "drone", 40, 60),
    SUB("new age", AMBIENT, "new age", 60, 80), SUB("soundscape", AMBIENT, "soundscape", 50, 80),
    SUB("space ambient", AMBIENT, "space ambient", 50, 80), SUB("space music", AMBIENT, "space ambient", 50, 80),
    GEN("cinematic", CINEMATIC), GEN("orchestral", CINEMATIC), GEN("orchestra", CINEMATIC),
    GEN("symphonic", CINEMATIC), GEN("film score", CINEMATIC), GEN("soundtrack", CINEMATIC),
    GEN("movie soundtrack", CINEMATIC), GEN("film music", CINEMATIC),
    SUB("hybrid orchestral", CINEMATIC, "hybrid orchestral", 100, 140),
    SUB("epic music", CINEMATIC, "epic orchestral", 0, 0), SUB("fantasy", CINEMATIC, "fantasy", 0, 0),
    SUB("adventure", CINEMATIC, "adventure", 0, 0),
    GEN("classical", CLASSICAL), GEN("classical music", CLASSICAL),
    SUB("solo piano", CLASSICAL, "solo piano", 60, 100), SUB("piano solo", CLASSICAL, "solo piano", 60, 100),
    SUB("string quartet", CLASSICAL, "string quartet", 70, 120), SUB("symphony", CLASSICAL, "symphony", 0, 0),
    SUB("sonata", CLASSICAL, "sonata", 0, 0), SUB("nocturne", CLASSICAL, "nocturne", 50, 75),
    SUB("baroque", CLASSICAL, "baroque", 90, 130), SUB("chamber music", CLASSICAL, "chamber music", 70, 120),
    SUB("minimalist", CLASSICAL, "minimalist", 90, 130), SUB("minimalism", CLASSICAL, "minimalist", 90, 130),
    SUB("neoclassical", CLASSICAL, "neoclassical", 60, 100), SUB("neo classical", CLASSICAL, "neoclassical", 60, 100),
    SUB("etude", CLASSICAL, "etude", 0, 0), SUB("opera", CLASSICAL, "opera", 0, 0),
    SUB("concerto", CLASSICAL, "concerto", 0, 0), SUB("prelude", CLASSICAL, "prelude", 0, 0),
    SUB("fugue", CLASSICAL, "fugue", 0, 0), SUB("requiem", CLASSICAL, "requiem", 60, 80),
    SUB("ballet", CLASSICAL, "ballet", 0, 0),
    GEN("latin", LATIN), GEN("latin music", LATIN), GEN("latino", LATIN),
    SUB("bossa nova", LATIN, "bossa nova", 120, 140), SUB("bossa", LATIN, "bossa nova", 120, 140),
    SUB("samba", LATIN, "samba", 95, 105), SUB("salsa", LATIN, "salsa", 160, 210),
    SUB("reggaeton", LATIN, "reggaeton", 88, 100), SUB("tango", LATIN, "tango", 110, 130),
    SUB("flamenco", LATIN, "flamenco", 100, 140), SUB("cumbia", LATIN, "cumbia", 90, 110),
    SUB("bachata", LATIN, "bachata", 120, 140), SUB("merengue", LATIN, "merengue", 130, 160),
    SUB("mambo", LATIN, "mambo", 180, 210), SUB("cha cha", LATIN, "cha-cha", 110, 125),
    SUB("afrobeats", LATIN, "afrobeats", 95, 115), SUB("dembow", LATIN, "reggaeton", 88, 100),
    GEN("r&b", RNB), GEN("rnb", RNB), GEN("r and b", RNB), GEN("r n b", RNB),
    GEN("rhythm and blues", RNB), GEN("soulful", RNB),
    SUB("soul", RNB, "soul", 0, 0), SUB("neo soul", RNB, "neo soul", 70, 95),
    SUB("neosoul", RNB, "neo soul", 70, 95), SUB("motown", RNB, "motown", 100, 125),
    SUB("gospel", RNB, "gospel", 70, 120), SUB("quiet storm", RNB, "quiet storm", 60, 80),
    SUB("new jack swing", RNB, "new jack swing", 100, 115), SUB("contemporary r&b", RNB, "contemporary r&b", 0, 0),
    GEN("disco", DISCO), SUB("nu disco", DISCO, "nu-disco", 115, 124),
    SUB("italo disco", DISCO, "italo disco", 115, 128), SUB("boogie", DISCO, "boogie", 105, 120),
    GEN("chiptune", CHIPTUNE), GEN("chip tune", CHIPTUNE), GEN("8 bit", CHIPTUNE),
    GEN("8bit", CHIPTUNE), GEN("16 bit", CHIPTUNE), GEN("16bit", CHIPTUNE), GEN("bitpop", CHIPTUNE),
    GEN("video game music", CHIPTUNE), GEN("retro game music", CHIPTUNE), GEN("chiptunes", CHIPTUNE),
    GEN("electronic", ELECTRONIC), GEN("electronica", ELECTRONIC), GEN("electronic music", ELECTRONIC),
    GEN("indietronica", ELECTRONIC),
    SUB("downtempo", ELECTRONIC, "downtempo", 85, 110), SUB("down tempo", ELECTRONIC, "downtempo", 85, 110),
    SUB("chillout", ELECTRONIC, "chillout", 85, 110), SUB("chill out", ELECTRONIC, "chillout", 85, 110),
    SUB("trip hop", ELECTRONIC, "trip hop", 75, 100), SUB("triphop", ELECTRONIC, "trip hop", 75, 100),
    SUB("idm", ELECTRONIC, "idm", 100, 160), SUB("glitch", ELECTRONIC, "glitch", 100, 140),
    SUB("glitch hop", ELECTRONIC, "glitch hop", 100, 110),

    /* ---- moods ---- */
    MOOD("happy", HAPPY), MOOD("joyful", HAPPY), MOOD("joyous", HAPPY), MOOD("cheerful", HAPPY),
    MOOD("cheery", HAPPY), MOOD("upbeat", HAPPY), MOOD("bright", HAPPY), MOOD("sunny", HAPPY),
    MOOD("feel good", HAPPY), MOOD("feelgood", HAPPY), MOOD("fun", HAPPY), MOOD("carefree", HAPPY),
    MOOD("jubilant", HAPPY), MOOD("celebratory", HAPPY), MOOD("summery", HAPPY), MOOD("summer", HAPPY),
    MOOD("positive", HAPPY), MOOD("sunshine", HAPPY), MOOD("glad", HAPPY), MOOD("joy", HAPPY),
    MOOD("sad", SAD), MOOD("sadness", SAD), MOOD("melancholy", SAD), MOOD("melancholic", SAD),
    MOOD("sorrow", SAD), MOOD("sorrowful", SAD), MOOD("heartbroken", SAD), MOOD("heartbreak", SAD),
    MOOD("broken heart", SAD), MOOD("tearful", SAD), MOOD("tears", SAD), MOOD("crying", SAD),
    MOOD("somber", SAD), MOOD("sombre", SAD), MOOD("gloomy", SAD), MOOD("lonely", SAD),
    MOOD("loneliness", SAD), MOOD("mournful", SAD), MOOD("grief", SAD), MOOD("grieving", SAD),
    MOOD("depressing", SAD), MOOD("depressed", SAD), MOOD("emotional", SAD), MOOD("rainy", SAD),
    MOOD("moody", SAD), MOOD("lament", SAD), MOOD("regret", SAD), MOOD("heartache", SAD),
    MOOD("dark", DARK), MOOD("darker", DARK), MOOD("ominous", DARK), MOOD("sinister", DARK),
    MOOD("spooky", DARK), MOOD("creepy", DARK), MOOD("haunting", DARK), MOOD("haunted", DARK),
    MOOD("eerie", DARK), MOOD("menacing", DARK), MOOD("horror", DARK), MOOD("scary", DARK),
    MOOD("gothic", DARK), MOOD("goth", DARK), MOOD("evil", DARK), MOOD("grim", DARK),
    MOOD("brooding", DARK), MOOD("macabre", DARK), MOOD("halloween", DARK),
    MOOD("nocturnal", DARK),
    MOOD("epic", EPIC), MOOD("heroic", EPIC), MOOD("triumphant", EPIC), MOOD("grand", EPIC),
    MOOD("majestic", EPIC), MOOD("powerful", EPIC), MOOD("anthemic", EPIC), MOOD("anthem", EPIC),
    MOOD("victorious", EPIC), MOOD("glorious", EPIC), MOOD("dramatic", EPIC), MOOD("legendary", EPIC),
    MOOD("massive", EPIC), MOOD("bombastic", EPIC), MOOD("war", EPIC),
    MOOD("chill", CHILL), MOOD("chilled", CHILL), MOOD("chillin", CHILL), MOOD("chilling", CHILL),
    MOOD("relaxed", CHILL), MOOD("relaxing", CHILL), MOOD("relax", CHILL), MOOD("laid back", CHILL),
    MOOD("laidback", CHILL), MOOD("mellow", CHILL), MOOD("easygoing", CHILL), MOOD("easy going", CHILL),
    MOOD("easy listening", CHILL), MOOD("smooth", CHILL), MOOD("cozy", CHILL), MOOD("cosy", CHILL),
    MOOD("lazy", CHILL), MOOD("breezy", CHILL), MOOD("chill vibes", CHILL), MOOD("vibey", CHILL),
    MOOD("romantic", ROMANTIC), MOOD("romance", ROMANTIC), MOOD("in love", ROMANTIC),
    MOOD("love song", ROMANTIC), MOOD("loving", ROMANTIC), MOOD("tender", ROMANTIC),
    MOOD("sensual", ROMANTIC), MOOD("intimate", ROMANTIC), MOOD("sexy", ROMANTIC),
    MOOD("passionate", ROMANTIC), MOOD("passion", ROMANTIC), MOOD("valentine", ROMANTIC),
    MOOD("valentines", ROMANTIC), MOOD("heartfelt", ROMANTIC), MOOD("affectionate", ROMANTIC),
    MOOD("tense", TENSE), MOOD("tension", TENSE), MOOD("suspense", TENSE), MOOD("suspenseful", TENSE),
    MOOD("anxious", TENSE), MOOD("anxiety", TENSE), MOOD("nervous", TENSE), MOOD("urgent", TENSE),
    MOOD("urgency", TENSE), MOOD("thriller", TENSE), MOOD("thrilling", TENSE), MOOD("uneasy", TENSE),
    MOOD("unsettling", TENSE), MOOD("paranoid", TENSE), MOOD("stressful", TENSE), MOOD("chase", TENSE),
    MOOD("aggressive", AGGRESSIVE), MOOD("angry", AGGRESSIVE), MOOD("anger", AGGRESSIVE),
    MOOD("furious", AGGRESSIVE), MOOD("fury", AGGRESSIVE), MOOD("rage", AGGRESSIVE),
    MOOD("raging", AGGRESSIVE), MOOD("brutal", AGGRESSIVE), MOOD("fierce", AGGRESSIVE),
    MOOD("violent", AGGRESSIVE), MOOD("savage", AGGRESSIVE), MOOD("hardcore", AGGRESSIVE),
    MOOD("dreamy", DREAMY), MOOD("dreamlike", DREAMY), MOOD("ethereal", DREAMY),
    MOOD("floaty", DREAMY), MOOD("floating", DREAMY), MOOD("hazy", DREAMY), MOOD("airy", DREAMY),
    MOOD("atmospheric", DREAMY), MOOD("spacey", DREAMY), MOOD("spacy", DREAMY), MOOD("cosmic", DREAMY),
    MOOD("celestial", DREAMY), MOOD("otherworldly", DREAMY), MOOD("surreal", DREAMY), MOOD("lush", DREAMY),
    MOOD("starry", DREAMY), MOOD("space", DREAMY),
    MOOD("nostalgic", NOSTALGIC), MOOD("nostalgia", NOSTALGIC), MOOD("retro", NOSTALGIC),
    MOOD("wistful", NOSTALGIC), MOOD("bittersweet", NOSTALGIC), MOOD("longing", NOSTALGIC),
    MOOD("memories", NOSTALGIC), MOOD("memory", NOSTALGIC), MOOD("reminiscent", NOSTALGIC),
    MOOD("throwback", NOSTALGIC), MOOD("vintage", NOSTALGIC), MOOD("childhood", NOSTALGIC),
    MOOD("hopeful", HOPEFUL), MOOD("inspiring", HOPEFUL),
    MOOD("inspirational", HOPEFUL), MOOD("optimistic", HOPEFUL), MOOD("motivational", HOPEFUL),
    MOOD("motivating", HOPEFUL), MOOD("uplifting", HOPEFUL), MOOD("empowering", HOPEFUL),
    MOOD("encouraging", HOPEFUL),
    MOOD("mysterious", MYSTERIOUS), MOOD("mystery", MYSTERIOUS), MOOD("mystical", MYSTERIOUS),
    MOOD("mystic", MYSTERIOUS), MOOD("enigmatic", MYSTERIOUS), MOOD("magical", MYSTERIOUS),
    MOOD("magic", MYSTERIOUS), MOOD("enchanted", MYSTERIOUS), MOOD("enchanting", MYSTERIOUS),
    MOOD("arcane", MYSTERIOUS), MOOD("cryptic", MYSTERIOUS),
    MOOD("energetic", ENERGETIC), MOOD("hype", ENERGETIC), MOOD("hyped", ENERGETIC),
    MOOD("pumped", ENERGETIC), MOOD("pumping", ENERGETIC), MOOD("lively", ENERGETIC),
    MOOD("exciting", ENERGETIC), MOOD("excited", ENERGETIC), MOOD("euphoric", ENERGETIC),
    MOOD("euphoria", ENERGETIC), MOOD("adrenaline", ENERGETIC), MOOD("hyper", ENERGETIC),
    MOOD("action", ENERGETIC), MOOD("wild", ENERGETIC),
    MOOD("groovy", GROOVY), MOOD("groove", GROOVY), MOOD("grooving", GROOVY), MOOD("swagger", GROOVY),
    MOOD("slick", GROOVY), MOOD("danceable", GROOVY), MOOD("sassy", GROOVY),
    MOOD("playful", PLAYFUL), MOOD("quirky", PLAYFUL), MOOD("whimsical", PLAYFUL), MOOD("silly", PLAYFUL),
    MOOD("goofy", PLAYFUL), MOOD("cute", PLAYFUL), MOOD("bouncy", PLAYFUL), MOOD("cartoon", PLAYFUL),
    MOOD("cartoonish", PLAYFUL), MOOD("childlike", PLAYFUL), MOOD("kids", PLAYFUL),
    MOOD("children", PLAYFUL), MOOD("cheeky", PLAYFUL),
    MOOD("peaceful", PEACEFUL), MOOD("peace", PEACEFUL), MOOD("serene", PEACEFUL),
    MOOD("tranquil", PEACEFUL), MOOD("soothing", PEACEFUL), MOOD("calm", PEACEFUL),
    MOOD("calming", PEACEFUL), MOOD("meditative", PEACEFUL), MOOD("zen", PEACEFUL),
    MOOD("restful", PEACEFUL), MOOD("healing", PEACEFUL), MOOD("pastoral", PEACEFUL),

    /* ---- instruments: generic words remove a whole family when negated ---- */
    FAM("piano", PIANO, PIANO), INS("grand piano", PIANO), INS("acoustic piano", PIANO),
    INS("upright piano", PIANO), INS("piano keys", PIANO),
    FAM("keys", EPIANO, KEYS), FAM("keyboard", EPIANO, KEYS), FAM("keyboards", EPIANO, KEYS),
    INS("electric piano", EPIANO), INS("e piano", EPIANO), INS("epiano", EPIANO),
    INS("rhodes", EPIANO), INS("fender rhodes", EPIANO), INS("wurlitzer", EPIANO), INS("wurli", EPIANO),
    INS("dx7", FM_EPIANO), INS("fm piano", FM_EPIANO), INS("fm electric piano", FM_EPIANO),
    INS("harpsichord", HARPSICHORD), INS("clavinet", CLAV), INS("clav", CLAV),
    INS("celesta", CELESTA), INS("celeste", CELESTA), INS("glockenspiel", GLOCK), INS("glock", GLOCK),
    INS("music box", MUSIC_BOX), INS("musicbox", MUSIC_BOX), INS("vibraphone", VIBES),
    INS("marimba", MARIMBA), INS("xylophone", XYLOPHONE), INS("tubular bells", BELLS),
    INS("chimes", BELLS), INS("church bells", BELLS), FAM("bells", GLOCK, MALLET),
    FAM("mallets", MARIMBA, MALLET),
    FAM("organ", ORGAN, ORGAN), INS("hammond", ORGAN), INS("hammond organ", ORGAN), INS("b3", ORGAN),
    INS("rock organ", ROCK_ORGAN), INS("church organ", CHURCH_ORGAN), INS("pipe organ", CHURCH_ORGAN),
    INS("accordion", ACCORDION), INS("harmonica", HARMONICA), INS("blues harp", HARMONICA),
    INS("melodica", HARMONICA),
    FAM("guitar", ACOUSTIC_GTR, GUITAR), FAM("guitars", ACOUSTIC_GTR, GUITAR),
    INS("nylon guitar", NYLON_GTR), INS("classical guitar", NYLON_GTR), INS("spanish guitar", NYLON_GTR),
    INS("flamenco guitar", NYLON_GTR), INS("acoustic guitar", ACOUSTIC_GTR),
    INS("steel string guitar", ACOUSTIC_GTR), INS("strummed guitar", ACOUSTIC_GTR),
    INS("jazz guitar", JAZZ_GTR), INS("hollowbody", JAZZ_GTR), INS("electric guitar", CLEAN_GTR),
    INS("clean guitar", CLEAN_GTR), INS("clean electric guitar", CLEAN_GTR),
    INS("twangy guitar", CLEAN_GTR), INS("surf guitar", CLEAN_GTR), INS("muted guitar", MUTED_GTR),
    INS("funk guitar", MUTED_GTR), INS("funky guitar", MUTED_GTR), INS("chicken scratch", MUTED_GTR),
    INS("overdriven guitar", OD_GTR), INS("crunchy guitar", OD_GTR), INS("crunch guitar", OD_GTR),
    INS("distorted guitar", DIST_GTR), INS("distortion guitar", DIST_GTR), INS("heavy guitar", DIST_GTR),
    INS("metal guitar", DIST_GTR), INS("power chords", DIST_GTR), INS("guitar riffs", DIST_GTR),
    INS("riffs", DIST_GTR), INS("lead guitar", LEAD_GTR), INS("guitar solo", LEAD_GTR),
    INS("shredding", LEAD_GTR), INS("shred", LEAD_GTR), INS("ukulele", UKULELE), INS("uke", UKULELE),
    INS("mandolin", MANDOLIN), INS("slide guitar", STEEL_GTR), INS("steel guitar", STEEL_GTR),
    INS("pedal steel", STEEL_GTR), INS("lap steel", STEEL_GTR),
    INS("bass guitar", BASS), INS("electric bass", BASS), INS("finger bass", BASS),
    INS("upright bass", UPRIGHT_BASS), INS("double bass", UPRIGHT_BASS), INS("acoustic bass", UPRIGHT_BASS),
    INS("standup bass", UPRIGHT_BASS), INS("stand up bass", UPRIGHT_BASS), INS("picked bass", PICK_BASS),
    INS("fretless bass", FRETLESS), INS("fretless", FRETLESS), INS("slap bass", SLAP_BASS),
    INS("synth bass", SYNTH_BASS), INS("analog bass", SYNTH_BASS), INS("moog bass", SYNTH_BASS),
    INS("bass synth", SYNTH_BASS), INS("808", 808), INS("808 bass", 808), INS("sub bass", 808),
    INS("acid bass", ACID_BASS), INS("303", ACID_BASS), INS("tb 303", ACID_BASS),
    INS("reese", REESE), INS("reese bass", REESE), INS("wobble", WOBBLE), INS("wobble bass", WOBBLE),
    INS("violin", VIOLIN), INS("fiddle", FIDDLE), INS("viola", VIOLA), INS("cello", CELLO),
    INS("violoncello", CELLO), INS("contrabass", CONTRABASS), INS("low strings", CONTRABASS),
    FAM("strings", STRINGS, STRINGS), INS("string section", STRINGS), INS("string ensemble", STRINGS),
    INS("orchestral strings", STRINGS), INS("lush strings", STRINGS), INS("tremolo strings", TREMOLO_STR),
    INS("pizzicato", PIZZ), INS("pizzicato strings", PIZZ), INS("pizz", PIZZ),
    INS("synth strings", SYNTH_STRINGS), INS("string synth", SYNTH_STRINGS), INS("solina", SYNTH_STRINGS),
    INS("harp", HARP), INS("timpani", TIMPANI), INS("orchestra hit", ORCH_HIT),
    INS("orchestral hit", ORCH_HIT), INS("orch hit", ORCH_HIT),
    FAM("choir", CHOIR, VOICE), INS("choral", CHOIR), INS("oohs", OOHS), INS("aahs", OOHS),
    INS("ooh", OOHS), INS("vocal chops", VOX_CHOPS), INS("vox chops", VOX_CHOPS),
    INS("chopped vocals", VOX_CHOPS), INS("vocal samples", VOX_CHOPS),
    INS("trumpet", TRUMPET), INS("flugelhorn", TRUMPET), INS("cornet", TRUMPET),
    INS("trombone", TROMBONE), INS("tuba", TUBA), INS("muted trumpet", MUTED_TRUMPET),
    INS("french horn", FRENCH_HORN), INS("horn", FRENCH_HORN),
    FAM("brass", BRASS, BRASS), FAM("horns", BRASS, BRASS), INS("horn section", BRASS),
    INS("brass section", BRASS), INS("synth brass", SYNTH_BRASS), INS("brass synth", SYNTH_BRASS),
    INS("synth horns", SYNTH_BRASS),
    FAM("saxophone", SAX, SAX), FAM("sax", SAX, SAX), INS("alto sax", SAX), INS("alto saxophone", SAX),
    INS("tenor sax", TENOR_SAX), INS("tenor saxophone", TENOR_SAX), INS("soprano sax", SOPRANO_SAX),
    INS("soprano saxophone", SOPRANO_SAX), INS("baritone sax", BARI_SAX), INS("bari sax", BARI_SAX),
    INS("baritone saxophone", BARI_SAX), INS("saxaphone", SAX), INS("saxofone", SAX),
    INS("oboe", OBOE), INS("bassoon", BASSOON), INS("clarinet", CLARINET), INS("piccolo", PICCOLO),
    INS("flute", FLUTE), INS("recorder", RECORDER), INS("pan flute", PAN_FLUTE), INS("pan pipes", PAN_FLUTE),
    INS("panpipes", PAN_FLUTE), INS("pan pipe", PAN_FLUTE), INS("shakuhachi", SHAKUHACHI),
    INS("whistle", WHISTLE), INS("whistling", WHISTLE), INS("tin whistle", WHISTLE),
    INS("penny whistle", WHISTLE), INS("ocarina", OCARINA), INS("bagpipes", BAGPIPE), INS("bagpipe", BAGPIPE),
    FAM("woodwinds", FLUTE, WIND), FAM("woodwind", FLUTE, WIND), FAM("winds", FLUTE, WIND),
    FAM("synth", SAW_LEAD, SYNTH), FAM("synthesizer", SAW_LEAD, SYNTH), FAM("synthesiser", SAW_LEAD, SYNTH),
    FAM("synthesizers", SAW_LEAD, SYNTH), FAM("analog synth", SAW_LEAD, SYNTH),
    FAM("analogue synth", SAW_LEAD, SYNTH), FAM("modular synth", SAW_LEAD, SYNTH),
    FAM("moog", SAW_LEAD, SYNTH), FAM("electronic sounds", SAW_LEAD, SYNTH),
    INS("lead synth", SAW_LEAD), INS("synth lead", SAW_LEAD), INS("saw lead", SAW_LEAD),
    INS("sawtooth", SAW_LEAD), INS("saw synth", SAW_LEAD), INS("square lead", SQUARE_LEAD),
    INS("square wave", SQUARE_LEAD), INS("chip lead", SQUARE_LEAD), INS("8 bit lead", SQUARE_LEAD),
    INS("supersaw", SUPERSAW), INS("super saw", SUPERSAW), INS("arp synth", ARP_SYNTH),
    INS("arpeggiated synth", ARP_SYNTH), INS("synth arp", ARP_SYNTH), INS("pluck", PLUCK),
    INS("pluck synth", PLUCK), INS("plucky synth", PLUCK), INS("polysynth", POLYSYNTH),
    INS("poly synth", POLYSYNTH), INS("synth chords", POLYSYNTH), INS("synth stabs", POLYSYNTH),
    INS("stabs", POLYSYNTH), INS("synth pad", WARM_PAD), INS("warm pad", WARM_PAD),
    INS("analog pad", WARM_PAD), INS("new age pad", NEWAGE_PAD), INS("halo pad", HALO_PAD),
    INS("ambient pad", HALO_PAD), INS("atmospheric pad", HALO_PAD), INS("airy pad", HALO_PAD),
    INS("sweep pad", SWEEP_PAD), INS("atmosphere", ATMOSPHERE), INS("textures", ATMOSPHERE),
    INS("texture", ATMOSPHERE), INS("sci fi", SCIFI), INS("laser", SCIFI), INS("lasers", SCIFI),
    INS("zaps", SCIFI), INS("riser", RISER), INS("uplifter", RISER), INS("sweeps", RISER),
    INS("whoosh", RISER), INS("reverse cymbal", RISER), INS("rain sounds", RAIN),
    INS("rain ambience", RAIN), INS("rainfall", RAIN), INS("raindrops", RAIN), INS("sound of rain", RAIN),
    INS("ocean waves", OCEAN), INS("waves", OCEAN), INS("ocean sounds", OCEAN), INS("seashore", OCEAN),
    INS("birdsong", BIRDS), INS("birds", BIRDS), INS("bird sounds", BIRDS), INS("birdsongs", BIRDS),
    INS("sitar", SITAR), INS("banjo", BANJO), INS("shamisen", SHAMISEN), INS("koto", KOTO),
    INS("guzheng", KOTO), INS("kalimba", KALIMBA), INS("thumb piano", KALIMBA), INS("mbira", KALIMBA),
    INS("steel drums", STEEL_DRUMS), INS("steel drum", STEEL_DRUMS), INS("steelpan", STEEL_DRUMS),
    INS("steel pan", STEEL_DRUMS), INS("taiko", TAIKO), INS("taiko drums", TAIKO),
    INS("drum kit", DRUM_KIT), INS("drumkit", DRUM_KIT), INS("drum set", DRUM_KIT),
    INS("acoustic drums", DRUM_KIT), INS("live drums", DRUM_KIT), INS("real drums", DRUM_KIT),
    INS("rock drums", POWER_KIT), INS("power drums", POWER_KIT),
    INS("drum machine", ELEC_KIT), INS("electronic drums", ELEC_KIT), INS("909", ELEC_KIT),
    INS("tr 909", ELEC_KIT), INS("programmed drums", ELEC_KIT), INS("808 drums", 808_KIT),
    INS("tr 808", 808_KIT), INS("808 kit", 808_KIT), INS("jazz drums", JAZZ_KIT), INS("jazz kit", JAZZ_KIT),
    INS("brushes", BRUSH_KIT), INS("brush drums", BRUSH_KIT), INS("brushed drums", BRUSH_KIT),
    INS("brush kit", BRUSH_KIT), INS("orchestral percussion", ORCH_KIT), INS("orchestral drums", ORCH_KIT),
    INS("lofi drums", LOFI_KIT), INS("lo fi drums", LOFI_KIT), INS("dusty drums", LOFI_KIT),
    INS("shaker", SHAKER), INS("shakers", SHAKER), INS("tambourine", TAMBOURINE),
    INS("handclaps", CLAPS), INS("hand claps", CLAPS), INS("claps", CLAPS), INS("clapping", CLAPS),
    INS("congas", CONGAS), INS("conga", CONGAS), INS("bongos", CONGAS), INS("bongo", CONGAS),
    INS("djembe", CONGAS), INS("hand percussion", CONGAS), INS("latin percussion", CONGAS),
    INS("cajon", PERC), INS("cowbell", PERC), INS("triangle", PERC), INS("woodblock", PERC),
    INS("castanets", PERC), INS("tabla", PERC),

    /* ---- role words: negated, a role goes; said, a role is asked for ---- */
    ROLE("drums", RB(DRUMS) | RB(PERC), DRUMS, NONE), ROLE("drum", RB(DRUMS) | RB(PERC), DRUMS, NONE),
    ROLE("drumming", RB(DRUMS) | RB(PERC), DRUMS, NONE), ROLE("drummer", RB(DRUMS) | RB(PERC), DRUMS, NONE),
    ROLE("beat", RB(DRUMS) | RB(PERC), DRUMS, NONE), ROLE("beats", RB(DRUMS) | RB(PERC), DRUMS, NONE),
    ROLE("percussion", RB(DRUMS) | RB(PERC), PERC, PERC), ROLE("percussive", RB(DRUMS) | RB(PERC), PERC, PERC),
    ROLE("rhythm section", RB(DRUMS) | RB(PERC) | RB(BASS), DRUMS, NONE),
    ROLE("bass", RB(BASS), BASS, NONE), ROLE("bassline", RB(BASS), BASS, NONE),
    ROLE("bass line", RB(BASS), BASS, NONE), ROLE("low end", RB(BASS), BASS, NONE),
    ROLE("pad", RB(PAD), PAD, WARM_PAD), ROLE("pads", RB(PAD), PAD, WARM_PAD),
    ROLE("chords", RB(CHORDS), CHORDS, NONE), ROLE("chord", RB(CHORDS), CHORDS, NONE),
    ROLE("melody", RB(LEAD) | RB(COUNTER), LEAD, NONE), ROLE("melodies", RB(LEAD) | RB(COUNTER), LEAD, NONE),
    ROLE("lead melody", RB(LEAD), LEAD, NONE), ROLE("lead", RB(LEAD), LEAD, NONE),
    ROLE("counter melody", RB(COUNTER), COUNTER, NONE), ROLE("countermelody", RB(COUNTER), COUNTER, NONE),
    ROLE("arp", RB(ARP), ARP, ARP_SYNTH), ROLE("arpeggio", RB(ARP), ARP, ARP_SYNTH),
    ROLE("arpeggios", RB(ARP), ARP, ARP_SYNTH), ROLE("arpeggiator", RB(ARP), ARP, ARP_SYNTH),
    ROLE("arpeggiated", RB(ARP), ARP, ARP_SYNTH),
    ROLE("fx", RB(FX), FX, RISER), ROLE("sfx", RB(FX), FX, RISER), ROLE("sound effects", RB(FX), FX, RISER),
    ROLE("effects", RB(FX), FX, RISER), ROLE("risers", RB(FX), FX, RISER),

    /* ---- parts we cannot play or remove alone ---- */
    PART("vocals", "vocals"), PART("vocal", "vocals"), PART("voice", "vocals"), PART("singing", "vocals"),
    PART("singer", "vocals"), PART("lyrics", "vocals"), PART("vocalist", "vocals"), PART("rapping", "vocals"),
    PART("words", "vocals"), SELFNEG("instrumental", "vocals"), SELFNEG("no vocal", "vocals"),
    PART("hi hats", "hi-hats"), PART("hihats", "hi-hats"), PART("hi hat", "hi-hats"), PART("hats", "hi-hats"),
    PART("kick drum", "kick"), PART("kick", "kick"), PART("snare", "snare"), PART("snares", "snare"),
    PART("cymbals", "cymbals"), PART("cymbal", "cymbals"), PART("autotune", "autotune"),
    PART("auto tune", "autotune"),

    /* ---- uses ---- */
    USE("study", STUDY), USE("studying", STUDY), USE("focus", STUDY), USE("focusing", STUDY),
    USE("concentration", STUDY), USE("concentrate", STUDY), USE("homework", STUDY), USE("reading", STUDY),
    USE("coding", STUDY), USE("programming", STUDY), USE("deep work", STUDY),
    USE("exam", STUDY), USE("exams", STUDY), USE("study session", STUDY), USE("productivity", STUDY),
    USE("study music", STUDY),
    USE("workout", WORKOUT), USE("work out", WORKOUT), USE("working out", WORKOUT), USE("gym", WORKOUT),
    USE("training", WORKOUT), USE("exercise", WORKOUT), USE("exercising", WORKOUT), USE("lifting", WORKOUT),
    USE("weightlifting", WORKOUT), USE("cardio", WORKOUT), USE("crossfit", WORKOUT), USE("hiit", WORKOUT),
    USE("fitness", WORKOUT), USE("spin class", WORKOUT), USE("boxing", WORKOUT),
    USE("running", RUNNING), USE("run", RUNNING), USE("jogging", RUNNING), USE("jog", RUNNING),
    USE("marathon", RUNNING), USE("sprint", RUNNING),
    USE("sleep", SLEEP), USE("sleeping", SLEEP), USE("bedtime", SLEEP), USE("bed time", SLEEP),
    USE("falling asleep", SLEEP), USE("asleep", SLEEP), USE("insomnia", SLEEP), USE("nap", SLEEP),
    USE("napping", SLEEP), USE("sleepy", SLEEP), USE("lullaby", SLEEP), USE("lullabies", SLEEP),
    USE("meditation", MEDITATION), USE("meditate", MEDITATION), USE("meditating", MEDITATION),
    USE("yoga", MEDITATION), USE("mindfulness", MEDITATION), USE("spa", MEDITATION),
    USE("massage", MEDITATION), USE("relaxation", MEDITATION), USE("breathing", MEDITATION),
    USE("breathwork", MEDITATION),
    USE("boss fight", BOSS_FIGHT), USE("boss battle", BOSS_FIGHT), USE("final boss", BOSS_FIGHT),
    USE("boss", BOSS_FIGHT), USE("battle", BOSS_FIGHT), USE("combat", BOSS_FIGHT),
    USE("fight scene", BOSS_FIGHT), USE("fight", BOSS_FIGHT), USE("game boss fight", BOSS_FIGHT),
    USE("game", GAME), USE("video game", GAME), USE("videogame", GAME), USE("gaming", GAME),
    USE("rpg", GAME), USE("platformer", GAME), USE("arcade", GAME), USE("overworld", GAME),
    USE("dungeon", GAME), USE("menu music", GAME), USE("game menu", GAME), USE("retro game", GAME),
    USE("level music", GAME),
    USE("driving", DRIVING), USE("drive", DRIVING), USE("night drive", DRIVING),
    USE("night driving", DRIVING), USE("road trip", DRIVING), USE("roadtrip", DRIVING),
    USE("cruising", DRIVING), USE("car", DRIVING), USE("highway", DRIVING), USE("freeway", DRIVING),
    USE("commute", DRIVING), USE("commuting", DRIVING),
    USE("party", PARTY), USE("partying", PARTY), USE("club", PARTY), USE("clubbing", PARTY),
    USE("dance floor", PARTY), USE("dancefloor", PARTY), USE("birthday", PARTY), USE("pregame", PARTY),
    USE("festival", PARTY), USE("house party", PARTY), USE("celebration", PARTY), USE("dancing", PARTY),
    USE("cafe", CAFE), USE("coffee", CAFE), USE("coffee shop", CAFE), USE("coffeehouse", CAFE),
    USE("restaurant", CAFE), USE("dinner", CAFE), USE("dinner party", CAFE), USE("brunch", CAFE),
    USE("wine bar", CAFE), USE("bistro", CAFE), USE("cocktail", CAFE), USE("cocktails", CAFE),
    USE("trailer", TRAILER), USE("teaser", TRAILER), USE("movie trailer", TRAILER),
    USE("trailer music", TRAILER),
    USE("film", FILM), USE("movie", FILM), USE("short film", FILM), USE("documentary", FILM),
    USE("montage", FILM), USE("cutscene", FILM), USE("credits", FILM), USE("end credits", FILM),
    USE("scene", FILM),
    USE("advert", ADVERT), USE("ad", ADVERT), USE("ads", ADVERT), USE("commercial", ADVERT),
    USE("advertisement", ADVERT), USE("jingle", ADVERT), USE("promo", ADVERT), USE("radio spot", ADVERT),
    USE("tv spot", ADVERT), USE("product video", ADVERT),
    USE("podcast", INTRO), USE("podcast intro", INTRO), USE("youtube intro", INTRO),
    USE("youtube", BACKGROUND), USE("stream intro", INTRO), USE("twitch", INTRO), USE("opening theme", INTRO),
    USE("intro music", INTRO), USE("channel intro", INTRO), USE("logo", INTRO),
    USE("background", BACKGROUND), USE("background music", BACKGROUND), USE("bgm", BACKGROUND),
    USE("lobby", BACKGROUND), USE("waiting room", BACKGROUND), USE("vlog", BACKGROUND),
    USE("shopping", BACKGROUND),
    USE("christmas", HOLIDAY), USE("xmas", HOLIDAY), USE("holiday", HOLIDAY), USE("holidays", HOLIDAY),
    USE("new year", HOLIDAY), USE("new years", HOLIDAY), USE("festive", HOLIDAY),
    USE("thanksgiving", HOLIDAY), USE("hanukkah", HOLIDAY),
    USE("wedding", WEDDING), USE("first dance", WEDDING), USE("bride", WEDDING),
    USE("ceremony", WEDDING), USE("proposal", WEDDING), USE("anniversary", WEDDING),

    /* ---- tempo words ---- */
    TEMPO("very slow", VSLOW), TEMPO("super slow", VSLOW), TEMPO("really slow", VSLOW),
    TEMPO("extremely slow", VSLOW), TEMPO("glacial", VSLOW), TEMPO("crawling", VSLOW),
    TEMPO("slow", SLOW), TEMPO("slowly", SLOW), TEMPO("slower", SLOW), TEMPO("slow paced", SLOW),
    TEMPO("slow tempo", SLOW), TEMPO("low tempo", SLOW), TEMPO("unhurried", SLOW), TEMPO("leisurely", SLOW),
    TEMPO("slowed", SLOW), TEMPO("slow jam", SLOW),
    TEMPO("moderate", MODERATE), TEMPO("moderate tempo", MODERATE), TEMPO("medium tempo", MODERATE),
    TEMPO("mid tempo", MODERATE), TEMPO("midtempo", MODERATE), TEMPO("medium paced", MODERATE),
    TEMPO("walking pace", MODERATE), TEMPO("mid paced", MODERATE),
    TEMPO("fast", FAST), TEMPO("faster", FAST), TEMPO("quick", FAST), TEMPO("rapid", FAST),
    TEMPO("speedy", FAST), TEMPO("fast paced", FAST), TEMPO("uptempo", FAST), TEMPO("up tempo", FAST),
    TEMPO("high tempo", FAST), TEMPO("brisk", FAST), TEMPO("quick tempo", FAST), TEMPO("sped up", FAST),
    TEMPO("very fast", VFAST), TEMPO("super fast", VFAST), TEMPO("really fast", VFAST),
    TEMPO("extremely fast", VFAST), TEMPO("blazing", VFAST), TEMPO("breakneck", VFAST),
    TEMPO("frantic", VFAST), TEMPO("lightning fast", VFAST), TEMPO("frenetic", VFAST),
    TEMPO("half time", HALF), TEMPO("halftime", HALF), TEMPO("half tempo", HALF), TEMPO("half speed", HALF),
    TEMPO("double time", DOUBLE), TEMPO("doubletime", DOUBLE), TEMPO("double tempo", DOUBLE),
    TEMPO("double speed", DOUBLE),
    TABS("grave", 40), TABS("largo", 50), TABS("lento", 55), TABS("adagio", 70), TABS("andante", 90),
    TABS("moderato", 110), TABS("allegretto", 115), TABS("allegro", 140), TABS("vivace", 160),
    TABS("presto", 180), TABS("prestissimo", 200),

    /* ---- energy ---- */
    ENERGY("high energy", 85), ENERGY("low energy", 25), ENERGY("medium energy", 50),
    ENERGY("mid energy", 50), ENERGY("intense", 90), ENERGY("explosive", 95), ENERGY("banger", 90),
    ENERGY("hard hitting", 85), ENERGY("heavy", 85), ENERGY("punchy", 75), ENERGY("quiet", 20),
    ENERGY("soft", 25), ENERGY("gentle", 25), ENERGY("subtle", 30), ENERGY("minimal", 30),
    ENERGY("sparse", 25), ENERGY("delicate", 20), ENERGY("loud", 85), ENERGY("low key", 30),
    ENERGY("lowkey", 30), ENERGY("understated", 30), ENERGY("full on", 90), ENERGY("very energetic", 95),
    ENERGY("hard", 85), ENERGY("aggressive energy", 95),

    /* ---- length ---- */
    LENGTH("short", 90), LENGTH("very short", 45), LENGTH("super short", 45), LENGTH("brief", 60),
    LENGTH("long", 300), LENGTH("very long", 480), LENGTH("extended", 420), LENGTH("extended mix", 420),
    LENGTH("radio edit", 200), LENGTH("full length", 210), LENGTH("snippet", 30), LENGTH("sketch", 60),
    LENGTH("stinger", 10), LENGTH("sting", 10),

    /* ---- meter ---- */
    METER("waltz", 3, 4), METER("waltzing", 3, 4), METER("triple meter", 3, 4), METER("triple time", 3, 4),
    METER("common time", 4, 4), METER("cut time", 2, 2), METER("compound time", 6, 8),
    METER("six eight", 6, 8), METER("three four", 3, 4), METER("odd time", 7, 8), METER("odd meter", 7, 8),
    METER("polka", 2, 4), METER("jig", 6, 8), METER("minuet", 3, 4), METER("mazurka", 3, 4),
    METER("tarantella", 6, 8),

    /* ---- swing ---- */
    SWING("swing", 60), SWING("swung", 60), SWING("swinging", 60), SWING("swingy", 60),
    SWING("shuffle", 66), SWING("shuffled", 66), SWING("shuffling", 66), SWING("triplet feel", 66),
    SWING("light swing", 30), SWING("slight swing", 30), SWING("heavy swing", 75), SWING("hard swing", 75),
    SWING("lazy swing", 45), SWING("straight feel", 0), SWING("straight eighths", 0),
    SWING("straight 8ths", 0), SWING("straight beat", 0), SWING("straight rhythm", 0),

    /* ---- modes (ctx 1: only with "in", "key", a note; 2: only after a note) ---- */
    MODE("major", IONIAN, 1), MODE("minor", AEOLIAN, 1), MODE("maj", IONIAN, 2), MODE("min", AEOLIAN, 2),
    MODE("dorian", DORIAN, 0), MODE("phrygian", PHRYGIAN, 0), MODE("phrygian dominant", PHRYGIAN, 0),
    MODE("lydian", LYDIAN, 0), MODE("mixolydian", MIXOLYDIAN, 0), MODE("aeolian", AEOLIAN, 0),
    MODE("ionian", IONIAN, 0), MODE("locrian", LOCRIAN, 0), MODE("harmonic minor", HARMONIC_MINOR, 0),
    MODE("melodic minor", MELODIC_MINOR, 0), MODE("natural minor", AEOLIAN, 0),

    /* ---- negators and the words a negation skips over ---- */
    NEG("no"), NEG("without"), NEG("w o"), NEG("minus"), NEG("sans"), NEG("not"), NEG("never"),
    NEG("dont"), NEG("do not"), NEG("doesnt"), NEG("does not"), NEG("exclude"), NEG("excluding"),
    NEG("avoid"), NEG("avoiding"), NEG("skip"), NEG("lose"), NEG("remove"), NEG("leave out"),
    NEG("free of"), NEG("zero"), NEG("nor"), NEG("instead of"), NEG("rather than"), NEG("none"),
    NEG("nothing"), NEG("but no"), NEG("cut the"), NEG("mute"),
    FILL("a"), FILL("an"), FILL("any"), FILL("the"), FILL("too"), FILL("very"), FILL("so"),
    FILL("overly"), FILL("real"), FILL("more"), FILL("much"), FILL("of"), FILL("use"), FILL("using"),
    FILL("loud"), FILL("big"), FILL("obvious"), FILL("annoying"), FILL("cheesy"), FILL("generic"),
    FILL("typical"), FILL("traditional"), FILL("standard"), FILL("many"), FILL("lots"), FILL("lot"),
    FILL("include"), FILL("including"), FILL("need"), FILL("want"), FILL("extra"), FILL("other"),
    FILL("kind"), FILL("sort"), FILL("type"), FILL("like"), FILL("really"), FILL("at"), FILL("all"),
    FILL("have"), FILL("with"), FILL("be"), FILL("it"), FILL("add"), FILL("any kind of"), FILL("heavy"),
    FILL("prominent"), FILL("busy"), FILL("harsh"), FILL("fake"), FILL("sampled"), FILL("my"),

    /* ---- eras ---- */
    ERA("fifties", "50s"), ERA("sixties", "60s"), ERA("seventies", "70s"), ERA("eighties", "80s"),
    ERA("nineties", "90s"), ERA("noughties", "2000s"), ERA("y2k", "2000s"),
};

#define N_LEX (sizeof lexicon / sizeof lexicon[0])

/* Does `w` equal `word` (n bytes), or `word` + "s" when plural is allowed? */
static int word_eq(const char *w, const char *word, size_t n, int plural)
{
    if (strncmp(w, word, n) != 0)
        return 0;
    if (w[n] == 0)
        return 1;
    return plural && w[n] == 's' && w[n + 1] == 0 && n >= 2;
}

/* Tokens of t from i matching phrase p, or 0. */
static size_t phrase_match(const id_text *t, size_t i, const char *p)
{
    size_t k = i;
    while (*p) {
        if (k >= t->n)
            return 0;
        if (k > i && (t->tok[k].flags & ID_TOK_BREAK))
            return 0;
        const char *sp = strchr(p, ' ');
        size_t n = sp ? (size_t)(sp - p) : strlen(p);
        if (!word_eq(t->tok[k].s, p, n, sp == NULL))
            return 0;
        p += n;
        if (*p == ' ')
            p++;
        k++;
    }
    return k - i;
}

const id_lex *id_lex_match(const id_text *t, size_t i, size_t *ntok)
{
    const id_lex *best = NULL;
    size_t best_n = 0;
    if (i >= t->n)
        return NULL;
    char c0 = t->tok[i].s[0];
    for (size_t e = 0; e < N_LEX; e++) {
        if (lexicon[e].phrase[0] != c0)
            continue;
        size_t n = phrase_match(t, i, lexicon[e].phrase);
        if (n > best_n) {
            best = &lexicon[e];
            best_n = n;
        }
    }
    if (ntok)
        *ntok = best_n;
    return best;
}

size_t id_lex_filler(const id_text *t, size_t i)
{
    size_t best = 0;
    if (i >= t->n)
        return 0;
    for (size_t e = 0; e < N_LEX; e++) {
        if (lexicon[e].kind != K_FILLER)
            continue;
        size_t n = phrase_match(t, i, lexicon[e].phrase);
        if (n > best)
            best = n;
    }
    return best;
}

const id_lex *id_lex_word(const char *w)
{
    for (size_t e = 0; e < N_LEX; e++) {
        const char *p = lexicon[e].phrase;
        if (!strchr(p, ' ') && word_eq(w, p, strlen(p), 1))
            return &lexicon[e];
    }
    return NULL;
}

/* Optimal string alignment distance, capped: returns cap+1 when above. */
static int edit_distance(const char *a, const char *b, int cap)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 31 || lb > 31 || la - lb > cap || lb - la > cap)
        return cap + 1;
    int d[33][33];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++) {
        int row_min = cap + 1;
        for (int j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > cap)
            return cap + 1;
    }
    return d[la][lb];
}

/* English words one edit away from a genre or instrument name. */
static const char *const fuzzy_stop[] = {
    "france", "county", "grudge", "counter", "single", "bungle", "jingles",
    "balled", "ballot", "violent", "classic", "classy", "rocket", "rocker",
    "houses", "horses", "mouse", "trances", "chance", "stance", "reggie",
    "organic", "organs", "strong", "strings", "fluted", "flutter", "harper",
    "metals", "petals", "medals", "garbage", "pianist", "guitarist", "drummer",
    "basses", "bassist", "voices", "choice", "brasses", "synthetic", "trumpets",
    "celtics", "soundtracks", "cellist", "violinist", NULL,
};

int id_word_in(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(w, list[i]))
            return 1;
    return 0;
}

const id_lex *id_lex_fuzzy(const char *w)
{
    size_t lw = strlen(w);
    if (lw < 6 || lw > 24)
        return NULL;
    for (const char *p = w; *p; p++)
        if (*p < 'a' || *p > 'z')
            return NULL;
    if (id_word_in(w, fuzzy_stop))
        return NULL;
    const id_lex *best = NULL;
    int best_d = 99;
    for (size_t e = 0; e < N_LEX; e++) {
        const id_lex *x = &lexicon[e];
        if (x->kind != K_GENRE && x->kind != K_INSTR)
            continue;
        size_t lp = strlen(x->phrase);
        if (lp < 6 || strchr(x->phrase, ' '))
            continue;
        int cap = (lw >= 9 && lp >= 9) ? 2 : 1;
        int d = edit_distance(w, x->phrase, cap);
        if (d <= cap && d < best_d) {
            best = x;
            best_d = d;
        }
    }
    return best;
}

int id_genre_find(const char *name)
{
    if (!name)
        return -1;
    for (int g = 0; g < G_COUNT; g++)
        if (!strcmp(name, id_genres[g].id))
            return g;
    /* any alias, after the same normalisation the prompt gets */
    id_text t;
    if (id_text_split(&t, name, strlen(name)))
        return -1;
    int g = -1;
    size_t n = 0;
    const id_lex *e = id_lex_match(&t, 0, &n);
    if (e && e->kind == K_GENRE && n == t.n)
        g = e->id;
    id_text_free(&t);
    return g;
}

int id_mood_find(const char *name)
{
    if (!name)
        return -1;
    id_text t;
    if (id_text_split(&t, name, strlen(name)))
        return -1;
    int m = -1;
    size_t n = 0;
    const id_lex *e = id_lex_match(&t, 0, &n);
    if (e && e->kind == K_MOOD && n == t.n)
        m = e->id;
    id_text_free(&t);
    return m;
}
