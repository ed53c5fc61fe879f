import { useState } from 'preact/hooks';
import { THEME_CHOICES, THEME_LABELS, type BrowserThemes, type ThemeChoice } from '../theme';

/** The browser page's theme picker (VS Code's webview follows the editor's theme instead). */
export function ThemeSwitch({ themes }: { themes: BrowserThemes }) {
  const [choice, setChoice] = useState(themes.choice());
  const choose = (next: ThemeChoice) => {
    themes.choose(next);
    setChoice(next);
  };
  return (
    <label class="theme-switch">
      <span>Theme</span>
      <select value={choice} onChange={(e) => choose((e.currentTarget as HTMLSelectElement).value as ThemeChoice)} data-testid="theme-switch">
        {THEME_CHOICES.map((option) => (
          <option key={option} value={option}>
            {THEME_LABELS[option]}
          </option>
        ))}
      </select>
    </label>
  );
}
