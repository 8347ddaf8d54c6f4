/**
 * Who "we" are, in a form another process can check for liveness, and the liveness check itself.
 *
 * A pid alone is not an identity: pids are reused, and a dead claimant's pid may belong to an
 * unrelated process by the time someone looks. So an owner is (pid, OS thread id, the kernel's
 * start time of that thread), plus the boot id and pid namespace so a claim written by another
 * machine or container is never judged by our process table. Worker threads are real OS threads
 * with their own entry under /proc/<pid>/task/, so a terminated worker reads as dead even while
 * its process lives on.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** The identity recorded in claims and recovery mutexes. */
export interface Owner {
  readonly pid: number;
  /** OS thread id (equals `pid` on the main thread); 0 where /proc is not available. */
  readonly tid: number;
  /** Start time of the thread in clock ticks since boot (/proc stat field 22); '' if unknown. */
  readonly start: string;
  /** /proc/sys/kernel/random/boot_id; '' if unknown. */
  readonly boot: string;
  /** Pid namespace, e.g. `pid:[4026531836]`; '' if unknown. */
  readonly pidNs: string;
  readonly host: string;
}

/** `unknown` = cannot be judged from here (other machine or container): treated as alive. */
export type Liveness = 'alive' | 'dead' | 'unknown';

function tryRead(fn: () => string): string {
  try {
    return fn().trim();
  } catch {
    return '';
  }
}

/** State letter and start time of /proc/<pid>/task/<tid>/stat, or null when the task is gone. */
function taskStat(pid: number, tid: number): { state: string; start: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', start: fields[19] ?? '' };
}

function currentTid(): number {
  const link = tryRead(() => readlinkSync('/proc/thread-self'));
  const m = /^(\d+)\/task\/(\d+)$/.exec(link);
  return m ? Number(m[2]) : 0;
}

let self: Owner | undefined;

/**
 * This thread's identity. Cached per module instance, which is per thread: worker threads load
 * their own copy of this module, and each computes its own OS thread id.
 */
export function selfOwner(): Owner {
  if (self) return self;
  const pid = process.pid;
  const tid = currentTid();
  self = Object.freeze({
    pid,
    tid,
    start: tid ? (taskStat(pid, tid)?.start ?? '') : '',
    boot: tryRead(() => readFileSync('/proc/sys/kernel/random/boot_id', 'latin1')),
    pidNs: tryRead(() => readlinkSync('/proc/self/ns/pid')),
    host: hostname(),
  });
  return self;
}

/** True when `a` and `b` are the same thread of the same process. */
export function sameOwner(a: Owner, b: Owner): boolean {
  return a.pid === b.pid && a.tid === b.tid && a.start === b.start && a.boot === b.boot && a.host === b.host;
}

/** Judges whether the owner of a claim is still running. */
export function liveness(o: Owner): Liveness {
  const me = selfOwner();
  if (o.host !== me.host) return 'unknown';
  // Same host name, different boot id: the machine rebooted since, so every process is gone.
  if (o.boot && me.boot && o.boot !== me.boot) return 'dead';
  if (o.pidNs !== me.pidNs) return 'unknown';
  if (o.tid && o.start && me.tid) {
    const st = taskStat(o.pid, o.tid);
    // Z (zombie) and X: killed but not yet reaped by its parent; it will never run again.
    if (!st || st.state === 'Z' || st.state === 'X') return 'dead';
    return st.start === o.start ? 'alive' : 'dead';
  }
  // No /proc: the pid is all we have (threads are not distinguishable, pid reuse is possible).
  try {
    process.kill(o.pid, 0);
    return 'alive';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'dead';
  }
}

/** Parses an owner read from disk; null if it is not one. */
export function parseOwner(v: unknown): Owner | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.pid !== 'number' || typeof o.tid !== 'number') return null;
  const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  return { pid: o.pid, tid: o.tid, start: s('start'), boot: s('boot'), pidNs: s('pidNs'), host: s('host') };
}
