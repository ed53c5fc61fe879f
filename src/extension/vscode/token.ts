import type * as vscode from 'vscode';
import { generateToken } from '../engine/security/token';

const SECRET_KEY = 'agentMesh.relayToken';

/** The relay token lives in SecretStorage; created once per machine profile. */
export async function relayToken(secrets: vscode.SecretStorage): Promise<string> {
  const existing = await secrets.get(SECRET_KEY);
  if (existing) return existing;
  const token = generateToken();
  await secrets.store(SECRET_KEY, token);
  return token;
}
