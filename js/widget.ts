// looker-nb-auth login widget (anywidget ES module), built into looker_nb_auth/static/widget.js.
// The kernel prepares the authorize URL before the click; the click opens it synchronously
// (no await before window.open, so popup blockers allow it). No code, verifier or token ever
// reaches this module: the callback goes to the Jupyter server, and the kernel picks it up.
// Every name shared with the kernel and the callback page (statuses, events, message keys, the
// channel, the cancel route) comes from the kernel in the `protocol` trait, and every sentence
// and label shown to the user in the `texts` trait (looker_nb_auth/_protocol.py and
// looker_nb_auth/notebook/widget.py): this module holds no sentence of its own.
//
// The DOM is built once; each state shows and hides nodes (never rebuilds them), so the live
// region keeps announcing and focus can move to the new state's main button.

import type { AnyWidget, RenderProps } from "@anywidget/types";

/** The names the JS shares with the kernel (`widget_protocol()` in `_protocol.py`). */
export interface Protocol {
  channel: string;
  cancel_route: string;
  statuses: Record<"READY" | "WAITING" | "LOGGED_IN" | "ERROR" | "LOGGED_OUT", string>;
  events: Record<"OPENED" | "CANCEL" | "RETRY" | "LOGOUT", string>;
  keys: Record<"EVENT" | "STATE" | "BLOCKED", string>;
  channel_keys: Record<"TYPE" | "STATE" | "OK", string>;
}

/** The kernel's sentences and labels (`TEXTS` in `notebook/widget.py`); `{name}` is filled here. */
export interface Texts {
  label: string;
  login: string;
  cancel: string;
  logout: string;
  retry: string;
  no_window: string;
  fallback_link: string;
  waiting: string;
  blocked: string;
  quiet: string;
  causes: string;
  answered: string;
  answered_error: string;
  origin: string;
  disconnected: string;
}

/** The widget's traits (`LoginWidget` in `notebook/widget.py`). */
export interface Model {
  status: string;
  message: string;
  authorize_url: string;
  api_base: string;
  protocol: Protocol;
  texts: Texts;
  redirect_uri: string;
  client_guid: string;
  redirect_origin: string;
  quiet_after: number;
  /** Not a trait: set here alone, never synced, to reach the backing model (see `grab`). */
  _looker_nb_auth_probe: number;
}

/** What the callback page posts on the BroadcastChannel (`Page.html()` in `_callback_page.py`). */
/** The callback page's message on the channel, under `protocol.channel_keys`. */
type Answered = Record<string, unknown>;

function cookie(name: string): string {
  const match = document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
  return match?.[1] !== undefined ? decodeURIComponent(match[1]) : "";
}

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string>,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function stateOf(url: string): string {
  try {
    return new URL(url).searchParams.get("state") || "";
  } catch {
    return "";
  }
}

/** Fill `{name}` in one of the kernel's sentences. */
function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole: string, name: string) => values[name] ?? whole);
}

const DISCONNECTED = "disconnected"; // drawn here alone: the kernel that would say it is gone

