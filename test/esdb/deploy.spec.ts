import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

/**
 * No container engine runs here, so the deployment files are checked as data: they parse, and they say what the
 * scale-out design needs (3 gossiping EventStoreDB nodes, 2 API replicas behind a proxy, probes, non-root, no secret).
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const deploy = join(root, 'deploy');
const read = (path: string): string => readFileSync(join(deploy, path), 'utf8');

type Tree = Record<string, unknown>;
const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);
const at = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((node, key) => (isTree(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[key] : undefined), value);
const tree = (value: unknown, what: string): Tree => {
  if (!isTree(value)) throw new Error(`${what} is not a mapping`);
  return value;
};
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

describe('the deployment files', () => {
  describe('compose.yaml', () => {
    const compose = tree(parse(read('compose.yaml'), { merge: true }), 'compose.yaml');
    const services = tree(compose.services, 'services');
    const named = (prefix: string): [string, Tree][] =>
      Object.entries(services)
        .filter(([name]) => name.startsWith(prefix))
        .map(([name, service]) => [name, tree(service, name)]);
    const esdbNodes = named('esdb-');
    const apis = named('api-');
    const ipOf = (service: Tree): string => String(at(service, 'networks', 'cluster', 'ipv4_address'));

    it('runs a 3-node EventStoreDB cluster in which each node seeds gossip with the other two', () => {
      expect(esdbNodes).toHaveLength(3);
      for (const [name, node] of esdbNodes) {
        expect(String(at(node, 'image'))).toMatch(/^eventstore\/eventstore:\d+\.\d+/);
        expect(at(node, 'environment', 'EVENTSTORE_CLUSTER_SIZE')).toBe('3');
        const seeds = String(at(node, 'environment', 'EVENTSTORE_GOSSIP_SEED')).split(',');
        const others = esdbNodes.filter(([other]) => other !== name).map(([, n]) => `${ipOf(n)}:2113`);
        expect(seeds.sort()).toEqual(others.sort());
        expect(at(node, 'environment', 'EVENTSTORE_INT_IP')).toBe(ipOf(node));
        expect(strings(at(node, 'healthcheck', 'test')).join(' ')).toContain('/health/live');
        expect(strings(at(node, 'volumes'))[0]).toMatch(/:\/var\/lib\/eventstore$/);
      }
    });

    it('runs two API replicas on EventStoreDB, as a non-root user, each knowing every node and ready only when caught up', () => {
      expect(apis).toHaveLength(2);
      for (const [, api] of apis) {
        expect(at(api, 'environment', 'CONCORDAT_STORE')).toBe('esdb');
        expect(at(api, 'environment', 'NODE_ENV')).toBe('production');
        const url = String(at(api, 'environment', 'CONCORDAT_ESDB_URL'));
        for (const [, node] of esdbNodes) expect(url).toContain(`${ipOf(node)}:2113`);
        expect(String(at(api, 'user'))).not.toMatch(/^0(:|$)|^root/);
        expect(strings(at(api, 'healthcheck', 'test'))).toContain('deploy/probe-ready.mjs');
        for (const [name] of esdbNodes) expect(at(api, 'depends_on', name, 'condition')).toBe('service_healthy');
      }
    });

    it('takes the token secret from the environment rather than from the file', () => {
      for (const [, api] of apis) expect(String(at(api, 'environment', 'CONCORDAT_JWT_SECRET'))).toMatch(/^\$\{CONCORDAT_JWT_SECRET:\?/);
    });

    it('puts nginx in front of every API replica and nothing else', () => {
      const proxy = tree(services.proxy, 'proxy');
      expect(strings(at(proxy, 'volumes')).some((v) => v.startsWith('./nginx/nginx.conf:'))).toBe(true);
      const nginx = read('nginx/nginx.conf');
      const upstream = /upstream\s+(\S+)\s*\{([^}]*)\}/.exec(nginx);
      const servers = [...(upstream?.[2] ?? '').matchAll(/server\s+([\w-]+):3000/g)].map((m) => m[1]);
      expect(servers.sort()).toEqual(apis.map(([name]) => name).sort());
      expect(nginx).toContain(`proxy_pass http://${upstream?.[1]}`);
      expect(strings(at(proxy, 'ports'))).toEqual(['8080:8080']);
    });
  });

  describe('Dockerfile', () => {
    const dockerfile = read('Dockerfile');
    const stages = dockerfile.split(/^FROM /m).slice(1);

    it('builds in one stage and runs from a slimmer one', () => {
      expect(stages.length).toBeGreaterThanOrEqual(2);
      expect(stages[0]).toMatch(/AS build/);
      expect(stages[stages.length - 1]).toMatch(/COPY --from=build/);
      expect(stages[stages.length - 1]).not.toMatch(/npm (ci|install)/);
    });

    it('runs as a non-root user with a health check on /health', () => {
      const runtime = stages[stages.length - 1] ?? '';
      const user = /^USER\s+(\S+)/m.exec(runtime)?.[1];
      expect(user).toBeDefined();
      expect(user).not.toMatch(/^(root|0)(:|$)/);
      expect(runtime).toMatch(/^HEALTHCHECK [\s\S]*\/health/m);
      expect(runtime).toMatch(/^CMD \["node", "bin\/concordat\.js", "serve"\]/m);
    });

    it('bakes no secret into the image', () => {
      expect(dockerfile).not.toMatch(/CONCORDAT_JWT_SECRET|CONCORDAT_ESDB_URL/);
    });
  });

  describe('Kubernetes manifests', () => {
    const manifests = readdirSync(join(deploy, 'k8s'))
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(read(join('k8s', f))).map((d) => tree(d.toJS(), f)));
    const ofKind = (kind: string): Tree => {
      const found = manifests.filter((m) => m.kind === kind);
      expect(found).toHaveLength(1);
      return found[0] as Tree;
    };

    it('has a Deployment, a Service, a ConfigMap and a Secret template, each with apiVersion and name', () => {
      expect(manifests.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Secret', 'Service']);
      for (const m of manifests) {
        expect(typeof m.apiVersion).toBe('string');
        expect(typeof at(m, 'metadata', 'name')).toBe('string');
      }
    });

    it('runs at least two non-root replicas, ready only once caught up, alive while /health answers', () => {
      const deployment = ofKind('Deployment');
      expect(Number(at(deployment, 'spec', 'replicas'))).toBeGreaterThanOrEqual(2);
      const pod = at(deployment, 'spec', 'template', 'spec');
      expect(at(pod, 'securityContext', 'runAsNonRoot')).toBe(true);
      expect(Number(at(pod, 'securityContext', 'runAsUser'))).toBeGreaterThan(0);
      const container = at(pod, 'containers', 0);
      expect(at(container, 'securityContext', 'allowPrivilegeEscalation')).toBe(false);
      expect(at(container, 'readinessProbe', 'httpGet', 'path')).toBe('/health/ready');
      expect(at(container, 'livenessProbe', 'httpGet', 'path')).toBe('/health');
      const selector = at(deployment, 'spec', 'selector', 'matchLabels');
      expect(at(deployment, 'spec', 'template', 'metadata', 'labels')).toMatchObject(tree(selector, 'selector'));
    });

    it('wires the ConfigMap and the Secret into the pods and routes the Service to them', () => {
      const deployment = ofKind('Deployment');
      const envFrom = at(deployment, 'spec', 'template', 'spec', 'containers', 0, 'envFrom');
      expect(at(envFrom, 0, 'configMapRef', 'name')).toBe(at(ofKind('ConfigMap'), 'metadata', 'name'));
      expect(at(envFrom, 1, 'secretRef', 'name')).toBe(at(ofKind('Secret'), 'metadata', 'name'));
      const service = ofKind('Service');
      expect(at(service, 'spec', 'selector')).toEqual(at(deployment, 'spec', 'selector', 'matchLabels'));
      expect(at(service, 'spec', 'ports', 0, 'targetPort')).toBe(at(deployment, 'spec', 'template', 'spec', 'containers', 0, 'ports', 0, 'name'));
    });

    it('commits no secret: the Secret holds placeholders and the ConfigMap holds nothing sensitive', () => {
      const data = tree(at(ofKind('Secret'), 'stringData'), 'stringData');
      expect(Object.keys(data).sort()).toEqual(['CONCORDAT_ESDB_URL', 'CONCORDAT_JWT_SECRET']);
      for (const value of Object.values(data)) expect(String(value)).toMatch(/^<REPLACE_[A-Z_]+>$/);
      expect(Object.keys(tree(at(ofKind('ConfigMap'), 'data'), 'data'))).not.toContain('CONCORDAT_JWT_SECRET');
    });
  });

  describe('CONFIGURATION.md', () => {
    const doc = read('CONFIGURATION.md');
    const config = readFileSync(join(root, 'libs', 'ledger', 'src', 'config.ts'), 'utf8');
    const readByCode = [...new Set([...config.matchAll(/present\(env, '([A-Z_]+)'\)|env\.([A-Z_]+)/g)].map((m) => m[1] ?? m[2]))];

    it('documents every variable the configuration reads, and the ones the brief names', () => {
      const named = ['PORT', 'NODE_ENV', 'CONCORDAT_STORE', 'CONCORDAT_SQLITE_PATH', 'CONCORDAT_SQLITE_SYNCHRONOUS', 'CONCORDAT_ESDB_URL', 'CONCORDAT_JWT_SECRET'];
      expect(readByCode.length).toBeGreaterThanOrEqual(6);
      for (const name of new Set([...named, ...readByCode])) expect(doc).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
    });
  });

  it('holds no private key or filled-in secret anywhere under deploy/', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
    for (const file of files(deploy)) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(text).not.toMatch(/CONCORDAT_JWT_SECRET[=:]\s*"?[A-Za-z0-9+/=_-]{32,}/);
      expect(text).not.toMatch(/esdb:\/\/[^/\s:@]+:[^/\s@]+@/);
    }
  });
});
