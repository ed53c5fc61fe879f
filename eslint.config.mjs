// Lint and the import boundaries: the engine and src/shared never import `vscode`; the webview
// never imports host code or Node built-ins; src/shared imports neither side.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = { group: ['node:*'], message: 'Node built-ins do not exist in the webview; keep this code in src/extension.' };
const vscodeApi = { name: 'vscode', message: 'Only src/extension/vscode/ and extension.ts talk to VS Code; the engine runs headless too.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-results/**', 'media/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // preact's JSX namespace is augmented for the toolkit's custom elements.
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Test pages and benches evaluate functions inside the browser.
    files: ['test/**', 'bench/**', 'src/webview/**'],
    languageOptions: { globals: { ...globals.browser, ...globals.mocha } },
  },
  {
    // The in-editor suite's entry exports the `run` that VS Code's test runner calls.
    files: ['test/vscode/index.js'],
    languageOptions: { globals: { run: 'off' } },
  },
  {
    files: ['**/*.cjs', '**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/extension/engine/**', 'src/extension/cli.ts', 'src/extension/hookCommand.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [vscodeApi], patterns: [{ group: ['**/vscode/*', '../vscode', './vscode'], message: 'The engine must not depend on the VS Code adapters.' }] }],
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [vscodeApi], patterns: [nodeBuiltins, { group: ['**/extension/**', '**/webview/**'], message: 'src/shared is imported by both sides and imports neither.' }] }],
    },
  },
  {
    files: ['src/webview/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [vscodeApi], patterns: [nodeBuiltins, { group: ['**/extension/**'], message: 'The webview talks to the host through src/shared and the relay, never by importing host code.' }] }],
    },
  },
);
