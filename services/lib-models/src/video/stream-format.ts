/** Aspect ratio and frame rate as StyleJSON reports them ("16:9", 30). */
const COMMON: [string, number][] = [
  ["16:9", 16 / 9],
  ["9:16", 9 / 16],
  ["4:3", 4 / 3],
  ["3:4", 3 / 4],
  ["1:1", 1],
  ["4:5", 4 / 5],
  ["5:4", 5 / 4],
  ["21:9", 21 / 9],
  ["3:2", 3 / 2],
  ["2:3", 2 / 3],
  ["2:1", 2],
];

function gcd(a: number, b: number): number {
  return b ? gcd(b, a % b) : a;
}

export function aspectRatioString(width: number, height: number): string {
  const r = width / height;
  for (const [name, v] of COMMON) if (Math.abs(r / v - 1) < 0.02) return name;
  const g = gcd(width, height);
  if (width / g <= 64 && height / g <= 64) return `${width / g}:${height / g}`;
  return `${r.toFixed(2)}:1`;
}

export function frameRateNumber(fps: number): number {
  const rounded = Math.round(fps);
  return Math.abs(fps - rounded) < 0.01 ? rounded : Math.round(fps * 100) / 100;
}
