import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ResearchToolDeps } from '../core/tools/researchTools';
import { listInstances, listTasks, runTask, saveInstance, searchLibrary, searchPaper } from '../core/tools/researchTools';
import { parseToolInput, toolInputShapes, type ToolName } from '../core/tools/toolInputs';
import { describeError } from '../core/errors';

type LooseRegisterTool = (
  name: string,
  config: { description: string; inputSchema: unknown },
  callback: (args: unknown, extra: { signal: AbortSignal }) => Promise<CallToolResult>,
) => unknown;

export const MCP_SERVER_NAME = 'alignment-research';

/** A tool's result for an agent: the text, the facts as structured content, or an error it can read. */
async function answer(run: () => Promise<{ text: string; data: unknown }>): Promise<CallToolResult> {
  try {
    const r = await run();
    return { content: [{ type: 'text', text: r.text }], structuredContent: r.data as Record<string, unknown> };
  } catch (e) {
    // Bad arguments, a missing paper, no library: the agent reads why; the server keeps serving.
    return { content: [{ type: 'text', text: describeError(e) }], isError: true };
  }
}

/**
 * The research tools as an MCP server: search the library or one paper, list tasks and
 * instances, save an instance, run a task; the tasks are resources (`alignment-task://<id>`).
 * Arguments are checked twice: by the SDK against the schema, and by our own parser (the same
 * one VS Code's tools use), so an agent's mistake is an `isError` result it can read.
 */
export function createMcpServer(deps: ResearchToolDeps, version: string): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version }, { capabilities: { tools: {}, resources: {} } });
  const tool = <N extends ToolName>(name: string, key: N, description: string, run: (input: ReturnType<typeof parseToolInput<N>>, signal: AbortSignal) => Promise<{ text: string; data: unknown }>) => {
    // The SDK's generic signature cannot follow `key` through the table; the shapes are zod, as it wants.
    const register = server.registerTool.bind(server) as unknown as LooseRegisterTool;
    register(name, { description, inputSchema: toolInputShapes[key] }, async (args, extra) => answer(() => run(parseToolInput(key, args), extra.signal)));
  };
  tool('search_library', 'searchLibrary', "Search the researcher's library of papers. Returns the best passages, each with its paper, page or section and lines, and text.", (i, s) => searchLibrary(deps, i, s));
  tool('search_paper', 'searchPaper', 'Search one paper (a file path, or an arXiv id or URL) for passages about a query. Returns passages with page or section and text.', (i, s) => searchPaper(deps, i, s));
  tool('list_tasks', 'listTasks', 'List the alignment-research tasks of the dataset: id, title, input and output types, and how many instances each has.', () => listTasks(deps));
  tool('list_instances', 'listInstances', 'List the saved instances of a task (the most recent first up to limit).', (i) => listInstances(deps, i));
  tool(
    'save_instance',
    'saveInstance',
    "Save an (input, output) instance to a task's dataset. input is plain text or {text, dialogue, fields}; originalOutput is the model's answer when the output was edited; source names the paper.",
    (i) => saveInstance(deps, i, { tool: 'mcp' }),
  );
  tool('run_task', 'runTask', "Run a task on an input with the configured model and return the answer. A paper task needs source (a path or arXiv id) and takes the question as input.", (i, s) => runTask(deps, i, s));

  server.registerResource(
    'task',
    new ResourceTemplate('alignment-task://{id}', {
      list: async () => ({ resources: (await deps.tasks()).map((t) => ({ uri: `alignment-task://${t.id}`, name: t.id, title: t.title, description: t.context, mimeType: 'application/json' })) }),
    }),
    { description: 'A task of the dataset: context, input type, output type, information constraints and instructions.', mimeType: 'application/json' },
    async (uri, vars) => {
      const id = String(vars.id);
      const task = (await deps.tasks()).find((t) => t.id === id);
      if (!task) throw new Error(`There is no task "${id}".`);
      const { origin: _o, specPath: _p, ...spec } = task;
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(spec, null, 2) }] };
    },
  );
  return server;
}

/** Serves over stdin/stdout until stdin closes. Logs go to stderr: stdout is the protocol's. */
export async function serveStdio(deps: ResearchToolDeps, version: string): Promise<void> {
  const server = createMcpServer(deps, version);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close().catch(() => undefined);
}
