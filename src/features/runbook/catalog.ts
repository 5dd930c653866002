/**
 * The builtin catalog of runbook templates. The offline drafter picks one by retrieval over
 * `title`, `description` and `keywords`, and fills its `{{parameters}}` from facts stated in the
 * request; anything the request does not state stays a `<placeholder>`.
 *
 * Every value in a step is either template text or a `{{parameter}}`: a template never hardcodes
 * an environment-specific name, and the tests check that a rendered runbook contains nothing
 * that is in neither the request nor the template.
 */
import type { FactKind } from './facts.js';

export const RISK_LEVELS = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface TemplateParameter {
  name: string;
  /** What kind of value: `string`, `integer`, `percent`, `region`, `hostname`, `duration`, ... */
  type: string;
  /** Which fact of the request fills it; none for values only an operator knows (ids, URLs). */
  fact?: FactKind;
  /** A template value used when the request states none (a safe, conventional default). */
  default?: string;
}

export interface TemplateStep {
  action: string;
  command: string;
  expectedResult: string;
  destructive: boolean;
  /** Include the step only when this parameter has a value from the request. */
  onlyIf?: string;
  /** Include the step only when this parameter has no value from the request. */
  unless?: string;
}

export interface RunbookTemplate {
  id: string;
  title: string;
  /** The runbook's name once filled; may use `{{parameters}}`. */
  name: string;
  description: string;
  keywords: string[];
  /** Command-line tools the steps use; `allowedTools` in the request filters on these. */
  tools: string[];
  riskLevel: RiskLevel;
  parameters: TemplateParameter[];
  preconditions: string[];
  steps: TemplateStep[];
  rollback: string[];
}

const str = (name: string, fact?: FactKind, defaultValue?: string): TemplateParameter => ({
  name,
  type: 'string',
  fact,
  default: defaultValue,
});
const service = str('service', 'service');
const namespace = str('namespace', 'namespace');
const region: TemplateParameter = { name: 'region', type: 'region', fact: 'region' };

