package httpapi

import (
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// The pages and their files carry the strict policy and the headers a token in the address needs,
// and the pages hold nothing the policy would block or that reaches outside the service.
func TestPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, tt := range []struct{ path, contentType, has string }{
		{"/verify-email", "text/html; charset=utf-8", `data-flow="verify-email"`},
		{"/reset-password", "text/html; charset=utf-8", `data-flow="reset-password"`},
		{"/confirm-email", "text/html; charset=utf-8", `data-flow="confirm-email"`},
		{"/verify-email?token=abc", "text/html; charset=utf-8", `data-flow="verify-email"`},
		{"/pages/recovery.js", "text/javascript; charset=utf-8", "history.replaceState"},
		{"/pages/recovery.css", "text/css; charset=utf-8", ":focus-visible"},
	} {
		rec := w.send(t, http.MethodGet, tt.path, "", "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), tt.has) {
			t.Errorf("%s: %d, want 200 with %q", tt.path, rec.Code, tt.has)
		}
		for name, want := range map[string]string{
			"Content-Type":            tt.contentType,
			"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
			"Referrer-Policy":         "no-referrer",
			"Cache-Control":           "no-store",
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
		} {
			if got := rec.Header().Get(name); got != want {
				t.Errorf("%s: %s %q, want %q", tt.path, name, got, want)
			}
		}
	}
	wantProblem(t, w.send(t, http.MethodGet, "/pages/swagger-ui-bundle.js", "", ""), http.StatusNotFound, "not_found", "Not Found")
	wantProblem(t, w.send(t, http.MethodGet, "/pages/verify-email.html", "", ""), http.StatusNotFound, "not_found", "Not Found")
	// A page is only ever read: what spends a token is the API's POST.
	for _, path := range []string{"/verify-email", "/reset-password", "/confirm-email"} {
		rec := w.send(t, http.MethodPost, path, "", `{"token":"x"}`)
		wantProblem(t, rec, http.StatusMethodNotAllowed, "method_not_allowed", "Method Not Allowed")
	}
}

var (
	tagPattern    = regexp.MustCompile(`<(script|link|input|label|button|form)\b[^>]*>`)
	attrPattern   = regexp.MustCompile(`\b(src|href|for|id|action)="([^"]*)"`)
	inlineScript  = regexp.MustCompile(`<script\b[^>]*>[^<]+</script>`)
	inlineHandler = regexp.MustCompile(`<[^>]*\son[a-z]+=`)
)

// Each page is accessible without its stylesheet: a language, a main landmark, a heading, a label
// for every input, a message area, and a word for people without JavaScript. Nothing on it loads
// from elsewhere or runs inline, where the policy would refuse it anyway.
func TestPagesMarkup(t *testing.T) {
	t.Parallel()
	for name, page := range map[string][]byte{"verify-email": verifyEmailPage, "reset-password": resetPasswordPage, "confirm-email": confirmEmailPage} {
		html := string(page)
		for _, want := range []string{
			`<!doctype html>`, `<html lang="en">`, `<meta charset="utf-8">`, `<meta name="referrer" content="no-referrer">`,
			`<main data-flow="` + name + `">`, "<h1>", "<title>", `<noscript>`, `id="result" role="status"`,
			`<script src="pages/recovery.js" defer></script>`, `<link rel="stylesheet" href="pages/recovery.css">`,
			`<form id="flow" method="post">`, `<button type="submit" disabled>`,
		} {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		for _, banned := range []string{"style=", "javascript:", "//"} {
			if strings.Contains(html, banned) {
				t.Errorf("%s holds %q: inline style and outside addresses are not allowed", name, banned)
			}
		}
		if inlineScript.MatchString(html) || inlineHandler.MatchString(html) {
			t.Errorf("%s has an inline script or event handler", name)
		}
		labelled := map[string]bool{}
		var inputs []string
		for _, tag := range tagPattern.FindAllStringSubmatch(html, -1) {
			attrs := map[string]string{}
			for _, a := range attrPattern.FindAllStringSubmatch(tag[0], -1) {
				attrs[a[1]] = a[2]
			}
			switch tag[1] {
			case "label":
				labelled[attrs["for"]] = true
			case "input":
				inputs = append(inputs, attrs["id"])
			}
		}
		for _, id := range inputs {
			if id == "" || !labelled[id] {
				t.Errorf("%s: input %q has no label", name, id)
			}
		}
		want := "[]"
		if name == "reset-password" {
			want = "[new_password confirm_password]"
		}
		if got := fmt.Sprint(inputs); got != want {
			t.Errorf("%s: inputs %s, want %s", name, got, want)
		}
	}
}

// The script sends the token only from the handler of the form's submit event, and never reads
// anything from the page as markup.
func TestPagesScript(t *testing.T) {
	t.Parallel()
	js := string(recoveryScript)
	if n := strings.Count(js, "fetch("); n != 1 {
		t.Fatalf("%d calls of fetch, want the one in send", n)
	}
	send := js[strings.Index(js, "async function send("):]
	if !strings.Contains(send, "fetch(") || !strings.Contains(js, `form.addEventListener("submit", send)`) {
		t.Errorf("fetch is not reached from the submit handler alone")
	}
	for _, banned := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "localStorage", "sessionStorage", "http:", "https:"} {
		if strings.Contains(js, banned) {
			t.Errorf("the script uses %s", banned)
		}
	}
	for _, want := range []string{`window.location.hash`, `window.location.search`, `window.history.replaceState(null, "", window.location.pathname)`} {
		if !strings.Contains(js, want) {
			t.Errorf("the script lacks %s", want)
		}
	}
}

// The script's behaviour, run in Node against a stub page (testdata/recovery_harness.js): nothing
// goes out when a page loads, the token leaves the address bar at once, the fragment's token wins
// over the query's, the submit sends it with the form's fields, and answers are shown.
func TestPagesScriptBehaviour(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed, so the pages' script is not run")
	}
	out, err := exec.CommandContext(t.Context(), node, "testdata/recovery_harness.js", "pages/recovery.js").CombinedOutput()
	if err != nil {
		t.Errorf("%v\n%s", err, out)
	}
}
