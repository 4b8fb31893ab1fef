// A mutable path stack: walkers push and pop segments and only render a string when they report an
// error, so a valid resource costs no string building.

/** A field name, an array index, or a map key (kept apart so each renders its own way). */
type Segment = string | number | { readonly key: string };

export class FieldPath {
  private readonly segments: Segment[] = [];

  field(name: string): void {
    this.segments.push(name);
  }

  index(i: number): void {
    this.segments.push(i);
  }

  key(k: string): void {
    this.segments.push({ key: k });
  }

  pop(): void {
    this.segments.pop();
  }

  /** `a.b[2].c["key"]`; the root is the empty string. */
  render(): string {
    let out = '';
    for (const s of this.segments) {
      if (typeof s === 'number') out += `[${s}]`;
      else if (typeof s === 'string') out += out === '' ? s : `.${s}`;
      else out += `[${JSON.stringify(s.key)}]`;
    }
    return out;
  }

  /** The rendered path with one more field name, for errors about a field that was never entered. */
  renderWith(name: string): string {
    const base = this.render();
    return base === '' ? name : `${base}.${name}`;
  }
}
