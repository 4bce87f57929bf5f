import net from 'node:net';

/**
 * A scripted IMAP server on a free loopback port: enough IMAP4rev1 (LOGIN, CAPABILITY, LIST,
 * SELECT, STATUS, UID FETCH, UID SEARCH, APPEND, UID STORE, UID EXPUNGE, NOOP, LOGOUT) over
 * plain TCP to get imapflow and the engine through a sync, with an in-memory mailbox model.
 * Each test makes it hostile with `override`, a middleware that sees every command and may
 * answer it itself, add to the default answer, or rewrite it (malformed replies, literals
 * larger than announced, missing FETCH data, foreign UIDs, BYE mid-command, endless
 * continuation requests, gigantic literal announcements). Every loop it runs is bounded.
 */
export interface HostileMessage {
  uid: number;
  flags: string[];
  bytes: Buffer;
  internalDate: Date;
}

export interface HostileMailbox {
  name: string;
  uidValidity: number;
  uidNext: number;
  messages: HostileMessage[];
}

/** One parsed client command. */
export interface HostileCommand {
  tag: string;
  /** Upper case, `UID ` kept: `UID FETCH`, `LOGIN`, `APPEND`. */
  name: string;
  /** Arguments: atoms and quoted strings as strings, literals as Buffers, lists as arrays. */
  args: Arg[];
  /** The command line as received, literals shown as `{n}`. */
  line: string;
}

export type Arg = string | Buffer | Arg[];

export interface HostileConnection {
  readonly index: number;
  /** The folder this connection has selected. */
  readonly selected: string | null;
  write(data: string | Buffer): void;
  close(): void;
  /** False once the client went away; loops that write on their own must stop then. */
  readonly open: boolean;
}

/**
 * Runs the default handling of a command. With `rewrite`, everything the default would send
 * for it is collected and passed through `rewrite` (as latin1 text) first.
 */
export type Next = (rewrite?: (out: string) => string) => Promise<void>;
export type Override = (cmd: HostileCommand, conn: HostileConnection, next: Next) => Promise<void>;

export interface HostileServerOptions {
  user?: string;
  password?: string;
  /** Default: IMAP4rev1 UIDPLUS LITERAL+ (no STARTTLS, no AUTH=). */
  capabilities?: string[];
}

