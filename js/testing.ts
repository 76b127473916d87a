// Test helpers for js/*.test.ts (not part of a build): a fake anywidget model, a fake
// BroadcastChannel, and what the kernel really sends, asked of the Python package itself so that
// no sentence or protocol name is copied into the tests.

import { execFileSync } from "node:child_process";
import type { AnyModel } from "@anywidget/types";
import type { Model, Protocol, Texts } from "./widget";

/** The repository's Python (`make` creates .venv; JS_TEST_PYTHON overrides it). */
const PYTHON = process.env.JS_TEST_PYTHON ?? ".venv/bin/python";

/** Run Python code with the package importable; its standard output. */
export function python(code: string): string {
  return execFileSync(PYTHON, ["-c", code], { encoding: "utf-8" });
}

interface Kernel {
  texts: Texts;
  protocol: Protocol;
  quiet_after: number;
}

let kernel: Kernel | undefined;

/** The traits the kernel gives every widget: its sentences, the protocol, the quiet timer. */
export function kernelTraits(): Kernel {
  kernel ??= JSON.parse(
    python(
      [
        "import json",
        "from looker_nb_auth.notebook.widget import LoginWidget",
        "traits = LoginWidget.class_traits()",
        "print(json.dumps({name: traits[name].default() for name in",
        "    ('texts', 'protocol', 'quiet_after')}))",
      ].join("\n"),
    ),
  ) as Kernel;
  return kernel;
}

/** What anywidget's model calls back: any arguments (a change's model and value, a message). */
type Handler = NonNullable<Parameters<AnyModel<Model>["off"]>[1]>;

/** The ipywidgets model behind anywidget's proxy, as far as the widget looks at it. */
export interface Backing {
  comm_live?: boolean;
}

/** A model as anywidget hands it to `render`: traits, change events, custom messages. */
export class FakeModel implements AnyModel<Model> {
  readonly sent: unknown[] = [];
  readonly backing: Backing = { comm_live: true };
  readonly widget_manager = {
    get_model: (): Promise<never> => Promise.reject(new Error("no widget manager here")),
  };
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(private readonly attrs: Model) {}

  get<K extends keyof Model>(key: K): Model[K] {
    return this.attrs[key];
  }

  /** As Backbone does: store, then `change:<key>` with the backing model and the value. */
  set<K extends keyof Model>(key: K, value: Model[K]): void {
    if (this.attrs[key] === value) return;
    this.attrs[key] = value;
    this.emit(`change:${String(key)}`, this.backing, value);
  }

  on(eventName: string, callback: Handler): void {
    let handlers = this.handlers.get(eventName);
    if (handlers === undefined) {
      handlers = new Set();
      this.handlers.set(eventName, handlers);
    }
    handlers.add(callback);
  }

  off(eventName?: string | null, callback?: Handler | null): void {
    if (eventName == null) this.handlers.clear();
    else if (callback == null) this.handlers.delete(eventName);
    else this.handlers.get(eventName)?.delete(callback);
  }

  send(content: unknown): void {
    this.sent.push(content);
  }

  save_changes(): void {}

  emit(eventName: string, ...args: unknown[]): void {
    for (const handler of [...(this.handlers.get(eventName) ?? [])]) handler(...args);
  }

  /** How many handlers are registered (a view's cleanup leaves none but its own). */
  listening(): number {
    let count = 0;
    for (const handlers of this.handlers.values()) count += handlers.size;
    return count;
  }

  /** What the kernel does: new trait values, then a change event for each. */
  kernelSets(changes: Partial<Model>): void {
    for (const [key, value] of Object.entries(changes)) {
      this.set(key as keyof Model, value as never);
    }
  }
}

/** A fake model with the kernel's defaults, ready to log in. */
export function readyModel(changes: Partial<Model> = {}): FakeModel {
  const { texts, protocol, quiet_after } = kernelTraits();
  return new FakeModel({
    status: protocol.statuses.READY,
    message: "",
    authorize_url: "https://looker.example/auth?client_id=nb&state=STATE-1",
    api_base: "/user/ada/",
    protocol,
    texts,
    redirect_uri: "http://localhost:3000/user/ada/looker-nb-auth/callback",
    client_guid: "notebooks",
    redirect_origin: "",
    quiet_after,
    _looker_nb_auth_probe: 0,
    ...changes,
  });
}

/** BroadcastChannel in one page: every channel of a name hears what another posts. */
export class FakeChannel extends EventTarget {
  static readonly open = new Set<FakeChannel>();
  readonly posted: unknown[] = [];
  closed = false;

  constructor(readonly name: string) {
    super();
    FakeChannel.open.add(this);
  }

  postMessage(data: unknown): void {
    this.posted.push(data);
    for (const other of FakeChannel.open) {
      if (other !== this && other.name === this.name) {
        other.dispatchEvent(new MessageEvent("message", { data }));
      }
    }
  }

  close(): void {
    this.closed = true;
    FakeChannel.open.delete(this);
  }
}
