// The OAuth callback page's script (looker_nb_auth/_callback_page.py), built into
// looker_nb_auth/static/callback.js and inlined in the page with its CSP nonce.
//
// It strips the query (the code) from the address bar and history. When the page carries
// `data-channel` and `data-message` (only for a login whose answer is stored: Python writes them,
// escaped, on the page's <main>), it tells the notebook's widget on that BroadcastChannel and
// closes the window when the browser lets it; otherwise the page stays open, the only place that
// says what happened. The page never holds the code or a token, so neither does this script.

try {
  history.replaceState(null, "", location.pathname);
} catch {}

const told = document.querySelector<HTMLElement>("[data-channel]");
const channel = told?.dataset.channel;
if (told && channel) {
  if ("BroadcastChannel" in window) {
    try {
      const ch = new BroadcastChannel(channel);
      ch.postMessage(JSON.parse(told.dataset.message ?? "null"));
      ch.close();
    } catch {}
  }
  try {
    window.close();
  } catch {}
}
