import type { ComponentChildren } from 'preact';

export interface ButtonProps {
  onClick: () => void;
  appearance?: 'primary' | 'secondary' | 'icon';
  title?: string;
  disabled?: boolean;
  children: ComponentChildren;
}

export function Button({ onClick, appearance = 'primary', title, disabled, children }: ButtonProps) {
  return (
    <vscode-button appearance={appearance} title={title} aria-label={title} disabled={disabled} onClick={onClick}>
      {children}
    </vscode-button>
  );
}
