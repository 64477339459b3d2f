// recovery.js runs the pages a mailed link opens. It takes the link's token out of the address bar
// as soon as the page loads, and sends it to the API only when the person presses the button or
// submits the form: mail scanners open links before people do, and a GET must never spend a token.
(function () {
  "use strict";

  // What each page asks the API, and what it says when that worked. Paths are relative, so the
  // pages work wherever the service is mounted.
  var flows = {
    "verify-email": {
      path: "api/v1/auth/verify-email",
      fields: [],
      done: function (user) {
        return "Your email address " + user.email + " is verified. You can close this page.";
      }
    },
    "confirm-email": {
      path: "api/v1/users/me/email/confirm",
      fields: [],
      done: function (user) {
        return "Your account now uses " + user.email + ". Log in with this address from now on.";
      }
    },
    "reset-password": {
      path: "api/v1/auth/reset-password",
      fields: ["new_password", "confirm_password"],
      done: function () {
        return "Your new password is set, and every session of your account has ended. Log in again with the new password.";
      }
    }
  };

  // Errors after which the same link can never work: the form stays disabled.
  var spent = { invalid_link: true, email_taken: true };

  // What a person can do about an error, beyond what the API's detail says.
  var hints = {
    invalid_link: "Ask for a new link, and open the newest one you received.",
    email_taken: "Another account took this address after you asked to move to it.",
    internal_error: "Please try again later."
  };

  // takeToken returns the token of the link, from the fragment (#token=…, which never reaches a
  // server) or else the query (?token=…), and removes both from the address bar and history.
  function takeToken() {
    var fromHash = new URLSearchParams(window.location.hash.slice(1)).get("token");
    var fromQuery = new URLSearchParams(window.location.search).get("token");
    if (fromHash !== null || fromQuery !== null) {
      window.history.replaceState(null, "", window.location.pathname);
    }
    return fromHash || fromQuery || "";
  }

  function start() {
    var main = document.querySelector("main[data-flow]");
    var flow = main && flows[main.getAttribute("data-flow")];
    if (!flow) {
      return;
    }
    var form = document.getElementById("flow");
    var button = form.querySelector("button[type=submit]");
    var result = document.getElementById("result");
    var token = takeToken();
    var busy = false;

    function say(kind, text, focus) {
      result.className = kind;
      result.textContent = (kind === "error" ? "Error: " : "") + text;
      if (focus) {
        result.focus();
      }
    }

    function clearFieldErrors() {
      flow.fields.forEach(function (name) {
        document.getElementById(name).removeAttribute("aria-invalid");
        document.getElementById(name + "-error").textContent = "";
      });
    }

    // fieldError shows msg beside the input it is about; false when the page has no such input.
    function fieldError(name, msg) {
      if (flow.fields.indexOf(name) < 0) {
        return false;
      }
      var input = document.getElementById(name);
      input.setAttribute("aria-invalid", "true");
      var slot = document.getElementById(name + "-error");
      slot.textContent = (slot.textContent ? slot.textContent + " " : "") + msg;
      return true;
    }

    // failed explains an answer that is not a success, in the API's own words.
    function failed(status, body) {
      var detail = body && body.detail;
      if (Array.isArray(detail)) {
        var rest = [];
        var firstField = null;
        detail.forEach(function (item) {
          var name = item.loc && item.loc[0] === "body" ? String(item.loc[1]) : "";
          if (fieldError(name, item.msg)) {
            firstField = firstField || name;
          } else {
            rest.push(item.msg);
          }
        });
        say("error", rest.length ? rest.join(" ") : "Please correct the fields marked above.", false);
        if (firstField) {
          document.getElementById(firstField).focus();
        }
        return false;
      }
      var code = body && body.code;
      var text = typeof detail === "string" && detail ? detail : "The service answered with status " + status;
      if (!/[.!?]$/.test(text)) {
        text += ".";
      }
      if (hints[code]) {
        text += " " + hints[code];
      }
      say("error", text, true);
      return Boolean(spent[code]);
    }

    async function send(event) {
      event.preventDefault();
      if (busy || !token) {
        return;
      }
      busy = true;
      button.disabled = true;
      clearFieldErrors();
      say("", "Sending…", false);
      var body = { token: token };
      flow.fields.forEach(function (name) {
        body[name] = document.getElementById(name).value;
      });
      var res;
      try {
        res = await fetch(flow.path, {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept": "application/json" },
          body: JSON.stringify(body),
          credentials: "omit",
          cache: "no-store",
          referrerPolicy: "no-referrer"
        });
      } catch (err) {
        say("error", "The service could not be reached. Check your connection and try again.", true);
        busy = false;
        button.disabled = false;
        return;
      }
      var answer = null;
      if (res.status !== 204) {
        try {
          answer = await res.json();
        } catch (err) {
          answer = null;
        }
      }
      busy = false;
      if (res.ok) {
        token = "";
        form.hidden = true;
        say("ok", flow.done(answer || {}), true);
        return;
      }
      if (failed(res.status, answer)) {
        token = "";
        return;
      }
      button.disabled = false;
    }

    if (!token) {
      say("error", "This page needs the link from your email, and it was opened without one. Open the link from the message again.", false);
      return;
    }
    form.addEventListener("submit", send);
    button.disabled = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
