import { readFile } from 'node:fs/promises';
import { applyRecord, emptyFolderState, type FolderState } from './folder-state.js';
import type { FolderFiles } from './folder-files.js';
import { checkJournalSeqs, parseRecordJson, parseSnapshot, scanJournal } from './state-codec.js';

export type FolderLoad =
  | { ok: true; state: FolderState; seq: number; notes: string[] }
  | { ok: false; reason: string };

/** A file's bytes, or null when it does not exist. Other read errors are thrown, not "damage". */
export async function readOptional(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Rebuilds a folder's state from its snapshot and journal. Only a torn last journal line is
 * tolerated (it was never fsync'd, so nothing was done on its strength); any other defect
 * fails the load, because an empty or partial state would read as "these messages are gone".
 */
export async function loadFolderFiles(files: FolderFiles): Promise<FolderLoad> {
  const snapshotBytes = await readOptional(files.snapshot);
  const journalBytes = await readOptional(files.journal);
  const notes: string[] = [];

  let state = emptyFolderState(files.folder);
  let snapshotSeq: number | null = null;
  if (snapshotBytes !== null) {
    const snap = parseSnapshot(snapshotBytes, files.folder);
    if (!snap.ok) return { ok: false, reason: `snapshot ${files.snapshot}: ${snap.reason}` };
    state = snap.value.state;
    snapshotSeq = snap.value.seq;
  }
  let seq = snapshotSeq ?? 0;
  if (journalBytes === null) return { ok: true, state, seq, notes };

  const fail = (reason: string): FolderLoad => ({ ok: false, reason: `journal ${files.journal}: ${reason}` });
  const scan = scanJournal(journalBytes);
  if (!scan.ok) return fail(scan.reason);
  const { lines, tornBytes } = scan.value;
  const seqs = checkJournalSeqs(lines, snapshotSeq);
  if (!seqs.ok) return fail(seqs.reason);

  let stale = 0;
  for (const line of lines) {
    const rec = parseRecordJson(line.json);
    if (!rec.ok) return fail(`line ${line.lineNo}: ${rec.reason}`);
    if (line.seq <= seq) {
      stale++;
      continue;
    }
    applyRecord(state, rec.value);
    seq = line.seq;
  }
  if (stale > 0) {
    notes.push(`journal ${files.journal}: skipped ${stale} record(s) already in the snapshot (a compaction was interrupted before the journal was reset)`);
  }
  if (tornBytes > 0) {
    notes.push(`journal ${files.journal}: dropped an incomplete last line (${tornBytes} bytes) left by an interrupted write`);
  }
  return { ok: true, state, seq, notes };
}
