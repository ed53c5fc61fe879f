// Themes of the dashboard in a plain browser tab. Inside VS Code the webview gets the editor's own
// --vscode-* variables and body classes, so none of this runs there. In a browser the stylesheet
// defines those variables per `data-am-theme` on <html> (values of VS Code's Light+, Dark+ and
// High Contrast themes), and this module picks the theme: the person's choice, or the system's.

export const THEME_CHOICES = ['auto', 'light', 'dark', 'high-contrast'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];
export type Theme = Exclude<ThemeChoice, 'auto'>;

export const THEME_LABELS: Record<ThemeChoice, string> = { auto: 'Auto (system)', light: 'Light', dark: 'Dark', 'high-contrast': 'High contrast' };

export interface SystemPreferences {
  dark: boolean;
  moreContrast: boolean;
  forcedColors: boolean;
}

const STORAGE_KEY = 'agentMesh.theme';
/** The body class VS Code sets per theme kind; the webview toolkit reads it to style its elements. */
const THEME_KIND: Record<Theme, string> = { light: 'vscode-light', dark: 'vscode-dark', 'high-contrast': 'vscode-high-contrast' };

export function resolveTheme(choice: ThemeChoice, system: SystemPreferences): Theme {
  if (choice !== 'auto') return choice;
  if (system.forcedColors || system.moreContrast) return 'high-contrast';
  return system.dark ? 'dark' : 'light';
}

export function parseThemeChoice(stored: string | null): ThemeChoice {
  return THEME_CHOICES.find((choice) => choice === stored) ?? 'auto';
}

export interface BrowserThemes {
  choice(): ThemeChoice;
  choose(choice: ThemeChoice): void;
}

/** Applies the remembered (or system) theme now, follows system changes on auto, and returns the switch's controller. */
export function startBrowserThemes(): BrowserThemes {
  const queries = { dark: matchMedia('(prefers-color-scheme: dark)'), moreContrast: matchMedia('(prefers-contrast: more)'), forcedColors: matchMedia('(forced-colors: active)') };
  let choice = parseThemeChoice(readStored());
  const apply = () => {
    const theme = resolveTheme(choice, { dark: queries.dark.matches, moreContrast: queries.moreContrast.matches, forcedColors: queries.forcedColors.matches });
    document.documentElement.dataset.amTheme = theme;
    // The toolkit re-reads the variables when the body's class changes, as it does when VS Code switches themes.
    document.body.classList.remove(...Object.values(THEME_KIND));
    document.body.classList.add(THEME_KIND[theme]);
    document.body.dataset.vscodeThemeKind = THEME_KIND[theme];
  };
  for (const query of Object.values(queries)) query.addEventListener('change', apply);
  apply();
  return {
    choice: () => choice,
    choose(next) {
      choice = next;
      writeStored(next);
      apply();
    },
  };
}

// Storage may be off (a privacy mode): the theme then lasts as long as the page.
function readStored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function writeStored(choice: ThemeChoice): void {
  try {
    localStorage.setItem(STORAGE_KEY, choice);
  } catch {
    // see readStored
  }
}
