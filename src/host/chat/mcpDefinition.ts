import * as path from 'node:path';
import type { HostServices } from '../hostServices';
import { bibtexSetting, libraryFolder } from '../library/hostLibrary';

/** The stdio command that starts `align mcp` over this window's dataset and library. */
export interface McpCommand {
  label: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  version: string;
}

/**
 * `align mcp` as this extension ships it: the bundled CLI run by the extension host's own
 * runtime. In desktop VS Code that runtime is Electron, which runs as plain Node with
 * ELECTRON_RUN_AS_NODE (Node ignores the variable).
 */
export function mcpCommand(services: HostServices): McpCommand {
  const cli = path.join(services.env.extensionUri.fsPath, 'dist', 'cli.js');
  // The same library as Ask the Library: a BibTeX export wins over the folder.
  const bib = bibtexSetting();
  const folder = libraryFolder(services);
  const library = bib ? ['--bibtex', bib.file, ...(bib.storage ? ['--zotero-storage', bib.storage] : [])] : folder ? ['--library', folder] : [];
  const version = services.env.extensionVersion;
  return {
    label: 'Alignment Research',
    command: process.execPath,
    args: [cli, 'mcp', '--dataset', services.datasetRoot().root, ...library],
    env: { ELECTRON_RUN_AS_NODE: '1' },
    version,
  };
}
