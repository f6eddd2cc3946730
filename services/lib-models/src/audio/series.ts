/** An append-only Float32 series (features per frame), doubling its storage as it grows. */
export class FloatSeries {
  private data: Float32Array;
  private n = 0;
  constructor(capacity = 1024) {
    this.data = new Float32Array(capacity);
  }
  push(v: number): void {
    if (this.n === this.data.length) {
      const d = new Float32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.n++] = v;
  }
  get length(): number {
    return this.n;
  }
  /** A view of the values (valid until the next push). */
  view(): Float32Array {
    return this.data.subarray(0, this.n);
  }
  /** Bytes held (for memory accounting). */
  get bytes(): number {
    return this.data.byteLength;
  }
}
