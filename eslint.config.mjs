// ESLint for the TypeScript and JavaScript of lib/, test/, bench/, scripts/ and bin/ (`npm run lint`).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'runs/', 'out/', 'figures/', '.venv/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // A leading underscore marks a value taken apart on purpose and left unused (`{ runDir: _, ...rest }`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The latent explorer's page runs in the browser, with TensorFlow.js as the global `tf`.
    files: ['lib/plots/explorer-page/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, tf: 'readonly' } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
