import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';

/**
 * A fresh 256-bit token. Hex, so it is URL- and header-safe and never starts with "-" (which a
 * command line would read as a flag).
 */
export function generateToken(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Constant-time comparison. Both sides are hashed first so that the comparison takes the same
 * time whatever the lengths are (timingSafeEqual itself throws on different lengths).
 */
export function tokensEqual(expected: string, presented: string | undefined): boolean {
  if (presented === undefined || expected.length === 0) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}
