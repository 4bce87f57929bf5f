// Draws the app and tray icons into assets/ as PNGs, with no image library: each pixel's
// coverage of a few shapes is measured by 4×4 supersampling and written with zlib.
// `node scripts/make-icons.mjs` regenerates them; the PNGs are committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const OUT = new URL('../assets/', import.meta.url);

/** A shape is a function (x, y) in unit coordinates (0..1) -> inside? */
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring = (cx, cy, r, w) => (x, y) => {
  const d = Math.hypot(x - cx, y - cy);
  return d <= r && d >= r - w;
};
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const roundedRect = (x0, y0, x1, y1, r) => (x, y) => {
  if (!rect(x0, y0, x1, y1)(x, y)) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
/** The inside of a triangle (barycentric sign test). */
const triangle = (ax, ay, bx, by, cx, cy) => (x, y) => {
  const s = (px, py, qx, qy) => (x - qx) * (py - qy) - (px - qx) * (y - qy);
  const d1 = s(ax, ay, bx, by);
  const d2 = s(bx, by, cx, cy);
  const d3 = s(cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};
/** A thick line segment. */
const stroke = (ax, ay, bx, by, w) => (x, y) => {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= w / 2;
};

/** Paints layers [shape, [r, g, b]] in order onto a transparent size×size image. */
function render(size, layers) {
  const px = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let pxX = 0; pxX < size; pxX++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (pxX + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          let hit = null;
          for (const [shape, color] of layers) if (shape(x, y)) hit = color;
          if (hit) {
            r += hit[0];
            g += hit[1];
            b += hit[2];
            a += 1;
          }
        }
      }
      const i = (py * size + pxX) * 4;
      if (a > 0) {
        px[i] = Math.round(r / a);
        px[i + 1] = Math.round(g / a);
        px[i + 2] = Math.round(b / a);
        px[i + 3] = Math.round((255 * a) / (n * n));
      }
    }
  }
  return png(size, px);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, k) => {
  let c = k;
  for (let j = 0; j < 8; j++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const WHITE = [255, 255, 255];
const NAVY = [31, 58, 96];

/** An envelope: body plus the flap's V. */
const envelope = (x0, y0, x1, y1, w) => [
  [rect(x0, y0, x1, y1), WHITE],
  [stroke(x0, y0, (x0 + x1) / 2, (y0 + y1) / 2 + (y1 - y0) * 0.08, w), NAVY],
  [stroke(x1, y0, (x0 + x1) / 2, (y0 + y1) / 2 + (y1 - y0) * 0.08, w), NAVY],
];

// Tray: a coloured disc (state at a glance, also in monochrome panels by its badge) with an envelope.
const STATES = {
  idle: { color: [46, 125, 205], badge: [] },
  syncing: {
    color: [40, 160, 90],
    badge: [
      [(x, y) => ring(0.5, 0.5, 0.32, 0.1)(x, y) && !(x > 0.5 && y < 0.5), WHITE],
      [triangle(0.5, 0.08, 0.5, 0.36, 0.68, 0.22), WHITE],
    ],
  },
  paused: {
    color: [120, 128, 140],
    badge: [
      [rect(0.36, 0.3, 0.45, 0.7), WHITE],
      [rect(0.55, 0.3, 0.64, 0.7), WHITE],
    ],
  },
  error: {
    color: [205, 50, 50],
    badge: [
      [rect(0.44, 0.2, 0.56, 0.6), WHITE],
      [circle(0.5, 0.76, 0.075), WHITE],
    ],
  },
};

mkdirSync(OUT, { recursive: true });
for (const [state, { color, badge }] of Object.entries(STATES)) {
  const layers = [[circle(0.5, 0.5, 0.48), color], ...(badge.length > 0 ? badge : envelope(0.24, 0.32, 0.76, 0.68, 0.07))];
  writeFileSync(new URL(`tray-${state}.png`, OUT), render(16, layers));
  writeFileSync(new URL(`tray-${state}@2x.png`, OUT), render(32, layers));
}

// App icon: a rounded square with an envelope and two arrows (the ferry between two sides).
const BLUE = [46, 125, 205];
const app = [
  [roundedRect(0.06, 0.06, 0.94, 0.94, 0.18), BLUE],
  ...envelope(0.22, 0.3, 0.78, 0.66, 0.035),
  [stroke(0.26, 0.77, 0.66, 0.77, 0.05), WHITE],
  [triangle(0.64, 0.71, 0.64, 0.83, 0.74, 0.77), WHITE],
  [stroke(0.74, 0.2, 0.34, 0.2, 0.05), WHITE],
  [triangle(0.36, 0.14, 0.36, 0.26, 0.26, 0.2), WHITE],
];
writeFileSync(new URL('icon-512.png', OUT), render(512, app));
