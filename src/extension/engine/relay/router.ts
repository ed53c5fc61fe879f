import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, MAX_BODY_BYTES } from './http';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

/** A handler either answers `res` itself or returns a value that is sent as JSON with 200. */
export type RouteHandler = (ctx: RouteContext) => unknown | Promise<unknown>;

interface Route {
  method: HttpMethod;
  segments: string[];
  handler: RouteHandler;
  isPublic: () => boolean;
  maxBodyBytes: number;
}

export interface RouteOptions {
  /** Served without a credential; a function is asked at every request (a setting that can change). */
  isPublic?: boolean | (() => boolean);
  /** Largest request body the route reads (default `MAX_BODY_BYTES`). */
  maxBodyBytes?: number;
}

export interface RouteMatch {
  handler: RouteHandler;
  params: Record<string, string>;
  isPublic: boolean;
  maxBodyBytes: number;
}

/** Method + path-pattern routing (`/api/approvals/:id/wait`); params are URI-decoded. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: HttpMethod, pattern: string, handler: RouteHandler, options: RouteOptions = {}): void {
    const isPublic = options.isPublic ?? false;
    this.routes.push({ method, segments: splitPath(pattern), handler, isPublic: typeof isPublic === 'function' ? isPublic : () => isPublic, maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES });
  }

  /** Finds the route; throws 404 for an unknown path and 405 for a known path with another method. */
  match(method: string, pathname: string): RouteMatch {
    const parts = splitPath(pathname);
    let pathKnown = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      pathKnown = true;
      if (route.method === method) return { handler: route.handler, params, isPublic: route.isPublic(), maxBodyBytes: route.maxBodyBytes };
    }
    if (pathKnown) throw new HttpError(405, 'method_not_allowed', `${method} is not allowed on ${pathname}`);
    throw new HttpError(404, 'not_found', `no route for ${pathname}`);
  }

  /** True when the path is served only by public routes (so a missing token is not an error there). */
  isPublic(method: string, pathname: string): boolean {
    try {
      return this.match(method, pathname).isPublic;
    } catch {
      return false;
    }
  }
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s.length > 0);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(parts[i]);
      } catch {
        return undefined;
      }
    } else if (p !== parts[i]) {
      return undefined;
    }
  }
  return params;
}
