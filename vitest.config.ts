import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{apps,packages}/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          // As for integration below: modules stay imported between files (54 s → 15 s here).
          isolate: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{apps,packages}/*/src/**/*.int.test.ts', 'deploy/**/*.int.test.ts'],
          globalSetup: ['./tooling/vitest/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Integration files start servers and databases; two at a time suits a 2-core machine.
          maxWorkers: 2,
          // A worker keeps its imported modules from one file to the next: importing the graph again
          // for every file cost more than the tests themselves (packages/api's services: 161 s → 73 s).
          // Files therefore leave no state behind (they close what they start, restore env and timers).
          isolate: false,
        },
      },
    ],
  },
});
