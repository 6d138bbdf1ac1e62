import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { AppError } from '@toolgate/core/errors';
import type { Logger } from '@toolgate/core/logger';
import {
  type Kind,
  type KindClient,
  type Observed,
  kindClients,
  messageOf,
  statusOf,
} from './kube-objects.ts';
import {
  type KubernetesLayout,
  type Manifest,
  type ServerWorkload,
  buildServerManifests,
  ownerLabels,
} from './manifests.ts';
import {
  ANNOTATION,
  LABEL,
  MANAGED_BY,
  type Variant,
  labelValue,
  objectName,
  selectorString,
} from './names.ts';

export interface KubernetesServersOptions {
  config: KubeConfig;
  layout: KubernetesLayout;
  log: Logger;
  /** Between two reads of a Deployment's status while waiting for it to be ready. */
  pollMs?: number;
  /** Attempts of one create-or-replace racing other writers (409/404) before giving up. */
  maxAttempts?: number;
}

/** Created first to last: the Secret and the NetworkPolicy exist before any pod can run. */
const APPLY_ORDER: Kind[] = ['Secret', 'Service', 'NetworkPolicy', 'Deployment'];
/** Deleted first to last: the pods go before what protects and feeds them. */
const DELETE_ORDER: Kind[] = ['Deployment', 'Service', 'Secret', 'NetworkPolicy'];
const VARIANTS: Variant[] = ['stable', 'canary'];

/** What GC keeps: the installations (and variants) that exist in the database. */
export interface LiveServer {
  installationId: string;
  variant: Variant;
}

/**
 * The Kubernetes backend's reconciler: makes the objects of one installation's server what the
 * manifests say (create, or replace when the hash differs), scales it to zero when idle and back,
 * removes it, and collects what no installation owns any more. It only ever touches objects
 * labelled managed-by toolgate-runner with its own owner label; an object of the same name
 * without them is a conflict, never overwritten.
 */
export class KubernetesServers {
  private readonly clients: Record<Kind, KindClient>;
  private readonly layout: KubernetesLayout;
  private readonly pollMs: number;
  private readonly maxAttempts: number;

  constructor(private readonly options: KubernetesServersOptions) {
    this.layout = options.layout;
    this.clients = kindClients(options.config, options.layout.namespace);
    this.pollMs = options.pollMs ?? 1_000;
    this.maxAttempts = options.maxAttempts ?? 5;
  }

  /** `http://{service}.{namespace}.svc:{port}/mcp`: where the runner speaks to the server. */
  endpoint(installationId: string, variant: Variant): string {
    const name = objectName(installationId, variant);
    return `http://${name}.${this.layout.namespace}.svc:${this.layout.bridgePort}/mcp`;
  }

  /** Creates or updates the four objects and scales the Deployment to one replica. Idempotent. */
  async ensure(workload: ServerWorkload, key: string): Promise<void> {
    const manifests = buildServerManifests(this.layout, workload, key);
    const byKind: Record<Kind, Manifest> = {
      Secret: manifests.secret,
      Service: manifests.service,
      NetworkPolicy: manifests.networkPolicy,
      Deployment: manifests.deployment,
    };
    for (const kind of APPLY_ORDER) await this.apply(this.clients[kind], byKind[kind]);
  }

  /** Scales the server's Deployment to zero (idle); nothing to do when it does not exist. */
  async scaleToZero(installationId: string, variant: Variant): Promise<void> {
    await this.scale(installationId, variant, 0);
  }

  /**
   * Resolves once the Deployment has a ready replica of its current generation; rejects with
   * AppError('UPSTREAM') saying what Kubernetes reports (conditions) after `timeoutMs`.
   */
  async waitReady(installationId: string, variant: Variant, timeoutMs: number): Promise<void> {
    const name = objectName(installationId, variant);
    const deadline = Date.now() + timeoutMs;
    let last: Observed | undefined;
    for (;;) {
      last = await this.readOrUndefined(this.clients.Deployment, name);
      if (!last) throw new AppError('UPSTREAM', `the server's Deployment ${name} does not exist`);
      const status = (last.status ?? {}) as {
        readyReplicas?: number;
        observedGeneration?: number;
        conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
      };
      const current = (status.observedGeneration ?? 0) >= (last.metadata?.generation ?? 0);
      if (current && (status.readyReplicas ?? 0) >= 1) return;
      if (Date.now() >= deadline) {
        const conditions = (status.conditions ?? [])
          .filter((c) => c.status !== 'True' || c.type === 'ReplicaFailure')
          .map((c) => `${c.type ?? '?'}: ${c.reason ?? ''} ${c.message ?? ''}`.trim());
        throw new AppError(
          'UPSTREAM',
          `the server's pod was not ready within ${timeoutMs} ms${conditions.length ? ` (${conditions.join('; ')})` : ''}`,
        );
      }
      await sleep(this.pollMs);
    }
  }

  /** Deletes every object of the installation (both variants), found by its owner labels. */
  async remove(installationId: string): Promise<number> {
    return this.deleteWhere(selectorString(ownerLabels(this.layout, installationId)), () => true);
  }

  /** Deletes the objects of one variant (a canary rolled back or promoted). */
  async removeVariant(installationId: string, variant: Variant): Promise<number> {
    const selector = { ...ownerLabels(this.layout, installationId), [LABEL.variant]: variant };
    return this.deleteWhere(selectorString(selector), () => true);
  }

