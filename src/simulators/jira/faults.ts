/**
 * Scripted failures (`failNext`) and the optional rate limit of the Jira simulator. Jira Cloud
 * responds to a rate-limited request with 429, `Retry-After` in seconds and `X-RateLimit-Reset` as
 * an ISO time to the minute (`2025-03-10T14:07Z`). Some 429 responses carry neither.
 */

import { type Answer, errorAnswer, JSON_CONTENT_TYPE, MESSAGES, UNAUTHENTICATED_BODY } from './responses.js';

/** A scripted response for the next matching requests, as `failNext` takes it. */
export interface FailNextOptions {
  /** Only requests with this HTTP method (any case). Default: any. */
  method?: string;
  /**
   * Only requests whose path matches: a string equal to the route template (such as
   * `/rest/api/3/issue/{issueIdOrKey}/transitions`) or to the path itself, or a RegExp tested on
   * the path. Default: any path.
   */
  pathPattern?: string | RegExp;
  status: number;
  /** How many matching requests get this response. Default 1. */
  times?: number;
  headers?: Record<string, string>;
  /**
   * A string is sent as HTML (an error page of a proxy, for example), an object as JSON, `null` as
   * no body. Default: a Jira-like body for the status (none for 429).
   */
  body?: unknown;
  /**
   * Carry out the request first and then send this response instead of its own, like a gateway
   * that times out after Jira committed a create. Default false: the request has no effect.
   */
  afterProcessing?: boolean;
}

/** The optional rate limit: at most `burst` requests in a row, refilled at `burst` per `perSeconds`. */
export interface RateLimitOptions {
  burst: number;
  perSeconds: number;
}

interface QueuedFault {
  options: FailNextOptions;
  remaining: number;
}

/** The scripted failures waiting for requests. */
export class FaultQueue {
  private faults: QueuedFault[] = [];

  add(options: FailNextOptions): void {
    if (!Number.isInteger(options.status) || options.status < 100 || options.status > 599) {
      throw new RangeError(`failNext needs an HTTP status from 100 to 599, got ${String(options.status)}.`);
    }
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new RangeError(`failNext needs times to be a whole number of 1 or more, got ${String(options.times)}.`);
    }
    this.faults.push({ options, remaining: times });
  }

  /** Take the first fault that matches a request, counting one use of it. */
  take(method: string, path: string, template: string | undefined): FailNextOptions | undefined {
    const fault = this.faults.find(({ options }) => {
      if (options.method !== undefined && options.method.toUpperCase() !== method) {
        return false;
      }
      const pattern = options.pathPattern;
      if (pattern === undefined) {
        return true;
      }
      return typeof pattern === 'string' ? pattern === template || pattern === path : pattern.test(path);
    });
    if (fault === undefined) {
      return undefined;
    }

    fault.remaining -= 1;
    if (fault.remaining === 0) {
      this.faults = this.faults.filter((candidate) => candidate !== fault);
    }
    return fault.options;
  }

  clear(): void {
    this.faults = [];
  }
}

/** Build the response of a scripted failure, filling in a Jira-like body where the script gives none. */
export function faultAnswer(fault: FailNextOptions): Answer {
  if (fault.body !== undefined) {
    return { status: fault.status, body: fault.body, headers: fault.headers };
  }

  if (fault.status === 429 || fault.status === 204) {
    return { status: fault.status, headers: fault.headers };
  }
  if (fault.status === 401) {
    return { status: 401, body: UNAUTHENTICATED_BODY, headers: fault.headers };
  }
  if (fault.status >= 500) {
    return { ...errorAnswer(fault.status, [MESSAGES.serviceUnavailable]), headers: fault.headers };
  }
  if (fault.status >= 200 && fault.status < 300) {
    return { status: fault.status, body: {}, headers: fault.headers };
  }
  return { ...errorAnswer(fault.status, [`Scripted failure with status ${fault.status}.`]), headers: fault.headers };
}

/** A token bucket that responds with 429 like Jira Cloud once the burst is used up. */
export class RateLimiter {
  private tokens: number;
  private lastRefill: number;
  private readonly refillPerMs: number;

  constructor(
    private readonly options: RateLimitOptions,
    nowMs: number,
  ) {
    if (!Number.isInteger(options.burst) || options.burst < 1 || !(options.perSeconds > 0)) {
      throw new RangeError(
        `rateLimit needs burst (a whole number of 1 or more) and perSeconds (above 0), got ${JSON.stringify(options)}.`,
      );
    }
    this.tokens = options.burst;
    this.lastRefill = nowMs;
    this.refillPerMs = options.burst / (options.perSeconds * 1000);
  }

  /** Take a token for a request. Returns the 429 response when none is left. */
  take(nowMs: number): Answer | undefined {
    this.tokens = Math.min(this.options.burst, this.tokens + (nowMs - this.lastRefill) * this.refillPerMs);
    this.lastRefill = nowMs;

    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }

    const waitMs = (1 - this.tokens) / this.refillPerMs;
    // The reset header has minute precision, so it is rounded up to be never too early.
    const reset = new Date(Math.ceil((nowMs + waitMs) / 60_000) * 60_000).toISOString().slice(0, 16);
    return {
      status: 429,
      headers: {
        'Content-Type': JSON_CONTENT_TYPE,
        'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))),
        'X-RateLimit-Limit': String(this.options.burst),
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': `${reset}Z`,
        'X-RateLimit-NearLimit': 'true',
        'RateLimit-Reason': 'jira-burst-based',
      },
    };
  }
}
