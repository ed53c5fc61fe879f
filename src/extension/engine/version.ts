/** The engine's version, announced in `hello` frames, MCP client/server info and the built-in MCP server. */
export const ENGINE_VERSION = '0.1.0';
