// What a Claude Code transcript's API responses cost, from the maintained price table that
// @pydantic/genai-prices bundles (no network: its data ships inside the package).
import { calcPrice } from '@pydantic/genai-prices';
import type { SessionTokens } from '../../../shared/sessions';

/** One API response's price in US dollars, or undefined when the model is not in the price table. */
export function responsePriceUsd(model: string, tokens: SessionTokens): number | undefined {
  try {
    const price = calcPrice(
      {
        // The table counts cache reads and writes as parts of the input, each at its own rate.
        input_tokens: tokens.input + tokens.cacheRead + tokens.cacheWrite,
        cache_read_tokens: tokens.cacheRead,
        cache_write_tokens: tokens.cacheWrite,
        output_tokens: tokens.output,
      },
      model.slice(0, 200),
      { providerId: 'anthropic' },
    );
    return price ? price.total_price : undefined;
  } catch {
    return undefined;
  }
}

/** Claude models the price table does not know yet: every Claude model so far has at least this window. */
const DEFAULT_CLAUDE_CONTEXT_WINDOW = 200_000;

/** A model's context window in tokens, from the same table; 200k for other Claude models; undefined for the rest. */
export function contextWindowOf(model: string): number | undefined {
  try {
    const known = calcPrice({ input_tokens: 0, output_tokens: 0 }, model.slice(0, 200), { providerId: 'anthropic' })?.model.context_window;
    if (known) return known;
  } catch {
    // A model id the table cannot match is answered like an unknown one.
  }
  return model.startsWith('claude-') ? DEFAULT_CLAUDE_CONTEXT_WINDOW : undefined;
}
