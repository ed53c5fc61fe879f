import { strict as assert } from 'node:assert';
import { parseThemeChoice, resolveTheme, THEME_CHOICES } from '../../src/webview/theme';

const prefers = (overrides: Partial<{ dark: boolean; moreContrast: boolean; forcedColors: boolean }> = {}) => ({ dark: false, moreContrast: false, forcedColors: false, ...overrides });

describe('browser dashboard theme', () => {
  it('follows the system on auto: forced colours or more contrast give high contrast, else the colour scheme', () => {
    assert.equal(resolveTheme('auto', prefers()), 'light');
    assert.equal(resolveTheme('auto', prefers({ dark: true })), 'dark');
    assert.equal(resolveTheme('auto', prefers({ moreContrast: true })), 'high-contrast');
    assert.equal(resolveTheme('auto', prefers({ forcedColors: true, dark: true })), 'high-contrast');
  });

  it('keeps an explicit choice whatever the system prefers', () => {
    assert.equal(resolveTheme('light', prefers({ dark: true, moreContrast: true })), 'light');
    assert.equal(resolveTheme('dark', prefers({ forcedColors: true })), 'dark');
    assert.equal(resolveTheme('high-contrast', prefers()), 'high-contrast');
  });

  it('reads back a remembered choice and falls back to auto on anything else', () => {
    for (const choice of THEME_CHOICES) assert.equal(parseThemeChoice(choice), choice);
    for (const stored of [null, '', 'solarized', 'Light', '{"theme":"dark"}', 'x'.repeat(10_000)]) assert.equal(parseThemeChoice(stored), 'auto');
  });
});
