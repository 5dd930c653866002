/** What every command of this folder does around its work: reporting refused rows, and exiting. */

/** The first 50 refused rows of a file, by line, and how many more there were. */
export function printRefusedRows(refused: readonly { line: number; reason: string }[]): void {
  for (const row of refused.slice(0, 50)) console.log(`line ${row.line}: ${row.reason}`);
  if (refused.length > 50) console.log(`… and ${refused.length - 50} more refused rows`);
}

/**
 * `--help` or `-h` among the arguments: prints `usage` on stdout and returns true, and the command
 * then exits 0 without doing anything (checked before parseArgs, which refuses unknown options).
 */
export function printedHelp(
  usage: string,
  args: readonly string[] = process.argv.slice(2),
): boolean {
  if (!args.some((arg) => arg === '--help' || arg === '-h')) return false;
  console.log(usage);
  return true;
}

/**
 * Runs `main` when the module at `moduleUrl` is the script node was started with (not when a test
 * imports it), and exits with its code; a failure is one line on stderr and exit code 2.
 */
export function runCommand(moduleUrl: string, name: string, main: () => Promise<number>): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`${name} failed: ${(error as Error).message}`);
      process.exit(2);
    },
  );
}
