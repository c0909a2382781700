import { createServer, connect, Socket } from 'node:net';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { freePort } from './ports';

/*
 * A slow network link between this machine's clients and one TCP server on loopback, in user space:
 * a relay on 127.0.0.1 that holds the traffic to a set rate and round-trip time, as a WAN link to a
 * remote MinIO would. The kernel here has tbf and htb only inside a network namespace and no netem,
 * so delay needs a relay anyway, and one relay doing both keeps the model in one place.
 *
 * The model, per direction: one FIFO of chunks shared by every connection through the link, and one
 * timer. A chunk read from a socket is put on the wire behind everything queued before it (the rate is
 * the link's, shared by all connections, so 4 transfers at once share it), finishes leaving at
 * `max(now, previous chunk's end) + bytes / rate`, and arrives half the RTT later. Delivery is in FIFO
 * order, so the bytes of a connection always arrive in the order they were sent. A new connection costs
 * one RTT before its first byte moves (the TCP handshake the relay's local accept would otherwise hide).
 *
 * Known differences from a real link (the conformance test pins the rest): no loss and no TCP
 * congestion control, so a single transfer fills the link at once instead of after slow start; the
 * queue a connection may hold in the link is bounded by `windowBytes` (the role of TCP's window); the
 * relay terminates TCP, so a client's connect succeeds locally even while the link is stalled (its
 * first bytes then wait for the stall like all others).
 *
 * The relay runs in a worker thread of its own, so the timing of its deliveries does not depend on the
 * event loop (and the garbage collector) of the process measuring through it. The worker runs the
 * compiled local/network/shaped-link.js: build first (npm run build), as for every local script.
 */

export interface ShapedLinkOptions {
  /** The server the link leads to (on this machine). */
  readonly targetHost?: string;
  readonly targetPort: number;
  /** The link's rate in bytes per second, each way, shared by every connection through it. */
  readonly bytesPerSecond: number;
  /** Round-trip time in milliseconds (half of it each way). */
  readonly rttMs: number;
  /** Bytes one connection may have in the link (sent but not yet delivered) before its reading pauses. */
  readonly windowBytes?: number;
}

/** Bytes the link delivered each way since it started. */
export interface LinkCounters {
  /** Client to server (requests, uploads). */
  readonly up: number;
  /** Server to client (responses, downloads). */
  readonly down: number;
}

interface Queued {
  readonly connection: Connection;
  /** A chunk of data, or null for the sender's end of stream (delivered in order, as a FIN is). */
  readonly chunk: Buffer | null;
  arriveAt: number;
}

/** One side of a relayed connection: where its bytes come from and go to. */
interface Connection {
  readonly via: Direction;
  readonly from: Socket;
  readonly to: Socket;
  inLink: number;
  waitingForDrain: boolean;
  closed: boolean;
}

