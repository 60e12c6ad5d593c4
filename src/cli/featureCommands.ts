import type { CommonOptions } from './coreCommands';
import { UsageError } from './cliIo';

/** Commands of the papers, critique and dataset features, loaded only when used. */
export async function featureCommand(name: string, _o: CommonOptions, _args: string[]): Promise<number> {
  throw new UsageError(`"${name}" is not available in this build yet.`);
}
