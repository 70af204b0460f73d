/**
 * @module Reader of udev's device database (/run/udev/data/b<major>:<minor>), which gives disks
 * their path, WWN, model, serial and device-mapper names. Follows node_exporter 1.5's
 * getUdevDeviceProperties: only `E:KEY=value` property lines count.
 */

/** udev properties node_exporter 1.5's diskstats collector reads. */
export const UDEV = {
  idPath: 'ID_PATH',
  idWwn: 'ID_WWN',
  idModel: 'ID_MODEL',
  idSerialShort: 'ID_SERIAL_SHORT',
  idRevision: 'ID_REVISION',
  idAta: 'ID_ATA',
  idAtaRotationRateRpm: 'ID_ATA_ROTATION_RATE_RPM',
  idAtaWriteCache: 'ID_ATA_WRITE_CACHE',
  idAtaWriteCacheEnabled: 'ID_ATA_WRITE_CACHE_ENABLED',
  dmName: 'DM_NAME',
  dmUuid: 'DM_UUID',
  dmVgName: 'DM_VG_NAME',
  dmLvName: 'DM_LV_NAME',
  dmLvLayer: 'DM_LV_LAYER',
} as const;

const PROPERTY_PREFIX = 'E:';

/** The `E:` properties of a udev database file; later duplicates win. Never throws: other lines are ignored. */
export function parseUdevProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(PROPERTY_PREFIX)) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    out.set(line.slice(PROPERTY_PREFIX.length, eq), line.slice(eq + 1));
  }
  return out;
}
