import { createHash } from 'node:crypto';
import type { FolderState, StateRecord } from './folder-state.js';
import { isCommonRecord, isPair } from './fast-checks.js';
import { describeIssue, snapshotBodySchema, snapshotHeaderSchema, snapshotShellSchema, stateRecordSchema, type SnapshotBody } from './state-schemas.js';

/**
 * Byte formats of the state files.
 *
 * Snapshot: `<header JSON>\n<body JSON>`; the header carries the format, version, the seq of
 * the last journal record folded in, and the SHA-256 of the body bytes.
 * Journal: one record per line, `<seq> <checksum> <record JSON>\n`; the checksum is the first
 * 16 hex digits of SHA-256 over `<seq> <record JSON>`. JSON.stringify never emits a raw
 * newline, so a record is always exactly one line.
 */
const SNAPSHOT_FORMAT = 'mailferry-folder-state';
const SNAPSHOT_VERSION = 1;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const NEWLINE = 0x0a;

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: `unparsable JSON (${(err as Error).message})` };
  }
}

export function serializeSnapshot(state: FolderState, seq: number): Buffer {
  const body: SnapshotBody = {
    folder: state.folder,
    status: state.status,
    pairs: [...state.pairs.values()],
    nextKey: state.nextKey,
    intents: [...state.intents.values()],
    nextIntent: state.nextIntent,
    ghosts: state.ghosts,
    strays: state.strays,
    conflicts: state.conflicts,
    pending: state.pending,
    lastSync: state.lastSync,
  };
  const bodyBytes = Buffer.from(JSON.stringify(body), 'utf8');
  const header = JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, seq, sha256: sha256(bodyBytes) });
  return Buffer.concat([Buffer.from(header + '\n', 'utf8'), bodyBytes]);
}

export function parseSnapshotHeader(line: string): Parsed<{ seq: number; sha256: string }> {
  const json = parseJson(line);
  if (!json.ok) return { ok: false, reason: `bad header: ${json.reason}` };
  const raw = json.value as Record<string, unknown> | null;
  if (typeof raw !== 'object' || raw === null || raw.format !== SNAPSHOT_FORMAT) {
    return { ok: false, reason: 'bad header: not a mailferry folder state file' };
  }
  if (raw.version !== SNAPSHOT_VERSION) {
    return {
      ok: false,
      reason: `unknown version ${JSON.stringify(raw.version)} (this mailferry reads version ${SNAPSHOT_VERSION}; a newer mailferry may have written it)`,
    };
  }
  const header = snapshotHeaderSchema.safeParse(raw);
  if (!header.success) return { ok: false, reason: `bad header: ${describeIssue(header.error)}` };
  return { ok: true, value: header.data };
}

/** A snapshot's header line and body bytes, or null when there is no complete first line. */
export function splitSnapshot(bytes: Buffer): { header: string; body: Buffer } | null {
  const nl = bytes.indexOf(NEWLINE);
  return nl < 0 ? null : { header: bytes.subarray(0, nl).toString('utf8'), body: bytes.subarray(nl + 1) };
}

export function parseSnapshot(bytes: Buffer, folder: string): Parsed<{ state: FolderState; seq: number }> {
  const parts = splitSnapshot(bytes);
  if (parts === null) return { ok: false, reason: `truncated: no complete header line in ${bytes.length} bytes` };
  const header = parseSnapshotHeader(parts.header);
  if (!header.ok) return header;
  const { body } = parts;
  const actual = sha256(body);
  if (actual !== header.value.sha256) {
    return { ok: false, reason: `checksum mismatch: body (${body.length} bytes) hashes to ${actual}, header says ${header.value.sha256}; the file is damaged or truncated` };
  }
  const json = parseJson(body.toString('utf8'));
  if (!json.ok) return { ok: false, reason: `body: ${json.reason}` };
  const parsed = parseSnapshotBody(json.value);
  if (!parsed.ok) return parsed;
  const b = parsed.value;
  if (b.folder !== folder) return { ok: false, reason: `belongs to folder ${JSON.stringify(b.folder)}, not ${JSON.stringify(folder)}` };
  const pairs = new Map(b.pairs.map((p) => [p.key, p]));
  if (pairs.size !== b.pairs.length) return { ok: false, reason: 'body: two pairs share a key' };
  const intents = new Map(b.intents.map((i) => [i.id, i]));
  if (intents.size !== b.intents.length) return { ok: false, reason: 'body: two intents share an id' };
  const state: FolderState = {
    folder: b.folder,
    status: b.status,
    pairs,
    nextKey: b.nextKey,
    intents,
    nextIntent: b.nextIntent,
    ghosts: b.ghosts,
    strays: b.strays ?? [],
    conflicts: b.conflicts,
    pending: b.pending ?? null,
    lastSync: b.lastSync,
  };
  return { ok: true, value: { state, seq: header.value.seq } };
}

