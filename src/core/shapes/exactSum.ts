/**
 * A running sum of integer counts, exact at any size, kept in a double while it can be.
 *
 * Counts are nearly always below 2^53, and adding doubles allocates nothing, where each bigint addition
 * allocates a new bigint: summing a 100,000-node report's counts per op type and per module that way made a
 * million short-lived objects. Past 2^53 the sum carries on in a bigint, exactly.
 */
export class ExactSum {
  /** Exact while it stays within ±MAX_SAFE (every term added to it is a safe integer). */
  private small = 0;
  /** What does not fit `small`; meaningful only when `hasBig`. */
  private big = 0n;
  private hasBig = false;

  /** Adds an integer: a number must be a safe integer (as BigCount numbers and counts are). */
  add(value: number | bigint): void {
    if (typeof value === 'number') {
      // Both terms are safe integers: when the true sum is safe the double sum is exact, and when it is
      // not, the double sum is past MAX_SAFE too (rounding keeps order), so the check below is exact.
      const sum = this.small + value;
      if (sum <= Number.MAX_SAFE_INTEGER && sum >= -Number.MAX_SAFE_INTEGER) {
        this.small = sum;
        return;
      }
      value = BigInt(value);
    }
    this.big = (this.hasBig ? this.big : 0n) + value + BigInt(this.small);
    this.small = 0;
    this.hasBig = true;
  }

  /** The sum: a number while it is a safe integer, else a bigint (compare either with `<`, `>`). */
  get current(): number | bigint {
    return this.hasBig ? this.big + BigInt(this.small) : this.small;
  }

  get value(): bigint {
    return this.hasBig ? this.big + BigInt(this.small) : BigInt(this.small);
  }
}
