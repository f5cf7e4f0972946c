/**
 * Fault injection for the reliability tests: named points of the pipeline where the process
 * dies as with `kill -9`, receives a signal, or meets a full disk. Off unless asked for:
 *
 *   MEDALLION_FAILPOINT=<point>[@<n>][=<action>][,<point>...]
 *
 * `point` is one of FAULT_POINTS (a `<table>` part names a bronze table), `n` the n-th time the
 * point is reached (default the first), `action` kill (default), sigint, sigterm or enospc.
 */

export type FaultAction = 'kill' | 'sigint' | 'sigterm' | 'enospc';

/** The points, in the order a run reaches them. */
export const FAULT_POINTS = [
  'generated', // a batch's rows are generated, nothing of it sealed yet
  'write:<table>', // before a piece of a table's CSV is written
  'seal', // the batch's files are fsynced, its manifest not yet written
  'journal', // before the batch's journal record is appended (the commit point)
  'journal:torn', // half of the record is written
  'publish', // the record is durable, the batch not yet renamed into pending/
  'published', // the batch is pending
  'snapshot', // while a state snapshot is written (compaction, init)
  'begin', // upload: transaction begun, ledger checked
  'put:<table>', // upload (Snowflake): a file reached the stage
  'table:<table>', // upload: a table was loaded
  'ledger', // upload: the ledger row is written
  'commit', // upload: before COMMIT
  'committed', // upload: after COMMIT, the batch still pending
  'complete', // before the committed batch is removed from the outbox
  'removing', // the batch is renamed out of pending/, not yet deleted
] as const;

interface Rule {
  point: string;
  nth: number;
  action: FaultAction;
  seen: number;
}

/** A full disk, as the file system reports it. */
export function diskFullError(point: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, write (injected at ${point})`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

export class Faults {
  private constructor(private readonly rules: Rule[]) {}

  /** The faults MEDALLION_FAILPOINT asks for, or undefined; a UsageError-worthy message for a bad spec. */
  static parse(spec: string | undefined): Faults | undefined {
    if (!spec) return undefined;
    const rules = spec.split(',').map((part): Rule => {
      const match = /^([a-z_:]+)(?:@(\d+))?(?:=(kill|sigint|sigterm|enospc))?$/.exec(part.trim());
      if (!match) throw new Error(`MEDALLION_FAILPOINT: cannot read ${JSON.stringify(part)} (point[@n][=kill|sigint|sigterm|enospc])`);
      return { point: match[1] as string, nth: Number(match[2] ?? 1), action: (match[3] ?? 'kill') as FaultAction, seen: 0 };
    });
    return new Faults(rules);
  }

  /** Called at each named point; acts when a rule matches its n-th visit. */
  hit(point: string): void {
    for (const rule of this.rules) {
      if (rule.point !== point) continue;
      rule.seen += 1;
      if (rule.seen !== rule.nth) continue;
      if (rule.action === 'enospc') throw diskFullError(point);
      process.kill(process.pid, rule.action === 'kill' ? 'SIGKILL' : rule.action === 'sigint' ? 'SIGINT' : 'SIGTERM');
    }
  }
}