/** snapshotBodySchema's verdict, with the pairs checked by hand (fast-checks.ts); zod explains a rejection. */
function parseSnapshotBody(value: unknown): Parsed<SnapshotBody> {
  const shell = snapshotShellSchema.safeParse(value);
  const pairs = shell.success ? shell.data.pairs : undefined;
  if (shell.success && Array.isArray(pairs) && pairs.every(isPair)) return { ok: true, value: { ...shell.data, pairs } };
  const parsed = snapshotBodySchema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: `body: ${describeIssue(parsed.error)}` };
}

/** stateRecordSchema's verdict, with the commonest records checked by hand (fast-checks.ts). */
function parseRecord(value: unknown): Parsed<StateRecord> {
  if (isCommonRecord(value)) return { ok: true, value };
  const rec = stateRecordSchema.safeParse(value);
  return rec.success ? { ok: true, value: rec.data } : { ok: false, reason: describeIssue(rec.error) };
}

function lineChecksum(seq: number, json: string): string {
  return sha256(`${seq} ${json}`).slice(0, 16);
}

export function formatJournalLine(seq: number, json: string): string {
  return `${seq} ${lineChecksum(seq, json)} ${json}\n`;
}

/**
 * Validates a record the engine is about to journal and returns its JSON plus the record as a
 * reload will see it, so the in-memory state always equals a replay of the journal.
 */
export function encodeRecord(rec: StateRecord): { json: string; record: StateRecord } {
  const json = JSON.stringify(rec);
  // Through JSON and back, as a reload sees it (NaN becomes null and is caught here).
  const parsed = parseRecord(JSON.parse(json));
  if (!parsed.ok) throw new Error(`refusing to journal an invalid ${String(rec.op)} record: ${parsed.reason}`);
  return { json, record: parsed.value };
}

export function parseRecordJson(json: string): Parsed<StateRecord> {
  const value = parseJson(json);
  if (!value.ok) return value;
  const rec = parseRecord(value.value);
  return rec.ok ? rec : { ok: false, reason: `invalid record: ${rec.reason}` };
}

export interface JournalLine {
  /** 1-based line number in the file, for error messages. */
  lineNo: number;
  seq: number;
  json: string;
}

export interface JournalScan {
  lines: JournalLine[];
  /** Bytes up to and including the last newline. */
  completeBytes: number;
  /** Bytes after the last newline: a write the crash cut short. */
  tornBytes: number;
}

const LINE = /^([1-9][0-9]*) ([0-9a-f]{16}) (.*)$/s;

/**
 * Splits a journal into checksummed lines. A last line without its newline is a torn write
 * and is set aside; every complete line must be well-formed with a matching checksum.
 */
export function scanJournal(bytes: Buffer): Parsed<JournalScan> {
  const lines: JournalLine[] = [];
  let start = 0;
  let lineNo = 0;
  for (let nl = bytes.indexOf(NEWLINE); nl >= 0; nl = bytes.indexOf(NEWLINE, start)) {
    lineNo++;
    const text = bytes.subarray(start, nl).toString('utf8');
    start = nl + 1;
    const m = LINE.exec(text);
    if (!m) return { ok: false, reason: `line ${lineNo}: malformed (expected "<seq> <checksum> <json>")` };
    const [, seqText = '', checksum, json = ''] = m;
    const seq = Number(seqText);
    if (!Number.isSafeInteger(seq)) return { ok: false, reason: `line ${lineNo}: seq ${seqText} out of range` };
    if (lineChecksum(seq, json) !== checksum) return { ok: false, reason: `line ${lineNo}: checksum mismatch (the line is damaged)` };
    lines.push({ lineNo, seq, json });
  }
  return { ok: true, value: { lines, completeBytes: start, tornBytes: bytes.length - start } };
}

/**
 * Seqs must run without gaps or repeats. After a snapshot at S the journal may still begin
 * with records at or below S (a compaction that stopped before resetting the journal), but
 * must reach S+1 without a gap; without a snapshot it must begin at 1.
 */
export function checkJournalSeqs(lines: readonly JournalLine[], snapshotSeq: number | null): Parsed<void> {
  const first = lines[0];
  if (!first) return { ok: true, value: undefined };
  if (snapshotSeq === null && first.seq !== 1) {
    return { ok: false, reason: `line ${first.lineNo}: journal starts at seq ${first.seq} but there is no snapshot (expected seq 1)` };
  }
  if (snapshotSeq !== null && first.seq > snapshotSeq + 1) {
    return { ok: false, reason: `line ${first.lineNo}: seq gap: snapshot ends at seq ${snapshotSeq}, journal starts at ${first.seq}` };
  }
  for (let i = 1; i < lines.length; i++) {
    const prev = lines[i - 1]!;
    const cur = lines[i]!;
    if (cur.seq !== prev.seq + 1) {
      const what = cur.seq <= prev.seq ? 'seq repeat' : 'seq gap';
      return { ok: false, reason: `line ${cur.lineNo}: ${what}: expected seq ${prev.seq + 1}, found ${cur.seq}` };
    }
  }
  return { ok: true, value: undefined };
}
