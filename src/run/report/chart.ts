import type { UsagePoint, UsageSeries } from "../job/history.ts";
import { formatMemory } from "./amounts.ts";
import { type Deflate, encodePng } from "./png.ts";

/**
 * The run as a picture, for the final reply (Mattermost shows a PNG inline, on the phone too):
 * one panel each for CPU (% of the cores given), memory (against what was asked, a red line)
 * and GPU, over the whole run, drawn into palette pixels and encoded by png.ts.
 */

const WIDTH = 480;
const MARGIN = 6;
const TITLE = 16;
const PLOT = 64;
const PANEL = TITLE + PLOT + 8;
/** Text is a 3×5 font drawn at twice its size: legible on a phone without a font file. */
const SCALE = 2;

const WHITE = 0;
const GRID = 1;
const INK = 2;
const ASKED = 3;
const palette = [0xffffff, 0xe4e7eb, 0x3d3c40, 0xd24b4e, 0x1c58d9, 0xc6d6f7, 0x06d6a0, 0xc3f2e5, 0xf5a623, 0xfde6c0];
const COLOURS = { cpu: [4, 5], memory: [6, 7], gpu: [8, 9] } as const;

type Metric = "cpu" | "memory" | "gpu";

interface Panel {
  metric: Metric;
  title: string;
  max: number;
  /** A level to mark: the memory asked. */
  mark?: number;
}

/** The chart of the run's usage, or undefined when there are fewer than two points of anything to draw. */
export function drawChart(series: UsageSeries, deflate: Deflate): Uint8Array | undefined {
  const panels = panelsOf(series);
  if (!panels.length) return undefined;
  const height = MARGIN + panels.length * PANEL;
  const pixels = new Uint8Array(WIDTH * height).fill(WHITE);
  for (const [i, panel] of panels.entries()) drawPanel(pixels, series.points, panel, MARGIN + i * PANEL);
  return encodePng(WIDTH, height, palette, pixels, deflate);
}

function values(points: readonly UsagePoint[], metric: Metric): Array<[number, number]> {
  return points.flatMap((p) => (p[metric] === undefined ? [] : [[p.atMs, p[metric]!] as [number, number]]));
}

function panelsOf(series: UsageSeries): Panel[] {
  const panels: Panel[] = [];
  const cpu = values(series.points, "cpu").map(([, v]) => v);
  if (cpu.length >= 2)
    panels.push({
      metric: "cpu",
      title: `CPU  PEAK ${Math.round(Math.max(...cpu))} %  MEAN ${Math.round(mean(cpu))} %`,
      max: 100,
    });
  const memory = values(series.points, "memory").map(([, v]) => v);
  if (memory.length >= 2) {
    const peak = Math.max(...memory);
    const asked = series.memoryOf;
    const of = asked ? ` OF ${formatMemory(asked)}` : "";
    panels.push({
      metric: "memory",
      title: `MEMORY  PEAK ${formatMemory(peak)}${of}`,
      max: Math.max(peak, asked ?? 0) * 1.05 || 1,
      ...(asked ? { mark: asked } : {}),
    });
  }
  const gpu = values(series.points, "gpu").map(([, v]) => v);
  if (gpu.length >= 2)
    panels.push({
      metric: "gpu",
      title: `GPU  PEAK ${Math.round(Math.max(...gpu))} %  MEAN ${Math.round(mean(gpu))} %`,
      max: 100,
    });
  return panels;
}

const mean = (list: readonly number[]) => list.reduce((a, b) => a + b, 0) / list.length;

