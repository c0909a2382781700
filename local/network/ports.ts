import { createServer, Socket } from 'node:net';

/**
 * Ports a local server may take: below Linux's ephemeral range (32768 and up, handed to client
 * sockets, so a server there can collide with one), and away from Alluxio's own ports.
 */
const LOWEST = 20100;
const HIGHEST = 29900;

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A port nothing listens on at `host`, from 20100 to 29900 (tried at random, bounded). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    if (await bindable(port, host)) return port;
  }
  throw new Error(`no free port from ${LOWEST} to ${HIGHEST} on ${host} after 200 tries`);
}

/** Whether something answers a TCP connect at host:port within `timeoutMs`. */
export function listening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}
