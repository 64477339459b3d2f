// Runs pages/recovery.js against a stub page and fetch, as TestPagesScriptBehaviour asks:
//   node recovery_harness.js <recovery.js>
// Each scenario loads a page at an address, checks nothing is sent on load, submits, and checks what
// was sent and shown. Failures are printed and make the exit status 1.
"use strict";
const fs = require("fs");
const vm = require("vm");

const source = fs.readFileSync(process.argv[2], "utf8");
let failures = 0;

function check(scenario, ok, what) {
  if (!ok) {
    failures++;
    console.log(scenario + ": " + what);
  }
}

function element(id, attrs) {
  const el = {
    id, textContent: "", className: "", disabled: false, hidden: false, value: "", focused: false,
    attrs: Object.assign({}, attrs), listeners: {},
    getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; },
    setAttribute(n, v) { this.attrs[n] = String(v); },
    removeAttribute(n) { delete this.attrs[n]; },
    addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); },
    focus() { el.focused = true; },
    querySelector() { return null; },
  };
  return el;
}

// page builds the elements of one of the pages, as its HTML has them.
function page(flow, fields) {
  const els = {};
  const main = element("", { "data-flow": flow });
  const button = element("", { type: "submit" });
  button.disabled = true;
  const form = element("flow");
  form.querySelector = (sel) => (sel === "button[type=submit]" ? button : null);
  els.flow = form;
  els.result = element("result", { role: "status" });
  for (const f of fields) {
    els[f] = element(f);
    els[f + "-error"] = element(f + "-error");
  }
  return { main, button, form, els };
}

async function settle() {
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setImmediate(r));
  }
}

// run loads the script on a page at href, then submits the form when asked, answering fetch with
// answer; it returns what happened.
async function run(flow, fields, href, answer, fill) {
  const p = page(flow, fields);
  const url = new URL(href);
  const location = { pathname: url.pathname, search: url.search, hash: url.hash };
  const replaced = [];
  const sent = [];
  const window = {
    location,
    history: {
      replaceState(state, title, to) {
        replaced.push(to);
        const u = new URL(to, href);
        location.pathname = u.pathname;
        location.search = u.search;
        location.hash = u.hash;
      },
    },
  };
  const document = {
    readyState: "complete",
    querySelector: (sel) => (sel === "main[data-flow]" ? p.main : null),
    getElementById: (id) => p.els[id] || null,
    addEventListener() {},
  };
  const fetch = (path, init) => {
    sent.push({ path, init });
    return Promise.resolve({
      ok: answer.status >= 200 && answer.status < 300,
      status: answer.status,
      json: () => (answer.body === undefined ? Promise.reject(new Error("no body")) : Promise.resolve(answer.body)),
    });
  };
  vm.runInNewContext(source, { window, document, fetch, URLSearchParams, console, Promise, JSON, Array, String, Boolean });
  const onLoad = { sent: sent.length, replaced: replaced.slice(), location: Object.assign({}, location), enabled: !p.button.disabled };
  if (fill) {
    fill(p.els);
  }
  for (const fn of p.form.listeners.submit || []) {
    await fn({ preventDefault() {} });
  }
  await settle();
  return { onLoad, sent, p };
}

(async () => {
  let s = "verify: the fragment's token, sent only on submit";
  let r = await run("verify-email", [], "https://id.example/verify-email?token=fromquery#token=fromfragment",
    { status: 200, body: { email: "ada@example.com", is_verified: true } });
  check(s, r.onLoad.sent === 0, "a request went out when the page loaded");
  check(s, r.onLoad.replaced.length === 1 && r.onLoad.replaced[0] === "/verify-email", "the address bar kept the token: " + JSON.stringify(r.onLoad.replaced));
  check(s, r.onLoad.location.search === "" && r.onLoad.location.hash === "", "the location still holds the token");
  check(s, r.onLoad.enabled, "the button stayed disabled");
  check(s, r.sent.length === 1 && r.sent[0].path === "api/v1/auth/verify-email" && r.sent[0].init.method === "POST",
    "want one POST to api/v1/auth/verify-email: " + JSON.stringify(r.sent));
  check(s, r.sent.length === 1 && r.sent[0].init.body === JSON.stringify({ token: "fromfragment" }), "sent " + (r.sent[0] && r.sent[0].init.body));
  check(s, r.p.els.result.className === "ok" && r.p.els.result.textContent.includes("ada@example.com"), "shows " + r.p.els.result.textContent);
  check(s, r.p.form.hidden, "the form is still shown after success");

  s = "confirm: the query's token when there is no fragment; a spent link disables the form";
  r = await run("confirm-email", [], "https://id.example/confirm-email?token=fromquery",
    { status: 400, body: { detail: "The link is invalid or has expired", code: "invalid_link" } });
  check(s, r.onLoad.sent === 0 && r.onLoad.replaced[0] === "/confirm-email", "load: " + JSON.stringify(r.onLoad));
  check(s, r.sent.length === 1 && r.sent[0].path === "api/v1/users/me/email/confirm" && r.sent[0].init.body === JSON.stringify({ token: "fromquery" }),
    "sent " + JSON.stringify(r.sent));
  check(s, r.p.els.result.textContent.startsWith("Error: The link is invalid or has expired."), "shows " + r.p.els.result.textContent);
  check(s, r.p.button.disabled, "the button is enabled again for a link that can't work");

  s = "reset: the passwords with the token; a 422 marks the field and lets the person retry";
  r = await run("reset-password", ["new_password", "confirm_password"], "https://id.example/reset-password#token=t1",
    { status: 422, body: { detail: [{ loc: ["body", "new_password"], msg: "the password is too easy to guess", type: "password_too_weak" }] } },
    (els) => { els.new_password.value = "weakweakweak1"; els.confirm_password.value = "weakweakweak1"; });
  check(s, r.onLoad.sent === 0, "a request went out when the page loaded");
  check(s, r.sent.length === 1 && r.sent[0].path === "api/v1/auth/reset-password" &&
    r.sent[0].init.body === JSON.stringify({ token: "t1", new_password: "weakweakweak1", confirm_password: "weakweakweak1" }), "sent " + JSON.stringify(r.sent));
  check(s, r.p.els["new_password-error"].textContent === "the password is too easy to guess", "field error " + r.p.els["new_password-error"].textContent);
  check(s, r.p.els.new_password.getAttribute("aria-invalid") === "true" && r.p.els.new_password.focused, "the field is not marked and focused");
  check(s, !r.p.button.disabled, "the button stayed disabled after a 422");

  s = "reset: success";
  r = await run("reset-password", ["new_password", "confirm_password"], "https://id.example/reset-password#token=t2", { status: 204 },
    (els) => { els.new_password.value = "NewSecurePass123!"; els.confirm_password.value = "NewSecurePass123!"; });
  check(s, r.p.els.result.className === "ok" && r.p.els.result.textContent.includes("new password is set"), "shows " + r.p.els.result.textContent);

  s = "no token: nothing can be sent";
  r = await run("verify-email", [], "https://id.example/verify-email", { status: 200, body: {} });
  check(s, r.sent.length === 0 && !r.onLoad.enabled, "sent " + r.sent.length + ", button enabled " + r.onLoad.enabled);
  check(s, r.p.els.result.textContent.startsWith("Error: "), "shows " + r.p.els.result.textContent);

  process.exit(failures ? 1 : 0);
})();
