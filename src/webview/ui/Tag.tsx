import type { ComponentChildren } from 'preact';

export function Tag({ children }: { children: ComponentChildren }) {
  return <vscode-tag>{children}</vscode-tag>;
}