/** One direction of the link: its FIFO and its one timer. */
class Direction {
  private readonly queue: Queued[] = [];
  private head = 0;
  /** When the last queued chunk finishes leaving (ms, performance.now() clock). */
  private wireFreeAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: LinkRelay,
    /** Bytes delivered, shared with the thread that started the link, at `counter`. */
    private readonly counters: Float64Array,
    private readonly counter: number,
    private readonly bytesPerMs: number,
    private readonly oneWayMs: number,
    private readonly windowBytes: number,
  ) {}

  send(connection: Connection, chunk: Buffer | null): void {
    const now = Math.max(performance.now(), this.link.stalledUntil);
    const bytes = chunk?.length ?? 0;
    this.wireFreeAt = Math.max(now, this.wireFreeAt) + bytes / this.bytesPerMs;
    this.queue.push({ connection, chunk, arriveAt: this.wireFreeAt + this.oneWayMs });
    connection.inLink += bytes;
    if (connection.inLink > this.windowBytes) connection.from.pause();
    this.arm();
  }

  /** Shifts everything queued by `ms` (nothing arrives during a stall, and the wire sends nothing). */
  hold(ms: number, from: number): void {
    for (let i = this.head; i < this.queue.length; i++) this.queue[i].arriveAt = Math.max(this.queue[i].arriveAt, from) + ms;
    this.wireFreeAt = Math.max(this.wireFreeAt, from) + ms;
    this.arm(true);
  }

  private arm(reset = false): void {
    if (reset && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.timer || this.head >= this.queue.length) return;
    const wait = Math.max(0, this.queue[this.head].arriveAt - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.deliverDue();
    }, wait);
  }

  private deliverDue(): void {
    const now = performance.now();
    while (this.head < this.queue.length && this.queue[this.head].arriveAt <= now) {
      const { connection, chunk } = this.queue[this.head++];
      if (connection.closed) continue;
      if (chunk === null) {
        connection.to.end();
        continue;
      }
      connection.inLink -= chunk.length;
      this.counters[this.counter] += chunk.length;
      if (!connection.to.write(chunk) && !connection.waitingForDrain) {
        connection.waitingForDrain = true;
        connection.to.once('drain', () => {
          connection.waitingForDrain = false;
          resumeIfFree(connection, this.windowBytes);
        });
      }
      resumeIfFree(connection, this.windowBytes);
    }
    // Compact now and then, so a long transfer doesn't keep every delivered entry.
    if (this.head > 1024) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.arm();
  }
}

function resumeIfFree(connection: Connection, windowBytes: number): void {
  if (!connection.closed && !connection.waitingForDrain && connection.inLink <= windowBytes && connection.from.isPaused()) connection.from.resume();
}

/** The relay itself, in the link's worker thread. */
class LinkRelay {
  /** Until when (performance.now() clock) the link holds all traffic. */
  stalledUntil = 0;
  private readonly upstream: Direction;
  private readonly downstream: Direction;
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer({ allowHalfOpen: true });

  constructor(
    private readonly options: ShapedLinkOptions,
    counters: Float64Array,
  ) {
    const bytesPerMs = options.bytesPerSecond / 1000;
    // Enough to keep the link full over one RTT (its bandwidth-delay product), with room for timer slack.
    const window = options.windowBytes ?? Math.max(1 << 20, 2 * bytesPerMs * options.rttMs);
    this.upstream = new Direction(this, counters, 0, bytesPerMs, options.rttMs / 2, window);
    this.downstream = new Direction(this, counters, 1, bytesPerMs, options.rttMs / 2, window);
    this.server.on('connection', (client) => this.accept(client));
  }

  listen(port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
  }

  /** Holds all traffic, both ways, for `ms` from now (queued bytes wait, and are delivered intact after). */
  stall(ms: number): void {
    const now = performance.now();
    const from = Math.max(now, this.stalledUntil);
    this.stalledUntil = from + ms;
    this.upstream.hold(ms, from);
    this.downstream.hold(ms, from);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.pause();
    const server = connect({ host: this.options.targetHost ?? '127.0.0.1', port: this.options.targetPort, allowHalfOpen: true });
    server.pause();
    const up: Connection = { via: this.upstream, from: client, to: server, inLink: 0, waitingForDrain: false, closed: false };
    const down: Connection = { via: this.downstream, from: server, to: client, inLink: 0, waitingForDrain: false, closed: false };
    // A reset on either side resets both at once (a real link would carry the RST too).
    const reset = () => {
      up.closed = down.closed = true;
      client.destroy();
      server.destroy();
    };
    for (const [socket, sending, receiving] of [
      [client, up, down],
      [server, down, up],
    ] as const) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      let ended = false;
      socket.on('data', (chunk: Buffer) => sending.via.send(sending, chunk));
      socket.on('end', () => {
        ended = true;
        sending.via.send(sending, null);
      });
      socket.on('error', reset);
      socket.on('close', () => {
        this.sockets.delete(socket);
        // Closed without its end of stream (destroyed by its owner): the other side still gets one, in order.
        receiving.closed = true;
        if (!ended && !sending.closed) sending.via.send(sending, null);
      });
    }
    // The handshake's round trip (and any stall) before the client's first byte moves.
    const open = () => {
      const wait = this.stalledUntil - performance.now();
      if (wait > 0) setTimeout(open, wait);
      else if (!up.closed) {
        client.resume();
        server.resume();
      }
    };
    setTimeout(open, this.options.rttMs);
  }
}

