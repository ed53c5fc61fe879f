// The `${…}` variables of mcp.json, as VS Code writes them: checked when the configuration is read
// (config.ts) and substituted when a server is launched (variables.ts).

export const VARIABLE = /\$\{([^}]*)\}/g;
export const PREFIXED = /^(env|input|workspaceFolder):(.+)$/;
const PLAIN = new Set(['workspaceFolder', 'workspaceFolderBasename', 'userHome', 'pathSeparator', '/']);

/** The first `${…}` in the text that is not one of the variables VS Code resolves in mcp.json. */
export function unknownVariable(text: string): string | undefined {
  for (const match of text.matchAll(VARIABLE)) if (!PLAIN.has(match[1]) && !PREFIXED.test(match[1])) return match[1];
  return undefined;
}
