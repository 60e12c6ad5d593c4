import type { ChildProcess } from 'node:child_process';

/**
 * Kills each child still running and waits until it has exited. For a test's t.after: when the
 * test fails midway, the processes it started must not go on writing into a folder that is about
 * to be removed (they would make it again, and keep the test file's process alive).
 */
export async function killAndWait(children: Iterable<ChildProcess>): Promise<void> {
  const running = [...children].filter((c) => c.pid !== undefined && c.exitCode === null && c.signalCode === null);
  await Promise.all(
    running.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}
