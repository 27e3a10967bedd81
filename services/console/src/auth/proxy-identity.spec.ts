import { proxyIdentity, type ProxySettings } from './proxy-identity';

const settings: ProxySettings = {
  enabled: true,
  trustedAddresses: ['10.0.0.5'],
  userHeader: 'X-Forwarded-User',
  groupsHeader: 'X-Forwarded-Groups',
};
const headers = { 'x-forwarded-user': 'dana@example.com', 'x-forwarded-groups': 'data-steward, admins' };

describe('OIDC proxy identity', () => {
  it('takes the user and the known roles from the trusted proxy', () => {
    expect(proxyIdentity(settings, '::ffff:10.0.0.5', headers)).toEqual({
      name: 'dana@example.com',
      roles: ['data-steward'],
    });
  });

  it('ignores the headers from any other address, and when proxy mode is off', () => {
    expect(proxyIdentity(settings, '10.0.0.6', headers)).toBeNull();
    expect(proxyIdentity({ ...settings, enabled: false }, '10.0.0.5', headers)).toBeNull();
  });

  it('ignores a missing or malformed user', () => {
    expect(proxyIdentity(settings, '10.0.0.5', {})).toBeNull();
    expect(proxyIdentity(settings, '10.0.0.5', { 'x-forwarded-user': 'a b<script>' })).toBeNull();
  });
});
