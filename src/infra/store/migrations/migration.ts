/** One schema change: its number orders it, its name is recorded beside the number. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
