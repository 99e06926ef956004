import {
  type Compilable,
  CompiledQuery,
  type Insertable,
  type InsertQueryBuilder,
  type InsertResult,
} from "kysely";
import type { Db } from "./rows.js";
import type { Database } from "./schema.js";

type Table = keyof Database;
type Row<T extends Table> = Insertable<Database[T]>;

interface Template {
  sql: string;
  /** The compiled parameters: what the builder fixed (an ON CONFLICT's literals), holes for the rest. */
  parameters: readonly unknown[];
  /** Where each value goes in `parameters`, row by row, column by column. */
  slots: readonly number[];
}

/** Shapes (row count × columns) kept per statement; past that the cache starts over. */
const MAX_TEMPLATES = 256;

/**
 * A multi-row INSERT written once in Kysely and compiled once per shape, then run with new values only.
 * Building and compiling the same statements anew on every submit cost more CPU than running them
 * (issue 12, item 4). Kysely still writes the SQL (each engine's placeholders and quoting); the values
 * are put where it put the markers it was compiled with.
 *
 * Every row of one call has the same columns; a column whose value is undefined is bound as NULL, not
 * left to its default.
 */
export class PreparedInsert<T extends Table> {
  readonly #templates = new Map<string, Template>();

  /**
   * `finish` adds what follows the VALUES (ON CONFLICT, RETURNING). It is compiled with `db`, so the
   * statement is in that engine's dialect; run it on `db` or a transaction of it.
   */
  constructor(
    private readonly db: Db,
    private readonly table: T,
    private readonly finish: (q: InsertQueryBuilder<Database, T, InsertResult>) => Compilable<unknown> = (
      q,
    ) => q,
  ) {}

  /** Inserts `rows` (none: no statement) and returns what a RETURNING clause selected. */
  async execute<R = unknown>(trx: Db, rows: readonly Row<T>[]): Promise<R[]> {
    const [first] = rows;
    if (!first) return [];
    const columns = Object.keys(first) as (keyof Row<T> & string)[];
    const template = this.#template(rows.length, columns);
    const parameters = template.parameters.slice();
    let at = 0;
    for (const row of rows) {
      for (const column of columns) parameters[template.slots[at++] as number] = row[column] ?? null;
    }
    const result = await trx.executeQuery<R>(CompiledQuery.raw(template.sql, parameters));
    return result.rows;
  }

  #template(count: number, columns: readonly string[]): Template {
    const key = `${count}:${columns.join(",")}`;
    let template = this.#templates.get(key);
    if (!template) {
      template = this.#compile(count, columns);
      if (this.#templates.size >= MAX_TEMPLATES) this.#templates.clear();
      this.#templates.set(key, template);
    }
    return template;
  }

  /** Compiles the statement with a unique marker for each value, then finds where each marker went. */
  #compile(count: number, columns: readonly string[]): Template {
    const markers = new Map<string, number>();
    const rows = Array.from({ length: count }, (_, r) =>
      Object.fromEntries(
        columns.map((column, c) => {
          const marker = `\u0000value ${r * columns.length + c}`;
          markers.set(marker, markers.size);
          return [column, marker];
        }),
      ),
    );
    const compiled = this.finish(this.db.insertInto(this.table).values(rows as Row<T>[])).compile();
    const slots = new Array<number>(markers.size).fill(-1);
    let found = 0;
    compiled.parameters.forEach((parameter, index) => {
      const value = typeof parameter === "string" ? markers.get(parameter) : undefined;
      if (value === undefined) return;
      slots[value] = index;
      found++;
    });
    if (found !== markers.size || slots.includes(-1)) {
      throw new Error(`prepared insert into ${this.table}: the compiled statement lost some of its values`);
    }
    return { sql: compiled.sql, parameters: compiled.parameters, slots };
  }
}
