// The live Work View: one SignalR connection to /hubs/workview (the sign-in cookie authenticates it, same origin)
// watching one or more contracts.
//
// Nothing may be missed across a reconnect: the page remembers the last journal `ordering` it saw per contract and,
// when the connection comes back, calls WatchFrom(contractId, lastOrdering) so the hub replays what came after it.
// Duplicates are dropped. A message is skipped when its ordering is below what the page already holds, or when it is
// the very same message again: one journal event can yield several messages with one ordering (a rejection gives
// `screenshotRejected` and a `notification`), so "ordering <= last" alone would drop the second of them.

const methods = [
  'screenshotAdded', 'segmentUpdated', 'commentAdded', 'screenshotRejected', 'trackingChanged',
  'limitApproaching', 'timesheetChanged', 'notification', 'resync',
];

export class LiveWorkView {
  /** @param {(method: string, payload: object) => void} onMessage  @param {(state: string) => void} onState */
  constructor(onMessage, onState = () => {}) {
    this.onMessage = onMessage;
    this.onState = onState;
    this.contracts = new Map(); // contractId → { last: number|null, seenAtLast: Set<string> }
    const { signalR } = window;
    if (!signalR) throw new Error('The SignalR client (/lib/signalr.min.js) did not load.');
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl('/hubs/workview')
      // Retry for as long as the page is open: 0.5 s, 1 s, 2 s ... then every 15 s.
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => Math.min(15000, 500 * 2 ** context.previousRetryCount) })
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    for (const method of methods) {
      this.connection.on(method, (payload) => this.receive(method, payload));
    }
    this.connection.onreconnecting(() => this.onState('reconnecting'));
    this.connection.onreconnected(() => this.rewatch());
    // Automatic reconnect gave up, or the connection was closed (by the server, or stop()): start again, then catch up.
    this.connection.onclose(() => {
      this.onState('offline');
      setTimeout(() => this.start(), 1000);
    });
    // A handle for diagnostics in the browser's console (and the browser tests, which drop the connection).
    window.liveWorkView = this;
  }

  async start() {
    if (this.connection.state !== 'Disconnected') return;
    try {
      await this.connection.start();
      await this.rewatch();
    } catch (error) {
      this.onState('offline');
      console.warn('live connection failed, retrying', error);
      setTimeout(() => this.start(), 5000);
    }
  }

  /** Watches a contract from now on (call start() once, before or after). */
  async watch(contractId) {
    if (!this.contracts.has(contractId)) this.contracts.set(contractId, { last: null, seenAtLast: new Set() });
    if (this.connection.state === 'Connected') await this.watchOne(contractId);
  }

  async rewatch() {
    for (const contractId of this.contracts.keys()) {
      await this.watchOne(contractId);
    }
    this.onState('live');
  }

  async watchOne(contractId) {
    const entry = this.contracts.get(contractId);
    // Ask from the ordering before the last one seen: messages of that same event that were cut off by the
    // disconnect come again, and the ones already seen are recognised below.
    const result = entry.last === null
      ? await this.connection.invoke('Watch', contractId)
      : await this.connection.invoke('WatchFrom', contractId, entry.last - 1);
    // A first watch: the page reads its data after this, so it is current up to the hub's ordering.
    if (entry.last === null) entry.last = result.ordering;
    return result;
  }

  receive(method, payload) {
    const contractId = payload?.contractId;
    const entry = this.contracts.get(contractId);
    if (!entry) return;
    const ordering = Number(payload.ordering);
    if (method === 'resync') {
      entry.last = ordering;
      entry.seenAtLast = new Set();
      this.onMessage(method, payload);
      return;
    }
    const key = `${method}|${JSON.stringify(payload)}`;
    if (entry.last !== null && ordering < entry.last) return;
    if (ordering === entry.last && entry.seenAtLast.has(key)) return;
    if (entry.last === null || ordering > entry.last) {
      entry.last = ordering;
      entry.seenAtLast = new Set();
    }
    entry.seenAtLast.add(key);
    this.onMessage(method, payload);
  }
}

/** Shows the connection's state in an element (role=status), e.g. "Live" or "Reconnecting…". */
export function showLiveState(element) {
  const text = { live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline, retrying…', connecting: 'Connecting…' };
  return (state) => {
    if (!element) return;
    element.textContent = text[state] || state;
    element.dataset.state = state;
  };
}
