package user

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Email length limits from RFC 5321.
const (
	maxEmailLen = 254
	maxLocalLen = 64
)

// NormalizeEmail validates an address and returns its canonical form: ASCII letters lower-cased, no
// surrounding space. Two different canonical forms are two different accounts, and two different
// addresses never share one; the caller must refuse text that is not in Unicode NFC, so that no
// normalisation can merge addresses either. The address as sent must pass the text rule with no
// exception (see textFault): an invisible character would make two accounts look the same.
func NormalizeEmail(field, raw string) (string, error) {
	if fault := textFault(raw, identifierText); fault != "" {
		return "", invalid(field, Invalid, "value is not a valid email address: it contains "+fault)
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", invalid(field, Invalid, "value is not a valid email address: it is empty")
	}
	if utf8.RuneCountInString(s) > maxEmailLen {
		return "", invalid(field, Invalid, "value is not a valid email address: it is longer than 254 characters")
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return "", invalid(field, Invalid, "value is not a valid email address: it contains whitespace or control characters")
		}
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "", invalid(field, Invalid, "value is not a valid email address")
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if utf8.RuneCountInString(local) > maxLocalLen {
		return "", invalid(field, Invalid, "value is not a valid email address: the part before @ is longer than 64 characters")
	}
	if strings.HasPrefix(local, `"`) {
		return "", invalid(field, Invalid, "value is not a valid email address: quoted local parts are not accepted")
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", invalid(field, Invalid, "value is not a valid email address: the domain must have a dot and no empty labels")
	}
	return asciiLower(s), nil
}

// NormalizeEmailPrefix is the start of an address as NormalizeEmail would write it: trimmed, ASCII
// letters lower-cased, nothing checked, since a prefix need not be an address.
func NormalizeEmailPrefix(raw string) string { return asciiLower(strings.TrimSpace(raw)) }

// asciiLower folds A–Z only. Unicode case mapping would merge different addresses: strings.ToLower
// turns "İ" (U+0130) into "i", so "MİKE@" would become "mike@" and reach Mike's account.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
