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
