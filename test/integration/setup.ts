// Root hooks for the integration tier: whatever real servers a test started are stopped at the end.
import { stopAllRedis } from '../helpers/redis';

export const mochaHooks = {
  async afterAll() {
    await stopAllRedis();
  },
};
