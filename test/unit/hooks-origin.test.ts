import { strict as assert } from 'node:assert';
import { folderName, hookApprovalMessage, hookApprovalOrigin, sessionClause } from '../../src/extension/engine/hooks/origin';

const hookApproval = (cwd: string) => ({
  agent: 'Claude Code',
  title: 'Claude Code wants to run `npm publish`',
  description: `Shell command that publishes${sessionClause('4f1c-9a', cwd)}72 from the policy.`,
});

describe('the session behind a hook approval', () => {
  it('reads back the agent, session and folder the intake wrote', () => {
    assert.deepEqual(hookApprovalOrigin(hookApproval('/home/dev/shop/api')), { agent: 'claude-code', sessionId: '4f1c-9a', cwd: '/home/dev/shop/api' });
    assert.deepEqual(hookApprovalOrigin(hookApproval('/home/dev/a project in here')), { agent: 'claude-code', sessionId: '4f1c-9a', cwd: '/home/dev/a project in here' });
  });

  it('is undefined for approvals that did not come from a hook', () => {
    assert.equal(hookApprovalOrigin({ agent: 'deploy-bot', description: `x${sessionClause('s', '/p')}1 from the policy.` }), undefined);
    assert.equal(hookApprovalOrigin({ agent: 'Claude Code', description: 'Deploy to production' }), undefined);
    assert.equal(hookApprovalOrigin({ agent: 'Claude Code' }), undefined);
  });

  it('says who asks for what, in which folder', () => {
    const approval = hookApproval('/home/dev/shop/api');
    assert.equal(hookApprovalMessage(approval, hookApprovalOrigin(approval)!), 'Claude Code in api/ wants to run `npm publish`');
    assert.equal(folderName('C:\\work\\web\\'), 'web/');
    assert.equal(folderName('/'), '/');
  });
});
