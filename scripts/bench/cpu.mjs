// Where a benchmark's CPU goes: the machine's busy time and each process's (by role), sampled from /proc
// every 100 ms, so a figure can be read against what the cores could give (a 2-core machine runs the
// client, the worker, the S3 server and the shaped link at once; on AWS they are separate hosts).
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

// USER_HZ: the unit of /proc's CPU times on every Linux architecture this runs on.
const TICKS_PER_SECOND = 100;
const now = () => performance.timeOrigin + performance.now();

function busySeconds() {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

export class CpuSampler {
  /**
   * `roleOf(commandLine, pid)` names a process's role, or undefined to count it under "other"; a kernel
   * thread's command line is its name in brackets, e.g. "[ksoftirqd/0]".
   */
  constructor(roleOf, intervalMs = 100) {
    this.roleOf = roleOf;
    this.intervalMs = intervalMs;
    this.roles = new Map();
    this.samples = [];
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample() {
    const processes = {};
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // A named role is kept; an unnamed one is asked again, since a start script execs its JVM in the
        // same process. A kernel thread (kthreadd's child) has no command line: its name is passed
        // instead; a process caught mid-exec has none either, and waits for the next sample.
        if (!this.roles.get(pid)) {
          const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
          const kernelThread = pid === '2' || fields[1] === '2';
          if (commandLine || kernelThread)
            this.roles.set(pid, this.roleOf(commandLine || `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`, Number(pid)));
        }
        const role = this.roles.get(pid);
        if (!role) continue;
        processes[pid] = { role, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
      } catch {
        // The process ended between the listing and the read.
      }
    }
    this.samples.push({ at: now(), busy: busySeconds(), processes });
  }

  /**
   * CPU seconds between two epoch times (ms): the machine's busy time, its share of every core's, and each
   * role's; "other" is the machine's busy time no named role took. Each counter is read at the window's
   * edges by interpolating between the samples around them (a process counts from zero before its first
   * sample and keeps its last value after it ended).
   */
  between(fromMs, toMs) {
    const { samples } = this;
    const at = (t, read) => {
      const after = samples.findIndex((s) => s.at >= t);
      if (after <= 0) return read(after === -1 ? samples.length - 1 : 0);
      const [a, b] = [samples[after - 1], samples[after]];
      return read(after - 1) + ((read(after) - read(after - 1)) * (t - a.at)) / (b.at - a.at);
    };
    const busy = at(toMs, (i) => samples[i].busy) - at(fromMs, (i) => samples[i].busy);
    const cpuOf = (pid) => (i) => {
      for (let j = i; j >= 0; j--) if (samples[j].processes[pid]) return samples[j].processes[pid].seconds;
      return 0;
    };
    const roles = {};
    const near = samples.filter((s) => s.at >= fromMs - this.intervalMs && s.at <= toMs + this.intervalMs);
    for (const pid of new Set(near.flatMap((s) => Object.keys(s.processes)))) {
      const role = near.find((s) => s.processes[pid]).processes[pid].role;
      roles[role] = (roles[role] ?? 0) + at(toMs, cpuOf(pid)) - at(fromMs, cpuOf(pid));
    }
    const wall = (toMs - fromMs) / 1000;
    const named = Object.values(roles).reduce((sum, seconds) => sum + seconds, 0);
    return {
      wallSeconds: wall,
      busySeconds: busy,
      busyShare: wall > 0 ? busy / (wall * cpus().length) : 0,
      roles: { ...roles, other: Math.max(0, busy - named) },
    };
  }

  stop() {
    clearInterval(this.timer);
  }
}
