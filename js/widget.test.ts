// The login widget against a fake model (js/testing.ts) in jsdom: every state, every event it
// sends, the focus moves, the quiet timer, the BroadcastChannel and the origin warning. The
// sentences and names are the kernel's own (kernelTraits), never copies.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeChannel, type FakeModel, kernelTraits, readyModel } from "./testing";
import widget from "./widget";

const { texts: T, protocol } = kernelTraits();
const S = protocol.statuses;
const E = protocol.events;
const K = protocol.keys;
const URL_1 = "https://looker.example/auth?client_id=nb&state=STATE-1";

let el: HTMLElement;
let cleanup: (() => void) | undefined;
let open: ReturnType<typeof vi.fn<typeof window.open>>;
let fetchSpy: ReturnType<typeof vi.fn<typeof fetch>>;

function render(model: FakeModel): void {
  cleanup = widget.render({ model, el });
}

const root = (): HTMLElement => el.querySelector<HTMLElement>(".looker-nb-auth") as HTMLElement;
const button = (action: string): HTMLButtonElement =>
  el.querySelector<HTMLButtonElement>(`button[data-action="${action}"]`) as HTMLButtonElement;
const role = (name: string): HTMLElement =>
  el.querySelector<HTMLElement>(`[data-role="${name}"]`) as HTMLElement;
const link = (): HTMLAnchorElement => role("fallback-link") as HTMLAnchorElement;
const visible = (node: Element): boolean => !(node as HTMLElement).hidden;
const shown = (): string[] =>
  [...el.querySelectorAll<HTMLElement>("button[data-action]")]
    .filter(visible)
    .map((node) => node.dataset.action ?? "");
const ok = (): HTMLElement => el.querySelector(".looker-nb-auth-ok") as HTMLElement;
const bad = (): HTMLElement => el.querySelector(".looker-nb-auth-bad") as HTMLElement;
const causes = (): string[] =>
  [...role("causes").querySelectorAll("li")].map((item) => item.textContent ?? "");
/** The kernel's `causes` sentence, filled as the widget fills it. */
const expectedCauses = (redirectUri: string, clientGuid: string): string[] =>
  T.causes
    .replaceAll("{redirect_uri}", redirectUri)
    .replaceAll("{client_guid}", clientGuid)
    .split("\n");

/** Let the widget's requestAnimationFrame (its focus move) run. */
function nextFrame(): void {
  vi.advanceTimersToNextFrame();
}

/** The channel the widget listens on, and a callback page's post on it. */
function callbackPagePosts(data: unknown): void {
  const page = new FakeChannel(protocol.channel);
  page.postMessage(data);
  page.close();
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal("BroadcastChannel", FakeChannel);
  open = vi.fn<typeof window.open>(() => ({}) as Window);
  vi.stubGlobal("open", open);
  fetchSpy = vi.fn<typeof fetch>(() => Promise.resolve(new Response(null, { status: 204 })));
  vi.stubGlobal("fetch", fetchSpy);
  // biome-ignore lint/suspicious/noDocumentCookie: as Jupyter sets it; the widget reads it back
  document.cookie = "_xsrf=XSRF-TOKEN-1";
  el = document.createElement("div");
  document.body.append(el);
});

