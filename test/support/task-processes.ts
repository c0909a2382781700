import { readdirSync, readFileSync } from 'node:fs';
import { escapeValue } from 'properties-file/escape';

/*
 * The processes of one local ECS task, read from /proc: the local ECS starts each container's main
 * process (`task.pid`) detached, i.e. as the leader of a new session, which all its descendants stay
 * in. (Not its process group: GNU timeout, which the preload script runs its client under, puts the
 * command into a group of its own.)
 */

export interface TaskProcess {
  readonly pid: number;
  readonly commandLine: string[];
  /** The raw environment block (NUL-separated `NAME=value` entries). */
  readonly environment: string;
}

/** Every live process of the session `sessionLeader` leads. */
export function processesOfTask(sessionLeader: number): TaskProcess[] {
  const found: TaskProcess[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 6 is the session.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]) !== sessionLeader) continue;
      found.push({
        pid: Number(entry),
        commandLine: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0'),
        environment: readFileSync(`/proc/${entry}/environ`, 'utf8'),
      });
    } catch {
      // Gone between listing and reading.
    }
  }
  return found;
}

/** A secret as it may appear: as given, and escaped as the rendered site file writes it. */
export function formsOf(secret: string): string[] {
  return [...new Set([secret, escapeValue(secret, true)])];
}
