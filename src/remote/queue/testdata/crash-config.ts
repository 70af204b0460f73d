/** @module The remote_write entry shared by crash.test.ts and its child process. */
export const CRASH_QUEUE_CONFIG = {
  name: 'crash',
  queue_config: { max_shards: 4, capacity: 2000, max_samples_per_send: 500, batch_send_deadline: '20ms', min_backoff: '10ms', max_backoff: '50ms' },
} as const;
