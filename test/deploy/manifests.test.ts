/**
 * deploy/kubernetes: every manifest validated against the Kubernetes API's JSON schemas (the
 * `kubernetes-models` package, generated from Kubernetes 1.27's OpenAPI and shipped with
 * precompiled validators, so this runs offline), then the wiring a reviewer checks: probes on the
 * right paths and port, the grace period longer than the drain, the HPA on the Deployment, the PDB
 * and Service on its pods, and every environment variable one the application reads, with values
 * src/config.ts accepts.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import type { IContainer, IContainerPort, IProbe } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { loadLlmConfig } from '../../src/llm/provider-chains.js';
import {
  KUBERNETES_DIR,
  configEnvironmentNames,
  parseDockerfile,
  quantity,
  readRepoFile,
  readYamlDocuments,
} from './support.js';

const MODELS = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
} as const;
type Manifest = InstanceType<(typeof MODELS)[keyof typeof MODELS]>;

/** Secret values: only ever from the Secret, never a ConfigMap or a literal. */
const SECRET_VARIABLES = ['DATABASE_URL', 'REDIS_URL', 'OPENAI_API_KEY'];
/** PostgreSQL's default max_connections: every replica's pool must fit in it. */
const POSTGRES_MAX_CONNECTIONS = 100;

const kustomization = readYamlDocuments(join(KUBERNETES_DIR, 'kustomization.yaml'))[0] as {
  resources: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
};

function load(file: string): Manifest[] {
  return readYamlDocuments(join(KUBERNETES_DIR, file)).map((document) => {
    const key =
      `${String(document['apiVersion'])}/${String(document['kind'])}` as keyof typeof MODELS;
    const Model = MODELS[key];
    if (!Model) throw new Error(`${file}: no schema for ${key} (add it to MODELS)`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each model takes its own shape
    return new Model(document as any);
  });
}

const applied = kustomization.resources.flatMap(load);
const [secret] = load('secret.example.yaml') as [Secret];

function only<T extends Manifest>(kind: new (...args: never[]) => T): T {
  const found = applied.filter((manifest): manifest is T => manifest instanceof kind);
  expect(found, `exactly one ${kind.name}`).toHaveLength(1);
  return found[0]!;
}

const deployment = only(Deployment);
const service = only(Service);
const hpa = only(HorizontalPodAutoscaler);
const pdb = only(PodDisruptionBudget);
const configMaps = applied.filter(
  (manifest): manifest is ConfigMap => manifest instanceof ConfigMap,
);
const podSpec = deployment.spec!.template.spec!;
const podLabels = deployment.spec!.template.metadata!.labels!;
const container = podSpec.containers.find(
  (candidate) => candidate.name === 'ai-subgraph',
) as IContainer;

const envConfigMapNames = (container.envFrom ?? [])
  .map((source) => source.configMapRef?.name)
  .filter((name): name is string => name !== undefined);
const envConfigMaps = configMaps.filter((configMap) =>
  envConfigMapNames.includes(configMap.metadata!.name!),
);
/** What the container's environment holds, with the Secret's placeholders for secretKeyRefs. */
function containerEnvironment(): Record<string, string> {
  const environment: Record<string, string> = Object.assign(
    {},
    ...envConfigMaps.map((configMap) => configMap.data ?? {}),
  );
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (variable.value !== undefined) environment[variable.name] = variable.value;
    else if (ref) environment[variable.name] = secret.stringData![ref.key]!;
  }
  return environment;
}
const environment = containerEnvironment();
// A value src/config.ts refuses fails the configuration test below with its message (not the file).
let config!: Config;
let configError: unknown;
try {
  config = loadConfig(environment);
} catch (error) {
  configError = error;
}

function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
): boolean {
  return (
    selector !== undefined &&
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([key, value]) => labels[key] === value)
  );
}

function containerPort(port: string | number | undefined): IContainerPort | undefined {
  return container.ports?.find(
    (candidate) => candidate.name === port || candidate.containerPort === port,
  );
}

function httpProbe(probe: IProbe | undefined, name: string): { path: string; port: number } {
  expect(probe?.httpGet, `${name} is an httpGet probe`).toBeDefined();
  const port = containerPort(probe!.httpGet!.port);
  expect(port, `${name} port ${String(probe!.httpGet!.port)} is a container port`).toBeDefined();
  return { path: probe!.httpGet!.path!, port: port!.containerPort };
}

