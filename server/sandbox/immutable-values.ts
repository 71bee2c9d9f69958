/**
 * Values their owner has deep-frozen and shares between executions (the
 * worker's cache of upstream outputs): their JSON can never change, so the
 * pool serialises each once (`jsonOf` in pool.ts), not once per execution.
 */
export const immutableValues = new WeakSet<object>();
