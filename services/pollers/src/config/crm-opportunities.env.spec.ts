import { validateEnv } from '@switchboard/platform';

import { CrmOpportunitiesEnv } from './crm-opportunities.env';
import { PollersEnv } from './pollers.env';

const validate = validateEnv(CrmOpportunitiesEnv);
const on = {
  CRM_OPPORTUNITIES_POLL_ENABLED: 'true',
  CRM_URL: 'http://127.0.0.1:8123',
  CRM_DATABASE: 'crm',
  CRM_USER: 'admin',
  CRM_PASSWORD: 'admin',
  CRM_DEAL_TAX_RATE_PERCENT: '19',
  POLLERS_OWNERSHIP_FILE: 'deploy/ownership.yaml',
  INGEST_SECRET_CRM: 'crm-secret-0123456789abcdef==',
};

describe('CrmOpportunitiesEnv', () => {
  it('is off by default and then needs none of its settings', () => {
    expect(validate({})).toMatchObject({
      CRM_OPPORTUNITIES_POLL_ENABLED: false,
      CRM_OPPORTUNITIES_POLL_MS: 30_000,
    });
  });

  it('on, starts with the CRM, the tax rate, the ownership rules and the crm source secret', () => {
    expect(validate(on)).toMatchObject({
      CRM_OPPORTUNITIES_POLL_ENABLED: true,
      CRM_DEAL_TAX_RATE_PERCENT: '19',
    });
  });

  it.each(['CRM_DEAL_TAX_RATE_PERCENT', 'POLLERS_OWNERSHIP_FILE'])(
    'on, refuses to start without %s',
    (variable) => {
      const without = Object.fromEntries(Object.entries(on).filter(([name]) => name !== variable));
      expect(() => validate(without)).toThrow(new RegExp(variable));
    },
  );

  // The CRM's address and the crm source's secret are the pollers' settings, shared with the CRM parties job.
  it.each(['INGEST_SECRET_CRM', 'CRM_URL'])(
    'on alone (the parties job off), the pollers need %s',
    (variable) => {
      const alone = {
        ...on,
        INGEST_URL: 'http://127.0.0.1:3000',
        TRYTON_PARTIES_POLL_ENABLED: 'false',
        RT_ESCALATIONS_POLL_ENABLED: 'false',
        CRM_PARTIES_POLL_ENABLED: 'false',
      };
      const validatePollers = validateEnv(PollersEnv);
      expect(() => validatePollers(alone)).not.toThrow();
      const without = Object.fromEntries(Object.entries(alone).filter(([name]) => name !== variable));
      expect(() => validatePollers(without)).toThrow(new RegExp(variable));
    },
  );
});
