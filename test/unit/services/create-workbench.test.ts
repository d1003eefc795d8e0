import { describe, expect, it } from 'vitest';
import { parseHostOverrides, resolveDataDir } from '../../../src-main/services/create-workbench.js';

describe('workbench settings', () => {
  it('resolves the data directory from the option, then EWB_HOME, then XDG_DATA_HOME', () => {
    expect(resolveDataDir({ dataDir: '/tmp/a', env: { EWB_HOME: '/tmp/b' } })).toBe('/tmp/a');
    expect(resolveDataDir({ env: { EWB_HOME: '/tmp/b', XDG_DATA_HOME: '/tmp/x' } })).toBe('/tmp/b');
    expect(resolveDataDir({ env: { XDG_DATA_HOME: '/tmp/x' } })).toBe('/tmp/x/esim-workbench');
  });

  it('parses host overrides and rejects malformed entries with a hint', () => {
    expect(parseHostOverrides('TestSmdpPlus1.example.com=127.0.0.1:8443, smds.example.com:443=127.0.0.1:9443')).toEqual({
      'testsmdpplus1.example.com': '127.0.0.1:8443',
      'smds.example.com:443': '127.0.0.1:9443',
    });
    expect(parseHostOverrides(undefined)).toEqual({});
    expect(() => parseHostOverrides('nonsense')).toThrow(/host=address:port/);
  });
});

describe('createWorkbench settings from the environment', () => {
  it('refuses an on/off variable that is neither, before starting anything', async () => {
    const { createWorkbench } = await import('../../../src-main/services/create-workbench.js');
    await expect(createWorkbench({ dataDir: '/nonexistent-ewb-test', env: { EWB_INSECURE_TLS: 'maybe' } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
