import { useState } from 'preact/hooks';
import { planArgumentForm, parseJsonArguments, type ContentItem } from '../../shared/toolForms';
import { connectionModeLabel, type McpServerInfo, type McpToolCallLine, type McpToolProgress } from '../../shared/mcp';
import { registerChannelReducer } from '../sync/channels';
import { Button } from '../ui/Button';
import type { PanelProps, RelayApi } from './types';

registerChannelReducer('mcp', (snapshot, event) => {
  if (!snapshot) return snapshot;
  switch (event.name) {
    case 'server': {
      const server = event.payload;
      const known = snapshot.servers.some((s) => s.name === server.name);
      const servers = known ? snapshot.servers.map((s) => (s.name === server.name ? server : s)) : [...snapshot.servers, server];
      return { ...snapshot, servers };
    }
    case 'removed':
      return { ...snapshot, servers: snapshot.servers.filter((s) => s.name !== event.payload.name) };
    case 'tokens':
    case 'budget':
      return { ...snapshot, tokens: event.payload };
    case 'problems':
      return { ...snapshot, problems: event.payload.problems };
    default:
      return snapshot;
  }
});

/** The MCP fleet: server states and token costs, restart, and a tool-call form for any schema. */
export function McpPanel({ data: snapshot, api }: PanelProps<'mcp'>) {
  if (!snapshot) return <p class="muted">Waiting for the MCP fleet…</p>;
  const { servers, tokens, problems } = snapshot;
  if (servers.length === 0 && problems.length === 0) {
    return <p class="muted">No MCP servers configured. Add them to .vscode/mcp.json or the agentMesh.mcp.servers setting.</p>;
  }
  const connected = servers.filter((s) => s.status === 'connected').length;
  return (
    <div class="mcp-panel" data-testid="mcp-panel">
      <p role="status" data-testid="mcp-summary">
        {connected}/{servers.length} connected · tool definitions {tokens.label}
        {tokens.budget > 0 && <span class={tokens.overBudget ? 'mcp-over-budget' : 'muted'}> (budget {tokens.budget.toLocaleString('en-US')})</span>}
      </p>
      {!snapshot.trusted && <p class="notice-warning">This workspace is not trusted: its stdio servers are not started.</p>}
      <ul class="mcp-servers">
        {servers.map((server) => (
          <ServerRow key={server.name} server={server} api={api} approx={tokens.exact ? '' : '≈'} />
        ))}
      </ul>
      {problems.length > 0 && (
        <section aria-label="Configuration problems">
          <h3 class="mcp-heading">Configuration problems</h3>
          <ul class="mcp-problems">
            {problems.map((p, i) => (
              <li key={i} class="notice-error">
                {p.source}
                {p.line !== undefined ? `:${p.line}:${p.column}` : ''} — {p.message}
              </li>
            ))}
          </ul>
        </section>
      )}
      <ToolCallForm servers={servers.filter((s) => s.status === 'connected')} api={api} />
    </div>
  );
}

