#!/usr/bin/env node
/**
 * Draws CallSeal's shield icons into public/icons/shield-<variant>-<size>.png. The PNGs are checked in; rerun after
 * changing the drawing:
 *
 *   npm run icons                      (node scripts/make-icons.mjs)
 *
 * Plain Node, no dependencies: every shape is a signed distance field in a unit square, each pixel is supersampled
 * (4 × 4 samples, each with a smooth edge one sample wide) and the RGBA image is written as a PNG with node:zlib and
 * a CRC-32 table. One variant per call state (src/shared/status-text.ts maps states to variants):
 *
 *   off          grey outline shield, pale inside          encrypted    green shield, white padlock
 *   negotiating  amber shield, three dark dots             verified     green shield, white check mark
 *   unencrypted  red shield, white diagonal slash          blocked      red shield, white no-entry bar
 *   error        dark grey shield, white "!"              identity-changed  red shield, white warning triangle
                                                                             with a red "!" cut out of it
 *
 * The 16 px glyphs are drawn separately on the pixel grid (whole-pixel strokes, 2 px wide), and the shield's sides
 * sit on whole pixels at every size, so the toolbar icon stays crisp. Files are deterministic: rerunning without
 * changes rewrites identical bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

export const SIZES = [16, 32, 48, 128];
const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
const SAMPLES = 4;

// ---- Colours (straight RGB, 0–255) ----
const WHITE = [255, 255, 255];
const INK = [32, 33, 36];
const GREY = [95, 99, 104];
const GREY_FILL = [241, 243, 244];
const GREEN = [30, 142, 62];
const GREEN_EDGE = [13, 101, 45];
const AMBER = [249, 171, 0];
const AMBER_EDGE = [176, 96, 0];
const RED = [217, 48, 37];
const RED_EDGE = [165, 14, 14];
const DARK_GREY = [84, 88, 94];
const DARK_GREY_EDGE = [50, 52, 56];

// ---- Signed distance functions: negative inside, in unit-square units, y pointing down ----
const len = (x, y) => Math.hypot(x, y);

function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return len(px - ax - t * dx, py - ay - t * dy);
}

/** A closed polygon: exact distance to its edges, sign by crossing count. */
function polygon(points) {
  return (x, y) => {
    let d = Infinity;
    let inside = false;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const [ax, ay] = points[j];
      const [bx, by] = points[i];
      d = Math.min(d, segmentDistance(x, y, ax, ay, bx, by));
      if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
    }
    return inside ? -d : d;
  };
}

/** A round-capped stroke along a polyline. */
function stroke(points, width) {
  return (x, y) => {
    let d = Infinity;
    for (let i = 1; i < points.length; i++) {
      const [ax, ay] = points[i - 1];
      const [bx, by] = points[i];
      d = Math.min(d, segmentDistance(x, y, ax, ay, bx, by));
    }
    return d - width / 2;
  };
}

/** A polygon with its corners rounded by `r` (shrunk by r, then grown back by r). */
function roundedPolygon(points, r) {
  const cx = points.reduce((a, p) => a + p[0], 0) / points.length;
  const cy = points.reduce((a, p) => a + p[1], 0) / points.length;
  const shrink = (p) => {
    const dx = p[0] - cx;
    const dy = p[1] - cy;
    const d = Math.hypot(dx, dy);
    // Move each corner towards the centre so that the grown shape keeps about the original extent.
    const k = (2 * r) / d;
    return [p[0] - dx * k, p[1] - dy * k];
  };
  const inner = polygon(points.map(shrink));
  return (x, y) => inner(x, y) - r;
}

const circle = (cx, cy, r) => (x, y) => len(x - cx, y - cy) - r;

function roundedRect(cx, cy, halfW, halfH, r) {
  return (x, y) => {
    const qx = Math.abs(x - cx) - halfW + r;
    const qy = Math.abs(y - cy) - halfH + r;
    return len(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
  };
}

const union = (...shapes) => (x, y) => Math.min(...shapes.map((s) => s(x, y)));
const subtract = (a, b) => (x, y) => Math.max(a(x, y), -b(x, y));
/** The band of width `width` just inside a shape's edge. */
const innerBand = (shape, width) => (x, y) => {
  const d = shape(x, y);
  return Math.max(d, -d - width);
};

// ---- The shield: flat-ish top with rounded shoulders, straight sides, curving to a point ----
function cubic(p0, p1, p2, p3, steps) {
  const out = [];
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    const u = 1 - t;
    out.push([
      u * u * u * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t * t * t * p3[0],
      u * u * u * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t * t * t * p3[1],
    ]);
  }
  return out;
}