afterEach(() => {
  cleanup?.();
  cleanup = undefined;
  el.remove();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("each state the kernel sets", () => {
  it("ready: the login button, with the kernel's labels, enabled once the URL is prepared", () => {
    const model = readyModel({ authorize_url: "" });
    render(model);
    expect(root().dataset.status).toBe(S.READY);
    expect(root().getAttribute("aria-label")).toBe(T.label);
    expect(shown()).toEqual(["login"]);
    expect(button("login").textContent).toBe(T.login);
    expect(button("login").disabled).toBe(true);
    expect(button("cancel").textContent).toBe(T.cancel);
    expect(button("logout").textContent).toBe(T.logout);
    expect(button("retry").textContent).toBe(T.retry);
    expect(link().textContent).toBe(T.fallback_link);
    expect(role("hint").textContent).toBe(T.no_window + T.fallback_link);
    expect(visible(role("hint"))).toBe(false);
    expect(visible(role("message"))).toBe(false);
    expect(visible(ok()) || visible(bad())).toBe(false);

    model.kernelSets({ authorize_url: URL_1 });
    expect(button("login").disabled).toBe(false);
  });

  it("waiting (said by the kernel): its sentence, the fallback link and Cancel", () => {
    const model = readyModel();
    render(model);
    model.kernelSets({ status: S.WAITING, message: "Waiting for you." });
    expect(root().dataset.status).toBe(S.WAITING);
    expect(role("message").textContent).toBe("Waiting for you.");
    expect(shown()).toEqual(["cancel"]);
    expect(visible(role("hint"))).toBe(true);
    expect(link().getAttribute("href")).toBe(URL_1);
  });

  it("logged_in: the mark, the kernel's sentence and Log out", () => {
    const model = readyModel();
    render(model);
    model.kernelSets({ status: S.LOGGED_IN, message: "Logged in as Ada.", authorize_url: "" });
    expect(root().dataset.status).toBe(S.LOGGED_IN);
    expect(visible(ok())).toBe(true);
    expect(visible(bad())).toBe(false);
    expect(role("message").textContent).toBe("Logged in as Ada.");
    expect(shown()).toEqual(["logout"]);
    expect(visible(role("hint"))).toBe(false);
  });

  it("error: the mark, the kernel's sentence and Try again", () => {
    const model = readyModel();
    render(model);
    model.kernelSets({ status: S.ERROR, message: "Looker said no.", authorize_url: "" });
    expect(root().dataset.status).toBe(S.ERROR);
    expect(visible(bad())).toBe(true);
    expect(visible(ok())).toBe(false);
    expect(role("message").textContent).toBe("Looker said no.");
    expect(shown()).toEqual(["retry"]);
  });

  it("logged_out: the login button again, saying how the last login ended", () => {
    const model = readyModel();
    render(model);
    model.kernelSets({ status: S.LOGGED_OUT, message: "Logged out." });
    expect(root().dataset.status).toBe(S.LOGGED_OUT);
    expect(shown()).toEqual(["login"]);
    expect(role("message").textContent).toBe("Logged out.");
    expect(visible(role("message"))).toBe(true);
  });

  it("disconnected: the kernel is gone, so the widget says it and offers nothing", () => {
    const model = readyModel();
    render(model);
    model.kernelSets({ status: S.LOGGED_IN, message: "Logged in as Ada." });
    model.backing.comm_live = false;
    model.emit("comm_live_update");
    expect(root().dataset.status).toBe("disconnected");
    expect(role("message").textContent).toBe(T.disconnected);
    expect(shown()).toEqual([]);
    expect(visible(ok()) || visible(bad())).toBe(false);
  });

  it("disconnected: a view restored from a saved notebook, marked after its first draw", () => {
    const model = readyModel();
    render(model);
    expect(root().dataset.status).toBe(S.READY);
    el.classList.add("jupyter-widgets-disconnected");
    vi.runOnlyPendingTimers();
    expect(root().dataset.status).toBe("disconnected");
    expect(role("message").textContent).toBe(T.disconnected);
  });
});

describe("what a click sends the kernel", () => {
  it("Log in opens the popup inside the click and sends opened with the login's state", () => {
    const model = readyModel();
    render(model);
    button("login").click();
    expect(open).toHaveBeenCalledExactlyOnceWith(URL_1, "looker-nb-auth-login", expect.any(String));
    expect(model.sent).toEqual([{ [K.EVENT]: E.OPENED, [K.STATE]: "STATE-1", [K.BLOCKED]: false }]);
    expect(K).toEqual({ EVENT: "event", STATE: "state", BLOCKED: "blocked" });
    // Waiting at once, before the kernel says anything.
    expect(root().dataset.status).toBe(S.WAITING);
    expect(role("message").textContent).toBe(T.waiting);
    expect(shown()).toEqual(["cancel"]);
    expect(role("hint").textContent).toBe(T.no_window + T.fallback_link);
    expect(link().getAttribute("href")).toBe(URL_1);
    // The kernel clears the URL once used; the fallback link keeps it.
    model.kernelSets({ authorize_url: "" });
    expect(root().dataset.status).toBe(S.WAITING);
    expect(link().getAttribute("href")).toBe(URL_1);
  });

  it("Log in with no prepared URL does nothing", () => {
    const model = readyModel({ authorize_url: "" });
    render(model);
    button("login").click();
    expect(open).not.toHaveBeenCalled();
    expect(model.sent).toEqual([]);
    expect(root().dataset.status).toBe(S.READY);
  });

  it("a blocked popup: opened says blocked, and the link becomes the way on", () => {
    open.mockReturnValue(null);
    const model = readyModel();
    render(model);
    button("login").click();
    expect(model.sent).toEqual([{ [K.EVENT]: E.OPENED, [K.STATE]: "STATE-1", [K.BLOCKED]: true }]);
    expect(role("message").textContent).toBe(T.blocked);
    expect(role("hint").textContent).toBe(T.fallback_link);
    expect(link().classList.contains("looker-nb-auth-primary-link")).toBe(true);
    nextFrame();
    expect(document.activeElement).toBe(link());

    link().click(); // opens the page itself (target=_blank)
    expect(role("message").textContent).toBe(T.waiting);
    expect(role("hint").textContent).toBe(T.no_window + T.fallback_link);
    expect(link().classList.contains("looker-nb-auth-primary-link")).toBe(false);
  });

  it("Cancel tells the server (POST with the XSRF token) and the kernel, and shows ready", () => {
    const model = readyModel();
    render(model);
    button("login").click();
    button("cancel").click();
    expect(fetchSpy).toHaveBeenCalledExactlyOnceWith(`/user/ada/${protocol.cancel_route}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-XSRFToken": "XSRF-TOKEN-1" },
      body: JSON.stringify({ state: "STATE-1" }),
    });
    expect(model.sent.at(-1)).toEqual({ [K.EVENT]: E.CANCEL, [K.STATE]: "STATE-1" });
    expect(root().dataset.status).toBe(S.READY);
    expect(shown()).toEqual(["login"]);
  });

  it("Cancel closes the Looker popup it opened, where the browser allows", () => {
    const popup = { close: vi.fn() };
    open.mockReturnValueOnce(popup as unknown as Window);
    render(readyModel());
    button("login").click();
    expect(popup.close).not.toHaveBeenCalled();
    button("cancel").click();
    expect(popup.close).toHaveBeenCalledOnce();
  });

  it("a popup that refuses to close is not an error on the page", () => {
    const popup = {
      close: vi.fn(() => {
        throw new Error("blocked by the browser");
      }),
    };
    open.mockReturnValueOnce(popup as unknown as Window);
    render(readyModel());
    button("login").click();
    expect(() => button("cancel").click()).not.toThrow();
    expect(root().dataset.status).toBe(S.READY);
  });

  it("Cancel with no Jupyter server to tell only tells the kernel", () => {
    const model = readyModel({ api_base: "" });
    render(model);
    button("login").click();
    button("cancel").click();
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(model.sent.at(-1)).toEqual({ [K.EVENT]: E.CANCEL, [K.STATE]: "STATE-1" });
  });

  it("a failed cancel request is not an error on the page", async () => {
    fetchSpy.mockRejectedValue(new TypeError("offline"));
    const model = readyModel();
    render(model);
    button("login").click();
    button("cancel").click();
    await vi.runAllTimersAsync();
    expect(root().dataset.status).toBe(S.READY);
  });

  it("Try again sends retry; Log out sends logout", () => {
    const model = readyModel();
    render(model);
    model.kernelSets({ status: S.ERROR, message: "Looker said no." });
    button("retry").click();
    expect(model.sent).toEqual([{ [K.EVENT]: E.RETRY }]);
    model.kernelSets({ status: S.LOGGED_IN, message: "Logged in as Ada." });
    button("logout").click();
    expect(model.sent.at(-1)).toEqual({ [K.EVENT]: E.LOGOUT });
  });
});

describe("focus", () => {
  it("moves to the new state's main button after the user acted in the widget", () => {
    const model = readyModel();
    render(model);
    button("login").click();
    model.kernelSets({ status: S.LOGGED_IN, message: "Logged in as Ada.", authorize_url: "" });
    nextFrame();
    expect(document.activeElement).not.toBe(button("logout")); // the kernel alone moves nothing

    button("logout").click();
    model.kernelSets({ status: S.LOGGED_OUT, message: "Logged out.", authorize_url: URL_1 });
    nextFrame();
    expect(document.activeElement).toBe(button("login"));
  });

  it("stays where it was while the popup is open, so Shift+Enter back in the notebook runs a cell, not Cancel", () => {
    const model = readyModel();
    render(model);
    const before = document.activeElement;
    button("login").click();
    nextFrame();
    expect(document.activeElement).toBe(before);
    expect(document.activeElement).not.toBe(button("cancel"));

    model.kernelSets({ status: S.LOGGED_IN, message: "Logged in as Ada.", authorize_url: "" });
    nextFrame();
    expect(document.activeElement).not.toBe(button("logout")); // nor on Log out after the login
  });

  it("goes to Try again when Log out fails, and from there to Log in", () => {
    const model = readyModel();
    render(model);
    model.kernelSets({ status: S.LOGGED_IN, message: "Logged in as Ada.", authorize_url: "" });
    button("logout").click();
    model.kernelSets({ status: S.ERROR, message: "Looker is unreachable." });
    nextFrame();
    expect(document.activeElement).toBe(button("retry"));

    button("retry").click();
    model.kernelSets({ status: S.READY, message: "", authorize_url: URL_1 });
    nextFrame();
    expect(document.activeElement).toBe(button("login"));
  });

  it("is never moved to a button hidden again before the frame", () => {
    const model = readyModel();
    render(model);
    const before = document.activeElement;
    button("login").click();
    model.kernelSets({ status: S.LOGGED_IN, message: "Logged in as Ada." });
    nextFrame();
    expect(document.activeElement).toBe(before);
  });
});

describe("the quiet timer", () => {
  it("after quiet_after seconds with no answer, shows the likely causes", () => {
    const model = readyModel({ quiet_after: 20 });
    render(model);
    button("login").click();
    vi.advanceTimersByTime(19_999);
    expect(role("message").textContent).toBe(T.waiting);
    expect(visible(role("causes"))).toBe(false);
    vi.advanceTimersByTime(1);
    expect(role("message").textContent).toBe(T.quiet);
    expect(visible(role("causes"))).toBe(true);
    expect(causes()).toEqual(expectedCauses(model.get("redirect_uri"), model.get("client_guid")));
    // The guid and the redirect URI in use, each named on its own.
    expect(causes()[1]).toContain(`client guid, ${model.get("client_guid")}, and this redirect`);
    expect(causes()).toHaveLength(3);
    expect(link().classList.contains("looker-nb-auth-primary-link")).toBe(true);
  });

  it("starts again when the user opens the login page with the link", () => {
    const model = readyModel({ quiet_after: 20 });
    render(model);
    button("login").click();
    vi.advanceTimersByTime(20_000);
    link().click();
    expect(role("message").textContent).toBe(T.waiting);
    expect(causes()).toEqual([]);
    vi.advanceTimersByTime(20_000);
    expect(role("message").textContent).toBe(T.quiet);
  });

  it("stops when the kernel answers, and on Cancel", () => {
    const model = readyModel({ quiet_after: 20 });
    render(model);
    button("login").click();
    model.kernelSets({ status: S.LOGGED_IN, message: "Logged in as Ada." });
    vi.advanceTimersByTime(60_000);
    expect(root().dataset.status).toBe(S.LOGGED_IN);
    expect(visible(role("causes"))).toBe(false);

    const other = readyModel({ quiet_after: 20 });
    cleanup?.();
    el.replaceChildren();
    render(other);
    button("login").click();
    button("cancel").click();
    vi.advanceTimersByTime(60_000);
    expect(root().dataset.status).toBe(S.READY);
    expect(causes()).toEqual([]);
  });

  it("is off with quiet_after 0", () => {
    const model = readyModel({ quiet_after: 0 });
    render(model);
    button("login").click();
    vi.advanceTimersByTime(3_600_000);
    expect(role("message").textContent).toBe(T.waiting);
  });
});

describe("the callback page's BroadcastChannel message", () => {
  it("says Looker answered, for this login only", () => {
    const model = readyModel();
    render(model);
    button("login").click();
    callbackPagePosts({ type: protocol.channel, state: "OTHER-LOGIN", ok: true });
    expect(role("message").textContent).toBe(T.waiting);
    callbackPagePosts({ type: "something-else", state: "STATE-1", ok: true });
    expect(role("message").textContent).toBe(T.waiting);
    callbackPagePosts(null);
    expect(role("message").textContent).toBe(T.waiting);

    callbackPagePosts({ type: protocol.channel, state: "STATE-1", ok: true });
    expect(model.get("message")).toBe(T.answered);
    expect(role("message").textContent).toBe(T.answered);
    expect(root().dataset.status).toBe(S.WAITING);
  });

  it("says Looker answered with an error, and ends the quiet wait and the blocked state", () => {
    open.mockReturnValue(null);
    const model = readyModel({ quiet_after: 5 });
    render(model);
    button("login").click();
    vi.advanceTimersByTime(5_000);
    expect(role("message").textContent).toBe(T.quiet);
    callbackPagePosts({ type: protocol.channel, state: "STATE-1", ok: false });
    expect(role("message").textContent).toBe(T.answered_error);
    expect(causes()).toEqual([]);
    expect(role("hint").textContent).toBe(T.no_window + T.fallback_link);
  });

  it("never steps back from the kernel's own answer", () => {
    const model = readyModel();
    render(model);
    button("login").click();
    model.kernelSets({ status: S.ERROR, message: "Looker said no." });
    callbackPagePosts({ type: protocol.channel, state: "STATE-1", ok: false });
    expect(root().dataset.status).toBe(S.ERROR);
    expect(role("message").textContent).toBe("Looker said no.");
  });

  it("is not listened to once the view is gone", () => {
    render(readyModel());
    expect([...FakeChannel.open].map((channel) => channel.name)).toEqual([protocol.channel]);
    cleanup?.();
    cleanup = undefined;
    expect(FakeChannel.open.size).toBe(0);
  });
});

describe("the origin warning, before the click", () => {
  it("says where to open Jupyter when the page is not on the redirect URI's origin", () => {
    render(readyModel({ redirect_origin: "https://jupyter.example" }));
    const there = `https://jupyter.example${location.pathname}`;
    const expected = T.origin
      .replaceAll("{page}", location.origin)
      .replaceAll("{expected}", "https://jupyter.example")
      .replaceAll("{link}", there);
    expect(role("note").textContent).toBe(expected);
    expect(role("note").textContent).toContain(location.origin);
    expect(visible(role("note"))).toBe(true);
    button("login").click();
    expect(visible(role("note"))).toBe(false);
  });

  it("is the main thing shown: first, its link the way, the button no longer primary", () => {
    render(readyModel({ redirect_origin: "https://jupyter.example" }));
    const there = role("origin-link") as HTMLAnchorElement;
    expect(there.getAttribute("href")).toBe(`https://jupyter.example${location.pathname}`);
    expect(there.textContent).toBe(there.getAttribute("href"));
    expect(there.classList.contains("looker-nb-auth-primary-link")).toBe(true);
    expect(button("login").classList.contains("looker-nb-auth-primary")).toBe(false);
    expect(root().firstElementChild).toBe(role("note"));
  });

  it("says nothing on the redirect URI's own origin", () => {
    render(readyModel({ redirect_origin: location.origin }));
    expect(visible(role("note"))).toBe(false);
    expect(role("note").textContent).toBe("");
    expect(button("login").classList.contains("looker-nb-auth-primary")).toBe(true);
  });
});

describe("the view's lifetime", () => {
  it("reaches the backing model through a local change, then stops listening to it", () => {
    const model = readyModel();
    render(model);
    expect(model.get("_looker_nb_auth_probe")).toBeGreaterThan(0);
    expect(model.sent).toEqual([]);
    cleanup?.();
    cleanup = undefined;
    expect(model.listening()).toBe(0);
    model.kernelSets({ status: S.LOGGED_IN, message: "after" });
    expect(root().dataset.status).toBe(S.READY);
  });
});
