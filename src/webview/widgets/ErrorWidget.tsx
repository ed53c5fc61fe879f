import { useState } from 'preact/hooks';
import { Button } from '../ui/Button';
import type { WidgetComponent } from './types';

/** An agent's error with a Retry button while attempts are left; the agent hears `retry` on the 'widgets' channel. */
export const ErrorWidget: WidgetComponent<'error'> = ({ id, data, api }) => {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const retry = async () => {
    if (!api) return;
    setBusy(true);
    setProblem(undefined);
    try {
      await api.request('POST', `/api/widgets/${encodeURIComponent(id)}/retry`);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="w-error" role="alert">
      <strong>{data.title ?? 'Error'}</strong>
      {data.code && <code class="muted"> {data.code}</code>}
      <p class="w-text">{data.message}</p>
      <div class="w-row">
        <span class="muted" data-testid="attempts-left">
          {data.attemptsLeft === 0 ? 'No attempts left' : `${data.attemptsLeft} attempt${data.attemptsLeft === 1 ? '' : 's'} left`}
        </span>
        {api && data.attemptsLeft > 0 && (
          <Button onClick={() => void retry()} disabled={busy} title={`Retry (${data.attemptsLeft} left)`}>
            Retry
          </Button>
        )}
      </div>
      {problem && <p class="notice-error">{problem}</p>}
    </div>
  );
};
