package user

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// textUse names where a string ends up, which decides the few exceptions the text rule grants.
type textUse int

const (
	// identifierText is matched or dialled (email, phone number): no exceptions.
	identifierText textUse = iota
	// lineText is shown on one line (first and last name): emoji sequences are allowed.
	lineText
	// multilineText is shown as a paragraph (bio): emoji sequences and line feeds are allowed.
	multilineText
)

// textFault applies the text rule to s and returns "" when s passes, or a phrase naming the first
// code point it refuses and why, such as "control characters (U+001B)".
//
// The rule, with Unicode character data as the standard library's unicode package has it
// (unicode.Version, 15.0.0 in Go 1.26): s must be valid UTF-8, and every code point must be
// graphic (unicode.IsGraphic: general categories L, M, N, P, S and Zs) and not default-ignorable
// (neither Other_Default_Ignorable_Code_Point nor Variation_Selector). That refuses every control
// (Cc: C0, DEL, C1, tab, CR, LF), every format character (Cf: soft hyphen, bidi marks, embeddings,
// overrides and isolates, zero-width space, joiners, word joiner, BOM, tags), private use (Co),
// surrogates (Cs), unassigned code points and noncharacters (Cn), line and paragraph separators
// (Zl, Zp), variation selectors, the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) and the
// combining grapheme joiner (U+034F).
// Three exceptions, none of which can reorder text, hide a letter or carry more than a bit or two:
//   - in a bio only, LF (U+000A) breaks lines; CR and tab stay refused, so a line break has one spelling;
//   - in names and bio, VS15/VS16 (U+FE0E, U+FE0F) directly after a letter, number, punctuation
//     or symbol, which is how ❤️ and 1️⃣ are spelled;
//   - in names and bio, ZERO WIDTH JOINER (U+200D) between two emoji, as in 👩‍💻 or 🏳️‍🌈: the code
//     point before it (after at most one skin-tone modifier U+1F3FB–U+1F3FF and one U+FE0F) and the
//     one after it are both symbols (So).
//
// Emails and phone numbers get no exception: a joiner or selector there is invisible and would
// make two addresses that look the same.
func textFault(s string, use textUse) string {
	prev := rune(-1)
	afterEmoji := false // the text so far ends in an emoji a joiner may follow
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Sprintf("invalid UTF-8 (byte 0x%02X)", s[i])
		}
		next := rune(-1) // not utf8.RuneError at the end: U+FFFD is a symbol (So) a joiner could precede
		if i+size < len(s) {
			next, _ = utf8.DecodeRuneInString(s[i+size:])
		}
		if !allowed(r, prev, next, afterEmoji, use) {
			return refusal(r, use)
		}
		switch {
		case unicode.Is(unicode.So, r):
			afterEmoji = true
		case isSkinTone(r) || r == 0xFE0F:
			// A modifier or presentation selector completes the emoji before it; a joiner may still follow.
		default:
			afterEmoji = false
		}
		prev = r
		i += size
	}
	return ""
}

func allowed(r, prev, next rune, afterEmoji bool, use textUse) bool {
	switch r {
	case '\n':
		return use == multilineText
	case 0xFE0E, 0xFE0F:
		return use != identifierText && prev >= 0 && unicode.In(prev, unicode.L, unicode.N, unicode.P, unicode.S)
	case 0x200D:
		return use != identifierText && afterEmoji && next >= 0 && unicode.Is(unicode.So, next)
	}
	return unicode.IsGraphic(r) && !unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

func isSkinTone(r rune) bool { return 0x1F3FB <= r && r <= 0x1F3FF }

// refusal names the kind of a refused code point in the words a user can act on.
func refusal(r rune, use textUse) string {
	var what string
	switch {
	case r == '\r' && use == multilineText:
		return fmt.Sprintf("control characters (U+%04X); break lines with a line feed (U+000A) alone", r)
	case unicode.IsControl(r):
		what = "control characters"
	case unicode.In(r, unicode.Zl, unicode.Zp):
		what = "line or paragraph separators"
	case unicode.Is(unicode.Co, r):
		what = "private-use characters"
	case unicode.Is(unicode.Noncharacter_Code_Point, r):
		what = "noncharacters"
	case unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector):
		what = "invisible or bidirectional formatting characters"
	default:
		what = "unassigned code points"
	}
	return fmt.Sprintf("%s (U+%04X)", what, r)
}
