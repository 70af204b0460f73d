/** @module Stopping a peer process the same way everywhere. */
import type { ChildProcess } from 'node:child_process';

/** SIGTERM, then resolves once the process has exited; at once if it already has (by code or by signal). */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