export interface HostileImapServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly mailboxes: Map<string, HostileMailbox>;
  /** Every command line received, in order, literals shown as `{n}`. */
  readonly commands: string[];
  override: Override | null;
  addFolder(name: string): HostileMailbox;
  append(folder: string, bytes: Buffer, flags?: string[], internalDate?: Date): number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** A client sending more than this in one command is cut off (the server's own memory bound). */
const MAX_COMMAND = 64 * 1024 * 1024;

export async function startHostileImapServer(opts: HostileServerOptions = {}): Promise<HostileImapServer> {
  const user = opts.user ?? 'hostile';
  const password = opts.password ?? 'hostile-pass';
  const capabilities = opts.capabilities ?? ['IMAP4rev1', 'UIDPLUS', 'LITERAL+'];
  const mailboxes = new Map<string, HostileMailbox>();
  const commands: string[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let uidValidity = 1_700_000_000;

  const state: HostileImapServer = {
    host: HOST,
    port: 0,
    user,
    password,
    mailboxes,
    commands,
    override: null,
    addFolder(name) {
      const existing = mailboxes.get(name);
      if (existing) return existing;
      const box: HostileMailbox = { name, uidValidity: uidValidity++, uidNext: 1, messages: [] };
      mailboxes.set(name, box);
      return box;
    },
    append(folder, bytes, flags = [], internalDate = new Date('2024-03-01T10:00:00Z')) {
      const box = state.addFolder(folder);
      const uid = box.uidNext++;
      box.messages.push({ uid, flags: [...flags], bytes, internalDate });
      return uid;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  state.addFolder('INBOX');

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const session = new Session(connections++, socket, state, capabilities);
    session.start();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const address = server.address();
  (state as { port: number }).port = typeof address === 'object' && address ? address.port : 0;
  return state;
}

class Session implements HostileConnection {
  selected: string | null = null;
  private buffer = Buffer.alloc(0);
  private pending: { parts: Buffer[]; literals: Buffer[]; need: number } | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** While set, writes are collected here instead of going out (see Next). */
  private capture: Buffer[] | null = null;

  constructor(
    readonly index: number,
    private readonly socket: net.Socket,
    private readonly server: HostileImapServer,
    private readonly capabilities: string[],
  ) {}

  get open(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  start(): void {
    this.write(`* OK [CAPABILITY ${this.capabilities.join(' ')}] hostile test server ready\r\n`);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  write(data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    if (this.capture) this.capture.push(bytes);
    else if (this.open) this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > MAX_COMMAND) return this.close();
    for (;;) {
      if (this.pending && this.pending.need > 0) {
        if (this.buffer.length < this.pending.need) return;
        this.pending.literals.push(this.buffer.subarray(0, this.pending.need));
        this.pending.parts.push(Buffer.from(`\u0000${this.pending.literals.length - 1}\u0000`));
        this.buffer = this.buffer.subarray(this.pending.need);
        this.pending.need = 0;
      }
      const nl = this.buffer.indexOf(0x0a);
      if (nl < 0) return;
      const line = this.buffer.subarray(0, nl + 1);
      this.buffer = this.buffer.subarray(nl + 1);
      const pending = this.pending ?? { parts: [], literals: [], need: 0 };
      const text = line.toString('latin1').replace(/\r?\n$/, '');
      const literal = /\{(\d+)(\+?)\}$/.exec(text);
      if (literal) {
        pending.parts.push(Buffer.from(text.slice(0, literal.index), 'latin1'));
        pending.need = Number(literal[1]);
        this.pending = pending;
        if (pending.need > MAX_COMMAND) return this.close();
        if (literal[2] !== '+') this.write('+ go ahead\r\n');
        continue;
      }
      pending.parts.push(Buffer.from(text, 'latin1'));
      this.pending = null;
      const command = parseCommand(Buffer.concat(pending.parts).toString('latin1'), pending.literals);
      if (!command) {
        this.write('* BAD unparsable command\r\n');
        continue;
      }
      this.server.commands.push(command.line);
      this.queue = this.queue.then(() => this.dispatch(command)).catch(() => this.close());
    }
  }

  private async dispatch(cmd: HostileCommand): Promise<void> {
    const next: Next = async (rewrite) => {
      if (!rewrite) return this.handle(cmd);
      const collected: Buffer[] = [];
      this.capture = collected;
      try {
        await this.handle(cmd);
      } finally {
        this.capture = null;
      }
      this.write(Buffer.from(rewrite(Buffer.concat(collected).toString('latin1')), 'latin1'));
    };
    if (this.server.override) await this.server.override(cmd, this, next);
    else await next();
  }

  private box(name: string): HostileMailbox | undefined {
    return this.server.mailboxes.get(name.toUpperCase() === 'INBOX' ? 'INBOX' : name);
  }

  private async handle(cmd: HostileCommand): Promise<void> {
    const { tag } = cmd;
    const ok = (text: string) => this.write(`${tag} OK ${text}\r\n`);
    const no = (text: string) => this.write(`${tag} NO ${text}\r\n`);
    const str = (i: number) => argText(cmd.args[i]);
    switch (cmd.name) {
      case 'CAPABILITY':
        this.write(`* CAPABILITY ${this.capabilities.join(' ')}\r\n`);
        return ok('CAPABILITY completed');
      case 'NOOP':
      case 'CHECK':
        return ok(`${cmd.name} completed`);
      case 'LOGOUT':
        this.write('* BYE logging out\r\n');
        ok('LOGOUT completed');
        this.socket.end();
        return;
      case 'LOGIN':
        if (str(0) === this.server.user && str(1) === this.server.password) return ok(`[CAPABILITY ${this.capabilities.join(' ')}] Logged in`);
        return no('[AUTHENTICATIONFAILED] Authentication failed.');
      case 'STARTTLS':
      case 'AUTHENTICATE':
      case 'ENABLE':
      case 'ID':
      case 'NAMESPACE':
        return this.write(`${tag} BAD ${cmd.name} not supported\r\n`);
      case 'LIST':
      case 'LSUB': {
        if (str(1) === '') {
          this.write(`* ${cmd.name} (\\Noselect) "/" ""\r\n`);
          return ok(`${cmd.name} completed`);
        }
        for (const name of this.server.mailboxes.keys()) this.write(`* ${cmd.name} (\\HasNoChildren) "/" ${quote(name)}\r\n`);
        return ok(`${cmd.name} completed`);
      }
      case 'CREATE':
        this.server.addFolder(str(0));
        return ok('CREATE completed');
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE':
        return ok(`${cmd.name} completed`);
      case 'STATUS': {
        const box = this.box(str(0));
        if (!box) return no('[NONEXISTENT] Mailbox does not exist');
        this.write(`* STATUS ${quote(box.name)} (MESSAGES ${box.messages.length} UIDNEXT ${box.uidNext} UIDVALIDITY ${box.uidValidity} UNSEEN 0)\r\n`);
        return ok('STATUS completed');
      }
      case 'SELECT':
      case 'EXAMINE': {
        const box = this.box(str(0));
        if (!box) {
          this.selected = null;
          return no('[NONEXISTENT] Mailbox does not exist');
        }
        this.selected = box.name;
        this.write(
          '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n' +
            '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n' +
            `* ${box.messages.length} EXISTS\r\n* 0 RECENT\r\n` +
            `* OK [UIDVALIDITY ${box.uidValidity}] UIDs valid\r\n* OK [UIDNEXT ${box.uidNext}] Predicted next UID\r\n`,
        );
        return ok(`[READ-WRITE] ${cmd.name} completed`);
      }
      case 'CLOSE':
      case 'UNSELECT':
        this.selected = null;
        return ok(`${cmd.name} completed`);
      case 'APPEND':
        return this.append(cmd);
      case 'UID FETCH':
        return this.fetch(cmd);
      case 'UID SEARCH':
        return this.search(cmd);
      case 'UID STORE':
        return this.store(cmd);
      case 'UID EXPUNGE':
        return this.expunge(cmd);
      default:
        return this.write(`${tag} BAD unknown command ${cmd.name}\r\n`);
    }
  }

  private selectedBox(cmd: HostileCommand): HostileMailbox | null {
    const box = this.selected === null ? undefined : this.box(this.selected);
    if (!box) this.write(`${cmd.tag} BAD no mailbox selected\r\n`);
    return box ?? null;
  }

  private append(cmd: HostileCommand): void {
    const box = this.box(argText(cmd.args[0]));
    if (!box) return this.write(`${cmd.tag} NO [TRYCREATE] Mailbox does not exist\r\n`);
    const literal = cmd.args.find((a): a is Buffer => Buffer.isBuffer(a));
    const flagList = cmd.args.find((a): a is Arg[] => Array.isArray(a)) ?? [];
    if (!literal) return this.write(`${cmd.tag} BAD APPEND without a message\r\n`);
    const uid = this.server.append(box.name, Buffer.from(literal), flagList.map(argText));
    if (this.selected === box.name) this.write(`* ${box.messages.length} EXISTS\r\n`);
    const code = this.capabilities.includes('UIDPLUS') ? `[APPENDUID ${box.uidValidity} ${uid}] ` : '';
    this.write(`${cmd.tag} OK ${code}APPEND completed\r\n`);
  }

  private fetch(cmd: HostileCommand): void {
    const box = this.selectedBox(cmd);
    if (!box) return;
    const set = argText(cmd.args[0]);
    const items = Array.isArray(cmd.args[1]) ? cmd.args[1].map(argText) : [argText(cmd.args[1])];
    box.messages.forEach((m, i) => {
      if (!inSet(m.uid, set, box)) return;
      const parts: Buffer[] = [Buffer.from(`* ${i + 1} FETCH (UID ${m.uid}`)];
      for (const item of items.map((it) => it.toUpperCase())) {
        if (item === 'UID' || item === 'MODSEQ') continue;
        if (item === 'FLAGS') parts.push(Buffer.from(` FLAGS (${m.flags.join(' ')})`));
        else if (item === 'RFC822.SIZE') parts.push(Buffer.from(` RFC822.SIZE ${m.bytes.length}`));
        else if (item === 'INTERNALDATE') parts.push(Buffer.from(` INTERNALDATE "${imapDate(m.internalDate)}"`));
        else if (item.startsWith('BODY.PEEK[') || item.startsWith('BODY[') || item === 'RFC822') {
          const section = /\[([^\]]*)\]/.exec(item)?.[1] ?? '';
          const range = /<(\d+)\.(\d+)>$/.exec(item);
          let body = section === 'HEADER' ? headerOf(m.bytes) : m.bytes;
          let origin = '';
          if (range) {
            const start = Number(range[1]);
            body = body.subarray(start, start + Number(range[2]));
            origin = `<${start}>`;
          }
          parts.push(Buffer.from(` BODY[${section}]${origin} {${body.length}}\r\n`), body);
        }
      }
      parts.push(Buffer.from(')\r\n'));
      this.write(Buffer.concat(parts));
    });
    this.write(`${cmd.tag} OK UID FETCH completed\r\n`);
  }

  private search(cmd: HostileCommand): void {
    const box = this.selectedBox(cmd);
    if (!box) return;
    const words = cmd.args.map(argText).map((w) => w.toUpperCase());
    const uidAt = words.indexOf('UID');
    const set = uidAt >= 0 ? words[uidAt + 1] ?? '' : '1:*';
    const uids = box.messages.filter((m) => inSet(m.uid, set, box)).map((m) => m.uid);
    this.write(`* SEARCH${uids.map((u) => ` ${u}`).join('')}\r\n${cmd.tag} OK SEARCH completed\r\n`);
  }

  private store(cmd: HostileCommand): void {
    const box = this.selectedBox(cmd);
    if (!box) return;
    const set = argText(cmd.args[0]);
    const op = argText(cmd.args[1]).toUpperCase();
    const list = cmd.args[2];
    const flags = Array.isArray(list) ? list.map(argText) : [argText(list)];
    box.messages.forEach((m, i) => {
      if (!inSet(m.uid, set, box)) return;
      const lower = new Set(flags.map((f) => f.toLowerCase()));
      if (op.startsWith('+')) m.flags = [...new Set([...m.flags, ...flags])];
      else if (op.startsWith('-')) m.flags = m.flags.filter((f) => !lower.has(f.toLowerCase()));
      else m.flags = [...flags];
      if (!op.endsWith('.SILENT')) this.write(`* ${i + 1} FETCH (UID ${m.uid} FLAGS (${m.flags.join(' ')}))\r\n`);
    });
    this.write(`${cmd.tag} OK STORE completed\r\n`);
  }

  private expunge(cmd: HostileCommand): void {
    const box = this.selectedBox(cmd);
    if (!box) return;
    const set = argText(cmd.args[0]);
    for (let i = box.messages.length - 1; i >= 0; i--) {
      const m = box.messages[i]!;
      if (inSet(m.uid, set, box) && m.flags.some((f) => f.toLowerCase() === '\\deleted')) {
        box.messages.splice(i, 1);
        this.write(`* ${i + 1} EXPUNGE\r\n`);
      }
    }
    this.write(`${cmd.tag} OK EXPUNGE completed\r\n`);
  }
}

function parseCommand(text: string, literals: Buffer[]): HostileCommand | null {
  const m = /^(\S+) (\S+)(?: (.*))?$/s.exec(text);
  if (!m) return null;
  const tag = m[1]!;
  let name = m[2]!.toUpperCase();
  let rest = m[3] ?? '';
  if (name === 'UID') {
    const sub = /^(\S+)(?: (.*))?$/s.exec(rest);
    if (!sub) return null;
    name = `UID ${sub[1]!.toUpperCase()}`;
    rest = sub[2] ?? '';
  }
  const line = text.replace(/\u0000(\d+)\u0000/g, (_, i: string) => `{${literals[Number(i)]?.length ?? 0}}`);
  return { tag, name, args: tokenize(rest, literals), line };
}

/** IMAP arguments: atoms (with [..] sections), "quoted", (lists), and literal placeholders. */
function tokenize(text: string, literals: Buffer[]): Arg[] {
  const stack: Arg[][] = [[]];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const top = stack[stack.length - 1]!;
    if (c === ' ') {
      i++;
    } else if (c === '(') {
      const list: Arg[] = [];
      top.push(list);
      stack.push(list);
      i++;
    } else if (c === ')') {
      if (stack.length > 1) stack.pop();
      i++;
    } else if (c === '"') {
      let out = '';
      for (i++; i < text.length && text[i] !== '"'; i++) out += text[i] === '\\' ? text[++i] ?? '' : text[i];
      top.push(out);
      i++;
    } else if (c === '\u0000') {
      const end = text.indexOf('\u0000', i + 1);
      top.push(literals[Number(text.slice(i + 1, end))] ?? Buffer.alloc(0));
      i = end + 1;
    } else {
      let out = '';
      let depth = 0;
      for (; i < text.length; i++) {
        const d = text[i]!;
        if (d === '[') depth++;
        if (d === ']') depth--;
        if (depth <= 0 && (d === ' ' || d === ')' || d === '(')) break;
        out += d;
      }
      top.push(out);
    }
  }
  return stack[0]!;
}

function argText(arg: Arg | undefined): string {
  if (arg === undefined) return '';
  if (Buffer.isBuffer(arg)) return arg.toString('latin1');
  if (Array.isArray(arg)) return arg.map(argText).join(' ');
  return arg;
}

function inSet(uid: number, set: string, box: HostileMailbox): boolean {
  const max = box.messages.reduce((m, x) => Math.max(m, x.uid), 0);
  return set.split(',').some((part) => {
    const [a, b] = part.split(':');
    const lo = a === '*' ? max : Number(a);
    const hi = b === undefined ? lo : b === '*' ? max : Number(b);
    return uid >= Math.min(lo, hi) && uid <= Math.max(lo, hi);
  });
}

function headerOf(bytes: Buffer): Buffer {
  const end = bytes.indexOf('\r\n\r\n');
  return end < 0 ? bytes : bytes.subarray(0, end + 4);
}

function imapDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}
