import { freePort } from '../../local/network/ports';

/**
 * A loopback port nothing listens on, below Linux's ephemeral range: a port the kernel hands out for
 * port 0 (32768 and up) can be taken by any client socket a moment later.
 */
export async function unusedLoopbackPort(): Promise<number> {
  return freePort('127.0.0.1');
}
