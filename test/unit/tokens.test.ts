import { strict as assert } from 'node:assert';
import { estimateTokens, isExactFor, tokenLabel, TokenCounter, toolDefinitionText } from '../../src/extension/engine/tokens/tokenCounter';

describe('token counter', () => {
  it('does not load an encoder until the first count', async () => {
    const counter = new TokenCounter();
    assert.equal(counter.loaded, false);
    await counter.count('hello', 'o200k_base');
    assert.equal(counter.loaded, true);
  });

  it('counts with the real encodings (known token counts)', async () => {
    const counter = new TokenCounter();
    // "hello world" is two tokens in both encodings; the emoji splits differently.
    assert.equal(await counter.count('hello world', 'o200k_base'), 2);
    assert.equal(await counter.count('hello world', 'cl100k_base'), 2);
    assert.equal(await counter.count('', 'o200k_base'), 0);
    // Special-token text is counted as plain text rather than refused.
    assert.ok((await counter.count('<|endoftext|>', 'cl100k_base')) > 1);
  });

  it('serialises a tool definition as name, description and JSON schema', async () => {
    const tool = { name: 'get_sum', description: 'Adds two numbers', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } };
    const text = toolDefinitionText(tool);
    assert.deepEqual(JSON.parse(text), { name: 'get_sum', description: 'Adds two numbers', parameters: tool.inputSchema });
    const counter = new TokenCounter();
    const tokens = await counter.countTool(tool, 'o200k_base');
    assert.equal(tokens, await counter.count(text, 'o200k_base'));
    assert.ok(tokens > 10 && tokens < text.length, `${tokens} tokens for ${text.length} chars`);
  });

  it('labels counts honestly per model family', () => {
    assert.equal(isExactFor('openai'), true);
    assert.equal(tokenLabel(12345, 'o200k_base', 'openai'), '12,345 tokens');
    assert.equal(isExactFor('anthropic'), false);
    assert.match(tokenLabel(12345, 'o200k_base', 'anthropic'), /^≈12,345 tokens \(estimate: counted with o200k_base; anthropic models use their own tokenizer\)$/);
  });

  it('estimates with the chars/4 rule for comparison', () => {
    assert.equal(estimateTokens('abcdefgh'), 2);
    assert.equal(estimateTokens('abcdefghi'), 3);
  });
});
