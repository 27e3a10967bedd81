// The pollers hold only the secrets of the sources they post as. (Pure: no stack.)
import { validateEnv } from '@switchboard/platform';

import { PollersEnv } from '../../services/pollers/src/config/pollers.env';
import { pollersEnv, secretOfSource } from '../../scripts/support/pollers-env';

const erp = 'erp-secret-0123456789abcdef==';
const support = 'support-secret-0123456789abcdef==';
const systems = {
  INGEST_URL: 'http://127.0.0.1:3000',
  TRYTON_URL: 'http://127.0.0.1:8123',
  TRYTON_DATABASE: 'switchboard',
  TRYTON_USER: 'admin',
  TRYTON_PASSWORD: 'admin',
  RT_URL: 'http://127.0.0.1:8124/rt',
  RT_USER: 'root',
  RT_PASSWORD: 'rt',
  // The CRM parties job (source `crm`) is checked on its own below.
  CRM_PARTIES_POLL_ENABLED: 'false',
};
const crmSystem = {
  CRM_PARTIES_POLL_ENABLED: 'true',
  CRM_URL: 'http://127.0.0.1:8123',
  CRM_DATABASE: 'crm',
  CRM_USER: 'admin',
  CRM_PASSWORD: 'admin',
};
const crm = 'crm-secret-0123456789abcdef==';
const validate = validateEnv(PollersEnv);

describe("the pollers hold only their own sources' secrets", () => {
  it("start with the erp and support secrets, one source's each", () => {
    expect(validate({ ...systems, INGEST_SECRET_ERP: erp, INGEST_SECRET_SUPPORT: support })).toMatchObject({
      INGEST_SECRET_ERP: erp,
      INGEST_SECRET_SUPPORT: support,
    });
  });

  it("refuse to start when handed ingest's INGEST_SOURCE_SECRETS (every source's secret)", () => {
    expect(() =>
      validate({
        ...systems,
        INGEST_SECRET_ERP: erp,
        INGEST_SECRET_SUPPORT: support,
        INGEST_SOURCE_SECRETS: `crm=x,erp=${erp}`,
      }),
    ).toThrow(/INGEST_SOURCE_SECRETS: must not be set/);
  });

  it('refuse a missing or short secret of an enabled job, and need none for a disabled one', () => {
    expect(() => validate({ ...systems, INGEST_SECRET_SUPPORT: support })).toThrow(
      /INGEST_SECRET_ERP \(or INGEST_SECRET_ERP_FILE\), the erp source's secret, is required/,
    );
    expect(() =>
      validate({ ...systems, INGEST_SECRET_ERP: 'short', INGEST_SECRET_SUPPORT: support }),
    ).toThrow(/shorter than 24/);
    expect(() =>
      validate({ ...systems, TRYTON_PARTIES_POLL_ENABLED: 'false', INGEST_SECRET_SUPPORT: support }),
    ).not.toThrow();
    const both = { ...systems, ...crmSystem, INGEST_SECRET_ERP: erp, INGEST_SECRET_SUPPORT: support };
    expect(() => validate(both)).toThrow(
      /INGEST_SECRET_CRM \(or INGEST_SECRET_CRM_FILE\), the crm source's secret, is required/,
    );
    expect(validate({ ...both, INGEST_SECRET_CRM: crm })).toMatchObject({ INGEST_SECRET_CRM: crm });
  });

  it('refuse a development secret in production', () => {
    expect(() =>
      validate({
        ...systems,
        NODE_ENV: 'production',
        INGEST_SECRET_ERP: 'dev-erp-secret-change-me',
        INGEST_SECRET_SUPPORT: support,
      }),
    ).toThrow(/development secret/);
  });

  it("the local runner hands them erp's, support's and crm's secrets out of ingest's list, nothing more", () => {
    expect(secretOfSource(`crm=a,support=old-one,support=${support}`, 'support')).toBe(support);
    expect(secretOfSource('crm=a', 'support')).toBeUndefined();
    const env = pollersEnv(
      { INGEST_SOURCE_SECRETS: `crm=c,erp=${erp},support=${support},finance=f`, OTHER: 'kept' },
      'http://ingest',
    );
    expect(env).toEqual({
      OTHER: 'kept',
      INGEST_URL: 'http://ingest',
      INGEST_SECRET_ERP: erp,
      INGEST_SECRET_SUPPORT: support,
      INGEST_SECRET_CRM: 'c',
    });
  });
});
