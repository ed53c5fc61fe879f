import { credentialHeaders } from '../../shared/relayAuth';
import type { Endpoint } from '../host';
import type { RelayApi } from '../panels/types';

/** The relay's HTTP API with the dashboard's credential: the bearer token in VS Code, the page's session secret in a browser. */
export function createRelayApi(endpoint: Endpoint): RelayApi {
  const send = (method: string, path: string, body: unknown, accept?: string) => {
    const headers = credentialHeaders(endpoint.credential);
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (accept) headers.accept = accept;
    return fetch(`${endpoint.relayUrl}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      return (await answerOf(await send(method, path, body))) as T;
    },
    async stream<L>(method: string, path: string, body: unknown, onLine: (line: L) => void): Promise<void> {
      const res = await send(method, path, body, 'application/x-ndjson');
      if (!res.ok || !res.body || !res.headers.get('content-type')?.startsWith('application/x-ndjson')) {
        await answerOf(res);
        throw new Error(`HTTP ${res.status}: not a stream`);
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let rest = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const lines = (rest + value).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') onLine(JSON.parse(line) as L);
      }
    },
    async download(path: string) {
      const res = await send('GET', path, undefined);
      if (!res.ok) await answerOf(res);
      const disposition = /filename="([^"]{1,200})"/.exec(res.headers.get('content-disposition') ?? '');
      return { blob: await res.blob(), filename: disposition?.[1] ?? 'download', headers: res.headers };
    },
  };
}

/** The JSON body of an answer; rejects with the API's error message when it is not 2xx. */
async function answerOf(res: Response): Promise<unknown> {
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const message = (data as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
    throw new Error(message);
  }
  return data;
}
