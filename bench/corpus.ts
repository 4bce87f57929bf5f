import { createCipheriv, createHash } from 'node:crypto';

/**
 * The benchmark's mail: a pure function of (seed, index), so every run and every tool sees the
 * same bytes, and messages are produced one at a time instead of held in memory.
 */
export interface CorpusSpec {
  messages: number;
  folders: number;
  seed: number;
}

export interface CorpusFolder {
  /** Logical name: UTF-8, '/' between levels, INBOX spelled INBOX. */
  name: string;
  /** Index of the folder's first message; its messages are first .. first+count-1. */
  first: number;
  count: number;
}

export interface CorpusMessage {
  index: number;
  /** LF line ends, as Dovecot stores a message it was given. */
  bytes: Buffer;
  flags: string[];
  internalDate: Date;
}

/** The first ten cover spaces, '&' (escaped in modified UTF-7), umlauts, CJK and nesting. */
const BASE_FOLDERS = [
  'INBOX', 'Reisekosten März', 'Receipts & Bills', 'Archive', 'Archive/2023',
  '日本語 フォルダ', 'Sent', 'Drafts', 'Projekte', 'Projekte/Öffentlich',
];

export function folderNames(count: number): string[] {
  const names = BASE_FOLDERS.slice(0, count);
  for (let k = names.length + 1; names.length < count; k++) {
    names.push(k % 2 === 0 ? `Archive/${1900 + k}` : `Ablage ${String(k).padStart(3, '0')} – Übersicht`);
  }
  return names;
}

