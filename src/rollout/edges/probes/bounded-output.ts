/**
 * Keeps the head and the tail of a stream that may be huge (an integration suite printing for ten
 * minutes): at most `maxBytes` in all, half from the start and half from the end, and a count of
 * what was dropped between them. Memory stays bounded whatever the command prints.
 */
export class BoundedOutput {
  private head = Buffer.alloc(0);
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const headRoom = Math.floor(this.maxBytes / 2) - this.head.length;
    if (headRoom > 0) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, headRoom)]);
      chunk = chunk.subarray(headRoom);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    const keep = this.maxBytes - Math.floor(this.maxBytes / 2);
    while (this.tailBytes - (this.tail[0]?.length ?? 0) >= keep) {
      this.tailBytes -= this.tail.shift()?.length ?? 0;
    }
  }

  get totalBytes(): number {
    return this.total;
  }

  text(): string {
    const keep = this.maxBytes - Math.floor(this.maxBytes / 2);
    const tail = Buffer.concat(this.tail);
    const kept = tail.subarray(Math.max(0, tail.length - keep));
    const dropped = this.total - this.head.length - kept.length;
    const middle = dropped > 0 ? `\n... ${dropped} bytes omitted ...\n` : "";
    return `${this.head.toString("utf8")}${middle}${kept.toString("utf8")}`;
  }
}
