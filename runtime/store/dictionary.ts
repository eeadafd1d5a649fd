// Interns the strings history rows repeat (ferret ids, cameras, behaviors, zones, alert types) as
// small integers in the `dict` table, with an in-memory cache both ways. Interning happens inside
// the batch transaction, so the cache remembers what it added and forgets it on rollback.
import type Database from 'better-sqlite3';

export class Dictionary {
  private readonly byText = new Map<string, number>();
  private readonly byId = new Map<number, string>();
  private added: string[] = [];
  private readonly insertStmt: Database.Statement<[string]>;
  private readonly idStmt: Database.Statement<[string], { id: number }>;
  private readonly textStmt: Database.Statement<[number], { text: string }>;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare('INSERT OR IGNORE INTO dict (text) VALUES (?)');
    this.idStmt = db.prepare('SELECT id FROM dict WHERE text = ?');
    this.textStmt = db.prepare('SELECT text FROM dict WHERE id = ?');
    for (const r of db.prepare('SELECT id, text FROM dict').iterate() as IterableIterator<{ id: number; text: string }>) {
      this.remember(r.text, r.id);
    }
  }

  /** The id of `text`, inserting it when new. Call inside a write transaction. */
  intern(text: string): number {
    const known = this.byText.get(text);
    if (known !== undefined) return known;
    this.insertStmt.run(text);
    const id = this.idStmt.get(text)!.id;
    this.remember(text, id);
    this.added.push(text);
    return id;
  }

  internOrNull(text: string | null): number | null {
    return text === null ? null : this.intern(text);
  }

  /** The id of `text` if it was ever stored (never writes): queries for unknown strings match nothing. */
  lookup(text: string): number | undefined {
    const known = this.byText.get(text);
    if (known !== undefined) return known;
    // Another connection may have added it since we loaded the cache.
    const row = this.idStmt.get(text);
    if (row) this.remember(text, row.id);
    return row?.id;
  }

  text(id: number): string {
    const known = this.byId.get(id);
    if (known !== undefined) return known;
    const row = this.textStmt.get(id);
    if (!row) throw new Error(`dict id ${id} has no text (corrupt reference)`);
    this.remember(row.text, id);
    return row.text;
  }

  textOrNull(id: number | null): string | null {
    return id === null ? null : this.text(id);
  }

  /** The transaction that interned the recent strings committed: keep them. */
  commit(): void {
    this.added = [];
  }

  /** The transaction rolled back: the rows it inserted are gone, so must the cache entries be. */
  rollback(): void {
    for (const t of this.added) {
      const id = this.byText.get(t);
      this.byText.delete(t);
      if (id !== undefined) this.byId.delete(id);
    }
    this.added = [];
  }

  private remember(text: string, id: number): void {
    this.byText.set(text, id);
    this.byId.set(id, text);
  }
}
