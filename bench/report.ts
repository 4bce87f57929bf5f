import type { ChangeCounts } from './changes.js';
import type { CorpusSpec } from './corpus.js';
import type { RunRecord, WorkloadResult } from './workloads.js';

export interface ToolRow {
  tool: string;
  runs: number;
  /** Medians over the repetitions. */
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
  /** Set when any repetition failed or left the sides different. */
  invalid: string | null;
}

export interface WorkloadReport {
  id: string;
  title: string;
  note: string | null;
  changes: ChangeCounts[];
  rows: ToolRow[];
  runs: { tool: string; rep: number; wallMs: number; cpuMs: number; peakRssKb: number; exitCode: number | null; messages: number; invalid: string | null; output?: string }[];
}

export interface TargetCheck {
  workload: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  /** loadAvg: 1-minute load average at the start and the end; other work on the machine skews the figures. */
  machine: { cpus: number; memoryGb: number; node: string; platform: string; loadAvg: [number, number] };
  corpus: CorpusSpec & { description: string; bytes: number; loadSeconds: number };
  reps: number;
  tools: { name: string; version: string; setup: string }[];
  missing: string[];
  workloads: WorkloadReport[];
  targets: TargetCheck[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function workloadReport(w: WorkloadResult): WorkloadReport {
  const byTool = new Map<string, RunRecord[]>();
  for (const r of w.runs) byTool.set(r.tool, [...(byTool.get(r.tool) ?? []), r]);
  const rows = [...byTool].map(([tool, runs]): ToolRow => ({
    tool,
    runs: runs.length,
    wallMs: median(runs.map((r) => r.measurement.wallMs)),
    cpuMs: median(runs.map((r) => r.measurement.cpuMs)),
    peakRssKb: median(runs.map((r) => r.measurement.peakRssKb)),
    invalid: runs.find((r) => r.invalid)?.invalid ?? null,
  }));
  return {
    id: w.id,
    title: w.title,
    note: w.note,
    changes: w.changes,
    rows,
    runs: w.runs.map((r) => ({
      tool: r.tool,
      rep: r.rep,
      wallMs: Math.round(r.measurement.wallMs),
      cpuMs: Math.round(r.measurement.cpuMs),
      peakRssKb: r.measurement.peakRssKb,
      exitCode: r.measurement.exitCode,
      messages: r.verdict.messages,
      invalid: r.invalid,
      ...(r.invalid ? { output: r.measurement.output.slice(-1500) } : {}),
    })),
  };
}

const row = (w: WorkloadReport, tool: string) => w.rows.find((r) => r.tool === tool && !r.invalid);

/** The issue's targets, each as the measured ratio (or value) and whether it is met. */
export function checkTargets(workloads: WorkloadReport[], folderCount: number, messages: number): TargetCheck[] {
  const get = (id: string) => workloads.find((w) => w.id === id);
  const out: TargetCheck[] = [];
  const ratio = (id: string, peers: string[], limit: number, label: string) => {
    const w = get(id);
    const mf = w && row(w, 'mailferry');
    const others = w ? peers.map((p) => row(w, p)).filter((r): r is ToolRow => r !== undefined) : [];
    const best = others.sort((a, b) => a.wallMs - b.wallMs)[0];
    if (!mf || !best) {
      out.push({ workload: id, target: `≤ ${limit}× ${label} wall`, measured: 'not measured (tool missing or INVALID)', met: null });
      return;
    }
    const r = mf.wallMs / best.wallMs;
    out.push({ workload: id, target: `≤ ${limit}× ${label} wall`, measured: `${r.toFixed(2)}× (${best.tool})`, met: r <= limit });
  };
  ratio('W1', ['mbsync'], 1.0, 'mbsync');
  ratio('W1', ['offlineimap'], 0.2, 'offlineimap');
  const w1 = get('W1');
  const mf1 = w1 && row(w1, 'mailferry');
  out.push(mf1
    ? { workload: 'W1', target: 'peak RSS ≤ 150 MB', measured: `${(mf1.peakRssKb / 1024).toFixed(0)} MB`, met: mf1.peakRssKb <= 150 * 1024 }
    : { workload: 'W1', target: 'peak RSS ≤ 150 MB', measured: 'not measured', met: null });
  // mbsync re-reads every UID and flag, so its resync grows with the mailbox; ours should not.
  if (messages >= 100_000) ratio('W2', ['mbsync'], 0.3, 'mbsync (at 100,000)');
  else ratio('W2', ['mbsync'], 2.0, 'mbsync (at 10,000)');
  ratio('W3', ['mbsync'], 1.0, 'mbsync');
  ratio('W4', ['mbsync', 'interimap'], 1.0, 'faster of mbsync/interimap');
  ratio('W5', ['interimap'], 1.0, 'interimap');
  ratio('W6', ['mbsync', 'interimap'], 1.0, 'faster of mbsync/interimap');
  const w7 = get('W7');
  const mf7 = w7 && row(w7, 'mailferry');
  // The target is set at 100 folders: a run with fewer folders reports its figure, not a verdict.
  out.push(mf7
    ? { workload: 'W7', target: '< 10 ms per cycle at 100 folders', measured: `${mf7.wallMs.toFixed(1)} ms per cycle at ${folderCount} folders`, met: folderCount >= 100 ? mf7.wallMs < 10 : null }
    : { workload: 'W7', target: '< 10 ms per cycle at 100 folders', measured: 'not measured', met: null });
  return out;
}

const secs = (ms: number) => (Number.isNaN(ms) ? '–' : ms < 100 ? `${ms.toFixed(1)} ms` : ms < 1000 ? `${(ms / 1000).toFixed(3)} s` : `${(ms / 1000).toFixed(2)} s`);
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const times = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');

export function renderMarkdown(r: BenchReport): string {
  const lines: string[] = [];
  lines.push(`Corpus: ${r.corpus.description}. Loaded in ${r.corpus.loadSeconds.toFixed(1)} s.`);
  lines.push(`Machine: ${r.machine.cpus} cores, ${r.machine.memoryGb} GB, ${r.machine.platform}, Node ${r.machine.node}; Dovecot on loopback; ` +
    `load average ${r.machine.loadAvg.map((x) => x.toFixed(1)).join(' at start, ')} at end. ` +
    `Medians of ${r.reps} repetition${r.reps === 1 ? '' : 's'}, tools alternating; run ${r.startedAt}.`);
  lines.push('');
  lines.push('| tool | version | setup |', '|---|---|---|');
  for (const t of r.tools) lines.push(`| ${t.name} | ${t.version} | ${t.setup} |`);
  if (r.missing.length) lines.push('', `Not installed, skipped: ${r.missing.join(', ')}.`);
  for (const w of r.workloads) {
    lines.push('', `### ${w.id} ${w.title}`, '');
    if (w.note) lines.push(w.note, '');
    if (w.rows.length === 0) continue;
    if (w.changes.length) {
      const c = w.changes[0]!;
      lines.push(`Each repetition first changes the server: ${c.flagged} flag changes, ${c.added} new, ${c.expunged} expunged, ${c.moved} moved.`, '');
    }
    const mf = w.rows.find((x) => x.tool === 'mailferry');
    lines.push('| tool | wall | CPU | peak RSS | mailferry ÷ tool (wall / CPU / RSS) | verified |', '|---|---:|---:|---:|---:|---|');
    for (const t of w.rows) {
      const ratio = mf && t.tool !== 'mailferry' ? `${times(mf.wallMs, t.wallMs)} / ${times(mf.cpuMs, t.cpuMs)} / ${times(mf.peakRssKb, t.peakRssKb)}` : '';
      lines.push(`| ${t.tool} | ${secs(t.wallMs)} | ${secs(t.cpuMs)} | ${mb(t.peakRssKb)} | ${ratio} | ${t.invalid ? `**INVALID**: ${t.invalid.replace(/\|/g, '\\|')}` : `yes (${t.runs}/${t.runs})`} |`);
    }
  }
  lines.push('', '### Targets (issue 5)', '', '| workload | target | measured | met |', '|---|---|---|---|');
  for (const t of r.targets) lines.push(`| ${t.workload} | ${t.target} | ${t.measured} | ${t.met === null ? '–' : t.met ? 'yes' : '**no**'} |`);
  return `${lines.join('\n')}\n`;
}
