// The only place that imports @vscode/webview-ui-toolkit (deprecated upstream): swapping to
// another element library later is a change to this folder alone.
import { provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeProgressRing, vsCodeTag } from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeBadge(), vsCodeTag(), vsCodeProgressRing());
}

type ElementProps = preact.JSX.HTMLAttributes<HTMLElement> & { appearance?: string; disabled?: boolean };

declare module 'preact' {
  namespace JSX {
    interface IntrinsicElements {
      'vscode-button': ElementProps;
      'vscode-badge': ElementProps;
      'vscode-tag': ElementProps;
      'vscode-progress-ring': ElementProps;
    }
  }
}
