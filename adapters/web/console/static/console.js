// The queue keeps itself current: every `data-refresh` seconds it fetches the same page and swaps in the
// counts and rows, unless the person is typing in the filter form. Once the session has ended (the console
// answers with its sign-in page, or 401), it takes the person to sign in, to come back to this page.
// Without script the page works the same.
(function () {
  "use strict";
  const live = document.getElementById("live");
  if (!live) { return; }
  const seconds = Number(live.dataset.refresh || "30");
  const signIn = "/console/sign-in";
  function signedOut(response) {
    return response.status === 401 || (response.redirected && new URL(response.url).pathname === signIn);
  }
  async function refresh() {
    const active = document.activeElement;
    if (active && active.closest && active.closest("form")) { return; }
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (signedOut(response)) {
      const here = window.location.pathname + window.location.search;
      window.location.assign(`${signIn}?next=${encodeURIComponent(here)}`);
      return;
    }
    if (!response.ok) { return; }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("live");
    if (fresh) { live.replaceChildren(...fresh.childNodes); }
  }
  window.setInterval(() => { refresh().catch(() => undefined); }, seconds * 1000);
})();
