// The headline figures of a process-count measurement (bench `mcp-processes` under serve, and the
// e2e one in VS Code): cases labelled `<mode>: <moment>`, with `metrics.count` server processes.
// Plain CommonJS so that both the TypeScript bench and the e2e tier (plain ES modules) load it.

/** The process count of the first case of `mode` whose moment starts with `moment`. */
function countAt(cases, mode, moment) {
  return cases.find((c) => c.label.startsWith(`${mode}: ${moment}`))?.metrics.count;
}

function mcpProcessFigures(cases, idleMs) {
  const afterIdle = `${idleMs + 1000} ms later`;
  return {
    'auto (inspect): processes once listed': countAt(cases, 'auto', 'every server listed'),
    'auto (inspect): processes right after a call to each server': countAt(cases, 'auto', 'after a call to each'),
    'auto (inspect): processes after the idle time': countAt(cases, 'auto', afterIdle),
    'keep-connected: processes once listed': countAt(cases, 'keep-connected', 'every server listed'),
    'keep-connected: processes after the idle time': countAt(cases, 'keep-connected', afterIdle),
  };
}

module.exports = { mcpProcessFigures };
