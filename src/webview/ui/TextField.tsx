export interface TextFieldProps {
  value: string;
  onInput: (value: string) => void;
  label: string;
  placeholder?: string;
  /** Shown under the field and announced when set. */
  error?: string;
  id: string;
  testId?: string;
}

/** A labelled text input themed like VS Code's; `error` is tied to it with aria-describedby. */
export function TextField({ value, onInput, label, placeholder, error, id, testId }: TextFieldProps) {
  const errorId = `${id}-error`;
  return (
    <div class="text-field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={value}
        placeholder={placeholder}
        spellcheck={false}
        autocomplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        data-testid={testId}
        onInput={(event) => onInput((event.currentTarget as HTMLInputElement).value)}
      />
      {error && (
        <span id={errorId} class="text-field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
