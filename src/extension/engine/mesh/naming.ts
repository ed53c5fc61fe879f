// Readable agent names (the seed's DM-11.12): a person sees "Code Reviewer", not
// "code_reviewer_v2" or "127.0.0.1:7812".
import { MCP_URL_PREFIX, type MeshAgentConfig } from '../../../shared/mesh';

/**
 * The display name, first match wins: the mapping setting (keyed by agent id, URL, configured name
 * or card name), the configured name, the card's name made readable, then the URL's host.
 */
export function displayName(agent: MeshAgentConfig, id: string, cardName: string | undefined, mapping: Record<string, string>): string {
  for (const key of [id, agent.url, agent.name, cardName]) {
    if (key !== undefined && Object.hasOwn(mapping, key) && mapping[key].trim() !== '') return mapping[key].trim();
  }
  if (agent.name) return agent.name;
  if (cardName) return readableName(cardName);
  return fallbackName(agent);
}

/** `code_reviewer-agent` → `Code Reviewer Agent`; names that already read as words are kept. */
export function readableName(name: string): string {
  const trimmed = name.trim();
  if (/\s/.test(trimmed) || !/[-_.]|[a-z][A-Z]/.test(trimmed)) return trimmed;
  return trimmed
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[-_.]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

function fallbackName(agent: MeshAgentConfig): string {
  if (agent.kind === 'mcp') return `MCP ${agent.url.slice(MCP_URL_PREFIX.length)}`;
  const url = new URL(agent.url);
  return url.pathname === '/' ? url.host : `${url.host}${url.pathname}`;
}

/** Stable ids for the configured agents: a slug of the name (or URL), made unique with a suffix. */
export function agentIds(agents: MeshAgentConfig[]): string[] {
  const used = new Set<string>();
  return agents.map((agent) => {
    const base = slug(agent.name ?? agent.url.replace(/^https?:\/\//, '')) || 'agent';
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    return id;
  });
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}
