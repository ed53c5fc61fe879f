import type { ComponentChildren } from 'preact';

export function Badge({ children, label }: { children: ComponentChildren; label?: string }) {
  return <vscode-badge aria-label={label}>{children}</vscode-badge>;
}
