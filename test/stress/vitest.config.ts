import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/** For `npm run stress` only; the main config never picks these files up. */
export default defineConfig({
  root: resolve(import.meta.dirname, '../..'),
  test: {
    include: ['test/stress/kill-stress.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 120_000,
  },
});