/** A shaped link on 127.0.0.1, its relay in a worker thread: where clients connect, its counters, its stall. */
export class ShapedLink {
  private constructor(
    private readonly worker: Worker,
    readonly port: number,
    private readonly shared: Float64Array,
    readonly options: ShapedLinkOptions,
  ) {}

  /** Starts a link on 127.0.0.1 (a free port from ports.ts) in front of `targetHost:targetPort`. */
  static async start(options: ShapedLinkOptions): Promise<ShapedLink> {
    if (!(options.bytesPerSecond > 0) || !(options.rttMs >= 0))
      throw new Error(`a shaped link needs a positive rate and a non-negative RTT (got ${options.bytesPerSecond} B/s, ${options.rttMs} ms)`);
    const port = await freePort();
    const shared = new Float64Array(new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT));
    const worker = new Worker(join(__dirname, 'shaped-link.js'), { workerData: { shapedLink: { options, port, shared } } });
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the shaped link's worker exited (${code}) before listening on ${port}`)));
      worker.once('message', () => resolve());
    });
    worker.removeAllListeners('exit');
    return new ShapedLink(worker, port, shared, options);
  }

  /** http://127.0.0.1:<port>, the address clients use instead of the server's. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Bytes the link has delivered each way so far. */
  counters(): LinkCounters {
    return { up: this.shared[0], down: this.shared[1] };
  }

  /**
   * Holds all traffic, both ways, for `ms` from when the relay gets the word (queued bytes wait, and are
   * delivered intact after); resolves with the counters at that moment.
   */
  stall(ms: number): Promise<LinkCounters> {
    return this.ask({ stall: ms }).then(() => this.counters());
  }

  async close(): Promise<void> {
    await this.ask({ close: true });
    await this.worker.terminate();
  }

  private ask(message: { stall?: number; close?: boolean }): Promise<void> {
    return new Promise((resolve) => {
      this.worker.once('message', () => resolve());
      this.worker.postMessage(message);
    });
  }
}

// In the link's worker thread: the relay, answering the handle's requests one by one.
if (!isMainThread && workerData?.shapedLink) {
  const { options, port, shared } = workerData.shapedLink as { options: ShapedLinkOptions; port: number; shared: Float64Array };
  const relay = new LinkRelay(options, shared);
  void relay.listen(port).then(() => parentPort!.postMessage('listening'));
  parentPort!.on('message', (message: { stall?: number; close?: boolean }) => {
    if (message.stall !== undefined) {
      relay.stall(message.stall);
      parentPort!.postMessage('stalled');
    } else if (message.close) void relay.close().then(() => parentPort!.postMessage('closed'));
  });
}

/**
 * The link's round-trip time as a client sees it: the same small request (e.g. an S3 HeadBucket) timed
 * through the link and straight to the server, interleaved so both see the same machine load, after one
 * of each that warms up; the difference of the medians, over the round trips each request makes
 * through the link (2 where the server closes the connection after each answer, as versitygw does:
 * the handshake's and the request's).
 */
export async function measureRoundTripMs(
  viaLink: () => Promise<unknown>,
  direct: () => Promise<unknown>,
  roundTripsPerRequest: number,
  samples = 9,
): Promise<number> {
  const timed = async (ask: () => Promise<unknown>) => {
    const t0 = performance.now();
    await ask();
    return performance.now() - t0;
  };
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  await viaLink();
  await direct();
  const via: number[] = [];
  const straight: number[] = [];
  for (let i = 0; i < samples; i++) {
    via.push(await timed(viaLink));
    straight.push(await timed(direct));
  }
  return (median(via) - median(straight)) / roundTripsPerRequest;
}
