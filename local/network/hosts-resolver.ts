import dns from 'node:dns';
import { readFileSync } from 'node:fs';

/*
 * The local ECS's hosts file (its Cloud Map names' stand-in for DNS) as a Node.js resolver. Preloaded
 * (`node -r`) into every local Lambda invocation with LOCAL_HOSTS_FILE set, it makes `dns.lookup`
 * (what http, net and the AWS SDK use) answer a name the file lists with its current addresses, as the
 * VPC resolver answers a Cloud Map name inside a Lambda function in the VPC; any other name goes to the
 * system's resolver as before. The test harness reads the same file to find a master by its name.
 */

/** The addresses `name` has in the hosts file `file` now (none when the file or the name is missing). */
export function addressesInHostsFile(file: string, name: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const addresses: string[] = [];
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address && names.includes(name)) addresses.push(address);
  }
  return addresses;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** Patches `dns.lookup` and `dns.promises.lookup` to answer the names in `file` first. */
export function installHostsFileResolver(file: string): void {
  const original = dns.lookup.bind(dns) as (...args: any[]) => void;
  const patched = (hostname: string, options: unknown, callback?: LookupCallback) => {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const opts = (typeof options === 'object' && options !== null ? options : typeof options === 'number' ? { family: options } : {}) as dns.LookupOptions;
    const addresses = addressesInHostsFile(file, hostname);
    if (addresses.length === 0) return typeof options === 'function' ? original(hostname, cb) : original(hostname, options, cb);
    // Several records: a client takes the first answer, as a DNS client takes the first of a shuffled list.
    const shuffled = [...addresses].sort(() => Math.random() - 0.5);
    process.nextTick(() =>
      opts.all
        ? cb(
            null,
            shuffled.map((address) => ({ address, family: 4 })),
          )
        : cb(null, shuffled[0], 4),
    );
  };
  (dns as { lookup: unknown }).lookup = patched;
  const promises = dns.promises as { lookup: unknown };
  const originalPromise = dns.promises.lookup.bind(dns.promises);
  promises.lookup = async (hostname: string, options?: dns.LookupOptions) => {
    const addresses = addressesInHostsFile(file, hostname);
    if (addresses.length === 0) return originalPromise(hostname, options ?? {});
    return options?.all ? addresses.map((address) => ({ address, family: 4 })) : { address: addresses[0], family: 4 };
  };
}

if (process.env.LOCAL_HOSTS_FILE) installHostsFileResolver(process.env.LOCAL_HOSTS_FILE);
