/**
 * Claims of guards still open when the process (or worker thread) exits normally. Each module
 * instance is per thread, so a worker's exit handles that worker's guards only. A SIGKILL or a
 * `worker.terminate()` runs no handler: liveness checks cover those.
 */
interface ExitAware {
  onProcessExit(): void;
}

const open = new Set<ExitAware>();
let hooked = false;

function onExit(): void {
  for (const g of open) {
    try {
      g.onProcessExit();
    } catch {
      /* exiting anyway */
    }
  }
  open.clear();
}

/** Registers a guard whose claim must be dealt with at exit. */
export function rememberAtExit(g: ExitAware): void {
  open.add(g);
  if (!hooked) {
    hooked = true;
    process.on('exit', onExit);
  }
}

/** Unregisters a guard that was released. */
export function forgetAtExit(g: ExitAware): void {
  open.delete(g);
}
