import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/bench.js';
import { renderMarkdown } from '../../bench/report.js';

describe('benchmark harness', () => {
  it('runs every workload on a tiny corpus and verifies both sides after each run', async () => {
    const report = await runBench({ messages: 30, folders: 2, seed: 7, reps: 1, tools: ['mailferry', 'mbsync'], timeoutMs: 60_000, log: () => undefined });

    expect(report.workloads.map((w) => w.id)).toEqual(['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7']);
    // W7 runs only Mailferry (the only tool with a long-running engine), on the synced replica.
    const w7 = report.workloads.find((w) => w.id === 'W7')!;
    expect(w7.rows.map((r) => r.tool)).toEqual(['mailferry']);
    expect(w7.runs[0]!.invalid).toBeNull();
    expect(w7.runs[0]!.messages).toBe(30);
    expect(w7.rows[0]!.wallMs).toBeGreaterThan(0);
    const ran = report.tools.map((t) => t.name);
    expect(ran[0]).toBe('mailferry');
    for (const w of report.workloads.filter((x) => x.id !== 'W7')) {
      expect(w.rows.map((r) => r.tool).sort()).toEqual([...ran].sort());
      for (const run of w.runs) {
        expect(run.invalid, `${w.id} ${run.tool}`).toBeNull();
        expect(run.wallMs).toBeGreaterThan(0);
        expect(run.peakRssKb).toBeGreaterThan(0);
      }
    }
    // The first sync copied the whole corpus; W3 changed the server and the run after it matched it.
    expect(report.workloads[0]!.runs[0]!.messages).toBe(30);
    const w3 = report.workloads.find((w) => w.id === 'W3')!;
    expect(w3.changes[0]).toEqual({ flagged: 1, added: 1, expunged: 1, moved: 1 });
    expect(w3.runs[0]!.messages).toBe(30);
    expect(report.corpus.bytes).toBeGreaterThan(30 * 1000);

    const md = renderMarkdown(report);
    for (const id of ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7']) expect(md).toContain(`### ${id} `);
    expect(md).not.toContain('**INVALID**');
  }, 120_000);
});