function drawPanel(pixels: Uint8Array, points: readonly UsagePoint[], panel: Panel, top: number): void {
  text(pixels, panel.title, MARGIN, top + 2);
  const plotTop = top + TITLE;
  const bottom = plotTop + PLOT - 1;
  const left = MARGIN;
  const width = WIDTH - 2 * MARGIN;
  for (const share of [0, 0.25, 0.5, 0.75, 1])
    hline(pixels, left, width, bottom - Math.round(share * (PLOT - 1)), GRID);
  const [line, fill] = COLOURS[panel.metric];
  const ys = columns(values(points, panel.metric), width, panel.max, bottom);
  // Row by row, so that each pixel is one store into the row it is in.
  for (let y = plotTop; y <= bottom; y++) {
    const row = y * WIDTH + left;
    for (let x = 0; x < width; x++) {
      const top = ys[x]!;
      const before = x > 0 ? ys[x - 1]! : top;
      // The line joins each column to the one before it; below it the area is filled.
      if (y > top) pixels[row + x] = y <= before ? line : fill;
      else if (y >= top - 1 && y >= Math.min(before, top) - 1 && y <= Math.max(before, top)) pixels[row + x] = line;
    }
  }
  if (panel.mark !== undefined) {
    const y = bottom - Math.round((Math.min(panel.mark, panel.max) / panel.max) * (PLOT - 1));
    for (let x = 0; x < width; x += 6) hline(pixels, left + x, Math.min(3, width - x), y, ASKED);
  }
  hline(pixels, left, width, bottom, INK);
}

/** The line's height in each column: the points' values, interpolated in time, scaled to the plot. */
function columns(
  series: ReadonlyArray<readonly [number, number]>,
  width: number,
  max: number,
  bottom: number,
): Int16Array {
  const ys = new Int16Array(width);
  const start = series[0]![0];
  const span = Math.max(1, series[series.length - 1]![0] - start);
  let j = 0;
  for (let x = 0; x < width; x++) {
    const at = start + (x / (width - 1)) * span;
    while (j + 2 < series.length && series[j + 1]![0] < at) j++;
    const a = series[j]!;
    const b = series[Math.min(j + 1, series.length - 1)]!;
    const share = b[0] > a[0] ? Math.min(1, Math.max(0, (at - a[0]) / (b[0] - a[0]))) : 1;
    const value = a[1] + (b[1] - a[1]) * share;
    ys[x] = bottom - Math.round((Math.min(value, max) / max) * (PLOT - 1));
  }
  return ys;
}

function hline(pixels: Uint8Array, x: number, length: number, y: number, colour: number): void {
  pixels.fill(colour, y * WIDTH + x, y * WIDTH + x + length);
}

/** 3×5 glyphs, a row an octal digit (4: the left column). */
const GLYPHS: Readonly<Record<string, string>> = {
  "0": "75557",
  "1": "26227",
  "2": "71747",
  "3": "71717",
  "4": "55711",
  "5": "74717",
  "6": "74757",
  "7": "71111",
  "8": "75757",
  "9": "75717",
  A: "25755",
  B: "65656",
  C: "74447",
  D: "65556",
  E: "74747",
  F: "74744",
  G: "74557",
  H: "55755",
  I: "72227",
  J: "11157",
  K: "55655",
  L: "44447",
  M: "57755",
  N: "65555",
  O: "75557",
  P: "75744",
  Q: "75571",
  R: "65655",
  S: "74717",
  T: "72222",
  U: "55557",
  V: "55552",
  W: "55775",
  X: "55255",
  Y: "55222",
  Z: "71247",
  "%": "51245",
  ".": "00002",
  "/": "11244",
  "-": "00700",
  "(": "24442",
  ")": "21112",
  ":": "02020",
};

function text(pixels: Uint8Array, words: string, x: number, y: number): void {
  let at = x;
  for (const char of words.toUpperCase()) {
    const glyph = GLYPHS[char];
    if (glyph && at + 3 * SCALE < WIDTH)
      for (let row = 0; row < 5; row++)
        for (let col = 0; col < 3; col++)
          if ((Number(glyph[row]) >> (2 - col)) & 1)
            for (let dy = 0; dy < SCALE; dy++)
              pixels.fill(
                INK,
                (y + row * SCALE + dy) * WIDTH + at + col * SCALE,
                (y + row * SCALE + dy) * WIDTH + at + (col + 1) * SCALE,
              );
    at += 4 * SCALE;
  }
}