/**
 * The shield's outline for one size. Its straight sides and the top of its crown sit on whole pixels, so the small
 * sizes get crisp edges instead of half-covered columns.
 */
function shieldOutline(size) {
  const snap = (v) => Math.round(v * size) / size;
  const side = Math.max(1, Math.floor(0.1 * size)) / size;
  const top = Math.max(1, Math.floor(0.05 * size)) / size;
  const shoulder = snap(0.17);
  const waist = 0.52;
  const tip = 1 - top / 2;
  const right = [
    [0.5, top],
    ...cubic([0.5, top], [0.64, top + 0.07], [0.78, top + 0.09], [1 - side, shoulder], 12),
    [1 - side, waist],
    ...cubic([1 - side, waist], [1 - side, 0.74], [0.72, 0.88], [0.5, tip], 20),
  ];
  const left = right
    .slice(1, -1)
    .reverse()
    .map(([x, y]) => [1 - x, y]);
  return polygon([...right, ...left]);
}

// ---- Glyphs, drawn inside the shield (its visual centre is a little above the middle) ----
const CX = 0.5;
const CY = 0.47;

function padlock() {
  const body = roundedRect(CX, CY + 0.1, 0.2, 0.15, 0.04);
  const shackleRing = (x, y) => Math.abs(len(x - CX, y - (CY - 0.07)) - 0.12) - 0.045;
  const upper = (x, y) => Math.max(shackleRing(x, y), y - (CY - 0.07));
  const legs = union(
    roundedRect(CX - 0.12, CY - 0.02, 0.045, 0.06, 0),
    roundedRect(CX + 0.12, CY - 0.02, 0.045, 0.06, 0),
  );
  const keyhole = union(circle(CX, CY + 0.07, 0.045), roundedRect(CX, CY + 0.13, 0.02, 0.05, 0.01));
  return subtract(union(body, upper, legs), keyhole);
}

const check = (dx, dy, scale, width) =>
  stroke(
    [
      [CX - 0.19 * scale + dx, CY + 0.02 * scale + dy],
      [CX - 0.06 * scale + dx, CY + 0.15 * scale + dy],
      [CX + 0.2 * scale + dx, CY - 0.13 * scale + dy],
    ],
    width,
  );

/** The glyphs at 16 px, laid out on the pixel grid (coordinates in pixels, divided by 16). */
const P = (n) => n / 16;
const SMALL_GLYPHS = {
  off: null,
  negotiating: union(
    roundedRect(P(5), P(8), P(1), P(1), P(0.6)),
    roundedRect(P(8), P(8), P(1), P(1), P(0.6)),
    roundedRect(P(11), P(8), P(1), P(1), P(0.6)),
  ),
  encrypted: (() => {
    // Shackle: a 2 px ring around a 2 px hole, on whole pixels; body 8 × 5 px.
    const ring = (x, y) => Math.abs(len(x - P(8), y - P(6)) - P(2)) - P(1);
    const arch = (x, y) => Math.max(ring(x, y), y - P(6));
    const legs = union(roundedRect(P(6), P(6.5), P(1), P(0.5), 0), roundedRect(P(10), P(6.5), P(1), P(0.5), 0));
    return union(arch, legs, roundedRect(P(8), P(9.5), P(4), P(2.5), P(0.5)));
  })(),
  verified: stroke(
    [
      [P(4.6), P(8.2)],
      [P(7), P(10.6)],
      [P(11.6), P(5.6)],
    ],
    P(2.1),
  ),
  unencrypted: stroke(
    [
      [P(5), P(4.6)],
      [P(11), P(10.6)],
    ],
    P(2.2),
  ),
  blocked: roundedRect(P(8), P(7.5), P(4), P(1.5), P(0.4)),
  error: union(roundedRect(P(8), P(6), P(1), P(3), P(0.6)), roundedRect(P(8), P(12), P(1), P(1), P(0.6))),
  // A warning triangle; its "!" is cut out 2 px wide on whole pixels.
  'identity-changed': subtract(
    roundedPolygon(
      [
        [P(8), P(2)],
        [P(13.3), P(12)],
        [P(2.7), P(12)],
      ],
      P(0.4),
    ),
    union(roundedRect(P(8), P(7.5), P(1), P(1.5), 0), roundedRect(P(8), P(10.5), P(1), P(0.5), 0)),
  ),
};

