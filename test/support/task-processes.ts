import { readFileSync } from 'node:fs';
import { escapeValue } from 'properties-file/escape';
import { sessionMembers } from '../../local/ecs/processes';

/* The processes of one local ECS container (its session, local/ecs/processes.ts), with their command lines and environments. */

export interface TaskProcess {
  readonly pid: number;
  readonly commandLine: string[];
  /** The raw environment block (NUL-separated `NAME=value` entries). */
  readonly environment: string;
}

/** Every live process of the session `sessionLeader` leads. */
export function processesOfTask(sessionLeader: number): TaskProcess[] {
  const found: TaskProcess[] = [];
  for (const pid of sessionMembers(sessionLeader)) {
    try {
      found.push({ pid, commandLine: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'), environment: readFileSync(`/proc/${pid}/environ`, 'utf8') });
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
