import type * as vscode from 'vscode';
import { tokenProblem } from '../../shared/relayAuth';
import { generateToken } from '../engine/security/token';

const SECRET_KEY = 'agentMesh.relayToken';

/**
 * The relay token lives in SecretStorage; created once per machine profile. A stored token too
 * short to be a secret (put there by hand or by an old build) is replaced by a generated one.
 */
export async function relayToken(secrets: Pick<vscode.SecretStorage, 'get' | 'store'>): Promise<string> {
  const existing = await secrets.get(SECRET_KEY);
  if (existing && !tokenProblem(existing)) return existing;
  const token = generateToken();
  await secrets.store(SECRET_KEY, token);
  return token;
}
