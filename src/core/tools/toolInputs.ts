import { z } from 'zod';

// The inputs of the research tools, shared by VS Code's agent-mode tools and the MCP server.
// Neither VS Code (`lm.invokeTool` does not check `inputSchema`) nor a hostile agent can be
// trusted to send what the schema says, so every call is parsed here before anything runs.

const text = (what: string, max: number) => z.string({ error: `${what} must be text` }).trim().min(1, `${what} is empty`).max(max, `${what} is longer than ${max} characters`);
const k = z.number({ error: 'k must be a number' }).int('k must be a whole number').min(1, 'k must be at least 1').max(50, 'k must be at most 50').optional();
const taskId = z.string({ error: 'task must be a task id (see list_tasks)' }).trim().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'task must be a task id such as "paper-qa" (see list_tasks)');

const dialogueTurn = z.object({ role: z.enum(['researcher', 'assistant']), content: z.string() });
/** The structured input the dataset stores (`InstanceInput`), for agents that have one. */
const structuredInput = z.object({
  text: z.string().optional(),
  dialogue: z.array(dialogueTurn).max(200).optional(),
  fields: z.record(z.string(), z.string()).optional(),
});

export const toolInputShapes = {
  searchLibrary: { query: text('query', 2000), k },
  searchPaper: { path: text('path', 4096).describe('A file path or an arXiv id or URL'), query: text('query', 2000), k },
  listTasks: {},
  listInstances: { task: taskId, limit: z.number().int().min(1).max(200).optional() },
  saveInstance: {
    task: taskId,
    input: z.union([text('input', 200_000), structuredInput], { error: 'input must be text or an object with text, dialogue and fields' }),
    output: text('output', 200_000),
    originalOutput: z.string().max(200_000).optional(),
    source: z.string().max(4096).optional().describe('The paper the instance is about: a path or URL'),
  },
  runTask: { task: taskId, input: text('input', 200_000), source: z.string().max(4096).optional() },
} as const;

export type ToolName = keyof typeof toolInputShapes;
export type ToolInput<N extends ToolName> = z.infer<z.ZodObject<(typeof toolInputShapes)[N]>>;

/** Parses a tool's input; throws an Error whose message names each wrong field and why. */
export function parseToolInput<N extends ToolName>(name: N, raw: unknown): ToolInput<N> {
  const schema = z.object(toolInputShapes[name]).strict();
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`);
    throw new ToolInputError(`Invalid input: ${problems.join('; ')}.`);
  }
  return r.data as unknown as ToolInput<N>;
}

/** Input an agent sent that does not fit the tool: reported back to it, never a crash. */
export class ToolInputError extends Error {
  override readonly name = 'ToolInputError';
}