  /**
   * Deletes this owner's objects whose installation (and variant) is not in `live`: at start-up,
   * and periodically with `olderThanMs` so objects made after `live` was read are never taken.
   * Objects without managed-by toolgate-runner and this owner label are never selected.
   */
  async collectGarbage(live: Iterable<LiveServer>, options: { olderThanMs?: number } = {}): Promise<number> {
    const keep = new Set([...live].map((s) => `${labelValue(s.installationId)}/${s.variant}`));
    const bornBefore = options.olderThanMs === undefined ? undefined : Date.now() - options.olderThanMs;
    const oldEnough = (object: Observed) => {
      if (bornBefore === undefined) return true;
      const created = object.metadata?.creationTimestamp;
      // Unknown age: kept, the next start-up collection decides.
      return created !== undefined && new Date(created).getTime() <= bornBefore;
    };
    const selector = selectorString({
      [LABEL.managedBy]: MANAGED_BY,
      [LABEL.owner]: labelValue(this.layout.owner),
    });
    const deleted = await this.deleteWhere(selector, (object) => {
      const labels = object.metadata?.labels ?? {};
      const variant = labels[LABEL.variant];
      const installation = labels[LABEL.installation];
      // An object of ours whose labels were edited away from a known variant is ours to remove.
      const stale =
        !installation || !VARIANTS.includes(variant as Variant) || !keep.has(`${installation}/${variant}`);
      return stale && oldEnough(object);
    });
    if (deleted > 0)
      this.options.log.info({ deleted }, 'kubernetes: removed objects of deleted installations');
    return deleted;
  }

  private async scale(installationId: string, variant: Variant, replicas: number): Promise<void> {
    const name = objectName(installationId, variant);
    try {
      await this.clients.Deployment.mergePatch(name, { spec: { replicas } });
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw upstream(`scaling Deployment ${name} to ${replicas}`, error);
    }
  }

  private async deleteWhere(selector: string, pick: (object: Observed) => boolean): Promise<number> {
    let deleted = 0;
    for (const kind of DELETE_ORDER) {
      const client = this.clients[kind];
      let objects: Observed[];
      try {
        objects = await client.list(selector);
      } catch (error) {
        throw upstream(`listing ${kind}s`, error);
      }
      for (const object of objects) {
        const name = object.metadata?.name;
        if (!name || !this.owns(object) || !pick(object)) continue;
        try {
          await client.delete(name);
          deleted += 1;
        } catch (error) {
          if (statusOf(error) !== 404) throw upstream(`deleting ${kind} ${name}`, error);
        }
      }
    }
    return deleted;
  }

  private owns(object: Observed): boolean {
    const labels = object.metadata?.labels ?? {};
    return labels[LABEL.managedBy] === MANAGED_BY && labels[LABEL.owner] === labelValue(this.layout.owner);
  }

  private async readOrUndefined(client: KindClient, name: string): Promise<Observed | undefined> {
    try {
      return await client.read(name);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw upstream(`reading ${client.kind} ${name}`, error);
    }
  }

  /**
   * Create-or-replace, racing other runners: a create answered 409 (made meanwhile) or a replace
   * answered 409 (modified meanwhile: stale resourceVersion) or 404 (deleted meanwhile) reads
   * again and retries, up to `maxAttempts`.
   */
  private async apply(client: KindClient, desired: Manifest): Promise<void> {
    const name = desired.metadata.name;
    const wanted = desired.metadata.annotations?.[ANNOTATION.specHash];
    const replicas = (desired.spec as { replicas?: number } | undefined)?.replicas;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const current = await this.readOrUndefined(client, name);
      if (!current) {
        try {
          await client.create(desired);
          return;
        } catch (error) {
          if (statusOf(error) === 409) continue;
          throw upstream(`creating ${client.kind} ${name}`, error);
        }
      }
      if (!this.owns(current))
        throw new AppError(
          'CONFLICT',
          `${client.kind} ${name} exists in namespace ${this.layout.namespace} and is not managed by this runner; it is left alone`,
        );
      const same = current.metadata?.annotations?.[ANNOTATION.specHash] === wanted;
      const currentReplicas = (current.spec as { replicas?: number } | undefined)?.replicas;
      if (same && replicas === currentReplicas) return;
      try {
        if (same) {
          // Only scaled (to zero when idle): back up, guarded by the version just read.
          await client.mergePatch(name, {
            metadata: { resourceVersion: current.metadata?.resourceVersion },
            spec: { replicas },
          });
        } else {
          await client.replace(name, withObserved(desired, current));
        }
        return;
      } catch (error) {
        const status = statusOf(error);
        if (status === 409 || status === 404) continue;
        throw upstream(`updating ${client.kind} ${name}`, error);
      }
    }
    throw new AppError(
      'UPSTREAM',
      `${client.kind} ${name} kept changing under the runner (${this.maxAttempts} attempts); try again`,
    );
  }
}

/** The desired object with the resourceVersion read (optimistic concurrency) and a Service's allocated IPs. */
function withObserved(desired: Manifest, current: Observed): Manifest {
  const metadata = { ...desired.metadata, resourceVersion: current.metadata?.resourceVersion };
  if (desired.kind !== 'Service') return { ...desired, metadata };
  const spec = current.spec as { clusterIP?: string; clusterIPs?: string[] } | undefined;
  return {
    ...desired,
    metadata,
    spec: {
      ...(desired.spec as object),
      ...(spec?.clusterIP ? { clusterIP: spec.clusterIP } : {}),
      ...(spec?.clusterIPs ? { clusterIPs: spec.clusterIPs } : {}),
    },
  };
}

const upstream = (what: string, error: unknown) =>
  new AppError('UPSTREAM', `kubernetes: ${what} failed: ${messageOf(error)}`);
