// The callback page's script (js/callback.ts) on the page Python really writes
// (_callback_page.Page.html()): it strips the query, tells the widget on the channel and closes,
// and only strips the query on a page that has no login to tell about.

import { afterEach, beforeEach, expect, it, type MockInstance, vi } from "vitest";
import { FakeChannel, kernelTraits, python } from "./testing";

const CHANNEL = kernelTraits().protocol.channel;
const CALLBACK = "/user/ada/looker-nb-auth/callback";

/** The page Python answers with: ``Page(status, ok=..., title=..., state=...)``. */
function page(args: string): Document {
  const html = python(
    `from looker_nb_auth._callback_page import Page\nprint(Page(${args}).html(), end="")`,
  );
  return new DOMParser().parseFromString(html, "text/html");
}

/** Show Python's page at the callback URL Looker redirected to, then run the script there. */
async function runOn(served: Document): Promise<void> {
  // Its <main>, where the data the script reads is: the script itself runs as a module here.
  document.body.replaceChildren(
    ...[...served.body.children]
      .filter((node) => node.tagName !== "SCRIPT")
      .map((node) => document.importNode(node, true)),
  );
  history.pushState(null, "", `${CALLBACK}?code=SECRET-CODE&state=STATE-1`);
  vi.resetModules();
  await import("./callback");
}

let close: ReturnType<typeof vi.fn<() => void>>;
let replaceState: MockInstance<History["replaceState"]>;
let widget: FakeChannel;

beforeEach(() => {
  vi.stubGlobal("BroadcastChannel", FakeChannel);
  close = vi.fn<() => void>();
  vi.stubGlobal("close", close); // jsdom's own would tear the test's window down
  replaceState = vi.spyOn(history, "replaceState");
  widget = new FakeChannel(CHANNEL); // the notebook's widget, listening
});

afterEach(() => {
  widget.close();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

it("strips the code from the address, tells the widget on the channel, and closes", async () => {
  const heard: unknown[] = [];
  widget.addEventListener("message", (event) => heard.push((event as MessageEvent).data));
  await runOn(page("200, ok=True, title='You are logged in.', state='STATE-1'"));
  expect(replaceState).toHaveBeenCalledExactlyOnceWith(null, "", CALLBACK);
  expect(location.href).toBe(`${location.origin}${CALLBACK}`);
  expect(heard).toEqual([{ type: CHANNEL, state: "STATE-1", ok: true }]);
  expect(FakeChannel.open).toEqual(new Set([widget])); // the page's own channel is closed
  expect(close).toHaveBeenCalledOnce();
});

it("tells the widget that Looker answered with an error", async () => {
  const heard: unknown[] = [];
  widget.addEventListener("message", (event) => heard.push((event as MessageEvent).data));
  await runOn(page("200, ok=False, title='You did not allow access.', state='STATE-1'"));
  expect(heard).toEqual([{ type: CHANNEL, state: "STATE-1", ok: false }]);
  expect(close).toHaveBeenCalledOnce();
});

it("with no login to tell about, strips the code and stays open: the only explanation", async () => {
  const heard: unknown[] = [];
  widget.addEventListener("message", (event) => heard.push((event as MessageEvent).data));
  await runOn(page("400, ok=False, title='This login link is unknown or has expired.'"));
  expect(replaceState).toHaveBeenCalledExactlyOnceWith(null, "", CALLBACK);
  expect(location.search).toBe("");
  expect(heard).toEqual([]);
  expect(close).not.toHaveBeenCalled();
});

it("closes even where there is no BroadcastChannel", async () => {
  vi.stubGlobal("BroadcastChannel", undefined);
  Reflect.deleteProperty(globalThis, "BroadcastChannel");
  await runOn(page("200, ok=True, title='You are logged in.', state='STATE-1'"));
  expect(location.search).toBe("");
  expect(close).toHaveBeenCalledOnce();
});

it("reads a state with markup in it as data, never as markup", async () => {
  const served = page(`200, ok=True, title='x', state='"><b>S</b>'`);
  expect(served.querySelector("main b")).toBeNull();
  const heard: unknown[] = [];
  widget.addEventListener("message", (event) => heard.push((event as MessageEvent).data));
  await runOn(served);
  expect(heard).toEqual([{ type: CHANNEL, state: '"><b>S</b>', ok: true }]);
});

it("is the script Python puts on the page, under the page's nonce", () => {
  const served = page("200, ok=True, title='x', state='STATE-1'");
  const scripts = served.querySelectorAll("script");
  expect(scripts).toHaveLength(1);
  const [script] = scripts;
  expect(script?.getAttribute("nonce")).toMatch(/^[\w-]{16,}$/);
  expect(script?.textContent).toContain('history.replaceState(null, "", location.pathname)');
  expect(script?.textContent).not.toContain("STATE-1");
  expect(served.querySelector("style")?.getAttribute("nonce")).toBe(script?.getAttribute("nonce"));
});
