import {
  approvalRequestSchema,
  cancelSchema,
  decisionSchema,
  elicitationAnswerSchema,
  listQuerySchema,
  ruleInputSchema,
  waitQuerySchema,
  type Approval,
  type CreatedApproval,
} from '../../../shared/approvals';
import { hangUpSignal, readJsonBody, sendJson, validate } from '../relay/http';
import type { Router } from '../relay/router';
import type { ApprovalQueue } from './queue';

export function createdAnswer(approval: Approval): CreatedApproval {
  const { id, level, status, priority, dueAt } = approval;
  return { id, level, status, priority, dueAt };
}

/** The approvals routes of API.md, plus `/api/approval-rules` for "always allow this tool". */
export function registerApprovalRoutes(router: Router, queue: ApprovalQueue): void {
  router.add('POST', '/api/approvals', async ({ req, res }) => {
    const approval = await queue.request(validate(approvalRequestSchema, await readJsonBody(req)));
    sendJson(res, 201, createdAnswer(approval));
  });
  router.add('GET', '/api/approvals', ({ url }) => queue.list(validate(listQuerySchema, Object.fromEntries(url.searchParams)).status));
  router.add('GET', '/api/approvals/:id', ({ params }) => queue.find(params.id));
  router.add('GET', '/api/approvals/:id/wait', async ({ params, url, res }) => {
    const { timeoutMs } = validate(waitQuerySchema, Object.fromEntries(url.searchParams));
    // The agent hanging up ends the wait; nothing is left behind for it.
    return queue.waitFor(params.id, timeoutMs, hangUpSignal(res));
  });
  router.add('POST', '/api/approvals/:id/decision', async ({ req, params }) => queue.decide(params.id, validate(decisionSchema, await readJsonBody(req))), {
    maxBodyBytes: 16 * 1024,
  });
  router.add('POST', '/api/approvals/:id/answer', async ({ req, params }) => queue.answer(params.id, validate(elicitationAnswerSchema, await readJsonBody(req))), {
    maxBodyBytes: 64 * 1024,
  });
  router.add('DELETE', '/api/approvals/:id', async ({ req, params }) => {
    const cancelled = await queue.cancel(params.id, validate(cancelSchema, await readJsonBody(req)));
    return { success: true, cancelledAt: cancelled.decidedAt };
  });

  router.add('GET', '/api/approval-rules', () => queue.rules());
  router.add('POST', '/api/approval-rules', async ({ req, res }) => {
    const input = validate(ruleInputSchema, await readJsonBody(req));
    sendJson(res, 201, await queue.addRule(input.tool, input.scope, input.by ?? 'api'));
  });
  router.add('DELETE', '/api/approval-rules', async ({ req }) => {
    const input = validate(ruleInputSchema, await readJsonBody(req));
    await queue.revokeRule(input.tool, input.scope, input.by ?? 'api');
    return { success: true };
  });
}
