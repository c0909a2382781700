import { readdirSync, readFileSync } from 'node:fs';

/*
 * The processes of one container, read from /proc. The local ECS starts each container's main process
 * detached, i.e. as the leader of a new session, which all its descendants stay in unless they call
 * setsid. The session, not the process group, is what stands for the container's PID namespace here:
 * GNU timeout (the preload script runs its client under it) puts itself and its command into a group
 * of their own, which a signal to the main process's group would miss.
 */

/** The pids of every live process in the session `sessionLeader` leads (the leader too, while it lives). */
export function sessionMembers(sessionLeader: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 6 is the session (fields after the command's closing parenthesis start at field 3).
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]) === sessionLeader) members.push(Number(entry));
    } catch {
      // Gone between listing and reading.
    }
  }
  return members;
}
