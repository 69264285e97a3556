/** The context of a failed call to an ITSM API, the same for every system. */
export interface ApiErrorContext<Kind extends string> {
  kind: Kind;
  /** The operation, with the record it worked on: `create incident`, `transition issue`. */
  operation: string;
  /** HTTP status, absent for network errors. */
  status?: number;
  /** Further detail: an error detail of the API, the page title of an HTML response, a network error. */
  detail?: string;
  /** Whether the same request may succeed later without a change on our side. */
  retryable: boolean;
  /** The fix for the operator or the mapping author. */
  advice?: string;
  /** Wait time that the system asked for (Retry-After or X-RateLimit-Reset), in milliseconds. */
  retryAfterMs?: number;
  /** A sanitized cause: never the axios error itself. */
  cause?: Error;
}

/**
 * A failed call to an ITSM REST API. The message reads
 * `<system> <operation> failed: HTTP <status> "<the system's messages>" (<detail>) after <n> attempts. <advice>`,
 * and is rebuilt when the client records how many attempts it made. Subclasses name the system and
 * its own messages, and call `refreshMessage()` at the end of their constructor.
 *
 * No error keeps the axios error, its request config or its headers, so no Authorization header,
 * password, token or client secret can reach a log line through an error.
 */
export abstract class ApiError<Kind extends string> extends Error {
  readonly kind: Kind;
  readonly operation: string;
  readonly status?: number;
  readonly detail?: string;
  readonly retryable: boolean;
  readonly advice?: string;
  readonly retryAfterMs?: number;
  /** Number of HTTP requests made for this operation before it failed. */
  attempts = 1;

  constructor(context: ApiErrorContext<Kind>) {
    super('', context.cause === undefined ? undefined : { cause: context.cause });
    this.kind = context.kind;
    this.operation = context.operation;
    this.status = context.status;
    this.detail = context.detail;
    this.retryable = context.retryable;
    this.advice = context.advice;
    this.retryAfterMs = context.retryAfterMs;
  }

  /** Record how many requests were made, and add the count to the message. */
  recordAttempts(attempts: number): void {
    this.attempts = attempts;
    this.refreshMessage();
  }

  /** The start of the message: the system and the operation, such as `ServiceNow create incident`. */
  protected abstract subject(): string;

  /** The system's own messages, each quoted, in the order they are shown. */
  protected abstract systemMessages(): string[];

  protected refreshMessage(): void {
    const parts = [`${this.subject()} failed`];

    if (this.status !== undefined) {
      parts.push(`: HTTP ${this.status}`);
    }

    const messages = this.systemMessages();
    if (messages.length > 0) {
      parts.push(` ${messages.join('; ')}`);
    }

    if (this.detail) {
      // Details come with tabs and line breaks (data policy lists, HTML titles); one line reads better in logs.
      parts.push(` (${oneLine(this.detail)})`);
    }

    if (this.attempts > 1) {
      parts.push(` after ${this.attempts} attempts`);
    }

    parts.push('.');

    if (this.advice) {
      parts.push(` ${this.advice}`);
    }

    this.message = parts.join('');
  }
}

/** Collapse runs of white space, line breaks included, into single spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
