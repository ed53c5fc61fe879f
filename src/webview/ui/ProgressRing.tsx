export function ProgressRing({ label }: { label: string }) {
  return <vscode-progress-ring aria-label={label} />;
}
