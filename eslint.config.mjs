// typescript-eslint's recommended rules over every source we write (TypeScript and the .mjs scripts);
// formatting is prettier's (.prettierrc.json), so eslint-config-prettier turns off the rules it owns.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // Build output: tsc writes .js and .d.ts beside the sources (and a checkout built before a move keeps
    // them); the only hand-written ones are jest.config.js and one .d.ts. Bundles, tools and local state.
    ignores: [
      '**/*.js',
      '!jest.config.js',
      '**/*.d.ts',
      '!lib/core/properties-file-escape.d.ts',
      'node_modules/',
      'cdk.out*/',
      'lambda-dist/',
      'cli-dist/',
      'dist/',
      '.tools/',
      '.sandbox/',
      '.jest-cache/',
      'coverage/',
      'test/jsii/java-app/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // A leading underscore names what is left out on purpose (a destructured field dropped, an unused argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Prettier wraps code at 160 columns but not strings or comments; this rule keeps lib's lines readable.
    files: ['lib/**/*.ts'],
    rules: { 'max-len': ['error', { code: 160, ignoreUrls: true }] },
  },
  {
    // Tests and the local CloudFormation deployer read synthesized templates and API answers, which are
    // untyped JSON: `any` is their honest type there. Tests load built and installed packages from paths
    // computed at run time (the jsii consumers, the packed tarball), which only require() can.
    files: ['test/**', 'local/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // CommonJS scripts (the bench's child processes): require() is their module system.
    files: ['**/*.cjs', 'jest.config.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