export const CATALOG: readonly RunbookTemplate[] = [
  {
    id: 'k8s-restart-deployment',
    title: 'Restart the pods of a Kubernetes deployment',
    name: 'Restart deployment {{service}}',
    description:
      'Rolling restart of every pod of a deployment, optionally only while its error rate stays above a threshold. Use for pods stuck in a bad state, leaking memory or holding stale connections.',
    keywords: [
      'restart',
      'rolling restart',
      'pods',
      'deployment',
      'kubernetes',
      'kubectl',
      'error rate',
      '5xx',
      'crashloop',
      'stuck pods',
      'bounce',
      'cycle',
      'rollout',
    ],
    tools: ['kubectl', 'curl'],
    riskLevel: 'MEDIUM',
    parameters: [
      service,
      namespace,
      region,
      { name: 'error_rate_threshold', type: 'percent', fact: 'threshold' },
      { name: 'prometheus_url', type: 'url' },
    ],
    preconditions: [
      'kubectl points at the cluster in {{region}} and may restart deployments in namespace {{namespace}}.',
      'No deploy of {{service}} is in progress (`kubectl -n {{namespace}} rollout status deployment/{{service}}` reports complete).',
    ],
    steps: [
      {
        action: 'Confirm the 5xx error rate of {{service}} is above {{error_rate_threshold}}',
        command: `curl -sG '{{prometheus_url}}/api/v1/query' --data-urlencode 'query=sum(rate(http_requests_total{service="{{service}}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="{{service}}"}[5m]))'`,
        expectedResult:
          'The error ratio is above {{error_rate_threshold}}; if it is not, stop: the condition for this runbook is not met.',
        destructive: false,
        onlyIf: 'error_rate_threshold',
      },
      {
        action: 'Record the current state of the deployment and its pods',
        command:
          'kubectl -n {{namespace}} get deployment/{{service}} -o wide && kubectl -n {{namespace}} get pods -l app={{service}} -o wide',
        expectedResult:
          'The deployment exists; note its ready replica count and any pods not Running.',
        destructive: false,
      },
      {
        action: 'Restart the pods with a rolling restart',
        command: 'kubectl -n {{namespace}} rollout restart deployment/{{service}}',
        expectedResult: 'deployment.apps/{{service}} restarted',
        destructive: true,
      },
      {
        action: 'Wait for the rollout to finish',
        command: 'kubectl -n {{namespace}} rollout status deployment/{{service}} --timeout=10m',
        expectedResult: 'deployment "{{service}}" successfully rolled out; every new pod is Ready.',
        destructive: false,
      },
      {
        action: 'Check that the error rate fell back below {{error_rate_threshold}}',
        command: `curl -sG '{{prometheus_url}}/api/v1/query' --data-urlencode 'query=sum(rate(http_requests_total{service="{{service}}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="{{service}}"}[5m]))'`,
        expectedResult:
          'The error ratio is below {{error_rate_threshold}} within 10 minutes; if not, escalate: a restart does not fix this fault.',
        destructive: false,
        onlyIf: 'error_rate_threshold',
      },
    ],
    rollback: [
      'A restart cannot be undone; if the new pods crash-loop, roll back the last change with `kubectl -n {{namespace}} rollout undo deployment/{{service}}` and escalate.',
    ],
  },
  {
    id: 'systemd-restart-service',
    title: 'Restart a systemd service on a host',
    name: 'Restart {{service}} on {{host}}',
    description:
      'Restart a service managed by systemd on a VM or bare-metal host, then confirm it is active and its logs are clean.',
    keywords: [
      'systemd',
      'systemctl',
      'daemon',
      'vm',
      'server',
      'process',
      'unit',
      'ssh',
      'nginx',
      'apache',
      'haproxy',
      'php-fpm',
      'web server',
      'bare metal',
    ],
    tools: ['ssh', 'systemctl'],
    riskLevel: 'MEDIUM',
    parameters: [service, { name: 'host', type: 'hostname', fact: 'host' }],
    preconditions: [
      'You can ssh to {{host}} with sudo rights.',
      '{{host}} is out of the load balancer, or the service tolerates one instance restarting.',
    ],
    steps: [
      {
        action: 'Check the current status of {{service}}',
        command: "ssh {{host}} 'sudo systemctl status {{service}} --no-pager'",
        expectedResult: 'The unit exists; note whether it is active, failed or activating.',
        destructive: false,
      },
      {
        action: 'Restart {{service}}',
        command: "ssh {{host}} 'sudo systemctl restart {{service}}'",
        expectedResult: 'The command returns without error.',
        destructive: true,
      },
      {
        action: 'Confirm it is active and read its recent logs',
        command: `ssh {{host}} 'sudo systemctl is-active {{service}} && sudo journalctl -u {{service}} --since "-5 min" --no-pager | tail -n 50'`,
        expectedResult: 'active, with no errors in the last 5 minutes of logs.',
        destructive: false,
      },
    ],
    rollback: [
      'If {{service}} fails to start, read `sudo journalctl -u {{service}} -n 200` on {{host}}, revert the last configuration change to it, and start it again with `sudo systemctl start {{service}}`.',
    ],
  },
  {
    id: 'k8s-rollback-deployment',
    title: 'Roll back a Kubernetes deployment to a previous revision',
    name: 'Roll back deployment {{service}}',
    description:
      'Undo a bad deploy: return a deployment to its previous revision, or to a named revision, and confirm the old pods serve traffic again.',
    keywords: [
      'rollback',
      'roll back',
      'revert',
      'undo',
      'bad deploy',
      'previous version',
      'revision',
      'deployment',
      'release',
      'kubectl',
      'rollout undo',
      'regression',
    ],
    tools: ['kubectl'],
    riskLevel: 'MEDIUM',
    parameters: [service, namespace, { name: 'revision', type: 'integer', fact: 'revision' }],
    preconditions: [
      'The bad change is in the deployment spec (image or configuration), not in a database migration that the old version cannot read.',
    ],
    steps: [
      {
        action: 'List the revisions of {{service}}',
        command: 'kubectl -n {{namespace}} rollout history deployment/{{service}}',
        expectedResult: 'At least two revisions; the newest is the bad deploy.',
        destructive: false,
      },
      {
        action: 'Roll back to the previous revision',
        command: 'kubectl -n {{namespace}} rollout undo deployment/{{service}}',
        expectedResult: 'deployment.apps/{{service}} rolled back',
        destructive: true,
        unless: 'revision',
      },
      {
        action: 'Roll back to revision {{revision}}',
        command:
          'kubectl -n {{namespace}} rollout undo deployment/{{service}} --to-revision={{revision}}',
        expectedResult: 'deployment.apps/{{service}} rolled back',
        destructive: true,
        onlyIf: 'revision',
      },
      {
        action: 'Wait for the rollback to finish',
        command: 'kubectl -n {{namespace}} rollout status deployment/{{service}} --timeout=10m',
        expectedResult: 'deployment "{{service}}" successfully rolled out',
        destructive: false,
      },
      {
        action: 'Confirm which image now runs',
        command:
          "kubectl -n {{namespace}} get deployment/{{service}} -o jsonpath='{.spec.template.spec.containers[*].image}'",
        expectedResult: 'The image of the last good release, not the bad one.',
        destructive: false,
      },
    ],
    rollback: [
      'Roll forward again with `kubectl -n {{namespace}} rollout undo deployment/{{service}}` (undo of the undo) once the bad change is fixed.',
    ],
  },
  {
    id: 'helm-rollback-release',
    title: 'Roll back a Helm release',
    name: 'Roll back Helm release {{release}}',
    description:
      'Return a Helm release to its previous revision, or a named one, after a failed or harmful upgrade of the chart.',
    keywords: [
      'helm',
      'rollback',
      'release',
      'chart',
      'upgrade failed',
      'revert',
      'previous revision',
      'helm history',
    ],
    tools: ['helm', 'kubectl'],
    riskLevel: 'MEDIUM',
    parameters: [
      str('release', 'service'),
      namespace,
      { name: 'revision', type: 'integer', fact: 'revision' },
    ],
    preconditions: [
      'helm can reach the cluster and the release {{release}} exists in namespace {{namespace}}.',
    ],
    steps: [
      {
        action: 'List the revisions of {{release}}',
        command: 'helm -n {{namespace}} history {{release}} --max 10',
        expectedResult:
          'The latest revision is the failed or bad upgrade; note the last deployed one.',
        destructive: false,
      },
      {
        action: 'Roll back to the previous revision',
        command: 'helm -n {{namespace}} rollback {{release}} --wait --timeout 10m',
        expectedResult: 'Rollback was a success! Happy Helming!',
        destructive: true,
        unless: 'revision',
      },
      {
        action: 'Roll back to revision {{revision}}',
        command: 'helm -n {{namespace}} rollback {{release}} {{revision}} --wait --timeout 10m',
        expectedResult: 'Rollback was a success! Happy Helming!',
        destructive: true,
        onlyIf: 'revision',
      },
      {
        action: 'Check the release status',
        command: 'helm -n {{namespace}} status {{release}}',
        expectedResult: 'STATUS: deployed, with a new revision number.',
        destructive: false,
      },
      {
        action: 'Check the pods of the release',
        command: 'kubectl -n {{namespace}} get pods -l app.kubernetes.io/instance={{release}}',
        expectedResult: 'Every pod Running and Ready.',
        destructive: false,
      },
    ],
    rollback: [
      'Roll forward with `helm -n {{namespace}} rollback {{release}} <bad_revision>` only once the fault in that revision is fixed.',
    ],
  },
  {
    id: 'k8s-scale-deployment',
    title: 'Scale out a Kubernetes deployment',
    name: 'Scale deployment {{service}} to {{replicas}} replicas',
    description:
      'Add replicas to a deployment to absorb load or latency, taking its horizontal pod autoscaler into account.',
    keywords: [
      'scale',
      'scale out',
      'scale up',
      'replicas',
      'capacity',
      'load',
      'traffic spike',
      'latency',
      'hpa',
      'autoscaler',
      'deployment',
      'kubectl',
      'more pods',
    ],
    tools: ['kubectl'],
    riskLevel: 'LOW',
    parameters: [service, namespace, { name: 'replicas', type: 'integer', fact: 'replicas' }],
    preconditions: [
      'The cluster has room for {{replicas}} pods of {{service}} (`kubectl describe nodes` shows allocatable CPU and memory).',
      'Downstream dependencies (databases, connection pools) can take the extra connections.',
    ],
    steps: [
      {
        action: 'Record the current replica count',
        command: 'kubectl -n {{namespace}} get deployment/{{service}}',
        expectedResult: 'Note READY and the current replica count for rollback.',
        destructive: false,
      },
      {
        action: 'Check for an autoscaler that would override the change',
        command: 'kubectl -n {{namespace}} get hpa',
        expectedResult:
          'If an HPA targets {{service}}, raise its minReplicas instead: `kubectl -n {{namespace}} patch hpa <hpa_name> -p \'{"spec":{"minReplicas":{{replicas}}}}\'`.',
        destructive: false,
      },
      {
        action: 'Scale to {{replicas}} replicas',
        command: 'kubectl -n {{namespace}} scale deployment/{{service}} --replicas={{replicas}}',
        expectedResult: 'deployment.apps/{{service}} scaled',
        destructive: false,
      },
      {
        action: 'Wait for the new pods',
        command: 'kubectl -n {{namespace}} rollout status deployment/{{service}} --timeout=10m',
        expectedResult: '{{replicas}} replicas Ready.',
        destructive: false,
      },
    ],
    rollback: [
      'Scale back to the count recorded in step 1 with `kubectl -n {{namespace}} scale deployment/{{service}} --replicas=<previous_replicas>`.',
    ],
  },
  {
    id: 'aws-scale-asg',
    title: 'Scale out an AWS auto scaling group',
    name: 'Scale auto scaling group {{asg}} to {{capacity}} instances',
    description:
      'Raise the desired capacity of an EC2 auto scaling group to add instances, and wait for them to be in service.',
    keywords: [
      'scale',
      'scale out',
      'asg',
      'auto scaling group',
      'ec2',
      'instances',
      'capacity',
      'desired capacity',
      'aws',
      'fleet',
    ],
    tools: ['aws'],
    riskLevel: 'MEDIUM',
    parameters: [
      str('asg', 'service'),
      { name: 'capacity', type: 'integer', fact: 'replicas' },
      region,
    ],
    preconditions: [
      'The group maximum size is at least {{capacity}}; raise it with `aws autoscaling update-auto-scaling-group --max-size` if not.',
    ],
    steps: [
      {
        action: 'Record the current sizes of {{asg}}',
        command:
          "aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names {{asg}} --region {{region}} --query 'AutoScalingGroups[0].[MinSize,DesiredCapacity,MaxSize]'",
        expectedResult: 'Three numbers: min, desired and max; note desired for rollback.',
        destructive: false,
      },
      {
        action: 'Set the desired capacity to {{capacity}}',
        command:
          'aws autoscaling set-desired-capacity --auto-scaling-group-name {{asg}} --desired-capacity {{capacity}} --region {{region}}',
        expectedResult: 'The command returns without error.',
        destructive: false,
      },
      {
        action: 'Wait for the instances to be in service',
        command:
          "aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names {{asg}} --region {{region}} --query 'AutoScalingGroups[0].Instances[].LifecycleState'",
        expectedResult: '{{capacity}} instances, all InService.',
        destructive: false,
      },
    ],
    rollback: [
      'Set the desired capacity back to the value recorded in step 1 with `aws autoscaling set-desired-capacity`.',
    ],
  },
  {
    id: 'k8s-cordon-drain-node',
    title: 'Cordon and drain a Kubernetes node',
    name: 'Cordon and drain node {{node}}',
    description:
      'Stop scheduling onto a node and evict its pods so it can be repaired, upgraded or replaced without surprising its workloads.',
    keywords: [
      'cordon',
      'drain',
      'node',
      'evict',
      'maintenance',
      'kubernetes',
      'kubectl',
      'unhealthy node',
      'notready',
      'replace node',
      'kernel upgrade',
    ],
    tools: ['kubectl'],
    riskLevel: 'MEDIUM',
    parameters: [{ name: 'node', type: 'hostname', fact: 'node' }],
    preconditions: [
      'The other nodes have room for the evicted pods.',
      'PodDisruptionBudgets allow the evictions (`kubectl get pdb -A`).',
    ],
    steps: [
      {
        action: 'Look at the node and what runs on it',
        command:
          'kubectl get node {{node}} -o wide && kubectl get pods -A --field-selector spec.nodeName={{node}}',
        expectedResult: 'The node exists; note the pods that will move.',
        destructive: false,
      },
      {
        action: 'Cordon the node',
        command: 'kubectl cordon {{node}}',
        expectedResult: 'node/{{node}} cordoned',
        destructive: false,
      },
      {
        action: 'Drain the node',
        command: 'kubectl drain {{node}} --ignore-daemonsets --delete-emptydir-data --timeout=10m',
        expectedResult: 'node/{{node}} drained',
        destructive: true,
      },
      {
        action: 'Confirm only DaemonSet pods remain',
        command: 'kubectl get pods -A --field-selector spec.nodeName={{node}}',
        expectedResult: 'Only DaemonSet pods are left on {{node}}.',
        destructive: false,
      },
    ],
    rollback: ['Return the node to service with `kubectl uncordon {{node}}`.'],
  },
  {
    id: 'host-free-disk-space',
    title: 'Free disk space on a host',
    name: 'Free disk space on {{host}}',
    description:
      'Clear a full or nearly full disk on a host: find what grew, vacuum the journal, delete old rotated logs and unused container images.',
    keywords: [
      'disk',
      'disk full',
      'disk space',
      'free space',
      'clean',
      'clear',
      'cleanup',
      'no space left',
      'logs',
      'filesystem',
      'df',
      'usage',
      'storage',
      'volume full',
    ],
    tools: ['ssh'],
    riskLevel: 'MEDIUM',
    parameters: [
      { name: 'host', type: 'hostname', fact: 'host' },
      { name: 'path', type: 'path', fact: 'path', default: '/var/log' },
      { name: 'usage_threshold', type: 'percent', fact: 'threshold' },
    ],
    preconditions: ['You can ssh to {{host}} with sudo rights.'],
    steps: [
      {
        action: 'Confirm disk usage is above {{usage_threshold}}',
        command: "ssh {{host}} 'df -h'",
        expectedResult: 'A filesystem above {{usage_threshold}} used; if none, stop.',
        destructive: false,
        onlyIf: 'usage_threshold',
      },
      {
        action: 'Find the largest directories under {{path}}',
        command: "ssh {{host}} 'sudo du -xh {{path}} --max-depth=2 | sort -rh | head -n 20'",
        expectedResult: 'The directories that grew; check none holds data that must be kept.',
        destructive: false,
      },
      {
        action: 'Shrink the systemd journal',
        command: "ssh {{host}} 'sudo journalctl --vacuum-size=500M'",
        expectedResult: 'Vacuuming done, freed ...',
        destructive: true,
      },
      {
        action: 'Delete rotated logs older than 7 days under {{path}}',
        command: `ssh {{host}} 'sudo find {{path}} -type f -name "*.gz" -mtime +7 -delete'`,
        expectedResult: 'The command returns without error.',
        destructive: true,
      },
      {
        action: 'Remove unused container images',
        command: `ssh {{host}} 'sudo docker system prune -af --filter "until=168h"'`,
        expectedResult: 'Total reclaimed space: ...',
        destructive: true,
      },
      {
        action: 'Check the free space again',
        command: "ssh {{host}} 'df -h'",
        expectedResult: 'Usage well below the alert threshold.',
        destructive: false,
      },
    ],
    rollback: [
      'Deleted files cannot be restored from the host; restore any needed log from the central log store.',
    ],
  },
  {
    id: 'cert-manager-rotate-certificate',
    title: 'Rotate an expiring TLS certificate with cert-manager',
    name: 'Rotate the TLS certificate for {{hostname}}',
    description:
      'Renew a TLS certificate managed by cert-manager before or after it expires, and check the endpoint serves the new one.',
    keywords: [
      'certificate',
      'cert',
      'tls',
      'ssl',
      'rotate',
      'renew',
      'expired',
      'expiring',
      'x509',
      'cert-manager',
      'cmctl',
      'https',
      'letsencrypt',
      'ingress',
    ],
    tools: ['cmctl', 'kubectl', 'openssl'],
    riskLevel: 'MEDIUM',
    parameters: [
      { name: 'hostname', type: 'hostname', fact: 'hostname' },
      namespace,
      str('certificate'),
    ],
    preconditions: [
      'The Certificate resource {{certificate}} in namespace {{namespace}} is managed by cert-manager and its issuer is Ready (`kubectl get clusterissuer,issuer -A`).',
    ],
    steps: [
      {
        action: 'Check the dates of the certificate served for {{hostname}}',
        command:
          'echo | openssl s_client -connect {{hostname}}:443 -servername {{hostname}} 2>/dev/null | openssl x509 -noout -dates -issuer',
        expectedResult: 'notAfter shows the current expiry.',
        destructive: false,
      },
      {
        action: 'Check the Certificate resource',
        command: 'kubectl -n {{namespace}} get certificate {{certificate}} -o wide',
        expectedResult: 'The certificate exists; note READY and its secret.',
        destructive: false,
      },
      {
        action: 'Trigger renewal',
        command: 'cmctl renew -n {{namespace}} {{certificate}}',
        expectedResult: 'Manually triggered issuance of Certificate {{namespace}}/{{certificate}}',
        destructive: false,
      },
      {
        action: 'Wait for the new certificate',
        command:
          'kubectl -n {{namespace}} wait --for=condition=Ready certificate/{{certificate}} --timeout=5m',
        expectedResult: 'certificate.cert-manager.io/{{certificate}} condition met',
        destructive: false,
      },
      {
        action: 'Check the endpoint serves the new certificate',
        command:
          'echo | openssl s_client -connect {{hostname}}:443 -servername {{hostname}} 2>/dev/null | openssl x509 -noout -dates',
        expectedResult: 'notAfter is months in the future.',
        destructive: false,
      },
    ],
    rollback: [
      'The previous certificate stays in the secret history only if you backed it up; if the new certificate is wrong, fix the issuer and renew again.',
    ],
  },
  {
    id: 'certbot-renew-certificate',
    title: 'Renew a Let’s Encrypt certificate with certbot on a host',
    name: 'Renew the certificate for {{hostname}} on {{host}}',
    description:
      'Renew an expired or expiring certificate issued by certbot on a VM and reload the web server so it serves the new one.',
    keywords: [
      'certificate',
      'cert',
      'renew',
      'certbot',
      'letsencrypt',
      'expired',
      'nginx',
      'reload',
      'tls',
      'ssl',
      'host',
    ],
    tools: ['ssh', 'certbot', 'openssl'],
    riskLevel: 'LOW',
    parameters: [
      { name: 'hostname', type: 'hostname', fact: 'hostname' },
      { name: 'host', type: 'hostname', fact: 'host' },
      str('web_server', undefined, 'nginx'),
    ],
    preconditions: [
      'Port 80 (HTTP-01) or the DNS provider (DNS-01) is reachable for the ACME challenge.',
    ],
    steps: [
      {
        action: 'List the certificates certbot manages',
        command: "ssh {{host}} 'sudo certbot certificates'",
        expectedResult: 'A certificate for {{hostname}} with its expiry date.',
        destructive: false,
      },
      {
        action: 'Renew the certificate',
        command: "ssh {{host}} 'sudo certbot renew --cert-name {{hostname}}'",
        expectedResult: 'Congratulations, all renewals succeeded',
        destructive: false,
      },
      {
        action: 'Reload the web server',
        command: "ssh {{host}} 'sudo systemctl reload {{web_server}}'",
        expectedResult: 'The command returns without error.',
        destructive: false,
      },
      {
        action: 'Check the served certificate',
        command:
          'echo | openssl s_client -connect {{hostname}}:443 -servername {{hostname}} 2>/dev/null | openssl x509 -noout -dates',
        expectedResult: 'notAfter is about 90 days in the future.',
        destructive: false,
      },
    ],
    rollback: [
      'certbot keeps previous versions under /etc/letsencrypt/archive; point the live symlinks back and reload {{web_server}} if the new certificate is wrong.',
    ],
  },
  {
    id: 'redis-flush-cache',
    title: 'Flush a Redis cache',
    name: 'Flush the Redis cache on {{redis_host}}',
    description:
      'Evict stale or poisoned entries from a Redis cache, by key pattern when possible rather than the whole database, watching the load on the backing store.',
    keywords: [
      'flush',
      'cache',
      'redis',
      'clear cache',
      'evict',
      'stale cache',
      'poisoned cache',
      'keys',
      'flushdb',
      'memcached',
      'invalidate cache',
    ],
    tools: ['redis-cli'],
    riskLevel: 'HIGH',
    parameters: [
      { name: 'redis_host', type: 'hostname', fact: 'hostname' },
      str('port', undefined, '6379'),
      { name: 'key_pattern', type: 'string', fact: 'keyPattern' },
    ],
    preconditions: [
      'The database behind the cache can take the cold-cache load (check its CPU and connection headroom).',
    ],
    steps: [
      {
        action: 'Record the key counts',
        command: 'redis-cli -h {{redis_host}} -p {{port}} INFO keyspace',
        expectedResult: 'db0:keys=... for each database.',
        destructive: false,
      },
      {
        action: 'Delete the keys matching {{key_pattern}}',
        command:
          "redis-cli -h {{redis_host}} -p {{port}} --scan --pattern '{{key_pattern}}' | xargs -r -n 500 redis-cli -h {{redis_host}} -p {{port}} UNLINK",
        expectedResult: 'A count of removed keys for each batch.',
        destructive: true,
        onlyIf: 'key_pattern',
      },
      {
        action: 'Flush the whole cache database',
        command: 'redis-cli -h {{redis_host}} -p {{port}} FLUSHDB ASYNC',
        expectedResult: 'OK',
        destructive: true,
        unless: 'key_pattern',
      },
      {
        action: 'Watch the hit rate recover',
        command:
          'redis-cli -h {{redis_host}} -p {{port}} INFO stats | grep -E "keyspace_(hits|misses)"',
        expectedResult: 'keyspace_hits growing faster than keyspace_misses within minutes.',
        destructive: false,
      },
    ],
    rollback: [
      'A flush cannot be undone; the cache refills from the source of truth. If the database struggles, shed load (rate limits) until the hit rate recovers.',
    ],
  },
  {
    id: 'aws-rds-failover',
    title: 'Fail over an Aurora or RDS database cluster',
    name: 'Fail over database cluster {{cluster}}',
    description:
      'Promote a replica to writer when the primary database instance is unhealthy or must be replaced, then check that applications reconnect.',
    keywords: [
      'failover',
      'fail over',
      'database',
      'db',
      'rds',
      'aurora',
      'primary',
      'replica',
      'promote',
      'writer',
      'postgres',
      'mysql',
      'switchover',
      'multi-az',
    ],
    tools: ['aws'],
    riskLevel: 'HIGH',
    parameters: [str('cluster', 'database'), region, str('target_instance')],
    preconditions: [
      'A healthy replica exists with low replica lag (`AuroraReplicaLag` under a second).',
      'Applications reconnect on failure (their connection strings use the cluster endpoint).',
    ],
    steps: [
      {
        action: 'Look at the cluster members and the current writer',
        command:
          "aws rds describe-db-clusters --db-cluster-identifier {{cluster}} --region {{region}} --query 'DBClusters[0].DBClusterMembers'",
        expectedResult: 'One member with IsClusterWriter true; note it.',
        destructive: false,
      },
      {
        action: 'Fail over to {{target_instance}}',
        command:
          'aws rds failover-db-cluster --db-cluster-identifier {{cluster}} --target-db-instance-identifier {{target_instance}} --region {{region}}',
        expectedResult: 'The cluster status becomes failing-over.',
        destructive: true,
      },
      {
        action: 'Wait for the cluster to be available',
        command:
          'aws rds wait db-cluster-available --db-cluster-identifier {{cluster}} --region {{region}}',
        expectedResult: 'The command returns without error.',
        destructive: false,
      },
      {
        action: 'Confirm the writer changed',
        command:
          "aws rds describe-db-clusters --db-cluster-identifier {{cluster}} --region {{region}} --query 'DBClusters[0].DBClusterMembers[?IsClusterWriter]'",
        expectedResult: '{{target_instance}} is the writer.',
        destructive: false,
      },
    ],
    rollback: ['Fail back to the former writer with the same command once it is healthy again.'],
  },
  {
    id: 'feature-flag-toggle',
    title: 'Turn a feature flag on or off',
    name: 'Turn flag {{flag}} {{state}} in {{environment}}',
    description:
      'Flip a feature flag (kill switch) to contain a faulty feature or re-enable one, and confirm the change reached the environment.',
    keywords: [
      'feature flag',
      'flag',
      'toggle',
      'kill switch',
      'disable feature',
      'enable feature',
      'launchdarkly',
      'ldcli',
      'dark launch',
      'off',
      'on',
    ],
    tools: ['ldcli'],
    riskLevel: 'LOW',
    parameters: [
      str('flag', 'flag'),
      { name: 'state', type: 'on|off', fact: 'flagState' },
      { name: 'environment', type: 'environment', fact: 'environment' },
      str('project'),
    ],
    preconditions: [
      'You know what the flag guards and who owns it; announce the change in the incident channel.',
    ],
    steps: [
      {
        action: 'Read the current state of {{flag}}',
        command: 'ldcli flags get --project {{project}} --flag {{flag}}',
        expectedResult: 'The flag exists; note its state in {{environment}}.',
        destructive: false,
      },
      {
        action: 'Turn {{flag}} {{state}} in {{environment}}',
        command:
          'ldcli flags toggle-{{state}} --project {{project}} --environment {{environment}} --flag {{flag}}',
        expectedResult: 'The flag shows {{state}} in {{environment}}.',
        destructive: false,
      },
      {
        action: 'Check the effect',
        command: 'ldcli flags get --project {{project}} --flag {{flag}}',
        expectedResult:
          '{{state}} in {{environment}}; error rates of the guarded feature change as expected.',
        destructive: false,
      },
    ],
    rollback: [
      'Set the flag back to the state recorded in step 1 with `ldcli flags toggle-<previous_state>`.',
    ],
  },
  {
    id: 'rabbitmq-restart-stuck-consumer',
    title: 'Restart a stuck queue consumer',
    name: 'Restart the consumer {{service}} of queue {{queue}}',
    description:
      'A queue backs up while its consumer is connected but not acknowledging: confirm, then restart the consumer deployment and watch the backlog drain.',
    keywords: [
      'queue',
      'consumer',
      'stuck',
      'backlog',
      'worker',
      'rabbitmq',
      'messages',
      'unacked',
      'restart consumer',
      'processing stopped',
      'amqp',
    ],
    tools: ['rabbitmqctl', 'kubectl'],
    riskLevel: 'MEDIUM',
    parameters: [service, namespace, str('queue', 'queue')],
    preconditions: [
      'Messages are acknowledged only after processing, so a restart redelivers unacked messages instead of losing them.',
    ],
    steps: [
      {
        action: 'Confirm the backlog on {{queue}}',
        command:
          'rabbitmqctl list_queues name messages messages_unacknowledged consumers | grep {{queue}}',
        expectedResult: 'messages growing, consumers > 0: the consumer is connected but stuck.',
        destructive: false,
      },
      {
        action: 'Read the consumer logs',
        command: 'kubectl -n {{namespace}} logs deployment/{{service}} --since=15m | tail -n 100',
        expectedResult: 'The last processed message or a hang; keep the output for the postmortem.',
        destructive: false,
      },
      {
        action: 'Restart the consumer',
        command: 'kubectl -n {{namespace}} rollout restart deployment/{{service}}',
        expectedResult: 'deployment.apps/{{service}} restarted',
        destructive: true,
      },
      {
        action: 'Watch the backlog drain',
        command:
          'rabbitmqctl list_queues name messages messages_unacknowledged consumers | grep {{queue}}',
        expectedResult: 'messages decreasing over a few minutes.',
        destructive: false,
      },
    ],
    rollback: [
      'If redelivered messages fail again, stop the consumer (`kubectl -n {{namespace}} scale deployment/{{service}} --replicas=0`) and move the poison messages to the dead-letter queue.',
    ],
  },
  {
    id: 'kafka-reset-consumer-offsets',
    title: 'Reset a Kafka consumer group’s offsets',
    name: 'Reset offsets of consumer group {{consumer_group}} on {{topic}}',
    description:
      'Skip a poison message or a backlog nobody needs by moving a consumer group’s offsets on a topic, after stopping its consumers.',
    keywords: [
      'kafka',
      'consumer group',
      'offsets',
      'reset offsets',
      'lag',
      'topic',
      'skip',
      'poison message',
      'backlog',
      'consumer lag',
    ],
    tools: ['kafka-consumer-groups.sh'],
    riskLevel: 'HIGH',
    parameters: [
      str('consumer_group', 'consumerGroup'),
      str('topic', 'topic'),
      str('bootstrap_server'),
    ],
    preconditions: [
      'Every consumer of {{consumer_group}} is stopped: offsets can only be reset on an inactive group.',
      'The owners agree that skipped messages need no processing.',
    ],
    steps: [
      {
        action: 'Look at the group and its lag',
        command:
          'kafka-consumer-groups.sh --bootstrap-server {{bootstrap_server}} --describe --group {{consumer_group}}',
        expectedResult: 'Partitions of {{topic}} with their lag; no active members.',
        destructive: false,
      },
      {
        action: 'Dry-run the reset to the latest offsets',
        command:
          'kafka-consumer-groups.sh --bootstrap-server {{bootstrap_server}} --group {{consumer_group}} --topic {{topic}} --reset-offsets --to-latest --dry-run',
        expectedResult: 'The new offsets per partition.',
        destructive: false,
      },
      {
        action: 'Apply the reset',
        command:
          'kafka-consumer-groups.sh --bootstrap-server {{bootstrap_server}} --group {{consumer_group}} --topic {{topic}} --reset-offsets --to-latest --execute',
        expectedResult: 'The new offsets are committed.',
        destructive: true,
      },
    ],
    rollback: [
      'Reset to the offsets printed in step 1 with `--reset-offsets --to-offset <offset>` per partition.',
    ],
  },
  {
    id: 'cloudfront-purge-cdn-cache',
    title: 'Purge a CDN cache (CloudFront invalidation)',
    name: 'Purge the CDN cache of distribution {{distribution_id}}',
    description:
      'Invalidate cached objects at the CDN edge after a bad asset or page was published, then check the edge serves the fresh copy.',
    keywords: [
      'cdn',
      'purge',
      'invalidate',
      'invalidation',
      'cloudfront',
      'edge',
      'cache',
      'stale assets',
      'static',
      'fastly',
      'akamai',
    ],
    tools: ['aws', 'curl'],
    riskLevel: 'LOW',
    parameters: [
      str('distribution_id'),
      { name: 'paths', type: 'path', fact: 'path', default: '/*' },
      { name: 'hostname', type: 'hostname', fact: 'hostname' },
      str('invalidation_id'),
    ],
    preconditions: ['The origin already serves the corrected content.'],
    steps: [
      {
        action: 'Create the invalidation for {{paths}}',
        command:
          "aws cloudfront create-invalidation --distribution-id {{distribution_id}} --paths '{{paths}}'",
        expectedResult:
          'An Invalidation with an Id and Status InProgress; that Id is invalidation_id.',
        destructive: false,
      },
      {
        action: 'Wait for it to complete',
        command:
          'aws cloudfront wait invalidation-completed --distribution-id {{distribution_id}} --id {{invalidation_id}}',
        expectedResult: 'The command returns without error.',
        destructive: false,
      },
      {
        action: 'Check the edge',
        command: 'curl -sI https://{{hostname}}/ | grep -iE "x-cache|age"',
        expectedResult: 'Miss from cloudfront or a small age on the first request.',
        destructive: false,
      },
    ],
    rollback: ['Nothing to undo: an invalidation only makes the edge fetch from the origin again.'],
  },
  {
    id: 'route53-update-dns-record',
    title: 'Update or renew a DNS record in Route 53',
    name: 'Point {{record}} at {{target}}',
    description:
      'Change or recreate a DNS record that points at the wrong place or went missing, and check resolvers see the new answer.',
    keywords: [
      'dns',
      'record',
      'route53',
      'route 53',
      'a record',
      'cname',
      'upsert',
      'renew dns',
      'nxdomain',
      'resolve',
      'hostname',
      'zone',
      'ttl',
    ],
    tools: ['aws', 'dig'],
    riskLevel: 'HIGH',
    parameters: [
      str('zone_id'),
      { name: 'record', type: 'hostname', fact: 'hostname' },
      { name: 'target', type: 'ip', fact: 'ip' },
      str('ttl', undefined, '60'),
      str('change_id'),
    ],
    preconditions: [
      'You know the record’s last good value (from the zone’s history or infrastructure code).',
    ],
    steps: [
      {
        action: 'Read the current record',
        command: `aws route53 list-resource-record-sets --hosted-zone-id {{zone_id}} --query "ResourceRecordSets[?Name == '{{record}}.']"`,
        expectedResult: 'The current value, or nothing if the record is missing.',
        destructive: false,
      },
      {
        action: 'Upsert the record',
        command: `aws route53 change-resource-record-sets --hosted-zone-id {{zone_id}} --change-batch '{"Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"{{record}}","Type":"A","TTL":{{ttl}},"ResourceRecords":[{"Value":"{{target}}"}]}}]}'`,
        expectedResult: 'A ChangeInfo with Status PENDING; its Id is change_id.',
        destructive: true,
      },
      {
        action: 'Wait for the change to propagate',
        command: 'aws route53 wait resource-record-sets-changed --id {{change_id}}',
        expectedResult: 'The command returns without error.',
        destructive: false,
      },
      {
        action: 'Check public resolution',
        command: 'dig +short {{record}} @8.8.8.8',
        expectedResult: '{{target}}',
        destructive: false,
      },
    ],
    rollback: ['Upsert the value read in step 1 again.'],
  },
  {
    id: 'dns-flush-resolver-cache',
    title: 'Flush the DNS resolver cache (CoreDNS and hosts)',
    name: 'Flush DNS resolver caches',
    description:
      'Clear cached negative or stale DNS answers after a DNS fix: restart CoreDNS in the cluster, or flush systemd-resolved on a host.',
    keywords: [
      'dns',
      'flush',
      'resolver',
      'cache',
      'coredns',
      'kube-dns',
      'stale dns',
      'nxdomain',
      'resolution',
      'systemd-resolved',
      'resolvectl',
      'name resolution',
    ],
    tools: ['kubectl', 'ssh'],
    riskLevel: 'LOW',
    parameters: [
      { name: 'hostname', type: 'hostname', fact: 'hostname' },
      { name: 'host', type: 'hostname', fact: 'host' },
    ],
    preconditions: [
      'The authoritative record for {{hostname}} is already correct (`dig +short {{hostname}} @8.8.8.8`).',
    ],
    steps: [
      {
        action: 'Check resolution from inside the cluster',
        command:
          'kubectl run dns-check --rm -i --restart=Never --image=busybox:1.36 -- nslookup {{hostname}}',
        expectedResult: 'The stale or failing answer the incident is about.',
        destructive: false,
      },
      {
        action: 'Restart CoreDNS to drop its cache',
        command:
          'kubectl -n kube-system rollout restart deployment/coredns && kubectl -n kube-system rollout status deployment/coredns',
        expectedResult: 'deployment "coredns" successfully rolled out',
        destructive: true,
      },
      {
        action: 'Flush the resolver cache on {{host}}',
        command:
          "ssh {{host}} 'sudo resolvectl flush-caches && resolvectl statistics | grep -i current'",
        expectedResult: 'Current Cache Size: 0',
        destructive: false,
        onlyIf: 'host',
      },
      {
        action: 'Check resolution again',
        command:
          'kubectl run dns-check --rm -i --restart=Never --image=busybox:1.36 -- nslookup {{hostname}}',
        expectedResult: 'The correct answer.',
        destructive: false,
      },
    ],
    rollback: ['Nothing to undo: caches refill from the authoritative servers.'],
  },
  {
    id: 'k8s-increase-connection-pool',
    title: 'Increase a service’s database connection pool',
    name: 'Raise the connection pool of {{service}} to {{pool_size}}',
    description:
      'Requests wait for database connections: raise the pool size of a service, checking the database can accept the extra connections.',
    keywords: [
      'connection pool',
      'pool',
      'connections',
      'pool exhausted',
      'timeout acquiring connection',
      'increase',
      'database',
      'max connections',
      'hikari',
      'pgbouncer',
    ],
    tools: ['kubectl', 'psql'],
    riskLevel: 'MEDIUM',
    parameters: [
      service,
      namespace,
      { name: 'pool_size', type: 'integer', fact: 'poolSize' },
      str('pool_env_var', undefined, 'DB_POOL_MAX'),
      str('database', 'database'),
    ],
    preconditions: [
      'pool_size × replicas of {{service}}, plus every other client, stays below max_connections of {{database}}.',
    ],
    steps: [
      {
        action: 'Check the database’s connection headroom',
        command: `psql -d {{database}} -c 'SHOW max_connections;' -c 'SELECT count(*) FROM pg_stat_activity;'`,
        expectedResult: 'Enough free connections for the larger pool.',
        destructive: false,
      },
      {
        action: 'Set the pool size to {{pool_size}}',
        command:
          'kubectl -n {{namespace}} set env deployment/{{service}} {{pool_env_var}}={{pool_size}}',
        expectedResult: 'deployment.apps/{{service}} env updated (this starts a rollout).',
        destructive: true,
      },
      {
        action: 'Wait for the rollout',
        command: 'kubectl -n {{namespace}} rollout status deployment/{{service}} --timeout=10m',
        expectedResult: 'deployment "{{service}}" successfully rolled out',
        destructive: false,
      },
    ],
    rollback: [
      'Set {{pool_env_var}} back to its previous value with `kubectl -n {{namespace}} set env deployment/{{service}} {{pool_env_var}}=<previous_value>`.',
    ],
  },
  {
    id: 'postgres-kill-long-running-queries',
    title: 'Kill long-running PostgreSQL queries',
    name: 'Cancel queries running longer than {{max_duration}} on {{database}}',
    description:
      'Queries holding locks or CPU for too long: list them, cancel them gently, terminate the backends that ignore cancellation.',
    keywords: [
      'long running queries',
      'slow queries',
      'kill query',
      'cancel query',
      'terminate',
      'pg_stat_activity',
      'locks',
      'blocking',
      'postgres',
      'database',
      'cpu',
    ],
    tools: ['psql'],
    riskLevel: 'HIGH',
    parameters: [
      str('database', 'database'),
      { name: 'max_duration', type: 'duration', fact: 'duration', default: '5 minutes' },
    ],
    preconditions: [
      'The queries are not a migration or a backup that must finish (check `application_name` and `query`).',
    ],
    steps: [
      {
        action: 'List queries running longer than {{max_duration}}',
        command: `psql -d {{database}} -c "SELECT pid, now() - query_start AS runtime, usename, application_name, left(query, 120) AS query FROM pg_stat_activity WHERE state <> 'idle' AND now() - query_start > interval '{{max_duration}}' ORDER BY runtime DESC;"`,
        expectedResult: 'The offending pids; save the list for the postmortem.',
        destructive: false,
      },
      {
        action: 'Cancel them',
        command: `psql -d {{database}} -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE state <> 'idle' AND now() - query_start > interval '{{max_duration}}' AND pid <> pg_backend_pid();"`,
        expectedResult: 't for each cancelled query.',
        destructive: true,
      },
      {
        action: 'Terminate the backends that ignored cancellation',
        command: `psql -d {{database}} -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state <> 'idle' AND now() - query_start > interval '{{max_duration}}' AND pid <> pg_backend_pid();"`,
        expectedResult: 'The list query of step 1 returns no rows.',
        destructive: true,
      },
    ],
    rollback: [
      'Cancelled work is rolled back by PostgreSQL; re-run any needed job once the database is healthy.',
    ],
  },
  {
    id: 'elasticsearch-rebuild-index',
    title: 'Rebuild a search index (Elasticsearch or OpenSearch)',
    name: 'Rebuild search index {{index}}',
    description:
      'Search results are missing or wrong: reindex into a fresh index, compare counts, then swap the alias with no downtime.',
    keywords: [
      'search index',
      'rebuild',
      'reindex',
      'elasticsearch',
      'opensearch',
      'alias',
      'search results',
      'mapping',
      'shards',
      'kibana',
    ],
    tools: ['curl'],
    riskLevel: 'MEDIUM',
    parameters: [str('index', 'index'), str('alias'), { name: 'elasticsearch_url', type: 'url' }],
    preconditions: ['The cluster is green and has disk for a second copy of {{index}}.'],
    steps: [
      {
        action: 'Check cluster health',
        command: "curl -s '{{elasticsearch_url}}/_cluster/health?pretty'",
        expectedResult: '"status" : "green"',
        destructive: false,
      },
      {
        action: 'Reindex {{index}} into {{index}}-rebuild',
        command: `curl -s -XPOST '{{elasticsearch_url}}/_reindex?wait_for_completion=false' -H 'Content-Type: application/json' -d '{"source":{"index":"{{index}}"},"dest":{"index":"{{index}}-rebuild"}}'`,
        expectedResult: 'A task id.',
        destructive: false,
      },
      {
        action: 'Follow the reindex task',
        command: "curl -s '{{elasticsearch_url}}/_tasks?actions=*reindex&detailed'",
        expectedResult: 'No reindex task left running.',
        destructive: false,
      },
      {
        action: 'Compare document counts',
        command:
          "curl -s '{{elasticsearch_url}}/_cat/count/{{index}}' && curl -s '{{elasticsearch_url}}/_cat/count/{{index}}-rebuild'",
        expectedResult: 'The same count, or the new one larger if documents were missing.',
        destructive: false,
      },
      {
        action: 'Swap the alias to the rebuilt index',
        command: `curl -s -XPOST '{{elasticsearch_url}}/_aliases' -H 'Content-Type: application/json' -d '{"actions":[{"remove":{"index":"{{index}}","alias":"{{alias}}"}},{"add":{"index":"{{index}}-rebuild","alias":"{{alias}}"}}]}'`,
        expectedResult: '{"acknowledged":true}',
        destructive: true,
      },
    ],
    rollback: [
      'Swap {{alias}} back to {{index}} with the same _aliases call, remove and add reversed.',
    ],
  },
  {
    id: 'aws-rotate-secret',
    title: 'Rotate leaked or expiring credentials in AWS Secrets Manager',
    name: 'Rotate secret {{secret_id}}',
    description:
      'A credential, password, token or API key leaked or is expiring: rotate it in Secrets Manager and restart the services that cache it.',
    keywords: [
      'rotate',
      'credentials',
      'secret',
      'password',
      'api key',
      'token',
      'leaked',
      'compromised',
      'secrets manager',
      'aws',
      'expiring credentials',
    ],
    tools: ['aws', 'kubectl'],
    riskLevel: 'HIGH',
    parameters: [str('secret_id', 'secret'), region, service, namespace],
    preconditions: [
      'The secret has a rotation Lambda configured (`RotationEnabled: true`).',
      'Every consumer of the secret re-reads it on restart.',
    ],
    steps: [
      {
        action: 'Describe the secret',
        command: 'aws secretsmanager describe-secret --secret-id {{secret_id}} --region {{region}}',
        expectedResult: 'RotationEnabled true; note the version with AWSCURRENT.',
        destructive: false,
      },
      {
        action: 'Rotate it',
        command: 'aws secretsmanager rotate-secret --secret-id {{secret_id}} --region {{region}}',
        expectedResult: 'A new VersionId.',
        destructive: true,
      },
      {
        action: 'Check the new version is current',
        command:
          "aws secretsmanager describe-secret --secret-id {{secret_id}} --region {{region}} --query 'VersionIdsToStages'",
        expectedResult: 'The new VersionId carries AWSCURRENT, the old one AWSPREVIOUS.',
        destructive: false,
      },
      {
        action: 'Restart {{service}} so it loads the new credential',
        command:
          'kubectl -n {{namespace}} rollout restart deployment/{{service}} && kubectl -n {{namespace}} rollout status deployment/{{service}}',
        expectedResult:
          'deployment "{{service}}" successfully rolled out, with no authentication errors in its logs.',
        destructive: true,
      },
    ],
    rollback: [
      'If the new credential does not work, move AWSCURRENT back: `aws secretsmanager update-secret-version-stage --secret-id {{secret_id}} --version-stage AWSCURRENT --move-to-version-id <previous_version_id> --remove-from-version-id <new_version_id>` (never for a leaked credential).',
    ],
  },
  {
    id: 'aws-waf-block-ip',
    title: 'Block an abusive IP address at the WAF',
    name: 'Block {{ip}} at the WAF',
    description:
      'An address is abusing the service (scraping, credential stuffing, a small DDoS): add it to the WAF IP set used by a block rule. A single address is written as the /32 block.',
    keywords: [
      'block',
      'ip',
      'abusive',
      'ban',
      'deny',
      'waf',
      'attack',
      'ddos',
      'bot',
      'scraping',
      'credential stuffing',
      'blocklist',
      'firewall',
    ],
    tools: ['aws'],
    riskLevel: 'MEDIUM',
    parameters: [
      { name: 'ip', type: 'ip', fact: 'ip' },
      { name: 'ip_cidr', type: 'cidr', fact: 'ipCidr' },
      str('ip_set_name'),
      str('ip_set_id'),
      str('scope', undefined, 'REGIONAL'),
      region,
      str('lock_token'),
    ],
    preconditions: [
      'The address is not a shared egress (a customer’s NAT, a CDN, a partner); check its owner with `whois {{ip}}`.',
      'A WAF rule blocks the addresses in {{ip_set_name}}.',
    ],
    steps: [
      {
        action: 'Read the IP set and its lock token',
        command:
          'aws wafv2 get-ip-set --name {{ip_set_name}} --scope {{scope}} --id {{ip_set_id}} --region {{region}}',
        expectedResult: 'The current Addresses and a LockToken; that token is lock_token.',
        destructive: false,
      },
      {
        action: 'Add {{ip}}/32 to the set',
        command:
          'aws wafv2 update-ip-set --name {{ip_set_name}} --scope {{scope}} --id {{ip_set_id}} --region {{region}} --lock-token {{lock_token}} --addresses <current_addresses> {{ip}}/32',
        expectedResult: 'A NextLockToken (the call replaces the list: keep every current address).',
        destructive: true,
        unless: 'ip_cidr',
      },
      {
        action: 'Add {{ip_cidr}} to the set',
        command:
          'aws wafv2 update-ip-set --name {{ip_set_name}} --scope {{scope}} --id {{ip_set_id}} --region {{region}} --lock-token {{lock_token}} --addresses <current_addresses> {{ip_cidr}}',
        expectedResult: 'A NextLockToken (the call replaces the list: keep every current address).',
        destructive: true,
        onlyIf: 'ip_cidr',
      },
      {
        action: 'Confirm the address is listed',
        command:
          "aws wafv2 get-ip-set --name {{ip_set_name}} --scope {{scope}} --id {{ip_set_id}} --region {{region}} --query 'IPSet.Addresses'",
        expectedResult: '{{ip}} among the addresses.',
        destructive: false,
      },
    ],
    rollback: ['Update the IP set again without {{ip}}.'],
  },
  {
    id: 'aws-rds-restore-snapshot',
    title: 'Restore a database from a backup snapshot',
    name: 'Restore {{database}} from snapshot {{snapshot_id}}',
    description:
      'Data was lost or corrupted: restore a backup snapshot into a new database instance, verify it, and switch the application over.',
    keywords: [
      'restore',
      'backup',
      'snapshot',
      'recover',
      'data loss',
      'corruption',
      'rds',
      'postgres',
      'point in time',
      'dropped',
    ],
    tools: ['aws', 'psql', 'kubectl'],
    riskLevel: 'HIGH',
    parameters: [
      str('database', 'database'),
      str('snapshot_id', 'snapshot'),
      region,
      str('instance_class', undefined, 'db.r6g.large'),
      service,
      namespace,
    ],
    preconditions: [
      'Writes to {{database}} are stopped or the owners accept losing the writes after the snapshot.',
      'The snapshot is from before the data loss (`aws rds describe-db-snapshots`).',
    ],
    steps: [
      {
        action: 'Find the snapshot',
        command:
          "aws rds describe-db-snapshots --db-instance-identifier {{database}} --region {{region}} --query 'DBSnapshots[].[DBSnapshotIdentifier,SnapshotCreateTime]'",
        expectedResult: '{{snapshot_id}} with a creation time before the incident.',
        destructive: false,
      },
      {
        action: 'Restore it into a new instance',
        command:
          'aws rds restore-db-instance-from-db-snapshot --db-instance-identifier {{database}}-restored --db-snapshot-identifier {{snapshot_id}} --db-instance-class {{instance_class}} --region {{region}}',
        expectedResult: 'DBInstanceStatus creating.',
        destructive: false,
      },
      {
        action: 'Wait until it is available',
        command:
          'aws rds wait db-instance-available --db-instance-identifier {{database}}-restored --region {{region}}',
        expectedResult: 'The command returns without error (this can take an hour).',
        destructive: false,
      },
      {
        action: 'Verify the restored data',
        command: `psql -h <restored_endpoint> -d <database_name> -c 'SELECT count(*) FROM <critical_table>;'`,
        expectedResult: 'The rows that were lost are present.',
        destructive: false,
      },
      {
        action: 'Point {{service}} at the restored instance',
        command:
          'kubectl -n {{namespace}} set env deployment/{{service}} DATABASE_HOST=<restored_endpoint>',
        expectedResult: 'deployment.apps/{{service}} env updated',
        destructive: true,
      },
    ],
    rollback: [
      'Point {{service}} back at the original endpoint; the original instance is left untouched by this runbook.',
    ],
  },
  {
    id: 'postgres-vacuum-table',
    title: 'Run VACUUM on a bloated PostgreSQL table',
    name: 'Vacuum table {{table}} in {{database}}',
    description:
      'A table is bloated with dead tuples or autovacuum fell behind: check what blocks it and run VACUUM (ANALYZE) by hand, without locking writes.',
    keywords: [
      'vacuum',
      'bloat',
      'dead tuples',
      'autovacuum',
      'analyze',
      'postgres',
      'table',
      'transaction wraparound',
      'slow queries',
      'statistics',
    ],
    tools: ['psql'],
    riskLevel: 'LOW',
    parameters: [str('database', 'database'), str('table', 'table')],
    preconditions: [
      'No long-running transaction holds back the xmin horizon (step 2), or the vacuum frees nothing.',
    ],
    steps: [
      {
        action: 'Measure dead tuples on {{table}}',
        command: `psql -d {{database}} -c "SELECT relname, n_live_tup, n_dead_tup, last_autovacuum FROM pg_stat_user_tables WHERE relname = '{{table}}';"`,
        expectedResult: 'n_dead_tup large relative to n_live_tup.',
        destructive: false,
      },
      {
        action: 'Look for old transactions that block cleanup',
        command: `psql -d {{database}} -c "SELECT pid, now() - xact_start AS age, state FROM pg_stat_activity WHERE xact_start IS NOT NULL ORDER BY age DESC LIMIT 5;"`,
        expectedResult: 'No transaction older than a few minutes.',
        destructive: false,
      },
      {
        action: 'Vacuum and analyze {{table}}',
        command: `psql -d {{database}} -c 'VACUUM (VERBOSE, ANALYZE) {{table}};'`,
        expectedResult: 'INFO lines ending in VACUUM.',
        destructive: false,
      },
      {
        action: 'Measure again',
        command: `psql -d {{database}} -c "SELECT n_dead_tup, last_vacuum FROM pg_stat_user_tables WHERE relname = '{{table}}';"`,
        expectedResult: 'n_dead_tup near zero and last_vacuum now.',
        destructive: false,
      },
    ],
    rollback: ['Nothing to undo: VACUUM only reclaims dead rows.'],
  },
  {
    id: 'postgres-reindex',
    title: 'Reindex a PostgreSQL index concurrently',
    name: 'Reindex {{pg_index}} in {{database}}',
    description:
      'A bloated, corrupted or invalid PostgreSQL index slows queries: rebuild it with REINDEX CONCURRENTLY, without blocking writes.',
    keywords: [
      'reindex',
      'postgres index',
      'index bloat',
      'invalid index',
      'corrupted index',
      'btree',
      'postgres',
      'database',
      'table',
      'concurrently',
    ],
    tools: ['psql'],
    riskLevel: 'MEDIUM',
    parameters: [str('database', 'database'), str('pg_index', 'index')],
    preconditions: [
      'PostgreSQL 12 or later (REINDEX CONCURRENTLY), and disk for a second copy of the index.',
    ],
    steps: [
      {
        action: 'Measure the index',
        command: `psql -d {{database}} -c "SELECT pg_size_pretty(pg_relation_size('{{pg_index}}'));"`,
        expectedResult: 'Its size, for comparison.',
        destructive: false,
      },
      {
        action: 'Rebuild it concurrently',
        command: `psql -d {{database}} -c 'REINDEX INDEX CONCURRENTLY {{pg_index}};'`,
        expectedResult: 'REINDEX',
        destructive: false,
      },
      {
        action: 'Check no invalid index was left behind',
        command: `psql -d {{database}} -c "SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;"`,
        expectedResult: 'No rows (a failed concurrent reindex leaves a *_ccnew index to drop).',
        destructive: false,
      },
    ],
    rollback: [
      'If the reindex fails, drop the leftover invalid index with `DROP INDEX CONCURRENTLY <name>_ccnew;`; the original index keeps serving.',
    ],
  },
  {
    id: 'k8s-rerun-cronjob',
    title: 'Restart a stuck or missed Kubernetes CronJob',
    name: 'Re-run CronJob {{cronjob}}',
    description:
      'A scheduled job did not run, is suspended or hangs: clear the stuck run, resume the schedule and trigger a manual run.',
    keywords: [
      'cronjob',
      'cron job',
      'cron',
      'scheduled job',
      'batch',
      'missed run',
      'stuck job',
      'rerun',
      're-run',
      'suspend',
      'kubernetes',
      'trigger',
    ],
    tools: ['kubectl'],
    riskLevel: 'LOW',
    parameters: [str('cronjob', 'cronjob'), namespace, str('stuck_job')],
    preconditions: ['The job is safe to run twice (idempotent) or the failed run wrote nothing.'],
    steps: [
      {
        action: 'Look at the CronJob and its recent runs',
        command:
          'kubectl -n {{namespace}} get cronjob {{cronjob}} && kubectl -n {{namespace}} get jobs --sort-by=.metadata.creationTimestamp',
        expectedResult:
          'SUSPEND, LAST SCHEDULE and the runs of {{cronjob}}; note a run that is stuck.',
        destructive: false,
      },
      {
        action: 'Delete the stuck run',
        command: 'kubectl -n {{namespace}} delete job {{stuck_job}}',
        expectedResult: 'job.batch "{{stuck_job}}" deleted',
        destructive: true,
      },
      {
        action: 'Resume the schedule',
        command: `kubectl -n {{namespace}} patch cronjob {{cronjob}} -p '{"spec":{"suspend":false}}'`,
        expectedResult: 'cronjob.batch/{{cronjob}} patched',
        destructive: false,
      },
      {
        action: 'Trigger a manual run',
        command:
          'kubectl -n {{namespace}} create job --from=cronjob/{{cronjob}} {{cronjob}}-manual-$(date +%s)',
        expectedResult: 'job.batch/{{cronjob}}-manual-... created',
        destructive: false,
      },
      {
        action: 'Watch it complete',
        command: 'kubectl -n {{namespace}} get jobs --watch',
        expectedResult: 'The manual job reaches COMPLETIONS 1/1.',
        destructive: false,
      },
    ],
    rollback: [
      'Suspend the schedule again with `kubectl -n {{namespace}} patch cronjob {{cronjob}} -p \'{"spec":{"suspend":true}}\'` if the runs do harm.',
    ],
  },
  {
    id: 'sqs-redrive-dead-letter-queue',
    title: 'Reprocess messages from a dead-letter queue (SQS redrive)',
    name: 'Redrive the dead-letter queue of {{queue}}',
    description:
      'Messages failed and landed in a dead-letter queue; once the fault is fixed, move them back to the source queue at a controlled rate.',
    keywords: [
      'dead letter queue',
      'dlq',
      'redrive',
      'reprocess',
      'replay',
      'failed messages',
      'sqs',
      'queue',
      'message move',
      'poison',
    ],
    tools: ['aws'],
    riskLevel: 'MEDIUM',
    parameters: [
      str('queue', 'queue'),
      str('dlq_url'),
      str('dlq_arn'),
      region,
      str('rate', undefined, '50'),
    ],
    preconditions: [
      'The bug that sent the messages to the dead-letter queue is fixed and deployed.',
      'Consumers of {{queue}} are idempotent: some messages may have been partly processed.',
    ],
    steps: [
      {
        action: 'Count the messages waiting',
        command:
          'aws sqs get-queue-attributes --queue-url {{dlq_url}} --attribute-names ApproximateNumberOfMessages --region {{region}}',
        expectedResult: 'The number of messages to reprocess.',
        destructive: false,
      },
      {
        action: 'Peek at a few messages',
        command:
          'aws sqs receive-message --queue-url {{dlq_url}} --max-number-of-messages 5 --visibility-timeout 0 --region {{region}}',
        expectedResult: 'Messages the fixed code can now handle.',
        destructive: false,
      },
      {
        action: 'Start the redrive',
        command:
          'aws sqs start-message-move-task --source-arn {{dlq_arn}} --max-number-of-messages-per-second {{rate}} --region {{region}}',
        expectedResult: 'A TaskHandle.',
        destructive: true,
      },
      {
        action: 'Follow the move',
        command: 'aws sqs list-message-move-tasks --source-arn {{dlq_arn}} --region {{region}}',
        expectedResult:
          'Status COMPLETED and ApproximateNumberOfMessagesMoved equal to the count from step 1.',
        destructive: false,
      },
    ],
    rollback: [
      'Stop a redrive that fails again with `aws sqs cancel-message-move-task --task-handle <task_handle>`; the rest stay in the dead-letter queue.',
    ],
  },
  {
    id: 'k8s-rollback-config-change',
    title: 'Roll back a configuration change',
    name: 'Roll back the configuration of {{service}}',
    description:
      'A configuration change (ConfigMap, environment, settings) broke a service: restore the previous configuration, by git revert when it is managed in git, and restart the service.',
    keywords: [
      'config',
      'configuration',
      'configmap',
      'config change',
      'rollback config',
      'revert',
      'settings',
      'bad config',
      'gitops',
      'git revert',
      'misconfiguration',
    ],
    tools: ['kubectl', 'git'],
    riskLevel: 'MEDIUM',
    parameters: [
      service,
      namespace,
      str('configmap', 'configmap'),
      str('commit', 'commit'),
      str('previous_config_file'),
    ],
    preconditions: [
      'You know which change broke it (the commit or the previous ConfigMap version).',
    ],
    steps: [
      {
        action: 'Save the current configuration',
        command:
          'kubectl -n {{namespace}} get configmap {{configmap}} -o yaml > {{configmap}}-broken.yaml',
        expectedResult: 'A copy for the postmortem.',
        destructive: false,
      },
      {
        action: 'Revert commit {{commit}} in the configuration repository',
        command: 'git revert --no-edit {{commit}} && git push',
        expectedResult: 'A revert commit; the GitOps controller syncs it.',
        destructive: true,
        onlyIf: 'commit',
      },
      {
        action: 'Apply the previous configuration',
        command: 'kubectl -n {{namespace}} apply -f {{previous_config_file}}',
        expectedResult: 'configmap/{{configmap}} configured',
        destructive: true,
        unless: 'commit',
      },
      {
        action: 'Restart {{service}} to load it',
        command:
          'kubectl -n {{namespace}} rollout restart deployment/{{service}} && kubectl -n {{namespace}} rollout status deployment/{{service}}',
        expectedResult: 'deployment "{{service}}" successfully rolled out',
        destructive: true,
      },
    ],
    rollback: ['Re-apply {{configmap}}-broken.yaml only if the old configuration turns out worse.'],
  },
  {
    id: 'k8s-expand-persistent-volume',
    title: 'Expand a persistent volume',
    name: 'Expand volume claim {{pvc}} to {{size}}',
    description:
      'A persistent volume is filling up: grow its claim online when the storage class allows expansion, and check the filesystem followed.',
    keywords: [
      'expand',
      'resize',
      'volume',
      'pvc',
      'persistent volume',
      'disk',
      'storage',
      'grow',
      'full',
      'capacity',
      'ebs',
    ],
    tools: ['kubectl'],
    riskLevel: 'MEDIUM',
    parameters: [
      str('pvc', 'volume'),
      namespace,
      { name: 'size', type: 'size', fact: 'size' },
      str('pod'),
      str('mount_path'),
    ],
    preconditions: [
      'The storage class has allowVolumeExpansion: true.',
      'Volumes can grow but never shrink: choose {{size}} with care.',
    ],
    steps: [
      {
        action: 'Check the claim and its storage class',
        command:
          "kubectl -n {{namespace}} get pvc {{pvc}} -o jsonpath='{.spec.storageClassName} {.status.capacity.storage}'",
        expectedResult: 'The class name and current size.',
        destructive: false,
      },
      {
        action: 'Request {{size}}',
        command: `kubectl -n {{namespace}} patch pvc {{pvc}} -p '{"spec":{"resources":{"requests":{"storage":"{{size}}"}}}}'`,
        expectedResult: 'persistentvolumeclaim/{{pvc}} patched',
        destructive: true,
      },
      {
        action: 'Wait for the resize',
        command: 'kubectl -n {{namespace}} get pvc {{pvc}} -w',
        expectedResult:
          'CAPACITY shows {{size}} (FileSystemResizePending clears once a pod mounts it).',
        destructive: false,
      },
      {
        action: 'Check the filesystem size inside the pod',
        command: 'kubectl -n {{namespace}} exec {{pod}} -- df -h {{mount_path}}',
        expectedResult: 'The filesystem shows the new size.',
        destructive: false,
      },
    ],
    rollback: ['A volume cannot shrink; to go back, copy the data to a new smaller volume.'],
  },
  {
    id: 'k8s-increase-memory-limit',
    title: 'Raise the memory limit of OOMKilled pods',
    name: 'Raise the memory limit of {{service}} to {{memory_limit}}',
    description:
      'Pods are OOMKilled or restarting out of memory: confirm the kills, raise the memory limit and request, and watch for a leak.',
    keywords: [
      'memory',
      'oomkilled',
      'oom',
      'out of memory',
      'memory limit',
      'memory leak',
      'restarts',
      'exit code 137',
      'resources',
      'limits',
      'increase',
    ],
    tools: ['kubectl'],
    riskLevel: 'MEDIUM',
    parameters: [service, namespace, { name: 'memory_limit', type: 'size', fact: 'size' }],
    preconditions: [
      'The nodes have room for the larger request.',
      'A growing memory graph means a leak: a higher limit only buys time.',
    ],
    steps: [
      {
        action: 'Confirm the pods were OOMKilled',
        command: `kubectl -n {{namespace}} get pods -l app={{service}} -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.containerStatuses[*].lastState.terminated.reason}{"\\n"}{end}'`,
        expectedResult: 'OOMKilled next to the restarting pods.',
        destructive: false,
      },
      {
        action: 'Raise the memory limit and request',
        command:
          'kubectl -n {{namespace}} set resources deployment/{{service}} --limits=memory={{memory_limit}} --requests=memory={{memory_limit}}',
        expectedResult:
          'deployment.apps/{{service}} resource requirements updated (this starts a rollout).',
        destructive: true,
      },
      {
        action: 'Wait for the rollout',
        command: 'kubectl -n {{namespace}} rollout status deployment/{{service}} --timeout=10m',
        expectedResult: 'deployment "{{service}}" successfully rolled out',
        destructive: false,
      },
      {
        action: 'Watch memory use',
        command: 'kubectl -n {{namespace}} top pods -l app={{service}}',
        expectedResult: 'Memory well below {{memory_limit}} and not climbing steadily.',
        destructive: false,
      },
    ],
    rollback: [
      'Undo the change with `kubectl -n {{namespace}} rollout undo deployment/{{service}}`.',
    ],
  },
  {
    id: 'route53-shift-traffic-from-region',
    title: 'Shift traffic away from a failing region',
    name: 'Shift traffic for {{hostname}} away from {{region}}',
    description:
      'A region or a regional dependency (cloud provider, third-party API) is failing: set the weight of the region’s DNS record to zero so clients go to the healthy regions.',
    keywords: [
      'evacuate',
      'shift traffic',
      'traffic',
      'failover region',
      'regional outage',
      'weighted',
      'route53',
      'dns',
      'third party outage',
      'provider outage',
      'drain region',
    ],
    tools: ['aws', 'dig'],
    riskLevel: 'HIGH',
    parameters: [
      region,
      { name: 'hostname', type: 'hostname', fact: 'hostname' },
      str('zone_id'),
      str('regional_endpoint'),
    ],
    preconditions: [
      'The other regions can carry all the traffic (check their capacity and autoscaling limits).',
      'The record for {{hostname}} is a weighted record with SetIdentifier {{region}}.',
    ],
    steps: [
      {
        action: 'Read the weighted records',
        command: `aws route53 list-resource-record-sets --hosted-zone-id {{zone_id}} --query "ResourceRecordSets[?Name == '{{hostname}}.']"`,
        expectedResult: 'One record per region with its Weight; note them.',
        destructive: false,
      },
      {
        action: 'Set the weight of {{region}} to 0',
        command: `aws route53 change-resource-record-sets --hosted-zone-id {{zone_id}} --change-batch '{"Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"{{hostname}}","Type":"CNAME","SetIdentifier":"{{region}}","Weight":0,"TTL":60,"ResourceRecords":[{"Value":"{{regional_endpoint}}"}]}}]}'`,
        expectedResult: 'A ChangeInfo with Status PENDING.',
        destructive: true,
      },
      {
        action: 'Watch traffic leave the region',
        command: 'dig +short {{hostname}} @8.8.8.8',
        expectedResult: 'Answers no longer include {{regional_endpoint}} after the TTL (60 s).',
        destructive: false,
      },
    ],
    rollback: ['Restore the weight of {{region}} read in step 1 once the region is healthy.'],
  },
];

export function templateById(id: string): RunbookTemplate | undefined {
  return CATALOG.find((template) => template.id === id);
}
