import { WorkerConfig } from '../config/worker-config';
import { WorkerLogger } from '../logging/worker-logger';
import { accountName, dcName, reverseOf } from './dc-state';
import { DcSnapshot, nodeIn } from './expectations';
import { SambaToolPort } from './samba-tool';
import type { VerifyTarget } from './verifier';

/**
 * DOMAIN.md §9 step 8, with DC_CLEANUP=true: what a delete job's import left on the DC (objects
 * sophomorix did not create, so did not remove) is deleted — the computer account first, then the A
 * and the PTR in the right reverse zone.
 */
export class LeftoverCleanup {
  constructor(
    private readonly config: WorkerConfig,
    private readonly logger: WorkerLogger,
    private readonly samba: SambaToolPort,
  ) {}

  /** Deletes the leftovers of the delete jobs with problems; the objects deleted (then look again). */
  async run(
    school: string,
    targets: VerifyTarget[],
    domain: string,
    snapshot: DcSnapshot,
    problems: Map<string, string[]>,
  ): Promise<string[]> {
    const cleaned: string[] = [];
    for (const t of targets) {
      if (t.action !== 'delete' || !problems.get(t.id)?.length) continue;
      for (const step of this.stepsFor(school, t, domain, snapshot)) {
        try {
          await this.samba.run(step.args);
          cleaned.push(step.what);
          this.logger.info({ operationId: t.id, object: step.what }, 'deleted leftover DC object');
        } catch (err) {
          // a real `computer delete` also removes the A/PTR records of the account's dNSHostName
          if (step.args[0] === 'dns' && /does not exist/i.test((err as Error).message)) {
            this.logger.info({ operationId: t.id, object: step.what }, 'leftover already removed');
            continue;
          }
          this.logger.warn(
            { operationId: t.id, object: step.what, err: (err as Error).message },
            'leftover cleanup failed',
          );
        }
      }
    }
    return cleaned;
  }

  private stepsFor(
    school: string,
    t: VerifyTarget,
    domain: string,
    snapshot: DcSnapshot,
  ): Array<{ what: string; args: string[] }> {
    const name = dcName(school, t.hostname);
    const fqdn = `${name}.${domain}`;
    const steps: Array<{ what: string; args: string[] }> = [];
    if (snapshot.accounts.has(accountName(school, t.hostname))) {
      steps.push({ what: `computer ${name}`, args: ['computer', 'delete', name] });
    }
    for (const ip of nodeIn(snapshot, domain, name).a) {
      steps.push({ what: `A ${fqdn} ${ip}`, args: ['dns', 'delete', this.config.dnsServer, domain, name, 'A', ip] });
    }
    if (t.ip) {
      const rev = reverseOf(t.ip, this.config.revDnsOctets);
      if (nodeIn(snapshot, rev.zone, rev.node).ptr.has(fqdn)) {
        steps.push({
          what: `PTR ${rev.node}.${rev.zone} ${fqdn}`,
          args: ['dns', 'delete', this.config.dnsServer, rev.zone, rev.node, 'PTR', fqdn],
        });
      }
    }
    return steps;
  }
}
