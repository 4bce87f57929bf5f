import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests each start their own Dovecot; two workers suit a 2-core machine.
    maxWorkers: 2,
    // electron-store imports electron; inlined, it sees the tests' vi.mock('electron').
    server: { deps: { inline: ['electron-store'] } },
  },
});
