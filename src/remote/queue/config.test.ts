/** `remote_write:` parsing: defaults, every field, and the error (with its key path) for bad input. */
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUFFER_CONFIG, DEFAULT_QUEUE_CONFIG, parseRemoteWriteConfigs, RemoteWriteConfigError, remoteWriteQueueDirName } from './config.ts';

const parse = (yaml: string, baseDir?: string) => parseRemoteWriteConfigs((parseYaml(yaml) as { remote_write: unknown }).remote_write, 'remote_write', { baseDir });

describe('parseRemoteWriteConfigs', () => {
  it('fills Prometheus defaults for a bare url', () => {
    const [c] = parse('remote_write:\n  - url: http://127.0.0.1:9090/api/v1/write\n');
    expect(c).toEqual({
      url: 'http://127.0.0.1:9090/api/v1/write',
      name: expect.stringMatching(/^[0-9a-f]{6}$/),
      remoteTimeoutMs: 30_000,
      headers: {},
      auth: null,
      writeRelabelConfigs: [],
      queue: DEFAULT_QUEUE_CONFIG,
      buffer: DEFAULT_BUFFER_CONFIG,
      sendMetadata: true,
      metadataSendIntervalMs: 60_000,
      followRedirects: true,
    });
    expect(DEFAULT_QUEUE_CONFIG).toMatchObject({ maxSamplesPerSend: 2000, batchSendDeadlineMs: 5000, minBackoffMs: 30, maxBackoffMs: 5000, retryOnHttp429: true });
    expect(DEFAULT_BUFFER_CONFIG).toEqual({ maxBytes: 1024 ** 3, maxAgeMs: 7_200_000 });
    expect(parseRemoteWriteConfigs(null, 'remote_write')).toEqual([]);
  });

  it('reads every field', () => {
    const [c] = parse(`
remote_write:
  - url: https://mimir.example:443/api/v1/push
    name: mimir
    remote_timeout: 1m30s
    headers: { X-Scope-OrgID: team-a }
    basic_auth: { username: u, password_file: secrets/pw }
    write_relabel_configs:
      - source_labels: [__name__]
        regex: go_.*
        action: drop
    queue_config:
      capacity: 5000
      max_shards: 8
      min_shards: 2
      max_samples_per_send: 1000
      batch_send_deadline: 2s
      min_backoff: 50ms
      max_backoff: 10s
      retry_on_http_429: false
    metadata_config: { send: false, send_interval: 1m }
    buffer: { max_size: 256MiB, max_age: 30m }
    follow_redirects: false
    send_exemplars: false
`, '/etc/pharos');
    expect(c).toMatchObject({
      url: 'https://mimir.example:443/api/v1/push',
      name: 'mimir',
      remoteTimeoutMs: 90_000,
      headers: { 'X-Scope-OrgID': 'team-a' },
      auth: { kind: 'basic', username: 'u', password: '', passwordFile: '/etc/pharos/secrets/pw' },
      queue: { capacity: 5000, maxShards: 8, minShards: 2, maxSamplesPerSend: 1000, batchSendDeadlineMs: 2000, minBackoffMs: 50, maxBackoffMs: 10_000, retryOnHttp429: false },
      buffer: { maxBytes: 256 * 1024 ** 2, maxAgeMs: 1_800_000 },
      sendMetadata: false,
      metadataSendIntervalMs: 60_000,
      followRedirects: false,
    });
    expect(c.writeRelabelConfigs).toHaveLength(1);
    expect(c.writeRelabelConfigs[0].action).toBe('drop');
  });

  it.each<[string, string, object]>([
    ['authorization with a default type', 'authorization: { credentials: s3cret }', { kind: 'authorization', type: 'Bearer', credentials: 's3cret', credentialsFile: '' }],
    ['authorization with a type and file', 'authorization: { type: Token, credentials_file: /run/tok }', { kind: 'authorization', type: 'Token', credentials: '', credentialsFile: '/run/tok' }],
    ['the deprecated bearer_token', 'bearer_token: abc', { kind: 'authorization', type: 'Bearer', credentials: 'abc' }],
    ['the deprecated bearer_token_file', 'bearer_token_file: /run/tok', { kind: 'authorization', type: 'Bearer', credentialsFile: '/run/tok' }],
    ['basic_auth with a password', 'basic_auth: { username: a, password: b }', { kind: 'basic', username: 'a', password: 'b' }],
  ])('reads %s', (_name, yaml, auth) => {
    const [c] = parse(`remote_write:\n  - url: http://h/w\n    ${yaml}\n`);
    expect(c.auth).toMatchObject(auth);
  });

  it('takes byte counts as numbers and the buffer age limit 0 as off', () => {
    const [c] = parse('remote_write:\n  - url: http://h/w\n    buffer: { max_size: 1048576, max_age: 0 }\n');
    expect(c.buffer).toEqual({ maxBytes: 1_048_576, maxAgeMs: 0 });
  });

  it('derives distinct names from distinct urls and refuses duplicates', () => {
    const cs = parse('remote_write:\n  - url: http://a/w\n  - url: http://b/w\n');
    expect(cs[0].name).not.toBe(cs[1].name);
    expect(() => parse('remote_write:\n  - url: http://a/w\n  - url: http://a/w\n')).toThrow(/remote_write\[1\]\.name: duplicate remote write name/);
    expect(() => parse('remote_write:\n  - {url: http://a/w, name: x}\n  - {url: http://b/w, name: x}\n')).toThrow(/remote_write\[1\]\.name: duplicate .*"x" \(also remote_write\[0\]\)/);
  });

  // Each bad config and the start of the error it must give.
  it.each<[string, string]>([
    ['remote_write: {url: x}', 'remote_write: must be a list'],
    ['remote_write: [3]', 'remote_write[0]: must be a mapping, got number 3'],
    ['remote_write: [{name: a}]', 'remote_write[0].url: is required'],
    ['remote_write: [{url: "not a url"}]', 'remote_write[0].url: not a valid URL'],
    ['remote_write: [{url: "ftp://h/w"}]', 'remote_write[0].url: scheme must be http or https'],
    ['remote_write: [{url: http://h/w, urll: x}]', 'remote_write[0].urll: unknown field'],
    ['remote_write: [{url: http://h/w, sigv4: {region: x}}]', 'remote_write[0].sigv4: AWS SigV4 signing is not supported'],
    ['remote_write: [{url: http://h/w, tls_config: {}}]', 'remote_write[0].tls_config: tls_config is not supported'],
    ['remote_write: [{url: http://h/w, remote_timeout: 30}]', 'remote_write[0].remote_timeout: a duration needs a unit: write 30s, not 30'],
    ['remote_write: [{url: http://h/w, remote_timeout: 1s30m}]', 'remote_write[0].remote_timeout: not a valid duration: "1s30m"'],
    ['remote_write: [{url: http://h/w, remote_timeout: 0s}]', 'remote_write[0].remote_timeout: must be at least 1ms'],
    ['remote_write: [{url: http://h/w, headers: {Authorization: x}}]', 'remote_write[0].headers.Authorization: is a reserved header'],
    ['remote_write: [{url: http://h/w, headers: {X-Ok: 3}}]', 'remote_write[0].headers.X-Ok: must be a string'],
    ['remote_write: [{url: http://h/w, basic_auth: {username: a, password: b, password_file: c}}]', 'remote_write[0].basic_auth.password_file: at most one of password and password_file'],
    ['remote_write: [{url: http://h/w, basic_auth: {username: a}, bearer_token: t}]', 'remote_write[0].bearer_token: cannot be combined with basic_auth'],
    ['remote_write: [{url: http://h/w, authorization: {credentials: a}, bearer_token: t}]', 'remote_write[0].bearer_token: cannot be combined with authorization'],
    ['remote_write: [{url: http://h/w, bearer_token: a, bearer_token_file: b}]', 'remote_write[0].bearer_token_file: at most one of bearer_token and bearer_token_file'],
    ['remote_write: [{url: http://h/w, authorization: {type: Basic, credentials: a}}]', 'remote_write[0].authorization.type: cannot be "Basic"'],
    ['remote_write: [{url: http://h/w, authorization: {credentials: a, credentials_file: b}}]', 'remote_write[0].authorization.credentials_file: at most one'],
    ['remote_write: [{url: http://h/w, queue_config: {max_shards: 0}}]', 'remote_write[0].queue_config.max_shards: must be at least 1, got 0'],
    ['remote_write: [{url: http://h/w, queue_config: {capacity: 1.5}}]', 'remote_write[0].queue_config.capacity: must be a whole number'],
    ['remote_write: [{url: http://h/w, queue_config: {min_shards: 5, max_shards: 2}}]', 'remote_write[0].queue_config.min_shards: 5 is more than max_shards (2)'],
    ['remote_write: [{url: http://h/w, queue_config: {min_backoff: 10s, max_backoff: 1s}}]', 'remote_write[0].queue_config.min_backoff: is longer than max_backoff'],
    ['remote_write: [{url: http://h/w, queue_config: {capacity: 100}}]', 'remote_write[0].queue_config.capacity: 100 is less than max_samples_per_send (2000)'],
    ['remote_write: [{url: http://h/w, queue_config: {retry_on_http_429: "yes"}}]', 'remote_write[0].queue_config.retry_on_http_429: must be true or false'],
    ['remote_write: [{url: http://h/w, queue_config: {sample_age_limit: 1h}}]', 'remote_write[0].queue_config.sample_age_limit: is not supported; use buffer.max_age'],
    ['remote_write: [{url: http://h/w, queue_config: {max_sample_per_send: 5}}]', 'remote_write[0].queue_config.max_sample_per_send: unknown field'],
    ['remote_write: [{url: http://h/w, buffer: {max_size: 10}}]', 'remote_write[0].buffer.max_size: 10 bytes is below the minimum'],
    ['remote_write: [{url: http://h/w, buffer: {max_size: 1 furlong}}]', 'remote_write[0].buffer.max_size: not a byte size'],
    ['remote_write: [{url: http://h/w, buffer: {max_age: soon}}]', 'remote_write[0].buffer.max_age: not a valid duration'],
    ['remote_write: [{url: http://h/w, write_relabel_configs: [{action: nope}]}]', 'remote_write[0].write_relabel_configs[0].action'],
    ['remote_write: [{url: http://h/w, metadata_config: {send: 1}}]', 'remote_write[0].metadata_config.send: must be true or false'],
  ])('%s', (yaml, message) => {
    let err: unknown;
    try {
      parseRemoteWriteConfigs((parseYaml(yaml) as { remote_write: unknown }).remote_write, 'remote_write');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RemoteWriteConfigError);
    expect((err as Error).message.startsWith(message), (err as Error).message).toBe(true);
    expect((err as RemoteWriteConfigError).path).toBe(message.split(':')[0]);
  });

  it('names buffer directories safely and per url', () => {
    expect(remoteWriteQueueDirName({ name: 'mimir/prod ✓', url: 'http://a/w' })).toMatch(/^mimir_prod__-[0-9a-f]{8}$/);
    expect(remoteWriteQueueDirName({ name: 'x', url: 'http://a/w' })).not.toBe(remoteWriteQueueDirName({ name: 'x', url: 'http://b/w' }));
  });
});
