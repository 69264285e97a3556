import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** SQS takes at most ten entries in one DeleteMessageBatch call. */
const MAX_BATCH_ENTRIES = 10;

/** Why one delete failed: the SDK error of the call, or an error made from the entry's failure. */
export interface DeleteFailure {
  error: Error;
}

interface PendingDelete {
  id: string;
  receiptHandle: string;
  settle: (failure: DeleteFailure | undefined) => void;
}

/**
 * Collects deletes of handled messages and sends them ten to a DeleteMessageBatch call, so a busy
 * worker makes one delete call per ten messages instead of one each. A delete waits at most
 * `maxDelayMs` for others to join its batch.
 */
export class DeleteBatcher {
  private pending: PendingDelete[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly maxDelayMs = 10,
  ) {}

  /** Delete one message. Never rejects: resolves with the failure, or undefined once deleted. */
  delete(receiptHandle: string): Promise<DeleteFailure | undefined> {
    return new Promise((settle) => {
      this.nextId = (this.nextId + 1) % 1_000_000;
      this.pending.push({ id: String(this.nextId), receiptHandle, settle });

      if (this.pending.length >= MAX_BATCH_ENTRIES) {
        void this.flush();
      } else if (!this.timer) {
        this.timer = setTimeout(() => void this.flush(), this.maxDelayMs);
      }
    });
  }

  /** Send the deletes that are waiting now, ten to a call. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;

    while (this.pending.length > 0) {
      await this.send(this.pending.splice(0, MAX_BATCH_ENTRIES));
    }
  }

  private async send(batch: PendingDelete[]): Promise<void> {
    try {
      const output = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map(({ id, receiptHandle }) => ({ Id: id, ReceiptHandle: receiptHandle })),
        }),
      );

      const failures = new Map((output.Failed ?? []).map((entry) => [entry.Id, entry]));
      for (const entry of batch) {
        const failure = failures.get(entry.id);
        if (!failure) {
          entry.settle(undefined);
          continue;
        }
        const error = new Error(failure.Message ?? 'DeleteMessageBatch entry failed');
        error.name = failure.Code ?? 'DeleteMessageBatchEntryFailed';
        entry.settle({ error });
      }
    } catch (error) {
      for (const entry of batch) entry.settle({ error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
}
