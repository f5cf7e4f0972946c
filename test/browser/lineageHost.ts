/**
 * The extension's side of the lineage webview in the browser tests and the benchmark: the real
 * `LineageController` (the panel's whole logic) wired to a page instead of a VS Code webview, over
 * a data source that records the actions the webview asks for. Waits are on messages, never on time.
 */
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import type { LineageDataSource } from '../../src/views/lineageController';
import { LineageController } from '../../src/views/lineageController';
import type { FromLineage, LineageFocus, ToLineage } from '../../src/webview/lineageProtocol';
import { FakeEventEmitter } from '../support/fakeVscode';
import { installVsCodeApi } from './harness';

/** A message and when it arrived (from the webview) or was posted (to it), by `performance.now()`. */
type Message = ({ direction: 'in'; message: FromLineage } | { direction: 'out'; message: ToLineage }) & { at: number };

/** Open / Preview / Build as the data source received them. */
export type Action = { type: 'open' | 'preview'; nodeId: string } | { type: 'build'; nodeId: string; downstream: boolean };

/** A data source over `data`, recording actions, with change and active-editor events. */
export function recordingSource(data: Pick<LineageDataSource, 'graph' | 'details' | 'columnLineage'>): LineageDataSource & { actions: Action[]; changed: FakeEventEmitter<void>; active: FakeEventEmitter<string | undefined>; activeId?: string | undefined } {
  const actions: Action[] = [];
  const changed = new FakeEventEmitter<void>();
  const active = new FakeEventEmitter<string | undefined>();
  const source = {
    ...data,
    actions,
    changed,
    active,
    activeId: undefined as string | undefined,
    open: async (nodeId: string) => void actions.push({ type: 'open', nodeId }),
    preview: async (nodeId: string) => void actions.push({ type: 'preview', nodeId }),
    build: async (nodeId: string, downstream: boolean) => void actions.push({ type: 'build', nodeId, downstream }),
    onDidChange: changed.event,
    onDidChangeActiveNode: active.event,
    activeNode: () => source.activeId,
  };
  return source;
}

export class LineageHost {
  readonly log: Message[] = [];
  readonly controller: LineageController;
  private readonly waiters = new Set<{ test: (entry: Message) => boolean; resolve: (entry: Message) => void }>();
  private sending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly page: Page,
    source: LineageDataSource,
    state: { focus?: LineageFocus | undefined; follow?: boolean | undefined } = {},
  ) {
    this.controller = new LineageController(source, (message) => this.send(message), state);
  }

  /** Call before `goto`. */
  install(): Promise<void> {
    return installVsCodeApi(this.page, async (raw) => {
      const at = performance.now();
      const message = await this.controller.receive(raw);
      if (message) this.record({ direction: 'in', message, at });
    });
  }

  /** When a message logged arrived or was posted. */
  timeOf(message: FromLineage | ToLineage): number | undefined {
    return this.log.find((entry) => entry.message === message)?.at;
  }

  /** Messages from the webview of one type, in order. */
  received<T extends FromLineage['type']>(type: T): Array<Extract<FromLineage, { type: T }>> {
    return this.log.flatMap((entry) => (entry.direction === 'in' && entry.message.type === type ? [entry.message as Extract<FromLineage, { type: T }>] : []));
  }

  /** Messages to the webview of one type, in order. */
  sent<T extends ToLineage['type']>(type: T): Array<Extract<ToLineage, { type: T }>> {
    return this.log.flatMap((entry) => (entry.direction === 'out' && entry.message.type === type ? [entry.message as Extract<ToLineage, { type: T }>] : []));
  }

  /** The next message from the webview of `type` that passes `test` (from now on, unless `past`). */
  nextFrom<T extends FromLineage['type']>(type: T, test: (message: Extract<FromLineage, { type: T }>) => boolean = () => true, past = false): Promise<Extract<FromLineage, { type: T }>> {
    const matches = (entry: Message): boolean => entry.direction === 'in' && entry.message.type === type && test(entry.message as Extract<FromLineage, { type: T }>);
    return this.next(matches, past) as Promise<Extract<FromLineage, { type: T }>>;
  }

  /** The next message to the webview of `type` that passes `test`. */
  nextTo<T extends ToLineage['type']>(type: T, test: (message: Extract<ToLineage, { type: T }>) => boolean = () => true): Promise<Extract<ToLineage, { type: T }>> {
    const matches = (entry: Message): boolean => entry.direction === 'out' && entry.message.type === type && test(entry.message as Extract<ToLineage, { type: T }>);
    return this.next(matches, false) as Promise<Extract<ToLineage, { type: T }>>;
  }

  /** The `rendered` of the next graph sent (after it is on screen). */
  async nextRendered(): Promise<{ graph: Extract<ToLineage, { type: 'graph' }>; ms: number }> {
    const graph = await this.nextTo('graph');
    const rendered = await this.nextFrom('rendered', (message) => message.graphId === graph.graphId, true);
    return { graph, ms: rendered.ms };
  }

  private next(test: (entry: Message) => boolean, past: boolean): Promise<FromLineage | ToLineage> {
    const found = past ? this.log.find(test) : undefined;
    if (found) return Promise.resolve(found.message);
    return new Promise((resolve) => this.waiters.add({ test, resolve: (entry) => resolve(entry.message) }));
  }

  private record(entry: Message): void {
    this.log.push(entry);
    for (const waiter of [...this.waiters]) {
      if (!waiter.test(entry)) continue;
      this.waiters.delete(waiter);
      waiter.resolve(entry);
    }
  }

  /** Posts in order (each evaluate waits for the one before). */
  private send(message: ToLineage): void {
    const at = performance.now();
    this.sending = this.sending
      // As text, the way VS Code carries a webview message (Playwright's own serializer is far slower on a large graph).
      .then(() => this.page.evaluate((text) => window.postMessage(JSON.parse(text), '*'), JSON.stringify(message)))
      .then(() => this.record({ direction: 'out', message, at }))
      .catch(() => undefined);
  }
}
