// looker-nb-auth login widget (anywidget ES module).
// The kernel prepares the authorize URL before the click; the click opens it synchronously
// (no await before window.open, so popup blockers allow it). No code, verifier or token ever
// reaches this module: the callback goes to the Jupyter server, and the kernel picks it up.
// Every name shared with the kernel and the callback page (statuses, events, the channel, the
// cancel route) comes from the kernel in the `protocol` trait (looker_nb_auth/_protocol.py).
//
// The DOM is built once; each state shows and hides nodes (never rebuilds them), so the live
// region keeps announcing and focus can move to the new state's main button.

/** @typedef {{ get(name: string): any, set(name: string, value: any): void, save_changes(): void,
 *   on(event: string, cb: () => void): void, off(event: string, cb: () => void): void,
 *   send(content: any): void }} Model */

/** @param {string} name */
function cookie(name) {
  const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
  return match ? decodeURIComponent(match[1]) : "";
}

/** @param {string} tag @param {Record<string,string>} attrs @param {string} [text] */
function h(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {string} url */
function stateOf(url) {
  try { return new URL(url).searchParams.get("state") || ""; } catch { return ""; }
}

/** @param {string} url */
function originOf(url) {
  try { return new URL(url).origin; } catch { return ""; }
}

/** Fill ``{name}`` in one of the kernel's sentences. @param {string} text
 * @param {Record<string, string>} values */
function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

const DISCONNECTED = "disconnected"; // drawn here alone: the kernel that would say it is gone

/** @param {{ model: Model, el: HTMLElement }} ctx */
function render({ model, el }) {
  /** @type {{ channel: string, cancel_route: string, statuses: Record<string, string>,
   *   events: Record<string, string> }} */
  const protocol = model.get("protocol");
  const S = protocol.statuses;
  const E = protocol.events;
  /** @type {Record<string, string>} */
  const T = model.get("texts");
  const channel = "BroadcastChannel" in window ? new BroadcastChannel(protocol.channel) : null;

  let localUrl = ""; // the URL of the login in progress, kept here after the model clears it
  let localStatus = ""; // WAITING once clicked, before the kernel has said anything
  let blocked = false; // the browser refused to open the popup
  let quiet = false; // waited `quiet_after` seconds with no answer
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let quietTimer;
  let drawn = ""; // the status last drawn, to move focus only when it changes
  let focusNext = false; // the user acted in this widget: its next state's main button gets focus

  const root = h("div", { class: "looker-nb-auth", role: "group", "aria-label": "Looker login" });
  const line = h("div", { class: "looker-nb-auth-line" });
  const ok = h("span", { class: "looker-nb-auth-ok", "aria-hidden": "true" }, "✓");
  const bad = h("span", { class: "looker-nb-auth-bad", "aria-hidden": "true" }, "!");
  const message = h("span", { class: "looker-nb-auth-message", "data-role": "message",
    role: "status", "aria-live": "polite" });
  const login = h("button", { type: "button", class: "looker-nb-auth-primary",
    "data-action": "login" }, "Log in to Looker");
  const hint = h("span", { class: "looker-nb-auth-hint", "data-role": "hint" });
  const hintText = document.createTextNode("No window? ");
  const link = h("a", { target: "_blank", rel: "opener", "data-role": "fallback-link" },
    "open the Looker login page");
  hint.append(hintText, link);
  const cancel = h("button", { type: "button", "data-action": "cancel" }, "Cancel");
  const logout = h("button", { type: "button", "data-action": "logout" }, "Log out");
  const retry = h("button", { type: "button", "data-action": "retry" }, "Try again");
  const note = h("p", { class: "looker-nb-auth-note", "data-role": "note" });
  const causes = h("ul", { class: "looker-nb-auth-causes", "data-role": "causes" });
  // The mark stays with its sentence: one flex item, wrapping as text.
  const sentence = h("span", { class: "looker-nb-auth-sentence" });
  sentence.append(ok, bad, message);
  line.append(sentence, login, hint, cancel, logout, retry);
  root.append(line, note, causes);
  el.appendChild(root);

  /** @param {HTMLElement} node @param {boolean} visible */
  const show = (node, visible) => { node.hidden = !visible; };

  // The ipywidgets model behind anywidget's proxy, for its `comm_live`: false once the kernel
  // that owns it is gone (restarted, shut down) or for a model restored from a saved notebook.
  // A local change event hands it over (the proxy exposes no other way); nothing is synced.
  /** @type {{ comm_live?: boolean } | null} */
  let backing = null;
  const grab = (/** @type {any} */ backingModel) => { backing = backingModel; };
  model.on("change:_looker_nb_auth_probe", grab);
  model.set("_looker_nb_auth_probe", Date.now());
  model.off("change:_looker_nb_auth_probe", grab);
  const disconnected = () =>
    backing?.comm_live === false || el.closest(".jupyter-widgets-disconnected") !== null;

  function cancelAtServer() {
    const state = stateOf(localUrl);
    const base = model.get("api_base");
    if (!state || !base) return;
    fetch(base + protocol.cancel_route, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-XSRFToken": cookie("_xsrf") },
      body: JSON.stringify({ state }),
    }).catch(() => {});
  }

  /** Facts known before the click: the page and the redirect URI must share an origin. */
  function originWarning() {
    const expected = model.get("redirect_origin");
    if (!expected || expected === location.origin) return "";
    return fill(T.origin, { page: location.origin, expected, path: location.pathname });
  }

  const causeList = () => fill(T.causes, { redirect_uri: model.get("redirect_uri") }).split("\n");

  function draw() {
    const status = disconnected() ? DISCONNECTED : (localStatus || model.get("status"));
    const ready = status === S.READY || status === S.LOGGED_OUT;
    const waiting = status === S.WAITING;
    root.dataset.status = status;
    show(ok, status === S.LOGGED_IN);
    show(bad, status === S.ERROR);
    let text = model.get("message");
    if (waiting) {
      text = blocked ? T.blocked : (text || T.waiting);
      if (quiet) text = T.quiet;
    }
    if (status === DISCONNECTED) text = T.disconnected;
    if (message.textContent !== text) message.textContent = text;
    show(message, Boolean(text));

    const url = model.get("authorize_url");
    show(login, ready);
    if (url) login.removeAttribute("disabled"); else login.setAttribute("disabled", "");
    show(hint, waiting);
    link.setAttribute("href", localUrl || url || "#");
    hintText.textContent = blocked ? "" : "No window? ";
    link.classList.toggle("looker-nb-auth-primary-link", blocked || quiet);
    show(cancel, waiting);
    show(logout, status === S.LOGGED_IN);
    show(retry, status === S.ERROR);

    const warning = ready ? originWarning() : "";
    note.textContent = warning;
    show(note, Boolean(warning));
    causes.replaceChildren(...(waiting && quiet ? causeList().map((c) => h("li", {}, c)) : []));
    show(causes, waiting && quiet);

    if (status !== drawn) {
      drawn = status;
      const main = ready ? login : waiting ? (blocked ? link : cancel)
        : status === S.LOGGED_IN ? logout : status === S.ERROR ? retry : null;
      if (focusNext && main) {
        focusNext = false;
        // After the click's own handling (a notebook focuses the cell on a click in it).
        requestAnimationFrame(() => { if (!main.hidden) main.focus(); });
      }
    }
  }

  function startWaiting() {
    clearTimeout(quietTimer);
    quiet = false;
    const seconds = Number(model.get("quiet_after")) || 0;
    if (seconds > 0) {
      quietTimer = setTimeout(() => { quiet = true; draw(); }, seconds * 1000);
    }
  }

  for (const control of [login, link, cancel, logout, retry]) {
    control.addEventListener("click", () => { focusNext = true; });
  }
  login.addEventListener("click", () => {
    const target = model.get("authorize_url");
    if (!target) return;
    localUrl = target;
    // Synchronously, inside the click: popup blockers allow it.
    const popup = window.open(target, "looker-nb-auth-login", "popup,width=520,height=700");
    blocked = popup === null;
    localStatus = S.WAITING;
    startWaiting();
    model.send({ event: E.OPENED, state: stateOf(target), blocked });
    draw();
  });
  link.addEventListener("click", () => { blocked = false; startWaiting(); draw(); });
  cancel.addEventListener("click", () => {
    cancelAtServer(); // unblocks a cell running login(wait=True)
    localStatus = "";
    clearTimeout(quietTimer);
    model.send({ event: E.CANCEL, state: stateOf(localUrl) });
    draw();
  });
  logout.addEventListener("click", () => model.send({ event: E.LOGOUT }));
  retry.addEventListener("click", () => {
    localStatus = "";
    model.send({ event: E.RETRY });
  });

  const onChange = () => {
    const status = model.get("status");
    const ready = status === S.READY || status === S.LOGGED_OUT;
    if (!ready) localStatus = ""; // the kernel has caught up
    if (ready && model.get("authorize_url")) localStatus = "";
    if (status !== S.WAITING && !localStatus) {
      clearTimeout(quietTimer);
      quiet = false;
      blocked = false;
    }
    draw();
  };
  /** @param {MessageEvent} event */
  const onBroadcast = (event) => {
    const data = event.data || {};
    const settled = [S.LOGGED_IN, S.ERROR].includes(model.get("status"));
    // The kernel may have answered first (an error needs no redeem): never step back from it.
    if (!settled && data.type === protocol.channel && data.state &&
        data.state === stateOf(localUrl)) {
      localStatus = S.WAITING;
      clearTimeout(quietTimer);
      quiet = false;
      blocked = false;
      model.set("message", data.ok ? "Looker answered; finishing the login…" :
        "Looker answered with an error; finishing…");
      draw();
    }
  };
  model.on("change:status", onChange);
  model.on("change:message", draw);
  model.on("change:authorize_url", onChange);
  model.on("comm_live_update", draw); // ipywidgets: the kernel went away (restart, shutdown)
  channel?.addEventListener("message", onBroadcast);
  // A view restored from a saved notebook is drawn before ipywidgets marks it disconnected.
  const settle = setTimeout(draw, 0);
  draw();
  return () => {
    clearTimeout(quietTimer);
    clearTimeout(settle);
    model.off("change:status", onChange);
    model.off("change:message", draw);
    model.off("change:authorize_url", onChange);
    model.off("comm_live_update", draw);
    channel?.close();
  };
}

export default { render };
