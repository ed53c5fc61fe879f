import { credentialHeaders } from '../../shared/relayAuth';
import type { Endpoint } from '../host';
import type { RelayApi } from '../panels';

/** The relay's HTTP API with the dashboard's credential: the bearer token in VS Code, the page's session secret in a browser. */
export function createRelayApi(endpoint: Endpoint): RelayApi {
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const headers = credentialHeaders(endpoint.credential);
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${endpoint.relayUrl}${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const data = text ? (JSON.parse(text) as unknown) : undefined;
      if (!res.ok) {
        const message = (data as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${res.status}`;
        throw new Error(message);
      }
      return data as T;
    },
  };
}
