package jwttoken

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Where golang-jwt is lenient, the rules here hold a token to RFC 7515/7519 before it is trusted:
// every other verifier of the same token, and every cache, deny list or log that keys on its
// text, must see one token with one meaning.

var segmentEncoding = base64.RawURLEncoding.Strict()

// canonicalSegments refuses a token any part of which is not the one spelling RFC 7515 §2 allows
// for its bytes: base64url, unpadded, spare bits zero. golang-jwt's decoder refuses padding and
// "+" or "/", but skips CR and LF and ignores spare bits, so one signed token would have many
// spellings.
func canonicalSegments(token string) error {
	for i, seg := range strings.Split(token, ".") {
		b, err := segmentEncoding.DecodeString(seg)
		// The decoder skips line breaks, so a segment that holds any decodes to fewer bytes than
		// its length says.
		if err != nil || segmentEncoding.EncodedLen(len(b)) != len(seg) {
			return fmt.Errorf("segment %d is not canonical base64url", i+1)
		}
	}
	return nil
}

// refuseCrit refuses a token that names critical header parameters: RFC 7515 §4.1.11 asks a
// recipient to refuse one whose crit lists an extension it does not understand, and this
// service understands none.
func refuseCrit(header map[string]any) error {
	if _, present := header["crit"]; present {
		return errors.New("token has a crit header")
	}
	return nil
}

// UnmarshalJSON decodes the claims, refusing an exp, iat or nbf that is not a JSON number
// (RFC 7519 §2, NumericDate): golang-jwt takes the string "9999999999" for a date too, and a null
// for no date at all.
func (c *claims) UnmarshalJSON(b []byte) error {
	// Decoded with the same struct rules as the claims below, so the member checked here is the
	// one that is used, whatever its letter case or how often it is repeated.
	var dates struct {
		Exp json.RawMessage `json:"exp"`
		Iat json.RawMessage `json:"iat"`
		Nbf json.RawMessage `json:"nbf"`
	}
	if err := json.Unmarshal(b, &dates); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		raw  json.RawMessage
	}{{"exp", dates.Exp}, {"iat", dates.Iat}, {"nbf", dates.Nbf}} {
		if len(d.raw) > 0 && d.raw[0] != '-' && (d.raw[0] < '0' || d.raw[0] > '9') {
			return fmt.Errorf("claim %s is not a number", d.name)
		}
	}
	type plain claims // without this method, so the next call does not recurse
	return json.Unmarshal(b, (*plain)(c))
}