function ServerRow({ server, api, approx }: { server: McpServerInfo; api: RelayApi; approx: string }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const restart = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      await api.request('POST', `/api/mcp/servers/${encodeURIComponent(server.name)}/restart`);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class={`mcp-server mcp-status-${server.status}`} data-testid={`mcp-server-${server.name}`}>
      <div class="w-row">
        <span>
          <strong>{server.name}</strong> <span class="mcp-status">{server.status}</span>{' '}
          <span class="muted">
            {server.transport} ·{' '}
            <span data-testid={`mcp-server-mode-${server.name}`} title={connectionTitle(server)}>
              {connectionModeLabel(server)}
            </span>
            {server.connectMs !== undefined && ` · ${server.connectMs} ms`} · {server.tools.length} tools · {approx}
            {server.toolTokens.toLocaleString('en-US')} tokens
          </span>
        </span>
        <Button appearance="secondary" onClick={() => void restart()} disabled={busy} title={`Restart ${server.name}`}>
          Restart
        </Button>
      </div>
      {server.error && <p class="notice-error mcp-error">{server.error}</p>}
      {problem && <p class="notice-error">{problem}</p>}
      {server.tools.length > 0 && (
        <details>
          <summary>Tools and their context cost</summary>
          <ul class="mcp-tools">
            {server.tools.map((tool) => (
              <li key={tool.name} class={tool.disabled ? 'muted' : undefined}>
                {tool.name} — {approx}
                {tool.tokens} tokens{tool.disabled ? ' (disabled)' : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}

function connectionTitle(server: McpServerInfo): string {
  if (server.connectionMode === 'keep-connected') return 'Stays connected for the whole session';
  return 'Inspected: connected to list its tools, then disconnected; a tool call or health check reconnects it, and it disconnects again when idle';
}

function ToolCallForm({ servers, api }: { servers: McpServerInfo[]; api: RelayApi }) {
  const [serverName, setServerName] = useState('');
  const [toolName, setToolName] = useState('');
  const [args, setArgs] = useState('{}');
  const [running, setRunning] = useState(false);
  const [callId, setCallId] = useState<string | undefined>();
  const [progress, setProgress] = useState<McpToolProgress | undefined>();
  const [result, setResult] = useState<{ content?: ContentItem[]; isError?: boolean; structuredContent?: unknown } | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const server = servers.find((s) => s.name === serverName);
  const tools = server?.tools.filter((t) => !t.disabled) ?? [];
  const argsError = parseJsonArguments(args).error;

  const chooseTool = (name: string) => {
    setToolName(name);
    const tool = tools.find((t) => t.name === name);
    const form = tool ? planArgumentForm(tool.inputSchema) : undefined;
    const skeleton = form?.kind === 'json' ? form.skeleton : Object.fromEntries((form?.fields ?? []).filter((f) => f.required).map((f) => [f.name, f.default ?? '']));
    setArgs(JSON.stringify(skeleton, null, 2));
  };
  const call = async () => {
    setRunning(true);
    setProblem(undefined);
    setResult(undefined);
    setProgress(undefined);
    try {
      const path = `/api/mcp/servers/${encodeURIComponent(serverName)}/tools/${encodeURIComponent(toolName)}/call`;
      await api.stream<McpToolCallLine>('POST', path, { arguments: parseJsonArguments(args).value }, (line) => {
        if (line.type === 'started') setCallId(line.callId);
        else if (line.type === 'progress') setProgress(line);
        else if (line.type === 'result') setResult(line.result);
        else setProblem(line.error.code === 'cancelled' ? 'The call was cancelled.' : line.error.message);
      });
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setRunning(false);
      setCallId(undefined);
    }
  };
  const cancel = async () => {
    if (!callId) return;
    try {
      await api.request('DELETE', `/api/mcp/calls/${encodeURIComponent(callId)}`);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  if (servers.length === 0) return null;
  return (
    <section class="mcp-call" aria-label="Call a tool">
      <h3 class="mcp-heading">Call a tool</h3>
      <div class="mcp-call-pickers">
        <label>
          Server
          <select value={serverName} onChange={(e) => (setServerName((e.currentTarget as HTMLSelectElement).value), setToolName(''))} data-testid="mcp-call-server">
            <option value="">Choose…</option>
            {servers.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tool
          <select value={toolName} disabled={!server} onChange={(e) => chooseTool((e.currentTarget as HTMLSelectElement).value)} data-testid="mcp-call-tool">
            <option value="">Choose…</option>
            {tools.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label for="mcp-call-args">Arguments (JSON)</label>
      <textarea id="mcp-call-args" rows={6} value={args} spellcheck={false} aria-invalid={argsError ? true : undefined} onInput={(e) => setArgs((e.currentTarget as HTMLTextAreaElement).value)} />
      {argsError && <span class="text-field-error" role="alert">{argsError}</span>}
      <div>
        <Button onClick={() => void call()} disabled={running || !toolName || argsError !== undefined} title="Call the tool">
          {running ? 'Calling…' : 'Call'}
        </Button>{' '}
        {running && callId && (
          <Button appearance="secondary" onClick={() => void cancel()} title="Cancel the running call">
            Cancel
          </Button>
        )}
      </div>
      {running && progress && <CallProgress progress={progress} />}
      {problem && <p class="notice-error">{problem}</p>}
      {result && (
        <div class="mcp-result" data-testid="mcp-call-result" role="region" aria-label="Tool result">
          {result.isError && <p class="notice-error">The tool reported an error.</p>}
          {(result.content ?? []).map((item, i) =>
            item.type === 'text' ? (
              <pre key={i}>{item.text}</pre>
            ) : item.type === 'image' ? (
              <img key={i} alt={`image result (${item.mimeType})`} src={`data:${item.mimeType};base64,${item.data}`} />
            ) : item.type === 'resource_link' ? (
              <p key={i}>
                <a href={item.uri}>{item.name ?? item.uri}</a>
              </p>
            ) : (
              <pre key={i}>{JSON.stringify(item, null, 2)}</pre>
            ),
          )}
          {result.structuredContent !== undefined && <pre>{JSON.stringify(result.structuredContent, null, 2)}</pre>}
        </div>
      )}
    </section>
  );
}

/** A running call's latest progress: a bar when the server gives a total, and its message. */
function CallProgress({ progress }: { progress: McpToolProgress }) {
  const fraction = progress.total ? Math.min(1, progress.progress / progress.total) : undefined;
  return (
    <div class="mcp-call-progress w-row" data-testid="mcp-call-progress">
      {fraction !== undefined && (
        <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.progress} aria-label="Tool call progress">
          <div class="progress-fill" style={{ width: `${Math.round(fraction * 100)}%` }} />
        </div>
      )}
      <span class="muted">{progress.message ?? (progress.total ? `${progress.progress} of ${progress.total}` : `${progress.progress}`)}</span>
    </div>
  );
}