function render({ model, el }: Pick<RenderProps<Model>, "model" | "el">): () => void {
  const protocol = model.get("protocol");
  const S = protocol.statuses;
  const E = protocol.events;
  const K = protocol.keys;
  const T = model.get("texts");
  const channel = "BroadcastChannel" in window ? new BroadcastChannel(protocol.channel) : null;

  let localUrl = ""; // the URL of the login in progress, kept here after the model clears it
  let localStatus = ""; // WAITING once clicked, before the kernel has said anything
  let blocked = false; // the browser refused to open the popup
  let popup: Window | null = null; // the popup this view opened, to close on Cancel
  let quiet = false; // waited `quiet_after` seconds with no answer
  let quietTimer: ReturnType<typeof setTimeout> | undefined;
  let drawn = ""; // the status last drawn, to move focus only when it changes
  let focusNext = false; // the user acted in this widget: its next state's main button gets focus

  const root = h("div", { class: "looker-nb-auth", role: "group", "aria-label": T.label });
  const line = h("div", { class: "looker-nb-auth-line" });
  // Drawn by the stylesheet: U+2713 is missing from Liberation Sans, so a box where it is alone.
  const ok = h("span", { class: "looker-nb-auth-ok", "aria-hidden": "true" });
  const bad = h("span", { class: "looker-nb-auth-bad", "aria-hidden": "true" }, "!");
  const message = h("span", {
    class: "looker-nb-auth-message",
    "data-role": "message",
    role: "status",
    "aria-live": "polite",
  });
  const login = h(
    "button",
    { type: "button", class: "looker-nb-auth-primary", "data-action": "login" },
    T.login,
  );
  const hint = h("span", { class: "looker-nb-auth-hint", "data-role": "hint" });
  const hintText = document.createTextNode(T.no_window);
  const link = h(
    "a",
    { target: "_blank", rel: "opener", "data-role": "fallback-link" },
    T.fallback_link,
  );
  hint.append(hintText, link);
  const cancel = h("button", { type: "button", "data-action": "cancel" }, T.cancel);
  const logout = h("button", { type: "button", "data-action": "logout" }, T.logout);
  const retry = h("button", { type: "button", "data-action": "retry" }, T.retry);
  const note = h("p", { class: "looker-nb-auth-note", "data-role": "note" });
  const noteLink = h("a", { target: "_blank", rel: "noopener", "data-role": "origin-link" });
  const causes = h("ul", { class: "looker-nb-auth-causes", "data-role": "causes" });
  // The mark stays with its sentence: one flex item, wrapping as text.
  const sentence = h("span", { class: "looker-nb-auth-sentence" });
  sentence.append(ok, bad, message);
  line.append(sentence, login, hint, cancel, logout, retry);
  root.append(note, line, causes); // the origin warning, when there is one, comes first
  el.appendChild(root);

  const show = (node: HTMLElement, visible: boolean): void => {
    node.hidden = !visible;
  };

  // The ipywidgets model behind anywidget's proxy, for its `comm_live`: false once the kernel
  // that owns it is gone (restarted, shut down) or for a model restored from a saved notebook.
  // A local change event hands it over (the proxy exposes no other way); nothing is synced.
  let backing: { comm_live?: boolean } | null = null;
  const grab = (backingModel: { comm_live?: boolean } | null): void => {
    backing = backingModel;
  };
  model.on("change:_looker_nb_auth_probe", grab);
  model.set("_looker_nb_auth_probe", Date.now());
  model.off("change:_looker_nb_auth_probe", grab);
  const disconnected = (): boolean =>
    backing?.comm_live === false || el.closest(".jupyter-widgets-disconnected") !== null;

  function cancelAtServer(): void {
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

  /** Facts known before the click: the page and the redirect URI must share an origin. The
   * link opens this notebook on the redirect URI's origin (the same path; no token, which the
   * kernel does not know: Jupyter asks for it there if that browser has not logged in). */
  function originWarning(): boolean {
    const expected = model.get("redirect_origin");
    if (!expected || expected === location.origin) {
      note.replaceChildren();
      return false;
    }
    const there = expected + location.pathname;
    const [before, after] = fill(T.origin, { page: location.origin, expected }).split("{link}");
    noteLink.setAttribute("href", there);
    noteLink.textContent = there;
    note.replaceChildren(before ?? "", noteLink, after ?? "");
    return true;
  }

  const closePopup = (): void => {
    try {
      popup?.close(); // where the browser allows it (a severed opener makes it a no-op)
    } catch {
      // a cross-origin popup may refuse; nothing else to do
    }
    popup = null;
  };

  const causeList = (): string[] =>
    fill(T.causes, {
      redirect_uri: model.get("redirect_uri"),
      client_guid: model.get("client_guid"),
    }).split("\n");

  function draw(): void {
    const status = disconnected() ? DISCONNECTED : localStatus || model.get("status");
    const ready = status === S.READY || status === S.LOGGED_OUT;
    const waiting = status === S.WAITING;
    root.dataset.status = status;
    show(ok, status === S.LOGGED_IN);
    show(bad, status === S.ERROR);
    let text = model.get("message");
    if (waiting) {
      text = blocked ? T.blocked : text || T.waiting;
      if (quiet) text = T.quiet;
    }
    if (status === DISCONNECTED) text = T.disconnected;
    if (message.textContent !== text) message.textContent = text;
    show(message, Boolean(text));

    const url = model.get("authorize_url");
    show(login, ready);
    if (url) login.removeAttribute("disabled");
    else login.setAttribute("disabled", "");
    show(hint, waiting);
    link.setAttribute("href", localUrl || url || "#");
    hintText.textContent = blocked ? "" : T.no_window;
    link.classList.toggle("looker-nb-auth-primary-link", blocked || quiet);
    show(cancel, waiting);
    show(logout, status === S.LOGGED_IN);
    show(retry, status === S.ERROR);

    const warning = ready && originWarning();
    show(note, warning);
    // The warning's link is the way; the button, whose login cannot come back here, is not.
    login.classList.toggle("looker-nb-auth-primary", !warning);
    noteLink.classList.toggle("looker-nb-auth-primary-link", warning);
    causes.replaceChildren(...(waiting && quiet ? causeList().map((c) => h("li", {}, c)) : []));
    show(causes, waiting && quiet);

    if (status !== drawn) {
      drawn = status;
      const main = ready
        ? note.hidden
          ? login
          : noteLink
        : waiting
          ? blocked
            ? link
            : null // the user is in the popup; on their return, keys belong to the notebook
          : status === S.LOGGED_IN
            ? logout
            : status === S.ERROR
              ? retry
              : null;
      const moveFocus = focusNext && main;
      focusNext = false; // one move per action, and none for a later state the user did not ask
      if (moveFocus) {
        // After the click's own handling (a notebook focuses the cell on a click in it).
        requestAnimationFrame(() => {
          if (!main.hidden) main.focus();
        });
      }
    }
  }

  function startWaiting(): void {
    clearTimeout(quietTimer);
    quiet = false;
    const seconds = Number(model.get("quiet_after")) || 0;
    if (seconds > 0) {
      quietTimer = setTimeout(() => {
        quiet = true;
        draw();
      }, seconds * 1000);
    }
  }

  for (const control of [login, link, noteLink, cancel, logout, retry]) {
    control.addEventListener("click", () => {
      focusNext = true;
    });
  }
  login.addEventListener("click", () => {
    const target = model.get("authorize_url");
    if (!target) return;
    localUrl = target;
    // Synchronously, inside the click: popup blockers allow it.
    popup = window.open(target, "looker-nb-auth-login", "popup,width=520,height=700");
    blocked = popup === null;
    localStatus = S.WAITING;
    startWaiting();
    model.send({ [K.EVENT]: E.OPENED, [K.STATE]: stateOf(target), [K.BLOCKED]: blocked });
    draw();
  });
  link.addEventListener("click", () => {
    blocked = false;
    startWaiting();
    draw();
  });
  cancel.addEventListener("click", () => {
    cancelAtServer(); // unblocks a cell running login(wait=True)
    closePopup(); // its login is gone: Looker's page there would lead nowhere
    localStatus = "";
    clearTimeout(quietTimer);
    model.send({ [K.EVENT]: E.CANCEL, [K.STATE]: stateOf(localUrl) });
    draw();
  });
  logout.addEventListener("click", () => model.send({ [K.EVENT]: E.LOGOUT }));
  retry.addEventListener("click", () => {
    localStatus = "";
    model.send({ [K.EVENT]: E.RETRY });
  });

  const onChange = (): void => {
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
  const onBroadcast = (event: MessageEvent<Answered | null>): void => {
    const data: Answered = event.data || {};
    const C = protocol.channel_keys;
    const settled = [S.LOGGED_IN, S.ERROR].includes(model.get("status"));
    // The kernel may have answered first (an error needs no redeem): never step back from it.
    if (
      !settled &&
      data[C.TYPE] === protocol.channel &&
      data[C.STATE] &&
      data[C.STATE] === stateOf(localUrl)
    ) {
      localStatus = S.WAITING;
      clearTimeout(quietTimer);
      quiet = false;
      blocked = false;
      model.set("message", data[C.OK] ? T.answered : T.answered_error);
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

export default { render } satisfies AnyWidget<Model>;
