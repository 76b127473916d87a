// looker-nb-auth login widget (anywidget ES module).
// The kernel prepares the authorize URL before the click; the click opens it synchronously
// (no await before window.open, so popup blockers allow it). No code, verifier or token ever
// reaches this module: the callback goes to the Jupyter server, and the kernel picks it up.
// Every name shared with the kernel and the callback page (statuses, events, the channel, the
// cancel route) comes from the kernel in the `protocol` trait (looker_nb_auth/_protocol.py).

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

/** @param {{ model: Model, el: HTMLElement }} ctx */
function render({ model, el }) {
  const root = h("div", { class: "looker-nb-auth", role: "group", "aria-label": "Looker login" });
  el.appendChild(root);
  let localUrl = ""; // the URL of the login in progress, kept here after the model clears it
  let localStatus = ""; // WAITING once clicked, before the kernel has said anything
  /** @type {{ channel: string, cancel_route: string, statuses: Record<string, string>,
   *   events: Record<string, string> }} */
  const protocol = model.get("protocol");
  const S = protocol.statuses;
  const E = protocol.events;
  const channel = "BroadcastChannel" in window ? new BroadcastChannel(protocol.channel) : null;

  const stateOf = (/** @type {string} */ url) => {
    try { return new URL(url).searchParams.get("state") || ""; } catch { return ""; }
  };

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

  function draw() {
    const status = localStatus || model.get("status");
    root.dataset.status = status;
    root.replaceChildren();
    const message = h("span", { class: "looker-nb-auth-message", "data-role": "message",
      role: "status", "aria-live": "polite" }, model.get("message"));
    if (status === S.READY) {
      const button = h("button", { type: "button", class: "looker-nb-auth-primary",
        "data-action": "login" }, "Log in to Looker");
      const url = model.get("authorize_url");
      if (!url) button.setAttribute("disabled", "");
      button.addEventListener("click", () => {
        const target = model.get("authorize_url");
        if (!target) return;
        localUrl = target;
        // Synchronously, inside the click: popup blockers allow it.
        const popup = window.open(target, "looker-nb-auth-login", "popup,width=520,height=700");
        localStatus = S.WAITING;
        model.send({ event: E.OPENED, state: stateOf(target), blocked: popup === null });
        draw();
      });
      root.append(button, message);
    } else if (status === S.WAITING) {
      const text = h("span", { class: "looker-nb-auth-message", "data-role": "message",
        role: "status", "aria-live": "polite" }, model.get("message") ||
        "Waiting for Looker: log in and allow access in the popup window.");
      const link = h("a", { href: localUrl || model.get("authorize_url"), target: "_blank",
        rel: "opener", "data-role": "fallback-link" }, "open the Looker login page");
      const hint = h("span", { class: "looker-nb-auth-hint" }, "No window? ");
      hint.append(link);
      const cancel = h("button", { type: "button", "data-action": "cancel" }, "Cancel");
      cancel.addEventListener("click", () => {
        cancelAtServer(); // unblocks a cell running login(wait=True)
        localStatus = "";
        model.send({ event: E.CANCEL, state: stateOf(localUrl) });
        draw();
      });
      root.append(text, hint, cancel);
    } else if (status === S.LOGGED_IN) {
      const logout = h("button", { type: "button", "data-action": "logout" }, "Log out");
      logout.addEventListener("click", () => model.send({ event: E.LOGOUT }));
      root.append(h("span", { class: "looker-nb-auth-ok", "aria-hidden": "true" }, "✓"), message,
        logout);
    } else {
      const retry = h("button", { type: "button", "data-action": "retry" }, "Try again");
      retry.addEventListener("click", () => {
        localStatus = "";
        model.send({ event: E.RETRY });
      });
      root.append(h("span", { class: "looker-nb-auth-bad", "aria-hidden": "true" }, "!"),
        message, retry);
    }
  }

  const onChange = () => {
    const status = model.get("status");
    if (status !== S.READY) localStatus = ""; // the kernel has caught up
    if (status === S.READY && model.get("authorize_url")) localStatus = "";
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
      model.set("message", data.ok ? "Looker answered; finishing the login…" :
        "Looker answered with an error; finishing…");
      draw();
    }
  };
  model.on("change:status", onChange);
  model.on("change:message", draw);
  model.on("change:authorize_url", onChange);
  channel?.addEventListener("message", onBroadcast);
  draw();
  return () => {
    model.off("change:status", onChange);
    model.off("change:message", draw);
    model.off("change:authorize_url", onChange);
    channel?.close();
  };
}

export default { render };