/** Deterministic split of the messages over the folders; INBOX and archives hold the most. */
export function corpusFolders(spec: CorpusSpec): CorpusFolder[] {
  const names = folderNames(spec.folders);
  const weights = names.map((n, i) => (i === 0 ? 4 : n.startsWith('Archive') ? 2 : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const out: CorpusFolder[] = [];
  let first = 0;
  names.forEach((name, i) => {
    const count = i === names.length - 1 ? spec.messages - first : Math.floor((spec.messages * weights[i]!) / total);
    out.push({ name, first, count });
    first += count;
  });
  return out;
}

/** A small fast PRNG (mulberry32); quality is ample for picking sizes and words. */
export function prng(...seeds: number[]): () => number {
  let h = 0x9e3779b9;
  for (const s of seeds) h = Math.imul(h ^ (s >>> 0), 0x85ebca6b) ^ ((h >>> 13) + 0x27d4eb2f);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the of and to in is that for it as with was on be by this are from at or have an not but ' +
  'meeting report invoice budget quarter project release server backup schedule review draft ' +
  'please thanks regards attached below update status question answer customer order shipment ' +
  'Grüße Bericht Rechnung Übersicht Straße Besprechung Termin Änderung müssen können natürlich ' +
  'café naïve résumé déjà vu señor año Zürich København Łódź 東京 会議 資料 報告 よろしく'
).split(' ');

const SUBJECTS_ASCII = ['Weekly status', 'Invoice', 'Re: project plan', 'Meeting notes', 'Fwd: release checklist', 'Backup report'];
const SUBJECTS_UTF8 = ['Grüße aus Köln', 'Reisekosten für März', '会議の資料について', 'Réunion à Zürich', 'Łódź – Übersicht'];

/** Sizes: most 2–20 KB, ~10 % 50–500 KB attachments, one in 2000 over 1 MB (log-uniform within). */
function targetSize(rand: () => number, index: number): { size: number; attachment: boolean } {
  const logUniform = (lo: number, hi: number) => Math.round(lo * Math.pow(hi / lo, rand()));
  if (index % 2000 === 1999) return { size: logUniform(1_100_000, 2_500_000), attachment: true };
  if (rand() < 0.1) return { size: logUniform(50_000, 500_000), attachment: true };
  return { size: logUniform(2_000, 20_000), attachment: false };
}

function subjectFor(rand: () => number, index: number): string {
  const r = rand();
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const base = r < 0.22 ? pick(SUBJECTS_UTF8) : pick(SUBJECTS_ASCII);
  const text = `${base} #${index}`;
  // Most non-ASCII subjects are RFC 2047 encoded-words; a few are raw UTF-8 (RFC 6532), as found in the wild.
  if (r < 0.2) return `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
  return text;
}

function flagsFor(rand: () => number, folder: string): string[] {
  if (folder === 'Sent') return ['\\Seen'];
  if (folder === 'Drafts') return rand() < 0.5 ? ['\\Draft', '\\Seen'] : ['\\Draft'];
  const flags: string[] = [];
  if (rand() < 0.7) flags.push('\\Seen');
  if (rand() < 0.1) flags.push('\\Answered');
  if (rand() < 0.05) flags.push('\\Flagged');
  return flags;
}

function textBody(rand: () => number, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    let line = '';
    while (line.length < 68) line += `${WORDS[Math.floor(rand() * WORDS.length)]} `;
    lines.push(line.trimEnd());
    size += Buffer.byteLength(line);
  }
  return `${lines.join('\n')}\n`;
}

/** Incompressible attachment bytes: an AES-CTR keystream keyed by the seed, one IV per message. */
function attachmentBase64(seed: number, index: number, bytes: number): string {
  const key = createHash('sha256').update(`mailferry-bench-${seed}`).digest().subarray(0, 16);
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(index >>> 0, 12);
  const raw = createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(Math.ceil((bytes * 3) / 4)));
  return `${raw.toString('base64').replace(/.{76}/g, '$&\n')}\n`;
}

const EPOCH = Date.UTC(2019, 0, 1);
const SPAN_MS = 5 * 365 * 24 * 3600 * 1000;

export function corpusMessage(spec: CorpusSpec, index: number, folder: string): CorpusMessage {
  const rand = prng(spec.seed, index);
  const { size, attachment } = targetSize(rand, index);
  const date = new Date(EPOCH + Math.floor(((index % 100_000) / 100_000) * SPAN_MS) + Math.floor(rand() * 3600_000));
  const internalDate = new Date(Math.floor(date.getTime() / 1000) * 1000 + 60_000);
  const boundary = `=_bench_${index.toString(36)}`;
  const headers = [
    `Return-Path: <sender${index % 97}@example.net>`,
    `Received: from mx${index % 7}.example.net (mx${index % 7}.example.net [192.0.2.${index % 250}])\n\tby mail.example.org with ESMTPS id b${index.toString(16)}; ${date.toUTCString()}`,
    `From: Sender ${index % 97} <sender${index % 97}@example.net>`,
    'To: Bench User <bench@example.org>',
    `Subject: ${subjectFor(rand, index)}`,
    `Date: ${date.toUTCString()}`,
    // About 3 % lack a Message-ID, so identity must come from the other headers.
    ...(rand() < 0.03 ? [] : [`Message-ID: <${index}.${spec.seed}.${Math.floor(rand() * 1e9).toString(36)}@bench.mailferry>`]),
    'MIME-Version: 1.0',
  ];
  let body: string;
  if (attachment) {
    headers.push(`Content-Type: multipart/mixed; boundary="${boundary}"`);
    const text = textBody(rand, 800);
    body = [
      `--${boundary}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', text,
      `--${boundary}`, 'Content-Type: application/octet-stream; name="data.bin"', 'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="data.bin"', '', attachmentBase64(spec.seed, index, size),
      `--${boundary}--`, '',
    ].join('\n');
  } else {
    headers.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit');
    body = textBody(rand, Math.max(200, size - 600));
  }
  return { index, bytes: Buffer.from(`${headers.join('\n')}\n\n${body}`), flags: flagsFor(rand, folder), internalDate };
}

export function describeCorpus(spec: CorpusSpec, totalBytes: number): string {
  return `${spec.messages.toLocaleString('en-US')} messages, ${(totalBytes / 1e6).toFixed(0)} MB, ${spec.folders} folders ` +
    `(seed ${spec.seed}): most 2–20 KB, ~10 % with 50–500 KB attachments, 1 in 2000 over 1 MB, ~3 % without ` +
    'Message-ID, ~22 % non-ASCII subjects (RFC 2047 and raw UTF-8), folder names with spaces, "&", umlauts, CJK and nesting';
}
