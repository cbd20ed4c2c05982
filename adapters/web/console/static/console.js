// Pages that keep themselves current. Without script the pages work the same.
//
// The queue (#live): every `data-refresh` seconds it fetches the same page and swaps in the counts and rows,
// unless the person is typing in the filter form. Once the session has ended (the console answers with its
// sign-in page, or 401), it takes the person to sign in, to come back to this page.
//
// A case (#case-watch): every `data-refresh` seconds it asks the case's page (`data-href`: this page is also what
// a refused form answers) whether the case is still at the version shown (If-None-Match: 304 when it is); when it
// changed, it says so with a link to reload, and asks no more. It never reloads by itself: what the person is
// typing would be lost. Once the session has ended it says so, with a link to sign in in another tab (this page
// stays as it is), and goes on checking.
//
// When a check cannot be made (429, 5xx, the network), the notice (#watch-notice) says so and when the next try
// is (as late as the answer's Retry-After asks); a check that goes through clears it.
(function () {
  "use strict";
  const signIn = "/console/sign-in";
  const longestWait = 3600; // seconds: a Retry-After past this is not waited out

  function signedOut(response) {
    return response.status === 401 || (response.redirected && new URL(response.url).pathname === signIn);
  }

  // The seconds a refusal asks to wait before the next try (Retry-After: seconds or an HTTP date), if it says.
  function retryAfter(response) {
    const value = response.headers.get("Retry-After");
    if (!value) { return null; }
    const seconds = /^\s*\d+\s*$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
    return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, longestWait) : null;
  }

  // A check that could not be made; `wait` is how long its answer asked to wait, if it did.
  class Unchecked extends Error {
    constructor(wait) { super("not checked"); this.wait = wait; }
  }

  async function checked(request) {
    let response;
    try {
      response = await request();
    } catch {
      throw new Unchecked(null);
    }
    if (!response.ok && response.status !== 304 && response.status !== 401) {
      throw new Unchecked(retryAfter(response));
    }
    return response;
  }

  function show(notice, template, seconds) {
    const shown = document.getElementById(template).content.cloneNode(true);
    const next = shown.querySelector("time");
    if (next) {
      const at = new Date(Date.now() + seconds * 1000);
      next.dateTime = at.toISOString();
      const time = at.toLocaleTimeString("en-GB", { timeZone: "Europe/Istanbul", hour12: false });
      next.textContent = `${time} ${document.documentElement.lang === "tr" ? "TSİ" : "Istanbul"}`; // as the pages write times
    }
    notice.replaceChildren(shown);
  }

  // Runs `check` every `seconds`. It resolves to true (checked: the page is current), null (not checked this
  // time: the notice stays as it is) or false (no more checks); it throws Unchecked when it cannot be made.
  function every(seconds, notice, check) {
    async function run() {
      let wait = seconds;
      try {
        const result = await check();
        if (result === false) { return; }
        if (result === true) { notice.replaceChildren(); }
      } catch (error) {
        wait = (error instanceof Unchecked && error.wait) || seconds;
        show(notice, "watch-failed", wait);
      }
      window.setTimeout(run, wait * 1000);
    }
    window.setTimeout(run, seconds * 1000);
  }

  function refreshQueue(live) {
    const pause = document.getElementById("pause-refresh");
    pause?.addEventListener("click", () => {
      pause.setAttribute("aria-pressed", String(pause.getAttribute("aria-pressed") !== "true"));
    });
    return async function () {
      const active = document.activeElement;
      if (active && active.closest && active.closest("form")) { return null; }
      if (pause?.getAttribute("aria-pressed") === "true") { return null; }
      const response = await checked(() => fetch(window.location.href, { credentials: "same-origin" }));
      if (signedOut(response)) {
        const here = window.location.pathname + window.location.search;
        window.location.assign(`${signIn}?next=${encodeURIComponent(here)}`);
        return false;
      }
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("live");
      if (!fresh) { throw new Unchecked(null); }
      // The counts are a live region kept in the page (one put in anew is not read out): only their words change.
      const counts = document.getElementById("counts");
      const freshCounts = page.getElementById("counts");
      if (counts && freshCounts && counts.textContent !== freshCounts.textContent) {
        counts.replaceChildren(...freshCounts.childNodes);
      }
      // A keyboard's place in the rows is kept: the link it was on is focused again in the fresh rows.
      const focused = live.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
      live.replaceChildren(...fresh.childNodes);
      // A row that left the list leaves focus on the list, not on the page's start.
      if (focused) { (live.querySelector(`a[href="${CSS.escape(focused)}"]`) || live).focus({ preventScroll: true }); }
      return true;
    };
  }

  function watchCase(watch, notice) {
    const version = `"${watch.dataset.version}"`;
    return async function () {
      const response = await checked(() => fetch(watch.dataset.href, {
        credentials: "same-origin", headers: { "If-None-Match": version },
      }));
      if (response.status === 304) { return true; }
      if (signedOut(response)) { // signing in elsewhere keeps what is being typed here; the next check clears this
        notice.replaceChildren(document.getElementById("watch-signed-out").content.cloneNode(true));
        return null;
      }
      notice.replaceChildren(document.getElementById("watch-changed").content.cloneNode(true));
      return false;
    };
  }

  // What the person typed in a case's forms, kept in this tab from when a form is sent (or a language is chosen)
  // until the case's page is shown again: refilled there unless the form went through (`?done`), so text sent after
  // the session ended survives the sign-in, and text in a refused form survives choosing another language. With it,
  // the version of the case it was typed on (`SEEN`): sent again, a decision typed on a case that changed since is
  // refused with what changed, as any decision on an old version is. A page showing what changed shows the version
  // now seen, which stays.
  const SEEN = ["version", "seen_at"];
  function typedFields(form) {
    return [...form.elements].filter((e) => e.name && (e.tagName === "TEXTAREA" || e.tagName === "SELECT"
      || (e.tagName === "INPUT" && (e.type === "text" || e.type === "number"
        || (e.type === "hidden" && SEEN.includes(e.name))))));
  }

  // A field of a claimed line is kept by the SKU its row names (`line_sku`): the page shown again has only the
  // lines still open, so a row's place in the form may be another line's. A reason for taking the customer's
  // information off is kept by the submission its form names (one form each, at one address). Any other field is
  // kept by its name.
  function keyOf(field) {
    const which = field.closest(".line")?.querySelector("input[name=line_sku]")
      ?? field.form.querySelector("input[name=submission]");
    return which ? JSON.stringify([field.name, which.value]) : field.name;
  }

  // Whether anything was typed in the form: a field other than the version seen, changed from what the page gave.
  function typedInto(form) {
    const given = (select) => Math.max(0, [...select.options].findIndex((option) => option.defaultSelected));
    return typedFields(form).some((e) => !SEEN.includes(e.name)
      && (e.tagName === "SELECT" ? e.selectedIndex !== given(e) : e.value !== e.defaultValue));
  }

  function typedIn(forms) {
    const kept = {};
    for (const form of forms) {
      const values = kept[form.getAttribute("action")] ||= {};
      for (const field of typedFields(form)) { (values[keyOf(field)] ||= []).push(field.value); }
    }
    return kept;
  }

  function keepTyped(watch) {
    const key = `typed:${watch.dataset.href}`;
    const forms = [...document.querySelectorAll("form[method=post]")]
      .filter((form) => form.getAttribute("action").startsWith(`${watch.dataset.href}/`));
    const kept = JSON.parse(window.sessionStorage.getItem(key) || "{}");
    window.sessionStorage.removeItem(key);
    if (!new URLSearchParams(window.location.search).has("done")) {
      const changesShown = document.getElementById("changes") !== null;
      for (const form of forms) {
        const values = kept[form.getAttribute("action")] || {};
        const seen = {};
        for (const field of typedFields(form)) {
          if (changesShown && SEEN.includes(field.name)) { continue; }
          const name = keyOf(field);
          const index = seen[name] = (seen[name] ?? -1) + 1;
          if (values[name] && index < values[name].length) { field.value = values[name][index]; }
        }
      }
    }
    const keep = (sent) => () => window.sessionStorage.setItem(key, JSON.stringify(typedIn(sent)));
    for (const form of forms) { form.addEventListener("submit", keep([form])); }
    // Choosing a language keeps every form of a page answering one (refused, or showing what changed: the form is
    // given back as it was sent), and on a case's own page only the forms typed in: an untouched form comes back as
    // the page gives it, on the version the page is then shown at.
    const answering = document.getElementById("refused") !== null || document.getElementById("changes") !== null;
    document.querySelector("form[action='/console/language']")
      ?.addEventListener("submit", () => keep(answering ? forms : forms.filter(typedInto))());
  }

  // Two minutes before the session's token expires, the page says so, with a way to stay signed in.
  const session = document.getElementById("session-notice");
  if (session) {
    const warnIn = Number(session.dataset.ends) * 1000 - 120000 - Date.now();
    window.setTimeout(() => {
      session.replaceChildren(document.getElementById("session-ending").content.cloneNode(true));
    }, Math.max(0, warnIn));
  }

  const notice = document.getElementById("watch-notice");
  const live = document.getElementById("live");
  const watch = document.getElementById("case-watch");
  if (notice && live) {
    every(Number(live.dataset.refresh || "30"), notice, refreshQueue(live));
  } else if (notice && watch) {
    every(Number(watch.dataset.refresh || "30"), notice, watchCase(watch, notice));
  }
  if (watch) { keepTyped(watch); }
  // WCAG 2.4.11: a control focused under the sticky notice is brought below it. The stylesheet's scroll-padding does
  // it when focus scrolls, but a browser does not scroll to a control it already counts as in view (under the notice).
  if (notice) {
    document.addEventListener("focusin", (event) => {
      const bottom = notice.getBoundingClientRect().bottom;
      const top = event.target.getBoundingClientRect?.().top;
      if (notice.textContent.trim() && top !== undefined && top < bottom) { window.scrollBy(0, top - bottom - 8); }
    });
  }
  // A message there when a page loads is not announced: focus goes to the answer of the form just sent (its
  // refusal, the fields it names marked invalid and pointing at it, or that it was saved).
  const refused = document.getElementById("refused");
  if (refused) {
    for (const name of (refused.dataset.fields || "").split(" ").filter(Boolean)) {
      const named = document.querySelectorAll(`main form [name="${CSS.escape(name)}"]`);
      if (named.length !== 1) { continue; } // a name several forms share does not say which was refused
      named[0].setAttribute("aria-invalid", "true");
      named[0].setAttribute("aria-describedby", `${named[0].getAttribute("aria-describedby") || ""} refused`.trim());
    }
  }
  (refused || document.getElementById("done"))?.focus();
  // A refused form is answered with the case's page at the form's address, which answers no GET: the address shown
  // becomes the case's own, so reloading the page, or opening the address again, shows the case (nothing is sent).
  if (watch && window.location.pathname !== new URL(watch.dataset.href, window.location.href).pathname) {
    window.history.replaceState(window.history.state, "", watch.dataset.href);
  }
})();