describe('deploy/kubernetes: schemas', () => {
  it('lists every manifest of the folder in kustomization.yaml, except the Secret example', () => {
    const files = readdirSync(KUBERNETES_DIR).filter(
      (file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml',
    );
    expect([...kustomization.resources].sort()).toEqual(
      files.filter((file) => file !== 'secret.example.yaml').sort(),
    );
    expect(files).toContain('secret.example.yaml');
  });

  it('validates every manifest, and the Secret example, against the Kubernetes API schemas', () => {
    for (const manifest of [...applied, secret])
      expect(
        () => manifest.validate(),
        `${manifest.kind}/${manifest.metadata?.name}`,
      ).not.toThrow();
    expect(applied.map((manifest) => manifest.kind).sort()).toEqual([
      'ConfigMap',
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Service',
    ]);
  });

  it('would catch a broken manifest (the validator is live)', () => {
    const broken = new Deployment({
      metadata: { name: 'x' },
      spec: {
        selector: {},
        template: {
          spec: {
            containers: [{ name: 'x', ports: [{ containerPort: 'http' as unknown as number }] }],
          },
        },
      },
    });
    expect(() => broken.validate()).toThrow(/containerPort must be integer/);
  });
});

describe('deploy/kubernetes: the Deployment', () => {
  it('runs 3 replicas of the image kustomization.yaml rewrites, selecting its own pods', () => {
    expect(deployment.spec!.replicas).toBe(3);
    expect(selects(deployment.spec!.selector.matchLabels, podLabels)).toBe(true);
    expect(kustomization.images?.map((image) => image.name)).toContain(container.image);
    expect(deployment.spec!.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
  });

  it('probes readiness on /readyz, liveness and start-up on /healthz, on the port the app listens on', () => {
    expect(config.port).toBe(4000);
    expect(httpProbe(container.readinessProbe, 'readinessProbe')).toEqual({
      path: '/readyz',
      port: config.port,
    });
    expect(httpProbe(container.livenessProbe, 'livenessProbe')).toEqual({
      path: '/healthz',
      port: config.port,
    });
    expect(httpProbe(container.startupProbe, 'startupProbe')).toEqual({
      path: '/healthz',
      port: config.port,
    });
    // Start-up runs migrations and loads the tokenizer: give it at least a minute.
    const startup = container.startupProbe!;
    expect((startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3)).toBeGreaterThanOrEqual(
      60,
    );
    expect(
      podSpec.containers
        .flatMap((candidate) => candidate.ports ?? [])
        .map((port) => port.containerPort),
    ).toEqual([config.port]);
    expect(deployment.spec!.template.metadata!.annotations?.['prometheus.io/port']).toBe(
      String(config.port),
    );
  });

  it('gives SIGTERM more time than the preStop pause plus SHUTDOWN_GRACE_MS', () => {
    const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
    const pauseMs = preStop[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
    expect(config.shutdownGraceMs).toBe(30_000);
    // A few seconds beyond the drain to close the websocket server, the bus and the store.
    expect(podSpec.terminationGracePeriodSeconds! * 1000).toBeGreaterThanOrEqual(
      pauseMs + config.shutdownGraceMs + 5_000,
    );
  });

  it('runs as the image user, non-root, on a read-only root filesystem with /tmp on an emptyDir', () => {
    const runtime = parseDockerfile(readRepoFile('Dockerfile')).stages.at(-1)!;
    const imageUser = runtime.instructions
      .filter((instruction) => instruction.keyword === 'USER')
      .at(-1)
      ?.args.split(':')[0];
    expect(podSpec.securityContext?.runAsNonRoot).toBe(true);
    expect(String(podSpec.securityContext?.runAsUser)).toBe(imageUser);
    expect(podSpec.securityContext?.runAsUser).not.toBe(0);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
    expect(podSpec.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(podSpec.automountServiceAccountToken).toBe(false);
  });

  it('requests and limits CPU and memory, requests within limits', () => {
    const { requests, limits } = container.resources ?? {};
    for (const resource of ['cpu', 'memory']) {
      expect(requests?.[resource], `requests.${resource}`).toBeDefined();
      expect(limits?.[resource], `limits.${resource}`).toBeDefined();
      expect(quantity(requests![resource]!)).toBeLessThanOrEqual(quantity(limits![resource]!));
    }
    // The process holds about 250 MiB once started with an LLM provider (tokenizer loaded).
    expect(quantity(requests!['memory']!)).toBeGreaterThanOrEqual(quantity('256Mi'));
  });
});

describe('deploy/kubernetes: configuration', () => {
  const known = configEnvironmentNames();
  const llmConfigMount = container.volumeMounts?.find((mount) =>
    environment['LLM_CONFIG']?.startsWith(`${mount.mountPath}/`),
  );
  const llmConfigVolume = podSpec.volumes?.find(
    (volume) => volume.name === llmConfigMount?.name,
  )?.configMap;
  const llmConfigFile = environment['LLM_CONFIG']?.slice(`${llmConfigMount?.mountPath}/`.length);
  const llmConfigKey = llmConfigVolume?.items?.find((item) => item.path === llmConfigFile)?.key;
  const llmConfigText = configMaps.find(
    (configMap) => configMap.metadata!.name === llmConfigVolume?.name,
  )?.data?.[llmConfigKey ?? ''];

  it('reads the variable names from src/config.ts', () => {
    expect(known).toContain('PORT');
    expect(known).toContain('DATABASE_URL');
    expect(known).toContain('SHUTDOWN_GRACE_MS');
    expect(known.size).toBeGreaterThan(30);
  });

  it('sets only variables the application reads: ConfigMap keys, env names, and the LLM file’s apiKeyEnv', () => {
    const routing = loadLlmConfigText(llmConfigText!);
    const providerKeys = Object.values(routing.providers).flatMap((provider) =>
      provider.type === 'openai' ? [provider.apiKeyEnv] : [],
    );
    const names = [
      ...envConfigMaps.flatMap((configMap) => Object.keys(configMap.data ?? {})),
      ...(container.env ?? []).map((variable) => variable.name),
    ];
    expect(envConfigMaps.map((configMap) => configMap.metadata!.name)).toEqual(envConfigMapNames);
    expect(names.filter((name) => !known.has(name) && !providerKeys.includes(name))).toEqual([]);
    // And each key the LLM file names is provided.
    for (const key of providerKeys) expect(Object.keys(environment)).toContain(key);
  });

  it('holds values src/config.ts accepts, for a production server on PostgreSQL', () => {
    expect(configError).toBeUndefined();
    expect(config.env).toBe('production');
    expect(config.host).toBe('0.0.0.0');
    expect(config.sandbox).toBe(false);
    expect(config.databaseUrl).toMatch(/^postgres/);
    expect(config.redisUrl).toMatch(/^rediss?:/);
    // Production refuses to start without a way to authenticate: here, JWTs from the router.
    expect(config.jwt).toMatchObject({
      issuer: expect.any(String),
      audience: expect.any(String),
      jwksUrl: expect.stringMatching(/^https:/),
    });
  });

  it('mounts the LLM_CONFIG file from its ConfigMap, and the application loads it', () => {
    expect(llmConfigMount?.readOnly).toBe(true);
    expect(llmConfigText, 'the ConfigMap key mounted at LLM_CONFIG').toBeDefined();
    const routing = loadLlmConfigText(llmConfigText!);
    expect(Object.keys(routing.providers)).toContain('builtin');
    // Every chain ends on the offline provider, so an LLM outage degrades instead of failing.
    for (const policy of Object.values(routing.features))
      expect(policy.chain.at(-1)?.provider).toBe('builtin');
  });

  it('takes secrets only from the Secret, by secretKeyRef; DATABASE_URL is required for replicas', () => {
    for (const configMap of configMaps)
      for (const name of SECRET_VARIABLES)
        expect(Object.keys(configMap.data ?? {})).not.toContain(name);
    const references = new Map((container.env ?? []).map((variable) => [variable.name, variable]));
    for (const name of SECRET_VARIABLES) {
      const ref = references.get(name)?.valueFrom?.secretKeyRef;
      expect(references.get(name)?.value, `${name} has no literal value`).toBeUndefined();
      expect(ref, `${name} comes from a secretKeyRef`).toMatchObject({
        name: secret.metadata!.name,
        key: name,
      });
      expect(Object.keys(secret.stringData ?? {})).toContain(ref!.key);
    }
    expect(references.get('DATABASE_URL')!.valueFrom!.secretKeyRef!.optional ?? false).toBe(false);
  });

  it('ships the Secret only as an example of placeholders, never applied', () => {
    expect(kustomization.resources).not.toContain('secret.example.yaml');
    expect(secret.data).toBeUndefined();
    for (const [key, value] of Object.entries(secret.stringData ?? {}))
      expect(value, key).toContain('REPLACE_ME');
  });
});

describe('deploy/kubernetes: Service, HPA and PDB', () => {
  it('routes the Service to the pods’ http port', () => {
    expect(selects(service.spec!.selector, podLabels)).toBe(true);
    const [port] = service.spec!.ports!;
    expect(containerPort(port!.targetPort)?.containerPort).toBe(config.port);
  });

  it('scales the Deployment on CPU from its replica count, within the database’s connections', () => {
    expect(hpa.spec!.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata!.name,
    });
    expect(hpa.spec!.minReplicas).toBe(deployment.spec!.replicas);
    expect(hpa.spec!.maxReplicas).toBeGreaterThan(hpa.spec!.minReplicas!);
    expect(hpa.spec!.metrics).toContainEqual({
      type: 'Resource',
      resource: {
        name: 'cpu',
        target: { type: 'Utilization', averageUtilization: expect.any(Number) },
      },
    });
    expect(hpa.spec!.maxReplicas * config.databasePoolSize).toBeLessThanOrEqual(
      POSTGRES_MAX_CONNECTIONS,
    );
  });

  it('budgets disruptions of the Deployment’s pods, leaving room to drain a node', () => {
    expect(selects(pdb.spec!.selector?.matchLabels, podLabels)).toBe(true);
    expect(pdb.spec!.selector?.matchLabels).toEqual(deployment.spec!.selector.matchLabels);
    const minAvailable =
      pdb.spec!.minAvailable ?? deployment.spec!.replicas! - Number(pdb.spec!.maxUnavailable);
    expect(minAvailable).toBeGreaterThan(0);
    expect(minAvailable).toBeLessThan(deployment.spec!.replicas!);
  });
});

function loadLlmConfigText(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'ai-subgraph-llm-config-'));
  try {
    writeFileSync(join(dir, 'llm-config.yaml'), text);
    return loadLlmConfig(join(dir, 'llm-config.yaml'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