/** The large glyphs, in unit-square coordinates. */
const LARGE_GLYPHS = {
  off: null,
  negotiating: union(circle(CX - 0.19, CY, 0.06), circle(CX, CY, 0.06), circle(CX + 0.19, CY, 0.06)),
  encrypted: padlock(),
  verified: check(0, 0.01, 1.15, 0.11),
  unencrypted: stroke(
    [
      [CX - 0.2, CY - 0.2],
      [CX + 0.2, CY + 0.2],
    ],
    0.11,
  ),
  blocked: roundedRect(CX, CY, 0.23, 0.06, 0.02),
  error: union(
    stroke(
      [
        [CX, CY - 0.23],
        [CX, CY + 0.06],
      ],
      0.11,
    ),
    circle(CX, CY + 0.2, 0.06),
  ),
  'identity-changed': subtract(
    roundedPolygon(
      [
        [CX, CY - 0.27],
        [CX + 0.28, CY + 0.22],
        [CX - 0.28, CY + 0.22],
      ],
      0.035,
    ),
    union(
      stroke(
        [
          [CX, CY - 0.12],
          [CX, CY + 0.04],
        ],
        0.07,
      ),
      circle(CX, CY + 0.13, 0.04),
    ),
  ),
};

/** Shield fill, its edge, and the glyph's colour, per variant. */
const PALETTE = {
  off: [GREY_FILL, GREY, null],
  negotiating: [AMBER, AMBER_EDGE, INK],
  encrypted: [GREEN, GREEN_EDGE, WHITE],
  verified: [GREEN, GREEN_EDGE, WHITE],
  unencrypted: [RED, RED_EDGE, WHITE],
  blocked: [RED, RED_EDGE, WHITE],
  error: [DARK_GREY, DARK_GREY_EDGE, WHITE],
  'identity-changed': [RED, RED_EDGE, WHITE],
};

/** The layers of one icon, back to front: [shape, colour]. */
function layers(variant, size) {
  if (!(variant in PALETTE)) throw new Error(`unknown variant ${variant}`);
  const [fill, edgeColour, glyphColour] = PALETTE[variant];
  const shield = shieldOutline(size);
  // The "off" shield is an outline: a heavier edge around a pale fill that shows on light and dark toolbars.
  const edgePx = variant === 'off' ? Math.max(2, Math.round(0.085 * size)) : Math.max(1, Math.round(0.035 * size));
  const glyph = (size <= 16 ? SMALL_GLYPHS : LARGE_GLYPHS)[variant];
  const out = [
    [shield, fill],
    [innerBand(shield, edgePx / size), edgeColour],
  ];
  if (glyph) out.push([glyph, glyphColour]);
  return out;
}

export const VARIANTS = [
  'off',
  'negotiating',
  'encrypted',
  'verified',
  'identity-changed',
  'unencrypted',
  'blocked',
  'error',
];

// ---- Rasterizer ----
/** RGBA, straight alpha: each layer is composited "over" the ones before it. */
export function render(variant, size) {
  const stack = layers(variant, size);
  const pixels = Buffer.alloc(size * size * 4);
  const step = 1 / (size * SAMPLES);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      // Premultiplied accumulation over the samples of this pixel.
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) / size;
          const y = (py + (sy + 0.5) / SAMPLES) / size;
          let cr = 0;
          let cg = 0;
          let cb = 0;
          let ca = 0;
          for (const [shape, colour] of stack) {
            const coverage = Math.max(0, Math.min(1, 0.5 - shape(x, y) / step));
            if (coverage === 0) continue;
            cr = colour[0] * coverage + cr * (1 - coverage);
            cg = colour[1] * coverage + cg * (1 - coverage);
            cb = colour[2] * coverage + cb * (1 - coverage);
            ca = coverage + ca * (1 - coverage);
          }
          r += cr;
          g += cg;
          b += cb;
          a += ca;
        }
      }
      const n = SAMPLES * SAMPLES;
      const o = (py * size + px) * 4;
      const alpha = a / n;
      pixels[o] = alpha > 0 ? Math.round(r / a) : 0;
      pixels[o + 1] = alpha > 0 ? Math.round(g / a) : 0;
      pixels[o + 2] = alpha > 0 ? Math.round(b / a) : 0;
      pixels[o + 3] = Math.round(alpha * 255);
    }
  }
  return pixels;
}

// ---- PNG encoder ----
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  // compression, filter and interlace: 0
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const variant of VARIANTS) {
    for (const size of SIZES) {
      const file = join(OUT_DIR, `shield-${variant}-${size}.png`);
      writeFileSync(file, encodePng(size, render(variant, size)));
    }
  }
  console.log(`wrote ${VARIANTS.length * SIZES.length} icons to ${OUT_DIR}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
